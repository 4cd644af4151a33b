"""List filters (docs/api.md, Lists: pages and filters): q, jiraTicketKey, updatedAfter, on
each database; the serial filters of before keep their tests in test_serials.py."""
import calendar
import re

import pytest

from schemas.fields import format_timestamp
from schemas.query import TIMESTAMP_PATTERN, QueryTimestamp
from tests.conftest import error_body


def bad_request(field: str, message: str) -> dict:
    return error_body(400, "Bad Request", message, {field: [message]})


def names(response) -> list[str]:
    assert response.status_code == 200, response.json
    return [job["name"] for job in response.json]


@pytest.fixture
def catalog(make_job, client, monkeypatch):
    """Jobs to search, one millisecond apart: names, Jira keys and part numbers with case,
    `%`, `_` and `\\`."""
    stamps = iter(range(1_705_768_500_000, 1_705_768_500_100))
    monkeypatch.setattr("jobs.clock.now_ms", lambda: next(stamps))
    specs = [
        ("WO-100 Housing", "PI-42", "ALU-HOUSING-7075"),
        ("wo-101 bracket", "PI-43", "STEEL_BRACKET"),
        ("100% inspection", "PI-420", "INSP-1"),
        ("Rework 50_50", "QA-7", "ALU\\7075"),
        ("Straße Ünterteil", "DE-1", "TEIL-ä"),
        ("Éclair ΩMEGA", "FR-1", "PIÈCE-Ω"),
    ]
    for name, key, part in specs:
        make_job(name=name, jiraTicketKey=key, jiraPartNumber=part)
    client.post("/api/jobs", json={"name": "bare job", "goalQuantity": 1})


@pytest.mark.parametrize("q,expected", [
    ("housing", ["WO-100 Housing"]),
    ("HOUSING", ["WO-100 Housing"]),
    ("wo-10", ["WO-100 Housing", "wo-101 bracket"]),
    ("pi-42", ["WO-100 Housing", "100% inspection"]),
    ("steel_b", ["wo-101 bracket"]),
    ("7075", ["WO-100 Housing", "Rework 50_50"]),
    ("%", ["100% inspection"]),
    ("0%", ["100% inspection"]),
    ("_", ["wo-101 bracket", "Rework 50_50"]),
    ("0_5", ["Rework 50_50"]),
    ("%_", []),
    ("\\", ["Rework 50_50"]),
    ("u\\7", ["Rework 50_50"]),
    ("ü", ["Straße Ünterteil"]),  # every script, whatever the server's locale (C in the tests)
    ("Ü", ["Straße Ünterteil"]),
    ("straße", ["Straße Ünterteil"]),
    ("STRAßE ÜNTER", ["Straße Ünterteil"]),
    ("teil-Ä", ["Straße Ünterteil"]),
    ("ωmega", ["Éclair ΩMEGA"]),
    ("éCLAIR", ["Éclair ΩMEGA"]),
    ("JOB", ["bare job"]),
    ("nothing like it", []),
    ("", ["WO-100 Housing", "wo-101 bracket", "100% inspection", "Rework 50_50",
          "Straße Ünterteil", "Éclair ΩMEGA", "bare job"]),
])
def test_q_is_a_case_insensitive_substring_of_name_key_or_part_number(client, catalog, q,
                                                                      expected):
    assert names(client.get("/api/jobs", query_string={"q": q})) == expected


def test_q_of_ten_thousand_characters_is_searched(client, catalog):
    for text in ("x" * 10000, "%" * 10000, "😀" * 10000, "_\\" * 5000):
        assert names(client.get("/api/jobs", query_string={"q": text})) == []


def test_q_over_ten_thousand_characters_is_400(client, catalog):
    response = client.get("/api/jobs", query_string={"q": "x" * 10001})
    assert response.json == bad_request("q", "q must be at most 10000 characters")


