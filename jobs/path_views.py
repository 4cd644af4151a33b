"""Path routes (API.md: Path): parse with a schema, call the service, dump."""
from flask import Response, url_for

from jobs import path_service
from jobs.api import bp
from jobs.body import json_body
from schemas.path import PathCreateSchema, PathSchema, PathUpdateSchema

path_schema = PathSchema()
create_schema = PathCreateSchema()
update_schema = PathUpdateSchema()


@bp.post("/paths")
def create_path():
    """Create Path: 201 with the Path and its `Location`; 400 before 404 `Job not found`."""
    path = path_service.create_path(create_schema.load(json_body()))
    return path_schema.dump(path), 201, {"Location": url_for(".get_path", path_id=path["id"])}


@bp.get("/paths/<path_id>")
def get_path(path_id: str):
    """Get Path: 200 with the Path and its ordered steps."""
    return path_schema.dump(path_service.path_detail(path_service.get_path(path_id)))


@bp.route("/paths/<path_id>", methods=["PUT", "PATCH"])
def update_path(path_id: str):
    """Update Path: look up first, so a missing path is 404 whatever the body."""
    path_service.require_path(path_id)
    changes = update_schema.load(json_body())
    return path_schema.dump(path_service.update_path(path_id, changes))


@bp.delete("/paths/<path_id>")
def delete_path(path_id: str):
    """Delete Path: 204, or 404/409."""
    path_service.delete_path(path_service.get_path(path_id))
    return Response(status=204)
