# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The retention policy engine: which backups a calendar policy keeps, and why. Pure, no AWS.

Semantics are restic's ``forget`` (restic 0.17, ``internal/data/snapshot_policy.go``), rule for rule:

- Backups are considered newest first (ties broken by id, so the input order never matters).
- ``keep_last N`` keeps the N newest.
- A bucket rule (``keep_hourly`` ... ``keep_yearly`` N) keeps the newest backup of each of the last N calendar
  periods that hold at least one backup. Periods are read in ``timezone``; weeks are ISO weeks. While a rule still
  has count left when the oldest backup is reached, the oldest backup is kept too, even when it shares a period with
  a newer kept one ("oldest daily snapshot"): history stays as long as the counts allow (restic 0.16, issue 3624).
- ``-1`` for ``keep_last`` or a bucket rule means unlimited: every backup / the newest of every period.
- ``keep_within D`` keeps every backup strictly newer than ``latest - D``, where ``latest`` is the newest backup
  that is not in the future (one skewed clock must not move the window and age the others out). D counts years and
  months by the calendar (see ``CalendarDuration``).
- ``keep_within_hourly`` ... ``keep_within_yearly D`` keep the newest backup of each period among the backups
  inside that window, and the oldest backup when it is inside the window.
- Rules are ORed: a backup any rule keeps is kept, and every rule that kept it is named, in restic's words.

Guards come on top of the policy: the newest backup, the newest verified backup, anything dated in the future
(clock skew), and enough of the newest to reach ``min_keep`` are always kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._durations import CalendarDuration, parse_calendar_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError

try:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
except ImportError:  # pragma: no cover - Python < 3.9 on a managed host
    ZoneInfo = None  # type: ignore[assignment,misc]
    ZoneInfoNotFoundError = KeyError  # type: ignore[assignment,misc]

UNLIMITED = -1
# (period word as restic prints it, period of a local moment); keep_last's "period" is the backup itself.
PERIODS: dict[str, Callable[[datetime], Any]] = {
    "hourly": lambda moment: (moment.year, moment.month, moment.day, moment.hour),
    "daily": lambda moment: (moment.year, moment.month, moment.day),
    "weekly": lambda moment: moment.isocalendar()[:2],
    "monthly": lambda moment: (moment.year, moment.month),
    "yearly": lambda moment: moment.year,
}
COUNT_RULES = ("keep_last", *(f"keep_{period}" for period in PERIODS))
WITHIN_RULES = ("keep_within", *(f"keep_within_{period}" for period in PERIODS))


@dataclass(frozen=True)
class Policy:
    keep_last: int = 0
    keep_hourly: int = 0
    keep_daily: int = 0
    keep_weekly: int = 0
    keep_monthly: int = 0
    keep_yearly: int = 0
    keep_within: CalendarDuration | None = None
    keep_within_hourly: CalendarDuration | None = None
    keep_within_daily: CalendarDuration | None = None
    keep_within_weekly: CalendarDuration | None = None
    keep_within_monthly: CalendarDuration | None = None
    keep_within_yearly: CalendarDuration | None = None
    timezone: str = "UTC"

    def describe(self) -> str:
        parts = [
            f"{name} {'unlimited' if getattr(self, name) == UNLIMITED else getattr(self, name)}"
            for name in COUNT_RULES
            if getattr(self, name)
        ]
        parts += [f"{name} {getattr(self, name).text}" for name in WITHIN_RULES if getattr(self, name)]
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
        if isinstance(value, bool) or not isinstance(value, int) or value < UNLIMITED:
            raise OptionError(name, value, "expected a whole number of 0 or more, or -1 for unlimited")
        counts[name] = value
    windows = {name: parse_calendar_duration(name, params[name]) for name in WITHIN_RULES if params.get(name) is not None}
    zone = params.get("timezone") or "UTC"
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise OptionError("timezone", zone, "expected an IANA time zone name such as UTC or Europe/Berlin") from None
    if not any(counts.values()) and not windows:
        raise OptionError(
            "policy",
            {name: params.get(name) for name in (*COUNT_RULES, *WITHIN_RULES)},
            "an empty policy would delete every backup but the guarded ones; set at least one keep_* option",
        )
    return Policy(timezone=zone, **counts, **windows)


@dataclass
class _Rule:
    """One counting rule's state as the backups go by, newest first (restic's bucket)."""

    reason: str
    period_of: Callable[[int, datetime], Any]
    count: int = 0
    window_start: datetime | None = None  # within rules: only backups strictly newer than this count
    last_period: Any = field(default=None)

    def offer(self, position: int, local: datetime, created: datetime, oldest: bool) -> str | None:
        """The reason this rule keeps the backup, or None; consumes count as restic does."""
        if self.window_start is None and self.count == 0:
            return None
        if self.window_start is not None and not created > self.window_start:
            return None
        period = self.period_of(position, local)
        if period == self.last_period and not oldest:
            return None
        reason = f"oldest {self.reason}" if period == self.last_period else self.reason
        self.last_period = period
        if self.count > 0:
            self.count -= 1
        return reason


def latest_not_in_future(items: list[Item], now: datetime) -> datetime | None:
    """restic's anchor for every within rule: the newest backup strictly before now (None when all are later)."""
    past = [item.created for item in items if item.created < now]
    return max(past) if past else None


def apply_policy(items: list[Item], policy: Policy, now: datetime) -> list[Decision]:
    """Decide keep or delete for each item by the policy alone, newest first, each keep with its rules."""
    ordered = sorted(items, key=lambda item: (item.created, item.id), reverse=True)
    decisions = [Decision(item.id, item.created) for item in ordered]
    if not decisions:
        return decisions
    zone = ZoneInfo(policy.timezone)
    latest = latest_not_in_future(items, now)

    def window(duration: CalendarDuration) -> datetime:
        # With every backup in the future restic's anchor is the zero time: the window then holds everything.
        return duration.before(latest, zone) if latest is not None else datetime.min.replace(tzinfo=now.tzinfo)

    rules = [_Rule("last snapshot", lambda position, _local: position, count=policy.keep_last)]
    rules += [_Rule(f"{period} snapshot", _by_period(key), count=getattr(policy, f"keep_{period}")) for period, key in PERIODS.items()]
    for period, key in PERIODS.items():
        duration = getattr(policy, f"keep_within_{period}")
        if duration is not None:
            rules.append(_Rule(f"{period} within {duration.text}", _by_period(key), window_start=window(duration)))
    within = window(policy.keep_within) if policy.keep_within is not None else None
    for position, decision in enumerate(decisions):
        local = decision.created.astimezone(zone)
        if within is not None and decision.created > within:
            _keep(decision, f"within {policy.keep_within.text}")  # type: ignore[union-attr]
        for rule in rules:
            reason = rule.offer(position, local, decision.created, oldest=position == len(decisions) - 1)
            if reason:
                _keep(decision, reason)
    return decisions


def _by_period(key: Callable[[datetime], Any]) -> Callable[[int, datetime], Any]:
    return lambda _position, local: key(local)


def plan(items: list[Item], policy: Policy, now: datetime, verified_ids: frozenset[str] = frozenset(), min_keep: int = 0) -> list[Decision]:
    """The policy, then the guards that no policy can override."""
    decisions = apply_policy(items, policy, now)
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
