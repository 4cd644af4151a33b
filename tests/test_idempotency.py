"""Idempotency-Key on every POST (docs/api.md, Retries and concurrency: Idempotency-Key).

Every test runs on SQLite and PostgreSQL; those that involve the actor also
with AUTH_REQUIRED off (`anonymous`) and on (a planner token on every request).
"""
import itertools
from decimal import Decimal

import pytest
from peewee import OperationalError
from psycopg.errors import LockNotAvailable

from jobs.http.idempotency import canonical_json, request_fingerprint
from jobs.services import idempotency as keys
from jobs.store.db import db
from jobs.store.models import IdempotencyKey
from tests.conftest import STEPS, bearer, error_body, make_token

INVALID_KEY = "Idempotency-Key must be 1 to 255 visible ASCII characters"
OTHER_REQUEST = "Idempotency-Key has already been used for a different request"
IN_PROGRESS = "A request with this Idempotency-Key is still being processed"
HOUR = 3_600_000


@pytest.fixture(params=["auth-off", "auth-on"])
def keyed(request, database_url, make_app):
    """The app's client; with auth on, every request carries the token of `planner`."""
    required = request.param == "auth-on"
    app = make_app(database_url, AUTH_REQUIRED=required)
    client = app.test_client()
    if required:
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {make_token('planner', 'planner')}"
    return client


def key(value: str) -> dict:
    return {"Idempotency-Key": value}


def post(client, url: str, body=None, with_key: str | None = "k-1", **kwargs):
    headers = key(with_key) if with_key is not None else {}
    return client.post(url, json=body, headers=headers, **kwargs)


@pytest.fixture
def path(keyed):
    job = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5}, with_key=None).json
    return post(keyed, "/api/paths", {"jobId": job["id"], "name": "P", "goalQuantity": 5,
                                      "steps": STEPS}, with_key=None).json


def serial_of(client, path) -> str:
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 1}
    return post(client, "/api/serials", body, with_key=None).json[0]["id"]


def state(client) -> dict:
    """What a replay must not change: jobs, serials, events, the next serial number."""
    return {"jobs": client.get("/api/jobs").json, "serials": client.get("/api/serials").json,
            "events": client.get("/api/events").json, "keys": _key_count()}


def _key_count() -> int:
    with db.connection_context():
        return IdempotencyKey.select().count()


def assert_error(response, status: int, reason: str, message: str):
    assert (response.status_code, response.json) == (status, error_body(status, reason, message))
    assert "Idempotent-Replayed" not in response.headers


# -- the key ------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["", "k" * 256, "a b", " ", "a\tb", "a\x01b", "a\x7fb", "\u00e9",
                                 "ab\u00ff"])
def test_a_key_that_is_not_1_to_255_visible_ascii_characters_is_400(keyed, bad):
    before = state(keyed)
    response = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 1}, with_key=bad)
    assert_error(response, 400, "Bad Request", INVALID_KEY)
    assert state(keyed) == before


VISIBLE = "".join(map(chr, range(0x21, 0x7F)))


@pytest.mark.parametrize("good", ["k", "k" * 255, "!", "~", VISIBLE])
def test_a_key_of_1_to_255_visible_ascii_characters_is_taken(keyed, good):
    first = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 1}, with_key=good)
    again = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 1}, with_key=good)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.data == first.data and again.headers["Idempotent-Replayed"] == "true"


def test_the_key_is_checked_before_the_404_look_up_and_the_body(keyed):
    response = keyed.post("/api/serials/SN-99999/scrap", data="{", headers=key(""),
                          content_type="application/json")
    assert_error(response, 400, "Bad Request", INVALID_KEY)


def test_authentication_comes_before_the_key(auth_client):
    response = auth_client.post("/api/jobs", json={}, headers=key(""))
    assert response.status_code == 401


# -- replays ------------------------------------------------------------------------------

def assert_replayed(client, url: str, body, status: int):
    first = post(client, url, body)
    assert first.status_code == status, first.json
    assert "Idempotent-Replayed" not in first.headers
    before = state(client)
    again = post(client, url, body)
    assert again.status_code == status
    assert again.data == first.data
    assert again.headers.get("Location") == first.headers.get("Location")
    assert again.headers["Content-Type"] == first.headers["Content-Type"]
    assert again.headers["Idempotent-Replayed"] == "true"
    assert state(client) == before
    return first


