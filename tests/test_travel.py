"""The as-built record's replay (`jobs.services.travel`) over the event shapes docs/api.md
documents for the floor's moves (Events, extended): bypasses, rework, holds and releases,
deferred steps resolved, undo. Events are given as the store hands them out."""
from jobs.services.travel import travel_of

STEPS = ["Cut", "Mill", "Inspect", "Pack"]


def events(*moves: tuple[str, dict]) -> list[dict]:
    """The batch event, then `moves` (type, data) one second apart, by `op-1` at the station."""
    made = [{"id": 1, "at": 1000, "type": "serials.created", "actor": "planner", "data": {}}]
    for i, (kind, data) in enumerate(moves, start=2):
        made.append({"id": i, "at": i * 1000, "type": kind, "actor": "station",
                     "operator": "op-1", "data": data})
    return made


def advanced(frm: int, to: int, **more) -> tuple[str, dict]:
    return "serial.advanced", {"fromStepIndex": frm, "toStepIndex": to, "fromStep": STEPS[frm],
                               "toStep": STEPS[to], **more}


def brief(visits: list[dict]) -> list[tuple]:
    return [(v["step"], v["visit"], v["arrived_at"], v.get("left_at"), v.get("outcome"))
            for v in visits]


def test_bypassed_steps_get_visits_of_their_own_and_a_deferred_one_is_resolved_later():
    bypassed = [{"stepIndex": 1, "step": "Mill", "became": "deferred"},
                {"stepIndex": 2, "step": "Inspect", "became": "skipped"}]
    visits, _, _ = travel_of(events(
        advanced(0, 3, bypassed=bypassed, results=[{"check": "len", "value": 5, "passed": True}]),
        ("serial.step_completed", {"stepIndex": 1, "step": "Mill"})), STEPS)
    assert brief(visits) == [("Cut", 1, 1000, 2000, "done"), ("Mill", 1, 2000, 2000, "done"),
                             ("Inspect", 1, 2000, 2000, "skipped"), ("Pack", 1, 2000, None, None)]
    assert visits[0]["results"] == [{"check": "len", "value": 5, "passed": True}]
    assert (visits[0]["actor"], visits[0]["operator"]) == ("station", "op-1")


def test_rework_numbers_the_visits_of_a_step():
    visits, _, _ = travel_of(events(
        advanced(0, 1), advanced(1, 2),
        ("serial.reworked", {"fromStepIndex": 2, "toStepIndex": 1, "fromStep": "Inspect",
                             "toStep": "Mill", "reason": "process_defect"}),
        advanced(1, 2)), STEPS)
    assert brief(visits) == [("Cut", 1, 1000, 2000, "done"), ("Mill", 1, 2000, 3000, "done"),
                             ("Inspect", 1, 3000, 4000, "reworked"),
                             ("Mill", 2, 4000, 5000, "done"), ("Inspect", 2, 5000, None, None)]


def test_a_hold_stays_within_the_visit_and_a_rework_release_moves_the_part():
    visits, holds, _ = travel_of(events(
        advanced(0, 1),
        ("serial.held", {"reason": "failed_check", "atStepIndex": 1, "atStep": "Mill",
                         "failedChecks": ["len"], "results": []}),
        ("serial.released", {"disposition": "rework", "toStepIndex": 0, "reason": "other"})),
        STEPS)
    assert brief(visits) == [("Cut", 1, 1000, 2000, "done"), ("Mill", 1, 2000, 4000, "reworked"),
                             ("Cut", 2, 4000, None, None)]
    assert holds == [{"step_index": 1, "step": "Mill", "reason": "failed_check", "note": None,
                      "failed_checks": ["len"], "held_at": 3000, "released_at": 4000,
                      "disposition": "rework"}]


def test_use_as_is_moves_on_and_continue_stays():
    held = ("serial.held", {"reason": "suspect", "atStepIndex": 0, "atStep": "Cut"})
    visits, holds, _ = travel_of(events(
        held, ("serial.released", {"disposition": "continue"}),
        held, ("serial.released", {"disposition": "use_as_is", "note": "ok"})), STEPS)
    assert brief(visits) == [("Cut", 1, 1000, 5000, "done"), ("Mill", 1, 5000, None, None)]
    assert [h["disposition"] for h in holds] == ["continue", "use_as_is"]


def test_a_scrap_of_a_held_part_ends_its_hold_as_a_scrap_disposition():
    visits, holds, _ = travel_of(events(
        ("serial.held", {"reason": "suspect", "atStepIndex": 0, "atStep": "Cut"}),
        ("serial.scrapped", {"reason": "damaged", "atStepIndex": 0, "atStep": "Cut"})), STEPS)
    assert brief(visits) == [("Cut", 1, 1000, 3000, "scrapped")]
    assert holds == [{"step_index": 0, "step": "Cut", "reason": "suspect", "note": None,
                      "failed_checks": None, "held_at": 2000, "released_at": 3000,
                      "disposition": "scrap"}]


def test_an_undone_move_leaves_no_visit_and_is_listed_with_its_undo():
    visits, _, undone = travel_of(events(
        advanced(0, 1),
        ("serial.undone", {"undoneEventId": 2, "undoneType": "serial.advanced",
                           "reason": "wrong part"}),
        advanced(0, 1)), STEPS)
    assert brief(visits) == [("Cut", 1, 1000, 4000, "done"), ("Mill", 1, 4000, None, None)]
    assert undone == [{"event_id": 2, "type": "serial.advanced", "undone_at": 3000,
                       "reason": "wrong part"}]
