"""The bypass table and the state model, pure (docs/api.md, Route rules; jobs.services.routing)."""
import pytest

from jobs.errors import Conflict
from jobs.services import routing


def step(name, optional=False, kind="preferred"):
    return {"name": name, "optional": optional, "dependency_type": kind}


@pytest.mark.parametrize("optional,mode,kind,became", [
    (True, "strict", "physical", "skipped"),
    (True, "flexible", "physical", "skipped"),
    (True, "per_step", "completion_gate", "skipped"),
    (False, "strict", "preferred", None),
    (False, "strict", "completion_gate", None),
    (False, "flexible", "preferred", "deferred"),
    (False, "flexible", "completion_gate", "deferred"),
    (False, "flexible", "physical", None),
    (False, "per_step", "completion_gate", "deferred"),
    (False, "per_step", "preferred", None),
    (False, "per_step", "physical", None),
])
def test_every_row_of_the_bypass_table(optional, mode, kind, became):
    assert routing.bypassed_as(step("S", optional, kind), mode) == became


def test_plan_expand_and_differences_are_inverse():
    assert routing.plan(3, 1) == [("done", 1), ("current", 1), ("pending", 0)]
    assert routing.plan(2, -1) == [("done", 1), ("done", 1)]
    states = [("skipped", 0), ("current", 2), ("pending", 1)]
    stored = routing.differences(1, states)
    assert stored == {0: ("skipped", 0), 1: ("current", 2), 2: ("pending", 1)}
    assert routing.expand(3, 1, stored) == states
    assert routing.differences(1, routing.plan(3, 1)) == {}


def test_advance_bypasses_and_arrives():
    steps = [step("A"), step("B", optional=True), step("C")]
    states, bypassed = routing.advance("SN-1", routing.plan(3, 0), steps, "strict", 0, 2, False)
    assert states == [("done", 1), ("skipped", 0), ("current", 1)]
    assert bypassed == [(1, "skipped")]


def test_bypass_current_and_the_first_refused_step_is_named():
    steps = [step("A"), step("B"), step("C", kind="physical")]
    with pytest.raises(Conflict, match="^Step B is required and cannot be bypassed on this path$"):
        routing.advance("SN-1", routing.plan(3, 0), steps, "strict", 0, 3, False)
    states, bypassed = routing.advance("SN-1", routing.plan(3, 0), steps, "flexible", 0, 2, True)
    assert bypassed == [(0, "deferred"), (1, "deferred")]
    assert states == [("deferred", 1), ("deferred", 0), ("current", 1)]


def test_completing_with_deferred_steps_old_or_new_is_refused():
    steps = [step("A"), step("B"), step("C")]
    at_b = [("deferred", 0), ("current", 1), ("pending", 0)]
    with pytest.raises(Conflict, match="^Serial SN-1 has deferred steps: A, C$"):
        routing.advance("SN-1", at_b, steps, "flexible", 1, 3, False)


def test_rework_makes_every_later_step_pending_and_counts_the_visit():
    states = [("done", 1), ("skipped", 0), ("waived", 0), ("current", 1)]
    assert routing.rework(states, 0) == [("current", 2), ("pending", 0), ("pending", 0),
                                         ("pending", 1)]


def test_resolve_completes_or_waives():
    states = [("deferred", 0), ("current", 1)]
    assert routing.resolve(states, 0, "done") == [("done", 1), ("current", 1)]
    assert routing.resolve(states, 0, "waived") == [("waived", 0), ("current", 1)]
