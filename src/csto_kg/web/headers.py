"""Security headers on every answer of the app: pages, ``/sparql``, ``/validate``, static files, errors.

The pages need nothing from elsewhere and no inline script or style, so the policy allows only
this server's own files; no other site may frame them. :class:`SecurityHeaders` wraps the whole
WSGI app, so answers made ahead of Flask (``/sparql``, see :class:`~csto_kg.web.sparql.SparqlDispatch`)
get the headers as well as Flask's own, error pages included.
"""

from __future__ import annotations

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def with_security_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A WSGI header list plus each of :data:`SECURITY_HEADERS` it does not set itself."""
    present = {name.lower() for name, _ in headers}
    return headers + [(name, value) for name, value in SECURITY_HEADERS.items() if name.lower() not in present]


class SecurityHeaders:
    """WSGI middleware: every response of ``wsgi_app`` carries :data:`SECURITY_HEADERS`."""

    def __init__(self, wsgi_app) -> None:
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            return start_response(status, with_security_headers(headers), exc_info)

        return self.wsgi_app(environ, start)
