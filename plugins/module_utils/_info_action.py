# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``backup_info`` action: every selected resource's backups, the newest one's age, RPO status. Read-only."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, guarded, open_fleet, parse_common
from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration, parse_optional_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import read_fleet
from ansible_collections.steward.maintenance.plugins.module_utils._model import AVAILABLE, Backup, Selected
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

STATUSES = ("ok", "rpo_missed", "no_backups", "skipped", "failed")
ACTION = "backup_info"


@dataclass
class InfoRequest:
    targets: list[Target]
    rpo_s: int | None
    max_backups: int
    fail_on_rpo_miss: bool
    concurrency: int


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> InfoRequest:
    concurrency = parse_common(params)[0]
    max_backups = params.get("max_backups")
    if isinstance(max_backups, bool) or not isinstance(max_backups, int) or max_backups < 0:
        raise OptionError("max_backups", max_backups, "expected a whole number of 0 or more")
    return InfoRequest(
        targets=parse_targets(params.get("targets"), kinds, params),
        rpo_s=parse_optional_duration("rpo", params.get("rpo")),
        max_backups=max_backups,
        fail_on_rpo_miss=bool(params.get("fail_on_rpo_miss")),
        concurrency=concurrency,
    )


def run_backup_info(context: Context, request: InfoRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, now = open_fleet(context, request.targets, kinds, writes=False)
    fleet = read_fleet(adapters, selection.selected, context.concurrency, details=False)

    def one(selected: Selected) -> ResourceResult:
        result = ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn)

        def read() -> None:
            resource = fleet.describe(selected)
            result.arn = resource.arn or result.arn
            _judge(result, fleet.list_backups(resource), now, request)

        return guarded(context, result, read, "backups could not be listed")

    results = [outcome.value for outcome in fan_out(selection.selected, one, context.concurrency)]
    payload = {
        "changed": False,
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
        "rpo_s": request.rpo_s,
    }
    failure = failure_message(ACTION, results, selection.targets)
    missed = [result.key for result in results if result.status in ("rpo_missed", "no_backups")]
    if failure is None and request.fail_on_rpo_miss and request.rpo_s is not None and missed:
        failure = f"RPO {format_duration(request.rpo_s)} missed by {len(missed)} resources: {', '.join(missed[:20])}"
    return payload, failure


def _judge(result: ResourceResult, backups: list[Backup], now: Any, request: InfoRequest) -> None:
    """RPO counts any available backup, steward's or not: what matters is that a recent copy exists."""
    available = [backup for backup in backups if backup.state == AVAILABLE]
    managed = [backup for backup in available if backup.managed]
    newest = available[0] if available else None
    age = (now - newest.created).total_seconds() if newest else None
    result.extra.update(
        {
            "backup_count": len(backups),
            "managed_count": sum(1 for backup in backups if backup.managed),
            "newest_backup": _with_age(newest, now),
            "newest_managed_backup": _with_age(managed[0] if managed else None, now),
            "newest_age_s": round(age) if age is not None else None,
            "rpo_s": request.rpo_s,
            "rpo_met": None if request.rpo_s is None else (age is not None and age <= request.rpo_s),
            "backups": [_with_age(backup, now) for backup in backups[: request.max_backups]],
        }
    )
    if newest is None:
        result.status = "no_backups"
        result.message = "no available backup" + (f" ({len(backups)} not yet available)" if backups else "")
    elif request.rpo_s is not None and age is not None and age > request.rpo_s:
        result.status = "rpo_missed"
        result.message = f"newest backup {newest.name} is {format_duration(age)} old, older than rpo {format_duration(request.rpo_s)}"
    else:
        result.status = "ok"
        result.message = f"newest backup {newest.name} is {format_duration(max(age or 0, 0))} old"


def _with_age(backup: Backup | None, now: Any) -> dict[str, Any] | None:
    if backup is None:
        return None
    return {**backup.as_dict(), "age_s": round((now - backup.created).total_seconds())}