def test_create_job_replayed(keyed):
    first = assert_replayed(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5}, 201)
    assert first.headers["Location"] == f"/api/jobs/{first.json['id']}"
    assert len(keyed.get("/api/jobs").json) == 1


def test_create_path_replayed(keyed, path):
    body = {"jobId": path["jobId"], "name": "Other", "goalQuantity": 3, "steps": STEPS}
    assert_replayed(keyed, "/api/paths", body, 201)
    assert len(keyed.get(f"/api/jobs/{path['jobId']}").json["paths"]) == 2


def test_create_serials_replayed_and_the_counter_untouched(keyed, path):
    body = {"jobId": path["jobId"], "pathId": path["id"], "quantity": 3}
    first = assert_replayed(keyed, "/api/serials", body, 201)
    assert [s["id"] for s in first.json] == ["SN-00001", "SN-00002", "SN-00003"]
    assert first.headers["Location"] == "/api/serials/SN-00001"
    assert serial_of(keyed, path) == "SN-00004"


def test_advance_replayed_moves_once(keyed, path):
    serial_id = serial_of(keyed, path)
    first = assert_replayed(keyed, f"/api/serials/{serial_id}/advance", None, 200)
    assert first.json["currentStepIndex"] == 1
    assert keyed.get(f"/api/serials/{serial_id}").json["currentStepIndex"] == 1


def test_advance_with_expected_step_index_retried_with_its_key_moves_once(keyed, path):
    serial_id = serial_of(keyed, path)
    first = assert_replayed(keyed, f"/api/serials/{serial_id}/advance",
                            {"expectedStepIndex": 0}, 200)
    assert first.json["currentStepIndex"] == 1


def test_scrap_replayed(keyed, path):
    serial_id = serial_of(keyed, path)
    first = assert_replayed(keyed, f"/api/serials/{serial_id}/scrap", {"reason": "other"}, 200)
    assert first.json["status"] == "scrapped"


def test_a_replay_of_the_last_advance_is_the_stored_200_not_already_completed(keyed, path):
    serial_id = serial_of(keyed, path)
    for step in range(len(STEPS) - 1):
        post(keyed, f"/api/serials/{serial_id}/advance", with_key=f"step-{step}")
    assert_replayed(keyed, f"/api/serials/{serial_id}/advance", None, 200)


@pytest.mark.parametrize("retried", [
    {"goalQuantity": 5.0, "name": "J"},
    {"name": "J", "goalQuantity": 5e0},
    {"name": "J", "goalQuantity": 500e-2},
])
def test_the_same_body_is_compared_as_parsed_json(keyed, retried):
    first = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    again = post(keyed, "/api/jobs", retried)
    assert (again.status_code, again.data) == (201, first.data)
    assert again.headers["Idempotent-Replayed"] == "true"


def test_an_empty_body_is_the_same_request_as_an_empty_object(keyed, path):
    serial_id = serial_of(keyed, path)
    first = keyed.post(f"/api/serials/{serial_id}/advance", headers=key("k"))
    again = post(keyed, f"/api/serials/{serial_id}/advance", {}, with_key="k")
    assert (again.status_code, again.data) == (200, first.data)
    assert keyed.get(f"/api/serials/{serial_id}").json["currentStepIndex"] == 1


def test_without_a_key_every_request_runs(keyed):
    for _ in range(2):
        assert post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5},
                    with_key=None).status_code == 201
    assert len(keyed.get("/api/jobs").json) == 2


# -- another request with the key ---------------------------------------------------------

def test_the_key_on_another_path_is_422(keyed, path):
    post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    before = state(keyed)
    body = {"jobId": path["jobId"], "name": "P", "goalQuantity": 5, "steps": STEPS}
    assert_error(post(keyed, "/api/paths", body), 422, "Unprocessable Entity", OTHER_REQUEST)
    assert state(keyed) == before


def test_the_key_on_another_serial_is_422(keyed, path):
    first, second = serial_of(keyed, path), serial_of(keyed, path)
    post(keyed, f"/api/serials/{first}/advance")
    assert_error(post(keyed, f"/api/serials/{second}/advance"), 422, "Unprocessable Entity",
                 OTHER_REQUEST)
    assert keyed.get(f"/api/serials/{second}").json["currentStepIndex"] == 0


