"""The ``csto-kg`` command: a thin shell over the build pipeline, the store and the web app.

Exit codes: 0 success; 1 the records do not conform (nothing was changed); 2 bad usage
or unreadable input.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import json
import sys
import time
from pathlib import Path

import click

from . import __version__, collector, settings
from .graph.formats import DATASET_FORMATS, FORMATS, by_name, names

QUERY_FORMATS = ("table", *names(FORMATS))
DATASET_SUFFIXES = ", ".join(f".{suffix}" for fmt in DATASET_FORMATS for suffix in fmt.suffixes)


class _Progress:
    """The one progress display of the commands: a line per step, with a bar, rate and ETA for a
    counted one, on standard error when it is a terminal; nothing when it is not (piped, in tests).

    ``progress(step)`` or ``progress(step, done, total)``, as the build reports; ``counter(step)``
    is a ``(done, total)`` callback, as linking reports. Used as a context manager, it ends the
    last line on the way out, so what the command prints next starts on a line of its own.
    """

    width = 30

    def __init__(self, enabled: bool | None = None):
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.step: str | None = None
        self.started = 0.0

    def __call__(self, step: str, done: int | None = None, total: int | None = None) -> None:
        if not self.enabled:
            return
        if step != self.step:
            self.finish()
            self.step, self.started = step, time.monotonic()
        if done is None or not total:
            click.echo("\r" + click.style(f"… {step}", dim=True), err=True, nl=False)
            return
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = done / elapsed
        eta = (total - done) / rate if rate else 0
        filled = int(self.width * min(done, total) / total)
        bar = "#" * filled + "-" * (self.width - filled)
        click.echo(f"\r… {step} [{bar}] {done}/{total} {rate:,.0f}/s ETA {eta:,.0f}s", err=True, nl=False)

    def counter(self, step: str):
        """A ``progress(done, total)`` callback shown as ``step``."""
        return lambda done, total: self(step, done, total)

    def finish(self) -> None:
        """End the current step's line, if one is shown."""
        if self.enabled and self.step is not None:
            click.echo("", err=True)
        self.step = None

    def __enter__(self) -> "_Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.finish()


def _print_problems(problems, fmt: str = "text") -> None:
    if fmt == "json":
        click.echo(json.dumps([p.as_json() for p in problems], indent=2, ensure_ascii=False))
        return
    colours = {"error": "red", "warning": "yellow", "info": "blue"}
    for problem in problems:
        text = str(problem)
        if problem.severity != "error":
            text = f"{text} [{problem.severity}]"
        click.echo(click.style(text, fg=colours.get(problem.severity)) if sys.stdout.isatty() else text)


def _wikidata_labels() -> Path:
    """The Wikidata labels graph `link --enrich` writes and `build` loads."""
    return Path(settings.get("CSTO_KG_WIKIDATA_DIR")) / "labels.nq"


data_option = settings.option("CSTO_KG_DATA", "--data", "data_dir", type=click.Path(path_type=Path))
store_option = settings.option("CSTO_KG_STORE", "--store", "store_location")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="csto-kg")
def main() -> None:
    """Build, check, query and serve the csto-kg knowledge graph of intergovernmental meetings."""


