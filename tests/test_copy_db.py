"""`flask --app app copy-db TARGET_URL` (docs/operations.md, Moving to PostgreSQL)."""
import uuid

from jobs.store.db import db
from tests.conftest import STEPS


def populate(client) -> None:
    """Jobs, paths and serials in every status, through the API."""
    job = client.post("/api/jobs", json={"name": "J1", "goalQuantity": 5,
                                         "jiraLabels": ["a", "b"], "jiraTicketKey": "PI-1"}).json
    client.post("/api/jobs", json={"name": "J2", "goalQuantity": 7})
    path = client.post("/api/paths", json={"jobId": job["id"], "name": "Main",
                                           "goalQuantity": 5, "steps": STEPS}).json
    serials = client.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                                "quantity": 4}).json
    for _ in STEPS:
        client.post(f"/api/serials/{serials[0]['id']}/advance")
    client.post(f"/api/serials/{serials[1]['id']}/advance")
    client.post(f"/api/serials/{serials[2]['id']}/scrap", json={"reason": "other", "note": "n"})


def answers(client) -> dict:
    """What the API shows of everything stored."""
    jobs = client.get("/api/jobs").json
    return {"jobs": jobs, "details": [client.get(f"/api/jobs/{j['id']}").json for j in jobs],
            "serials": client.get("/api/serials").json}


def copy(app, target_url: str):
    return app.test_cli_runner().invoke(args=["copy-db", target_url])


def test_sqlite_to_postgresql_to_sqlite_answers_the_same(tmp_path, postgres, make_app):
    first = make_app()
    populate(first.test_client())
    shown = answers(first.test_client())
    link = first.test_client().get("/api/jobs?limit=1").headers["Link"].split(";")[0].strip("<>")
    second_page = first.test_client().get(link).json
    pg_url = postgres.create_database(f"copy_{uuid.uuid4().hex}")
    result = copy(first, pg_url)
    assert (result.exit_code, result.output) == (
        0, "Copied 2 job, 1 path, 3 process_step, 4 serial, 0 serial_step, 5 serial_move, "
           "1 sequence, 0 token, 9 event, 0 idempotency_key, 0 webhook, 0 webhook_delivery, "
           "1 secret.\n")
    db.close_all()
    on_postgres = make_app(pg_url)
    assert answers(on_postgres.test_client()) == shown
    assert on_postgres.test_client().get(link).json == second_page
    back_url = f"sqlite:///{tmp_path}/back.db"
    assert copy(on_postgres, back_url).exit_code == 0
    db.close_all()
    back = make_app(back_url).test_client()
    assert answers(back) == shown
    assert back.get(link).json == second_page
    job, path = shown["jobs"][0], shown["details"][0]["paths"][0]
    more = back.post("/api/serials", json={"jobId": job["id"], "pathId": path["id"],
                                           "quantity": 1})
    assert more.json[0]["id"] == "SN-00005"
    db.close_all()


def test_a_target_that_holds_data_is_refused(tmp_path, app, client, job):
    target = f"sqlite:///{tmp_path}/target.db"
    assert copy(app, target).exit_code == 0
    client.post("/api/jobs", json={"name": "LATER", "goalQuantity": 1})
    again = copy(app, target)
    assert again.exit_code == 1
    assert again.output == ("Error: target database holds data (table job); "
                            "copy into an empty database\n")


def test_an_unknown_scheme_is_one_line(app):
    result = copy(app, "mysql://localhost/shop")
    assert result.exit_code == 1
    assert result.output == ("Error: DATABASE_URL must start with sqlite:/// or postgresql://, "
                             "not mysql://\n")
