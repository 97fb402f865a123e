"""A remote SPARQL 1.1 store (Oxigraph server, Fuseki, GraphDB, ...) behind the same interface
as :class:`~csto_kg.store.embedded.EmbeddedStore`.

Selected when ``CSTO_KG_STORE`` is an ``http(s)://`` URL. Only standard protocols are used:
the SPARQL 1.1 Protocol for queries and updates and the Graph Store HTTP Protocol for loads.

How a build reaches the store (:meth:`RemoteStore.replace`), after every record has conformed:

1. every named graph of the build is loaded into a *staging* graph
   ``urn:csto-kg:staging:{build-id}:{graph IRI}``, one ``PUT`` per graph (or SPARQL Update
   ``INSERT DATA`` batches), each request retried on transient errors;
2. one SPARQL Update request then ``MOVE``\\ s every staging graph onto its real name, drops the
   csto-kg graphs (``https://w3id.org/csto-kg/graph/...``) the build no longer has (deleted
   records) and rewrites the manifest graph ``urn:csto-kg:manifest``.

Readers only ever query the graphs the manifest lists (sent as ``default-graph-uri`` and
``named-graph-uri``), so staging graphs are never visible. On a store that runs an update
request as one transaction (Oxigraph, Fuseki/TDB2, GraphDB, RDF4J) step 2 is atomic: readers
see the old build or the new one. A failed or interrupted build leaves at most staging graphs
behind; the next build drops them and converges to exactly the records' graphs.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Callable, Iterable, Mapping

import pyoxigraph as ox

from .. import settings
from ..problems import CstoKgError, StoreMissing, StoreRejected, StoreTimeout, StoreUnavailable, UsageError
from ..retry import TRANSIENT_STATUSES, GaveUp, Retryable, RetryPolicy
from ..graph.formats import RDF_FORMATS, RESULT_FORMATS, by_media_type
from ..graph.sparql_terms import iri as sparql_iri
from ..graph.vocab import GRAPH

STAGING = "urn:csto-kg:staging:"
MANIFEST_GRAPH = "urn:csto-kg:manifest"
MANIFEST_PREDICATE = "urn:csto-kg:manifest#json"
NO_GRAPH = "urn:csto-kg:no-graph"  # never written: the named graph of a dataset that has none
SELECT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
                "text/tab-separated-values")
# an answer to CONSTRUCT or DESCRIBE: any media type of an RDF format but those results share (application/json)
GRAPH_TYPES = {media_type: fmt.oxigraph for fmt in RDF_FORMATS for media_type in fmt.media_types
               if by_media_type(media_type, RESULT_FORMATS) is None}
# Virtuoso answers a query with one header per graph of its dataset (X-SPARQL-default-graph,
# X-SPARQL-named-graph), and the dataset of every query is the served build's graphs, one per record:
# http.client's limit of 100 headers a response would refuse every answer past 50 records. The store
# is the operator's own server; a response with more headers than this is still refused.
MAX_RESPONSE_HEADERS = 1_000_000
http.client._MAXHEADERS = max(getattr(http.client, "_MAXHEADERS", 100), MAX_RESPONSE_HEADERS)

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9, text/turtle;q=0.8"
# what to ask for once the query's form is known: a store that is sent both kinds of media type
# may answer CONSTRUCT with a table of ?s ?p ?o (Virtuoso does); N-Triples is the RDF format every
# store writes the same way
ACCEPT_OF = {"select": "application/sparql-results+json, application/sparql-results+xml;q=0.9",
             "ask": "application/sparql-results+json, application/sparql-results+xml;q=0.9",
             "graph": "application/n-triples, text/turtle;q=0.8"}
# the prologue (BASE, PREFIX, comments) before a query's form keyword
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*|BASE\s*<[^>]*>|PREFIX\s*[^\s:]*:\s*<[^>]*>)*", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
_BLANK_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


class _Secret:
    """A credential that shows as ``<secret>`` in reprs, tracebacks and ``vars()``."""

    __slots__ = ("_value",)

    def __init__(self, value: str):
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<secret>"

    __str__ = __repr__


def _iri(term) -> str:
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def query_form(query: str) -> str | None:
    """``select``, ``ask`` or ``graph`` (CONSTRUCT, DESCRIBE), read from the keyword after the
    prologue; None when that is not a query form (the store reports the error)."""
    found = _FORM.match(query, _PROLOGUE.match(query).end())
    if found is None:
        return None
    keyword = found.group(1).lower()
    return keyword if keyword in ("select", "ask") else "graph"


XSD_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_BOOLEAN_FORM = {"1": "true", "0": "false"}


def _json_results(data: bytes):
    """SPARQL JSON results as pyoxigraph reads them, with what some stores write differently put
    right: blank node labels that are not valid N-Triples labels (Virtuoso's ``nodeID://b10002``)
    get one new label per old one, and booleans stored as ``1``/``0`` (Virtuoso keeps
    ``"true"^^xsd:boolean`` as ``"1"``) are written in their canonical form again."""
    if b'"bnode"' in data or XSD_BOOLEAN.encode("ascii") in data:  # only then can a term need it
        document = json.loads(data)
        changed = False
        for row in (document.get("results") or {}).get("bindings", []):
            for term in row.values():
                value = term.get("value", "")
                if term.get("type") == "bnode" and not _BLANK_ID.fullmatch(value):
                    term["value"] = "b" + value.encode("utf-8").hex()
                    changed = True
                elif term.get("datatype") == XSD_BOOLEAN and value in _BOOLEAN_FORM:
                    term["value"] = _BOOLEAN_FORM[value]
                    changed = True
        if changed:
            data = json.dumps(document).encode("utf-8")
    return ox.parse_query_results(data, format=ox.QueryResultsFormat.JSON)


def _triples(data: bytes, fmt) -> list[ox.Triple]:
    """The triples of a CONSTRUCT or DESCRIBE answer, booleans in their canonical form (see :func:`_json_results`)."""
    triples = [quad.triple for quad in ox.parse(data, format=fmt)]
    if XSD_BOOLEAN.encode("ascii") not in data:
        return triples
    return [ox.Triple(t.subject, t.predicate, ox.Literal(_BOOLEAN_FORM[t.object.value], datatype=t.object.datatype))
            if isinstance(t.object, ox.Literal) and t.object.datatype.value == XSD_BOOLEAN
            and t.object.value in _BOOLEAN_FORM else t for t in triples]


def _as_boolean(answer):
    """An ASK answer given as a table (Virtuoso 7.2 answers ASK with one column ``__ASK_RETVAL``,
    one row ``1`` when true and none when false) as the boolean it stands for."""
    if not isinstance(answer, ox.QuerySolutions):
        return answer
    true = any(value is not None and value.value not in ("0", "false")
               for solution in answer for value in solution)
    return ox.parse_query_results(json.dumps({"head": {}, "boolean": true}).encode("ascii"),
                                  format=ox.QueryResultsFormat.JSON)


def _swap(staging: str, graphs: list[str], removed: list[str]) -> list[str]:
    """The operations that put the staged ``graphs`` in place of the served ones, drop ``removed`` and
    the manifest: one request, so that readers see the old build or the new one, whole.

    Each is one operation over every graph (a ``VALUES`` table), not a ``MOVE`` per graph: the same
    effect as ``MOVE`` (the target emptied, the staged triples copied, blank nodes included, the
    staging graph emptied), in a request whose size does not grow with the operations' count;
    Virtuoso refuses a request of a thousand ``MOVE``s ("SQ156 ... Query too large").
    """
    pairs = " ".join(f"(<{staging + name}> <{name}>)" for name in graphs)
    replaced = " ".join(f"<{g}>" for g in [*graphs, *removed, MANIFEST_GRAPH])
    staged = " ".join(f"<{staging + name}>" for name in graphs)
    return [f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {replaced} }} GRAPH ?g {{ ?s ?p ?o }} }}",
            f"INSERT {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES (?staged ?g) {{ {pairs} }} GRAPH ?staged {{ ?s ?p ?o }} }}",
            f"DELETE {{ GRAPH ?g {{ ?s ?p ?o }} }} WHERE {{ VALUES ?g {{ {staged} }} GRAPH ?g {{ ?s ?p ?o }} }}"]


class _AnsweringDigest(urllib.request.HTTPDigestAuthHandler):
    """HTTP digest authentication that answers the store's last challenge up front.

    urllib sends each request without credentials and again when the store challenges it (401). A
    store that refuses a large body without reading it (Virtuoso resets the connection while a
    graph of a few megabytes is still being sent) never sees the second attempt, so a request with
    a large body is preceded, once, by a HEAD request that draws the challenge; from then on every
    request carries the answer to it (a new nonce count each time), and a stale nonce is answered
    again as urllib does.
    """

    PRIME_FROM = 64 * 1024  # bytes of body from which a request is not sent without credentials

    def __init__(self, passwords) -> None:
        super().__init__(passwords)
        self._challenge: dict[str, str] | None = None
        self._lock = threading.Lock()
        self._opener: urllib.request.OpenerDirector | None = None

    def retry_http_digest_auth(self, req, auth):
        _scheme, challenge = auth.split(" ", 1)
        with self._lock:
            self._challenge = urllib.request.parse_keqv_list(filter(None, urllib.request.parse_http_list(challenge)))
        return super().retry_http_digest_auth(req, auth)

    def open(self, request: urllib.request.Request, timeout: float):
        """Send ``request`` through an opener that uses this handler, drawing the store's challenge
        first when ``request`` has a large body and no challenge is known yet."""
        if self._opener is None:
            self._opener = urllib.request.build_opener(self)
        if self._challenge is None and request.data is not None and len(request.data) >= self.PRIME_FROM:
            probe = urllib.request.Request(request.full_url, method="HEAD")  # no body either way
            try:
                self._opener.open(probe, timeout=timeout).close()
            except urllib.error.HTTPError as err:  # what the store says to the HEAD itself does not matter
                err.close()
        return self._opener.open(request, timeout=timeout)

    def http_request(self, req):
        with self._lock:
            if self._challenge is not None and not req.has_header(self.auth_header):
                answer = self.get_authorization(req, self._challenge)
                if answer:
                    req.add_unredirected_header(self.auth_header, f"Digest {answer}")
        return req

    https_request = http_request


# Virtuoso's answers (HTTP 500) for a transaction it gave up: a lock waited on for too long, or a
# query past its own MaxQueryExecutionTime (SR171), and a deadlock (SR172). Neither says the request
# was wrong: a build's request is sent again; a client's query has met the store's time limit.
_TRANSACTION_FAILURES = ("SR171", "SR172")


def _transaction_failure(detail: str) -> str | None:
    """The Virtuoso error code in an answer's text when it reports a transaction given up, else None."""
    head = detail[:300]
    return next((code for code in _TRANSACTION_FAILURES if f"Error {code}:" in head), None)


class RemoteStore:
    """A SPARQL 1.1 store reached over HTTP (a :class:`~csto_kg.store.Store`); see the module
    documentation for what is atomic."""

    manifest_ttl = 1.0  # seconds a query may reuse the list of live graphs
    backoff = 0.25  # seconds before the first retry; doubled for each further one
    jitter = 0.5  # up to half of each backoff is taken off at random: query workers do not retry in step
    max_wait = 60.0  # a Retry-After asking for longer ends the request
    enforces_time_limit = True  # a query past the limit is abandoned (and the limit sent, if the store takes it)
    incremental = False  # every build replaces the whole dataset; no per-record digests are kept

    def __init__(self, url: str, environ: Mapping[str, str] | None = None, *, time_limit_ms: int | None = None):
        """``environ`` holds the settings (default: the environment); ``time_limit_ms`` overrides
        ``CSTO_KG_SPARQL_TIME_LIMIT_MS``."""
        env = os.environ if environ is None else environ
        parts = urllib.parse.urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise UsageError(f"{url!r} is not an http(s) URL of a SPARQL store")
        if parts.username or parts.password:
            raise UsageError("the store URL must not carry credentials; set CSTO_KG_STORE_USER and "
                             "CSTO_KG_STORE_PASSWORD (or CSTO_KG_STORE_TOKEN) instead")
        self.url = url.rstrip("/")
        base = self.url + "/"

        def endpoint(name: str, default: str) -> str:
            return urllib.parse.urljoin(base, settings.get(name, env) if settings.get(name, env) else default)

        self.query_url = endpoint("CSTO_KG_STORE_QUERY_URL", "query")
        self.update_url = endpoint("CSTO_KG_STORE_UPDATE_URL", "update")
        self.gsp_url = endpoint("CSTO_KG_STORE_GSP_URL", "store")
        self.load_method = settings.get("CSTO_KG_STORE_LOAD", env)
        if self.load_method not in ("gsp", "update"):
            raise UsageError(f"CSTO_KG_STORE_LOAD={self.load_method!r}; expected gsp or update")
        self.batch = max(1, settings.get_int("CSTO_KG_STORE_BATCH", env))
        self.retries = settings.get_int("CSTO_KG_STORE_RETRIES", env)
        self.write_timeout = float(settings.get_int("CSTO_KG_STORE_TIMEOUT_S", env) or 60)
        self.time_limit_ms = settings.get_int("CSTO_KG_SPARQL_TIME_LIMIT_MS", env) if time_limit_ms is None \
            else time_limit_ms
        self.timeout_param = settings.get("CSTO_KG_STORE_TIMEOUT_PARAM", env)
        token = settings.get("CSTO_KG_STORE_TOKEN", env)
        user, password = settings.get("CSTO_KG_STORE_USER", env), settings.get("CSTO_KG_STORE_PASSWORD", env)
        scheme = settings.get("CSTO_KG_STORE_AUTH", env)
        if scheme not in ("basic", "digest"):
            raise UsageError(f"CSTO_KG_STORE_AUTH={scheme!r}; expected basic or digest")
        self.__auth: _Secret | None = None
        self.__open = urllib.request.urlopen
        if token:
            self.__auth = _Secret(f"Bearer {token}")
        elif (user or password) and scheme == "digest":
            # the password only ever answers the store's challenge (see _AnsweringDigest)
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            for url_ in {self.url, self.query_url, self.update_url, self.gsp_url}:
                passwords.add_password(None, url_, user, password)
            self.__open = _AnsweringDigest(passwords).open
        elif user or password:
            self.__auth = _Secret("Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii"))
        self._live: tuple[float, list[str]] | None = None
        self._build: str | None = None  # the id of the build _live lists

    def __repr__(self) -> str:
        return f"RemoteStore({self.url!r})"  # never the credentials

    @property
    def path(self) -> str:
        """Where the store is, for messages (the URL; it never carries credentials)."""
        return self.url

    location = path

    # -- HTTP

    def _request(self, method: str, url: str, *, body: bytes | None = None, content_type: str | None = None,
                 accept: str | None = None, timeout: float, deadline: float | None = None,
                 retry: bool = True) -> tuple[int, str, bytes]:
        """Send one request, retrying transient failures as :meth:`retry_policy` says; returns
        (status, content type, body)."""
        try:
            return self.retry_policy(retry).run(
                lambda: self._send(method, url, body, content_type, accept, timeout, deadline), deadline=deadline)
        except GaveUp as stop:
            reason = stop.reason if stop.wait is None else f"{stop.reason}, asking to wait {stop.wait:.0f} s"
            where = urllib.parse.urlsplit(url)._replace(query="").geturl()
            raise StoreUnavailable(f"the store at {where} did not answer {method} after {stop.attempts} attempt(s): "
                                   f"{reason}; check that it is running and that CSTO_KG_STORE and its endpoint "
                                   "settings point at it") from None

    def retry_policy(self, retry: bool = True) -> RetryPolicy:
        """The store's retry policy (:mod:`csto_kg.retry`); no retries for a request not safe to resend."""
        return RetryPolicy(retries=self.retries if retry else 0, backoff=self.backoff, jitter=self.jitter,
                           max_wait=self.max_wait, statuses=TRANSIENT_STATUSES)

    def _send(self, method, url, body, content_type, accept, timeout, deadline) -> tuple[int, str, bytes]:
        request = urllib.request.Request(url, data=body, method=method)
        if content_type:
            request.add_header("Content-Type", content_type)
        if accept:
            request.add_header("Accept", accept)
        if self.__auth:
            request.add_unredirected_header("Authorization", self.__auth.reveal())
        try:
            with self.__open(request, timeout=timeout) as response:
                chunks = []
                while chunk := response.read(1 << 16):
                    chunks.append(chunk)
                    if deadline is not None and time.monotonic() > deadline:
                        raise StoreTimeout(self._time_limit_message())
                if response.headers.get("X-SQL-State") == "S1TAT":
                    # Virtuoso's "anytime query": what it found before its own time limit, as if complete
                    raise StoreTimeout(self._time_limit_message())
                return response.status, response.headers.get_content_type(), b"".join(chunks)
        except urllib.error.HTTPError as err:
            detail = err.read().decode("utf-8", "replace").strip()[:2000]
            transient = self.retry_policy().from_http_error(err)
            if transient is not None:
                raise transient from None
            if err.code == 500 and (code := _transaction_failure(detail)):
                if deadline is not None:  # a client's query: the store stopped it at its own limit
                    raise StoreTimeout(self._time_limit_message()) from None
                raise Retryable(f"the store gave up a transaction ({code}: {detail.splitlines()[0][:200]})") from None
            return err.code, err.headers.get_content_type() if err.headers else "", detail.encode()
        except (TimeoutError, socket.timeout):
            if deadline is not None:
                raise StoreTimeout(self._time_limit_message()) from None
            raise Retryable(f"no answer within {timeout:g} s") from None
        except urllib.error.URLError as err:
            if isinstance(err.reason, (TimeoutError, socket.timeout)) and deadline is not None:
                raise StoreTimeout(self._time_limit_message()) from None
            raise RetryPolicy.from_network_error(err) from None
        except (ConnectionError, http.client.HTTPException, OSError) as err:
            raise RetryPolicy.from_network_error(err) from None

    def _time_limit_message(self) -> str:
        return (f"the query took longer than {self.time_limit_ms} ms and was stopped; the time limit is "
                "controlled by the CSTO_KG_SPARQL_TIME_LIMIT_MS setting")

    def _update(self, update: str, *, retry: bool = True) -> None:
        status, _, detail = self._request("POST", self.update_url, body=update.encode("utf-8"),
                                          content_type="application/sparql-update", timeout=self.write_timeout,
                                          retry=retry)
        if status >= 300:
            text = detail.decode("utf-8", "replace")
            raise StoreRejected(f"the store at {self.update_url} refused an update (HTTP {status}): "
                                f"{text[:1000] if _TOO_LARGE in text else text}{_hint(status, text)}")

    def _put_graph(self, graph: str, ntriples: bytes) -> None:
        url = f"{self.gsp_url}?{urllib.parse.urlencode({'graph': graph})}"
        status, _, detail = self._request("PUT", url, body=ntriples, content_type="application/n-triples",
                                          timeout=self.write_timeout)
        if status >= 300:
            raise StoreRejected(f"the store at {self.gsp_url} refused PUT of graph <{graph}> (HTTP {status}): "
                                f"{detail.decode('utf-8', 'replace')}{_hint(status)}")

    def _select(self, query: str, params: Iterable[tuple[str, str]] = (), timeout: float | None = None):
        answer = self._query(query, list(params), timeout or self.write_timeout, deadline=None)
        if not isinstance(answer, ox.QuerySolutions):
            raise StoreRejected(f"the store at {self.query_url} did not answer a SELECT query with solutions")
        return answer

    def _query(self, query: str, params: list[tuple[str, str]], timeout: float, deadline: float | None):
        form = query_form(query)
        answer = self._answer(query, params, timeout, deadline, ACCEPT_OF.get(form, ACCEPT))
        return _as_boolean(answer) if form == "ask" else answer

    def _answer(self, query: str, params: list[tuple[str, str]], timeout: float, deadline: float | None,
                accept: str):
        body = urllib.parse.urlencode([("query", query), *params]).encode("ascii")
        status, ctype, data = self._request("POST", self.query_url, body=body,
                                            content_type="application/x-www-form-urlencoded", accept=accept,
                                            timeout=timeout, deadline=deadline)
        if status == 400:
            raise SyntaxError(data.decode("utf-8", "replace"))
        if status >= 300:
            raise StoreRejected(f"the store at {self.query_url} failed the query (HTTP {status}): "
                                f"{data.decode('utf-8', 'replace')}")
        if ctype == "application/sparql-results+json":
            return _json_results(data)
        if ctype == "application/sparql-results+xml":
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.XML)
        if ctype == "text/tab-separated-values":
            return ox.parse_query_results(data, format=ox.QueryResultsFormat.TSV)
        if ctype in GRAPH_TYPES:
            return _triples(data, GRAPH_TYPES[ctype])
        raise StoreRejected(f"the store at {self.query_url} answered in {ctype or 'no content type'}, "
                            "which is not a SPARQL results or RDF format")

    # -- reading

    def manifest(self) -> dict | None:
        """The manifest of the build being served, or None when the store holds no build."""
        answer = self._select(f"SELECT ?json WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ ?s <{MANIFEST_PREDICATE}> ?json }} }}",
                              [("named-graph-uri", MANIFEST_GRAPH)])
        values = [solution["json"].value for solution in answer]
        if len(values) != 1:
            return None
        try:
            manifest = json.loads(values[0])
        except ValueError:
            return None
        self._live = (time.monotonic() + self.manifest_ttl, list(manifest.get("graphs", [])))
        self._build = manifest.get("id")
        return manifest

    def exists(self) -> bool:
        return self.manifest() is not None

    def build_id(self) -> str | None:
        """The id of the build being served (known for :attr:`manifest_ttl` seconds, as its graphs are)."""
        try:
            self.live_graphs()
        except StoreMissing:
            return None
        return self._build

    def records(self) -> None:
        """A remote store keeps no per-record digests: every build loads everything."""
        return None

    def evidence(self) -> None:
        """A remote store keeps no tenure evidence of its records: every build reasons from them all."""
        return None

    def statements(self) -> None:
        """A remote store keeps no parts of its records: every build makes them all."""
        return None

    def live_graphs(self) -> list[str]:
        """The named graphs of the build being served (cached for :attr:`manifest_ttl` seconds)."""
        if self._live is None or time.monotonic() > self._live[0]:
            if self.manifest() is None:
                self._live = None
                raise StoreMissing(self.url)
        assert self._live is not None
        return self._live[1]

    def query(self, query: str, *, use_default_graph_as_union: bool = True, default_graph=None,
              named_graphs=None, base_iri: str | None = None):
        """Run a query as ``pyoxigraph.Store.query`` would, within the time limit.

        The dataset is the served build's graphs (default graph: their union), unless
        ``default_graph``/``named_graphs`` say otherwise. SELECT and ASK answers are
        ``pyoxigraph.QuerySolutions``/``QueryBoolean``; CONSTRUCT and DESCRIBE a list of triples.
        """
        live = self.live_graphs()
        if default_graph is None and named_graphs is None and not use_default_graph_as_union:
            params = []  # the query's own FROM / FROM NAMED decide
        else:
            if default_graph is not None:
                graphs = default_graph if isinstance(default_graph, list) else [default_graph]
                defaults = [_iri(g) for g in graphs if not isinstance(g, ox.DefaultGraph)]
            else:
                defaults = live
            named = live if named_graphs is None else [_iri(g) for g in named_graphs]
            if not named:  # no named graphs: a graph no build has (Virtuoso reads none as "every graph")
                named = [NO_GRAPH]
            params = [("default-graph-uri", g) for g in defaults] + [("named-graph-uri", g) for g in named]
        seconds = self.time_limit_ms / 1000 if self.time_limit_ms else self.write_timeout
        if self.timeout_param and self.time_limit_ms:
            params.append((self.timeout_param, f"{seconds:g}"))
        if base_iri:
            query = f"BASE {sparql_iri(base_iri)}\n{query}"
        return self._query(query, params, timeout=seconds, deadline=time.monotonic() + seconds)

    def reader(self) -> ox.Store:
        """An in-memory copy of the served build (for ``export``)."""
        copy = ox.Store()
        live = self.live_graphs()
        solutions = self._select("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                                 [("named-graph-uri", g) for g in live])
        quads = [ox.Quad(s["s"], s["p"], s["o"], s["g"]) for s in solutions]
        expected = (self.manifest() or {}).get("quads")
        if isinstance(expected, int) and len(quads) < expected:
            raise StoreRejected(f"the store at {self.query_url} answered with {len(quads)} of the build's {expected} "
                                "quads: it caps the rows of an answer (Virtuoso: ResultSetMaxRows in the [SPARQL] "
                                f"section of virtuoso.ini); raise that cap above {expected}")
        copy.extend(quads)
        return copy

    def _all_graphs(self) -> list[str]:
        """Every named graph in the store, whoever wrote it."""
        # not GRAPH ?g { }: Virtuoso matches no graph with an empty pattern
        # GROUP BY, not DISTINCT: after replaying its log, Virtuoso 7.2 can loop for good on
        # `SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }` (its shortcut for a store's graphs)
        return [s["g"].value for s in self._select("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
                if isinstance(s["g"], ox.NamedNode)]

    # -- writing

    def replace(self, nquads: bytes | str | list[Path], manifest: dict, beside: Callable[[Path], None] | None = None) -> str:
        """Make the store serve exactly ``nquads`` (N-Quads data, or files of it read as one text);
        see the module documentation for what is atomic. ``manifest["records"]``, per-record
        digests that only incremental builds use, is not kept; nor is anything written ``beside``
        (a remote store has no build folders: its pages and reconciliation read the store)."""
        if isinstance(nquads, list):
            nquads = b"".join(path.read_bytes() for path in nquads)
        manifest = {k: v for k, v in manifest.items() if k != "records"}
        graphs: dict[str, list[ox.Triple]] = defaultdict(list)
        for quad in ox.parse(nquads.encode("utf-8") if isinstance(nquads, str) else nquads,
                             format=ox.RdfFormat.N_QUADS):
            if not isinstance(quad.graph_name, ox.NamedNode):
                raise ValueError(f"every quad of a build must be in a named graph, not {quad}")
            graphs[quad.graph_name.value].append(quad.triple)
        build_id = time.strftime("%Y%m%dT%H%M%S", time.gmtime()) + f"-{os.getpid()}-{time.monotonic_ns() % 10**6:06d}"
        staging = f"{STAGING}{build_id}:"

        existing = self._all_graphs()
        stale = [g for g in existing if g.startswith(STAGING)]  # left by a failed or interrupted build
        for start in range(0, len(stale), 100):
            self._update(" ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in stale[start:start + 100]))

        # one graph per PUT (or per INSERT DATA) keeps blank nodes apart per graph, as rdfize makes them
        if self.load_method == "gsp":
            for name, triples in graphs.items():
                self._put_graph(staging + name, ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
        else:
            self._insert_batches({staging + name: triples for name, triples in graphs.items()})

        previous = (self._previous_manifest() or {}).get("graphs", [])
        removed = sorted({g for g in [*existing, *previous] if g.startswith(GRAPH)} - graphs.keys())
        count = sum(len(t) for t in graphs.values())
        manifest = {**manifest, "id": build_id, "quads": count, "graphs": sorted(graphs)}
        literal = json.dumps(json.dumps(manifest, sort_keys=True), ensure_ascii=False)  # also a SPARQL string
        swap = _swap(staging, sorted(graphs), removed)
        swap.append(f"INSERT DATA {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> <{MANIFEST_PREDICATE}> {literal} }} }}")
        try:
            self._update(" ;\n".join(swap), retry=False)  # not idempotent: never resent blindly
        except (StoreUnavailable, StoreRejected):
            if (self._previous_manifest() or {}).get("id") != build_id:  # the swap did not happen
                raise
        self._live = None
        return self.url

    def update(self, remove_graphs: list[str], nquads: list[Path], manifest: dict,
               beside: Callable[[Path], None] | None = None) -> str:
        """Not offered (:attr:`incremental` is False): a build replaces a remote store whole."""
        raise NotImplementedError("a remote store is replaced whole; see RemoteStore.incremental")

    def _previous_manifest(self) -> dict | None:
        try:
            return self.manifest()
        except StoreUnavailable:
            raise
        except CstoKgError:
            return None

    def _insert_batches(self, graphs: dict[str, list[ox.Triple]]) -> None:
        parts: list[str] = []
        size = 0
        for name, triples in graphs.items():
            # a blank node is only itself within one operation: a graph that has any is sent whole, as
            # INSERT { ... } WHERE {} (whose template makes one new blank node per label, which is what
            # the graph means), since some stores (Virtuoso) refuse blank nodes in INSERT DATA
            blank = any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples)
            step = len(triples) if blank else self.batch
            for start in range(0, len(triples), step):
                chunk = triples[start:start + step]
                body = ox.serialize(chunk, format=ox.RdfFormat.N_TRIPLES).decode("utf-8")
                if blank:  # dropped first, so that a resent request does not add its blank nodes twice
                    parts.append(f"DROP SILENT GRAPH <{name}> ;\nINSERT {{ GRAPH <{name}> {{\n{body}}} }} WHERE {{}}")
                else:
                    parts.append(f"INSERT DATA {{ GRAPH <{name}> {{\n{body}}} }}")
                size += len(chunk)
                if size >= self.batch:
                    self._update(" ;\n".join(parts))  # idempotent, as written: safe to resend
                    parts, size = [], 0
        if parts:
            self._update(" ;\n".join(parts))


# Virtuoso's refusal of a transaction whose log grew past TransactionAfterImageLimit
_TOO_LARGE = "SR325"


def _hint(status: int, text: str = "") -> str:
    """What to do about a refusal, when the status or the store's message says."""
    if status in (401, 403):
        return ("; check CSTO_KG_STORE_USER and CSTO_KG_STORE_PASSWORD (a default Virtuoso takes writes on "
                "/sparql-auth and /sparql-graph-crud-auth with CSTO_KG_STORE_AUTH=digest)")
    if _TOO_LARGE in text:
        return ("; the swap of a build's graphs is one transaction, so that readers never see half a build: "
                "raise TransactionAfterImageLimit in the [Parameters] section of virtuoso.ini above twice the "
                "size of the build's quads (about 300 bytes each), restart Virtuoso and build again")
    return ""
