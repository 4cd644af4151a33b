"""Job routes (docs/api.md: Job): the contract loads and dumps; the view calls the service."""
from flask import url_for

from jobs.http import ListPage, Versioned, bp, contract, load_body, load_query
from jobs.services import jobs as service
from schemas.job import (
    JobCreateSchema,
    JobDetailSchema,
    JobListSchema,
    JobSchema,
    JobUpdateSchema,
)

JOB_NOT_FOUND = {404: (service.NOT_FOUND,)}
JOB = Versioned("the job's version (its own stored fields; not progress, paths or serials), "
                "for `If-Match`", service.job_version, service.CHANGED)


@bp.get("/jobs")
@contract(JobSchema(many=True), query=JobListSchema, role="viewer",
          page=ListPage("jobs", "`createdAt`, then `id`"))
def list_jobs():
    """List Jobs: 200 with the jobs that match the filters, oldest first, paged or streamed."""
    return service.job_list(**load_query())


@bp.post("/jobs")
@contract(
    JobSchema, status=201, body=JobCreateSchema, idempotent=True, role="planner", etag=JOB,
    headers={"Location": "`/api/jobs/{id}` of the new job"},
    examples={"create": {"name": "JOB-2024-001", "goalQuantity": 50}},
)
def create_job():
    """Create Job: 201 with the Job, its `Location` and `ETag`."""
    job = service.create_job(load_body())
    return job, {"Location": url_for(".get_job", job_id=job["id"])}


@bp.get("/jobs/<job_id>")
@contract(JobDetailSchema, role="viewer", errors=JOB_NOT_FOUND, etag=JOB)
def get_job(job_id: str):
    """Get Job: 200 with the Job, its paths and progress, and its `ETag`."""
    return service.job_detail(job_id)


@bp.route("/jobs/<job_id>", methods=["PUT", "PATCH"])
@contract(
    JobSchema, body=JobUpdateSchema, role="planner", errors=JOB_NOT_FOUND, etag=JOB,
    if_match=JOB,
    examples={"both": {"name": "JOB-2024-001-REV2", "goalQuantity": 75},
              "goalQuantity": {"goalQuantity": 100}},
)
def update_job(job_id: str, if_match):
    """Update Job: look up first (404, then If-Match's 412), whatever the body."""
    service.require_job(job_id, if_match)
    return service.update_job(job_id, load_body(), if_match)


@bp.delete("/jobs/<job_id>")
@contract(None, status=204, role="planner", if_match=JOB,
          errors={**JOB_NOT_FOUND, 409: (service.HAS_SERIALS,)})
def delete_job(job_id: str, if_match):
    """Delete Job: 204, or 404/412/409."""
    service.delete_job(job_id, if_match)
