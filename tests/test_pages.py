"""Pages, cursors and streamed lists (docs/api.md, Lists: pages and filters), on each database."""
import json
import random
import re

import pytest
from flask import jsonify

from jobs.http import pages
from jobs.http.cursor import cursor_scope, make_cursor
from jobs.store import keyset
from jobs.store.db import db
from jobs.store.models import Job, ProcessStep, Sequence, Serial
from jobs.store.models import Path as PathModel
from jobs.store.statements import as_row, query_rows
from schemas.job import JobSchema
from schemas.serial import SerialSchema
from tests.conftest import error_body

LINK = re.compile(r'<(/api/[^>]+)>; rel="next"')
CURSOR = re.compile(r"[A-Za-z0-9_-]+")




def next_target(response) -> str | None:
    """The target of the response's `Link: <...>; rel="next"` header, checked for form; or None."""
    if "Link" not in response.headers:
        return None
    match = LINK.fullmatch(response.headers["Link"])
    assert match, response.headers["Link"]
    assert CURSOR.fullmatch(match.group(1).rsplit("&cursor=", 1)[1])
    return match.group(1)


def walk(client, url: str, between=lambda page: None) -> list[dict]:
    """Follow `next` links from `url`; return every item; call `between` after each page."""
    items = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json
        items += response.json
        between(response.json)
        url = next_target(response)
    return items


def ids(items: list[dict]) -> list[str]:
    return [item["id"] for item in items]


@pytest.fixture
def five_jobs(make_job, monkeypatch):
    """Five jobs, two of them created in the same millisecond (ties go by id)."""
    made = []
    for n, stamp in enumerate([1000, 2000, 2000, 3000, 4000]):
        monkeypatch.setattr("jobs.clock.now_ms", lambda stamp=stamp: stamp)
        made.append(make_job(name=f"JOB-{n}"))
    monkeypatch.undo()
    return sorted(made, key=lambda job: (job["createdAt"], job["id"]))


def bad_request(field: str, message: str) -> dict:
    return error_body(400, "Bad Request", message, {field: [message]})


LIMIT_MESSAGE = "limit must be an integer from 1 to 1000"


BAD_LIMITS = ["0", "1001", "-1", "1.5", "abc", "", " 5", "5 ", "+5", "1e2", "0x10", "٣",
              "99999999999999999999999", "1" * 5000]


@pytest.mark.parametrize("collection", ["jobs", "serials"])
def test_bad_limit_is_400(client, job, collection):
    for limit in BAD_LIMITS:
        response = client.get(f"/api/{collection}", query_string={"limit": limit})
        assert response.json == bad_request("limit", LIMIT_MESSAGE), limit


@pytest.mark.parametrize("query,field", [
    ("limit=2&limit=2", "limit"), ("limit=2&limit=", "limit"), ("cursor=a&cursor=a", "cursor"),
    ("cursor=&cursor=", "cursor"),
])
def test_limit_or_cursor_given_twice_is_400(client, job, query, field):
    message = f"{field} must be given at most once"
    for collection in ("jobs", "serials"):
        assert client.get(f"/api/{collection}?{query}").json == bad_request(field, message)


@pytest.mark.parametrize("limit,expected", [("1", 1), ("4", 4), ("5", 5), ("0004", 4),
                                            ("1000", 5)])
def test_a_page_holds_at_most_limit_items_in_list_order(client, five_jobs, limit, expected):
    response = client.get(f"/api/jobs?limit={limit}")
    assert response.status_code == 200
    assert ids(response.json) == ids(five_jobs)[:expected]
    assert (next_target(response) is not None) == (expected < 5)


def test_following_next_visits_every_job_once_in_order(client, five_jobs):
    for limit in range(1, 7):
        assert walk(client, f"/api/jobs?limit={limit}") == five_jobs


def test_the_last_full_page_has_no_link(client, five_jobs, make_job):
    make_job()
    first = client.get("/api/jobs?limit=3")
    last = client.get(next_target(first))
    assert len(last.json) == 3 and "Link" not in last.headers


def test_empty_list_page(client):
    response = client.get("/api/jobs?limit=10")
    assert (response.status_code, response.json, "Link" in response.headers) == (200, [], False)


