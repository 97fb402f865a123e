"""The pipeline: read records -> RDF -> SHACL -> atomically replace the store.

Nothing reaches the store unless every record conforms; a failed build raises
:class:`~csto_kg.problems.InvalidRecords` and leaves the previous store serving.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import itertools
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyoxigraph as ox

from .. import __version__, collector
from ..graph.resources import ontology_files, shapes_files
from ..graph.vocab import ONTOLOGY_GRAPH, WIKIDATA_GRAPH, graph_iri
from ..priority import giving_way
from ..problems import CstoKgError, InvalidRecords, Problem, UsageError
from ..records import former_id_clashes as clashing_former_ids, record_files
from ..store import Store, reconciliation, statements, summaries
from ..tenure import TENURES_GRAPH, claim_from_row, reason, tenure_lines
from . import pipeline
from .context import Context, RecordContext, context_from_store, file_digest
from .validate import Validator, cache_file


@dataclass
class BuildResult:
    store: Path | str  # where the build is: its folder, or the remote store's URL
    records: int
    quads: int
    warnings: list[Problem]
    seconds: float
    processed: int = 0  # records checked and converted by this build (the others were unchanged)
    warning_count: int = 0  # warnings in all records; ``warnings`` lists those of the records processed now


def input_digest(data_dir: Path, wikidata_labels: Path | None = None,
                 digests: dict[str, str] | None = None) -> str:
    """A digest of everything a build reads: records, ontology, shapes, the Wikidata labels
    graph (when there is one) and the tool's version. ``digests`` gives the records' content
    digests when they are known already."""
    if digests is None:
        digests = {name: file_digest(path) for path, name in record_files(data_dir)}
    digest = hashlib.sha256(schema_digest(wikidata_labels).encode())
    for name in sorted(digests):
        digest.update(f"{name}\0{digests[name]}\n".encode())
    return digest.hexdigest()


def ontology_nquads() -> str:
    """The ontology and vocabularies, as N-Quads in their own named graph."""
    graph = ox.NamedNode(str(ONTOLOGY_GRAPH))
    quads = [ox.Quad(t.subject, t.predicate, t.object, graph)
             for path in ontology_files() for t in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE)]
    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS).decode("utf-8")


def read_labels_graph(path: Path) -> str:
    """The labels graph file (``csto-kg link --enrich``) as N-Quads for the build; only quads in
    the wikidata graph are kept."""
    if not path.is_file():
        return ""
    suffix = f" <{WIKIDATA_GRAPH}> ."
    return "".join(line + "\n" for line in path.read_text(encoding="utf-8").splitlines()
                   if line.rstrip().endswith(suffix))


def check_data_dir(data_dir: Path) -> None:
    if not data_dir.is_dir():
        raise UsageError(f"the records folder {data_dir} does not exist; set --data or CSTO_KG_DATA")
    if not record_files(data_dir):
        raise UsageError(f"{data_dir} holds no records (entities/*.yaml, meetings/*.yaml)")


def schema_digest(wikidata_labels: Path | None = None) -> str:
    """What every record's RDF and checks depend on besides the records: tool, ontology, shapes."""
    digest = hashlib.sha256(__version__.encode())
    for path in [*ontology_files(), *shapes_files()]:
        digest.update(path.name.encode() + b"\0" + hashlib.sha256(path.read_bytes()).digest())
    if wikidata_labels is not None and wikidata_labels.is_file():
        digest.update(b"wikidata\0" + hashlib.sha256(wikidata_labels.read_bytes()).digest())
    return digest.hexdigest()


RACY_NS = 2_000_000_000  # two seconds: coarser than any file system's clock (FAT's is two seconds)


