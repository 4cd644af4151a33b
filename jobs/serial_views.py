"""Serial routes (API.md: Serial): parse with a schema, call the service, dump."""
from flask import request, url_for

from jobs import serial_service
from jobs.api import bp
from jobs.body import json_body
from schemas.serial import ScrapSchema, SerialCreateSchema, SerialFilterSchema, SerialSchema

serial_schema = SerialSchema()
create_schema = SerialCreateSchema()
filter_schema = SerialFilterSchema()
scrap_schema = ScrapSchema()


@bp.post("/serials")
def create_serials():
    """Create Serials: 201 with the batch; `Location` names its first serial."""
    serials = serial_service.create_serials(**create_schema.load(json_body()))
    location = url_for(".get_serial", serial_id=serials[0].id)
    return serial_schema.dump(serials, many=True), 201, {"Location": location}


@bp.get("/serials")
def list_serials():
    """List Serials: 200 with the serials matching `jobId`, `pathId`, `status`, by id."""
    filters = filter_schema.load(request.args)
    return serial_schema.dump(serial_service.list_serials(**filters), many=True)


@bp.get("/serials/<serial_id>")
def get_serial(serial_id: str):
    """Get Serial: 200 with the serial."""
    return serial_schema.dump(serial_service.get_serial(serial_id))


@bp.post("/serials/<serial_id>/advance")
def advance_serial(serial_id: str):
    """Advance: one step forward, or complete from the last step."""
    return serial_schema.dump(serial_service.advance_serial(serial_id))


@bp.post("/serials/<serial_id>/scrap")
def scrap_serial(serial_id: str):
    """Scrap: look up first (404 whatever the body), then validate the body, then the rules."""
    serial = serial_service.get_serial(serial_id)
    fields = scrap_schema.load(json_body())
    return serial_schema.dump(serial_service.scrap_serial(serial, **fields))
