"""SHACL validation of record graphs, reported at the YAML line a curator edits.

Each record's graph is checked together with only what it references: the
classes of the entities it names and the ontology's class hierarchy, never the
whole knowledge graph. Results are mapped back from (focus node, path) to the
file, line and field the triple came from.

This is the checker of one record graph; what a record is checked against is
:mod:`csto_kg.check.context`, checking files as ``csto-kg validate`` does is
:mod:`csto_kg.check.files`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Iterable

from rdflib import Graph, Literal, URIRef
from rdflib.term import Node

from ..graph.rdfize import RecordGraph
from ..graph.resources import ontology_files, read_turtle, shapes_files
from ..graph.vocab import ID, RDF, RDFS, SH
from ..problems import Problem
from .shape_checker import Result, ShapeChecker, Unsupported

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
    def ontology(self) -> Graph:
        """The ontology files, parsed once for the class hierarchy and the vocabulary."""
        return read_turtle(self.ontology_paths)

    @cached_property
    def hierarchy(self) -> list[tuple[Node, Node, Node]]:
        """The subclass axioms (and class declarations) of the ontology, for sh:class checks."""
        graph = self.ontology
        return [t for t in graph.triples((None, RDFS.subClassOf, None)) if isinstance(t[2], URIRef)]

    @cached_property
    def vocabulary(self) -> dict[URIRef, set[URIRef]]:
        """The classes of the concepts the ontology files define with IRIs of the data (the roles of
        roles.ttl, the kinds of document-kinds.ttl): records refer to them as to entities."""
        graph = self.ontology
        found: dict[URIRef, set[URIRef]] = {}
        for s, o in graph.subject_objects(RDF.type):
            if isinstance(s, URIRef) and str(s).startswith(ID) and isinstance(o, URIRef):
                found.setdefault(s, set()).add(o)
        return found

    @cached_property
    def expected(self) -> dict[Node, str]:
        return {s: str(o) for s, o in self.shapes.subject_objects(SH.description)}

    @cached_property
    def checker(self) -> ShapeChecker | None:
        """The compiled checker, or None when the shapes need pySHACL."""
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
        types = _WithVocabulary(types, self.vocabulary)
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

        types = _WithVocabulary(types, self.vocabulary)
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


class _WithVocabulary:
    """The classes of referenced IRIs: those of the records, else those of the ontology's concepts."""

    def __init__(self, types, vocabulary: dict[URIRef, set[URIRef]]):
        self.types, self.vocabulary = types, vocabulary

    def get(self, node, default=()):
        found = self.types.get(node)
        return found if found else self.vocabulary.get(node, default)


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
