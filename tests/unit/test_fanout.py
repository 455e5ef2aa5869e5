from __future__ import annotations

import threading
import time

import pytest

from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out


def test_keeps_input_order_and_isolates_failures():
    def work(item: int) -> int:
        if item % 3 == 0:
            raise RuntimeError(f"boom {item}")
        return item * 10

    outcomes = fan_out(range(10), work, concurrency=4)
    assert [outcome.item for outcome in outcomes] == list(range(10))
    assert [outcome.value for outcome in outcomes if outcome.ok] == [10, 20, 40, 50, 70, 80]
    assert [str(outcome.error) for outcome in outcomes if not outcome.ok] == ["boom 0", "boom 3", "boom 6", "boom 9"]


def test_never_runs_more_than_concurrency_at_once():
    running, peak, lock = 0, 0, threading.Lock()

    def work(_item: int) -> None:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1

    fan_out(range(40), work, concurrency=3)
    assert peak == 3


def test_refuses_zero_concurrency():
    with pytest.raises(ValueError):
        fan_out([1], lambda item: item, concurrency=0)
