# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one source of time. Age-based logic takes a Clock so tests can fix "now". Pure, no AWS."""

from __future__ import annotations

import time
from datetime import datetime, timezone


class Clock:
    """Wall time in UTC plus a monotonic counter for measuring durations."""

    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class FixedClock(Clock):
    """A clock that only moves when told to; sleeping advances it instead of waiting."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("FixedClock needs an aware datetime")
        self._now = now
        self._elapsed = 0.0

    def now(self) -> datetime:
        return self._now

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        from datetime import timedelta

        self._now = self._now + timedelta(seconds=seconds)
        self._elapsed += seconds

    def sleep(self, seconds: float) -> None:
        self.advance(seconds)


def as_utc(value: datetime) -> datetime:
    """AWS returns aware datetimes; a naive one is taken as UTC rather than local time."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def isoformat(value: datetime) -> str:
    return as_utc(value).strftime("%Y-%m-%dT%H:%M:%SZ")
