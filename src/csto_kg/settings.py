"""The settings table: one place for every setting's name, default and help.

The same table feeds the defaults, the CLI's options (:func:`option`: default, help and
environment variable), the web app's config (:func:`app_config`), the README's settings
section and a test that keeps them in agreement.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Mapping

WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


@dataclass(frozen=True)
class Setting:
    name: str  # environment variable
    default: str
    help: str
    value_type: type = str  # int: a whole number, never negative
    config: str = ""  # the web app's config key, when the app reads the setting


SETTINGS = (
    Setting("CSTO_KG_DATA", "data", "Records folder (entities/*.yaml, meetings/*.yaml).", config="DATA"),
    Setting("CSTO_KG_STORE", ".csto-kg/store",
            "Embedded store folder, or the http(s):// URL of a remote SPARQL 1.1 store.", config="STORE"),
    Setting("CSTO_KG_STORE_QUERY_URL", "",
            "Remote store: SPARQL query endpoint (default `{CSTO_KG_STORE}/query`; relative to the store URL)."),
    Setting("CSTO_KG_STORE_UPDATE_URL", "",
            "Remote store: SPARQL Update endpoint (default `{CSTO_KG_STORE}/update`; relative to the store URL)."),
    Setting("CSTO_KG_STORE_GSP_URL", "",
            "Remote store: Graph Store Protocol endpoint (default `{CSTO_KG_STORE}/store`; relative to the store URL)."),
    Setting("CSTO_KG_STORE_LOAD", "gsp",
            "Remote store: how `build` loads it: `gsp` (one PUT per named graph) or `update` (SPARQL Update batches)."),
    Setting("CSTO_KG_STORE_BATCH", "5000", "Remote store: quads per SPARQL Update request when loading with `update`.",
            int),
    Setting("CSTO_KG_STORE_RETRIES", "3",
            "Remote store: retries of a request after a transient error (connection, timeout, HTTP 408, 429, 502-504).",
            int),
    Setting("CSTO_KG_STORE_TIMEOUT_S", "60", "Remote store: seconds to wait for one load or update request.", int),
    Setting("CSTO_KG_STORE_TIMEOUT_PARAM", "",
            "Remote store: query parameter that passes the time limit in seconds to the store (e.g. `timeout` for Fuseki); "
            "the limit is enforced on our side regardless."),
    Setting("CSTO_KG_STORE_USER", "", "Remote store: HTTP user name (never logged)."),
    Setting("CSTO_KG_STORE_PASSWORD", "", "Remote store: HTTP password (never logged)."),
    Setting("CSTO_KG_STORE_AUTH", "basic",
            "Remote store: how user and password are sent: `basic` (with every request) or `digest` (HTTP Digest, "
            "answering the store's challenge; Virtuoso's `/sparql-auth`)."),
    Setting("CSTO_KG_STORE_TOKEN", "", "Remote store: bearer token, instead of user and password (never logged)."),
    Setting("CSTO_KG_HOST", "127.0.0.1", "Address `serve` listens on."),
    Setting("CSTO_KG_PORT", "8000", "Port `serve` listens on.", int),
    Setting("CSTO_KG_SPARQL_TIME_LIMIT_MS", "10000", "Per-query time limit in milliseconds; a query past it is stopped.",
            int, "SPARQL_TIME_LIMIT_MS"),
    Setting("CSTO_KG_SPARQL_MAX_ROWS", "10000", "Result row cap; a truncated result says so.", int, "SPARQL_MAX_ROWS"),
    Setting("CSTO_KG_SPARQL_WORKERS", "0",
            "Query worker processes of an embedded store (`0`: one per core, at least 2 and at most 8).",
            int, "SPARQL_WORKERS"),
    Setting("CSTO_KG_SPARQL_CACHE_MB", "64",
            "Megabytes of answers kept for a query asked again on the same build (`0`: none); never for a query "
            "with SERVICE, RAND, NOW, UUID, STRUUID or BNODE.", int, "SPARQL_CACHE_MB"),
    Setting("CSTO_KG_SERVICE_ALLOW", WIKIDATA_SPARQL,
            "Comma-separated SERVICE endpoints a query may call.", config="SERVICE_ALLOW"),
    Setting("CSTO_KG_WIKIDATA_ENDPOINT", WIKIDATA_SPARQL, "The Wikidata SPARQL endpoint `link` uses."),
    Setting("CSTO_KG_WIKIDATA_DIR", ".csto-kg/wikidata",
            "Folder of `link`'s answer cache (`cache/`) and of the Wikidata labels graph `build` loads (`labels.nq`)."),
    Setting("CSTO_KG_WIKIDATA_CONTACT", "https://w3id.org/csto-kg",
            "Contact (URL or e-mail) in the User-Agent `link` sends to Wikidata, as Wikimedia's policy asks."),
    Setting("CSTO_KG_BASE_IRI", "https://w3id.org/csto-kg/",
            "Public base IRI the pages stand for: `/id/...` on this server describes `{base}id/...`.",
            config="BASE_IRI"),
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


def value(name: str, environ: Mapping[str, str] | None = None) -> str | int:
    """A setting's value, as its type says: :func:`get_int` for whole numbers, else :func:`get`."""
    return get_int(name, environ) if BY_NAME[name].value_type is int else get(name, environ)


def app_config(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The web app's config from the settings it reads: ``{"STORE": ..., "SPARQL_MAX_ROWS": 10000, ...}``."""
    return {s.config: value(s.name, environ) for s in SETTINGS if s.config}


def option(name: str, *param_decls: str, **attrs: Any):
    """A click option for the setting ``name``: its help from the table, its value from the
    command line, else the environment variable (shown in ``--help``), else the table's default.

    ``settings.option("CSTO_KG_STORE", "--store", "store_location")``. A whole-number setting
    is a non-negative ``int``; other keyword arguments (``type=``, ...) go to ``click.option``.
    """
    import click

    setting = BY_NAME[name]
    if setting.value_type is int:
        attrs.setdefault("type", click.IntRange(min=0))
    return click.option(*param_decls, cls=_option_class(), envvar=name, show_envvar=True,
                        default=setting.default or None, show_default=bool(setting.default),
                        help=setting.help, **attrs)


@lru_cache(maxsize=1)
def _option_class():
    import click

    class SettingOption(click.Option):
        """An option whose environment variable counts only when it is not blank, as :func:`get` reads it."""

        def resolve_envvar_value(self, ctx: click.Context) -> str | None:
            found = os.environ.get(self.envvar, "") if isinstance(self.envvar, str) else ""
            return found if found.strip() else None

    return SettingOption


def markdown_table() -> str:
    """The settings as the README shows them."""
    rows = ["| variable | default | meaning |", "|---|---|---|"]
    rows += [f"| `{s.name}` | {f'`{s.default}`' if s.default else '(unset)'} | {s.help} |" for s in SETTINGS]
    return "\n".join(rows)