@pytest.mark.parametrize("field", ["q", "jiraTicketKey"])
@pytest.mark.parametrize("value", ["\x00", "a\x00b", "PI-42\x00"])
def test_nul_in_a_job_filter_is_400(client, catalog, field, value):
    message = f"{field} must not contain NUL characters"
    assert client.get("/api/jobs", query_string={field: value}).json == bad_request(field, message)


@pytest.mark.parametrize("field", ["jobId", "pathId"])
def test_nul_in_a_serial_filter_is_400(client, field):
    message = f"{field} must not contain NUL characters"
    response = client.get(f"/api/serials?{field}=job%00")
    assert response.json == bad_request(field, message)


@pytest.mark.parametrize("key,expected", [
    ("PI-42", ["WO-100 Housing"]), ("PI-4", []), ("pi-42", []), ("PI-42 ", []),
    ("QA-7", ["Rework 50_50"]), ("", ["WO-100 Housing", "wo-101 bracket", "100% inspection",
                                      "Rework 50_50", "Straße Ünterteil", "Éclair ΩMEGA",
                                      "bare job"]),
])
def test_jira_ticket_key_is_exact(client, catalog, key, expected):
    assert names(client.get("/api/jobs", query_string={"jiraTicketKey": key})) == expected


def test_filters_combine_and_page(client, catalog):
    response = client.get("/api/jobs?q=pi-42&jiraTicketKey=PI-420")
    assert names(response) == ["100% inspection"]
    first = client.get("/api/jobs?q=o&limit=2")
    assert names(first) == ["WO-100 Housing", "wo-101 bracket"]
    target = re.fullmatch(r'<([^>]+)>; rel="next"', first.headers["Link"]).group(1)
    assert target.startswith("/api/jobs?q=o&limit=2&cursor=")
    assert names(client.get(target)) == ["100% inspection", "Rework 50_50"]


@pytest.mark.parametrize("query,field", [
    ("q=a&q=b", "q"), ("q=&q=", "q"), ("jiraTicketKey=a&jiraTicketKey=a", "jiraTicketKey"),
    ("updatedAfter=x&updatedAfter=", "updatedAfter"),
])
def test_a_job_filter_given_twice_is_400(client, query, field):
    message = f"{field} must be given at most once"
    assert client.get(f"/api/jobs?{query}").json == bad_request(field, message)


def test_serial_updated_after_given_twice_is_400(client):
    message = "updatedAfter must be given at most once"
    response = client.get("/api/serials?updatedAfter=&updatedAfter=")
    assert response.json == bad_request("updatedAfter", message)


TIMESTAMP_MESSAGE = "updatedAfter must be a timestamp like 2024-01-20T16:45:00.000Z"
BAD_TIMESTAMPS = [
    "2024-01-20", "2024-01-20T16:45:00Z", "2024-01-20T16:45:00.00Z", "2024-01-20T16:45:00.0000Z",
    "2024-01-20T16:45:00.000", "2024-01-20T16:45:00.000+00:00", "2024-01-20T16:45:00.000+01:00",
    "2024-01-20T16:45:00.000-05:00", "2024-01-20T16:45:00.000z", "2024-01-20t16:45:00.000Z",
    "2024-01-20 16:45:00.000Z", "2024-1-20T16:45:00.000Z", "24-01-20T16:45:00.000Z",
    "2024-13-01T00:00:00.000Z", "2024-00-10T00:00:00.000Z", "2024-01-00T00:00:00.000Z",
    "2024-01-32T00:00:00.000Z", "2023-02-29T00:00:00.000Z", "2024-02-30T00:00:00.000Z",
    "2024-04-31T00:00:00.000Z", "1900-02-29T00:00:00.000Z", "2024-01-20T24:00:00.000Z",
    "2024-01-20T23:60:00.000Z", "2024-01-20T23:59:60.000Z", "0000-01-01T00:00:00.000Z",
    "+2024-01-20T16:45:00.000Z", "12024-01-20T16:45:00.000Z", "1705768500000",
    "２０２４-01-20T16:45:00.000Z", " 2024-01-20T16:45:00.000Z", "2024-01-20T16:45:00.000Z ",
    "Sat, 20 Jan 2024 16:45:00 GMT", "2024-01-20T16:45:00.000Z\x00", "now",
]


