"""SHACL validation of record graphs, reported at the YAML line a curator edits.

Each record's graph is checked together with only what it references: the
classes of the entities it names and the ontology's class hierarchy, never the
whole knowledge graph. Results are mapped back from (focus node, path) to the
file, line and field the triple came from.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..records import schema as rec
from ..problems import Problem
from ..graph.rdfize import RecordGraph, rdfize
from ..graph.resources import ontology_files, read_turtle, shapes_files
from ..graph.vocab import ID, OWL, RDF, RDFS, SH

if TYPE_CHECKING:  # pragma: no cover
    from . import pipeline
    from .shape_checker import ShapeChecker

SEVERITIES = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


@dataclass
class Report:
    """What validating some records found."""

    problems: list[Problem]

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


class Validator:
    """Holds the parsed shapes and class hierarchy; validates one record graph at a time."""

    def __init__(self, shapes: Iterable[Path] | None = None, ontology: Iterable[Path] | None = None):
        self.shapes_paths = list(shapes or shapes_files())
        self.ontology_paths = list(ontology or ontology_files())

    @cached_property
    def shapes(self) -> Graph:
        return read_turtle(self.shapes_paths)

    @cached_property
    def hierarchy(self) -> list[tuple[Node, Node, Node]]:
        """The subclass axioms (and class declarations) of the ontology, for sh:class checks."""
        graph = read_turtle(self.ontology_paths)
        return [t for t in graph.triples((None, RDFS.subClassOf, None)) if isinstance(t[2], URIRef)]

    @cached_property
    def expected(self) -> dict[Node, str]:
        return {s: str(o) for s, o in self.shapes.subject_objects(SH.description)}

    @cached_property
    def checker(self) -> "ShapeChecker | None":
        """The compiled checker, or None when the shapes need pySHACL."""
        from .shape_checker import ShapeChecker, Unsupported

        try:
            return ShapeChecker(self.shapes, self.hierarchy)
        except Unsupported:
            return None

    def validate(self, record: RecordGraph, types: dict[URIRef, set[URIRef]],
                 engine: str = "auto") -> list[Problem]:
        """Check one record graph; ``types`` gives the classes of every entity IRI.

        ``engine`` is ``compiled`` (fast), ``pyshacl`` (the reference) or ``auto``
        (compiled when the shapes allow it).
        """
        if engine == "pyshacl" or (engine == "auto" and self.checker is None):
            return self._problems(record, self.pyshacl_results(record, types)[0])
        subjects = {s for s, _p, _o in record.triples}
        return self._problems(record, self.checker.check(record.triples, types, subjects))

    def data_graph(self, record: RecordGraph, types: dict[URIRef, set[URIRef]]) -> Graph:
        """The record's triples, the classes of what it references, and the class hierarchy."""
        data = Graph()
        subjects = set()
        for triple in record.triples:
            data.add(triple)
            subjects.add(triple[0])
        for _s, _p, node in record.triples:
            if isinstance(node, URIRef) and str(node).startswith(ID) and node not in subjects:
                for cls in types.get(node, ()):
                    data.add((node, RDF.type, cls))
        for triple in self.hierarchy:
            data.add(triple)
        return data

    def pyshacl_results(self, record: RecordGraph, types: dict[URIRef, set[URIRef]]) -> tuple[list, Graph]:
        """Validate with pySHACL; returns its results as :class:`shape_checker.Result` and the raw report."""
        from pyshacl import validate as shacl_validate  # imported late: it is slow to import

        from .shape_checker import Result

        _conforms, report, _text = shacl_validate(
            self.data_graph(record, types), shacl_graph=self.shapes, inference="none", advanced=False,
            allow_warnings=True,
        )
        subjects = {s for s, _p, _o in record.triples}
        results = []
        for node in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(node, SH.focusNode)
            if focus not in subjects:
                continue  # a referenced entity is checked with its own record
            message = report.value(node, SH.resultMessage)
            results.append(Result(focus, report.value(node, SH.resultPath), report.value(node, SH.value),
                                  report.value(node, SH.sourceConstraintComponent),
                                  report.value(node, SH.resultSeverity), None if message is None else str(message),
                                  report.value(node, SH.sourceShape)))
        return results, report

    def _problems(self, record: RecordGraph, results) -> list[Problem]:
        return sorted({self._problem(record, r) for r in results})

    def _problem(self, record: RecordGraph, result) -> Problem:
        focus, path, value, shape = result.focus, result.path, result.value, result.shape
        message = result.message or "does not conform"
        where = record.locate(focus, path)
        line, column, name = (where.line, where.column, where.field) if where else (1, 1, "")
        shown = _show(value) if value is not None and value != focus else None
        if shown is not None:
            message = f"{shown} {message}" if message.startswith("is ") else f"{message} ({shown})"
        return Problem(
            file=record.name + ".yaml" if not record.name.endswith((".yaml", ".yml")) else record.name,
            line=line,
            column=column,
            field=name,
            message=message,
            expected=self.expected.get(shape, ""),
            severity=SEVERITIES.get(result.severity, "error"),
            value=None if value is None else str(value),
            shape=str(shape) if isinstance(shape, URIRef) else None,
            constraint=str(result.component) if result.component else None,
        )


