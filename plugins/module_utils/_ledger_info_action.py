# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``ledger_info`` action: the evidence ledger, filtered, and each resource's series over time. Read-only.

Fast on long histories: one listing of the ledger's keys (or of one kind's part), filtered by kind, resource, action
and time from the keys alone, then only the matching records read, concurrently.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, parse_retries
from ansible_collections.steward.maintenance.plugins.module_utils._durations import parse_optional_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import RecordRef, parse_ledger, safe_id
from ansible_collections.steward.maintenance.plugins.module_utils._targets import parse_concurrency

ACTION = "ledger_info"
_READERS = 16  # reading many small objects is latency-bound: more readers than the fleet's default concurrency


@dataclass
class LedgerInfoRequest:
    ledger: Any
    kinds: frozenset[str] | None
    resources: frozenset[str] | None  # as keys spell them
    actions: frozenset[str] | None
    since_s: int | None
    until_s: int | None
    statuses: frozenset[str] | None
    verdicts: frozenset[str] | None
    max_records: int
    concurrency: int


def _names(option: str, value: Any) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not value or not all(isinstance(item, str) and item for item in value):
        raise OptionError(option, value, "expected a non-empty list of names (leave it out for all)")
    return frozenset(value)


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> LedgerInfoRequest:
    parsed = parse_ledger(params.get("ledger"))
    if parsed is None:
        raise OptionError("ledger", params.get("ledger"), "required: the ledger to read, a directory or s3://bucket/prefix")
    if parsed[0] == "local" and not os.path.isdir(parsed[1]) and not params.get("missing_ok"):
        raise OptionError("ledger", params.get("ledger"), "no ledger there: the directory does not exist (missing_ok reads it as empty)")
    max_records = params.get("max_records", 1000)
    if isinstance(max_records, bool) or not isinstance(max_records, int) or max_records < 0:
        raise OptionError("max_records", max_records, "expected a whole number of 0 or more")
    resources = _names("resources", params.get("resources"))
    since_s = parse_optional_duration("since", params.get("since"))
    until_s = parse_optional_duration("until", params.get("until"))
    if since_s is not None and until_s is not None and until_s >= since_s:
        raise OptionError("until", params.get("until"), f"must be shorter than since ({params.get('since')}): the window would be empty")
    parse_retries(params, default=10)
    return LedgerInfoRequest(
        ledger=parsed,
        kinds=_names("kinds", params.get("kinds")),
        resources=frozenset(safe_id(resource) for resource in resources) if resources else None,
        actions=_names("actions", params.get("actions")),
        since_s=since_s,
        until_s=until_s,
        statuses=_names("statuses", params.get("statuses")),
        verdicts=_names("verdicts", params.get("verdicts")),
        max_records=max_records,
        concurrency=parse_concurrency(params.get("concurrency", 8)),
    )


def run_ledger_info(context: Context, request: LedgerInfoRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    started = time.monotonic()
    ledger = context.ledger
    if request.ledger[0] == "s3":
        ledger.check_writable()  # a bucket that cannot be reached is named as the ledger option's problem
    now = context.clock.now()
    oldest = now - timedelta(seconds=request.since_s) if request.since_s is not None else None
    newest = now - timedelta(seconds=request.until_s) if request.until_s is not None else None
    one_kind = next(iter(request.kinds)) if request.kinds and len(request.kinds) == 1 else None
    listed = ledger.list_all(one_kind)
    wanted = [ref for ref in listed if _by_key(request, ref, oldest, newest)]
    outcomes = fan_out(wanted, ledger.read_ref, max(request.concurrency, _READERS))
    unreadable = [outcome.item.name for outcome in outcomes if not outcome.ok]
    records = [outcome.value for outcome in outcomes if outcome.ok and _by_content(request, outcome.value)]
    records.sort(key=lambda record: (record.get("recorded") or "", record.get("kind") or "", record.get("resource_id") or ""))
    series = _series(records)
    returned = records[-request.max_records :] if request.max_records else []
    payload = {
        "changed": False,
        "records": returned,
        "series": series,
        "summary": {
            "listed": len(listed),
            "read": len(wanted),
            "matched": len(records),
            "returned": len(returned),
            "truncated": len(records) - len(returned),
            "unreadable": len(unreadable),
            "by_action": _count(records, "action"),
            "seconds": round(time.monotonic() - started, 3),
        },
    }
    if unreadable:
        context.warnings.append(f"{len(unreadable)} ledger records could not be read, e.g. {unreadable[0]}")
    return payload, None


def _by_key(request: LedgerInfoRequest, ref: RecordRef, oldest: datetime | None, newest: datetime | None) -> bool:
    if request.kinds and ref.kind not in request.kinds:
        return False
    if request.resources and ref.resource not in request.resources:
        return False
    if request.actions and ref.action not in request.actions:
        return False
    too_old = oldest is not None and ref.moment is not None and ref.moment < oldest
    too_new = newest is not None and ref.moment is not None and ref.moment > newest
    return not (too_old or too_new)


def _by_content(request: LedgerInfoRequest, record: Any) -> bool:
    if not isinstance(record, dict):
        return False
    if request.statuses and record.get("status") not in request.statuses:
        return False
    return not (request.verdicts and record.get("verdict") not in request.verdicts)


def _count(records: list[dict[str, Any]], field: str) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.get(field) or "?"] = counts.get(record.get(field) or "?", 0) + 1
    return counts


def _series(records: list[dict[str, Any]]) -> dict[str, dict[str, list[dict[str, Any]]]]:
    """Per resource (``kind/id``) and action, one point per record, oldest first: what a chart or a trend needs."""
    series: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for record in records:
        point = {"recorded": record.get("recorded"), "status": record.get("status"), **_point(record)}
        key = f"{record.get('kind')}/{record.get('resource_id')}"
        series.setdefault(key, {}).setdefault(record.get("action") or "?", []).append(point)
    return series


def _point(record: dict[str, Any]) -> dict[str, Any]:
    action = record.get("action")
    if action == "backup":
        before = record.get("newest_backup_before") or {}
        return {"backup": (record.get("backup") or {}).get("name"), "age_s_before": _age(record.get("recorded"), before.get("created"))}
    if action == "restore_test":
        timings, objectives = record.get("timings") or {}, record.get("objectives") or {}
        return {
            "verdict": record.get("verdict"),
            "rto_s": timings.get("rto_s"),
            "rpo_s": timings.get("rpo_s"),
            **{k: objectives.get(k) for k in ("rto_met", "rpo_met")},
        }
    if action == "rollback":
        gates = record.get("gates") or []
        return {
            "target": (record.get("target") or {}).get("display"),
            "gates_passed": all(gate.get("result") == "passed" for gate in gates),
            "reverted": record.get("reverted"),
        }
    if action == "secret_rotation":
        return {"method": record.get("method"), "new_version": record.get("new_version")}
    if action == "access_key_rotation":
        return {"done": [entry.get("action") for entry in record.get("done") or []]}
    return {}


def _age(recorded: str | None, created: str | None) -> int | None:
    if not recorded or not created:
        return None
    try:
        return int((_moment(recorded) - _moment(created)).total_seconds())
    except ValueError:
        return None


def _moment(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
