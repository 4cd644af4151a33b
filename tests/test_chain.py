"""The hash chain (docs/api.md, Records an auditor can trust): `hash` on every event, the head,
`flask history verify`, an edited event found, and copy-db carrying the hashes.

Hashes are recomputed here from the contract's own words, on the bytes
`GET /api/events` answers, never with the service's code.
"""
import hashlib
import json
from decimal import Decimal

import pytest

from app import create_app
from jobs.store.db import db
from tests.conftest import error_body

GENESIS = "0" * 64


def spec_hash(previous: str, event: dict) -> str:
    """The contract's hash of `event` (as json.loads read it, `hash` left out) after `previous`."""
    body = {key: value for key, value in event.items() if key != "hash"}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((previous + "\n" + text).encode("utf-8")).hexdigest()


def served_events(client, query: str = "") -> list[dict]:
    response = client.get(f"/api/events{query}")
    assert response.status_code == 200
    return json.loads(response.get_data(as_text=True))


def assert_chained(events: list[dict]) -> None:
    """Every event's `hash` is its last field and recomputes from its predecessor's."""
    previous = GENESIS
    for event in events:
        assert list(event)[-1] == "hash"
        assert event["hash"] == spec_hash(previous, event), event["id"]
        previous = event["hash"]


@pytest.fixture
def story(client, make_job, make_path, make_serials):
    """Mixed events: every type of today, non-ASCII text, a failed write in between."""
    job = make_job(name="Gehäuse ø12 – 试制", jiraLabels=["Q1", "größe"])
    path = make_path(job["id"], name="Fräsen")
    serials = make_serials(path, 3)
    for _ in range(3):
        client.post(f"/api/serials/{serials[0]['id']}/advance")
    assert client.post(f"/api/serials/{serials[0]['id']}/advance").status_code == 400
    client.post(f"/api/serials/{serials[1]['id']}/advance")
    client.post(f"/api/serials/{serials[2]['id']}/scrap", json={"reason": "other", "note": "½"})
    client.put(f"/api/jobs/{job['id']}", json={"goalQuantity": 60, "name": "Gehäuse 2"})
    client.put(f"/api/paths/{path['id']}", json={"advancementMode": "flexible"})
    other = make_job(name="Zweiter")
    make_path(other["id"])
    client.delete(f"/api/jobs/{other['id']}")
    return {"job": job, "path": path, "serials": serials}


def verify(app):
    return app.test_cli_runner().invoke(args=["history", "verify"])


def test_a_chain_of_mixed_events_recomputes_from_the_feed(client, story):
    events = served_events(client)
    assert [e["id"] for e in events] == list(range(1, 14))
    assert {e["type"] for e in events} == {
        "job.created", "path.created", "serials.created", "serial.advanced", "serial.completed",
        "serial.scrapped", "job.updated", "path.updated", "job.deleted"}
    assert_chained(events)


def test_hash_is_the_last_field_on_every_event_route(client, story):
    by_id = {e["id"]: e for e in served_events(client)}
    routes = [f"/api/jobs/{story['job']['id']}/history",
              f"/api/serials/{story['serials'][0]['id']}/history",
              f"/api/events?jobId={story['job']['id']}&limit=2", "/api/events?after=10"]
    for route in routes:
        page = client.get(route).json
        assert page and all(list(e)[-1] == "hash" for e in page)
        assert page == [by_id[e["id"]] for e in page]


def test_head_is_the_newest_event_s_id_and_hash(client, story):
    newest = served_events(client)[-1]
    response = client.get("/api/events/head")
    assert response.status_code == 200
    assert list(response.json) == ["id", "hash"]
    assert response.json == {"id": newest["id"], "hash": newest["hash"]}


def test_head_without_events_is_404(client):
    response = client.get("/api/events/head")
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", "No events yet"))


def test_verify_walks_the_chain_and_prints_the_head(app, client, story):
    newest = served_events(client)[-1]
    result = verify(app)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"History verified: 13 events, head 13 {newest['hash']}\n", "")


@pytest.mark.parametrize("value", [1.5, 25.015, "25.0000000000000000001"])
def test_verify_recomputes_an_event_with_a_fractional_measurement(app, client, job, value):
    path = client.post("/api/paths", json={"jobId": job["id"], "name": "P", "goalQuantity": 1,
                                           "steps": [{"name": "Bore", "checks": [
                                               {"name": "d", "kind": "measurement",
                                                "lower": 1, "upper": 30}]}]}).json
    serial = client.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                               "quantity": 1}).json[0]["id"]
    body = f'{{"results": {{"d": {value}}}}}'
    moved = client.post(f"/api/serials/{serial}/advance", data=body,
                        content_type="application/json")
    assert moved.status_code == 200
    newest = served_events(client)[-1]
    assert newest["data"]["results"] == [{"check": "d", "value": float(value), "passed": True}]
    result = verify(app)
    assert (result.exit_code, result.stdout, result.stderr) == (
        0, f"History verified: {newest['id']} events, head {newest['id']} {newest['hash']}\n",
        "")


