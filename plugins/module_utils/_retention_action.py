# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``backup_retention`` action: plan per resource with the policy engine and the guards, then prune.

No service-specific code: listing, protection checks, deletion and garbage collection are kind adapters'.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, guarded, ledger_record, open_fleet, parse_common
from ansible_collections.steward.maintenance.plugins.module_utils._clock import isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._evidence import verified_backup_ids
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import FleetView, read_fleet
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import record_key
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    ORIGIN_AUTOMATED,
    ORIGIN_AWS_BACKUP,
    ORIGIN_MANUAL,
    ORIGIN_STEWARD,
    Backup,
    Selected,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import validate_label
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._retention import Item, Policy, blast_radius, parse_policy, plan
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "backup_retention"
STATUSES = ("pruned", "unchanged", "planned", "skipped", "failed")
_OUT_OF_SCOPE = {
    ORIGIN_AUTOMATED: "made by the service itself (automated or system backup), which expires it",
    ORIGIN_AWS_BACKUP: "owned by AWS Backup, whose vault lifecycle expires it",
    ORIGIN_MANUAL: "not made by steward (set include_unmanaged to include it)",
}


@dataclass
class RetentionRequest:
    targets: list[Target]
    policy: Policy
    include_unmanaged: bool
    # Only backups with one of these labels are in scope (a pre-deploy policy apart from the daily one); None: all.
    labels: frozenset[str] | None
    min_keep: int
    max_delete: int | None
    max_delete_percent: float | None
    force: bool
    concurrency: int
    ledger: Any


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> RetentionRequest:
    concurrency, ledger = parse_common(params)
    policy = parse_policy(params)
    min_keep = params.get("min_keep")
    if isinstance(min_keep, bool) or not isinstance(min_keep, int) or min_keep < 1:
        raise OptionError("min_keep", min_keep, "expected a whole number of 1 or more (the newest backup is always kept)")
    max_delete = params.get("max_delete")
    if max_delete is not None and (isinstance(max_delete, bool) or not isinstance(max_delete, int) or max_delete < 0):
        raise OptionError("max_delete", max_delete, "expected a whole number of 0 or more")
    percent = params.get("max_delete_percent")
    if percent is not None and (isinstance(percent, bool) or not isinstance(percent, (int, float)) or not 0 <= percent <= 100):
        raise OptionError("max_delete_percent", percent, "expected a number from 0 to 100")
    return RetentionRequest(
        targets=parse_targets(params.get("targets"), kinds, params),
        policy=policy,
        include_unmanaged=bool(params.get("include_unmanaged")),
        labels=_parse_labels(params.get("labels")),
        min_keep=min_keep,
        max_delete=max_delete,
        max_delete_percent=float(percent) if percent is not None else None,
        force=bool(params.get("force")),
        concurrency=concurrency,
        ledger=ledger,
    )