@pytest.mark.parametrize("collection", ["jobs", "serials"])
def test_updated_after_in_another_form_or_out_of_range_is_400(client, collection):
    for value in BAD_TIMESTAMPS:
        response = client.get(f"/api/{collection}", query_string={"updatedAfter": value})
        assert response.json == bad_request("updatedAfter", TIMESTAMP_MESSAGE), value


def set_clock(monkeypatch, millis: int) -> None:
    monkeypatch.setattr("jobs.clock.now_ms", lambda: millis)


def test_updated_after_keeps_only_jobs_updated_later(client, make_job, monkeypatch):
    made = []
    for name, stamp in (("old", 1_705_768_499_997), ("edited", 1_705_768_499_998),
                        ("fresh", 1_705_768_499_999)):
        set_clock(monkeypatch, stamp)
        made.append(make_job(name=name))
    old, edited, fresh = made
    set_clock(monkeypatch, 1_705_768_500_001)
    client.put(f"/api/jobs/{edited['id']}", json={"goalQuantity": 7})
    set_clock(monkeypatch, 1_705_768_600_000)
    client.put(f"/api/jobs/{fresh['id']}", json={"name": "fresh"})
    cases = [("2024-01-20T16:34:59.996Z", ["old", "edited", "fresh"]),
             ("2024-01-20T16:34:59.997Z", ["edited", "fresh"]),
             ("2024-01-20T16:35:00.000Z", ["edited", "fresh"]),
             ("2024-01-20T16:35:00.001Z", ["fresh"]),
             ("2024-01-20T16:36:40.000Z", []),
             ("0001-01-01T00:00:00.000Z", ["old", "edited", "fresh"]),
             ("9999-12-31T23:59:59.999Z", []),
             ("", ["old", "edited", "fresh"])]
    for value, expected in cases:
        assert names(client.get("/api/jobs", query_string={"updatedAfter": value})) == expected


def test_updated_after_keeps_only_serials_updated_later(client, path, make_serials, monkeypatch):
    set_clock(monkeypatch, 1_705_768_500_000)
    made = make_serials(path, 4)
    set_clock(monkeypatch, 1_705_768_500_500)
    client.post(f"/api/serials/{made[2]['id']}/advance")
    client.post(f"/api/serials/{made[0]['id']}/scrap", json={"reason": "damaged"})
    after = format_timestamp(1_705_768_500_000)
    response = client.get(f"/api/serials?updatedAfter={after}")
    assert [s["id"] for s in response.json] == [made[0]["id"], made[2]["id"]]
    response = client.get(f"/api/serials?updatedAfter={after}&status=scrapped&limit=1")
    assert ([s["id"] for s in response.json], "Link" in response.headers) == ([made[0]["id"]],
                                                                              False)


@pytest.mark.parametrize("year", [1, 1900, 2000, 2023, 2024, 9999])
def test_the_documented_pattern_accepts_exactly_what_the_service_accepts(year):
    field = QueryTimestamp(data_key="updatedAfter")
    pattern = re.compile(TIMESTAMP_PATTERN)
    candidates = [f"{year:04d}-{month:02d}-{day:02d}T23:59:59.999Z"
                  for month in range(0, 14) for day in range(0, 33)]
    for text in candidates + ["2024-01-20T24:00:00.000Z", "2024-01-20T00:60:00.000Z"]:
        try:
            millis = field.deserialize(text)
        except Exception:
            millis = None
        assert (pattern.match(text) is not None) == (millis is not None), text
        if millis is not None:
            assert format_timestamp(millis) == text or year < 1970
    assert sum(1 for text in candidates if pattern.match(text)) == 365 + calendar.isleap(year)
    assert calendar.isleap(year) == bool(pattern.match(f"{year:04d}-02-29T00:00:00.000Z"))
