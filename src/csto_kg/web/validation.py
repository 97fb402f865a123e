"""``POST /validate``: check a record sent in the request body; nothing is written."""

from __future__ import annotations

import threading
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, request

from ..check.context import Context, entity_stamp
from ..check.files import shacl_report_for, validate_files
from ..graph.formats import Format, by_name, negotiate
from ..problems import CstoKgError
from ..records import MEETING_FILE
from ..check.validate import Validator
from .request_body import read_body, strict_params

bp = Blueprint("validation", __name__)

MAX_RECORD_BYTES = 1_000_000
MAX_NAME_CHARS = 200
_lock = threading.Lock()
#: What /validate answers with: its JSON report (the default), or the SHACL report as Turtle.
REPORT_FORMATS = (Format("report", "JSON", ("application/json",), kind="report"), by_name("turtle"))


class BadRecordName(CstoKgError):
    status = 400


def _validator() -> Validator:
    ext = current_app.extensions
    if "csto_kg.validator" not in ext:
        ext["csto_kg.validator"] = Validator()
    return ext["csto_kg.validator"]


def _context(data_dir: Path) -> Context:
    """The entity files, read once and again only after one of them changed."""
    ext = current_app.extensions
    with _lock:
        ctx = ext.get("csto_kg.validation_context")
        if ctx is None or ctx.stamp != entity_stamp(data_dir):
            ctx = ext["csto_kg.validation_context"] = Context(data_dir, _validator())
        return ctx


def _record_name() -> str:
    name = strict_params(request.environ.get("QUERY_STRING", ""), "the URL's query string").get(
        "name", "meetings/0000-upload.yaml")
    if len(name) > MAX_NAME_CHARS:
        raise BadRecordName(f"name= is {len(name):,} characters long; a record file name has at most "
                            f"{MAX_NAME_CHARS}, e.g. meetings/YYYY-MM-DD-slug.yaml")
    folder, _, file = name.partition("/")
    if folder not in ("meetings", "entities") or not file.endswith((".yaml", ".yml")) or "/" in file or ".." in name:
        raise BadRecordName(f"name={name!r} is not a record file name; give meetings/YYYY-MM-DD-slug.yaml or "
                            "entities/NAME.yaml")
    if folder == "meetings" and not MEETING_FILE.match(Path(file).stem):
        raise BadRecordName(f"name={name!r} is not a meeting file name; expected meetings/YYYY-MM-DD-slug.yaml")
    return name


@bp.route("/validate", methods=["POST"])
def validate() -> Response:
    """Validate the YAML record in the body. ``?name=meetings/2019-06-20-x.yaml`` says what it is
    (default: a meeting). JSON by default; the raw SHACL report as Turtle for ``Accept: text/turtle``."""
    name = _record_name()
    body = read_body(request, MAX_RECORD_BYTES, "the record")
    data_dir = Path(current_app.config["DATA"])
    if negotiate(request.headers.get("Accept"), REPORT_FORMATS).format.name == "turtle":
        graph, conforms, _unreadable = shacl_report_for(name, body, data_dir, _validator())
        return Response(graph.serialize(format="turtle"), mimetype="text/turtle", headers={"Vary": "Accept"})
    ctx = None if name.startswith("entities/") else _context(data_dir)
    report, unreadable = validate_files([], data_dir, _validator(), contents={name: body}, ctx=ctx)
    response = jsonify({"conforms": report.conforms, "unreadable": unreadable, "name": name,
                        "problems": [p.as_json() for p in report.problems]})
    response.headers["Vary"] = "Accept"
    return response

