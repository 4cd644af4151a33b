"""The as-built record (docs/api.md, Records an auditor can trust): JSON, the printable page
and its signed link, on both databases, with the event types of today; the replay of the
floor's documented event shapes is tests/test_travel.py."""
import re

import pytest

from tests.conftest import bearer, error_body, make_token

LINK = re.compile(r"^/serials/(SN-\d+)/record\?expires=(\d+)&signature=([0-9a-f]{64})$")
LINK_REQUIRED = error_body(401, "Unauthorized", "A valid signed link is required")


def history(client, serial_id: str) -> list[dict]:
    return client.get(f"/api/serials/{serial_id}/history").json


def test_a_completed_serial_s_visits_follow_its_events(client, make_job, make_path,
                                                       make_serials):
    job = make_job(jiraPartNumber="ALU-7075")
    path = make_path(job["id"])
    serial = make_serials(path, 2)[0]["id"]
    for _ in range(3):
        client.post(f"/api/serials/{serial}/advance")
    record = client.get(f"/api/serials/{serial}/record")
    assert record.status_code == 200
    created, *moves = history(client, serial)
    assert list(record.json) == ["job", "path", "serial", "visits", "holds", "undone",
                                 "lastEventHash"]
    assert record.json["job"] == {"id": job["id"], "name": job["name"],
                                  "jiraTicketKey": "PI-42", "jiraPartNumber": "ALU-7075"}
    assert record.json["path"] == {"id": path["id"], "name": path["name"]}
    assert record.json["serial"] == client.get(f"/api/serials/{serial}").json
    arrivals = [created, *moves[:2]]
    assert record.json["visits"] == [
        {"stepIndex": i, "step": step["name"], "visit": 1, "arrivedAt": arrivals[i]["at"],
         "leftAt": moves[i]["at"], "outcome": "done", "actor": "anonymous"}
        for i, step in enumerate(path["steps"])]
    assert (record.json["holds"], record.json["undone"]) == ([], [])
    assert record.json["lastEventHash"] == moves[-1]["hash"]


def test_a_new_serial_has_one_open_visit(client, path, make_serials):
    serial = make_serials(path)[0]["id"]
    record = client.get(f"/api/serials/{serial}/record").json
    created = history(client, serial)[0]
    assert record["visits"] == [{"stepIndex": 0, "step": "Cut", "visit": 1,
                                 "arrivedAt": created["at"], "actor": "anonymous"}]
    assert record["lastEventHash"] == created["hash"]


def test_a_scrapped_serial_s_last_visit_is_scrapped(client, path, make_serials):
    serial = make_serials(path)[0]["id"]
    client.post(f"/api/serials/{serial}/advance")
    client.post(f"/api/serials/{serial}/scrap", json={"reason": "damaged"})
    scrapped = history(client, serial)[-1]
    last = client.get(f"/api/serials/{serial}/record").json["visits"][-1]
    assert last == {"stepIndex": 1, "step": "Mill", "visit": 1, "arrivedAt": last["arrivedAt"],
                    "leftAt": scrapped["at"], "outcome": "scrapped", "actor": "anonymous"}


def test_a_voided_serial_whose_job_was_deleted_keeps_its_record(client, make_job, make_path,
                                                                  make_serials):
    job = make_job(jiraPartNumber="ALU-7075")
    path = make_path(job["id"])
    serial = make_serials(path)[0]["id"]
    assert client.post("/api/serials/void", json={"serialIds": [serial], "reason": "typo"}
                       ).status_code == 200
    assert client.delete(f"/api/jobs/{job['id']}").status_code == 204
    record = client.get(f"/api/serials/{serial}/record")
    assert record.status_code == 200
    assert record.json["job"] == {"id": job["id"], "name": job["name"],
                                  "jiraTicketKey": "PI-42", "jiraPartNumber": "ALU-7075"}
    assert record.json["path"] == {"id": path["id"], "name": path["name"]}
    assert record.json["serial"]["status"] == "voided"
    assert client.get(f"/serials/{serial}/record").status_code == 200


@pytest.mark.parametrize("url", ["/api/serials/SN-00099/record",
                                 "/api/serials/SN-00099/record-link",
                                 "/serials/SN-00099/record"])
def test_a_missing_serial_is_404_in_the_envelope(client, url):
    response = client.get(url)
    assert (response.status_code, response.json) == (
        404, error_body(404, "Not Found", "Serial not found: SN-00099"))


