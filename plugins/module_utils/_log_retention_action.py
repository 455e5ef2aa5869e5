# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``log_retention`` action: every selected log group gets ``retention_days`` where it has none (never expires),
or wherever it differs with ``enforce``; before and after reported, one ledger record per change."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, guarded, open_fleet, parse_common, write_record
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import not_found
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.logs.log_group import ALLOWED_DAYS, MISSING
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "log_retention"
STATUSES = ("set", "unchanged", "planned", "failed")


@dataclass
class LogRetentionRequest:
    targets: list[Target]
    retention_days: int
    enforce: bool
    concurrency: int
    ledger: Any


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> LogRetentionRequest:
    concurrency, ledger = parse_common(params)
    days = params.get("retention_days")
    if isinstance(days, bool) or not isinstance(days, int) or days not in ALLOWED_DAYS:
        raise OptionError("retention_days", days, f"CloudWatch Logs allows only {', '.join(map(str, ALLOWED_DAYS))} days")
    return LogRetentionRequest(parse_targets(params.get("targets"), kinds, params), days, bool(params.get("enforce")), concurrency, ledger)


def run_log_retention(context: Context, request: LogRetentionRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, _now = open_fleet(context, request.targets, kinds, writes=True)
    current: dict[str, Any] = {}
    for kind, adapter in adapters.items():  # one sweep per kind for the whole fleet, not one call per group
        current.update(adapter.retention_of([selected.id for selected in selection.selected if selected.kind == kind]))
    results = [
        outcome.value for outcome in fan_out(selection.selected, partial(_one, context, request, adapters, current), context.concurrency)
    ]
    payload: dict[str, Any] = {
        "changed": any(result.status in ("set", "planned") for result in results),
        "retention_days": request.retention_days,
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
    }
    if context.diff:
        payload["diff"] = {
            "before": {result.id: result.extra.get("before") for result in results},
            "after": {result.id: result.extra.get("after") for result in results},
        }
    return payload, failure_message(ACTION, results, selection.targets)


def _one(
    context: Context, request: LogRetentionRequest, adapters: dict[str, Any], current: dict[str, Any], selected: Selected
) -> ResourceResult:
    result = ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn)

    def body() -> None:
        before = current.get(selected.id, MISSING)
        if before is MISSING:
            raise not_found(selected.kind, selected.id)
        result.extra.update(before=before, after=before)
        if before == request.retention_days:
            result.status, result.message = "unchanged", f"already {before} days"
            return
        if before is not None and not request.enforce:
            result.status, result.message = "unchanged", f"keeps its own {before} days (enforce: true sets {request.retention_days})"
            return
        shown = "never expires" if before is None else f"{before} days"
        result.action, result.extra["after"] = "set", request.retention_days
        if context.check_mode:
            result.status, result.message = "planned", f"would set {request.retention_days} days (now: {shown})"
            return
        adapters[selected.kind].set_retention(selected.id, request.retention_days)
        result.status, result.message = "set", f"set {request.retention_days} days (was: {shown})"
        write_record(context, ACTION, result, {"before_days": before, "after_days": request.retention_days})

    return guarded(context, result, body, "retention could not be set")
