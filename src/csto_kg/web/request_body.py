"""Reading what a client sends, within limits and strictly: bodies capped on the stream, parameters UTF-8.

A body's declared length is not trusted: a chunked body has none, and the cap must hold while
reading, not after. Parameters are percent-decoded as bytes and then decoded as UTF-8 without
replacement, so a query never runs with U+FFFD where the client sent a broken byte.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import unquote_to_bytes

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request

from ..problems import CstoKgError

MAX_BODY = 1 << 20  # bytes in any request body, a query's included
MAX_FIELDS = 1000  # parameters in one query string or form
CACHED_PARAMS_CHARS = 16_384  # query strings up to this long are decoded once and remembered (a query asked again)


class BodyTooLarge(CstoKgError):
    status = 413


class NotUtf8(CstoKgError):
    status = 400


def read_body(request: Request, limit: int, what: str = "the request body") -> bytes:
    """The body of ``request``, refused with 413 as soon as it is longer than ``limit`` bytes, chunked or not."""
    declared = request.content_length
    if declared is not None and declared > limit:
        raise BodyTooLarge(f"{what} is {declared:,} bytes; at most {limit:,} are taken")
    stream = request.environ.get("wsgi.input")
    if stream is None:
        return b""
    if declared is None and not request.environ.get("wsgi.input_terminated"):
        return b""  # no length and no end marker: WSGI gives no safe way to read a body
    left = declared if declared is not None else limit + 1  # never read past a declared length
    chunks, size = [], 0
    while left > 0:
        chunk = stream.read(min(left, 1 << 16))
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
        left -= len(chunk)
        if size > limit:
            raise BodyTooLarge(f"{what} is more than {limit:,} bytes; at most {limit:,} are taken")
    return b"".join(chunks)


def strict_params(encoded: bytes | str, where: str) -> MultiDict:
    """``name=value&...`` decoded as UTF-8 without replacement; 400 for a byte sequence that is not UTF-8.

    A URL's query string (``str``) of up to :data:`CACHED_PARAMS_CHARS` is decoded once and
    remembered: percent-decoding a query costs more than the rest of the checks together. A
    refusal is raised anew each time, never remembered."""
    if isinstance(encoded, str) and len(encoded) <= CACHED_PARAMS_CHARS:
        return MultiDict(_cached_pairs(encoded, where))
    return MultiDict(_pairs(encoded, where))


@lru_cache(maxsize=1024)
def _cached_pairs(encoded: str, where: str) -> tuple[tuple[str, str], ...]:
    return tuple(_pairs(encoded, where))


def _pairs(encoded: bytes | str, where: str) -> list[tuple[str, str]]:
    if isinstance(encoded, str):
        encoded = encoded.encode("latin-1", "replace")  # WSGI passes the raw bytes as latin-1
    fields = [field for field in encoded.split(b"&") if field]
    if len(fields) > MAX_FIELDS:
        raise BadParams(f"{where} has {len(fields):,} parameters; at most {MAX_FIELDS} are taken")
    pairs = []
    for field in fields:
        name, _, value = field.partition(b"=")
        try:
            pairs.append((_decode(name), _decode(value)))
        except UnicodeDecodeError as err:
            raise NotUtf8(f"{where} is not valid UTF-8 (byte 0x{err.object[err.start]:02X} once "
                          "percent-decoded); percent-encode the text as UTF-8") from None
    return pairs


def _decode(part: bytes) -> str:
    return unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")


class BadParams(CstoKgError):
    status = 400