def plan_changes(data_dir: Path, previous: dict | None, index: Callable[[], object] | None,
                 schema: str) -> tuple[set[str], set[str], dict[str, tuple[int, int]]] | None:
    """The records to process again, the records removed since ``previous``, and the size and time
    of each file found unchanged by its content at another size or time (a checkout or a touch: the
    build keeps them, so that the next one does not read it again); None: process all.

    A file whose size and modification time are those the last build saw before reading it is
    taken as unchanged (as make and git do), unless it was modified so close to that build that a
    later edit could have kept both (a "racily clean" file, in git's words); otherwise its content
    digest decides. ``index()`` gives the entities now; it is called only when an entity file
    changed, to find the records that reference them.
    """
    if not previous or previous.get("schema_digest") != schema or not isinstance(previous.get("records"), dict):
        return None
    if any(isinstance(info, dict) and "tenure" not in info for info in previous["records"].values()):
        return None  # built before tenures were reasoned: their evidence is not at hand
    if previous.get("statements") is None and \
            any(isinstance(info, dict) and "statements" not in info for info in previous["records"].values()):
        return None  # built before the records' parts for the summaries and reconciliation were kept, or their file is gone
    before: dict[str, dict] = previous["records"]
    # a file modified after this time may have been edited again after the last build read it,
    # within the same tick of the file system's clock: its size and time alone do not tell (after a
    # build that did not keep when it began reading, every file's digest is compared, once)
    racy_from = previous.get("read_started_ns", 0) - RACY_NS
    changed, now, touched = set(), set(), {}
    for path, name in record_files(data_dir):
        now.add(name)
        info, old = path.stat(), before.get(name)  # the stat before the content is read
        stamp = (info.st_size, info.st_mtime_ns)
        if old is None:
            changed.add(name)
            continue
        moved = (old.get("size"), old.get("mtime_ns")) != stamp
        if (moved or info.st_mtime_ns >= racy_from) and old.get("digest") != file_digest(path):
            changed.add(name)
        elif moved:  # the same content at another size or time
            touched[name] = stamp
    removed = set(before) - now
    if index is not None and any(name.startswith("entities/") for name in changed | removed):
        entities = index()
        for name, info in before.items():
            refs = info.get("refs", "")
            refs = refs.split() if isinstance(refs, str) else refs
            if name in now and name not in changed and info.get("deps") != pipeline.deps_digest(refs, entities):
                changed.add(name)  # an entity it references changed
    return changed, removed, touched


