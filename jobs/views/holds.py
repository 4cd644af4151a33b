"""Hold and Release (docs/api.md, Holds and dispositions): the contract loads and dumps."""
from jobs.http import bp, contract, load_body
from jobs.services import holds as service
from jobs.services.routing import HAS_DEFERRED
from jobs.services.serial_state import refusals
from jobs.services.serials import NOT_FOUND, require_serial
from schemas.holds import HoldRequestSchema, ReleaseSchema
from schemas.serial import SerialDetailSchema


@bp.post("/serials/<serial_id>/hold")
@contract(SerialDetailSchema, body=HoldRequestSchema, idempotent=True, role="operator", errors={
    404: (NOT_FOUND,), **refusals(service.HOLD_REFUSED)},
    examples={"suspect": {"reason": "suspect", "note": "chatter marks", "operator": "B-7"}})
def hold_serial(serial_id: str):
    """Hold: an `in_progress` serial waits at its step for a decision."""
    require_serial(serial_id)
    return service.hold_serial(serial_id, **load_body())


@bp.post("/serials/<serial_id>/release")
@contract(SerialDetailSchema, body=ReleaseSchema, idempotent=True, role="planner", errors={
    404: (NOT_FOUND,),
    400: ("note is required for use_as_is", "toStepIndex is required",
          "toStepIndex must be from 0 to {max}", "reason is required"),
    409: (service.NOT_ON_HOLD, HAS_DEFERRED)},
    examples={"use as is": {"disposition": "use_as_is", "note": "MRB-112: within drawing rev C"},
              "rework": {"disposition": "rework", "toStepIndex": 1, "reason": "out_of_tolerance"}})
def release_serial(serial_id: str):
    """Release: 404, the body, `disposition`, not on hold (409), then the disposition's fields."""
    require_serial(serial_id)
    load_body()
    highest = service.require_held(serial_id)
    return service.release_serial(serial_id, **load_body(highest))