@main.command()
@data_option
@store_option
@click.option("--full", is_flag=True, help="Check and convert every record, not only those changed since the last build.")
@click.option("--workers", type=click.IntRange(1), help="Worker processes for checking records (default: one per core).")
def build(data_dir: Path, store_location: str, full: bool, workers: int | None) -> None:
    """Build the graph from the records into the store.

    Every record is checked first; if any does not conform, the errors are printed,
    nothing is written and the previous store keeps serving (exit 1). Records unchanged
    since the last build (and whose referenced entities are unchanged) are not processed again.
    """
    from .check.build import build as run_build
    from .problems import CstoKgError, InvalidRecords
    from .store.opening import open_store

    try:
        with _Progress() as progress:
            result = run_build(data_dir, open_store(store_location), progress=progress,
                               wikidata_labels=_wikidata_labels(), incremental=not full, workers=workers)
    except InvalidRecords as err:
        _print_problems(err.problems)
        click.echo(f"error: {err.message}", err=True)
        sys.exit(1)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    _print_problems(result.warnings)
    if result.warning_count:
        click.echo(f"{result.warning_count:,} warning(s) in all records ({len(result.warnings):,} in the records "
                   "checked now, shown above; `csto-kg validate FILE` shows a record's)", err=True)
    click.echo(f"built {result.quads:,} quads from {result.records} records ({result.processed} checked and "
               f"converted, the rest unchanged) into {result.store} in {result.seconds:.2f} s", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@data_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "github", "turtle"]), default="text",
              show_default=True,
              help="text: file:line:column: field: message; json: one object per problem; github: workflow "
                   "annotations; turtle: the raw SHACL validation report.")
@click.option("--strict", is_flag=True, help="Fail on warnings too (an entity without a QID, a participation without a rank).")
@store_option
def validate(files: tuple[Path, ...], data_dir: Path, fmt: str, strict: bool, store_location: str) -> None:
    """Check record FILES against the shapes, with the data folder's entities as context.

    Only the given files are read, never the other meetings. What they reference is read
    from the built store when it was built from the entity files as they are now, else from
    the entity files. Exit 0 when they conform, 1 when they do not, 2 when a file cannot be read.
    """
    from .store.opening import is_remote, open_store

    store = None if is_remote(store_location) else open_store(store_location)  # an embedded store
    if store is not None and fmt != "turtle":
        store.open_in_background()  # while the modules of the check are imported
    with _importing():
        from .check.context import context_from_store
        from .check.files import record_name, shacl_report, validate_files
        from .check.validate import Validator, cache_file

    # what is derived from the shapes and the ontology is cached in an embedded store's folder
    validator = Validator(cache=None if store is None else cache_file(store))
    if fmt == "turtle":

        report_graph, conforms, unreadable = shacl_report(list(files), data_dir, validator)
        click.echo(report_graph.serialize(format="turtle"))
        sys.exit(2 if unreadable else 0 if conforms else 1)
    ctx = None
    if not any(record_name(f, data_dir).startswith("entities/") for f in files):
        ctx = context_from_store(store or open_store(store_location), data_dir, validator)
    report, unreadable = validate_files(list(files), data_dir, validator, ctx=ctx)
    failing = [p for p in report.problems if p.severity == "error" or (strict and p.severity == "warning")]
    if fmt == "github":
        for p in report.problems:
            level = "error" if p in failing else "warning" if p.severity == "warning" else "notice"
            text = str(p).split(": ", 1)[1].replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            click.echo(f"::{level} file={_data_path(data_dir, p.file)},line={p.line},col={p.column},"
                       f"title={p.field or 'record'}::{text}")
    else:
        _print_problems(report.problems, fmt)
    if fmt == "text" and not failing:
        click.echo(f"{len(files)} file(s) conform", err=True)
    sys.exit(2 if unreadable else 1 if failing else 0)


@contextlib.contextmanager
def _importing():
    """Import with Python's cyclic garbage collector paused: modules live to the end of the command,
    so a collection while importing would free nothing. So would the collections of the interpreter's
    exit, which scan every object: at exit, every object is moved out of their sight first
    (``gc.freeze``, registered with :mod:`atexit`, which runs before them)."""
    try:
        with collector.paused():
            yield
    finally:
        atexit.unregister(gc.freeze)  # once, however many commands one process runs (tests)
        atexit.register(gc.freeze)


def _data_path(data_dir: Path, name: str) -> str:
    """A record name as a path from the current folder, as workflow annotations expect."""
    path = data_dir / name
    try:
        return path.resolve().relative_to(Path.cwd()).as_posix()
    except ValueError:
        return path.as_posix()


