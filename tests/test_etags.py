"""ETag and If-Match on jobs and paths (docs/api.md, Retries and concurrency: ETag and If-Match)."""
import pytest

from jobs.store.db import db
from tests.conftest import STEPS, error_body, stored

JOB_CHANGED = "Job has changed since it was read"
PATH_CHANGED = "Path has changed since it was read"


@pytest.fixture(autouse=True)
def ticking_clock(monkeypatch):
    stamps = iter(range(1_705_769_100_000, 1_705_769_100_000 + 10**6, 7))
    monkeypatch.setattr("jobs.clock.now_ms", lambda: next(stamps))


@pytest.fixture(params=["jobs", "paths"])
def resource(request, client, job, path):
    """(collection, id, the 412 message, a valid update body) of a job or a path."""
    if request.param == "jobs":
        return "jobs", job["id"], JOB_CHANGED, {"goalQuantity": 7}
    return "paths", path["id"], PATH_CHANGED, {"goalQuantity": 7}


def tag_of(client, collection, ident) -> str:
    response = client.get(f"/api/{collection}/{ident}")
    assert response.status_code == 200
    return response.headers["ETag"]


def precondition_failed(message):
    return 412, error_body(412, "Precondition Failed", message)


def test_create_get_and_update_carry_the_same_strong_etag(client, job, path):
    created = client.post("/api/jobs", json={"name": "E", "goalQuantity": 3,
                                             "jiraLabels": ["a"]})
    tag = created.headers["ETag"]
    assert tag.startswith('"') and tag.endswith('"') and len(tag) == 18
    assert tag_of(client, "jobs", created.json["id"]) == tag
    made = client.post("/api/paths", json={"jobId": job["id"], "name": "P", "goalQuantity": 2,
                                           "steps": STEPS})
    assert tag_of(client, "paths", made.json["id"]) == made.headers["ETag"]
    updated = client.put(f"/api/jobs/{created.json['id']}", json={"name": "F"})
    assert tag_of(client, "jobs", created.json["id"]) == updated.headers["ETag"] != tag


def test_every_write_changes_the_etag_even_one_that_only_refreshes_updated_at(client, resource):
    collection, ident, _, _ = resource
    tag = tag_of(client, collection, ident)
    current = stored(client, collection, ident)
    same = client.put(f"/api/{collection}/{ident}", json={"name": current["name"]})
    assert same.status_code == 200 and same.json["updatedAt"] != current["updatedAt"]
    assert same.headers["ETag"] != tag  # only updatedAt moved
    assert tag_of(client, collection, ident) == same.headers["ETag"]


def test_an_empty_update_changes_nothing_and_keeps_the_etag(client, resource):
    collection, ident, _, _ = resource
    tag = tag_of(client, collection, ident)
    assert client.patch(f"/api/{collection}/{ident}", json={}).headers["ETag"] == tag


def test_progress_paths_and_serials_do_not_change_a_jobs_etag(client, job, make_path,
                                                               make_serials):
    tag = tag_of(client, "jobs", job["id"])
    path = make_path(job["id"])
    serial = make_serials(path, 2)[0]
    client.post(f"/api/serials/{serial['id']}/advance")
    client.put(f"/api/paths/{path['id']}", json={"name": "Renamed"})
    assert tag_of(client, "jobs", job["id"]) == tag


def test_serials_do_not_change_a_paths_etag(client, path, make_serials):
    tag = tag_of(client, "paths", path["id"])
    client.post(f"/api/serials/{make_serials(path)[0]['id']}/advance")
    assert tag_of(client, "paths", path["id"]) == tag


@pytest.mark.parametrize("method", ["put", "patch"])
def test_a_current_etag_lets_the_update_through(client, resource, method):
    collection, ident, _, body = resource
    tag = tag_of(client, collection, ident)
    response = getattr(client, method)(f"/api/{collection}/{ident}", json=body,
                                       headers={"If-Match": tag})
    assert response.status_code == 200 and response.json["goalQuantity"] == 7


@pytest.mark.parametrize("header", [
    "*", " * ", '{tag}', '"x", {tag}', '{tag}, "x"', '"x",,{tag} ,', 'W/"x", {tag}',
])
def test_if_match_that_lists_the_current_etag_or_star_matches(client, resource, header):
    collection, ident, _, body = resource
    header = header.format(tag=tag_of(client, collection, ident))
    response = client.patch(f"/api/{collection}/{ident}", json=body, headers={"If-Match": header})
    assert response.status_code == 200, response.json


