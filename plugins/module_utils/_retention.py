# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retention policy engine: which backups a calendar policy keeps, and why. Pure, no AWS.

Semantics are restic's ``forget``:

- Backups are considered newest first (ties broken by id, so the input order never matters).
- ``keep_last N`` keeps the N newest.
- A bucket rule (``keep_hourly``, ``keep_daily``, ``keep_weekly``, ``keep_monthly``, ``keep_yearly`` N) keeps the
  newest backup of each of the last N calendar periods that hold at least one backup. Periods are read in
  ``timezone``; weeks are ISO weeks (Monday to Sunday, numbered within the ISO year).
- ``keep_within D`` keeps every backup made within D of the *newest* backup (not of now: if backups stop,
  the last ones are not aged out).
- Rules are ORed: a backup any rule keeps is kept, and every rule that kept it is named.

Guards come on top of the policy: the newest backup, the newest verified backup, anything dated in the future
(clock skew), and enough of the newest to reach ``min_keep`` are always kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._durations import parse_optional_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - Python < 3.9 on a managed host
    ZoneInfo = None  # type: ignore[assignment,misc]
    ZoneInfoNotFoundError = KeyError  # type: ignore[assignment,misc]

BUCKET_RULES: tuple[tuple[str, Callable[[datetime], Any]], ...] = (
    ("keep_hourly", lambda moment: (moment.year, moment.month, moment.day, moment.hour)),
    ("keep_daily", lambda moment: (moment.year, moment.month, moment.day)),
    ("keep_weekly", lambda moment: moment.isocalendar()[:2]),
    ("keep_monthly", lambda moment: (moment.year, moment.month)),
    ("keep_yearly", lambda moment: moment.year),
)
COUNT_RULES = ("keep_last", *(name for name, _key in BUCKET_RULES))


@dataclass(frozen=True)
class Policy:
    keep_last: int = 0
    keep_hourly: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0
    keep_yearly: int = 0
    keep_within_s: int | None = None
    timezone: str = "UTC"

    def describe(self) -> str:
        parts = [f"{name} {getattr(self, name)}" for name in COUNT_RULES if getattr(self, name)]
        if self.keep_within_s:
            parts.append(f"keep_within {self.keep_within_s}s")
        return ", ".join(parts) + f" ({self.timezone})"


@dataclass(frozen=True)
class Item:
    """What the engine needs to know of a backup."""

    id: str
    created: datetime


@dataclass
class Decision:
    id: str
    created: datetime
    keep: bool = False
    reasons: list[str] = field(default_factory=list)


def parse_policy(params: dict[str, Any]) -> Policy:
    """Validate the policy options; an empty policy is refused (it would keep nothing but the guards)."""
    counts = {}
    for name in COUNT_RULES:
        value = params.get(name)
        if value is None:
            counts[name] = 0
            continue
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OptionError(name, value, "expected a whole number of 0 or more")
        counts[name] = value
    keep_within_s = parse_optional_duration("keep_within", params.get("keep_within"))
    zone = params.get("timezone") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise OptionError("timezone", zone, "expected an IANA time zone name such as UTC or Europe/Berlin") from None
    if not any(counts.values()) and not keep_within_s:
        raise OptionError(
            "policy",
            {name: params.get(name) for name in (*COUNT_RULES, "keep_within")},
            "an empty policy would delete every backup but the guarded ones; set at least one keep_* option",
        )
    return Policy(keep_within_s=keep_within_s, timezone=zone, **counts)


def apply_policy(items: list[Item], policy: Policy) -> list[Decision]:
    """Decide keep or delete for each item by the policy alone, newest first, each keep with its rules."""
    ordered = sorted(items, key=lambda item: (item.created, item.id), reverse=True)
    decisions = [Decision(item.id, item.created) for item in ordered]
    if not decisions:
        return decisions
    zone = ZoneInfo(policy.timezone)
    for position, decision in enumerate(decisions):
        if position < policy.keep_last:
            _keep(decision, "keep_last")
    for name, bucket_of in BUCKET_RULES:
        remaining = getattr(policy, name)
        last_bucket = None
        for decision in decisions:
            if remaining <= 0:
                break
            bucket = bucket_of(decision.created.astimezone(zone))
            if bucket != last_bucket:
                _keep(decision, name)
                last_bucket = bucket
                remaining -= 1
    if policy.keep_within_s:
        horizon = decisions[0].created - timedelta(seconds=policy.keep_within_s)
        for decision in decisions:
            if decision.created >= horizon:
                _keep(decision, "keep_within")
    return decisions


def plan(items: list[Item], policy: Policy, now: datetime, verified_ids: frozenset[str] = frozenset(), min_keep: int = 0) -> list[Decision]:
    """The policy, then the guards that no policy can override."""
    decisions = apply_policy(items, policy)
    if not decisions:
        return decisions
    _keep(decisions[0], "guard:newest")
    verified = [decision for decision in decisions if decision.id in verified_ids]
    if verified:
        _keep(verified[0], "guard:newest_verified")
    for decision in decisions:
        if decision.created > now:
            _keep(decision, "guard:future_dated")
    kept = sum(1 for decision in decisions if decision.keep)
    for decision in decisions:
        if kept >= min_keep:
            break
        if not decision.keep:
            _keep(decision, "guard:min_keep")
            kept += 1
    return decisions


def blast_radius(decisions: list[Decision], max_delete: int | None, max_delete_percent: float | None) -> str | None:
    """Why this plan deletes too much to be trusted, or None."""
    deleting = sum(1 for decision in decisions if not decision.keep)
    if max_delete is not None and deleting > max_delete:
        return f"plan deletes {deleting} of {len(decisions)} backups, more than max_delete {max_delete}"
    if max_delete_percent is not None and decisions and deleting * 100 > max_delete_percent * len(decisions):
        share = 100.0 * deleting / len(decisions)
        return f"plan deletes {deleting} of {len(decisions)} backups ({share:.0f}%), more than max_delete_percent {max_delete_percent:g}"
    return None


def _keep(decision: Decision, reason: str) -> None:
    decision.keep = True
    if reason not in decision.reasons:
        decision.reasons.append(reason)