def _show(value: Node) -> str:
    if isinstance(value, URIRef) and str(value).startswith(ID):
        return repr(str(value).rsplit("/", 1)[-1])
    if isinstance(value, Literal):
        return repr(str(value))
    return f"<{value}>"


def entity_types(graphs: Iterable[RecordGraph]) -> dict[URIRef, set[URIRef]]:
    """IRI -> classes, for every node typed in the given graphs."""
    types: dict[URIRef, set[URIRef]] = {}
    for rg in graphs:
        for s, p, o in rg.triples:
            if p == RDF.type and isinstance(s, URIRef) and isinstance(o, URIRef):
                types.setdefault(s, set()).add(o)
    return types


def validate_records(records: rec.Records, validator: Validator | None = None,
                     only: set[str] | None = None) -> tuple[list[RecordGraph], Report]:
    """RDF for every record, structural and SHACL problems; ``only`` limits SHACL to some files."""
    validator = validator or Validator()
    index = rec.EntityIndex(records.entities)
    graphs = [rdfize(record, index) for record in records.files]
    types = entity_types(graphs)
    problems = list(records.problems)
    broken = {p.file for p in records.problems if p.severity == "error"}
    for rg, record in zip(graphs, records.files):
        if only is not None and record.name not in only:
            continue
        if record.name in broken:
            continue  # SHACL runs once the structural errors, which it would repeat, are fixed
        problems.extend(validator.validate(rg, types))
    if only is not None:
        problems = [p for p in problems if p.file in only]
    return graphs, Report(sorted(set(problems)))


__all__ = ["Report", "Validator", "entity_types", "validate_records", "OWL"]


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
                   contents: dict[str, bytes] | None = None, ctx: "pipeline.Context | None" = None) -> tuple[Report, bool]:
    """Check some record files against the shapes, with only the data folder's entities as context.

    Other meetings are never read, so the cost does not grow with the number of meetings.
    ``contents`` gives the bytes of records that are not on disk (by name, e.g. sent over HTTP);
    ``ctx`` is a context read before (when no entity file is among ``paths``).
    Returns the report and whether some file could not be read at all.
    """
    import io

    from . import pipeline

    validator = validator or Validator()
    contents = contents or {}
    given = {record_name(p, data_dir): p for p in paths}
    given.update({name: data_dir / name for name in contents})
    entity_names = {n for n in given if n.startswith("entities/")}
    if ctx is None or entity_names:
        if any(n in contents for n in entity_names):
            ctx = None  # an uploaded entity file: read it from the bytes below
        ctx = ctx or pipeline.Context(data_dir, validator, overrides={n: given[n] for n in entity_names if n not in contents},
                                      contents={n: contents[n] for n in entity_names if n in contents})
    entity_records = {f.name: (f, g) for f, g in zip(ctx.files, ctx.graphs)}
    duplicates = rec.duplicate_slugs(ctx.index)
    problems: list[Problem] = []
    unreadable = False
    sink = io.StringIO()
    for name, path in given.items():
        record, graph = entity_records.get(name) or (rec.read_file(path, name, contents.get(name)), None)
        unreadable |= record.unreadable
        problems += pipeline.process(record, graph, ctx, sink, check_load=True).problems
        problems += [p for p in duplicates if p.file == name]
    return Report(sorted(set(problems))), unreadable


def context_from_store(store, data_dir: Path, validator: Validator | None = None):
    """A context read from the built store when it matches the entity files now; else None."""
    from ..store.embedded import EmbeddedStore
    from .context import StoreContext, store_matches_entities

    if not isinstance(store, EmbeddedStore) or not store.exists():
        return None
    if not store_matches_entities(store.manifest(), data_dir):
        return None
    return StoreContext(store.reader(), validator or Validator(), data_dir)


def shacl_report_for(name: str, data: bytes, data_dir: Path, validator: Validator | None = None) -> tuple[Graph, bool, bool]:
    """:func:`shacl_report` of one record given as bytes (never written anywhere)."""
    return shacl_report([data_dir / name], data_dir, validator, contents={name: data})


def shacl_report(paths: list[Path], data_dir: Path, validator: Validator | None = None,
                 contents: dict[str, bytes] | None = None) -> tuple[Graph, bool, bool]:
    """The raw pySHACL validation report of some record files (merged), whether they conform,
    and whether some file could not be read. Files with structural errors have no RDF to report on."""
    from . import pipeline

    validator = validator or Validator()
    contents = contents or {}
    given = {record_name(p, data_dir): p for p in paths}
    entity_names = {n for n in given if n.startswith("entities/")}
    ctx = pipeline.Context(data_dir, validator, overrides={n: given[n] for n in entity_names if n not in contents},
                           contents={n: contents[n] for n in entity_names if n in contents})
    entity_records = {f.name: (f, g) for f, g in zip(ctx.files, ctx.graphs)}
    from rdflib import BNode

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
        conforms &= not any(r.severity == SH.Violation for r in results)
        subjects = {t[0] for t in graph.triples}
        for result in report.subjects(RDF.type, SH.ValidationResult):
            if report.value(result, SH.focusNode) in subjects:  # not results about referenced entities
                merged.add((top, SH.result, result))
                for triple in report.triples((result, None, None)):
                    merged.add(triple)
    merged.add((top, SH.conforms, Literal(conforms)))
    return merged, conforms, unreadable