def build(data_dir: Path, store: Store, validator: Validator | None = None,
          progress: Callable[..., None] = lambda step, done=None, total=None: None,
          wikidata_labels: Path | None = None, incremental: bool = True, workers: int | None = None) -> BuildResult:
    """Build the knowledge graph from ``data_dir`` into ``store``.

    Only records whose content, or whose referenced entities, changed since the store's
    last build are processed again (``incremental``); the store is still switched atomically.
    ``wikidata_labels`` is the file ``csto-kg link --enrich`` writes; when it exists, its
    quads (the ``.../graph/wikidata`` named graph only) are loaded too.
    """
    started, read_started_ns = time.perf_counter(), time.time_ns()  # before any record file is looked at
    check_data_dir(data_dir)
    validator = validator or Validator(cache=cache_file(store))
    schema = schema_digest(wikidata_labels)
    previous = None
    if incremental and store.incremental and store.exists():
        previous = {**(store.manifest() or {}), "records": store.records(), "evidence": store.evidence(),
                    "statements": store.statements()}
        if previous["evidence"] is None and any(isinstance(info, dict) and isinstance(info.get("tenure"), int)
                                                for info in (previous["records"] or {}).values()):
            previous = None  # its evidence file is gone: build everything again
    contexts: dict[str, Context] = {}

    def files_context() -> Context:
        if "files" not in contexts:
            progress("reading entities")
            with collector.paused():  # every entity and its marks live to the end of the build
                # their graphs are not kept: the workers make each entity file's graph again
                contexts["files"] = Context(data_dir, validator, keep_graphs=False)
        return contexts["files"]

    plan = plan_changes(data_dir, previous, lambda: files_context().index, schema)
    only, removed, touched = plan if plan is not None else (None, set(), {})
    ctx: RecordContext | None = contexts.get("files")
    if ctx is None and only is not None and len(only) < pipeline.PARALLEL_FROM \
            and not any(n.startswith("entities/") for n in only | removed):
        ctx = context_from_store(store, data_dir, validator)  # the entities, as the store already holds them
    ctx = ctx or files_context()
    with tempfile.TemporaryDirectory(prefix="csto-kg-build-") as work, contextlib.ExitStack() as stack:
        # a full build into an embedded store loads each file of checked records while the next
        # ones are checked; nothing is published unless every record conforms
        loading = stack.enter_context(store.loading()) if plan is None and hasattr(store, "loading") else None
        # the records' results, their build information and the tenures are millions of objects that
        # live to the end of the build: the collector's scans of them would find nothing to free
        stack.enter_context(collector.paused())
        # each file of checked records is written only to be loaded: removed once it is in
        loaded = (lambda path: loading.add(path, remove=True)) if loading is not None else None
        outcome, _ctx = pipeline.run(data_dir, Path(work), validator, only=only, workers=workers, ctx=ctx,
                                     progress=lambda done, total: progress("checking records", done, total),
                                     on_file=loaded)
        clashes = former_id_clashes(data_dir, outcome, previous["records"] if plan is not None else {})
        if outcome.errors or clashes:
            raise InvalidRecords(sorted(set(outcome.problems + clashes)))
        progress("loading the store")
        extra = Path(work) / "ontology.nq"
        text = ontology_nquads()
        if wikidata_labels is not None and wikidata_labels.is_file():
            text += read_labels_graph(wikidata_labels)
        extra.write_text(text, encoding="utf-8")
        files = [*outcome.nquads_files, extra]
        if loaded is not None:  # the rest loads while the tenures are reasoned and the parts folded
            loaded(extra)
        records = dict(previous["records"]) if plan is not None else {}
        for name in removed:
            records.pop(name, None)
        for name, (size, mtime_ns) in touched.items():
            records[name] = {**records[name], "size": size, "mtime_ns": mtime_ns}
        for result in outcome.results:
            # the size and time the file had before it was read: should it have changed since, the
            # next build sees another time, and processes it again
            size, mtime_ns = result.stamp or (None, None)
            records[result.name] = {"digest": result.digest, "refs": result.refs, "deps": result.deps,
                                    "size": size, "mtime_ns": mtime_ns,
                                    "warnings": sum(p.severity == "warning" for p in result.problems)}
            if result.former_ids:
                records[result.name]["former_ids"] = [list(f) for f in result.former_ids]
            records[result.name]["tenure"] = result.tenure_rows  # the rows: in the evidence files
            if result.single_holder:
                records[result.name]["single_holder"] = result.single_holder
        progress("reasoning tenures")
        contexts.clear()  # the entities are not needed any more; their memory goes to the reasoning
        ctx = None
        del _ctx
        gc.collect()
        processed = {r.name for r in outcome.results}
        evidence_file = Path(work) / "evidence.jsonl"
        files += write_tenures(records, processed, outcome.evidence_files,
                               previous.get("evidence") if plan is not None else None, evidence_file, Path(work),
                               on_file=loaded)
        progress("summarizing for the pages and indexing names for reconciliation")  # while the last files load
        statements_file = Path(work) / "statements.jsonl"
        other_part = statements.nquads_part(text)
        written = written_parts(records, processed, outcome.statements_files,
                                previous.get("statements") if plan is not None else None, statements_file)
        # the tenures still load (the critical path): the folding takes what CPU the load leaves
        found, names = giving_way(lambda: statements.fold(itertools.chain(written, [other_part]),
                                                          itertools.chain(read_parts(statements_file), [other_part]),
                                                          summaries.Fold(), reconciliation.Fold()))
        digests = {name: info["digest"] for name, info in records.items()}
        manifest = {"input_digest": input_digest(data_dir, wikidata_labels, digests), "schema_digest": schema,
                    "data": str(data_dir.resolve()), "csto_kg_version": __version__, "records": records,
                    "read_started_ns": read_started_ns}
        if store.incremental:  # kept beside the new build, for the next incremental build
            manifest["evidence_file"] = str(evidence_file)
            manifest["statements_file"] = str(statements_file)
        progress("publishing the store")  # what is left to load, then the switch to the new store

        def beside(build: Path) -> None:  # before the new build is served: no page or reconciliation goes without
            summaries.write(build, found)
            reconciliation.write(build, names)

        try:
            if plan is not None:
                stale_graphs = [str(graph_iri(name.rsplit(".", 1)[0])) for name in {r.name for r in outcome.results} | removed]
                stale_graphs += [str(ONTOLOGY_GRAPH), str(WIKIDATA_GRAPH), str(TENURES_GRAPH)]
                final = store.update(stale_graphs, files, manifest, beside)
            elif loading is not None:  # every file is in its queue already; these are written while the last load
                final = loading.publish(manifest, beside)
            else:
                final = store.replace(files, manifest, beside)
        except SyntaxError as err:  # the store refused a quad; the previous store is still current
            refused = refused_record(err, files, {str(graph_iri(r.name.rsplit(".", 1)[0])): r.name
                                                  for r in outcome.results})
            if refused is None:
                raise
            raise refused from None
    validator.write_cache()  # for `csto-kg validate`, when the store keeps one (an embedded store)
    warnings = [p for p in outcome.problems if p.severity != "error"]
    counts = {"records": len(records), "processed": len(outcome.results),
              "warning_count": sum(info.get("warnings", 0) if isinstance(info.get("warnings"), int)
                                   else len(info.get("warnings", [])) for info in records.values())}
    del outcome, records, manifest, previous
    return BuildResult(final, counts.pop("records"), store.manifest()["quads"], warnings,
                       time.perf_counter() - started, **counts)


