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
from typing import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from . import records as rec
from .problems import Problem
from .rdfize import RecordGraph, rdfize
from .resources import ontology_files, shapes_files
from .vocab import ID, OWL, RDF, RDFS, SH

SEVERITIES = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}


@dataclass
class Report:
    """What validating some records found."""

    problems: list[Problem]
    reports: dict[str, Graph]  # record name -> the raw SHACL validation report

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
        graph = Graph()
        for path in self.shapes_paths:
            graph.parse(path, format="turtle")
        return graph

    @cached_property
    def hierarchy(self) -> list[tuple[Node, Node, Node]]:
        """The subclass axioms (and class declarations) of the ontology, for sh:class checks."""
        graph = Graph()
        for path in self.ontology_paths:
            graph.parse(path, format="turtle")
        return [t for t in graph.triples((None, RDFS.subClassOf, None)) if isinstance(t[2], URIRef)]

    @cached_property
    def expected(self) -> dict[Node, str]:
        return {s: str(o) for s, o in self.shapes.subject_objects(SH.description)}

    def validate(self, record: RecordGraph, types: dict[URIRef, set[URIRef]]) -> tuple[list[Problem], Graph]:
        """Check one record graph; ``types`` gives the classes of every entity IRI."""
        from pyshacl import validate as shacl_validate  # imported late: it is slow to import

        data = Graph()
        for triple in record.graph:
            data.add(triple)
        for node in set(record.graph.objects()):
            if isinstance(node, URIRef) and str(node).startswith(ID) and (node, None, None) not in record.graph:
                for cls in types.get(node, ()):
                    data.add((node, RDF.type, cls))
        for triple in self.hierarchy:
            data.add(triple)
        _conforms, report, _text = shacl_validate(
            data, shacl_graph=self.shapes, inference="none", advanced=False, allow_warnings=True,
        )
        subjects = set(record.graph.subjects())
        problems = []
        for result in report.subjects(RDF.type, SH.ValidationResult):
            focus = report.value(result, SH.focusNode)
            if focus not in subjects:
                continue  # a referenced entity is checked with its own record
            problems.append(self._problem(record, report, result, focus))
        return sorted(set(problems)), report

    def _problem(self, record: RecordGraph, report: Graph, result: Node, focus: Node) -> Problem:
        path = report.value(result, SH.resultPath)
        value = report.value(result, SH.value)
        shape = report.value(result, SH.sourceShape)
        message = str(report.value(result, SH.resultMessage) or "does not conform")
        where = record.locate(focus, path) or record.locate(focus, None)
        if value is not None and path is not None and where is not None:
            where = record.locations.get((focus, path), where)
        line, column, name = (where.line, where.column, where.field) if where else (1, 1, "")
        shown = _show(value) if value is not None else None
        if shown is not None:
            message = f"{shown} {message}" if message.startswith("is ") else f"{message} ({shown})"
        return Problem(
            file=record.name + ".yaml" if not record.name.endswith((".yaml", ".yml")) else record.name,
            line=line,
            column=column,
            field=name,
            message=message,
            expected=self.expected.get(shape, ""),
            severity=SEVERITIES.get(report.value(result, SH.resultSeverity), "error"),
            value=None if value is None else str(value),
            shape=None if isinstance(shape, Node) and not isinstance(shape, URIRef) else str(shape) if shape else None,
            constraint=str(report.value(result, SH.sourceConstraintComponent) or "") or None,
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
        for s, o in rg.graph.subject_objects(RDF.type):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
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
    reports: dict[str, Graph] = {}
    broken = {p.file for p in records.problems if p.severity == "error"}
    for rg, record in zip(graphs, records.files):
        if only is not None and record.name not in only:
            continue
        if record.name in broken:
            continue  # SHACL runs once the structural errors, which it would repeat, are fixed
        found, reports[record.name] = validator.validate(rg, types)
        problems.extend(found)
    if only is not None:
        problems = [p for p in problems if p.file in only]
    return graphs, Report(sorted(set(problems)), reports)


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


def validate_files(paths: list[Path], data_dir: Path, validator: Validator | None = None) -> tuple[Report, bool]:
    """Check some record files against the shapes, with the data folder's entities as context.

    Returns the report and whether some file could not be read at all.
    """
    given = {record_name(p, data_dir): p for p in paths}
    others = [(path, name) for path, name in rec.record_files(data_dir) if name not in given] if data_dir.is_dir() else []
    files = [rec.read_file(path, name) for path, name in [*others, *((p, n) for n, p in given.items())]]
    records = rec.Records(files, [p for f in files for p in f.problems])
    records.problems.extend(rec.check_references(records))
    _graphs, report = validate_records(records, validator, only=set(given))
    unreadable = any(f.unreadable for f in files if f.name in given)
    return report, unreadable