@pytest.mark.parametrize("other", [
    {"name": "J", "goalQuantity": 6},
    {"name": "J ", "goalQuantity": 5},
    {"name": "J", "goalQuantity": 5, "jiraTicketKey": "PI-1"},
    {"name": "J", "goalQuantity": "5"},
    {"name": "J", "goalQuantity": 5, "unknown": None},
])
def test_the_key_with_another_body_is_422(keyed, other):
    post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    before = state(keyed)
    assert_error(post(keyed, "/api/jobs", other), 422, "Unprocessable Entity", OTHER_REQUEST)
    assert state(keyed) == before


def test_the_key_with_a_body_that_does_not_parse_is_422(keyed):
    post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    response = keyed.post("/api/jobs", data="{", headers=key("k-1"),
                          content_type="application/json")
    assert_error(response, 422, "Unprocessable Entity", OTHER_REQUEST)


def test_the_key_is_checked_before_the_404_look_up(keyed, path):
    post(keyed, f"/api/serials/{serial_of(keyed, path)}/advance")
    assert_error(post(keyed, "/api/serials/SN-99999/advance"), 422, "Unprocessable Entity",
                 OTHER_REQUEST)


def test_the_fingerprint_names_the_method_the_path_and_the_body(app):
    def fingerprint(method, url, body):
        with app.test_request_context(url, method=method, json=body):
            return request_fingerprint()

    base = fingerprint("POST", "/api/jobs", {"a": 1})
    assert fingerprint("POST", "/api/jobs", {"a": 1.0}) == base
    assert fingerprint("PUT", "/api/jobs", {"a": 1}) != base
    assert fingerprint("POST", "/api/paths", {"a": 1}) != base
    assert fingerprint("POST", "/api/jobs", {"a": 2}) != base
    assert fingerprint("POST", "/api/jobs", None) == fingerprint("POST", "/api/jobs", {})


def test_canonical_json_compares_numbers_by_value_and_exactly():
    from decimal import Decimal
    assert canonical_json(Decimal("80")) == canonical_json(Decimal("80.0")) == "8e1"
    assert canonical_json(Decimal("0")) == canonical_json(Decimal("-0.0")) == "0"
    long_a, long_b = Decimal("1." + "0" * 40 + "1"), Decimal("1." + "0" * 40 + "2")
    assert canonical_json(long_a) != canonical_json(long_b)
    assert canonical_json({"b": [True, None, "x"], "a": {}}) == '{"a":{},"b":[true,null,"x"]}'
    assert canonical_json("8e1") != canonical_json(Decimal("80"))


# -- actors, expiry, errors ---------------------------------------------------------------

def test_the_same_key_from_another_actor_is_another_key(auth_client):
    alice, bob = make_token("alice", "planner"), make_token("bob", "planner")
    body = {"name": "J", "goalQuantity": 5}
    first = auth_client.post("/api/jobs", json=body, headers={**key("k"), **bearer(alice)})
    other = auth_client.post("/api/jobs", json=body, headers={**key("k"), **bearer(bob)})
    again = auth_client.post("/api/jobs", json=body, headers={**key("k"), **bearer(alice)})
    assert (first.status_code, other.status_code, again.status_code) == (201, 201, 201)
    assert other.json["id"] != first.json["id"] and "Idempotent-Replayed" not in other.headers
    assert again.data == first.data and again.headers["Idempotent-Replayed"] == "true"
    assert len(auth_client.get("/api/jobs", headers=bearer(alice)).json) == 2


def test_a_key_is_kept_24_hours_then_runs_again(keyed, monkeypatch):
    now = [1_705_769_100_000]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: now[0])
    body = {"name": "J", "goalQuantity": 5}
    first = post(keyed, "/api/jobs", body)
    now[0] += 24 * HOUR
    assert post(keyed, "/api/jobs", body).data == first.data
    now[0] += 1
    later = post(keyed, "/api/jobs", body)
    assert later.status_code == 201 and "Idempotent-Replayed" not in later.headers
    assert later.json["id"] != first.json["id"]
    assert post(keyed, "/api/jobs", body).data == later.data
    assert _key_count() == 1


def test_an_expired_key_may_be_used_for_another_request(keyed, monkeypatch):
    now = [1_705_769_100_000]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: now[0])
    post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    now[0] += 25 * HOUR
    assert post(keyed, "/api/jobs", {"name": "K", "goalQuantity": 1}).status_code == 201


