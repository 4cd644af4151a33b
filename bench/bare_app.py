"""The benchmark's baseline: bare Flask views with no database (bench/load_bench.py).

They answer `GET`/`PUT /api/jobs/<id>` with a Job-shaped JSON object, so the
service's figures can be set against what Flask and gunicorn alone reach.
"""
from flask import Flask, request

app = Flask(__name__)
app.json.sort_keys = False

JOB = {
    "id": "job_abc123def456", "name": "JOB-2024-001-REV2", "goalQuantity": 75,
    "jiraTicketKey": "PI-42", "jiraTicketSummary": "Build 50 aluminum housings",
    "jiraPartNumber": "ALU-HOUSING-7075", "jiraPriority": "High", "jiraEpicLink": "PI-10",
    "jiraLabels": ["Q1-2024", "rush"],
    "createdAt": "2024-01-15T10:30:00.000Z", "updatedAt": "2024-01-20T16:45:00.000Z",
}


@app.get("/api/health")
def health():
    """200 `{"status": "ok"}` so the bench can wait for the server as for the service."""
    return {"status": "ok"}


@app.route("/api/jobs/<job_id>", methods=["GET", "PUT"])
def job(job_id: str):
    """The Job object; a PUT's JSON body is parsed and merged, as a minimal view would."""
    return {**JOB, "id": job_id, **(request.get_json(silent=True) or {})}
