"""A careful client for the Wikidata SPARQL endpoint, through SPARQLWrapper.

What the Wikimedia policies ask of a client, and what this one does:

* a descriptive User-Agent, ``tool/version (contact) library/version``;
* one request at a time (a lock around every request; the linker never runs queries
  in parallel);
* a 429 answer's ``Retry-After`` is honoured (seconds or an HTTP date), and so is a 503's;
* 5xx answers and dropped connections are retried with exponential backoff (the policy of
  :mod:`csto_kg.retry`, without jitter: one request at a time has no one to fall in step with);
* a 200 answer that is empty, cut short or not SPARQL JSON is an error (and retried),
  never an empty result;
* answers are cached on disk by endpoint and query, so a second run sends no request.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import tempfile
import threading
import time
import urllib.error
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import SPARQLWrapper as sw
from SPARQLWrapper.SPARQLExceptions import EndPointInternalError, SPARQLWrapperException

from .. import __version__
from ..problems import CstoKgError
from ..retry import GaveUp, Retryable, RetryPolicy

#: HTTP statuses the client asks again after: too many requests, and any server error.
RETRY_STATUSES = frozenset({429, *range(500, 600)})

DEFAULT_CONTACT = "https://w3id.org/csto-kg"
MAX_GET_URL = 2000  # longer queries are sent by POST


class WikidataUnavailable(CstoKgError):
    """The Wikidata endpoint could not answer, even after waiting and retrying."""

    status = 502


class BadAnswer(Exception):
    """A 200 answer that is not a complete SPARQL JSON result."""


def user_agent(contact: str = DEFAULT_CONTACT) -> str:
    """``csto-kg/0.1.0 (contact) sparqlwrapper/2.0.0``, as the Wikimedia User-Agent policy asks."""
    return f"csto-kg/{__version__} ({contact}) sparqlwrapper/{sw.__version__}"


def check_answer(body: bytes) -> dict:
    """Parse a SPARQL JSON answer, refusing empty, truncated or malformed bodies."""
    if not body.strip():
        raise BadAnswer("an empty body")
    try:
        answer = json.loads(body)
    except ValueError as err:
        raise BadAnswer(f"a body that is not complete JSON ({len(body)} bytes; {err.msg} at {err.pos})") from None
    if not isinstance(answer, dict):
        raise BadAnswer("JSON that is not a SPARQL result")
    if "boolean" in answer:
        return answer
    bindings = answer.get("results", {}).get("bindings") if isinstance(answer.get("results"), dict) else None
    if not isinstance(answer.get("head"), dict) or not isinstance(bindings, list):
        raise BadAnswer("JSON without head and results.bindings")
    return answer


@dataclass
class Answer:
    bindings: list[dict[str, dict]]
    retrieved: datetime  # when the endpoint gave this answer (from the cache: when it first did)
    cached: bool


@dataclass
class WikidataClient:
    """Runs SELECT queries on a Wikidata SPARQL endpoint, politely, with an on-disk cache."""

    endpoint: str
    cache_dir: Path | None = None
    contact: str = DEFAULT_CONTACT
    refresh: bool = False  # ignore cached answers (but store the new ones)
    retries: int = 4
    backoff: float = 2.0  # seconds before the first retry; doubled each time
    max_wait: float = 300.0  # a Retry-After longer than this is not waited for
    timeout: float = 70.0  # per request; the public endpoint stops queries at 60 s
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.time
    requests: int = 0  # HTTP requests sent
    cache_hits: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def agent(self) -> str:
        return user_agent(self.contact)

    # -- cache

    def _cache_path(self, query: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.endpoint}\0{query}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _read_cache(self, query: str) -> Answer | None:
        path = self._cache_path(query)
        if path is None or self.refresh:
            return None
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry["endpoint"] != self.endpoint or entry["query"] != query:
                return None
            answer = check_answer(json.dumps(entry["answer"]).encode())
            retrieved = datetime.fromisoformat(entry["retrieved"])
        except (OSError, ValueError, KeyError, TypeError, BadAnswer):
            return None  # a missing or damaged entry is fetched again
        return Answer(answer["results"]["bindings"], retrieved, True)

    def _write_cache(self, query: str, answer: dict, retrieved: datetime) -> None:
        path = self._cache_path(query)
        if path is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        entry = {"endpoint": self.endpoint, "query": query, "retrieved": retrieved.isoformat(), "answer": answer}
        fd, temp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(entry, handle, ensure_ascii=False)
        os.replace(temp, path)

    # -- requests

    def _wrapper(self, query: str) -> sw.SPARQLWrapper:
        wrapper = sw.SPARQLWrapper(self.endpoint, agent=self.agent)
        wrapper.setQuery(query)
        wrapper.setReturnFormat(sw.JSON)
        wrapper.setTimeout(int(self.timeout))
        if len(self.endpoint) + 7 + len(query.encode()) * 3 > MAX_GET_URL:
            wrapper.setMethod(sw.POST)  # form-encoded
        return wrapper

    def select(self, query: str) -> Answer:
        """The bindings of a SELECT query, from the cache or the endpoint."""
        cached = self._read_cache(query)
        if cached is not None:
            self.cache_hits += 1
            return cached
        with self._lock:  # one request at a time
            answer = self._fetch(query)
        retrieved = datetime.fromtimestamp(self.clock(), tz=timezone.utc).replace(microsecond=0)
        self._write_cache(query, answer, retrieved)
        return Answer(answer["results"]["bindings"], retrieved, False)

    @property
    def retry_policy(self) -> RetryPolicy:
        """The client's retry policy (:mod:`csto_kg.retry`): exact backoffs, any 5xx and 429 retried."""
        return RetryPolicy(retries=self.retries, backoff=self.backoff, max_wait=self.max_wait,
                           statuses=RETRY_STATUSES, sleep=self.sleep, clock=self.clock)

    def _fetch(self, query: str) -> dict:
        policy = self.retry_policy
        try:
            return policy.run(lambda: self._attempt(query, policy))
        except GaveUp as stop:
            if stop.wait is not None:
                raise WikidataUnavailable(f"{self.endpoint} {stop.reason} and asks to wait {stop.wait:.0f} s, more than "
                                          f"{self.max_wait:.0f} s; run `csto-kg link` again later") from None
            raise WikidataUnavailable(f"{self.endpoint} {stop.reason} ({stop.attempts} attempts); try again later, "
                                      "or point CSTO_KG_WIKIDATA_ENDPOINT at another endpoint") from None

    def _attempt(self, query: str, policy: RetryPolicy) -> dict:
        """One request: the answer, :class:`~csto_kg.retry.Retryable` when asking again may help,
        :class:`WikidataUnavailable` when it would not."""
        self.requests += 1
        try:
            result = self._wrapper(query).query()
            try:
                body = result.response.read()
            finally:
                result.response.close()
            return check_answer(body)
        except BadAnswer as err:
            raise Retryable(f"answered 200 with {err}") from None
        except http.client.IncompleteRead as err:
            raise Retryable(f"answered 200 but the body was cut short after {len(err.partial)} bytes") from None
        except EndPointInternalError:
            raise Retryable("answered 500 Internal Server Error") from None
        except urllib.error.HTTPError as err:
            problem = f"answered {err.code} {err.reason}"
            transient = policy.from_http_error(err, problem)
            if transient is None:
                raise WikidataUnavailable(f"{self.endpoint} {problem}; check CSTO_KG_WIKIDATA_ENDPOINT") from None
            raise transient from None
        except SPARQLWrapperException as err:  # 400, 401, 404, 414: retrying would not help
            raise WikidataUnavailable(f"{self.endpoint} refused the query ({type(err).__name__}); "
                                      "check CSTO_KG_WIKIDATA_ENDPOINT") from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as err:
            reason = getattr(err, "reason", None) or err
            raise Retryable(f"could not be reached ({reason})") from None
