"""GET /api/serials `stepId` and the new `status` values (docs/api.md, Scans; Precisions:
stepId filter), on both databases; the index that serves it (migration 0010)."""
import pytest

from jobs.services.serials import serial_list
from jobs.store.db import db, is_postgres
from tests.helpers import postgres_plan


def ids(client, query):
    response = client.get(f"/api/serials?{query}")
    assert response.status_code == 200, response.json
    return [serial["id"] for serial in response.json]


@pytest.fixture
def floor(client, path, make_serials):
    """Six serials: at step 0 two in progress, one held, one scrapped, one voided; one moved."""
    made = [serial["id"] for serial in make_serials(path, 6)]
    client.post(f"/api/serials/{made[2]}/scrap", json={"reason": "damaged"})
    client.post("/api/serials/void", json={"serialIds": [made[3]], "reason": "mislabelled"})
    client.post(f"/api/serials/{made[4]}/advance")
    client.post(f"/api/serials/{made[5]}/hold", json={"reason": "suspect"})
    return {"steps": [step["id"] for step in path["steps"]], "serials": made}


def test_step_id_lists_what_waits_at_the_station(client, floor):
    first, second = floor["steps"][:2]
    serials = floor["serials"]
    assert ids(client, f"stepId={first}") == [serials[0], serials[1], serials[5]]
    assert ids(client, f"stepId={second}") == [serials[4]]
    assert ids(client, "stepId=step_unknown0000") == []


@pytest.mark.parametrize("status,index", [("scrapped", 2), ("voided", 3), ("on_hold", 5),
                                          ("in_progress", None)])
def test_with_a_status_the_serials_of_that_status_at_the_step(client, floor, status, index):
    first, serials = floor["steps"][0], floor["serials"]
    expected = [serials[index]] if index is not None else serials[:2]
    assert ids(client, f"stepId={first}&status={status}") == expected


def test_status_on_hold_and_voided_list_everywhere(client, floor):
    serials = floor["serials"]
    assert ids(client, "status=on_hold") == [serials[5]]
    assert ids(client, "status=voided") == [serials[3]]
    assert serials[3] not in ids(client, "")


def test_pages_of_a_step_keep_the_filter(client, floor):
    first, serials = floor["steps"][0], floor["serials"]
    page = client.get(f"/api/serials?stepId={first}&limit=2")
    assert [s["id"] for s in page.json] == serials[:2]
    following = page.headers["Link"].split(">")[0].lstrip("<")
    assert "stepId=" in following
    assert [s["id"] for s in client.get(following).json] == [serials[5]]


def test_step_id_given_twice_is_400(client):
    response = client.get("/api/serials?stepId=a&stepId=b")
    assert (response.status_code, response.json["message"]) == (
        400, "stepId must be given at most once")


def test_a_step_page_is_one_range_of_the_step_index(app):
    """The plan of a stepId page after a cursor: serial(current_step_id, number), no sort."""
    with db.connection_context():
        sql, params = serial_list(step_id="step_a").page_query((5,), 101).sql()
        if is_postgres():
            plan = postgres_plan(sql, params)
            assert "Index Scan using serial_current_step_id_number on " in plan
            assert "Sort" not in plan
        else:
            plan = [row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params)]
            assert plan == ["SEARCH t1 USING INDEX serial_current_step_id_number "
                            "(current_step_id=? AND number>?)"]