def test_verify_of_an_empty_history(app):
    result = verify(app)
    assert (result.exit_code, result.stdout) == (
        0, f"History verified: 0 events, head 0 {GENESIS}\n")


@pytest.mark.parametrize("column,value", [
    ("data", '{"fromStepIndex":0,"toStepIndex":2,"fromStep":"Cut","toStep":"Inspect"}'),
    ("actor", "somebody-else"),
    ("at", 1705769100001),
    ("path_id", None),
    ("hash", "f" * 64),
])
def test_an_event_row_edited_in_sql_is_named_by_verify(app, client, story, column, value):
    db.connect(reuse_if_open=True)
    with db.atomic():
        db.execute_sql(f'UPDATE "event" SET "{column}" = {db.param} WHERE id = 5', (value,))
    db.close()
    result = verify(app)
    assert (result.exit_code, result.stdout) == (1, "History broken at event 5\n")


def test_a_deleted_event_breaks_the_chain_at_the_next(app, client, story):
    db.connect(reuse_if_open=True)
    with db.atomic():
        db.execute_sql('DELETE FROM "event" WHERE id = 7')
    db.close()
    assert verify(app).stdout == "History broken at event 8\n"


@pytest.mark.slow
def test_copy_db_carries_the_hashes_and_the_key_and_the_copy_chains_on(
        app, client, story, database_kind, tmp_path, request):
    if database_kind == "sqlite":
        target = request.getfixturevalue("postgres").create_database(f"chain_{tmp_path.name}"[:60])
    else:
        target = f"sqlite:///{tmp_path}/copy.db"
    next_page = client.get("/api/events?limit=2").headers["Link"].split(">")[0].lstrip("<")
    assert app.test_cli_runner().invoke(args=["copy-db", target]).exit_code == 0
    shown, page = served_events(client), client.get(next_page).json
    db.close_all()
    copied = create_app({"DATABASE_URL": target, "TESTING": True})
    moved = copied.test_client()
    assert served_events(moved) == shown
    assert moved.get(next_page).json == page  # the cursor key came along
    assert moved.post(f"/api/serials/{story['serials'][1]['id']}/advance").status_code == 200
    events = served_events(moved)
    assert events[-1]["id"] == 14
    assert_chained(events)
    assert verify(copied).stdout == f"History verified: 14 events, head 14 {events[-1]['hash']}\n"
    db.close_all()


def test_an_integer_beyond_64_bits_is_hashed_as_served():
    from jobs.services.chain import served

    row = {"id": 1, "at": 0, "type": "t", "actor": "a", "request_id": "r", "job_id": "j",
           "data": {"value": 2**70, "ratio": 0.1}}
    assert served(row) == {"id": 1, "at": "1970-01-01T00:00:00.000Z", "type": "t", "actor": "a",
                           "requestId": "r", "jobId": "j", "data": {"value": 2**70, "ratio": 0.1}}


EVERY_CODE_POINT = "".join(chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF)
ROWS = [  # event rows as the store reads them back: `data` parsed with fractions as Decimal
    {"data": {"text": EVERY_CODE_POINT, "changes": {"name": ["a\x00\n\"\\", "é\u2028😀"]}}},
    {"data": {"n": [0, -1, 2**63 - 1, -2**63, True, False, None, [], {}]}},
    {"data": {"results": [{"check": "Ø", "value": Decimal("25.015")}]}},
    {"data": {"value": 2**70}},
    {"data": {"tiny": Decimal("1E-7"), "huge": Decimal("1E+16")}},
    {"data": {"nan": float("nan"), "inf": float("inf")}},
    {"data": {"zeta": 1, "alpha": {"é": 1, "b": 2, "\U0001F600": 3}}, "serial_id": "SN-1",
     "scanned_at": 5, "operator": "B-1"},
]


@pytest.mark.parametrize("extra", ROWS)
def test_the_one_encoding_hash_is_the_served_events_hash(extra):
    from jobs.services.chain import digest, link, served

    row = {"id": 7, "at": 1_700_000_000_123, "type": "t", "actor": "a", "request_id": "r",
           "job_id": "j", **extra}
    assert digest("f" * 64, row) == link("f" * 64, served(row))
    assert digest("f" * 64, {**row, "hash": "x"}) == link("f" * 64, served(row))
