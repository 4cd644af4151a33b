"""The event and history lists page like every list (docs/api.md, Lists: pages and filters)."""
import pytest

from tests.test_pages import LIMIT_MESSAGE, bad_request, next_target


def walk(client, url: str) -> list[list[int]]:
    """Follow `next` from `url`; return each page's event ids."""
    pages = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.json
        pages.append([event["id"] for event in response.json])
        url = next_target(response)
    return pages


@pytest.fixture
def history(client, job, path, make_serials):
    """A job with 7 events: created, a path, a batch of 2, one serial advanced 3 times."""
    serial = make_serials(path, 2)[0]
    for _ in range(3):
        assert client.post(f"/api/serials/{serial['id']}/advance").status_code == 200
    client.put(f"/api/jobs/{job['id']}", json={"name": "RENAMED"})
    return job, serial


@pytest.mark.parametrize("url,query,count", [
    ("/api/events", "", 7), ("/api/events", "&jobId={job}", 7),
    ("/api/events", "&type=serial.advanced", 2),
    ("/api/jobs/{job}/history", "", 4), ("/api/serials/{serial}/history", "", 4),
])
def test_event_lists_page_in_id_order_and_visit_every_event_once(client, history, url, query,
                                                                  count):
    job, serial = history
    url, query = (text.format(job=job["id"], serial=serial["id"]) for text in (url, query))
    whole = [event["id"] for event in client.get(f"{url}?{query.lstrip('&')}").json]
    pages = walk(client, f"{url}?limit=2{query}")
    visited = [event_id for page in pages for event_id in page]
    assert visited == whole == sorted(whole) and len(whole) == count
    assert [len(page) for page in pages] == [2] * (count // 2) + [1] * (count % 2)


def test_after_and_a_cursor_combine(client, history):
    first = client.get("/api/events?after=2&limit=2")
    assert [e["id"] for e in first.json] == [3, 4]
    assert [e["id"] for e in client.get(next_target(first)).json] == [5, 6]


def test_a_history_cursor_is_only_valid_for_its_own_job(client, history, make_job):
    job, _ = history
    other = make_job(name="OTHER")
    target = next_target(client.get(f"/api/jobs/{job['id']}/history?limit=1"))
    cursor = target.rsplit("cursor=", 1)[1]
    response = client.get(f"/api/jobs/{other['id']}/history?limit=1&cursor={cursor}")
    assert response.json == bad_request("cursor", "cursor is not valid")
    events = client.get(f"/api/events?limit=1&cursor={cursor}")
    assert events.json == bad_request("cursor", "cursor is not valid")


def test_a_missing_job_is_404_before_its_history_query_is_checked(client):
    response = client.get("/api/jobs/job_missing/history?limit=0")
    assert (response.status_code, response.json["message"]) == (404, "Job not found: job_missing")


@pytest.mark.parametrize("url", ["/api/events", "/api/jobs/{job}/history",
                                 "/api/serials/{serial}/history"])
def test_event_lists_check_limit(client, history, url):
    job, serial = history
    response = client.get(url.format(job=job["id"], serial=serial["id"]) + "?limit=0")
    assert response.json == bad_request("limit", LIMIT_MESSAGE)