@pytest.mark.parametrize("header", [
    '"stale"', '"x", "y"', "W/{tag}", "{bare}", "{tag} junk", '"a" "b"', "", ",", "*, {tag}",
    '"a', "{tag};",
])
def test_if_match_that_does_not_list_the_current_strong_etag_is_412(client, resource, header):
    collection, ident, message, body = resource
    tag = tag_of(client, collection, ident)
    before = stored(client, collection, ident)
    header = header.format(tag=tag, bare=tag.strip('"'))
    response = client.put(f"/api/{collection}/{ident}", json=body, headers={"If-Match": header})
    assert (response.status_code, response.json) == precondition_failed(message)
    assert stored(client, collection, ident) == before


def test_a_stale_etag_after_someone_elses_write_is_412(client, resource):
    collection, ident, message, body = resource
    tag = tag_of(client, collection, ident)
    client.put(f"/api/{collection}/{ident}", json={"name": "Other"})
    response = client.put(f"/api/{collection}/{ident}", json=body, headers={"If-Match": tag})
    assert (response.status_code, response.json) == precondition_failed(message)
    assert stored(client, collection, ident)["goalQuantity"] != 7


def test_412_comes_after_404_and_before_the_body(client, resource):
    collection, ident, message, _ = resource
    missing = client.put(f"/api/{collection}/nope", json={"name": ""}, headers={"If-Match": '"x"'})
    assert missing.status_code == 404
    response = client.put(f"/api/{collection}/{ident}", data=b"{bad",
                          content_type="application/json", headers={"If-Match": '"x"'})
    assert (response.status_code, response.json) == precondition_failed(message)
    response = client.put(f"/api/{collection}/{ident}", json={"goalQuantity": 0},
                          headers={"If-Match": '"x"'})
    assert (response.status_code, response.json) == precondition_failed(message)


def test_delete_with_a_stale_etag_is_412_and_nothing_is_deleted(client, resource):
    collection, ident, message, _ = resource
    response = client.delete(f"/api/{collection}/{ident}", headers={"If-Match": '"stale"'})
    assert (response.status_code, response.json) == precondition_failed(message)
    assert client.get(f"/api/{collection}/{ident}").status_code == 200
    tag = tag_of(client, collection, ident)
    assert client.delete(f"/api/{collection}/{ident}", headers={"If-Match": tag}).status_code == 204


def test_a_stale_if_match_on_a_job_or_path_with_serials_is_412_not_409(client, path, make_serials):
    make_serials(path)
    for collection, ident, message in (("jobs", path["jobId"], JOB_CHANGED),
                                       ("paths", path["id"], PATH_CHANGED)):
        response = client.delete(f"/api/{collection}/{ident}", headers={"If-Match": '"stale"'})
        assert (response.status_code, response.json) == precondition_failed(message)
        response = client.delete(f"/api/{collection}/{ident}", headers={"If-Match": "*"})
        assert response.status_code == 409


def test_a_write_between_the_check_and_the_update_is_412(client, resource, monkeypatch):
    """The If-Match is checked again under the row lock, inside the write transaction."""
    collection, ident, message, body = resource
    tag = tag_of(client, collection, ident)
    from jobs.services import jobs as job_service
    from jobs.services import paths as path_service
    service = job_service if collection == "jobs" else path_service
    name = "require_job" if collection == "jobs" else "require_path"
    look_up = getattr(service, name)

    def look_up_then_someone_writes(ident_, if_match=None):
        look_up(ident_, if_match)
        with db.connection_context():
            service.update_job(ident_, {"name": "Between"}) if collection == "jobs" else \
                service.update_path(ident_, {"name": "Between"})

    monkeypatch.setattr(service, name, look_up_then_someone_writes)
    response = client.put(f"/api/{collection}/{ident}", json=body, headers={"If-Match": tag})
    assert (response.status_code, response.json) == precondition_failed(message)
    assert stored(client, collection, ident)["name"] == "Between"


def test_without_if_match_the_last_write_wins(client, resource):
    collection, ident, _, _ = resource
    client.put(f"/api/{collection}/{ident}", json={"name": "A"})
    assert client.put(f"/api/{collection}/{ident}", json={"name": "B"}).status_code == 200
    assert stored(client, collection, ident)["name"] == "B"