def _parse_labels(value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value:
        raise OptionError("labels", value, "expected a non-empty list of labels (leave it out for every label)")
    return frozenset(validate_label(f"labels[{index}]", label) for index, label in enumerate(value))


def run_retention(context: Context, request: RetentionRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, now = open_fleet(context, request.targets, kinds, writes=True)
    fleet = read_fleet(adapters, selection.selected, context.concurrency, details=False)
    diff: dict[str, dict[str, list[str]]] = {"before": {}, "after": {}}

    def one(selected: Selected) -> ResourceResult:
        result = ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn)
        prune = partial(_prune_one, context, request, adapters[selected.kind], fleet, selected, result, now, diff)
        return guarded(context, result, prune, "retention could not be planned")

    results = [outcome.value for outcome in fan_out(selection.selected, one, context.concurrency)]
    payload: dict[str, Any] = {
        "changed": any(result.status in ("pruned", "planned") for result in results),
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
        "policy": request.policy.describe(),
    }
    payload["summary"]["deleted_backups"] = sum(result.extra.get("deleted_count", 0) for result in results)
    payload["summary"]["planned_deletions"] = sum(result.extra.get("planned_count", 0) for result in results)
    if context.diff:
        payload["diff"] = diff
    return payload, failure_message(ACTION, results, selection.targets)


def _prune_one(
    context: Context,
    request: RetentionRequest,
    adapter: Any,
    fleet: FleetView,
    selected: Selected,
    result: ResourceResult,
    now: Any,
    diff: dict,
) -> None:
    resource = fleet.describe(selected)
    result.arn = resource.arn or result.arn
    backups = fleet.list_backups(resource)
    scope = (ORIGIN_STEWARD, ORIGIN_MANUAL) if request.include_unmanaged else (ORIGIN_STEWARD,)
    in_scope = {
        backup.id: backup
        for backup in backups
        if backup.origin in scope and backup.state == AVAILABLE and (request.labels is None or backup.label in request.labels)
    }
    out_of_scope = [backup for backup in backups if backup.id not in in_scope]
    decisions = plan(
        [Item(backup.id, backup.created) for backup in in_scope.values()],
        request.policy,
        now,
        verified_ids=verified_backup_ids(context.ledger, resource.kind, resource.id),
        min_keep=request.min_keep,
    )
    for decision in decisions:
        if not decision.keep:
            blocker = adapter.deletion_blocker(in_scope[decision.id], now)
            if blocker:
                decision.keep = True
                decision.reasons.append(f"guard:protected ({blocker})")
    doomed = [in_scope[decision.id] for decision in decisions if not decision.keep]
    kept = [_entry(in_scope[decision.id], decision.reasons) for decision in decisions if decision.keep]
    kept += [_entry(backup, [_why_out_of_scope(backup, request.labels)]) for backup in out_of_scope]
    result.extra.update({"kept": kept, "deleted": [_entry(backup, []) for backup in doomed], "in_scope_count": len(in_scope)})
    if context.diff:
        key, doomed_ids = f"{resource.kind}/{resource.id}", {backup.id for backup in doomed}
        diff["before"][key] = sorted(backup.name for backup in backups)
        diff["after"][key] = sorted(backup.name for backup in backups if backup.id not in doomed_ids)

    too_many = blast_radius(decisions, request.max_delete, request.max_delete_percent)
    if too_many and not request.force:
        result.status, result.error_code = "failed", "blast_radius"
        result.error = f"{too_many}: nothing deleted (set force to prune anyway)"
        result.message = "blast-radius guard refused the plan"
        return
    result.extra["planned_count"] = len(doomed)
    if not doomed:
        result.status, result.message = "unchanged", f"all {len(in_scope)} backups in scope are kept"
        return
    if context.check_mode:
        result.status, result.action = "planned", "delete"
        result.message = f"would delete {len(doomed)} of {len(in_scope)} backups in scope"
        return
    _delete(context, adapter, resource, result, doomed, decisions, request)


def _delete(
    context: Context, adapter: Any, resource: Any, result: ResourceResult, doomed: list[Backup], decisions: list, request: RetentionRequest
) -> None:
    """Delete one by one (the fan-out is across resources); every deletion gets its ledger record."""
    result.action = "delete"
    deleted: list[Backup] = []
    gone: list[Backup] = []  # found deleted already by someone else: nothing this run did, and no failure either
    failures: list[str] = []
    kept_ids = [decision.id for decision in decisions if decision.keep]
    for backup in doomed:
        record = ResourceResult(resource.kind, resource.id, "deleted", "delete", arn=resource.arn)
        try:
            if adapter.delete_backup(backup):
                deleted.append(backup)
            else:
                gone.append(backup)
                record.status, record.action = "gone", "none"
                record.message = f"{backup.name} was already deleted, not by this run"
        except Exception as error:  # noqa: BLE001 - the rest of the plan still runs
            record.status = "failed"
            record.error = describe_error(error)[0]
            failures.append(f"{backup.name}: {record.error}")
        body = {"backup": backup.as_dict(), "policy": request.policy.describe(), "kept": kept_ids}
        key = record_key(resource.kind, resource.id, ACTION, context.clock.now(), context.run_id)
        try:
            context.ledger.write(key, ledger_record(context, ACTION, record, body))
        except Exception as error:  # noqa: BLE001 - missing evidence fails the resource, loudly, after the rest
            failures.append(f"{backup.name}: ledger record not written: {describe_error(error)[0]}")
    result.extra["deleted_count"] = len(deleted)
    if gone:
        result.extra["gone_count"] = len(gone)
    garbage = adapter.collect_garbage(resource, context.clock.now()) if deleted else {}
    if garbage:
        result.details["garbage_collection"] = garbage
    if failures:
        result.status, result.error_code = "failed", "delete_failed"
        result.error = f"{len(failures)} of {len(doomed)} deletions went wrong: " + "; ".join(failures[:5])
        return
    result.status = "pruned"
    result.message = f"deleted {len(deleted)} of {len(decisions)} backups in scope" + (
        f" ({len(gone)} more planned were already deleted, not by this run)" if gone else ""
    )


def _entry(backup: Backup, reasons: list[str]) -> dict[str, Any]:
    return {"id": backup.id, "name": backup.name, "created": isoformat(backup.created), "origin": backup.origin, "reasons": reasons}


def _why_out_of_scope(backup: Backup, labels: frozenset[str] | None) -> str:
    if labels is not None and backup.label not in labels and backup.origin in (ORIGIN_STEWARD, ORIGIN_MANUAL):
        return f"out of scope: label {backup.label or '(none)'} not in labels"
    if backup.state != AVAILABLE and backup.origin in (ORIGIN_STEWARD, ORIGIN_MANUAL):
        return f"out of scope: state {backup.state}"
    return "out of scope: " + _OUT_OF_SCOPE.get(backup.origin, backup.origin)
