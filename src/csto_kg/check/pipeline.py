"""Records -> checked N-Quads, in parallel and incrementally.

Entity files are read first, in this process: they are the context every meeting
is checked against (slugs, classes, labels). Meeting files are then processed in
worker processes (forked, so they share the context without copying it), each
worker writing the N-Quads of the records it converts to its own file.

A record is processed again only when its content changed or when an entity it
references changed (its kind, label or post); otherwise the previous build's
graph for it is kept. ``Plan`` says which records to process.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pyoxigraph as ox

from ..graph.rdfize import RecordGraph, rdfize
from ..store import statements
from .. import collector
from ..problems import Problem
from .. import records as rec
from .context import Context, RecordContext
from .validate import Validator

PARALLEL_FROM = 200  # meetings; below this, workers cost more than they save


@dataclass
class FileResult:
    """What processing one record file produced."""

    name: str
    digest: str  # of the bytes that were checked and converted (RecordFile.digest)
    problems: list[Problem]
    refs: str = ""  # the slugs it references, space-separated (as the build keeps them)
    deps: str = ""
    quads: int = 0
    former_ids: list[tuple[str, int, int]] = field(default_factory=list)  # a meeting's former names, where written
    tenure: list[list] = field(default_factory=list)  # its evidence of who held which post when (claim rows)
    tenure_rows: int = 0  # how many claim rows it gave, once they were written to an evidence file
    single_holder: list[str] = field(default_factory=list)  # the posts it declares single-holder
    statements: str = "{}"  # what the pages' summaries and the reconciliation read of it (store/statements.py),
    # until it is written to a statements file (write_statements)
    stamp: tuple[int, int] | None = None  # the file's size and modification time before it was read (RecordFile.stamp)


@dataclass
class Outcome:
    results: list[FileResult]
    nquads_files: list[Path]
    evidence_files: list[Path] = field(default_factory=list)  # the results' tenure evidence (write_evidence)
    statements_files: list[Path] = field(default_factory=list)  # the results' parts (write_statements)

    @property
    def problems(self) -> list[Problem]:
        return sorted(p for r in self.results for p in r.problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def deps_digest(refs: list[str], index: rec.EntityIndex) -> str:
    """What a record's RDF and checks depend on outside itself: the referenced entities' keys."""
    digest = hashlib.sha256()
    for slug in refs:
        entity = index.by_slug.get(slug)
        if entity is None:
            digest.update(f"{slug}\t?\n".encode())
            continue
        post_in = entity.fields.get("post_in")
        digest.update(f"{slug}\t{entity.kind}\t{entity.labels.pref.get('en', '')}\t"
                      f"{post_in.slug if post_in else ''}\n".encode())
    return digest.hexdigest()


_PARSER_POSITION = re.compile(r"^(?:Parser )?error at [^:]*: ")


def store_refusal(message: str) -> str:
    """What the store's N-Quads parser said, without its position (a line of a file the record never
    saw) and with any control character it quotes shown as U+XXXX."""
    return "".join(c if c.isprintable() else f"U+{ord(c):04X}" for c in _PARSER_POSITION.sub("", message))


def unloadable(name: str, reason: str) -> Problem:
    """The problem of a record that conforms but whose RDF the store refuses: a fault of the
    conversion, reported the same way by ``validate`` and ``build``."""
    return Problem(name, 1, 1, "", f"its RDF cannot be loaded into the store ({reason})",
                   "a record csto-kg can convert; this is a fault of csto-kg, please report it with the record")


def refused_by_store(lines: list[str]) -> str | None:
    """Why the store's (strict) N-Quads parser refuses ``lines``, or None when it takes them."""
    try:
        for _quad in ox.parse("".join(lines).encode("utf-8"), format=ox.RdfFormat.N_QUADS):
            pass
    except SyntaxError as err:
        return store_refusal(str(err.msg))
    return None


