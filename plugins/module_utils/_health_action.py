# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``health_check`` action: the morning check over a fleet, as findings with a severity. Read-only.

Every probe runs (batched by kind, concurrently) before the task fails on any finding at or above ``fail_on``.
Backup freshness is ``backup_info`` itself, run over the ``backups`` targets, its verdicts turned into findings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils import _info_action
from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, open_fleet, parse_common
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import batches_by_kind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe._protocol import (
    CRITICAL,
    INFO,
    SEVERITIES,
    Finding,
    Thresholds,
)
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "health_check"
# backup_info's verdicts as findings.
_BACKUP_SEVERITY = {"ok": INFO, "skipped": INFO, "rpo_missed": CRITICAL, "no_backups": CRITICAL, "failed": CRITICAL}


@dataclass
class HealthRequest:
    targets: list[Target]
    fail_on: str
    warn_days: int
    critical_days: int
    backups: Any  # backup_info's request over the backups targets, or None
    concurrency: int


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> HealthRequest:
    concurrency = parse_common(params)[0]
    fail_on = params.get("fail_on") or CRITICAL
    if fail_on not in SEVERITIES:
        raise OptionError("fail_on", fail_on, f"expected a severity: {', '.join(SEVERITIES)}")
    certificates = params.get("certificates") or {}
    warn, critical = certificates.get("warn_days", 30), certificates.get("critical_days", 7)
    for name, value in (("warn_days", warn), ("critical_days", critical)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise OptionError(f"certificates.{name}", value, "expected a whole number of days, 0 or more")
    if warn < critical:
        raise OptionError("certificates.warn_days", warn, f"must not be below certificates.critical_days ({critical})")
    targets = parse_targets(params.get("targets"), kinds, params) if params.get("targets") else []
    backups = _parse_backups(params.get("backups"), params)
    if not targets and backups is None:
        raise OptionError("targets", params.get("targets"), "give targets to probe, backups to check, or both")
    return HealthRequest(targets, fail_on, warn, critical, backups, concurrency)


def _parse_backups(raw: Any, params: dict[str, Any]) -> Any:
    if not raw:
        return None
    if not isinstance(raw, dict) or not raw.get("targets"):
        raise OptionError("backups.targets", raw, "expected backup targets (as backup_info takes them) and an rpo")
    if not raw.get("rpo"):
        raise OptionError("backups.rpo", raw.get("rpo"), "required: the age a newest backup may have, e.g. 26h")
    info = {
        "targets": raw["targets"],
        "rpo": raw["rpo"],
        "postgres": raw.get("postgres"),
        "max_backups": 0,
        "fail_on_rpo_miss": False,
        "concurrency": params.get("concurrency"),
        "retry_max_attempts": params.get("retry_max_attempts"),
    }
    try:
        return _info_action.parse_request(info, BACKUP_KINDS)
    except OptionError as error:  # name the option as this module's
        raise OptionError(f"backups.{error.option}", error.value, error.reason) from None


def run_health_check(context: Context, request: HealthRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    findings: list[Finding] = []
    targets: list[dict[str, Any]] = []
    if request.targets:
        adapters, selection, now = open_fleet(context, request.targets, kinds, writes=False)
        targets = selection.targets
        thresholds = Thresholds(now, request.warn_days, request.critical_days)
        batches = batches_by_kind(selection.selected, lambda item: item.kind, adapters, "batch")
        for outcome in fan_out(batches, lambda batch: adapters[batch[0].kind].probe(batch, thresholds), context.concurrency):
            if outcome.ok:
                findings += outcome.value or []
                continue
            why = describe_error(outcome.error)[0]  # type: ignore[arg-type]
            findings += [Finding(item.kind, item.id, "probe", CRITICAL, f"could not be probed: {why}") for item in outcome.item]
        findings += [Finding(target["kind"], target["target"], "lookup", CRITICAL, target["error"]) for target in selection.failed_targets]
    if request.backups is not None:
        findings += _backup_findings(context, request.backups)
    findings.sort(key=lambda finding: (-SEVERITIES.index(finding.severity), finding.kind, finding.id, finding.check))
    summary = {severity: sum(1 for finding in findings if finding.severity == severity) for severity in SEVERITIES}
    summary.update(total=len(findings), resources=len({(finding.kind, finding.id) for finding in findings}))
    payload = {
        "changed": False,
        "findings": [finding.as_dict() for finding in findings],
        "summary": summary,
        "fail_on": request.fail_on,
        "targets": targets,
    }
    failing = [finding for finding in findings if SEVERITIES.index(finding.severity) >= SEVERITIES.index(request.fail_on)]
    if not failing:
        return payload, None
    named = "; ".join(f"{finding.kind}/{finding.id} {finding.check}: {finding.message}" for finding in failing[:10])
    more = f" and {len(failing) - 10} more" if len(failing) > 10 else ""
    return payload, f"health check: {len(failing)} findings at or above {request.fail_on}: {named}{more}"


def _backup_findings(context: Context, info_request: Any) -> list[Finding]:
    """backup_info over the backups targets (its logic, not a copy), each verdict a finding."""
    payload, _failure = _info_action.run_backup_info(context, info_request, BACKUP_KINDS)
    findings = [
        Finding(
            resource["kind"],
            resource["id"],
            "backup_freshness",
            _BACKUP_SEVERITY.get(resource["status"], CRITICAL),
            resource["error"] or resource["message"],
            resource.get("newest_age_s"),
        )
        for resource in payload["resources"]
    ]
    findings += [
        Finding(target["kind"], target["target"], "lookup", CRITICAL, target["error"])
        for target in payload["targets"]
        if target.get("error")
    ]
    return findings