MEETING_SKELETON = """\
# {label}
# Curate only what the source says; cite it. Keys: see the README's "Records".
label: {label}
{body}
session: {session}              # the session number, when the source states it
date: {date}                    # YYYY-MM-DD; YYYY-MM or YYYY when only that is known
# end_date: YYYY-MM-DD          # for a meeting over several days
# date_certainty: how the date is known, when the source does not state it plainly
# place: <slug of a place>
# host_state: <slug of a state>
# format: in-person             # or videoconference; leave out when the source does not say
{sources}

delegations:                    # only states the source says sent a delegation
  # - state: <slug of a state>

participations:
  # - n: 1                      # unique in this meeting, never reused
  #   person: <slug>            # leave out when the source names only the post (or no one)
  #   roles: [head-of-delegation]   # delegation-member, chair, secretary, attendee, observer, invited-guest,
  #                                 # opened, host, presented, spoke, rapporteur, or a role of roles: in entities/
  #   on_behalf_of: <slug of a state, organization or body>   # alone: its unnamed representatives
  #   post: <slug of a post>    # as held that day
  #   acting_post: <slug of a post>   # held in an acting capacity (the source says "acting")
  #   post_as_stated: {{en: <the source's own wording of the post>}}
  #   rank: <slug of a rank>    # as held that day; not-stated when the source gives none

agenda:
  # - n: 1
  #   subject: what the item was about, in your own words
  #   proposed_by: <slug of a state or organization>

decisions:
  # - n: 1
  #   type: appointment
  #   appointee: <slug of a person>
  #   post: <slug of a post>
  #   effective_from: YYYY-MM-DD
  # - n: 2
  #   type: adoption            # a document adopted, signed or approved
  #   kind: declaration         # agreement, statement, protocol, plan, programme, strategy, resolution, decision, document
  #   title: as the source gives it

absent:                         # states the source says did not take part
  # - state: <slug of a state>
  #   reason: why, as the source gives it

# next_meeting:
#   date: YYYY
#   host_state: <slug of a state>
"""


@main.group()
def new() -> None:
    """Write skeletons of new records."""


@new.command("meeting")
@click.option("--date", "date", required=True, help="The meeting's date: YYYY-MM-DD (or YYYY-MM, YYYY).")
@click.option("--slug", required=True, help="A short slug for the file name, e.g. ccim-25.")
@click.option("--body", help="Slug of the body that met.")
@click.option("--session", type=int, help="The session number, when the source states it.")
@click.option("--source", "sources", multiple=True, help="Slug of a source the record is curated from (repeatable).")
@click.option("--label", help="The meeting's name in English.")
@data_option
def new_meeting(date: str, slug: str, body: str | None, session: int | None, sources: tuple[str, ...],
                label: str | None, data_dir: Path) -> None:
    """Write a commented skeleton of a meeting record to data/meetings/DATE-SLUG.yaml.

    --body and --source must name a body and sources defined in the data folder's entity files."""
    from .records import DATE, MEETING_FILE

    stem = f"{date}-{slug}"
    if not DATE.match(date) or not MEETING_FILE.match(stem):
        raise click.UsageError(f"{stem!r} is not a meeting file name; expected --date YYYY-MM-DD and a lowercase --slug")
    path = data_dir / "meetings" / f"{stem}.yaml"
    if path.exists():
        raise click.UsageError(f"{path} already exists; choose another --slug")
    wrong = _unknown_entities(data_dir, [*([("--body", body, ("body",))] if body else []),
                                         *(("--source", source, ("source",)) for source in sources)])
    if wrong:
        raise click.UsageError("\n".join(wrong))
    text = MEETING_SKELETON.format(
        label=label or "<name of the meeting, in English>",
        body=f"body: {body}" if body else "# body: <slug of the body that met>   (required)",
        session=session if session is not None else "",
        date=date,
        sources=f"sources: [{', '.join(sources)}]" if sources else "# sources: [<slug of a source>]   (required)",
    )
    if session is None:
        text = text.replace("session:               ", "# session:             ")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    click.echo(str(path))


