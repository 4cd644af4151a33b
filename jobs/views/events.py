"""History routes (docs/api.md, History): a job's and a serial's history, and the event feed."""
from flask import request

from jobs.http import bp, contract
from jobs.services import history as service
from schemas.event import EventFilterSchema, EventSchema

event_schema = EventSchema()
filter_schema = EventFilterSchema()


@bp.get("/jobs/<job_id>/history")
@contract(EventSchema(many=True), role="viewer", errors={404: ("Job not found: {id}",)})
def job_history(job_id: str):
    """Job History: 200 with the events of the job, its paths and serial batches, oldest first."""
    return event_schema.dump(service.job_history(job_id), many=True)


@bp.get("/serials/<serial_id>/history")
@contract(EventSchema(many=True), role="viewer", errors={404: ("Serial not found: {id}",)})
def serial_history(serial_id: str):
    """Serial History: 200 with the batch event that made the serial, then its own events."""
    return event_schema.dump(service.serial_history(serial_id), many=True)


@bp.get("/events")
@contract(EventSchema(many=True), role="viewer", query=EventFilterSchema,
          errors={400: ("{field} must be given at most once",)})
def list_events():
    """List Events: 200 with the events matching every filter, by id; `after`: larger ids only."""
    filters = filter_schema.load(request.args)
    return event_schema.dump(service.list_events(**filters), many=True)
