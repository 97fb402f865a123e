"""The one retry policy of the outbound HTTP clients, with a fake sleeper: nothing here waits."""

from __future__ import annotations

import email.message
import email.utils
import io
import urllib.error

import pytest

from csto_kg.retry import TRANSIENT_STATUSES, GaveUp, Retryable, RetryPolicy, retry_after


class Script:
    """An attempt that fails as told, once per call, then answers ``"ok"``."""

    def __init__(self, *failures: BaseException):
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def policy(sleeps: list[float], **options) -> RetryPolicy:
    return RetryPolicy(sleep=sleeps.append, clock=lambda: 1_000_000.0, monotonic=lambda: 0.0, **options)


def http_error(status: int, retry_after_header: str | None = None) -> urllib.error.HTTPError:
    headers = email.message.Message()
    if retry_after_header is not None:
        headers["Retry-After"] = retry_after_header
    return urllib.error.HTTPError("http://127.0.0.1:9/x", status, "status", headers, io.BytesIO(b""))


def test_backoff_doubles_and_the_answer_comes_back():
    sleeps: list[float] = []
    attempt = Script(Retryable("HTTP 503"), Retryable("HTTP 502"), Retryable("reset"))
    assert policy(sleeps, retries=3, backoff=0.5).run(attempt) == "ok"
    assert sleeps == [0.5, 1.0, 2.0] and attempt.calls == 4


def test_gives_up_after_the_retries_with_the_last_reason():
    sleeps: list[float] = []
    attempt = Script(*[Retryable(f"HTTP 50{n}") for n in (2, 3, 4)])
    with pytest.raises(GaveUp) as stop:
        policy(sleeps, retries=2, backoff=1.0).run(attempt)
    assert (stop.value.attempts, stop.value.reason, stop.value.wait) == (3, "HTTP 504", None)
    assert sleeps == [1.0, 2.0] and attempt.calls == 3


def test_no_retries_means_one_attempt_and_no_wait():
    sleeps: list[float] = []
    attempt = Script(Retryable("HTTP 503"))
    with pytest.raises(GaveUp) as stop:
        policy(sleeps).with_retries(0).run(attempt)
    assert stop.value.attempts == 1 and sleeps == [] and attempt.calls == 1


def test_other_errors_end_the_request_at_once():
    sleeps: list[float] = []
    attempt = Script(ValueError("not retryable"))
    with pytest.raises(ValueError):
        policy(sleeps).run(attempt)
    assert attempt.calls == 1 and sleeps == []


def test_retry_after_is_honoured_instead_of_the_backoff():
    sleeps: list[float] = []
    attempt = Script(Retryable("HTTP 429", retry_after=7.0), Retryable("HTTP 503"))
    assert policy(sleeps, backoff=0.5).run(attempt) == "ok"
    assert sleeps == [7.0, 1.0]  # the second wait is the backoff of the second retry


def test_a_retry_after_past_max_wait_or_the_deadline_gives_up_without_waiting():
    sleeps: list[float] = []
    with pytest.raises(GaveUp) as stop:
        policy(sleeps, max_wait=60).run(Script(Retryable("HTTP 429", retry_after=3600.0)))
    assert (stop.value.attempts, stop.value.wait) == (1, 3600.0) and sleeps == []
    with pytest.raises(GaveUp) as stop:
        policy(sleeps).run(Script(Retryable("HTTP 503", retry_after=5.0)), deadline=2.0)
    assert stop.value.wait == 5.0 and sleeps == []


def test_jitter_takes_off_up_to_its_share_of_each_backoff():
    sleeps: list[float] = []
    draws = iter([0.0, 1.0, 0.5])
    jittery = RetryPolicy(retries=3, backoff=1.0, jitter=0.5, sleep=sleeps.append, random=lambda: next(draws))
    assert jittery.run(Script(*[Retryable("x")] * 3)) == "ok"
    assert sleeps == [1.0, 1.0, 3.0]  # 1 - 0, 2 - 1, 4 - 1


def test_retryable_statuses_and_their_retry_after():
    store = policy([])
    assert TRANSIENT_STATUSES == {408, 429, 502, 503, 504}
    for status in (408, 429, 502, 503, 504):
        assert store.from_http_error(http_error(status)).reason == f"HTTP {status}"
    for status in (400, 401, 404, 500, 501):
        assert store.from_http_error(http_error(status)) is None
    assert store.from_http_error(http_error(429, "12")).retry_after == 12.0
    assert store.from_http_error(http_error(503)).retry_after is None
    every_5xx = policy([], statuses={429, *range(500, 600)})
    assert every_5xx.from_http_error(http_error(500), "answered 500").reason == "answered 500"


def test_network_failures_are_retryable_and_answers_are_not():
    for err in (ConnectionResetError(), TimeoutError(), urllib.error.URLError("refused"), OSError("down")):
        assert isinstance(RetryPolicy.from_network_error(err), Retryable)
    assert RetryPolicy.from_network_error(http_error(503)) is None
    assert RetryPolicy.from_network_error(ValueError()) is None


def test_retry_after_reads_seconds_and_http_dates():
    now = 1_000_000.0
    assert retry_after("120", now) == 120.0
    assert retry_after(email.utils.formatdate(now + 30, usegmt=True), now) == 30.0
    assert retry_after(email.utils.formatdate(now - 30, usegmt=True), now) == 0.0
    assert retry_after(None, now) is None and retry_after("soon", now) is None


def test_the_remote_store_and_the_wikidata_client_use_the_policy():
    from csto_kg.store.remote import RemoteStore
    from csto_kg.wikidata.client import WikidataClient

    store = RemoteStore("http://127.0.0.1:9/ds", environ={"CSTO_KG_STORE_RETRIES": "5"})
    assert store.retry_policy().retries == 5 and store.retry_policy().statuses == TRANSIENT_STATUSES
    assert store.retry_policy(retry=False).attempts == 1  # a request not safe to resend
    sleeps: list[float] = []
    client = WikidataClient("http://127.0.0.1:9/sparql", retries=2, backoff=2.0, sleep=sleeps.append)
    wikidata = client.retry_policy
    assert (wikidata.retries, wikidata.backoff, wikidata.jitter) == (2, 2.0, 0.0)
    assert {429, 500, 503} <= set(wikidata.statuses) and 408 not in wikidata.statuses
    wikidata.sleep(1.0)
    assert sleeps == [1.0]
