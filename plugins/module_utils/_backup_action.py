# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``backup`` action: plan or take one backup per selected resource, wait, record evidence.

No service-specific code: every AWS call goes through a kind adapter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import (
    Context,
    guarded,
    open_fleet,
    parse_common,
    poll_rounds,
    write_record,
)
from ansible_collections.steward.maintenance.plugins.module_utils._durations import (
    format_duration,
    parse_duration,
    parse_optional_duration,
)
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import FleetView, batches_by_kind, read_fleet
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    DELETING,
    FAILED,
    PENDING,
    Backup,
    Resource,
    Selected,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    backup_name,
    managed_tags,
    validate_label,
    validate_user_tags,
)
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

STATUSES = ("created", "skipped", "failed", "planned")
ACTION = "backup"
POLL_INTERVAL_S = 5.0
MIN_INTERVAL_SCOPES = ("label", "any")


@dataclass
class BackupRequest:
    targets: list[Target]
    label: str
    min_interval_s: int | None
    # "label": min_interval counts only backups with this label (the nightly one does not stop a pre-deploy one).
    min_interval_scope: str
    tags: dict[str, str]
    wait: bool
    wait_timeout_s: int
    concurrency: int
    ledger: Any
    poll_interval_s: float = POLL_INTERVAL_S


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> BackupRequest:
    """Every check that needs no API call, in the order a reader of the task would look."""
    concurrency, ledger = parse_common(params)
    return BackupRequest(
        targets=parse_targets(params.get("targets"), kinds, params),
        label=validate_label("label", params.get("label")),
        min_interval_s=parse_optional_duration("min_interval", params.get("min_interval")),
        min_interval_scope=_parse_scope(params.get("min_interval_scope")),
        tags=validate_user_tags("tags", params.get("tags")),
        wait=bool(params.get("wait")),
        wait_timeout_s=parse_duration("wait_timeout", params.get("wait_timeout")),
        concurrency=concurrency,
        ledger=ledger,
    )


def _parse_scope(value: Any) -> str:
    if value is None:
        return "label"
    if value not in MIN_INTERVAL_SCOPES:
        raise OptionError("min_interval_scope", value, f"expected one of {', '.join(MIN_INTERVAL_SCOPES)}")
    return value


@dataclass
class _Work:
    """One resource's way through the action; only the result is returned to the user."""

    selected: Selected
    result: ResourceResult
    resource: Resource | None = None
    backup: Backup | None = None
    newest: Backup | None = None
    evidence: dict[str, Any] = field(default_factory=dict)


def run_backup(context: Context, request: BackupRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, now = open_fleet(context, request.targets, kinds, writes=True)
    fleet = read_fleet(adapters, selection.selected, context.concurrency)

    # Without a wait, a resource's outcome is final once its create returns: its record is written there and then,
    # by the same worker, so the writes overlap the other workers' calls instead of following all of them.
    record_at_once = not request.wait and not context.check_mode

    def one(selected: Selected) -> _Work:
        work = _Work(selected, ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn))
        plan_or_create = partial(_plan_or_create, context, request, adapters[selected.kind], fleet, work, now)
        guarded(context, work.result, plan_or_create, "backup could not be started")
        if record_at_once:
            _record_one(context, work, request)
        return work

    works = [outcome.value for outcome in fan_out(selection.selected, one, context.concurrency)]
    if request.wait and not context.check_mode:
        _wait(context, request, adapters, [work for work in works if work.backup is not None])
        fan_out(works, partial(_record_one, context, request=request), context.concurrency)

    results = [work.result for work in works]
    payload: dict[str, Any] = {
        "changed": any(result.status in ("created", "planned") for result in results),
        # The same for every backup but steward:source (the resource's ARN or id); DynamoDB backups take no tags.
        "backup_tags": managed_tags("<resource ARN or id>", request.label, now, request.tags),
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
    }
    if context.diff:
        payload["diff"] = _diff(works)
    return payload, failure_message(ACTION, results, selection.targets)


