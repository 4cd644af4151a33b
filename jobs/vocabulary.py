"""The fixed vocabularies of the data model (docs/api.md: Path, Serial), defined once."""

IN_PROGRESS = "in_progress"
COMPLETED = "completed"
SCRAPPED = "scrapped"
ON_HOLD = "on_hold"
VOIDED = "voided"
SERIAL_STATUSES = (IN_PROGRESS, ON_HOLD, COMPLETED, SCRAPPED, VOIDED)

# A step's state for one serial (docs/api.md, Serial, extended).
PENDING, CURRENT, DONE, SKIPPED, DEFERRED, WAIVED = (
    "pending", "current", "done", "skipped", "deferred", "waived")
STEP_STATES = (PENDING, CURRENT, DONE, SKIPPED, DEFERRED, WAIVED)
HOLD_REASONS = ("suspect", "awaiting_material", "awaiting_decision", "other")

SCRAP_REASONS = ("out_of_tolerance", "process_defect", "damaged", "operator_error", "other")
ADVANCEMENT_MODES = ("strict", "flexible", "per_step")
DEPENDENCY_TYPES = ("physical", "preferred", "completion_gate")

# Token roles, lowest first: each may do what the roles before it may
# (docs/api.md, Authentication and roles).
ROLES = ("viewer", "operator", "planner")

# Every event type the history records (docs/api.md: History, Events extended): the
# values a webhook's `types` may name.
EVENT_TYPES = (
    "job.created", "job.updated", "job.deleted",
    "path.created", "path.updated", "path.deleted",
    "serials.created", "serial.advanced", "serial.completed", "serial.scrapped",
    "serial.held", "serial.released", "serial.reworked", "serial.step_completed",
    "serial.step_waived", "serial.undone", "serial.voided",
)

# A webhook subscription's status (docs/api.md, Webhooks).
WEBHOOK_STATUSES = ("active", "failing", "disabled")