def test_link_keeps_the_lists_parameters_in_their_order_and_drops_unknown_ones(client,
                                                                              five_jobs):
    response = client.get("/api/jobs?zeta=1&limit=2&q=JOB&alpha=%C3%A9+x&zeta=2&updatedAfter=")
    target = next_target(response)
    kept = "/api/jobs?limit=2&q=JOB&updatedAfter="
    assert target.rsplit("&cursor=", 1)[0] == kept
    assert ids(client.get(target).json) == ids(five_jobs)[2:4]


def test_link_replaces_the_cursor_it_was_given(client, five_jobs):
    second = next_target(client.get("/api/jobs?limit=2"))
    cursor = second.rsplit("&cursor=", 1)[1]
    response = client.get(f"/api/jobs?cursor={cursor}&q=&limit=2")
    third = next_target(response)
    assert third.startswith("/api/jobs?q=&limit=2&cursor=") and third.count("cursor=") == 1
    assert ids(client.get(third).json) == ids(five_jobs)[4:]


def test_cursor_without_limit_gives_the_rest_of_the_list(client, five_jobs):
    target = next_target(client.get("/api/jobs?limit=2&q=job"))
    rest = client.get(target.replace("limit=2&", ""))
    assert (rest.status_code, rest.json) == (200, five_jobs[2:])


def test_serial_pages_follow_numbers_past_five_digits(client, path, make_serials):
    Sequence.create(name="serial", value=99995)
    made = make_serials(path, 6)
    assert ids(walk(client, "/api/serials?limit=4")) == ids(made)
    assert ids(made)[3:5] == ["SN-99999", "SN-100000"]


def test_jobs_pages_stay_exact_while_jobs_are_created_updated_and_deleted(client, make_job):
    rng = random.Random(7)
    initial = ids([make_job(name=f"JOB-{n}") for n in range(30)])
    deleted = set()

    def change(page):
        for _ in range(2):
            make_job(name="NEW")
        survivors = [i for i in initial if i not in deleted]
        victims = {rng.choice(survivors)} | ({page[-1]["id"]} if rng.random() < 0.5 else set())
        for victim in victims:
            assert client.delete(f"/api/jobs/{victim}").status_code in (204, 404)
        deleted.update(victims)
        client.put(f"/api/jobs/{rng.choice(survivors)}", json={"name": "RENAMED"})

    seen = walk(client, "/api/jobs?limit=4", change)
    assert_exact(seen, initial, deleted, ids(client.get("/api/jobs").json),
                 key=lambda job: (job["createdAt"], job["id"]))


def test_serial_pages_stay_exact_while_serials_are_created_changed_and_deleted(
        client, path, make_serials):
    rng = random.Random(11)
    initial = ids(make_serials(path, 40))
    deleted = set()

    def change(page):
        make_serials(path, 3)
        survivors = [i for i in initial if i not in deleted]
        client.post(f"/api/serials/{rng.choice(survivors)}/advance")
        victims = {rng.choice(survivors), page[-1]["id"]}
        Serial.delete().where(Serial.id.in_(victims)).execute()
        deleted.update(victims)

    seen = walk(client, f"/api/serials?limit=6&jobId={path['jobId']}", change)
    final = ids(client.get("/api/serials").json)
    assert_exact(seen, initial, deleted, final, key=lambda serial: int(serial["id"][3:]))


def assert_exact(seen: list[dict], initial: list[str], deleted: set, final: list[str], key):
    """Every item that existed throughout was seen once, in the list's order; nothing twice."""
    seen_ids = ids(seen)
    assert len(seen_ids) == len(set(seen_ids))
    assert [key(item) for item in seen] == sorted(key(item) for item in seen)
    survivors = set(initial) - deleted
    assert [i for i in seen_ids if i in survivors] == [i for i in final if i in survivors]
    assert survivors <= set(seen_ids)


@pytest.fixture
def first_cursor(client, five_jobs) -> str:
    """The cursor of `/api/jobs?limit=2`'s next link."""
    return next_target(client.get("/api/jobs?limit=2")).rsplit("&cursor=", 1)[1]


def edit(token: str, position: int) -> str:
    char = token[position]
    return token[:position] + ("B" if char == "A" else "A") + token[position + 1:]


