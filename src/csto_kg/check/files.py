"""Checking record files as ``csto-kg validate`` and ``POST /validate`` do: nothing is written.

A file is checked the way the build checks it (:func:`~csto_kg.check.pipeline.process`),
against the entity files or the built store (:mod:`csto_kg.check.context`), and reported as
problems (:func:`validate_files`) or as pySHACL's own validation report (:func:`shacl_report`).
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import TYPE_CHECKING

from ..graph.rdfize import rdfize
from ..graph.terms import to_rdflib
from ..problems import Problem
from .. import records as rec
from . import pipeline
from .context import Context, RecordContext
from .validate import Report, Validator

if TYPE_CHECKING:
    from rdflib import Graph


def record_name(path: Path, data_dir: Path) -> str:
    """The name a file has (or would have) in the data folder, e.g. ``meetings/x.yaml``."""
    try:
        return path.resolve().relative_to(data_dir.resolve()).as_posix()
    except ValueError:
        pass
    if path.parent.name in ("meetings", "entities"):
        return f"{path.parent.name}/{path.name}"
    return f"meetings/{path.name}" if rec.MEETING_FILE.match(path.stem) else f"entities/{path.name}"


def validate_files(paths: list[Path], data_dir: Path, validator: Validator | None = None,
                   contents: dict[str, bytes] | None = None,
                   ctx: RecordContext | None = None) -> tuple[Report, bool]:
    """Check some record files against the shapes, with only the data folder's entities as context.

    Other meetings are never read, so the cost does not grow with the number of meetings.
    ``contents`` gives the bytes of records that are not on disk (by name, e.g. sent over HTTP);
    ``ctx`` is a context read before (when no entity file is among ``paths``).
    Returns the report and whether some file could not be read at all.
    """
    validator = validator or Validator()
    contents = contents or {}
    given = {record_name(p, data_dir): p for p in paths}
    given.update({name: data_dir / name for name in contents})
    entity_names = {n for n in given if n.startswith("entities/")}
    if ctx is None or entity_names:
        if any(n in contents for n in entity_names):
            ctx = None  # an uploaded entity file: read it from the bytes below
        ctx = ctx or Context(data_dir, validator, overrides={n: given[n] for n in entity_names if n not in contents},
                             contents={n: contents[n] for n in entity_names if n in contents})
    entity_records = {f.name: (f, g) for f, g in zip(ctx.files, ctx.graphs)}
    duplicates = rec.duplicate_slugs(ctx.index) + rec.role_cycles(ctx.index)
    problems: list[Problem] = []
    unreadable = False
    sink = io.StringIO()
    for name, path in given.items():
        record, graph = entity_records.get(name) or (rec.read_file(path, name, contents.get(name)), None)
        unreadable |= record.unreadable
        problems += pipeline.process(record, graph, ctx, sink, check_load=True).problems
        problems += [p for p in duplicates if p.file == name]
    return Report(sorted(set(problems))), unreadable


def shacl_report_for(name: str, data: bytes, data_dir: Path, validator: Validator | None = None) -> tuple[Graph, bool, bool]:
    """:func:`shacl_report` of one record given as bytes (never written anywhere)."""
    return shacl_report([data_dir / name], data_dir, validator, contents={name: data})


def shacl_report(paths: list[Path], data_dir: Path, validator: Validator | None = None,
                 contents: dict[str, bytes] | None = None) -> tuple[Graph, bool, bool]:
    """The raw pySHACL validation report of some record files (merged), whether they conform,
    and whether some file could not be read. Files with structural errors have no RDF to report on."""
    from rdflib import BNode, Graph, Literal  # noqa: PLC0415 - only the raw report is an rdflib graph

    from ..graph import names  # noqa: PLC0415
    from ..graph.vocab import RDF, SH  # noqa: PLC0415

    validator = validator or Validator()
    contents = contents or {}
    given = {record_name(p, data_dir): p for p in paths}
    entity_names = {n for n in given if n.startswith("entities/")}
    ctx = Context(data_dir, validator, overrides={n: given[n] for n in entity_names if n not in contents},
                  contents={n: contents[n] for n in entity_names if n in contents})
    entity_records = {f.name: (f, g) for f, g in zip(ctx.files, ctx.graphs)}
    merged = Graph()
    merged.bind("sh", str(SH))
    top = BNode()
    merged.add((top, RDF.type, SH.ValidationReport))
    conforms, unreadable = True, False
    for name, path in given.items():
        record, graph = entity_records.get(name) or (rec.read_file(path, name, contents.get(name)), None)
        unreadable |= record.unreadable
        if record.problems:
            conforms = False
            continue
        graph = graph or rdfize(record, ctx.index)
        results, report = validator.pyshacl_results(graph, ctx.types)
        conforms &= not any(r.severity == names.SH.Violation for r in results)  # light terms, as the checker's
        subjects = {to_rdflib(t[0]) for t in graph.triples}
        for result in report.subjects(RDF.type, SH.ValidationResult):
            if report.value(result, SH.focusNode) in subjects:  # not results about referenced entities
                merged.add((top, SH.result, result))
                for triple in report.triples((result, None, None)):
                    merged.add(triple)
    merged.add((top, SH.conforms, Literal(conforms)))
    return merged, conforms, unreadable
