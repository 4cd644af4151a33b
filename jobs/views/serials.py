"""Serial routes (docs/api.md: Serial): parse with a schema, call the service, dump."""
from flask import url_for

from jobs.http import ListPage, bp, contract, json_body, list_filters
from jobs.services import serials as service
from schemas.serial import (
    AdvanceSchema,
    ScrapSchema,
    SerialCreateSchema,
    SerialListSchema,
    SerialSchema,
)

serial_schema = SerialSchema()
create_schema = SerialCreateSchema()
scrap_schema = ScrapSchema()
advance_schema = AdvanceSchema()

SERIAL_NOT_FOUND = {404: ("Serial not found: {id}",)}


@bp.post("/serials")
@contract(
    SerialSchema(many=True), status=201, body=SerialCreateSchema, idempotent=True,
    role="operator",
    headers={"Location": "`/api/serials/{id}` of the first serial of the batch"},
    errors={404: ("Job not found: {jobId}", "Path not found: {pathId}"),
            400: ("Path {pathId} does not belong to job {jobId}",)},
)
def create_serials():
    """Create Serials: 201 with the batch; `Location` names its first serial."""
    serials = service.create_serials(**create_schema.load(json_body()))
    location = url_for(".get_serial", serial_id=serials[0]["id"])
    return serial_schema.dump(serials, many=True), 201, {"Location": location}


@bp.get("/serials")
@contract(SerialSchema(many=True), query=SerialListSchema, role="viewer",
          page=ListPage("serials", "number"))
def list_serials():
    """List Serials: 200 with the serials that match the filters, by number, paged or streamed."""
    return service.serial_list(**list_filters())


@bp.get("/serials/<serial_id>")
@contract(SerialSchema, role="viewer", errors=SERIAL_NOT_FOUND)
def get_serial(serial_id: str):
    """Get Serial: 200 with the serial."""
    return serial_schema.dump(service.get_serial(serial_id))


@bp.post("/serials/<serial_id>/advance")
@contract(SerialSchema, body=AdvanceSchema, idempotent=True, role="operator", errors={
    **SERIAL_NOT_FOUND, 400: ("Serial is already completed", "Cannot advance a scrapped serial"),
    409: ("Serial {id} is at step {currentStepIndex}, not {expectedStepIndex}",)},
    examples={"conditional": {"expectedStepIndex": 2}})
def advance_serial(serial_id: str):
    """Advance: one step forward, or complete from the last step; 404, body, rules, then step."""
    service.require_serial(serial_id)
    fields = advance_schema.load(json_body())
    return serial_schema.dump(service.advance_serial(serial_id, **fields))


@bp.post("/serials/<serial_id>/scrap")
@contract(SerialSchema, body=ScrapSchema, idempotent=True, role="operator", errors={
    **SERIAL_NOT_FOUND, 400: ("Serial is already scrapped", "Cannot scrap a completed serial")})
def scrap_serial(serial_id: str):
    """Scrap: look up first (404 whatever the body), then validate the body, then the rules."""
    service.require_serial(serial_id)
    fields = scrap_schema.load(json_body())
    return serial_schema.dump(service.scrap_serial(serial_id, **fields))