def test_the_page_shows_the_record_and_needs_no_link_with_auth_off(client, path, make_serials):
    serial = make_serials(path)[0]["id"]
    client.post(f"/api/serials/{serial}/advance")
    page = client.get(f"/serials/{serial}/record")
    assert (page.status_code, page.mimetype) == (200, "text/html")
    text = page.get_data(as_text=True)
    assert "<script" not in text and "http" not in text
    assert text.count("<tr><td>") == 2 and ">done<" in text and ">here<" in text
    assert history(client, serial)[-1]["hash"] in text


def test_the_page_has_one_a4_sheet_per_40_visits(client, job, make_path, make_serials):
    path = make_path(job["id"], steps=[{"name": f"Op {i}"} for i in range(45)])
    serial = make_serials(path)[0]["id"]
    for _ in range(44):
        client.post(f"/api/serials/{serial}/advance")
    text = client.get(f"/serials/{serial}/record").get_data(as_text=True)
    sheets = text.split('<section class="sheet">')[1:]
    assert [sheet.count("<tr><td>") for sheet in sheets] == [40, 5]
    assert "(page 2 of 2)" in sheets[1] and "@page { size: A4" in text


@pytest.fixture
def viewer(auth_app):
    return bearer(make_token("auditor", "viewer"))


@pytest.fixture
def secured_serial(auth_client):
    planner = bearer(make_token("planner", "planner"))
    job = auth_client.post("/api/jobs", json={"name": "J", "goalQuantity": 1},
                           headers=planner).json
    path = auth_client.post("/api/paths", headers=planner, json={
        "jobId": job["id"], "name": "P", "goalQuantity": 1, "steps": [{"name": "Only"}]}).json
    return auth_client.post("/api/serials", headers=planner, json={
        "jobId": job["id"], "pathId": path["id"], "quantity": 2}).json


def test_with_auth_on_a_signed_link_opens_the_page_without_a_token(auth_client, viewer,
                                                                    secured_serial):
    serial = secured_serial[0]["id"]
    assert auth_client.get(f"/serials/{serial}/record").json == LINK_REQUIRED
    link = auth_client.get(f"/api/serials/{serial}/record-link", headers=viewer)
    assert (link.status_code, list(link.json)) == (200, ["url"])
    assert LINK.match(link.json["url"]).group(1) == serial
    page = auth_client.get(link.json["url"])
    assert (page.status_code, page.mimetype) == (200, "text/html")
    ignored = auth_client.get(link.json["url"], headers=bearer("shop_not-a-token"))
    assert ignored.status_code == 200
    assert auth_client.get(f"/api/serials/{serial}/record", headers=viewer).status_code == 200


def spoiled(url: str, other: str) -> list[str]:
    serial, expires, signature = LINK.match(url).groups()
    flipped = signature[:-1] + ("0" if signature[-1] != "0" else "1")
    return [f"/serials/{serial}/record?expires={expires}&signature={flipped}",
            f"/serials/{serial}/record?expires={int(expires) + 1}&signature={signature}",
            f"/serials/{other}/record?expires={expires}&signature={signature}",
            f"/serials/{serial}/record?expires={expires}",
            f"/serials/{serial}/record?expires=1e9&signature={signature}",
            f"/serials/{serial}/record?expires={'9' * 5000}&signature={signature}"]


def test_a_link_changed_in_any_way_is_401(auth_client, viewer, secured_serial):
    first, other = (s["id"] for s in secured_serial)
    url = auth_client.get(f"/api/serials/{first}/record-link", headers=viewer).json["url"]
    for wrong in spoiled(url, other):
        response = auth_client.get(wrong)
        assert (response.status_code, response.json) == (401, LINK_REQUIRED), wrong


def test_a_link_is_valid_for_15_minutes(auth_client, viewer, secured_serial, monkeypatch):
    serial = secured_serial[0]["id"]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1_700_000_000_000)
    url = auth_client.get(f"/api/serials/{serial}/record-link", headers=viewer).json["url"]
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1_700_000_900_000)
    assert auth_client.get(url).status_code == 200
    monkeypatch.setattr("jobs.clock.now_ms", lambda: 1_700_000_901_000)
    assert (auth_client.get(url).status_code, auth_client.get(url).json) == (401, LINK_REQUIRED)


def test_the_record_link_needs_a_viewer_token(auth_client, secured_serial):
    response = auth_client.get(f"/api/serials/{secured_serial[0]['id']}/record-link")
    assert response.status_code == 401
