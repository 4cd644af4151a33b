"""Rework, Undo and Void (docs/api.md, Rework; Undo; Void): the contract loads and dumps."""
from flask import current_app

from jobs.http import bp, contract, json_body, load_body
from jobs.services import corrections as service
from jobs.services import voids
from jobs.services.serial_state import refusals
from jobs.services.serials import NOT_FOUND, require_serial
from schemas.moves import ReworkSchema, UndoSchema, VoidSchema
from schemas.serial import SerialDetailSchema, SerialSchema


@bp.post("/serials/<serial_id>/rework")
@contract(SerialDetailSchema, body=ReworkSchema, idempotent=True, role="operator", errors={
    404: (NOT_FOUND,), **refusals(service.REWORK_REFUSED)},
    examples={"back to deburr": {"toStepIndex": 1, "reason": "process_defect",
                                 "note": "burr on the bore", "operator": "B-1042"}})
def rework_serial(serial_id: str):
    """Rework: 404, the body read, the status rules, then its fields (the range is the serial's)."""
    require_serial(serial_id)
    json_body()
    fields = load_body(service.rework_range(serial_id))
    return service.rework_serial(serial_id, **fields)


@bp.post("/serials/<serial_id>/undo")
@contract(SerialDetailSchema, body=UndoSchema, idempotent=True, role="operator", errors={
    404: (NOT_FOUND,), 403: (service.PLANNER_ONLY,),
    409: (service.NOTHING_TO_UNDO, service.NOT_THE_LAST_MOVE, service.CANNOT_RESTORE)})
def undo_serial(serial_id: str):
    """Undo: restore the serial as it was before its latest standing move."""
    require_serial(serial_id)
    fields = load_body()
    return service.undo_serial(serial_id, undo_minutes=current_app.config["UNDO_MINUTES"],
                               **fields)


@bp.post("/serials/void")
@contract(SerialSchema(many=True), body=VoidSchema, idempotent=True, role="planner", errors={
    404: (NOT_FOUND,), 409: (voids.ALREADY_VOIDED, voids.HAS_MOVED)})
def void():
    """Void: all of the serials or none; 200 with them, voided, in request order."""
    return voids.void_serials(**load_body())
