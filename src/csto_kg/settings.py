"""The settings table: one place for every setting's name, default and help.

The same table feeds the defaults, the CLI's ``--help``, the README's settings
section and a test that keeps them in agreement.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Mapping

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


@dataclass(frozen=True)
class Setting:
    name: str  # environment variable
    default: str
    help: str


SETTINGS = (
    Setting("CSTO_KG_DATA", "data", "Records folder (entities/*.yaml, meetings/*.yaml)."),
    Setting("CSTO_KG_STORE", ".csto-kg/store",
            "Embedded store folder, or the http(s):// URL of a remote SPARQL 1.1 store."),
    Setting("CSTO_KG_HOST", "127.0.0.1", "Address `serve` listens on."),
    Setting("CSTO_KG_PORT", "8000", "Port `serve` listens on."),
    Setting("CSTO_KG_SPARQL_TIME_LIMIT_MS", "10000", "Per-query time limit in milliseconds; a query past it is stopped."),
    Setting("CSTO_KG_SPARQL_MAX_ROWS", "10000", "Result row cap; a truncated result says so."),
    Setting("CSTO_KG_SERVICE_ALLOW", WIKIDATA_SPARQL,
            "Comma-separated SERVICE endpoints a query may call."),
    Setting("CSTO_KG_WIKIDATA_ENDPOINT", WIKIDATA_SPARQL, "The Wikidata SPARQL endpoint `link` uses."),
)
BY_NAME = {s.name: s for s in SETTINGS}


def get(name: str, environ: Mapping[str, str] | None = None) -> str:
    """A setting's value: the environment variable if set and not empty, else the default."""
    environ = os.environ if environ is None else environ
    value = environ.get(name, "")
    return value if value.strip() else BY_NAME[name].default


def get_int(name: str, environ: Mapping[str, str] | None = None) -> int:
    value = get(name, environ)
    try:
        number = int(value)
    except ValueError:
        raise ValueError(f"{name}={value!r} is not a whole number; {BY_NAME[name].help}") from None
    if number < 0:
        raise ValueError(f"{name}={value!r} must not be negative")
    return number


def markdown_table() -> str:
    """The settings as the README shows them."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.name}` | `{s.default}` | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)
