"""The one shape of every JSON error the app returns, and the responses that carry it.

A client sees an error only in this shape, with a message written for it (the ``message`` of a
:class:`~csto_kg.problems.CstoKgError`); an unexpected exception is logged by the server and
answered with a message that says to see the log, never with the exception's own text.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

from werkzeug.wrappers import Response

from ..problems import CstoKgError


def error_body(status: int, message: str, **extra: Any) -> dict:
    """The one shape of every JSON error the app returns."""
    return {"ok": False, "status": status, "error": message, **extra}


def json_error(status: int, message: str, headers: Mapping[str, str] | None = None) -> Response:
    """A response of ``status`` whose body is :func:`error_body` as JSON."""
    return Response(json.dumps(error_body(status, message)), status=status, content_type="application/json",
                    headers=dict(headers or {}))


def error_response(err: CstoKgError, headers: Mapping[str, str] | None = None) -> Response:
    """``err`` as a JSON error response: its status, and its message, which is written for the client."""
    return json_error(err.status, err.message, headers)
