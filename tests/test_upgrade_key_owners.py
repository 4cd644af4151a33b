"""Schema step 0005: stored Idempotency-Keys pass from a token's name to the token (its id).

A database at version 4 holds keys by name: one made by a token since
revoked, one by the token that holds the name now. After the upgrade the
current token's retry is replayed, and the revoked token's key is not the
new token's.
"""
import hashlib
import json

import pytest

from jobs import clock
from jobs.http.body import parse_json
from jobs.http.idempotency import canonical_json
from jobs.services.tokens import secret_sha256
from tests.conftest import bearer
from tests.helpers import at_step

BODY = {"name": "J", "goalQuantity": 5}
STORED = '{"id":"job_stored00000"}'


@pytest.fixture
def version4_url(new_url):
    with at_step(new_url, "0004_idempotency_keys") as database:
        now = clock.now_ms()
        tokens = [(1, "kiosk", "old-secret", now - 3000, now - 1000),
                  (2, "kiosk", "new-secret", now - 500, None)]
        p = database.param
        for ident, name, secret, created, revoked in tokens:
            database.execute_sql(
                "INSERT INTO token (id, name, role, secret_sha256, created_at, revoked_at)"
                f" VALUES ({p}, {p}, 'planner', {p}, {p}, {p})",
                (ident, name, secret_sha256(secret), created, revoked))
        parsed = parse_json(json.dumps(BODY).encode())
        fingerprint = hashlib.sha256(f"POST\n/api/jobs\n{canonical_json(parsed)}".encode())
        for key, made in (("by-old", now - 2000), ("by-new", now - 100)):
            database.execute_sql(
                "INSERT INTO idempotency_key (actor, key, method, path, fingerprint, status,"
                f" body, location, created_at) VALUES ('kiosk', {p}, 'POST', '/api/jobs', {p},"
                f" 201, {p}, '/api/jobs/job_stored00000', {p})",
                (key, fingerprint.hexdigest(), STORED, made))
    return new_url


@pytest.fixture
def upgraded_client(version4_url, make_app):
    """A client of the app started to serve on the version-4 database (which upgrades it)."""
    return make_app(version4_url, upgrade_schema=True, AUTH_REQUIRED=True).test_client()


def test_stored_keys_pass_to_the_token_that_made_them(upgraded_client):
    client = upgraded_client
    retry = client.post("/api/jobs", json=BODY,
                        headers={"Idempotency-Key": "by-new", **bearer("new-secret")})
    assert (retry.status_code, retry.get_data(as_text=True)) == (201, STORED)
    assert retry.headers["Idempotent-Replayed"] == "true"
    fresh = client.post("/api/jobs", json=BODY,
                        headers={"Idempotency-Key": "by-old", **bearer("new-secret")})
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh.headers
    assert len(client.get("/api/jobs", headers=bearer("new-secret")).json) == 1
