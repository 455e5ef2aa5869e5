# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded concurrency with one outcome per item: one item failing never hides the others."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class Outcome(Generic[T, R]):
    item: T
    value: R | None = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def fan_out(items: Iterable[T], work: Callable[[T], R], concurrency: int) -> list[Outcome[T, R]]:
    """Run ``work`` on every item with at most ``concurrency`` at once; outcomes keep the input order."""
    items = list(items)
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")

    def guarded(item: T) -> Outcome[T, R]:
        try:
            return Outcome(item, value=work(item))
        except Exception as error:  # noqa: BLE001 - each item's failure is its own result
            return Outcome(item, error=error)

    if concurrency == 1 or len(items) <= 1:
        return [guarded(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(concurrency, len(items))) as pool:
        return list(pool.map(guarded, items))