@main.command()
@click.argument("name", metavar="MIGRATION")
@click.argument("targets", metavar="TARGET...", nargs=-1, required=True)
@click.option("--dry-run", is_flag=True, help="Say which lines would be added; write nothing.")
def migrate(name: str, targets: tuple[str, ...], dry_run: bool) -> None:
    """Apply a named migration to the records it is given, adding lines and changing nothing else.

    rank-not-stated: write 'rank: not-stated' into participations without a rank, whose sources
    give none. TARGET is a meeting file (every participation without a rank) or FILE#N,N (those
    participations only). Exit 0 when done, 2 when a target is unreadable, names a participation
    the file does not have, or cannot be changed by adding lines (nothing is written to it).
    """
    from .problems import CstoKgError
    from .records.migrations import MIGRATIONS, Target  # read here, not when the CLI starts

    if name not in MIGRATIONS:
        raise click.BadParameter(f"{name!r} is not a migration; choose from: {', '.join(sorted(MIGRATIONS))}",
                                 param_hint="MIGRATION")
    _what, apply = MIGRATIONS[name]
    try:
        parsed = [Target.parse(t) for t in targets]
    except ValueError as err:
        raise click.UsageError(str(err)) from err
    failed = 0
    changes = []
    for target in parsed:
        try:
            changes += apply(target, dry_run=dry_run)
        except CstoKgError as err:
            click.echo(f"error: {err.message}", err=True)
            failed += 1
    verb = "would add" if dry_run else "added"
    for change in changes:
        click.echo(f"{change.file}:{change.line}: {change.field}: {verb} '{change.text}'")
    files = len({c.file for c in changes})
    click.echo(f"{name}: {verb} {len(changes)} line(s) in {files} file(s)"
               + (f"; {failed} target(s) left as they were" if failed else ""), err=True)
    sys.exit(2 if failed else 0)


def _unknown_entities(data_dir: Path, wanted: list[tuple[str, str, tuple[str, ...]]]) -> list[str]:
    """What is wrong with each ``(option, slug, kinds)`` as a reference to an entity of the data folder,
    in the words (and with the near matches) of `validate`."""
    from .records import SLUG, EntityIndex, read_file, record_files, reference_problem

    if not wanted:
        return []
    index = EntityIndex(e for path, name in record_files(data_dir, ("entities",)) for e in read_file(path, name).entities)
    wrong = []
    for option, slug, kinds in wanted:
        if not SLUG.match(slug):
            problem = (f"{slug!r} is not a slug", "lowercase ASCII letters, digits and single hyphens, e.g. 'csto-ccim'")
        else:
            problem = reference_problem(index, slug, kinds)
        if problem is not None:
            wrong.append(f"{option}: {problem[0]}; expected {problem[1]}")
    return wrong


@main.command()
@click.argument("text_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", required=True, help="Slug of the source the text is (a source of the entity files).")
@click.option("--lang", type=click.Choice(["auto", "en", "ru"]), default="auto", show_default=True,
              help="The text's language (auto: by its script).")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write the draft here instead of standard output.")
@click.option("--stubs", type=click.Path(path_type=Path),
              help="Where the new entities go (default: beside --output, NAME.new-entities.yaml).")