TENURE_QUADS_PER_FILE = 50_000  # as a chunk of meetings: one bulk load of a file holds about twice it in memory


def write_tenures(records: dict[str, dict], processed: set[str], new_evidence: list[Path], old_evidence: Path | None,
                  evidence_file: Path, work: Path, on_file: Callable[[Path], None] | None = None) -> list[Path]:
    """Reason the tenures from the evidence of every record in ``records`` (the build's per-record
    information) and write them into ``work`` as N-Quads in the tenures graph, in files of about
    :data:`TENURE_QUADS_PER_FILE` quads (returned: a store loads each apart; ``on_file`` is given
    each as soon as it is complete); write all that evidence to ``evidence_file``, the file kept
    beside the new build.

    The evidence is read a record at a time, as the reasoning takes it: from ``new_evidence``
    (the files of the records ``processed`` now), from ``old_evidence`` (the last build's file:
    the records not processed again) and from ``records`` itself (a build from before the
    evidence had a file of its own kept each record's claim rows there, as ``tenure``)."""
    shared: dict = {}  # one object for each name, file, date and list of sources, over all claims

    def inline_rows(name: str, info: dict) -> str | None:  # the rows themselves: an older build's per-record information
        rows = info.get("tenure")
        if not isinstance(rows, list):
            return None
        info["tenure"] = len(rows)
        return pipeline.record_line(name, rows) if rows else None

    def claims(out) -> Iterator:
        for _name, line in kept_lines(records, processed, new_evidence, old_evidence, out, inline_rows):
            yield from (claim_from_row(row, shared) for row in pipeline.line_value(line))

    single = {post for info in records.values() for post in info.get("single_holder", ())}
    with open(evidence_file, "w", encoding="utf-8") as out:
        tenures, conflicts = reason(claims(out), single)
    shared.clear()
    files: list[Path] = []
    for batch in _batches(tenure_lines(tenures, conflicts), TENURE_QUADS_PER_FILE):
        files.append(work / f"tenures-{len(files)}.nq")
        files[-1].write_text("".join(batch), encoding="utf-8")
        if on_file is not None:
            on_file(files[-1])
    return files


def _batches(texts: Iterable[str], lines: int) -> Iterator[list[str]]:
    """``texts`` (each one or more whole lines) in runs that each reach ``lines`` lines, the last one
    perhaps fewer."""
    batch, count = [], 0
    for text in texts:
        batch.append(text)
        count += text.count("\n")
        if count >= lines:
            yield batch
            batch, count = [], 0
    if batch:
        yield batch


def written_parts(records: dict[str, dict], processed: set[str], new_files: list[Path], old_file: Path | None,
                  statements_file: Path) -> Iterator[dict]:
    """Each record's part (:func:`kept_lines`), as it is written to ``statements_file``, the file kept
    beside the new build."""
    with open(statements_file, "w", encoding="utf-8") as out:
        for _name, line in kept_lines(records, processed, new_files, old_file, out, inline=inline_part):
            yield pipeline.line_value(line)


def read_parts(statements_file: Path) -> Iterator[dict]:
    """Each record's part in a file of them (as :func:`written_parts` writes it)."""
    return (pipeline.line_value(line) for _name, line in pipeline.record_names(statements_file))


