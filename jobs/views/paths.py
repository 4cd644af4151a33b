"""Path routes (docs/api.md: Path): parse with a schema, call the service, dump."""
from flask import Response, url_for

from jobs.http import bp, contract, json_body
from jobs.http.preconditions import etag, if_match
from jobs.services import paths as service
from schemas.path import PathCreateSchema, PathSchema, PathUpdateSchema

path_schema = PathSchema()
create_schema = PathCreateSchema()
update_schema = PathUpdateSchema()

PATH_NOT_FOUND = {404: ("Path not found: {id}",)}
CHANGED = "Path has changed since it was read"
ETAG = {"ETag": "the path's version (its own stored fields and its steps), for `If-Match`"}


@bp.post("/paths")
@contract(
    PathSchema, status=201, body=PathCreateSchema, idempotent=True, role="planner",
    headers={"Location": "`/api/paths/{id}` of the new path", **ETAG},
    errors={404: ("Job not found: {jobId}",)},
    examples={"create": {"jobId": "job_abc123", "name": "Main Route", "goalQuantity": 50,
                         "steps": [{"name": "Cut"}, {"name": "Deburr", "optional": True}]}},
)
def create_path():
    """Create Path: 201 with the Path, its `Location` and `ETag`; 400 before 404."""
    path = service.create_path(create_schema.load(json_body()))
    return path_schema.dump(path), 201, {"Location": url_for(".get_path", path_id=path["id"]),
                                         "ETag": etag(service.path_version(path))}


@bp.get("/paths/<path_id>")
@contract(PathSchema, role="viewer", errors=PATH_NOT_FOUND, headers=ETAG)
def get_path(path_id: str):
    """Get Path: 200 with the Path and its ordered steps, and its `ETag`."""
    path = service.path_detail(path_id)
    return path_schema.dump(path), {"ETag": etag(service.path_version(path))}


@bp.route("/paths/<path_id>", methods=["PUT", "PATCH"])
@contract(PathSchema, body=PathUpdateSchema, role="planner", errors=PATH_NOT_FOUND,
          headers=ETAG, if_match=CHANGED)
def update_path(path_id: str):
    """Update Path: look up first (404, then If-Match's 412), whatever the body."""
    precondition = if_match()
    service.require_path(path_id, precondition)
    changes = update_schema.load(json_body())
    path = service.update_path(path_id, changes, precondition)
    return path_schema.dump(path), {"ETag": etag(service.path_version(path))}


@bp.delete("/paths/<path_id>")
@contract(None, status=204, role="planner", if_match=CHANGED,
          errors={**PATH_NOT_FOUND, 409: ("Cannot delete path: it has {n} serial(s)",)})
def delete_path(path_id: str):
    """Delete Path: 204, or 404/412/409."""
    service.delete_path(path_id, if_match())
    return Response(status=204)