@data_option
def draft(text_file: Path, source: str, lang: str, output: Path | None, stubs: Path | None, data_dir: Path) -> None:
    """Draft a meeting record from a report's TEXT_FILE: every value with the words it came from,
    uncertain matches as commented choices, what cannot be placed as TODO comments, new entities
    in a separate stubs file. Writes only the draft (and its stubs); never a record of data/."""
    from .draft import draft_text, missing_library

    missing = missing_library()  # the optional libraries of the draft extra
    if missing is not None:
        raise click.UsageError(f"csto-kg draft needs the draft extra ({missing} is missing); "
                               "install it with pip install -e '.[draft]'")
    wrong = _unknown_entities(data_dir, [("--source", source, ("source",))])
    if wrong:
        raise click.UsageError("\n".join(wrong))
    try:
        text = text_file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise click.UsageError(f"{text_file}: cannot be read as UTF-8 text ({error})") from error
    if stubs is None and output is not None:
        stubs = output.with_name(output.name.removesuffix(".yaml") + ".new-entities.yaml")
    result = draft_text(text, source, data_dir, lang, text_name=text_file.name,
                        stubs_name=str(stubs) if stubs else "printed on standard error")
    if output is None:
        click.echo(result.record, nl=False)
    else:
        output.write_text(result.record, encoding="utf-8")
        click.echo(str(output), err=True)
    if result.stubs:
        if stubs is None:
            click.echo(result.stubs, err=True, nl=False)
        else:
            stubs.write_text(result.stubs, encoding="utf-8")
            click.echo(f"{stubs}: {len(result.draft.stubs)} new entities to review", err=True)


@main.command()
@click.argument("query_text", metavar="QUERY", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True,
              help="json is SPARQL 1.1 Query Results JSON (JSON-LD for CONSTRUCT/DESCRIBE).")
@store_option
@settings.option("CSTO_KG_SPARQL_TIME_LIMIT_MS", "--time-limit-ms", "time_limit_ms")
def query(query_text: str | None, query_file, fmt: str, store_location: str, time_limit_ms: int) -> None:
    """Run a SPARQL query on the store; the default graph is the union of all named graphs.

    The query runs in a worker process, as the endpoint runs it, which is stopped at the time
    limit (--time-limit-ms; 0: none); a query stopped there exits with status 2. SERVICE may call
    only the endpoints in CSTO_KG_SERVICE_ALLOW."""
    from .problems import CstoKgError, QueryTimeout, StoreMissing
    from .query.sparql import plan, serialize
    from .query.workers import InlineRunner, WorkerPool
    from .store.opening import open_store

    if (query_text is None) == (query_file is None):
        raise click.UsageError("give a QUERY or -f FILE (one of them)")
    text = query_text if query_text is not None else query_file.read()
    allow = frozenset(s.strip() for s in settings.get("CSTO_KG_SERVICE_ALLOW").split(",") if s.strip())
    runner = None
    try:
        store = open_store(store_location, time_limit_ms=time_limit_ms)
        # the worker writes what reads back exactly; the format asked for is written here
        plan_ = plan(text, "text/tab-separated-values, application/n-triples", allow)
        if store.enforces_time_limit or not time_limit_ms:
            runner = InlineRunner(store)
        elif not store.exists():
            raise StoreMissing(store.location)
        else:
            runner = WorkerPool(store.location, 1, time_limit_ms)
        output = serialize(_query_result(plan_, runner.run(plan_)), fmt)
    except QueryTimeout:
        click.echo(f"error: the query took longer than the time limit of {time_limit_ms} ms and was stopped; "
                   "the limit is set by --time-limit-ms or CSTO_KG_SPARQL_TIME_LIMIT_MS (0: no limit)", err=True)
        sys.exit(2)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    finally:
        if runner is not None:
            runner.close()
    sys.stdout.buffer.write(output)
    if not output.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")


def _query_result(plan_, answer):
    """A worker's answer (TSV solutions or boolean, N-Triples) read back as the query's result."""
    import pyoxigraph as ox

    from .query.sparql import Result

    if plan_.form == "graph":
        return Result("graph", [quad.triple for quad in ox.parse(answer.body, format=ox.RdfFormat.N_TRIPLES)])
    found = ox.parse_query_results(answer.body, ox.QueryResultsFormat.TSV)
    return Result("ask" if isinstance(found, ox.QueryBoolean) else "select", found)


@main.command()
@click.option("--format", "fmt", type=click.Choice(names(DATASET_FORMATS)), default="trig", show_default=True,
              help="A dataset format that keeps the named graphs.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file instead of standard output.")
