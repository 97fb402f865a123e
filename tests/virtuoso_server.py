"""A real OpenLink Virtuoso (Debian's ``virtuoso-opensource``, ``virtuoso-t``) on loopback for the
remote-store tests, configured as a default install is: writes only on ``/sparql-auth`` and
``/sparql-graph-crud-auth``, with HTTP digest authentication as ``dba``.

Each server gets its own folder, ``virtuoso.ini`` and free ports (SQL and HTTP, both on 127.0.0.1
only), with small buffers so that it starts in a few seconds. Without ``virtuoso-t`` the Virtuoso
cases are skipped, unless ``CSTO_KG_TESTS_NEED_VIRTUOSO`` is set (CI sets it: ``.ci/run`` installs
the package), where they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

BINARY = "virtuoso-t"
USER = PASSWORD = "dba"  # a new database's administrator, as a fresh install has it
# the graphs a new database holds: Virtuoso's own
OWN_GRAPHS = frozenset({"http://www.openlinksw.com/schemas/virtrdf#", "http://www.w3.org/ns/ldp#",
                        "http://localuriqaserver/sparql"})

# the settings that point csto-kg at a default Virtuoso install
SETTINGS = {"CSTO_KG_STORE_QUERY_URL": "sparql", "CSTO_KG_STORE_UPDATE_URL": "sparql-auth",
            "CSTO_KG_STORE_GSP_URL": "sparql-graph-crud-auth", "CSTO_KG_STORE_AUTH": "digest",
            "CSTO_KG_STORE_USER": USER, "CSTO_KG_STORE_PASSWORD": PASSWORD}

INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed = .
NumberOfBuffers = 5000
MaxDirtyBuffers = 3000
; one core per query: a query a test abandons at the endpoint's time limit keeps running until
; the server's own limit, and must leave the other core to the tests
ThreadsPerQuery = 1
MaxClientConnections = 64
CheckpointInterval = 60
; a build's swap is one transaction: Debian's 50 MB holds about 100,000 quads swapped
TransactionAfterImageLimit = 1500000000

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = {dir}
; enough threads that connections other tests keep alive never leave a request waiting
ServerThreads = 64
MaxClientConnections = 64
KeepAliveTimeout = 2

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = {timeout_s}
"""


def virtuoso_binary() -> str:
    found = shutil.which(BINARY)
    if not found:
        message = "virtuoso-t is missing; install Debian's virtuoso-opensource (.ci/run does)"
        if os.environ.get("CSTO_KG_TESTS_NEED_VIRTUOSO"):
            pytest.fail(message)
        pytest.skip(message)
    return found


class VirtuosoServer:
    """``virtuoso-t +foreground`` over its own folder; stop() kills it (SIGKILL), start() brings it back
    on the same ports and database. ``timeout_s`` is its own query time limit."""

    def __init__(self, location: Path, timeout_s: int = 60):
        from .oxigraph_server import free_port

        self.location = location
        self.port, self.sql_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.timeout_s = timeout_s
        self.process: subprocess.Popen | None = None
        self._own_graphs: set[str] | None = None  # the graphs a new database holds (Virtuoso's own)

    def start(self) -> VirtuosoServer:
        binary = virtuoso_binary()
        self.location.mkdir(parents=True, exist_ok=True)
        ini = self.location / "virtuoso.ini"
        ini.write_text(INI.format(dir=self.location, sql_port=self.sql_port, http_port=self.port,
                                  timeout_s=self.timeout_s), encoding="utf-8")
        (self.location / "virtuoso.lck").unlink(missing_ok=True)  # left by a killed server
        self.process = subprocess.Popen([binary, "+foreground", "+configfile", str(ini)], cwd=self.location,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        # a first start creates the database; a restart replays its log and may hold the quad table's
        # locks for a while after it answers HTTP: it is up once a query over every graph answers
        deadline = time.monotonic() + 180
        graphs = None
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"virtuoso-t exited with {self.process.returncode}: " + self._log_tail())
            try:
                graphs = self.graphs(timeout=10)
                break
            except OSError:  # not listening yet, or a 500 "SR171 Transaction timed out" while it recovers
                time.sleep(0.2)
        else:
            raise RuntimeError(f"virtuoso-t did not answer a query on {self.url} within 180 s: " + self._log_tail())
        if self._own_graphs is None:
            self._own_graphs = set(graphs)
        return self

    def _log_tail(self) -> str:
        log = self.location / "virtuoso.log"
        return log.read_text(errors="replace")[-2000:] if log.exists() else "(no log)"

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)
        self.process = None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def graphs(self, timeout: float = 60) -> list[str]:
        # GROUP BY: the DISTINCT form can loop for good on a restarted Virtuoso (csto_kg.store.remote)
        query = urllib.parse.urlencode({"query": "SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"})
        request = urllib.request.Request(f"{self.url}/sparql?{query}",
                                         headers={"Accept": "text/tab-separated-values"})
        lines = urllib.request.urlopen(request, timeout=timeout).read().decode("utf-8").splitlines()[1:]
        return [line.strip('"<>') for line in lines if line]

    def allow_service(self) -> VirtuosoServer:
        """Let anonymous queries call SERVICE endpoints, which a default install refuses
        ("SQ070: Must have select privileges on view DB.DBA.SPARQL_SINV_2")."""
        subprocess.run([shutil.which("isql-vt") or "isql-vt", f"127.0.0.1:{self.sql_port}", USER, PASSWORD,
                        'exec=GRANT SELECT ON DB.DBA.SPARQL_SINV_2 TO "SPARQL"; '
                        'GRANT EXECUTE ON DB.DBA.SPARQL_SINV_IMP TO "SPARQL";'],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        return self

    def reset(self) -> VirtuosoServer:
        """Running, and holding nothing but Virtuoso's own graphs (what a test that writes starts from)."""
        if not self.running():
            self.start()
        extra = [g for g in self.graphs() if g not in (self._own_graphs or set())]
        if extra:
            passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
            passwords.add_password(None, self.url, USER, PASSWORD)
            opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
            update = " ;\n".join(f"DROP SILENT GRAPH <{g}>" for g in extra).encode("utf-8")
            opener.open(urllib.request.Request(f"{self.url}/sparql-auth", data=update, method="POST",
                                               headers={"Content-Type": "application/sparql-update"}),
                        timeout=60).read()
        return self