def process(record: rec.RecordFile, graph: RecordGraph | None, ctx: RecordContext, out,
            check_load: bool = False) -> FileResult:
    """Check one record file (already read) and write its N-Quads to ``out`` when it conforms.

    ``check_load`` also parses the N-Quads as the store will (``validate`` does: it loads nothing,
    and must not pass a record the build cannot load), and leaves out the record's tenure evidence
    (which only a build keeps)."""
    ctx.prepare(record)  # a context read from the store fetches what the record names
    problems = list(record.problems)
    one = rec.Records([record], [])
    found = list(rec.references(one))  # listed once: for the unknown ones and for the slugs it references
    problems += rec.unknown_references(one, ctx.index, found)
    refs = sorted({ref.slug for _file, ref, _name in found})
    result = FileResult(record.name, record.digest, problems, " ".join(refs), deps_digest(refs, ctx.index),
                        stamp=record.stamp)
    if record.meeting is not None:
        result.former_ids = [(str(f), f.mark.line, f.mark.column) for f in record.meeting.former_ids]
    if any(p.severity == "error" for p in problems):
        return result
    graph = graph or rdfize(record, ctx.index)
    result.problems += ctx.validator.validate(graph, ctx.types)
    if not any(p.severity == "error" for p in result.problems):
        lines = graph.nquads()
        if check_load and (reason := refused_by_store(lines)) is not None:
            result.problems.append(unloadable(record.name, reason))
            return result
        out.writelines(lines)
        result.quads = len(lines)
        if not check_load:  # who held which post when, and what pages and reconciliation read: a build keeps them
            from ..tenure import claim_row, record_evidence, single_holder_posts  # noqa: PLC0415

            result.tenure = [claim_row(c) for c in record_evidence(record)]
            result.single_holder = single_holder_posts(record)
            result.statements = statements_part(graph)
    return result


def statements_part(graph: RecordGraph) -> str:
    """The record's part (:mod:`csto_kg.store.statements`): what the pages' summaries and the
    reconciliation index read of its graph, as the text the build keeps."""
    return statements.text(statements.graph_part(graph.triples))


def write_evidence(results: list[FileResult], out) -> None:
    """Write the tenure evidence of ``results`` to ``out``, one line per record that gives any:
    its name and its claim rows, as JSON; then drop the rows from the results (``tenure_rows``
    keeps their number). A build of many meetings keeps its evidence in such files, not in memory."""
    for result in results:
        if result.tenure:
            out.write(record_line(result.name, result.tenure))
            result.tenure_rows, result.tenure = len(result.tenure), []


def write_statements(results: list[FileResult], out) -> None:
    """Write the part of each of ``results`` that has any statement to ``out``, one line per record:
    its name and its part's text; then drop the text from the results. A build of many meetings
    keeps the parts in such files, not in memory (they are most of a record's result)."""
    for result in results:
        if result.statements and result.statements != "{}":
            out.write(part_line(result.name, result.statements))
        result.statements = ""


def record_line(name: str, value) -> str:
    """One record's line of a file of evidence or of parts: its name and its value, as JSON."""
    return json.dumps([name, value], ensure_ascii=False, separators=(",", ":")) + "\n"


def part_line(name: str, text: str) -> str:
    """As :func:`record_line` of a record's part, from the part's JSON text (:func:`~csto_kg.store.statements.text`),
    as it is: the line is read with one parse, not a string's and then the part's."""
    return f"[{json.dumps(name, ensure_ascii=False)},{text}]\n"


_NAME = json.JSONDecoder()


def record_names(path: Path) -> Iterator[tuple[str, str]]:
    """A file of :func:`record_line` lines: each record's name and its line, the value left unread."""
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            yield _NAME.raw_decode(line, 1)[0], line


def line_value(line: str):
    """The value of a :func:`record_line` line."""
    return json.loads(line)[1]


def sharing(problem: Problem, shared: dict) -> Problem:
    """``problem`` with each of its texts the one object in ``shared`` of that text. Every record's
    warnings are kept to the end of a build, and came from the workers as copies of a few texts."""
    return Problem(*(shared.setdefault(value, value) for value in
                     (getattr(problem, name) for name in Problem.__slots__)))  # type: ignore[attr-defined]


# -- workers (forked: the context is inherited, not pickled)

_WORKER_CONTEXT: RecordContext | None = None
_ACROSS: tuple[RecordContext, list[Problem]] | None = None  # the context and what _across_files found in it


def _across_files(ctx: RecordContext) -> list[Problem]:
    """Slugs used twice and roles narrower than themselves: rules across the entity files, over
    every entity, applied once per context (not once per entity file: they grow with the meetings)."""
    global _ACROSS
    if _ACROSS is None or _ACROSS[0] is not ctx:
        _ACROSS = (ctx, rec.duplicate_slugs(ctx.index) + rec.role_cycles(ctx.index))
    return _ACROSS[1]


@contextlib.contextmanager
def _across_files_kept() -> Iterator[None]:
    """Keep what :func:`_across_files` finds while the block runs; forget it (and its context) after."""
    global _ACROSS
    try:
        yield
    finally:
        _ACROSS = None