def test_idempotency_key_hours_is_configurable(database_url, monkeypatch, make_app):
    now = [1_705_769_100_000]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: now[0])
    client = make_app(database_url, IDEMPOTENCY_KEY_HOURS=1).test_client()
    first = post(client, "/api/jobs", {"name": "J", "goalQuantity": 5})
    now[0] += HOUR + 1
    assert post(client, "/api/jobs", {"name": "J", "goalQuantity": 5}).data != first.data
    db.obj.close_all()


@pytest.mark.parametrize("broken, status", [
    ({"name": "", "goalQuantity": 5}, 400),
    ({"name": "J", "goalQuantity": 0}, 400),
])
def test_a_request_answered_4xx_stores_nothing_and_may_be_fixed(keyed, broken, status):
    assert post(keyed, "/api/jobs", broken).status_code == status
    assert _key_count() == 0
    fixed = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    assert fixed.status_code == 201 and "Idempotent-Replayed" not in fixed.headers


def test_a_404_stores_nothing_and_may_be_resent_once_the_target_exists(keyed, path):
    body = {"jobId": path["jobId"], "pathId": "path_missing", "quantity": 1}
    assert post(keyed, "/api/serials", body).status_code == 404
    body["pathId"] = path["id"]
    assert post(keyed, "/api/serials", body).status_code == 201


def test_a_body_that_cannot_be_read_stores_nothing(keyed):
    response = keyed.post("/api/jobs", data='{"name": "J"}', headers=key("k"),
                          content_type="text/plain")
    assert response.status_code == 415 and _key_count() == 0


def test_a_crash_stores_nothing_and_rolls_the_change_back(keyed, monkeypatch):
    def crash(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(keys, "keep", crash)
    assert post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5}).status_code == 500
    assert keyed.get("/api/jobs").json == [] and keyed.get("/api/events").json == []


def test_a_key_stored_by_a_concurrent_request_is_its_answer(keyed, monkeypatch):
    """Both miss the look-up (PostgreSQL without the key lock): the second insert fails,
    its change rolls back, and it answers with the first's answer."""
    body = {"name": "J", "goalQuantity": 5}
    first = post(keyed, "/api/jobs", body)
    monkeypatch.setattr(keys, "claim", lambda *args: None)
    again = post(keyed, "/api/jobs", body)
    assert (again.status_code, again.data) == (201, first.data)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(keyed.get("/api/jobs").json) == 1 and len(keyed.get("/api/events").json) == 1


def test_a_wait_for_the_key_past_the_lock_timeout_is_409(keyed, monkeypatch):
    def time_out(*args):
        try:
            raise LockNotAvailable("canceling statement due to lock timeout")
        except LockNotAvailable as error:
            raise OperationalError(error) from error

    monkeypatch.setattr(keys, "claim", time_out)
    response = post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5})
    assert_error(response, 409, "Conflict", IN_PROGRESS)


def test_other_database_errors_stay_503(keyed, monkeypatch):
    def fail(*args):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(keys, "claim", fail)
    assert post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5}).status_code == 503


def test_pruning_deletes_at_most_a_batch_of_expired_keys(app):
    with db.connection_context():
        IdempotencyKey.insert_many([
            {"actor": "a", "key": f"k{n}", "method": "POST", "path": "/api/jobs",
             "fingerprint": "f", "status": 201, "body": "{}", "created_at": n}
            for n in range(keys.PRUNE_BATCH + 20)]).execute()
        with db.atomic():
            assert keys.prune(cutoff_ms=keys.PRUNE_BATCH + 10) == keys.PRUNE_BATCH
        assert [k.created_at for k in IdempotencyKey.select().order_by(
            IdempotencyKey.created_at)] == list(range(keys.PRUNE_BATCH, keys.PRUNE_BATCH + 20))


def test_every_16th_stored_key_prunes_the_expired_ones(keyed, monkeypatch):
    now = [1_705_769_100_000]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: now[0])
    monkeypatch.setattr(keys, "_kept", itertools.count(1))
    for n in range(keys.PRUNE_EVERY - 1):
        post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5}, with_key=f"old-{n}")
    now[0] += 25 * HOUR
    post(keyed, "/api/jobs", {"name": "J", "goalQuantity": 5}, with_key="new")
    assert _key_count() == 1


def test_numbers_beyond_decimal_s_exponent_fingerprint_apart():
    values = [Decimal("Infinity"), Decimal("-Infinity"), Decimal(0),
              Decimal("1E-999999999999999999")]
    assert len({canonical_json(value) for value in values}) == 4
    assert canonical_json(Decimal("Infinity")) == "Infinity"
