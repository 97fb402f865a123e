"""One retry policy for every outbound HTTP client: the remote store and the Wikidata client.

An attempt either returns, or raises :class:`Retryable` for a failure that may pass (a dropped
connection, a timeout, a retryable HTTP status), or raises anything else, which ends the
request at once. Between attempts the policy waits: what the answer's ``Retry-After`` asks
(seconds or an HTTP date), else an exponential backoff, ``backoff * factor ** n`` for the
n-th retry, less a random share of up to ``jitter`` of it so that clients that failed together
do not come back together. It gives up (:class:`GaveUp`) after ``retries`` retries, when a
``Retry-After`` asks for more than ``max_wait`` seconds, or when the wait would pass the
request's deadline.

Imports nothing of csto_kg: every layer may use it.
"""

from __future__ import annotations

import email.utils
import http.client
import random
import time
import urllib.error
from dataclasses import dataclass, field, replace
from datetime import timezone
from typing import Callable, Collection, Mapping, TypeVar

T = TypeVar("T")

#: Statuses worth another attempt: request timeout, too many requests, bad gateway, unavailable,
#: gateway timeout.
TRANSIENT_STATUSES = frozenset({408, 429, 502, 503, 504})


class Retryable(Exception):
    """A failed attempt that may succeed when repeated; ``retry_after`` is the wait the server asked for."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class GaveUp(Exception):
    """The policy stopped retrying: ``attempts`` were made, the last failing for ``reason``.

    ``wait`` is set when the policy stopped because it was asked to wait longer than it may
    (a ``Retry-After`` past ``max_wait`` or past the deadline), else None.
    """

    def __init__(self, reason: str, attempts: int, wait: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.attempts = attempts
        self.wait = wait


def retry_after(value: str | None, now: float) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, when.timestamp() - now)


@dataclass(frozen=True)
class RetryPolicy:
    """How many times, after how long and on which failures a request is sent again."""

    retries: int = 3  # further attempts after the first
    backoff: float = 0.25  # seconds before the first retry
    factor: float = 2.0  # each further wait is this many times the one before
    jitter: float = 0.0  # up to this share of each backoff is taken off at random (0: exact waits)
    max_wait: float = 300.0  # a Retry-After asking for longer ends the request
    statuses: Collection[int] = TRANSIENT_STATUSES  # HTTP statuses worth another attempt
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    clock: Callable[[], float] = field(default=time.time, compare=False)  # for Retry-After dates
    monotonic: Callable[[], float] = field(default=time.monotonic, compare=False)  # for deadlines
    random: Callable[[], float] = field(default=random.random, compare=False)

    def with_retries(self, retries: int) -> "RetryPolicy":
        return replace(self, retries=retries)

    @property
    def attempts(self) -> int:
        return self.retries + 1

    def retryable_status(self, status: int) -> bool:
        return status in self.statuses

    def from_http_error(self, err: urllib.error.HTTPError, reason: str | None = None) -> Retryable | None:
        """A :class:`Retryable` for an HTTP error answer with a retryable status (with its
        ``Retry-After``), or None when repeating the request would not help."""
        if not self.retryable_status(err.code):
            return None
        headers: Mapping[str, str] | None = err.headers
        asked = retry_after(headers.get("Retry-After") if headers is not None else None, self.clock())
        return Retryable(reason or f"HTTP {err.code}", asked)

    @staticmethod
    def from_network_error(err: BaseException) -> Retryable | None:
        """A :class:`Retryable` for a failure of the connection (refused, reset, timed out, cut
        short), or None for anything else."""
        if isinstance(err, urllib.error.HTTPError):
            return None  # an answer: see from_http_error
        if isinstance(err, urllib.error.URLError):
            return Retryable(str(err.reason))
        if isinstance(err, TimeoutError):
            return Retryable("no answer in time")
        if isinstance(err, (OSError, http.client.HTTPException)):
            return Retryable(str(err) or type(err).__name__)
        return None

    def delay(self, retry: int) -> float:
        """The backoff before retry number ``retry`` (0 for the first)."""
        wait = self.backoff * self.factor ** retry
        if self.jitter:
            wait *= 1 - self.jitter * self.random()
        return wait

    def run(self, attempt: Callable[[], T], *, deadline: float | None = None) -> T:
        """``attempt()``, repeated on :class:`Retryable` as the policy says; :class:`GaveUp` when it stops.

        ``deadline`` (on the ``monotonic`` clock) is when the answer is of no more use: a wait
        that would end past it is not waited.
        """
        for n in range(self.attempts):
            try:
                return attempt()
            except Retryable as failure:
                last = failure
            if n == self.retries:
                break
            wait = last.retry_after if last.retry_after is not None else self.delay(n)
            if last.retry_after is not None and wait > self.max_wait:
                raise GaveUp(last.reason, n + 1, wait)
            if deadline is not None and self.monotonic() + wait > deadline:
                raise GaveUp(last.reason, n + 1, wait)
            self.sleep(wait)
        raise GaveUp(last.reason, self.attempts)
