"""Work that gives way to the rest of the process: run in a thread of lower CPU priority.

A full build's last steps (folding the records' parts for the pages and for reconciliation) run
while the store's bulk load, the build's critical path, still loads the tenures. On a machine with
fewer cores than both can use, the load should have them first, and the folding what is left.

Imports nothing of csto_kg: every layer may use it.
"""

from __future__ import annotations

import os
import sys
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

LOWER_BY = 10  # niceness added: a thread at +10 gets about a tenth of the CPU time of one at +0 it competes with


def giving_way(work: Callable[[], T]) -> T:
    """``work()``, run in a thread of its own whose CPU priority is :data:`LOWER_BY` below this
    thread's, waited for; what it returns, or the exception it raises. Only on Linux, where a thread
    has a priority of its own; elsewhere ``work()`` runs as it is, in this thread."""
    if not sys.platform.startswith("linux"):
        return work()
    outcome: list = []

    def run() -> None:
        try:
            me = threading.get_native_id()
            os.setpriority(os.PRIO_PROCESS, me, min(19, os.getpriority(os.PRIO_PROCESS, me) + LOWER_BY))
            outcome.append((True, work()))
        except BaseException as err:  # noqa: BLE001 - raised again in the waiting thread
            outcome.append((False, err))

    thread = threading.Thread(target=run, name="csto-kg-giving-way", daemon=True)
    thread.start()
    thread.join()
    done, value = outcome[0]
    if not done:
        raise value
    return value
