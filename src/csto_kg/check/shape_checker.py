"""A compiled checker for the SHACL Core constraints the shapes in ``shapes/`` use.

pySHACL is the reference validator. Running it once per record costs tens of
milliseconds, mostly in setting up graphs, so the build and ``validate`` use this
checker instead: the shapes graph is read once into plain Python objects, and a
record's triples are checked against them with dictionary look-ups. It reports
the same results as pySHACL (focus node, path, value, constraint component,
severity, message) — ``tests/test_shape_checker.py`` compares the two on every
test record and on mutated ones. Shapes that use a feature outside the supported
subset raise :class:`Unsupported`, and the caller falls back to pySHACL.

The compiled checker holds light terms (:mod:`csto_kg.graph.terms`) and checks a record's light
triples: only compiling it reads the shapes with rdflib, which checking never imports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Iterable

from ..graph.names import RDF, RDFS, SH, XSD
from ..graph.terms import IRI, BlankNode, Literal, from_rdflib, ill_typed, python_value

if TYPE_CHECKING:
    from rdflib import Graph

BNode = BlankNode
Node = IRI | BlankNode | Literal

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
    component: IRI
    severity: IRI
    message: str | None
    shape: Node


@dataclass
class Shape:
    node: Node
    path: IRI | None
    path_key: str | None
    severity: IRI
    message: str | None
    checks: list["_Check"] = field(default_factory=list)  # (checker, focus, values, data) -> results
    properties: list["Shape"] = field(default_factory=list)
    empty_checks: list["_Check"] = field(default_factory=list)  # those that can fail on no value at all


class Data:
    """A record's triples indexed by subject, with the classes of what it references.

    Keys are plain strings: rdflib terms compare and hash in Python, strings in C.
    """

    def __init__(self, triples: Iterable[tuple[Node, Node, Node]], types: dict[Node, set[Node]],
                 superclasses: dict[str, set[str]]):
        self.out: dict[str, dict[str, list[Node]]] = {}
        self.subjects: dict[str, Node] = {}  # each subject's term, by its key
        last, by_predicate = None, {}
        for s, p, o in triples:
            if s is not last:  # a record's triples come subject by subject
                subject = str(s)
                last, by_predicate = s, self.out.setdefault(subject, {})
                self.subjects.setdefault(subject, s)
            key = str(p)
            values = by_predicate.get(key)
            if values is None:
                by_predicate[key] = [o]
            elif o not in values:
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
_NO_VALUES: dict[str, list[Node]] = {}  # what a node the record does not describe has (never changed)
_NONE: list[Node] = []  # no value nodes (never changed)


class ShapeChecker:
    """The shapes graph compiled once; :meth:`check` runs it on one record.

    The compiled checker is plain data (shapes, constraint objects, light terms): it pickles
    without the shapes graph it was compiled from, which is how :mod:`csto_kg.check.validate`
    caches it between runs. ``shapes`` is an rdflib graph (compiling is what needs rdflib).
    """

    def __init__(self, shapes: Graph, hierarchy: Iterable[tuple[Node, Node, Node]]):
        from ..graph import vocab  # noqa: PLC0415 - rdflib's terms, to look the shapes graph up

        self.graph = shapes
        self.superclasses = _closure(hierarchy)
        self.targets: list[tuple[str, Shape]] = []
        self._compiled: dict = {}
        sh = vocab.SH
        for node_shape in sorted(set(shapes.subjects(sh.targetClass, None)), key=str):
            shape = self._compile(node_shape)
            for cls in shapes.objects(node_shape, sh.targetClass):
                self.targets.append((str(cls), shape))
        for predicate in (sh.targetNode, sh.targetSubjectsOf, sh.targetObjectsOf, sh.sparql, sh.target):
            if (None, predicate, None) in shapes:
                raise Unsupported(f"sh:{predicate.split('#')[-1]}")
        for shape in self._compiled.values():
            shape.empty_checks = [check for check in shape.checks if check.on_empty]

    def __getstate__(self) -> dict:
        """What a pickle keeps: the compiled shapes, not the graph they were compiled from."""
        return {k: v for k, v in self.__dict__.items() if k not in ("graph", "_compiled", "_plans")}

    # -- compiling

    def _compile(self, node) -> Shape:
        """The shape of ``node`` (an rdflib term of the shapes graph), made of light terms."""
        from rdflib import URIRef as RdflibIRI  # noqa: PLC0415 - compiling reads the shapes with rdflib
        from rdflib.collection import Collection  # noqa: PLC0415

        from ..graph.vocab import SH  # noqa: PLC0415 - rdflib's terms, to look the shapes graph up

        if node in self._compiled:
            return self._compiled[node]
        g = self.graph
        path = g.value(node, SH.path)
        if path is not None and not isinstance(path, RdflibIRI):
            raise Unsupported("complex property paths")
        message = g.value(node, SH.message)
        shape = Shape(from_rdflib(node), from_rdflib(path), None if path is None else str(path),
                      from_rdflib(g.value(node, SH.severity) or SH.Violation), None if message is None else str(message))
        self._compiled[node] = shape
        for p, o in g.predicate_objects(node):
            if str(p) not in PARAMETERS and str(p) not in IGNORED:
                raise Unsupported(f"constraint parameter {p}")
        add = shape.checks.append
        if (v := g.value(node, SH.minCount)) is not None:
            add(_MinCount(int(v)))
        if (v := g.value(node, SH.maxCount)) is not None:
            add(_MaxCount(int(v)))
        for cls in g.objects(node, SH["class"]):
            add(_Class(str(cls)))
        if (v := g.value(node, SH.datatype)) is not None:
            add(_Datatype(from_rdflib(v)))
        if (v := g.value(node, SH["in"])) is not None:
            add(_In({from_rdflib(x) for x in Collection(g, v)}))
        for v in g.objects(node, SH.hasValue):
            add(_HasValue(from_rdflib(v)))
        for other in g.objects(node, SH.disjoint):
            if not isinstance(other, RdflibIRI):
                raise Unsupported("sh:disjoint with a path that is not a property")
            add(_Disjoint(str(other)))
        if (v := g.value(node, SH.nodeKind)) is not None:
            add(_NodeKind(from_rdflib(v)))
        if (v := g.value(node, SH.pattern)) is not None:
            if g.value(node, SH.flags) is not None:
                raise Unsupported("sh:flags")
            re.compile(str(v))  # a pattern that is no regular expression fails here, as it did
            add(_Pattern(str(v)))
        if (v := g.value(node, SH.minInclusive)) is not None:
            add(_MinInclusive(from_rdflib(v)))
        if (v := g.value(node, SH.languageIn)) is not None:
            add(_LanguageIn([str(x).lower() for x in Collection(g, v)]))
        if (q := g.value(node, SH.qualifiedValueShape)) is not None:
            if g.value(node, SH.qualifiedMaxCount) is not None or g.value(node, SH.qualifiedValueShapesDisjoint):
                raise Unsupported("qualifiedMaxCount / disjoint")
            inner = self._compile(q)
            minimum = int(g.value(node, SH.qualifiedMinCount) or 0)
            add(_QualifiedMin(inner, minimum))
        for kind, component in ((SH["or"], SH.OrConstraintComponent), (SH.xone, SH.XoneConstraintComponent)):
            if (v := g.value(node, kind)) is not None:
                members = [self._compile(m) for m in Collection(g, v)]
                add(_Logical(members, from_rdflib(component), exactly_one=kind == SH.xone))
        for prop in g.objects(node, SH.property):
            shape.properties.append(self._compile(prop))
        return shape

    # -- checking

    def conforms(self, shape: Shape, node: Node, data: Data) -> bool:
        """Whether ``node`` conforms to ``shape``: :meth:`_run` finds nothing, known at the first
        constraint that fails (sh:or, sh:xone and qualified shapes need no more)."""
        values = data.values(node, shape.path_key) if shape.path_key is not None else [node]
        return self._conforms_on(shape, node, values, data)

    def _conforms_on(self, shape: Shape, focus: Node, values: list[Node], data: Data) -> bool:
        if not values:
            for check in shape.empty_checks:
                if check(self, focus, values, data):
                    return False
            return True
        for check in shape.checks:
            if check(self, focus, values, data):
                return False
        if shape.properties:
            out = data.out
            outs = [_NO_VALUES if isinstance(v, Literal) else out.get(str(v), _NO_VALUES) for v in values]
            for prop in shape.properties:
                key = prop.path_key
                for value_node, value_out in zip(values, outs):
                    prop_values = [value_node] if key is None else value_out.get(key, _NONE)
                    if not self._conforms_on(prop, value_node, prop_values, data):
                        return False
        return True

    def _run(self, shape: Shape, focus: Node, data: Data) -> list[Result]:
        values = data.values(focus, shape.path_key) if shape.path_key is not None else [focus]
        return self._run_on(shape, focus, values, data)

    def _run_on(self, shape: Shape, focus: Node, values: list[Node], data: Data) -> list[Result]:
        """The results of ``shape`` on ``focus`` whose value nodes (on the shape's path) are ``values``."""
        results: list[Result] = []
        if not values:  # most properties are optional: only a few constraints can fail on none
            for check in shape.empty_checks:
                for value, component in check(self, focus, values, data):
                    results.append(Result(focus, shape.path, value, component, shape.severity, shape.message,
                                          shape.node))
            return results
        for check in shape.checks:
            for value, component in check(self, focus, values, data):
                results.append(Result(focus, shape.path, value, component, shape.severity, shape.message, shape.node))
        if shape.properties:
            # each value node's own values, looked up once for all the property shapes
            out = data.out
            outs = [_NO_VALUES if isinstance(v, Literal) else out.get(str(v), _NO_VALUES) for v in values]
            for prop in shape.properties:
                key = prop.path_key
                for value_node, value_out in zip(values, outs):
                    prop_values = [value_node] if key is None else value_out.get(key)
                    if prop_values:
                        found = self._run_on(prop, value_node, prop_values, data)
                    elif prop.empty_checks:
                        found = self._run_on(prop, value_node, _NONE, data)
                    else:
                        continue
                    if found:
                        results.extend(found)
        return results

    def check(self, triples: Iterable[tuple[Node, Node, Node]], types: dict[Node, set[Node]],
              focus_filter: set[Node] | None = None) -> list[Result]:
        """Results for the record ``triples``; ``types`` gives the classes of referenced nodes."""
        data = Data(triples, types, self.superclasses)
        results: list[Result] = []
        plans = self.__dict__.setdefault("_plans", {})
        for subject in data.subjects.values():
            if focus_filter is not None and subject not in focus_filter:
                continue
            classes = frozenset(data.classes(subject))
            shapes = plans.get(classes)
            if shapes is None:
                shapes = plans[classes] = self._targeting(classes)
            for shape in shapes:
                results.extend(self._run(shape, subject, data))
        return results

    def _targeting(self, classes: frozenset[str]) -> list[Shape]:
        """The shapes a node of these classes is a focus node of, each once, in the targets' order."""
        shapes: dict[Node, Shape] = {}
        for cls, shape in self.targets:
            if cls in classes:
                shapes.setdefault(shape.node, shape)
        return list(shapes.values())


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


class _Check:
    """One constraint of a shape, as plain data (so a compiled checker can be pickled and cached):
    called with ``(checker, focus, values, data)``, it returns a ``(value, component)`` pair for
    each violation (value None: the constraint is about the focus node's values as a whole)."""

    __slots__ = ()
    on_empty = False  # whether it can fail when the focus node has no value at all

    def __call__(self, checker: "ShapeChecker", focus: Node, values: list[Node], data: Data) -> list:
        raise NotImplementedError

    def __getstate__(self):
        return tuple(getattr(self, name) for name in self.__slots__)

    def __setstate__(self, state) -> None:
        for name, value in zip(self.__slots__, state):
            setattr(self, name, value)

    def __repr__(self) -> str:
        return f"{type(self).__name__}{self.__getstate__()!r}"


class _MinCount(_Check):
    __slots__ = ("n",)
    on_empty = True

    def __init__(self, n: int):
        self.n = n

    def __call__(self, checker, focus, values, data):
        return [(None, SH.MinCountConstraintComponent)] if len(values) < self.n else []


class _MaxCount(_Check):
    __slots__ = ("n",)

    def __init__(self, n: int):
        self.n = n

    def __call__(self, checker, focus, values, data):
        return [(None, SH.MaxCountConstraintComponent)] if len(values) > self.n else []


class _Class(_Check):
    __slots__ = ("key",)

    def __init__(self, key: str):
        self.key = key

    def __call__(self, checker, focus, values, data):
        return [(v, SH.ClassConstraintComponent) for v in values if self.key not in data.classes(v)]


class _HasValue(_Check):
    __slots__ = ("expected",)
    on_empty = True

    def __init__(self, expected: Node):
        self.expected = expected

    def __call__(self, checker, focus, values, data):
        return [] if self.expected in values else [(None, SH.HasValueConstraintComponent)]


class _Disjoint(_Check):
    """No value node is also a value of the focus node's ``other`` property."""

    __slots__ = ("other",)

    def __init__(self, other: str):
        self.other = other

    def __call__(self, checker, focus, values, data):
        others = data.values(focus, self.other)
        return [(v, SH.DisjointConstraintComponent) for v in values if v in others]


class _PerValue(_Check):
    """A constraint each value node must meet on its own (:meth:`ok`)."""

    __slots__ = ()
    component: IRI

    def ok(self, value: Node, data: Data) -> bool:
        raise NotImplementedError

    def __call__(self, checker, focus, values, data):
        return [(v, self.component) for v in values if not self.ok(v, data)]


class _Datatype(_PerValue):
    __slots__ = ("datatype",)
    component = SH.DatatypeConstraintComponent

    def __init__(self, datatype: Node):
        self.datatype = datatype

    def ok(self, value, data):
        return _has_datatype(value, self.datatype)


class _In(_PerValue):
    __slots__ = ("allowed",)
    component = SH.InConstraintComponent

    def __init__(self, allowed: set[Node]):
        self.allowed = allowed

    def ok(self, value, data):
        return value in self.allowed


class _NodeKind(_PerValue):
    __slots__ = ("kind",)
    component = SH.NodeKindConstraintComponent

    def __init__(self, kind: Node):
        self.kind = kind

    def ok(self, value, data):
        return _node_kind(value, self.kind)


class _Pattern(_PerValue):
    """sh:pattern; the regular expression is compiled when first needed (a cached checker loads fast)."""

    __slots__ = ("source", "_regex")
    component = SH.PatternConstraintComponent

    def __init__(self, source: str):
        self.source, self._regex = source, None

    def __getstate__(self):
        return (self.source, None)

    def ok(self, value, data):
        if isinstance(value, BNode):
            return False
        if self._regex is None:
            self._regex = re.compile(self.source)
        return self._regex.search(str(value)) is not None


class _MinInclusive(_PerValue):
    __slots__ = ("minimum",)
    component = SH.MinInclusiveConstraintComponent

    def __init__(self, minimum: Node):
        self.minimum = minimum

    def ok(self, value, data):
        return _at_least(value, self.minimum)


class _LanguageIn(_PerValue):
    __slots__ = ("languages",)
    component = SH.LanguageInConstraintComponent

    def __init__(self, languages: list[str]):
        self.languages = languages

    def ok(self, value, data):
        return isinstance(value, Literal) and (value.language or "").lower() in self.languages


class _QualifiedMin(_Check):
    __slots__ = ("inner", "minimum")
    on_empty = True

    def __init__(self, inner: Shape, minimum: int):
        self.inner, self.minimum = inner, minimum

    def __call__(self, checker, focus, values, data):
        count = sum(1 for v in values if checker.conforms(self.inner, v, data))
        return [(None, SH.QualifiedMinCountConstraintComponent)] if count < self.minimum else []


class _Logical(_Check):
    """sh:or (at least one member shape conforms) or sh:xone (exactly one does)."""

    __slots__ = ("members", "component", "exactly_one")

    def __init__(self, members: list[Shape], component: IRI, exactly_one: bool):
        self.members, self.component, self.exactly_one = members, component, exactly_one

    def __call__(self, checker, focus, values, data):
        failed = []
        for v in values:
            passing = sum(1 for m in self.members if checker.conforms(m, v, data))
            if (passing != 1) if self.exactly_one else (passing == 0):
                failed.append((v, self.component))
        return failed


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
    return lexical is None or bool(lexical.match(value.lexical)) and ill_typed(value.lexical, value.datatype) is not True


def _node_kind(value: Node, kind: Node) -> bool:
    if kind == SH.IRI:
        return isinstance(value, IRI)
    if kind == SH.Literal:
        return isinstance(value, Literal)
    if kind == SH.BlankNode:
        return isinstance(value, BNode)
    if kind == SH.BlankNodeOrIRI:
        return isinstance(value, (BNode, IRI))
    if kind == SH.IRIOrLiteral:
        return isinstance(value, (IRI, Literal))
    if kind == SH.BlankNodeOrLiteral:
        return isinstance(value, (BNode, Literal))
    raise Unsupported(f"sh:nodeKind {kind}")


def _at_least(value: Node, minimum: Node) -> bool:
    """As pySHACL compares them: the literals' values (rdflib's ``toPython()``)."""
    if not isinstance(value, Literal) or not isinstance(minimum, Literal):
        return False
    try:
        return _to_python(value) >= _to_python(minimum)
    except TypeError:
        return False


def _to_python(literal: Literal):
    """rdflib's ``Literal.toPython()`` for the datatypes the shapes compare: the value of an integer,
    a date or a boolean, the text of a plain, language-tagged or xsd:string literal, else the literal."""
    if literal.datatype is None or literal.datatype == XSD.string:
        return literal.lexical
    value = python_value(literal.lexical, literal.datatype)
    return literal if value is None else value