def inline_part(name: str, info: dict) -> str | None:
    """The line of the part a build from before the parts had a file of their own kept in a record's
    information (``statements``, taken out of it)."""
    text = info.pop("statements", None)
    return pipeline.part_line(name, text) if text else None


def kept_lines(records: dict[str, dict], processed: set[str], new_files: list[Path], old_file: Path | None, out,
               inline: Callable[[str, dict], str | None]) -> Iterator[tuple[str, str]]:
    """The name and line of each record of ``records`` (the build's per-record information) in a file
    of record lines a build keeps (:func:`~csto_kg.check.pipeline.record_line`: its tenure evidence,
    its part), each written to ``out`` (the new build's file) as it is read: from ``new_files`` (the
    records ``processed`` now), from ``old_file`` (the last build's file: the records not processed
    again) and from ``inline(name, info)`` (a build from before such a file was kept held the value in
    each record's information: its line, or None)."""
    for name, info in records.items():
        line = inline(name, info)
        if line and name not in processed:
            out.write(line)
            yield name, line
    sources = [(path, True) for path in new_files]
    if old_file is not None:
        sources.insert(0, (old_file, False))
    for path, new in sources:
        for name, line in pipeline.record_names(path):
            if new or (name in records and name not in processed):
                out.write(line)
                yield name, line


def former_id_clashes(data_dir: Path, outcome: pipeline.Outcome, previous: dict) -> list[Problem]:
    """Former names of meetings that another meeting has now, or that two list, over every record:
    those processed now and, from the last build (``previous``: its records), the others."""
    meetings = {name: Path(name).stem for _path, name in record_files(data_dir, ("meetings",))}
    former = {name: [tuple(f) for f in info.get("former_ids", [])] for name, info in previous.items()
              if name in meetings and isinstance(info, dict)}
    former.update({result.name: result.former_ids for result in outcome.results if result.name in meetings})
    return clashing_former_ids(meetings, former)


_QUAD_END = re.compile(rb"<([^<>\s]*)> \.[ \t]*\r?$")


def refused_record(err: SyntaxError, files: list[Path], names: dict[str, str]) -> CstoKgError | None:
    """The error to report when the store's parser refused a line of the build's N-Quads ``files``:
    a problem in the record whose graph the line is in (``names``: graph IRI -> record name), or
    an error naming the graph; None when the line cannot be found."""
    if not err.lineno:
        return None
    if err.filename:  # loaded from one of the files
        targets = [path for path in files if str(path) == err.filename]
        if not targets:
            return None
    else:  # parsed as one text, the files one after the other (a remote store)
        targets = files
    graph = None
    with contextlib.closing(_lines(targets)) as lines:
        # a quad a broken literal spreads over several lines ends, with its graph, on a later one
        for line in itertools.islice(lines, err.lineno - 1, None):
            if (found := _QUAD_END.search(line.rstrip(b"\n"))) is not None:
                graph = found.group(1).decode("utf-8", "replace")
                break
    reason = pipeline.store_refusal(str(err.msg))
    if graph in names:
        return InvalidRecords([pipeline.unloadable(names[graph], reason)])
    where = f" in the graph <{graph}>" if graph else ""
    return CstoKgError(f"the store refused the build's data{where} ({reason}); nothing was changed")


def _lines(paths: list[Path]) -> Iterator[bytes]:
    for path in paths:
        with open(path, "rb") as handle:
            yield from handle


def is_stale(data_dir: Path, store: Store, wikidata_labels: Path | None = None) -> bool:
    """True when the store is missing or was built from other inputs than ``data_dir`` holds now.

    A store loaded by ``csto-kg import`` (a read replica) is never stale: it serves what it was given.
    """
    manifest = store.manifest()
    if manifest is not None and "imported_from" in manifest:
        return not store.exists()
    if manifest is None or not store.exists():
        return True
    records = store.records()
    if records is not None:  # sizes and times first, content digests only where those differ
        plan = plan_changes(data_dir, {**manifest, "records": records, "statements": store.statements()}, None,
                            schema_digest(wikidata_labels))
        return plan is None or bool(plan[0] or plan[1])
    return manifest.get("input_digest") != input_digest(data_dir, wikidata_labels)