@store_option
def export(fmt: str, output: Path | None, store_location: str) -> None:
    """Write the whole store, every named graph, to a file or standard output."""
    from .problems import CstoKgError
    from .store.opening import open_store

    try:
        reader = open_store(store_location).reader()
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    # streamed by Oxigraph to the file or standard output, never held whole in memory
    if output:
        reader.dump(str(output), format=by_name(fmt).oxigraph)
    else:
        reader.dump(sys.stdout.buffer, format=by_name(fmt).oxigraph)
        sys.stdout.buffer.flush()


@main.command(name="import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(names(DATASET_FORMATS)),
              help=f"The file's format; by default from its extension ({DATASET_SUFFIXES}).")
@store_option
def import_(file: Path, fmt: str | None, store_location: str) -> None:
    """Load FILE, the output of `csto-kg export`, into the store: a read replica.

    The file is read and checked before the store is touched; the store then switches to it
    atomically, as after a build. `serve` serves an imported store as it is, without rebuilding.
    """
    from .problems import CstoKgError
    from .store.replica import import_export
    from .store.opening import open_store

    try:
        store = open_store(store_location)
        import_export(file, store, fmt)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    click.echo(f"imported {store.manifest()['quads']:,} quads from {file} into {store.location}", err=True)


@main.command()
@data_option
@settings.option("CSTO_KG_WIKIDATA_ENDPOINT", "--endpoint")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: one line per entity, with reasons and candidates; json: a list with one object per entity.")
@click.option("--write", is_flag=True,
              help="Add the QIDs of automatically accepted (linked) candidates to the YAML files; nothing else changes.")
@click.option("--enrich", is_flag=True,
              help="Write the linked items' labels and descriptions (ru, hy, be, ky, tg, kk, en) to the Wikidata "
                   "labels graph, replacing it; `build` loads it.")
@click.option("--refresh", is_flag=True, help="Ask the endpoint again instead of using cached answers.")
@settings.option("CSTO_KG_WIKIDATA_DIR", "--wikidata-dir", type=click.Path(path_type=Path))
@settings.option("CSTO_KG_WIKIDATA_CONTACT", "--contact")
def link(data_dir: Path, endpoint: str, fmt: str, write: bool, enrich: bool, refresh: bool,
         wikidata_dir: Path, contact: str) -> None:
    """Link the entities of the records to Wikidata.

    QIDs in the records are verified (the item exists, is not a redirect, has a fitting type and a
    matching label); for entities without one, ranked candidates are proposed, and the top one is
    accepted (status `linked`) only when no other comes close. Answers are cached, so a second run
    sends no request. Exit 0 when every QID verifies, 1 when one does not (mismatch or redirect),
    2 when the endpoint cannot be used or the records folder is missing.
    """
    from .check.build import check_data_dir
    from .problems import CstoKgError
    from .wikidata.link import labels_graph, link as run_link, write_accepted, write_labels_graph
    from .wikidata.client import WikidataClient

    client = WikidataClient(endpoint, cache_dir=wikidata_dir / "cache", contact=contact, refresh=refresh)
    try:
        check_data_dir(data_dir)
        with _Progress() as progress:
            report = run_link(data_dir, client, progress.counter("linking"))
        added = write_accepted(report, data_dir) if write else []
        quads = None
        if enrich:
            written = {a.qid for a in added}
            qids = [r.qid for r in report.results if r.qid and (r.status == "verified" or r.qid in written)]
            quads = write_labels_graph(labels_graph(report, endpoint, qids), wikidata_dir / "labels.nq")
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)

    if fmt == "json":
        click.echo(json.dumps([r.as_json() for r in report.results], indent=2, ensure_ascii=False))
    else:
        for r in report.results:
            line = f"{r.entity.file}:{r.entity.slug.mark.line}: {r.entity.slug}: {r.status}"
            if r.qid:
                line += f" {r.qid}"
            if r.status == "candidates":
                line += " (the curator decides)"
            click.echo(line)
            for reason in r.reasons:
                click.echo(f"    {reason}")
            if r.status != "verified":
                for c in r.candidates[:5]:
                    text = f"    {c.qid:<10} {c.score:.2f}  {c.label or '(no label)'}"
                    click.echo(text + (f" \u2014 {c.description}" if c.description else ""))
    counts = {}
    for r in report.results:
        counts[r.status] = counts.get(r.status, 0) + 1
    summary = ", ".join(f"{counts[s]} {s}" for s in ("verified", "mismatch", "redirect", "linked", "candidates", "none")
                        if s in counts)
    click.echo(f"{len(report.results)} entities: {summary or 'none to link'}; "
               f"{report.requests} request(s), {report.cache_hits} answer(s) from the cache", err=True)
    for a in added:
        click.echo(f"wrote {a.file}:{a.line}: wikidata: {a.qid} ({a.slug})", err=True)
    if quads is not None:
        click.echo(f"wrote {quads} quads to {wikidata_dir / 'labels.nq'}; run `csto-kg build` to load them", err=True)
    sys.exit(1 if counts.get("mismatch") or counts.get("redirect") else 0)


