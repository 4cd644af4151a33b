"""The as-built record (docs/api.md, Records an auditor can trust): JSON, a signed link, and
the printable page outside `/api`."""
from flask import current_app, render_template, request

from jobs.http import bp, contract, pages_bp
from jobs.http.envelope import error_response
from jobs.http.record_links import is_valid, record_link
from jobs.services import serials
from jobs.services.records import serial_record
from schemas.record import RecordLinkSchema, RecordSchema

SERIAL_NOT_FOUND = {404: (serials.NOT_FOUND,)}
LINK_REQUIRED = "A valid signed link is required"


@bp.get("/serials/<serial_id>/record")
@contract(RecordSchema, role="viewer", errors=SERIAL_NOT_FOUND)
def get_record(serial_id: str):
    """As-built Record: 200 with the serial's travel document, built from its events."""
    return serial_record(serial_id)


@bp.get("/serials/<serial_id>/record-link")
@contract(RecordLinkSchema, role="viewer", errors=SERIAL_NOT_FOUND)
def get_record_link(serial_id: str):
    """Record Link: 200 with the printable record's path, signed for 15 minutes."""
    serials.require_serial(serial_id)
    return {"url": record_link(serial_id)}


@pages_bp.get("/serials/<serial_id>/record")
@contract({"type": "string"}, media_type="text/html", role=None,
          errors={401: (LINK_REQUIRED,), **SERIAL_NOT_FOUND})
def record_page(serial_id: str):
    """The printable record: with authentication on, only through a valid signed link."""
    args = request.args
    if current_app.config["AUTH_REQUIRED"] and not is_valid(
            serial_id, args.get("expires"), args.get("signature")):
        return error_response(401, LINK_REQUIRED)
    # The page shows what Get Record answers, dumped by that route's own schema.
    record = get_record.contract.dump(serial_record(serial_id))
    return render_template("record.html", record=record)
