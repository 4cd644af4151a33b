"""A serial's forward moves (docs/api.md: Serial; Route rules): the contract loads and dumps.

Each looks the serial (and the step) up first, 404 whatever the body, then
reads the body; the service applies the rules in the documented order.
"""
from jobs.http import bp, contract, json_body, load_body
from jobs.services import deferred
from jobs.services import moves as service
from jobs.services.serials import require_serial
from jobs.views.serials import SERIAL_NOT_FOUND
from schemas.moves import AdvanceSchema, ScrapSchema, StepCompleteSchema, WaiveSchema
from schemas.serial import SerialDetailSchema

ON_HOLD = "Serial {id} is on hold"
VOIDED = "Serial {id} is voided"
NOT_DEFERRED = "Step {name} is not deferred"
STEP_NOT_FOUND = "Step not found: {stepId}"


@bp.post("/serials/<serial_id>/advance")
@contract(SerialDetailSchema, body=AdvanceSchema, idempotent=True, role="operator", errors={
    **SERIAL_NOT_FOUND,
    400: ("Serial is already completed", "Cannot advance a scrapped serial", VOIDED,
          "expectedStepId is not a step of path {pathId}",
          "toStepIndex must be from {currentStepIndex + 1} to {stepCount}"),
    409: (ON_HOLD, "Serial {id} is at step {currentStepIndex}, not {expectedStepIndex}",
          "Serial {id} is at step {currentStepIndex} ({currentStepName}), not {expectedStepName}",
          "Step {name} is required and cannot be bypassed on this path",
          "Serial {id} has deferred steps: {names}")},
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
    **SERIAL_NOT_FOUND,
    400: ("Serial is already scrapped", "Cannot scrap a completed serial", VOIDED,
          "expectedStepId is not a step of path {pathId}"),
    409: ("Serial {id} is at step {currentStepIndex}, not {expectedStepIndex}",
          "Serial {id} is at step {currentStepIndex} ({currentStepName}), not {expectedStepName}")})
def scrap_serial(serial_id: str):
    """Scrap: look up first (404 whatever the body), then validate the body, then the rules."""
    require_serial(serial_id)
    return service.scrap_serial(serial_id, **load_body())


@bp.post("/serials/<serial_id>/steps/<step_id>/complete")
@contract(SerialDetailSchema, body=StepCompleteSchema, idempotent=True, role="operator", errors={
    404: ("Serial not found: {id}", STEP_NOT_FOUND),
    400: ("Cannot complete a step of a scrapped serial", VOIDED),
    409: (ON_HOLD, NOT_DEFERRED)})
def complete_step(serial_id: str, step_id: str):
    """Step complete: a deferred step becomes done; the serial does not move."""
    deferred.require_step(serial_id, step_id)
    return deferred.complete_step(serial_id, step_id, **load_body())


@bp.post("/serials/<serial_id>/steps/<step_id>/waive")
@contract(SerialDetailSchema, body=WaiveSchema, idempotent=True, role="planner", errors={
    404: ("Serial not found: {id}", STEP_NOT_FOUND), 409: (NOT_DEFERRED,)})
def waive_step(serial_id: str, step_id: str):
    """Waive: a planner excuses a deferred step (it becomes waived)."""
    deferred.require_step(serial_id, step_id)
    return deferred.waive_step(serial_id, step_id, **load_body())