@main.command()
@settings.option("CSTO_KG_HOST", "--host")
@settings.option("CSTO_KG_PORT", "--port")
@click.option("--build/--no-build", "build_first", default=True, show_default=True,
              help="Build first when the store is missing or older than the records; --no-build serves the "
                   "store as it is (a replica, or a store built elsewhere).")
@data_option
@store_option
def serve(host: str, port: int, build_first: bool, data_dir: Path, store_location: str) -> None:
    """Serve the SPARQL endpoint and pages (granian, a production HTTP server), building first
    when the store is missing or older than the records."""
    from .check.build import build as run_build
    from .check.build import is_stale
    from .problems import CstoKgError, InvalidRecords
    from .store.opening import open_store

    store = open_store(store_location)
    try:
        if build_first and is_stale(data_dir, store, _wikidata_labels()):
            click.echo("the store is missing or older than the records; building…", err=True)
            with _Progress() as progress:
                result = run_build(data_dir, store, progress=progress, wikidata_labels=_wikidata_labels())
            click.echo(f"built {result.quads:,} quads from {result.records} records", err=True)
    except InvalidRecords as err:
        _print_problems(err.problems)
        if not store.exists():
            click.echo(f"error: {err.message}; there is no earlier store to serve", err=True)
            sys.exit(1)
        click.echo(f"warning: {err.message}; serving the previous store", err=True)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    del store

    from .web.serving import serve as serve_app

    click.echo(f"serving http://{host}:{port}/ (query workbench and pages; SPARQL endpoint at /sparql; "
               "Ctrl-C to stop)", err=True)
    serve_app(host, port, {"CSTO_KG_STORE": store_location, "CSTO_KG_DATA": str(data_dir)})


@main.command()
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="table: one titled table per finding; json: an object of lists, one per finding.")
@store_option
def report(fmt: str, store_location: str) -> None:
    """Report on data quality: counts by class, entities without a QID, facts resting on a
    single source, facts with inferred dates, ranks that go down over time, posts with
    overlapping holders. Run `csto-kg build` first; exit 2 when there is no store."""
    from .problems import CstoKgError
    from .query.report import as_table, build_report
    from .store.opening import open_store

    try:
        findings = build_report(open_store(store_location))
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(findings.as_json(), indent=2, ensure_ascii=False))
    else:
        click.echo(as_table(findings))