def _plan_or_create(context: Context, request: BackupRequest, adapter: Any, fleet: FleetView, work: _Work, now: Any) -> None:
    resource = fleet.describe(work.selected)
    work.resource = resource
    work.result.arn = resource.arn or work.result.arn
    managed = [
        backup
        for backup in fleet.list_backups(resource)
        if backup.managed
        and backup.state not in (FAILED, DELETING)
        and (request.min_interval_scope == "any" or backup.label == request.label)
    ]
    work.newest = managed[0] if managed else None
    if work.newest is not None:
        age = (now - work.newest.created).total_seconds()
        # Results stay compact (AWX drops a task's result above 700 KB): the full facts go to the ledger.
        work.result.extra["newest_backup"] = {"id": work.newest.id, "name": work.newest.name, "age_s": round(age)}
        if request.min_interval_s is not None and age < request.min_interval_s:
            work.result.status, work.result.action = "skipped", "none"
            work.result.message = (
                f"newest steward backup{_scope(request)} {work.newest.name} is {format_duration(max(age, 0))} old, "
                f"younger than min_interval {format_duration(request.min_interval_s)}"
            )
            return
    name = backup_name(resource.id, request.label, now, strict=adapter.strict_names, run_id=context.run_id)
    source = resource.arn or resource.id
    tags = managed_tags(source, request.label, now, request.tags)
    work.result.extra["backup_name"] = name
    if context.check_mode:
        work.result.status, work.result.action = "planned", "create"
        work.result.message = f"would create {name}"
        return
    work.result.action = "create"  # a failure from here on failed while creating
    backup = adapter.create_backup(resource, name, tags, now)
    work.backup = backup
    work.result.status, work.result.action = "created", "create"
    work.result.message = f"created {backup.name} ({backup.state})"
    _show_backup(work)


def _scope(request: BackupRequest) -> str:
    return f" labelled {request.label}" if request.min_interval_scope == "label" else ""


def _show_backup(work: _Work) -> None:
    backup = work.backup
    if backup is None:
        raise ValueError("no backup to show")
    work.result.extra.update({"backup_id": backup.id, "backup_arn": backup.arn, "backup_name": backup.name, "backup_state": backup.state})
    work.result.details = dict(backup.details)


def _wait(context: Context, request: BackupRequest, adapters: dict[str, Any], works: list[_Work]) -> None:
    """Poll every pending backup together until all are available, one fails, or wait_timeout passes."""
    last_poll_error: dict[str, str] = {}

    def pending(work: _Work) -> bool:
        return work.result.status != "failed" and work.backup is not None and work.backup.state == PENDING

    def poll(waiting: list[_Work]) -> None:
        batches = batches_by_kind(waiting, lambda work: work.result.kind, adapters, "refresh_batch_size")
        refresh = partial(_refresh_batch, adapters)
        for outcome in fan_out(batches, refresh, context.concurrency):
            if not outcome.ok:
                # A failed poll is retried on the next round; the deadline still bounds it, and the error is
                # kept so that a timeout says what went wrong rather than only that time ran out.
                for work in outcome.item:
                    last_poll_error[work.result.key] = describe_error(outcome.error)[0]  # type: ignore[arg-type]
                continue
            for work, backup in zip(outcome.item, outcome.value or [], strict=True):
                _settle(work, backup)

    timed_out = poll_rounds(context, works, poll, pending, request.wait_timeout_s, request.poll_interval_s)
    for work in timed_out:
        work.result.status, work.result.error_code = "failed", "timeout"
        waited = format_duration(request.wait_timeout_s)
        work.result.error = f"backup {work.backup.name} still pending after wait_timeout {waited}"  # type: ignore[union-attr]
        if work.result.key in last_poll_error:
            work.result.error += f" (last poll failed: {last_poll_error[work.result.key]})"


def _refresh_batch(adapters: dict[str, Any], batch: list[_Work]) -> list[Backup]:
    return adapters[batch[0].result.kind].refresh_backups([work.backup for work in batch])


def _settle(work: _Work, backup: Backup) -> None:
    work.backup = backup
    _show_backup(work)
    if backup.state == AVAILABLE:
        work.result.message = f"created {backup.name} (available)"
    elif backup.state != PENDING:
        work.result.status, work.result.error_code = "failed", "backup_failed"
        work.result.error = f"backup {backup.name} ended in state {backup.state}"


def _record_one(context: Context, work: _Work, request: BackupRequest) -> None:
    """The resource's ledger record, once its outcome is final."""
    body = {
        "label": request.label,
        "source": work.resource.details if work.resource else {},
        "backup": work.backup.as_dict() if work.backup else None,
        "newest_backup_before": work.newest.as_dict() if work.newest else None,
    }
    write_record(context, ACTION, work.result, body)


def _diff(works: list[_Work]) -> dict[str, Any]:
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for work in works:
        newest = work.newest.name if work.newest else None
        before[work.result.key] = {"newest_steward_backup": newest}
        name = work.result.extra.get("backup_name") if work.result.status in ("created", "planned") else None
        after[work.result.key] = {"newest_steward_backup": name or newest}
    return {"before": before, "after": after}
