# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one way a run declares a value secret: a generated password, a new access key's secret, a connection's password.

Every declared value is added to the module's ``no_log`` values (Ansible masks it in the result, in warnings and in
``-vvvv`` output) and scrubbed from every ledger record and message steward writes. Pure, no AWS.
"""

from __future__ import annotations

import threading
from typing import Any

MASK = "********"
# Shorter values would mask innocent text (a "1" in a count); nothing steward declares is this short.
_MIN_LENGTH = 4


class SecretValues:
    """Thread-safe: workers declare values as they make them."""

    def __init__(self) -> None:
        self._values: set[str] = set()
        self._lock = threading.Lock()

    def declare(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= _MIN_LENGTH:
            with self._lock:
                self._values.add(value)

    @property
    def values(self) -> frozenset[str]:
        with self._lock:
            return frozenset(self._values)

    def scrub(self, data: Any) -> Any:
        """``data`` (a string, or lists and dicts of them, keys included) with every declared value masked."""
        values = sorted(self.values, key=len, reverse=True)  # a value inside a longer one is masked with it
        if not values:
            return data
        return _scrub(data, values)


def _scrub(data: Any, values: list[str]) -> Any:
    if isinstance(data, str):
        for value in values:
            if value in data:
                data = data.replace(value, MASK)
        return data
    if isinstance(data, dict):
        return {_scrub(key, values): _scrub(value, values) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_scrub(item, values) for item in data]
    return data
