"""Python's cyclic garbage collector, paused where the objects made live to the end anyway.

A build makes millions of small objects that are all kept until it ends, and a command's imports
make modules that live as long as the process: the collector's scans of them would free nothing.

Imports nothing of csto_kg: every layer may use it (the CLI before it imports anything else).
"""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def paused() -> Iterator[None]:
    """The collector off inside the block, as it was after it."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
