"""A compiled checker for the SHACL Core constraints the shapes in ``shapes/`` use.

pySHACL is the reference validator. Running it once per record costs tens of
milliseconds, mostly in setting up graphs, so the build and ``validate`` use this
checker instead: the shapes graph is read once into plain Python objects, and a
record's triples are checked against them with dictionary look-ups. It reports
the same results as pySHACL (focus node, path, value, constraint component,
severity, message) — ``tests/test_shape_checker.py`` compares the two on every
test record and on mutated ones. Shapes that use a feature outside the supported
subset raise :class:`Unsupported`, and the caller falls back to pySHACL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from ..graph.vocab import RDF, RDFS, SH, XSD

RDF_LANGSTRING = RDF.langString

_LEXICAL = {
    XSD.date: re.compile(r"^-?\d{4,}-\d{2}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
    XSD.gYearMonth: re.compile(r"^-?\d{4,}-\d{2}(Z|[+-]\d{2}:\d{2})?$"),
    XSD.gYear: re.compile(r"^-?\d{4,}(Z|[+-]\d{2}:\d{2})?$"),
    XSD.integer: re.compile(r"^[+-]?\d+$"),
    XSD.boolean: re.compile(r"^(true|false|1|0)$"),
}

PARAMETERS = {
    SH.minCount, SH.maxCount, SH["class"], SH.datatype, SH["in"], SH.hasValue, SH.nodeKind, SH.pattern,
    SH.qualifiedValueShape, SH.qualifiedMinCount, SH["or"], SH.xone, SH.minInclusive, SH.languageIn,
    SH.disjoint,
}
IGNORED = {
    RDF.type, SH.path, SH.name, SH.message, SH.description, SH.severity, SH.property, SH.targetClass,
    RDFS.label, RDFS.comment, SH.flags, SH.deactivated, SH.order, SH.group,
}


class Unsupported(Exception):
    """The shapes use a SHACL feature this checker does not implement."""


@dataclass(frozen=True)
class Result:
    """One validation result, as pySHACL would report it."""

    focus: Node
    path: Node | None
    value: Node | None
    component: URIRef
    severity: URIRef
    message: str | None
    shape: Node


@dataclass
class Shape:
    node: Node
    path: URIRef | None
    path_key: str | None
    severity: URIRef
    message: str | None
    checks: list[Callable] = field(default_factory=list)  # (checker, focus, values, data) -> results
    properties: list["Shape"] = field(default_factory=list)


class Data:
    """A record's triples indexed by subject, with the classes of what it references.

    Keys are plain strings: rdflib terms compare and hash in Python, strings in C.
    """

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]], types: dict[Node, set[Node]],
                 superclasses: dict[str, set[str]]):
        self.out: dict[str, dict[str, list[Node]]] = {}
        for s, p, o in triples:
            values = self.out.setdefault(str(s), {}).setdefault(str(p), [])
            if o not in values:
                values.append(o)
        self.types = types
        self.superclasses = superclasses
        self._classes: dict[str, set[str]] = {}

    def values(self, node: Node, path: str) -> list[Node]:
        if isinstance(node, Literal):
            return []
        return self.out.get(str(node), {}).get(path, [])

    def classes(self, node: Node) -> set[str]:
        key = str(node)
        found = self._classes.get(key)
        if found is None:
            # A node the record describes has the classes the record gives it; a node it only
            # references has the classes its own record gives it.
            if isinstance(node, Literal):
                direct: set[str] = set()
            elif key in self.out:
                direct = {str(c) for c in self.out[key].get(_RDF_TYPE, ())}
            else:
                direct = {str(c) for c in self.types.get(node, ())}
            found = set(direct)
            for cls in direct:
                found |= self.superclasses.get(cls, set())
            self._classes[key] = found
        return found


_RDF_TYPE = str(RDF.type)


class ShapeChecker:
    """The shapes graph compiled once; :meth:`check` runs it on one record."""

    def __init__(self, shapes: Graph, hierarchy: Iterable[tuple[Node, Node, Node]]):
        self.graph = shapes
        self.superclasses = _closure(hierarchy)
        self.targets: list[tuple[str, Shape]] = []
        self._compiled: dict[Node, Shape] = {}
        for node_shape in sorted(set(shapes.subjects(SH.targetClass, None)), key=str):
            shape = self._compile(node_shape)
            for cls in shapes.objects(node_shape, SH.targetClass):
                self.targets.append((str(cls), shape))
        for predicate in (SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf, SH.sparql, SH.target):
            if (None, predicate, None) in shapes:
                raise Unsupported(f"sh:{predicate.split('#')[-1]}")

    # -- compiling

    def _compile(self, node: Node) -> Shape:
        if node in self._compiled:
            return self._compiled[node]
        g = self.graph
        path = g.value(node, SH.path)
        if path is not None and not isinstance(path, URIRef):
            raise Unsupported("complex property paths")
        message = g.value(node, SH.message)
        shape = Shape(node, path, None if path is None else str(path), g.value(node, SH.severity) or SH.Violation,
                      None if message is None else str(message))
        self._compiled[node] = shape
        for p, o in g.predicate_objects(node):
            if p not in PARAMETERS and p not in IGNORED:
                raise Unsupported(f"constraint parameter {p}")
        add = shape.checks.append
        if (v := g.value(node, SH.minCount)) is not None:
            add(_min_count(int(v)))
        if (v := g.value(node, SH.maxCount)) is not None:
            add(_max_count(int(v)))
        for cls in g.objects(node, SH["class"]):
            add(_class(cls))
        if (v := g.value(node, SH.datatype)) is not None:
            add(_per_value(SH.DatatypeConstraintComponent, lambda x, d, dt=v: _has_datatype(x, dt)))
        if (v := g.value(node, SH["in"])) is not None:
            allowed = set(Collection(g, v))
            add(_per_value(SH.InConstraintComponent, lambda x, d, a=allowed: x in a))
        for v in g.objects(node, SH.hasValue):
            add(_has_value(v))
        for other in g.objects(node, SH.disjoint):
            if not isinstance(other, URIRef):
                raise Unsupported("sh:disjoint with a path that is not a property")
            add(_disjoint(str(other)))
        if (v := g.value(node, SH.nodeKind)) is not None:
            add(_per_value(SH.NodeKindConstraintComponent, lambda x, d, k=v: _node_kind(x, k)))
        if (v := g.value(node, SH.pattern)) is not None:
            if g.value(node, SH.flags) is not None:
                raise Unsupported("sh:flags")
            regex = re.compile(str(v))
            add(_per_value(SH.PatternConstraintComponent,
                           lambda x, d, r=regex: not isinstance(x, BNode) and r.search(str(x)) is not None))
        if (v := g.value(node, SH.minInclusive)) is not None:
            add(_per_value(SH.MinInclusiveConstraintComponent, lambda x, d, m=v: _at_least(x, m)))
        if (v := g.value(node, SH.languageIn)) is not None:
            langs = [str(x).lower() for x in Collection(g, v)]
            add(_per_value(SH.LanguageInConstraintComponent,
                           lambda x, d, l=langs: isinstance(x, Literal) and (x.language or "").lower() in l))
        if (q := g.value(node, SH.qualifiedValueShape)) is not None:
            if g.value(node, SH.qualifiedMaxCount) is not None or g.value(node, SH.qualifiedValueShapesDisjoint):
                raise Unsupported("qualifiedMaxCount / disjoint")
            inner = self._compile(q)
            minimum = int(g.value(node, SH.qualifiedMinCount) or 0)
            add(_qualified_min(inner, minimum, self))
        for kind, component in ((SH["or"], SH.OrConstraintComponent), (SH.xone, SH.XoneConstraintComponent)):
            if (v := g.value(node, kind)) is not None:
                members = [self._compile(m) for m in Collection(g, v)]
                add(_logical(members, component, self, exactly_one=kind == SH.xone))
        for prop in g.objects(node, SH.property):
            shape.properties.append(self._compile(prop))
        return shape

    # -- checking

    def conforms(self, shape: Shape, node: Node, data: Data) -> bool:
        return not self._run(shape, node, data)

    def _run(self, shape: Shape, focus: Node, data: Data) -> list[Result]:
        values = data.values(focus, shape.path_key) if shape.path_key is not None else [focus]
        results: list[Result] = []
        for check in shape.checks:
            for value, component in check(self, focus, values, data):
                results.append(Result(focus, shape.path, value, component, shape.severity, shape.message, shape.node))
        for prop in shape.properties:
            for value_node in values:
                results.extend(self._run(prop, value_node, data))
        return results

    def check(self, triples: Iterable[tuple[Node, Node, Node]], types: dict[Node, set[Node]],
              focus_filter: set[Node] | None = None) -> list[Result]:
        """Results for the record ``triples``; ``types`` gives the classes of referenced nodes."""
        triples = list(triples)
        data = Data(triples, types, self.superclasses)
        results: list[Result] = []
        seen: set[tuple[Node, Node]] = set()
        subjects = {str(s): s for s, _p, _o in triples}
        for key in data.out:
            subject = subjects[key]
            if focus_filter is not None and subject not in focus_filter:
                continue
            classes = data.classes(subject)
            for cls, shape in self.targets:
                if cls in classes and (subject, shape.node) not in seen:
                    seen.add((subject, shape.node))
                    results.extend(self._run(shape, subject, data))
        return results


def _closure(hierarchy: Iterable[tuple[Node, Node, Node]]) -> dict[str, set[str]]:
    direct: dict[str, set[str]] = {}
    for s, _p, o in hierarchy:
        direct.setdefault(str(s), set()).add(str(o))
    closed: dict[str, set[str]] = {}
    for cls in direct:
        stack, found = list(direct[cls]), set()
        while stack:
            nxt = stack.pop()
            if nxt not in found:
                found.add(nxt)
                stack.extend(direct.get(nxt, ()))
        closed[cls] = found
    return closed


def _min_count(n: int):
    def check(checker, focus, values, data):
        return [(None, SH.MinCountConstraintComponent)] if len(values) < n else []
    return check


def _max_count(n: int):
    def check(checker, focus, values, data):
        return [(None, SH.MaxCountConstraintComponent)] if len(values) > n else []
    return check


def _class(cls: Node):
    key = str(cls)

    def check(checker, focus, values, data):
        return [(v, SH.ClassConstraintComponent) for v in values if key not in data.classes(v)]
    return check


def _has_value(expected: Node):
    def check(checker, focus, values, data):
        return [] if expected in values else [(None, SH.HasValueConstraintComponent)]
    return check


def _disjoint(other: str):
    """No value node is also a value of the focus node's ``other`` property."""
    def check(checker, focus, values, data):
        others = data.values(focus, other)
        return [(v, SH.DisjointConstraintComponent) for v in values if v in others]
    return check


