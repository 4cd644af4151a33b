"""Inspection results (docs/api.md, Inspections; Precisions: Results), pure.

Results are about the step being left: an object from check name to
`true`/`false` (`pass_fail`) or a finite number (`measurement`, within a double's range; a Decimal
as the body parser made it: limits compare exactly, so a value equal to a
limit passes). Errors come in the step's check order, then unknown names in
sorted order.
"""
import math
from decimal import Decimal

from jobs.errors import InvalidField, InvalidFields

NOT_AN_OBJECT = "results must be an object"
RESULT = "results.{name}"
MISSING = "results.{name} is required"
WRONG_KIND = "results.{name} must be a {kind}"
NOT_A_CHECK = "results.{name} is not a check of step {stepName}"


def _valid(check: dict, value) -> bool:
    if check["kind"] == "pass_fail":
        return isinstance(value, bool)
    return is_finite_number(value)


def is_finite_number(value) -> bool:
    """True for a Decimal within a double's range: `1e400` is no measurement (Precisions)."""
    return isinstance(value, Decimal) and value.is_finite() and math.isfinite(float(value))


def _passed(check: dict, value) -> bool:
    if check["kind"] == "pass_fail":
        return value
    lower, upper = check.get("lower"), check.get("upper")
    return (lower is None or lower <= value) and (upper is None or value <= upper)


def evaluate(step: dict, results) -> list[dict]:
    """Return `[{check, value, passed}]` for `results` on `step`, in its check order.

    `results` is what the body sent (None: absent). Raises InvalidField (400, with
    `data.errors`) `NOT_AN_OBJECT`; InvalidFields with every failing result, in the step's
    check order (`MISSING`, `WRONG_KIND`: a boolean or a number), then the unknown names in
    sorted order (`NOT_A_CHECK`).
    """
    if results is None:
        results = {}
    if not isinstance(results, dict):
        raise InvalidField("results", NOT_AN_OBJECT)
    checks = step.get("checks") or []
    evaluated, errors = [], {}
    for check in checks:
        name = check["name"]
        if name not in results:
            if check["required"]:
                errors[RESULT.format(name=name)] = MISSING.format(name=name)
        elif not _valid(check, results[name]):
            kind = "boolean" if check["kind"] == "pass_fail" else "number"
            errors[RESULT.format(name=name)] = WRONG_KIND.format(name=name, kind=kind)
        else:
            evaluated.append({"check": name, "value": results[name],
                              "passed": _passed(check, results[name])})
    for name in sorted(set(results) - {check["name"] for check in checks}):
        errors[RESULT.format(name=name)] = NOT_A_CHECK.format(name=name, stepName=step["name"])
    if errors:
        raise InvalidFields(errors)
    return evaluated


def failed(evaluated: list[dict]) -> list[str]:
    """Return the names of the checks that failed, in check order."""
    return [result["check"] for result in evaluated if not result["passed"]]
