"""Path routes (docs/api.md: Path): parse with a schema, call the service, dump."""
from flask import Response, url_for

from jobs.http import bp, contract, json_body
from jobs.services import paths as service
from schemas.path import PathCreateSchema, PathSchema, PathUpdateSchema

path_schema = PathSchema()
create_schema = PathCreateSchema()
update_schema = PathUpdateSchema()

PATH_NOT_FOUND = {404: ("Path not found: {id}",)}


@bp.post("/paths")
@contract(
    PathSchema, status=201, body=PathCreateSchema, idempotent=True, role="planner",
    headers={"Location": "`/api/paths/{id}` of the new path"},
    errors={404: ("Job not found: {jobId}",)},
    examples={"create": {"jobId": "job_abc123", "name": "Main Route", "goalQuantity": 50,
                         "steps": [{"name": "Cut"}, {"name": "Deburr", "optional": True}]}},
)
def create_path():
    """Create Path: 201 with the Path and its `Location`; 400 before 404 `Job not found`."""
    path = service.create_path(create_schema.load(json_body()))
    return path_schema.dump(path), 201, {"Location": url_for(".get_path", path_id=path["id"])}


@bp.get("/paths/<path_id>")
@contract(PathSchema, role="viewer", errors=PATH_NOT_FOUND)
def get_path(path_id: str):
    """Get Path: 200 with the Path and its ordered steps."""
    return path_schema.dump(service.path_detail(path_id))


@bp.route("/paths/<path_id>", methods=["PUT", "PATCH"])
@contract(PathSchema, body=PathUpdateSchema, role="planner", errors=PATH_NOT_FOUND)
def update_path(path_id: str):
    """Update Path: look up first, so a missing path is 404 whatever the body."""
    service.require_path(path_id)
    changes = update_schema.load(json_body())
    return path_schema.dump(service.update_path(path_id, changes))


@bp.delete("/paths/<path_id>")
@contract(None, status=204, role="planner",
          errors={**PATH_NOT_FOUND, 409: ("Cannot delete path: it has {n} serial(s)",)})
def delete_path(path_id: str):
    """Delete Path: 204, or 404/409."""
    service.delete_path(path_id)
    return Response(status=204)
