"""The ``csto-kg`` command: a thin shell over the build pipeline, the store and the web app.

Exit codes: 0 success; 1 the records do not conform (nothing was changed); 2 bad usage
or unreadable input.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from . import __version__, settings

QUERY_FORMATS = ("table", "json", "xml", "csv", "tsv", "turtle", "ntriples", "jsonld")


def _env_default(name: str):
    return lambda: settings.get(name)


def _progress(enabled: bool):
    """Report steps on a terminal; stay quiet when stderr is piped."""
    if not (enabled and sys.stderr.isatty()):
        return lambda step: None
    return lambda step: click.echo(click.style(f"… {step}", dim=True), err=True)


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


data_option = click.option("--data", "data_dir", type=click.Path(path_type=Path), default=_env_default("CSTO_KG_DATA"),
                           show_default="$CSTO_KG_DATA or data", help="Records folder (entities/, meetings/).")
store_option = click.option("--store", "store_location", default=_env_default("CSTO_KG_STORE"),
                            show_default="$CSTO_KG_STORE or .csto-kg/store",
                            help="Embedded store folder, or the http(s) URL of a SPARQL 1.1 store.")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="csto-kg")
def main() -> None:
    """Build, check, query and serve the csto-kg knowledge graph of intergovernmental meetings."""


@main.command()
@data_option
@store_option
def build(data_dir: Path, store_location: str) -> None:
    """Build the graph from the records into the store.

    Every record is checked first; if any does not conform, the errors are printed,
    nothing is written and the previous store keeps serving (exit 1).
    """
    from .build import build as run_build
    from .problems import CstoKgError, InvalidRecords
    from .store import open_store

    try:
        result = run_build(data_dir, open_store(store_location), progress=_progress(True))
    except InvalidRecords as err:
        _print_problems(err.problems)
        click.echo(f"error: {err.message}", err=True)
        sys.exit(1)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    _print_problems(result.warnings)
    click.echo(f"built {result.quads:,} quads from {result.records} records into {result.store} "
               f"in {result.seconds:.2f} s", err=True)


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@data_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
              help="text: file:line:column: field: message; json: one object per problem.")
def validate(files: tuple[Path, ...], data_dir: Path, fmt: str) -> None:
    """Check record FILES against the shapes, with the data folder's entities as context.

    Exit 0 when they conform, 1 when they do not, 2 when a file cannot be read.
    """
    from .validate import validate_files

    report, unreadable = validate_files(list(files), data_dir)
    _print_problems(report.problems, fmt)
    if fmt == "text" and report.conforms:
        click.echo(f"{len(files)} file(s) conform", err=True)
    sys.exit(2 if unreadable else 0 if report.conforms else 1)


@main.command()
@click.argument("query_text", metavar="QUERY", required=False)
@click.option("-f", "--file", "query_file", type=click.File("r", encoding="utf-8"), help="Read the query from a file.")
@click.option("--format", "fmt", type=click.Choice(QUERY_FORMATS), default="table", show_default=True,
              help="json is SPARQL 1.1 Query Results JSON (JSON-LD for CONSTRUCT/DESCRIBE).")
@store_option
def query(query_text: str | None, query_file, fmt: str, store_location: str) -> None:
    """Run a SPARQL query on the store; the default graph is the union of all named graphs."""
    from .problems import CstoKgError
    from .sparql import run, serialize
    from .store import open_store

    if (query_text is None) == (query_file is None):
        raise click.UsageError("give a QUERY or -f FILE (one of them)")
    text = query_text if query_text is not None else query_file.read()
    try:
        output = serialize(run(open_store(store_location), text), fmt)
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    sys.stdout.buffer.write(output)
    if not output.endswith(b"\n"):
        sys.stdout.buffer.write(b"\n")


@main.command()
@click.option("--format", "fmt", type=click.Choice(["trig", "nquads", "jsonld"]), default="trig", show_default=True,
              help="A dataset format that keeps the named graphs.")
@click.option("-o", "--output", type=click.Path(path_type=Path), help="Write to this file instead of standard output.")
@store_option
def export(fmt: str, output: Path | None, store_location: str) -> None:
    """Write the whole store, every named graph, to a file or standard output."""
    import pyoxigraph as ox

    from .problems import CstoKgError
    from .store import open_store

    formats = {"trig": ox.RdfFormat.TRIG, "nquads": ox.RdfFormat.N_QUADS, "jsonld": ox.RdfFormat.JSON_LD}
    try:
        reader = open_store(store_location).reader()
    except CstoKgError as err:
        click.echo(f"error: {err.message}", err=True)
        sys.exit(2)
    data = reader.dump(format=formats[fmt])
    if output:
        output.write_bytes(data)
    else:
        sys.stdout.buffer.write(data)


@main.command()
@click.option("--host", default=_env_default("CSTO_KG_HOST"), show_default="$CSTO_KG_HOST or 127.0.0.1",
              help="Address to listen on.")
@click.option("--port", type=int, default=lambda: settings.get_int("CSTO_KG_PORT"), show_default="$CSTO_KG_PORT or 8000",
              help="Port to listen on.")
@data_option
@store_option
def serve(host: str, port: int, data_dir: Path, store_location: str) -> None:
    """Serve the SPARQL endpoint and pages (waitress), building first when the store is
    missing or older than the records."""
    from .build import build as run_build
    from .build import is_stale
    from .problems import CstoKgError, InvalidRecords
    from .store import open_store

    store = open_store(store_location)
    try:
        if is_stale(data_dir, store):
            click.echo("the store is missing or older than the records; building…", err=True)
            result = run_build(data_dir, store, progress=_progress(True))
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

    import waitress

    from .web import create_app

    app = create_app({"STORE": store_location, "DATA": str(data_dir)})
    click.echo(f"serving http://{host}:{port}/sparql (Ctrl-C to stop)", err=True)
    waitress.serve(app, host=host, port=port, threads=8, ident="csto-kg")


if __name__ == "__main__":  # pragma: no cover
    main()
