"""A serial's forward moves (docs/api.md: Serial; Route rules): the contract loads and dumps.

Each looks the serial (and the step) up first, 404 whatever the body, then
reads the body; the service applies the rules in the documented order.
"""
from jobs.http import bp, contract, json_body, load_body
from jobs.services import deferred, routing, serials
from jobs.services import moves as service
from jobs.services.serial_state import refusals
from jobs.services.serials import require_serial
from schemas.moves import AdvanceSchema, ScrapSchema, StepCompleteSchema, WaiveSchema
from schemas.serial import SerialDetailSchema

ADVANCE, SCRAP = refusals(service.ADVANCE_REFUSED), refusals(service.SCRAP_REFUSED)
COMPLETE = refusals(deferred.COMPLETE_REFUSED)
NOT_AT = (service.NOT_AT_INDEX, service.NOT_AT_STEP)
STEP_NOT_FOUND = {404: (serials.NOT_FOUND, deferred.STEP_NOT_FOUND)}


@bp.post("/serials/<serial_id>/advance")
@contract(SerialDetailSchema, body=AdvanceSchema, idempotent=True, role="operator", errors={
    404: (serials.NOT_FOUND,),
    400: (*ADVANCE[400], service.NOT_ON_PATH, service.OUT_OF_RANGE.format(
        field="toStepIndex", low="{currentStepIndex + 1}", high="{stepCount}")),
    409: (*ADVANCE[409], *NOT_AT, routing.NOT_BYPASSABLE, routing.HAS_DEFERRED)},
    examples={"conditional": {"expectedStepIndex": 2},
              "guarded by step id": {"expectedStepId": "step_AbCdEfGhIjKl", "operator": "B-1042"},
              "skip ahead": {"toStepIndex": 3, "bypassCurrent": False}})
def advance_serial(serial_id: str):
    """Advance: forward to `toStepIndex` (default the next step), or complete."""
    require_serial(serial_id)
    json_body()
    service.require_advanceable(serial_id)
    return service.advance_serial(serial_id, **load_body())


@bp.post("/serials/<serial_id>/scrap")
@contract(SerialDetailSchema, body=ScrapSchema, idempotent=True, role="operator", errors={
    404: (serials.NOT_FOUND,), 400: (*SCRAP[400], service.NOT_ON_PATH), 409: NOT_AT})
def scrap_serial(serial_id: str):
    """Scrap: look up first (404 whatever the body), then validate the body, then the rules."""
    require_serial(serial_id)
    return service.scrap_serial(serial_id, **load_body())


@bp.post("/serials/<serial_id>/steps/<step_id>/complete")
@contract(SerialDetailSchema, body=StepCompleteSchema, idempotent=True, role="operator", errors={
    **STEP_NOT_FOUND, 400: COMPLETE[400], 409: (*COMPLETE[409], deferred.NOT_DEFERRED)})
def complete_step(serial_id: str, step_id: str):
    """Step complete: a deferred step becomes done; the serial does not move."""
    deferred.require_step(serial_id, step_id)
    return deferred.complete_step(serial_id, step_id, **load_body())


@bp.post("/serials/<serial_id>/steps/<step_id>/waive")
@contract(SerialDetailSchema, body=WaiveSchema, idempotent=True, role="planner", errors={
    **STEP_NOT_FOUND, 409: (deferred.NOT_DEFERRED,)})
def waive_step(serial_id: str, step_id: str):
    """Waive: a planner excuses a deferred step (it becomes waived)."""
    deferred.require_step(serial_id, step_id)
    return deferred.waive_step(serial_id, step_id, **load_body())
