# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Judging a restore test: building checks and turning them into a verdict. Pure, no AWS."""

from __future__ import annotations

from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._model import LAYER_USABLE, Check

PASSED = "passed"
FAILED = "failed"


def same(layer: str, name: str, expected: Any, actual: Any, what: str = "") -> Check:
    """Equal, or not checkable when there is nothing recorded to compare with (never a silent pass)."""
    if expected is None:
        return Check(layer, name, None, expected, actual, f"nothing recorded to compare {what or name} with")
    passed = expected == actual
    detail = "" if passed else f"{what or name}: expected {expected!r}, restored {actual!r}"
    return Check(layer, name, passed, expected, actual, detail)


def at_least(layer: str, name: str, expected: int | None, actual: int | None, unit: str = "") -> Check:
    if expected is None:
        return Check(layer, name, None, expected, actual, f"nothing recorded to compare {name} with")
    passed = actual is not None and actual >= expected
    detail = "" if passed else f"{name}: expected at least {expected}{unit}, restored {actual}{unit}"
    return Check(layer, name, passed, expected, actual, detail)


def count_within(layer: str, name: str, expected: int | None, actual: int, tolerance_percent: float) -> Check:
    """A count that must match the recorded one within ``tolerance_percent`` of it (0 means exactly)."""
    if expected is None:
        return Check(layer, name, None, expected, actual, f"no {name} was recorded for this backup")
    allowed = abs(expected) * tolerance_percent / 100.0
    passed = abs(actual - expected) <= allowed
    tolerance = f" (tolerance {tolerance_percent:g}%)" if tolerance_percent else ""
    detail = f"{actual} restored vs {expected} recorded{tolerance}"
    return Check(layer, name, passed, expected, actual, detail)


def not_checkable(layer: str, name: str, why: str) -> Check:
    return Check(layer, name, None, None, None, why)


def usable(state: str, usable_state: str, detail: str = "") -> Check:
    passed = state == usable_state
    return Check(LAYER_USABLE, "usable", passed, usable_state, state, detail or ("" if passed else f"scratch resource is {state}"))


def verdict(checks: list[Check]) -> str:
    """Passed only if no check failed and at least one check was actually made."""
    if any(check.passed is False for check in checks):
        return FAILED
    return PASSED if any(check.passed for check in checks) else FAILED


def failed_checks(checks: list[Check]) -> list[str]:
    return [f"{check.layer}/{check.name}: {check.detail or 'failed'}" for check in checks if check.passed is False]
