"""Path routes (docs/api.md: Path): the contract loads and dumps; the view calls the service."""
from flask import url_for

from jobs.http import Versioned, bp, contract, load_body
from jobs.services import jobs
from jobs.services import paths as service
from schemas.path import PathCreateSchema, PathSchema, PathUpdateSchema

PATH_NOT_FOUND = {404: (service.NOT_FOUND,)}
PATH = Versioned("the path's version (its own stored fields and its steps), for `If-Match`",
                 service.path_version, service.CHANGED)


@bp.post("/paths")
@contract(
    PathSchema, status=201, body=PathCreateSchema, idempotent=True, role="planner", etag=PATH,
    headers={"Location": "`/api/paths/{id}` of the new path"},
    errors={404: (jobs.NOT_FOUND.format(id="{jobId}"),)},
    examples={"create": {"jobId": "job_abc123", "name": "Main Route", "goalQuantity": 50,
                         "steps": [{"name": "Cut"}, {"name": "Deburr", "optional": True}]}},
)
def create_path():
    """Create Path: 201 with the Path, its `Location` and `ETag`; 400 before 404."""
    path = service.create_path(load_body())
    return path, {"Location": url_for(".get_path", path_id=path["id"])}


@bp.get("/paths/<path_id>")
@contract(PathSchema, role="viewer", errors=PATH_NOT_FOUND, etag=PATH)
def get_path(path_id: str):
    """Get Path: 200 with the Path and its ordered steps, and its `ETag`."""
    return service.path_detail(path_id)


@bp.route("/paths/<path_id>", methods=["PUT", "PATCH"])
@contract(PathSchema, body=PathUpdateSchema, role="planner", errors=PATH_NOT_FOUND,
          etag=PATH, if_match=PATH)
def update_path(path_id: str, if_match):
    """Update Path: look up first (404, then If-Match's 412), whatever the body."""
    service.require_path(path_id, if_match)
    return service.update_path(path_id, load_body(), if_match)


@bp.delete("/paths/<path_id>")
@contract(None, status=204, role="planner", if_match=PATH,
          errors={**PATH_NOT_FOUND, 409: (service.HAS_SERIALS,)})
def delete_path(path_id: str, if_match):
    """Delete Path: 204, or 404/412/409."""
    service.delete_path(path_id, if_match)
