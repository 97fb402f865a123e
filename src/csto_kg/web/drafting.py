"""``GET /draft`` and ``POST /draft``: the "new record" page. A curator pastes a report's text and
gets the draft record, its validation problems and the entities matched, side by side. Nothing is
written."""

from __future__ import annotations

import re
import threading
from pathlib import Path
from urllib.parse import parse_qs

from flask import Blueprint, Response, current_app, render_template, request

from ..check.files import validate_files
from .request_body import read_body
from .validation import _context, _validator

bp = Blueprint("drafting", __name__)

MAX_TEXT_BYTES = 200_000
_lock = threading.Lock()


def _lexicon(data_dir: Path):
    """The entities of the data folder for drafting, read again only after an entity file changed."""
    from ..check.context import entity_stamp
    from ..draft import lexicon

    ext = current_app.extensions
    with _lock:
        cached = ext.get("csto_kg.draft_lexicon")
        stamp = entity_stamp(data_dir)
        if cached is None or cached[0] != stamp:
            cached = ext["csto_kg.draft_lexicon"] = (stamp, lexicon(data_dir))
        return cached[1]


def _sources(lex) -> list[str]:
    return sorted(slug for slug, e in lex.entities.items() if e.kind == "source")


def _without_the_extra() -> tuple[str, int] | None:
    """``503`` when this install lacks a library of the ``draft`` extra; None when it has them all."""
    from ..draft import missing_library

    missing = missing_library()
    if missing is None:
        return None
    message = (f"drafting needs the optional libraries of the draft extra ({missing} is not installed); "
               "install them with: pip install -e '.[draft]'")
    return render_template("draft.html", text="", source="", lang="auto", result=None, error=message, sources=[]), 503


@bp.route("/draft", methods=["GET"])
def form() -> Response | tuple[str, int]:
    if (unavailable := _without_the_extra()) is not None:
        return unavailable
    return render_template("draft.html", text="", source="", lang="auto", result=None, error=None,
                           sources=_sources(_lexicon(Path(current_app.config["DATA"]))))


@bp.route("/draft", methods=["POST"])
def draft() -> tuple[str, int] | str:
    """Draft the pasted text (form fields ``text``, ``source``, ``lang``); never writes."""
    from ..draft import draft_text

    if (unavailable := _without_the_extra()) is not None:
        return unavailable

    body = read_body(request, MAX_TEXT_BYTES, "the report's text")
    fields = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
    text, source, lang = fields.get("text", ""), fields.get("source", "").strip(), fields.get("lang", "auto")
    data_dir = Path(current_app.config["DATA"])
    lex = _lexicon(data_dir)
    page = dict(text=text, source=source, lang=lang, sources=_sources(lex), result=None, error=None)
    if lang not in ("auto", "en", "ru"):
        page["error"] = f"lang={lang!r}: expected auto, en or ru"
    elif not text.strip():
        page["error"] = "text: is empty; paste the text of a report"
    elif lex.kind(source) != "source":
        page["error"] = (f"source: {source!r} is not a source of the entity files; expected the slug of a source "
                         "(data/entities/sources.yaml)")
    if page["error"]:
        return render_template("draft.html", **page), 400
    result = draft_text(text, source, lex=lex, lang=lang, text_name="the pasted text", stubs_name="the stubs below")
    date = str(result.draft.date.value) if result.draft.date else ""
    name = f"meetings/{date if re.fullmatch(r'[0-9]{4}(-[0-9]{2}){0,2}', date) else '0000'}-draft.yaml"
    report, _unreadable = validate_files([], data_dir, _validator(), contents={name: result.record.encode()},
                                         ctx=_context(data_dir))
    matched = [dict(sentence=s.n, words=m.text, kind=m.kind, slugs=m.slugs, certain=m.certain, why=m.why,
                    label=lex.label(m.slug))
               for s, m in result.draft.mentions]
    page["result"] = dict(record=result.record, stubs=result.stubs, problems=report.problems, name=name,
                          matched=matched)
    return render_template("draft.html", **page)
