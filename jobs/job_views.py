"""Job routes (API.md: Job): parse with a schema, call the service, dump."""
from flask import Response, url_for

from jobs import job_service
from jobs.api import bp
from jobs.body import json_body
from schemas.job import JobCreateSchema, JobDetailSchema, JobSchema, JobUpdateSchema

job_schema = JobSchema()
detail_schema = JobDetailSchema()
create_schema = JobCreateSchema()
update_schema = JobUpdateSchema()


@bp.get("/jobs")
def list_jobs():
    """List Jobs: 200 with every Job, oldest first."""
    return job_schema.dump(job_service.list_jobs(), many=True)


@bp.post("/jobs")
def create_job():
    """Create Job: 201 with the Job and its `Location`."""
    job = job_service.create_job(create_schema.load(json_body()))
    return job_schema.dump(job), 201, {"Location": url_for(".get_job", job_id=job.id)}


@bp.get("/jobs/<job_id>")
def get_job(job_id: str):
    """Get Job: 200 with the Job, its paths and progress."""
    return detail_schema.dump(job_service.job_detail(job_id))


@bp.route("/jobs/<job_id>", methods=["PUT", "PATCH"])
def update_job(job_id: str):
    """Update Job (the seed): look up first, so a missing job is 404 whatever the body."""
    job_service.require_job(job_id)
    changes = update_schema.load(json_body())
    return job_schema.dump(job_service.update_job(job_id, changes))


@bp.delete("/jobs/<job_id>")
def delete_job(job_id: str):
    """Delete Job: 204, or 404/409."""
    job_service.delete_job(job_service.get_job(job_id))
    return Response(status=204)