@main.command()
@click.argument("post")
@click.option("--on", "day", metavar="YYYY-MM-DD", help="Only those who held it on this day.")
@click.option("--acting", is_flag=True, help="Holders in an acting capacity instead of substantive ones.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@data_option
def holders(post: str, day: str | None, acting: bool, fmt: str, data_dir: Path) -> None:
    """Every holder of POST (a post's slug), or those who held it on a day: "certainly" when the
    bounds the evidence gives guarantee it, "possibly" when they only allow it; with the bounds,
    how each is known and the sources. Read from the records, as the build reasons them."""
    import re

    from .query.tenures import span_text
    from .records import read_records
    from .tenure import derive, holders as tenure_holders

    if day is not None and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", day):
        click.echo(f"error: --on {day!r} is not a day; expected YYYY-MM-DD, e.g. 2019-06-01", err=True)
        sys.exit(2)
    records = read_records(data_dir)
    if records.errors:
        _print_problems(records.errors)
        sys.exit(1)
    if not any(e.kind == "post" and e.slug == post for e in records.entities):
        click.echo(f"error: {post!r} is not a post of {data_dir}; expected a post's slug, e.g. csto-secretary-general",
                   err=True)
        sys.exit(2)
    tenures, _conflicts = derive(records)
    found = tenure_holders(tenures, post, day, acting)
    rows = [{"person": t.person, "on": how, "acting": t.acting,
             "earliest_start": t.earliest_start, "latest_start": t.latest_start,
             "earliest_end": t.earliest_end, "latest_end": t.latest_end,
             "start_basis": t.start_basis, "end_basis": t.end_basis,
             "sources": t.sources, "files": t.files} for t, how in found]
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    if not rows:
        click.echo(f"no {'acting ' if acting else ''}holder of {post}" + (f" on {day}" if day else ""))
    for row in rows:
        start = span_text(row["earliest_start"], row["latest_start"])
        end = span_text(row["earliest_end"], row["latest_end"], open_end=True)
        click.echo(f"{row['person']}{' (' + row['on'] + ')' if row['on'] else ''}: "
                   f"from {start} ({row['start_basis'] or 'unknown'}) until {end} ({row['end_basis'] or 'unknown'})")
        click.echo(f"  sources: {', '.join(row['sources']) or '-'}; records: {', '.join(row['files'])}")


@main.command()
@click.argument("person")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@store_option
def career(person: str, fmt: str, store_location: str) -> None:
    """PERSON's (a person's slug) career: the posts held, acting ones marked, with the bounds of each
    tenure and how they are known; the ranks stated; the meetings attended; in time order, with
    sources. Read from the built store (`csto-kg build` first); exit 2 when there is none."""
    from .problems import CstoKgError
    from .query.tenures import career as read_career, exists, span_text
    from .store.opening import open_store

    try:
        store = open_store(store_location)
        if not exists(store, "person", person):
            click.echo(f"error: {person!r} is not a person of the store; expected a person's slug, e.g. "
                       "valery-semerikov", err=True)
            sys.exit(2)
        found = read_career(store, person)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    if fmt == "json":
        click.echo(json.dumps(found, indent=2, ensure_ascii=False))
        return
    events = [(t["earliest_start"] or t["latest_start"] or "", "post",
               f"{'acting ' if t['acting'] else ''}{t['post']}: from {span_text(t['earliest_start'], t['latest_start'])}"
               f" ({t['start_basis'] or 'unknown'}) until {span_text(t['earliest_end'], t['latest_end'], open_end=True)}"
               f" ({t['end_basis'] or 'unknown'})", t["sources"]) for t in found["posts"]]
    events += [(r["date"] or "", "rank", f"{r['rank']} on {r['date'] or 'an unknown date'}", r["sources"])
               for r in found["ranks"]]
    events += [(m["date"] or "", "meeting", f"{m['meeting']}" + (f" as {', '.join(m['roles'])}" if m["roles"] else "")
                + (f" for {m['on_behalf_of']}" if m["on_behalf_of"] else ""), m["sources"]) for m in found["meetings"]]
    for when, what, text, sources in sorted(events, key=lambda e: (e[0], e[1], e[2])):
        click.echo(f"{when or '?':<12} {what:<8} {text}")
        click.echo(f"{'':<21} sources: {', '.join(sources) or '-'}")



if __name__ == "__main__":  # pragma: no cover
    main()
