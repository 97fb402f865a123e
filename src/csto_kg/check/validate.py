"""SHACL validation of record graphs, reported at the YAML line a curator edits.

Each record's graph is checked together with only what it references: the
classes of the entities it names and the ontology's class hierarchy, never the
whole knowledge graph. Results are mapped back from (focus node, path) to the
file, line and field the triple came from.

This is the checker of one record graph; what a record is checked against is
:mod:`csto_kg.check.context`, checking files as ``csto-kg validate`` does is
:mod:`csto_kg.check.files`.

What the validator derives from the shapes and ontology files (the compiled checker, the class
hierarchy, the ontology's concepts, the shapes' descriptions) can be cached in a file
(:data:`CACHE_FILE`, in an embedded store's folder: :func:`cache_file`), keyed by a digest of
those files' bytes, the package version and the code that derives it. A command then reads
that file instead of parsing Turtle and compiling the shapes; a stale, corrupt or unreadable
cache is recomputed (and rewritten), never an error.

What is derived (and cached) is made of light terms (:mod:`csto_kg.graph.terms`): checking a record
with the compiled checker, from a cache, never imports rdflib; parsing the shapes and pySHACL do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

from .. import __version__
from ..graph import names, terms
from ..graph.rdfize import RecordGraph
from ..graph.resources import ontology_files, read_turtle, shapes_files
from ..graph.names import ID, RDF, SH
from ..graph.terms import IRI, BlankNode, Literal, from_rdflib, from_rdflib_triple, to_rdflib, to_rdflib_triple
from ..problems import Problem
from . import shape_checker
from .shape_checker import Result, ShapeChecker, Unsupported

if TYPE_CHECKING:
    from rdflib import Graph

Node = IRI | BlankNode | Literal

SEVERITIES = {SH.Violation: "error", SH.Warning: "warning", SH.Info: "info"}
#: The cache of what the validator derives from the shapes and the ontology, in a store's folder.
CACHE_FILE = "validator.cache"
# the format of the cache file; its key also holds the light terms' version (terms.VERSION)
_CACHE_FORMAT = b"csto-kg validator cache 2\n"


@dataclass
class Report:
    """What validating some records found."""

    problems: list[Problem]

    @property
    def conforms(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


@dataclass
class Derived:
    """What a :class:`Validator` derives from the shapes and ontology files (plain data: it pickles)."""

    checker: ShapeChecker | None  # None when the shapes need pySHACL
    hierarchy: list[tuple[Node, Node, Node]]
    vocabulary: dict[IRI, set[IRI]]
    expected: dict[Node, str]


class Validator:
    """Holds the parsed shapes and class hierarchy; validates one record graph at a time.

    ``cache`` is a file where what is derived from the shapes and ontology files is kept between
    runs (see the module's docstring); None: derived anew by each validator.
    """

    def __init__(self, shapes: Iterable[Path] | None = None, ontology: Iterable[Path] | None = None,
                 cache: Path | None = None):
        self.shapes_paths = list(shapes or shapes_files())
        self.ontology_paths = list(ontology or ontology_files())
        self.cache = cache

    @cached_property
    def shapes(self) -> Graph:
        return read_turtle(self.shapes_paths)

    @cached_property
    def ontology(self) -> Graph:
        """The ontology files, parsed once for the class hierarchy and the vocabulary."""
        return read_turtle(self.ontology_paths)

    @property
    def hierarchy(self) -> list[tuple[Node, Node, Node]]:
        """The subclass axioms (and class declarations) of the ontology, for sh:class checks."""
        return self.derived.hierarchy

    @property
    def vocabulary(self) -> dict[IRI, set[IRI]]:
        """The classes of the concepts the ontology files define with IRIs of the data (the roles of
        roles.ttl, the kinds of document-kinds.ttl): records refer to them as to entities."""
        return self.derived.vocabulary

    @property
    def expected(self) -> dict[Node, str]:
        return self.derived.expected

    @property
    def checker(self) -> ShapeChecker | None:
        """The compiled checker, or None when the shapes need pySHACL."""
        return self.derived.checker

    @cached_property
    def derived(self) -> Derived:
        """Read from the cache file when it was written from these files, else derived (and cached)."""
        if self.cache is None:
            return self.derive()
        key = self.cache_key()
        found = _read_cache(self.cache, key)
        if found is None:
            found = self.derive()
            _write_cache(self.cache, key, found)
        return found

    def derive(self) -> Derived:
        """Parse the shapes and the ontology and compile the checker (all of it light terms)."""
        from rdflib import URIRef as RdflibIRI  # noqa: PLC0415 - parsing the shapes is what needs rdflib

        from ..graph import vocab  # noqa: PLC0415

        ontology = self.ontology
        hierarchy = [from_rdflib_triple(t) for t in ontology.triples((None, vocab.RDFS.subClassOf, None))
                     if isinstance(t[2], RdflibIRI)]
        vocabulary: dict[IRI, set[IRI]] = {}
        for s, o in ontology.subject_objects(vocab.RDF.type):
            if isinstance(s, RdflibIRI) and str(s).startswith(ID) and isinstance(o, RdflibIRI):
                vocabulary.setdefault(IRI(s), set()).add(IRI(o))
        expected = {from_rdflib(s): str(o) for s, o in self.shapes.subject_objects(vocab.SH.description)}
        try:
            checker = ShapeChecker(self.shapes, hierarchy)
        except Unsupported:
            checker = None
        return Derived(checker, hierarchy, vocabulary, expected)

    def cache_key(self) -> bytes:
        """A digest of what :meth:`derive` depends on: the shapes and ontology files' bytes, the
        package version and the source of the code that derives it."""
        digest = hashlib.sha256(_CACHE_FORMAT + __version__.encode() + b"\0" + f"terms {terms.VERSION}".encode() + b"\0")
        for module in (shape_checker.__file__, __file__, terms.__file__, names.__file__):
            digest.update(_file_digest(Path(module)))
        for kind, paths in ((b"shapes", self.shapes_paths), (b"ontology", self.ontology_paths)):
            for path in paths:
                digest.update(kind + b"\0" + path.name.encode() + b"\0" + _file_digest(path))
        return digest.hexdigest().encode()

    def write_cache(self) -> None:
        """Write the cache file unless it holds what these files derive already (after a build)."""
        if self.cache is not None and self.cache.parent.is_dir():
            key = self.cache_key()
            if _read_key(self.cache) != key:
                _write_cache(self.cache, key, self.derived)

    def validate(self, record: RecordGraph, types: dict[IRI, set[IRI]],
                 engine: str = "auto") -> list[Problem]:
        """Check one record graph; ``types`` gives the classes of every entity IRI.

        ``engine`` is ``compiled`` (fast), ``pyshacl`` (the reference) or ``auto``
        (compiled when the shapes allow it).
        """
        types = _WithVocabulary(types, self.vocabulary)
        if engine == "pyshacl" or (engine == "auto" and self.checker is None):
            return self._problems(record, self.pyshacl_results(record, types)[0])
        # every subject of the record is a focus node (the checker goes over the record's subjects only)
        return self._problems(record, self.checker.check(record.triples, types))

    def data_graph(self, record: RecordGraph, types: dict[IRI, set[IRI]]) -> Graph:
        """The record's triples, the classes of what it references, and the class hierarchy, as an
        rdflib graph (of rdflib terms: the light ones converted)."""
        from rdflib import Graph  # noqa: PLC0415 - pySHACL's data graph is an rdflib graph

        data = Graph()
        subjects = set()
        for triple in record.triples:
            data.add(to_rdflib_triple(triple))
            subjects.add(triple[0])
        a = to_rdflib(RDF.type)
        for _s, _p, node in record.triples:
            if isinstance(node, IRI) and str(node).startswith(ID) and node not in subjects:
                for cls in types.get(node, ()):
                    data.add((to_rdflib(node), a, to_rdflib(cls)))
        for triple in self.hierarchy:
            data.add(to_rdflib_triple(triple))
        return data

    def pyshacl_results(self, record: RecordGraph, types: dict[IRI, set[IRI]]) -> tuple[list, Graph]:
        """Validate with pySHACL; returns its results as :class:`shape_checker.Result` (of light terms,
        as the compiled checker's) and the raw report (an rdflib graph)."""
        from pyshacl import validate as shacl_validate  # imported late: it is slow to import

        from ..graph.vocab import RDF, SH  # noqa: PLC0415 - rdflib's terms, to read the report

        types = _WithVocabulary(types, self.vocabulary)
        _conforms, report, _text = shacl_validate(
            self.data_graph(record, types), shacl_graph=self.shapes, inference="none", advanced=False,
            allow_warnings=True,
        )
        subjects = {s for s, _p, _o in record.triples}
        results = []
        for node in report.subjects(RDF.type, SH.ValidationResult):
            focus = from_rdflib(report.value(node, SH.focusNode))
            if focus not in subjects:
                continue  # a referenced entity is checked with its own record
            message = report.value(node, SH.resultMessage)
            results.append(Result(focus, from_rdflib(report.value(node, SH.resultPath)),
                                  from_rdflib(report.value(node, SH.value)),
                                  from_rdflib(report.value(node, SH.sourceConstraintComponent)),
                                  from_rdflib(report.value(node, SH.resultSeverity)), None if message is None else str(message),
                                  from_rdflib(report.value(node, SH.sourceShape))))
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
            shape=str(shape) if isinstance(shape, IRI) else None,
            constraint=str(result.component) if result.component else None,
        )


def cache_file(store) -> Path | None:
    """Where a validator working with ``store`` caches what it derives: the folder of an embedded
    store (beside its builds; the digest in the file tells whether it is current); None for a
    remote store."""
    from ..store.embedded import EmbeddedStore

    return store.path / CACHE_FILE if isinstance(store, EmbeddedStore) else None


def _file_digest(path: Path) -> bytes:
    try:
        return hashlib.sha256(path.read_bytes()).digest()
    except OSError:
        return b"unreadable"


def _read_key(path: Path) -> bytes | None:
    try:
        with open(path, "rb") as handle:
            head = handle.read(len(_CACHE_FORMAT) + 65)
    except OSError:
        return None
    return head[len(_CACHE_FORMAT):-1] if head.startswith(_CACHE_FORMAT) and head.endswith(b"\n") else None


def _read_cache(path: Path, key: bytes) -> Derived | None:
    """The cached :class:`Derived` when the file holds one for ``key``; None otherwise (missing,
    stale, truncated, corrupt or written by other code: it is derived again)."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    header = _CACHE_FORMAT + key + b"\n"
    if not data.startswith(header):
        return None
    try:
        found = pickle.loads(data[len(header):])
    except Exception:  # noqa: BLE001 - whatever a damaged file raises, the cache is only a cache
        return None
    return found if isinstance(found, Derived) else None


def _write_cache(path: Path, key: bytes, derived: Derived) -> None:
    """Write the cache atomically (a temporary file renamed over it, readable as the store's other
    files are); a folder that is missing or not writable leaves it unwritten."""
    if not path.parent.is_dir():
        return
    temporary = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    written = False
    try:
        with open(temporary, "wb") as handle:
            handle.write(_CACHE_FORMAT + key + b"\n")
            pickle.dump(derived, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
        written = True
    except (OSError, pickle.PicklingError, RecursionError):
        pass
    finally:
        if not written:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


class _WithVocabulary:
    """The classes of referenced IRIs: those of the records, else those of the ontology's concepts."""

    def __init__(self, types, vocabulary: dict[IRI, set[IRI]]):
        self.types, self.vocabulary = types, vocabulary

    def get(self, node, default=()):
        found = self.types.get(node)
        return found if found else self.vocabulary.get(node, default)


def _show(value: Node) -> str:
    if isinstance(value, IRI) and str(value).startswith(ID):
        return repr(str(value).rsplit("/", 1)[-1])
    if isinstance(value, Literal):
        return repr(value.lexical)
    return f"<{value}>"


def entity_types(graphs: Iterable[RecordGraph]) -> dict[IRI, set[IRI]]:
    """IRI -> classes, for every node typed in the given graphs."""
    types: dict[IRI, set[IRI]] = {}
    for rg in graphs:
        for s, p, o in rg.triples:
            if p == RDF.type and isinstance(s, IRI) and isinstance(o, IRI):
                types.setdefault(s, set()).add(o)
    return types