@pytest.mark.parametrize("change", [
    lambda token: "not a cursor!",
    lambda token: "abc",
    lambda token: "",
    lambda token: token[:-1],
    lambda token: token[:len(token) // 2],
    lambda token: token + "=",
    lambda token: token + "A",
    lambda token: token.swapcase(),
    lambda token: edit(token, 5),
    lambda token: edit(token, len(token) // 2),
    lambda token: edit(token, -1),
    lambda token: token + "%00",
], ids=["malformed", "garbage", "empty", "truncated-1", "truncated-half", "padded", "longer",
        "swapped-case", "edited-head", "edited-middle", "edited-last", "nul"])
def test_a_cursor_not_given_by_a_link_is_400(client, first_cursor, change):
    token = change(first_cursor)
    assert token != first_cursor
    response = client.get(f"/api/jobs?limit=2&cursor={token}")
    assert response.json == bad_request("cursor", "cursor is not valid")


@pytest.mark.parametrize("made_with,used_with", [
    ("", "&q=JOB"), ("&q=JOB", ""), ("&q=JOB", "&q=JOB-"), ("&q=JOB", "&q=job"),
    ("", "&jiraTicketKey=PI-42"), ("&updatedAfter=1970-01-01T00:00:00.000Z",
                                   "&updatedAfter=1970-01-01T00:00:00.001Z"),
])
def test_a_cursor_used_with_other_filters_is_400(client, five_jobs, made_with, used_with):
    target = next_target(client.get(f"/api/jobs?limit=1{made_with}"))
    cursor = target.rsplit("&cursor=", 1)[1]
    response = client.get(f"/api/jobs?limit=1{used_with}&cursor={cursor}")
    assert response.json == bad_request("cursor", "cursor is not valid")


def test_an_empty_filter_is_the_same_as_none_for_the_cursor(client, five_jobs):
    target = next_target(client.get("/api/jobs?limit=2"))
    cursor = target.rsplit("&cursor=", 1)[1]
    response = client.get(f"/api/jobs?limit=2&q=&jiraTicketKey=&cursor={cursor}")
    assert ids(response.json) == ids(five_jobs)[2:4]


def test_a_cursor_from_another_list_or_other_serial_filters_is_400(client, path, make_serials):
    make_serials(path, 3)
    serial_cursor = next_target(client.get("/api/serials?limit=1")).rsplit("=", 1)[1]
    response = client.get(f"/api/jobs?limit=1&cursor={serial_cursor}")
    assert response.json == bad_request("cursor", "cursor is not valid")
    job_cursor = next_target(client.get("/api/serials?limit=1&jobId=" + path["jobId"]))
    job_cursor = job_cursor.rsplit("=", 1)[1]
    for query in (f"jobId={path['jobId']}X", f"pathId={path['id']}", "status=in_progress", ""):
        response = client.get(f"/api/serials?limit=1&{query}&cursor={job_cursor}")
        assert response.json == bad_request("cursor", "cursor is not valid"), query


def test_a_cursor_signed_with_another_key_is_400(client, five_jobs):
    scope = cursor_scope("jobs", [{}, {}])
    forged = make_cursor(b"not the key", scope, [five_jobs[1]["createdAt"], five_jobs[1]["id"]])
    response = client.get(f"/api/jobs?limit=2&cursor={forged}")
    assert response.json == bad_request("cursor", "cursor is not valid")


@pytest.fixture
def another_process(app, make_app):
    """Make a client of another app (as another worker or host would be) on the same database."""
    return lambda **config: make_app(app.config["DATABASE_URL"], **config).test_client()


def test_every_process_of_a_database_shares_its_secret_unless_secret_key_is_set(
        client, five_jobs, another_process):
    target = next_target(client.get("/api/jobs?limit=2"))
    assert ids(another_process().get(target).json) == ids(five_jobs)[2:4]
    signed = another_process(SECRET_KEY="one")
    assert signed.get(target).json == bad_request("cursor", "cursor is not valid")
    target = next_target(signed.get("/api/jobs?limit=2"))
    assert ids(another_process(SECRET_KEY="one").get(target).json) == ids(five_jobs)[2:4]
    other = another_process(SECRET_KEY=b"two")
    assert other.get(target).json == bad_request("cursor", "cursor is not valid")


def test_the_database_secret_is_read_once_per_process(client, five_jobs, monkeypatch):
    reads = []
    real = keyset.cursor_secret
    monkeypatch.setattr(keyset, "cursor_secret", lambda: reads.append(1) or real())
    target = next_target(client.get("/api/jobs?limit=1"))
    for _ in range(3):
        target = next_target(client.get(target))
    assert len(reads) == 1


@pytest.fixture
def varied_jobs(client, make_job):
    """Jobs whose JSON needs escapes and non-ASCII text, with and without optional fields."""
    names = ["plain", "Ünïcödé ✓ 工件", 'quote " and \\ backslash', "emoji 😀", "tab\tnew\nline"]
    made = [make_job(name=name, jiraLabels=[name, "x"]) for name in names]
    bare = [client.post("/api/jobs", json={"name": "bare", "goalQuantity": 1}) for _ in range(2)]
    return made + [response.json for response in bare]


def old_answer(app) -> bytes:
    """List Jobs as it was answered before pages: every row dumped by marshmallow, jsonify'd."""
    with app.test_request_context():
        rows = query_rows(Job.select().order_by(Job.created_at, Job.id))
        return jsonify(JobSchema(many=True).dump(rows)).get_data()


@pytest.mark.parametrize("batch", [1, 2, 3, 1000])
def test_the_whole_list_is_byte_for_byte_the_old_answer(app, client, varied_jobs, monkeypatch,
                                                        batch):
    monkeypatch.setattr(pages, "BATCH", batch)
    response = client.get("/api/jobs")
    assert ("Content-Length" not in response.headers) == (batch <= len(varied_jobs))
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_data() == old_answer(app)
    assert response.json == walk(client, "/api/jobs?limit=2")


def test_a_streamed_list_reads_later_batches_as_it_writes(app, client, five_jobs, make_job,
                                                          monkeypatch):
    monkeypatch.setattr(pages, "BATCH", 2)
    response = client.get("/api/jobs", buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    client.delete(f"/api/jobs/{five_jobs[3]['id']}")
    late = make_job(name="LATE")
    body = first + b"".join(chunks)
    response.close()
    assert ids(json.loads(body)) == ids(five_jobs[:3] + five_jobs[4:]) + [late["id"]]


def pool_in_use() -> int:
    return len(db.obj._in_use)


def test_a_client_gone_mid_stream_holds_no_connection(client, path, make_serials, monkeypatch):
    monkeypatch.setattr(pages, "BATCH", 3)
    make_serials(path, 20)
    response = client.get("/api/serials", buffered=False)
    chunks = iter(response.response)
    assert next(chunks).startswith(b'[{"id":"SN-00001"')
    next(chunks)
    assert pool_in_use() == 0
    response.close()
    assert pool_in_use() == 0
    assert client.get("/api/serials?limit=1").status_code == 200


def test_head_of_a_list(client, five_jobs):
    response = client.head("/api/jobs?limit=2")
    assert (response.status_code, response.get_data()) == (200, b"")
    assert next_target(response).startswith("/api/jobs?limit=2&cursor=")


def test_bad_input_changes_nothing(client, five_jobs, path, make_serials):
    make_serials(path, 3)
    before = (query_rows(Job.select().order_by(Job.id)),
              query_rows(Serial.select().order_by(Serial.id)))
    for query in ("limit=0", "limit=1&limit=1", "cursor=x", "q=%00", "updatedAfter=x",
                  "jiraTicketKey=a&jiraTicketKey=b", "status=x", "jobId=%00"):
        for collection in ("jobs", "serials"):
            client.get(f"/api/{collection}?{query}")
    after = (query_rows(Job.select().order_by(Job.id)),
             query_rows(Serial.select().order_by(Serial.id)))
    assert before == after


def test_dump_rows_is_what_dump_gives(client, varied_jobs, path, make_serials):
    serials = make_serials(path, 3)
    client.post(f"/api/serials/{serials[0]['id']}/scrap", json={"reason": "other", "note": "ß"})
    client.post(f"/api/serials/{serials[1]['id']}/advance")
    for model, schema in ((Job, JobSchema(many=True)), (Serial, SerialSchema(many=True))):
        rows = query_rows(model.select().order_by(model.id))
        assert schema.dump_rows(rows) == schema.dump(rows)


def test_as_row_gives_what_each_fields_python_value_gives(client, varied_jobs, path,
                                                          make_serials):
    make_serials(path, 2)
    for model in (Job, PathModel, ProcessStep, Serial):
        fields = model._meta.sorted_fields
        for values in db.execute_sql(*model.select().sql()):
            pairs = zip(fields, values, strict=True)
            expected = {field.column_name: field.python_value(value) for field, value in pairs}
            assert as_row(model, values) == expected
