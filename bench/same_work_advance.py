"""The same work's floor for Advance Serial, beside `same_work_wsgi.py`'s GET and PUT.

Adds `POST /api/serials/<id>/advance` to that app, by hand on the stdlib `sqlite3`: the same
bearer-token look-up by SHA-256, the 404 look-up, the body read and validated by hand
(`expectedStepIndex` a non-negative integer, `operator` a string), then one `BEGIN IMMEDIATE` that
reads the serial and its path's steps under the lock, applies the status rules and the guard, moves
the serial to the next step (or completes it past the last) and appends the history event; the
answer is the Serial with its steps. `same_work_wsgi.py` is imported from `SAME_WORK_DIR` (default
`/work/shared/bench`); `SAME_WORK_SERIALS` serials (default 3000, `SN-00001`…) stand at step 0 of a
path of `SAME_WORK_STEPS` steps (default 10) of its job.
"""
import json
import os
import sys
import time

from flask import request

sys.path.insert(0, os.environ.get("SAME_WORK_DIR", "/work/shared/bench"))
from same_work_wsgi import actor, app, conn, error  # noqa: E402

JOB_ID = "job_abc123def456"
PATH_ID = "path_abc123def456"
SERIALS = int(os.environ.get("SAME_WORK_SERIALS", "3000"))
STEPS = int(os.environ.get("SAME_WORK_STEPS", "10"))
STAMP = "%Y-%m-%dT%H:%M:%S.000Z"


def setup() -> None:
    """Create the serial and step tables and their rows, once per database file."""
    c = conn()
    c.executescript("""
      CREATE TABLE IF NOT EXISTS moving_serial (id TEXT PRIMARY KEY, job_id TEXT, path_id TEXT,
        step_index INT, status TEXT, created_at TEXT, updated_at TEXT, version INT);
      CREATE TABLE IF NOT EXISTS path_step (path_id TEXT, idx INT, id TEXT, name TEXT,
        PRIMARY KEY (path_id, idx));""")
    if c.execute("SELECT count(*) FROM path_step").fetchone()[0]:
        return
    c.execute("BEGIN IMMEDIATE")
    c.executemany("INSERT INTO path_step VALUES (?, ?, ?, ?)",
                  [(PATH_ID, i, f"step_{i:012d}", f"Step {i}") for i in range(STEPS)])
    now = time.strftime(STAMP, time.gmtime())
    c.executemany("INSERT INTO moving_serial VALUES (?, ?, ?, 0, 'in_progress', ?, ?, 1)",
                  [(f"SN-{n:05d}", JOB_ID, PATH_ID, now, now) for n in range(1, SERIALS + 1)])
    c.execute("COMMIT")


def _fields():
    """The body's `expectedStepIndex` and `operator`, or an error answer."""
    body = request.get_json(silent=True) if request.content_length else {}
    if not isinstance(body, dict):
        return None, error(400, "Invalid request body")
    expected, operator = body.get("expectedStepIndex"), body.get("operator")
    if expected is not None and (type(expected) is not int or expected < 0):
        return None, error(400, "expectedStepIndex must be a non-negative integer")
    if operator is not None and not isinstance(operator, str):
        return None, error(400, "operator must be a string")
    return (expected, operator), None


def _move(c, serial_id: str, who: str, expected, operator):
    """Inside the transaction: the rules, the move and its event; the answer's parts or an error."""
    row = c.execute("SELECT job_id, path_id, step_index, status, created_at, version "
                    "FROM moving_serial WHERE id = ?", (serial_id,)).fetchone()
    steps = c.execute("SELECT id, name FROM path_step WHERE path_id = ? ORDER BY idx",
                      (row[1],)).fetchall()
    if row[3] != "in_progress":
        return None, error(400, "Serial is already completed")
    if expected is not None and expected != row[2]:
        return None, error(409, f"Serial {serial_id} is at step {row[2]}, not {expected}")
    to = row[2] + 1
    status, index = ("completed", -1) if to == len(steps) else ("in_progress", to)
    now = time.strftime(STAMP, time.gmtime())
    c.execute("UPDATE moving_serial SET step_index = ?, status = ?, updated_at = ?, "
              "version = version + 1 WHERE id = ?", (index, status, now, serial_id))
    kind = "serial.completed" if status == "completed" else "serial.advanced"
    c.execute("INSERT INTO event (at, actor, job_id, kind, changes) VALUES (?, ?, ?, ?, ?)",
              (int(time.time() * 1000), who, row[0], kind,
               json.dumps({"serialId": serial_id, "from": row[2], "to": index,
                           "operator": operator})))
    return (row, steps, index, status, now), None


@app.post("/api/serials/<serial_id>/advance")
def advance_serial(serial_id: str):
    """Advance: to the next step, or completed past the last one."""
    who = actor()
    if who is None:
        return error(401, "Authentication required")
    c = conn()
    if c.execute("SELECT 1 FROM moving_serial WHERE id = ?", (serial_id,)).fetchone() is None:
        return error(404, f"Serial not found: {serial_id}")
    fields, refused = _fields()
    if refused:
        return refused
    c.execute("BEGIN IMMEDIATE")
    try:
        moved, refused = _move(c, serial_id, who, *fields)
        c.execute("COMMIT" if moved else "ROLLBACK")
    except BaseException:
        c.execute("ROLLBACK")
        raise
    if refused:
        return refused
    row, steps, index, status, now = moved
    done = len(steps) if index == -1 else index
    return {"id": serial_id, "jobId": row[0], "pathId": row[1], "currentStepIndex": index,
            "currentStepId": None if index == -1 else steps[index][0], "status": status,
            "reworkCount": 0, "createdAt": row[4], "updatedAt": now,
            "steps": [{"stepId": step_id, "name": name,
                       "state": "done" if i < done else "pending", "visits": int(i < done)}
                      for i, (step_id, name) in enumerate(steps)]}


setup()
