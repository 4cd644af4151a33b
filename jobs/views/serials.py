"""Serial routes (docs/api.md: Serial): the contract loads and dumps; the view calls the service."""
from flask import url_for

from jobs.http import ListPage, bp, contract, load_body, load_query
from jobs.services import jobs, paths
from jobs.services import serials as service
from schemas.serial import SerialCreateSchema, SerialDetailSchema, SerialListSchema, SerialSchema


@bp.post("/serials")
@contract(
    SerialSchema(many=True), status=201, body=SerialCreateSchema, idempotent=True,
    role="operator",
    headers={"Location": "`/api/serials/{id}` of the first serial of the batch"},
    errors={404: (jobs.NOT_FOUND.format(id="{jobId}"), paths.NOT_FOUND.format(id="{pathId}")),
            400: (service.NOT_OF_JOB,)},
)
def create_serials():
    """Create Serials: 201 with the batch; `Location` names its first serial."""
    serials = service.create_serials(**load_body())
    return serials, {"Location": url_for(".get_serial", serial_id=serials[0]["id"])}


@bp.get("/serials")
@contract(SerialSchema(many=True), query=SerialListSchema, role="viewer",
          page=ListPage("serials", "number"))
def list_serials():
    """List Serials: 200 with the serials that match the filters, by number, paged or streamed."""
    return service.serial_list(**load_query())


@bp.get("/serials/<serial_id>")
@contract(SerialDetailSchema, role="viewer", errors={404: (service.NOT_FOUND,)})
def get_serial(serial_id: str):
    """Get Serial: 200 with the serial and its `steps`."""
    return service.get_serial(serial_id)
