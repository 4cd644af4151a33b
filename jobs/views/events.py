"""History routes (docs/api.md, History): a job's and a serial's history, the event feed and
its head (Records an auditor can trust)."""
from jobs.http import ListPage, bp, contract, load_query
from jobs.services import chain, jobs, serials
from jobs.services import history as service
from schemas.event import EventHeadSchema, EventListSchema, EventSchema, HistoryQuerySchema

BY_ID = "`id`"


@bp.get("/jobs/<job_id>/history")
@contract(EventSchema(many=True), role="viewer", query=HistoryQuerySchema,
          page=ListPage("job history", BY_ID), errors={404: (jobs.NOT_FOUND,)})
def job_history(job_id: str):
    """Job History: 200 with the events of the job, its paths and serial batches, oldest first."""
    return service.job_history(job_id)


@bp.get("/serials/<serial_id>/history")
@contract(EventSchema(many=True), role="viewer", query=HistoryQuerySchema,
          page=ListPage("serial history", BY_ID), errors={404: (serials.NOT_FOUND,)})
def serial_history(serial_id: str):
    """Serial History: 200 with the batch event that made the serial, then its own events."""
    return service.serial_history(serial_id)


@bp.get("/events")
@contract(EventSchema(many=True), role="viewer", query=EventListSchema,
          page=ListPage("events", BY_ID))
def list_events():
    """List Events: 200 with the events matching every filter, by id; `after`: larger ids only."""
    return service.event_list(**load_query())


@bp.get("/events/head")
@contract(EventHeadSchema, role="viewer", errors={404: (chain.NO_EVENTS,)})
def events_head():
    """Events Head: 200 with the newest event's `id` and `hash`; 404 with no events."""
    return chain.head()
