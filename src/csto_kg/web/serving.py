"""Serving the app in production: granian, an HTTP server written in Rust, running the WSGI app.

HTTP parsing and writing happen in native code; the app runs on a pool of Python threads that
mostly wait for the query worker processes (see :mod:`csto_kg.query.workers`). The app's
settings reach the server's worker process through the environment, the same way they reach
``create_app`` anywhere else (``server.py`` under any other WSGI server).
"""

from __future__ import annotations

import multiprocessing
import os
from typing import Mapping

# threads that run the app: they wait on query workers and the network, so there can be more of
# them than cores
APP_THREADS = 16


def production_app():
    """The app the server's worker process runs: settings from the environment, query workers started now."""
    from . import create_app
    from .sparql import runner

    app = create_app()
    runner(app)  # start the query worker processes now, not on the first query
    return app


def serve(host: str, port: int, environ: Mapping[str, str] = (), threads: int = APP_THREADS) -> None:
    """Serve :func:`production_app` on ``host``:``port`` until interrupted; ``environ`` adds settings."""
    from granian.constants import Interfaces
    from granian.log import LogLevels
    from granian.server import Server

    os.environ.update(dict(environ))
    # a fresh interpreter for the server's worker: the parent may have built the store, and a
    # forked copy of an embedded database's locks and threads is not safe to use
    multiprocessing.set_start_method("spawn", force=True)
    Server(
        "csto_kg.web.serving:production_app", factory=True, address=host, port=port, interface=Interfaces.WSGI,
        workers=1, blocking_threads=threads, respawn_failed_workers=True, log_level=LogLevels.warning,
    ).serve()