def _per_value(component: URIRef, ok: Callable[[Node, Data], bool]):
    def check(checker, focus, values, data):
        return [(v, component) for v in values if not ok(v, data)]
    return check


def _qualified_min(inner: Shape, minimum: int, checker: ShapeChecker):
    def check(checker_, focus, values, data):
        count = sum(1 for v in values if checker.conforms(inner, v, data))
        return [(None, SH.QualifiedMinCountConstraintComponent)] if count < minimum else []
    return check


def _logical(members: list[Shape], component: URIRef, checker: ShapeChecker, exactly_one: bool):
    def check(checker_, focus, values, data):
        failed = []
        for v in values:
            passing = sum(1 for m in members if checker.conforms(m, v, data))
            if (passing != 1) if exactly_one else (passing == 0):
                failed.append((v, component))
        return failed
    return check


def _has_datatype(value: Node, datatype: Node) -> bool:
    if not isinstance(value, Literal):
        return False
    if datatype == RDF_LANGSTRING:
        return value.language is not None
    if value.language is not None:
        return False
    actual = value.datatype or XSD.string
    if actual != datatype:
        return False
    lexical = _LEXICAL.get(datatype)
    return lexical is None or bool(lexical.match(str(value))) and value.ill_typed is not True


def _node_kind(value: Node, kind: Node) -> bool:
    if kind == SH.IRI:
        return isinstance(value, URIRef)
    if kind == SH.Literal:
        return isinstance(value, Literal)
    if kind == SH.BlankNode:
        return isinstance(value, BNode)
    if kind == SH.BlankNodeOrIRI:
        return isinstance(value, (BNode, URIRef))
    if kind == SH.IRIOrLiteral:
        return isinstance(value, (URIRef, Literal))
    if kind == SH.BlankNodeOrLiteral:
        return isinstance(value, (BNode, Literal))
    raise Unsupported(f"sh:nodeKind {kind}")


def _at_least(value: Node, minimum: Node) -> bool:
    if not isinstance(value, Literal) or not isinstance(minimum, Literal):
        return False
    try:
        return value.toPython() >= minimum.toPython()
    except TypeError:
        return False
