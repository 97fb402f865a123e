from __future__ import annotations

import os
import sys
import threading

import pytest

from csto_kg.priority import LOWER_BY, giving_way


def _niceness() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread has a priority of its own on Linux")
def test_the_work_runs_in_another_thread_at_a_lower_priority_and_this_one_keeps_its_own():
    before = _niceness()
    seen = giving_way(lambda: (threading.get_native_id(), _niceness()))
    assert seen[0] != threading.get_native_id()
    assert seen[1] == min(19, before + LOWER_BY) > before
    assert _niceness() == before


def test_the_work_gives_its_value_and_its_exception_to_the_caller():
    assert giving_way(lambda: [1, 2]) == [1, 2]

    def failing():
        raise KeyError("no such part")

    with pytest.raises(KeyError, match="no such part"):
        giving_way(failing)
