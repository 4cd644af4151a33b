"""The route rules of a serial's steps, pure (docs/api.md, Route rules; Rework).

A serial's step states are a list of `(state, visits)` pairs, one per step
of its path. What is stored is only how they differ from the plan
(`plan`): `differences` and `expand` convert between the two. The moves
below take a state list and return the new one; they raise Conflict with
the documented message when the route forbids the move. No database here.
"""
from jobs.errors import Conflict
from jobs.vocabulary import CURRENT, DEFERRED, DONE, PENDING, SKIPPED, WAIVED

State = tuple[str, int]
COMPLETED_AT = -1
NOT_BYPASSABLE = "Step {name} is required and cannot be bypassed on this path"
HAS_DEFERRED = "Serial {id} has deferred steps: {names}"


def plan(count: int, index: int) -> list[State]:
    """Return the plan of a serial at step `index` of `count` steps (-1: completed).

    Steps before `index` are done (1 visit), `index` is current (1 visit),
    later steps pending (0); a completed serial has every step done once.
    No steps (a voided serial whose path was deleted): none.
    """
    if index == COMPLETED_AT or not count:
        return [(DONE, 1)] * count
    return [(DONE, 1)] * index + [(CURRENT, 1)] + [(PENDING, 0)] * (count - index - 1)


def expand(count: int, index: int, stored: dict[int, State]) -> list[State]:
    """Return the full state list: the plan, overridden by the `stored` differences."""
    return [stored.get(i, planned) for i, planned in enumerate(plan(count, index))]


def differences(index: int, states: list[State]) -> dict[int, State]:
    """Return `{step index: state}` for the steps of `states` that differ from the plan."""
    planned = plan(len(states), index)
    return {i: state for i, state in enumerate(states) if state != planned[i]}


def bypassed_as(step: dict, mode: str) -> str | None:
    """Return what a bypassed `step` becomes on a path of `mode`, or None when not allowed.

    Optional: skipped anywhere. Required: deferred on a `flexible` path unless
    `physical`, on a `per_step` path when a `completion_gate`; else not allowed.
    """
    if step["optional"]:
        return SKIPPED
    kind = step["dependency_type"]
    if (mode == "flexible" and kind != "physical") or (
            mode == "per_step" and kind == "completion_gate"):
        return DEFERRED
    return None


def deferred_names(states: list[State], steps: list[dict]) -> list[str]:
    """Return the names of the steps whose state is deferred, in path order."""
    return [step["name"] for (state, _), step in zip(states, steps, strict=True)
            if state == DEFERRED]


def advance(serial_id: str, states: list[State], steps: list[dict], mode: str, at: int,
            to: int, bypass_current: bool) -> tuple[list[State], list[tuple[int, str]]]:
    """Move from step `at` to `to` (`len(steps)`: completed); return the states and the bypassed.

    The current step becomes done unless `bypass_current`; every step
    bypassed (between, and the current one when `bypass_current`) becomes
    what `bypassed_as` says. Raises Conflict `Step {name} is required and
    cannot be bypassed on this path` (the first one), then, when completing
    with deferred steps (old or new), `Serial {id} has deferred steps: {names}`.
    """
    new = list(states)
    first = at if bypass_current else at + 1
    if not bypass_current:
        new[at] = (DONE, new[at][1])
    bypassed = []
    for index in range(first, to):
        became = bypassed_as(steps[index], mode)
        if became is None:
            raise Conflict(NOT_BYPASSABLE, name=steps[index]["name"])
        new[index] = (became, new[index][1])
        bypassed.append((index, became))
    if to == len(steps):
        names = deferred_names(new, steps)
        if names:
            raise Conflict(HAS_DEFERRED, id=serial_id, names=", ".join(names))
    else:
        new[to] = (CURRENT, new[to][1] + 1)
    return new, bypassed


def rework(states: list[State], to: int) -> list[State]:
    """Send the serial back to step `to`: current, one more visit; every later step pending."""
    return [*states[:to], (CURRENT, states[to][1] + 1),
            *((PENDING, visits) for _, visits in states[to + 1:])]


def resolve(states: list[State], index: int, became: str) -> list[State]:
    """Resolve deferred step `index` as `became` (done: one more visit; waived)."""
    state, visits = states[index]
    new = list(states)
    new[index] = (DONE, visits + 1) if became == DONE else (WAIVED, visits)
    return new