def _process_items(items: list[tuple[str, str]], ctx: RecordContext, out) -> list[FileResult]:
    """Process record files; entity files come already read (and converted) from the context."""
    entities = {f.name: (f, g) for f, g in zip(ctx.files, ctx.graphs)}
    across = any(name in entities for _path, name in items)
    duplicates = _across_files(ctx) if across else []
    results = []
    for path, name in items:
        if name in entities:
            result = process(*entities[name], ctx, out)
            result.problems += [p for p in duplicates if p.file == name]
        else:
            result = process(rec.read_file(Path(path), name), None, ctx, out)
        results.append(result)
    return results


def _process_chunk(args: tuple[list[tuple[str, str]], str, str, str]) -> list[FileResult]:
    chunk, out_path, evidence_path, statements_path = args
    ctx = _WORKER_CONTEXT
    assert ctx is not None
    with collector.paused(), open(out_path, "w", encoding="utf-8") as out:
        results = _process_items(chunk, ctx, out)
    with open(evidence_path, "w", encoding="utf-8") as evidence, \
            open(statements_path, "w", encoding="utf-8") as parts:
        write_evidence(results, evidence)
        write_statements(results, parts)
    return results


def run(data_dir: Path, work_dir: Path, validator: Validator, only: set[str] | None = None,
        workers: int | None = None, progress: Callable[[int, int], None] = lambda done, total: None,
        ctx: RecordContext | None = None, on_file: Callable[[Path], None] | None = None) -> tuple[Outcome, RecordContext]:
    """Process every record of ``data_dir`` (or only the names in ``only``) into ``work_dir``.

    ``on_file`` is given each N-Quads file as soon as it is complete, in the order of
    ``Outcome.nquads_files`` (the build loads them into the new store while the rest are checked)."""
    on_file = on_file or (lambda path: None)
    global _WORKER_CONTEXT
    work_dir.mkdir(parents=True, exist_ok=True)
    with collector.paused(), _across_files_kept():
        ctx = ctx or Context(data_dir, validator)
        items = [(str(path), name) for path, name in rec.record_files(data_dir) if only is None or name in only]
        # entity files first, the largest first, so no worker is left with a big one at the end
        items.sort(key=lambda item: (not item[1].startswith("entities/"),
                                     -os.path.getsize(item[0]) if item[1].startswith("entities/") else 0))
        total = len(items)
        workers = workers or os.cpu_count() or 1
        results: list[FileResult] = []
        files: list[Path] = []
        evidence: list[Path] = []
        parts: list[Path] = []
        if total < PARALLEL_FROM or workers == 1:
            out_path = work_dir / "records-0.nq"
            files.append(out_path)
            evidence.append(work_dir / "evidence-0.jsonl")
            parts.append(work_dir / "statements-0.jsonl")
            with open(out_path, "w", encoding="utf-8") as out, open(evidence[0], "w", encoding="utf-8") as ev, \
                    open(parts[0], "w", encoding="utf-8") as part_out:
                for i, item in enumerate(items):
                    found = _process_items([item], ctx, out)
                    write_evidence(found, ev)
                    write_statements(found, part_out)
                    results += found
                    progress(i + 1, total)
            on_file(out_path)
        else:
            entity_items = [item for item in items if item[1].startswith("entities/")]
            meeting_items = items[len(entity_items):]
            size = max(25, min(125, len(meeting_items) // (workers * 8) or 1))
            chunks = [[item] for item in entity_items]
            chunks += [meeting_items[i:i + size] for i in range(0, len(meeting_items), size)]
            jobs = [(chunk, str(work_dir / f"records-{k}.nq"), str(work_dir / f"evidence-{k}.jsonl"),
                     str(work_dir / f"statements-{k}.jsonl")) for k, chunk in enumerate(chunks)]
            # one file per chunk of at most 125 meetings (about 47,000 quads): Oxigraph's bulk load
            # of each holds little memory, and loading 3.7M quads in 80 such files took no longer
            # than in 20 larger ones (a single file holds about twice itself in memory)
            files += [Path(job[1]) for job in jobs]
            evidence += [Path(job[2]) for job in jobs]
            parts += [Path(job[3]) for job in jobs]
            _WORKER_CONTEXT = ctx
            if entity_items:
                _across_files(ctx)  # before the workers are forked: they inherit it
            import multiprocessing  # noqa: PLC0415 - only a build of many records needs workers
            from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

            try:
                with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
                    done = 0
                    shared: dict = {}
                    for job, chunk_results in zip(jobs, pool.map(_process_chunk, jobs)):
                        for result in chunk_results:
                            result.problems = [sharing(p, shared) for p in result.problems]
                        results.extend(chunk_results)
                        done += len(chunk_results)
                        on_file(Path(job[1]))
                        progress(done, total)
            finally:
                _WORKER_CONTEXT = None
    return Outcome(results, files, evidence, parts), ctx
