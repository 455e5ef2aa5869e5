# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``restore_test`` action: restore a backup of every selected resource into scratch, verify, measure, clean up.

In phases across the fleet, so N tests take about as long as the slowest: pick and restore (concurrently),
poll every scratch resource in shared rounds, verifying each the round it becomes usable (so one test's RTO never
includes another's wait), then delete every scratch resource in a ``finally``. No service-specific code: each
step is a kind adapter's.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import (
    Context,
    guarded,
    ledger_record,
    open_fleet,
    parse_common,
    poll_rounds,
    write_record,
)
from ansible_collections.steward.maintenance.plugins.module_utils._clock import isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._durations import (
    format_duration,
    parse_duration,
    parse_optional_duration,
)
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._evidence import (
    RESTORE_TEST_ACTION,
    last_passed_test,
    recorded_source,
    verified_in,
)
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import FleetView, read_fleet
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import NotApplicable, describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import Evidence
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import record_key
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    FAILED,
    Backup,
    Check,
    Resource,
    Scratch,
    Selected,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import scratch_tags
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets, validate_kind_options
from ansible_collections.steward.maintenance.plugins.module_utils._verify import PASSED, failed_checks, verdict

ACTION = RESTORE_TEST_ACTION
STATUSES = ("passed", "failed", "planned", "skipped")
PICKS = ("newest", "random", "oldest_unverified")
POLL_INTERVAL_S = 10.0


@dataclass
class RestoreTestRequest:
    targets: list[Target]
    pick: str
    backup_id: str | None
    include_unmanaged: bool
    scratch: dict[str, dict[str, Any]]
    checks: list[dict[str, Any]]
    item_count_tolerance: float
    rto_s: int | None
    rpo_s: int | None
    fail_on_objective_miss: bool
    keep_scratch_on_failure: bool
    sweep: bool
    scratch_ttl_s: int
    min_interval_s: int | None
    wait_timeout_s: int
    concurrency: int
    ledger: Any
    poll_interval_s: float = POLL_INTERVAL_S


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> RestoreTestRequest:
    """Every check that needs no API call; bad input never starts a restore."""
    concurrency, ledger = parse_common(params)
    targets = parse_targets(params.get("targets"), kinds, params)
    pick, backup_id = params.get("pick"), params.get("backup_id")
    if backup_id is not None and (not isinstance(backup_id, str) or not backup_id):
        raise OptionError("backup_id", backup_id, "expected a backup id, name or ARN")
    if pick is not None and backup_id is not None:
        raise OptionError("pick", pick, "give pick or backup_id, not both")
    if pick is not None and pick not in PICKS:
        raise OptionError("pick", pick, f"expected one of {', '.join(PICKS)}")
    wait_timeout_s = parse_duration("wait_timeout", params.get("wait_timeout"))
    scratch_ttl_s = parse_duration("scratch_ttl", params.get("scratch_ttl"))
    if scratch_ttl_s <= wait_timeout_s:
        raise OptionError(
            "scratch_ttl",
            params.get("scratch_ttl"),
            f"must be longer than wait_timeout ({params.get('wait_timeout')}), or a sweep could delete a test in progress",
        )
    tolerance = params.get("item_count_tolerance", 0)
    if isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not 0 <= tolerance <= 100:
        raise OptionError("item_count_tolerance", tolerance, "expected a percentage from 0 to 100")
    return RestoreTestRequest(
        targets=targets,
        pick=pick or "newest",
        backup_id=backup_id,
        include_unmanaged=bool(params.get("include_unmanaged")),
        scratch=_parse_scratch(params.get("scratch"), targets, kinds),
        checks=_parse_checks(params.get("checks"), kinds),
        item_count_tolerance=float(tolerance),
        rto_s=parse_optional_duration("rto", params.get("rto")),
        rpo_s=parse_optional_duration("rpo", params.get("rpo")),
        fail_on_objective_miss=params.get("fail_on_objective_miss", True) is not False,
        keep_scratch_on_failure=bool(params.get("keep_scratch_on_failure")),
        sweep=bool(params.get("sweep")),
        scratch_ttl_s=scratch_ttl_s,
        min_interval_s=parse_optional_duration("min_interval", params.get("min_interval")),
        wait_timeout_s=wait_timeout_s,
        concurrency=concurrency,
        ledger=ledger,
    )


def _parse_scratch(raw: Any, targets: list[Target], kinds: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Scratch options per kind; every kind the targets use is validated, so a required network is never missing."""
    raw = raw or {}
    if not isinstance(raw, dict):
        raise OptionError("scratch", raw, "expected a mapping of kind to that kind's scratch options")
    for kind in raw:
        if kind not in kinds:
            raise OptionError(f"scratch.{kind}", raw[kind], f"not a kind (expected some of {', '.join(sorted(kinds))})")
    used = list(dict.fromkeys(target.kind for target in targets))
    return {
        kind: validate_kind_options(f"scratch.{kind}", kind, raw.get(kind), kinds[kind].scratch_option_spec, field_path=f"scratch.{kind}")
        for kind in used
    }


def _parse_checks(raw: Any, kinds: dict[str, Any]) -> list[dict[str, Any]]:
    checks = []
    for index, entry in enumerate(raw or []):
        path = f"checks[{index}]"
        if not isinstance(entry, dict):
            raise OptionError(path, entry, "expected a mapping with kind and the kind's check fields")
        kind = entry.get("kind")
        if kind not in kinds:
            raise OptionError(f"{path}.kind", kind, f"expected one of {', '.join(sorted(kinds))}")
        names = entry.get("names") or []
        if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
            raise OptionError(f"{path}.names", names, "expected a list of resource names or ids")
        check = kinds[kind].validate_user_check(path, entry)
        check.update({"kind": kind, "names": names, "index": index})
        checks.append(check)
    return checks


@dataclass
class _Test:
    """One resource's restore test on its way through the phases; only the result goes back to the user."""

    selected: Selected
    result: ResourceResult
    resource: Resource | None = None
    backup: Backup | None = None
    scratch: Scratch | None = None
    started: float | None = None  # monotonic, when the restore was asked for
    usable_after_s: float | None = None
    checks: list[Check] = field(default_factory=list)
    verdict: str | None = None
    cleanup: str | None = None
    verified_before: str | None = None

    @property
    def in_progress(self) -> bool:
        """Restored or restoring, and neither failed nor verified yet."""
        return self.scratch is not None and self.result.status != "failed" and self.verdict is None


def run_restore_test(context: Context, request: RestoreTestRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, now = open_fleet(context, request.targets, kinds, writes=True)
    swept = _sweep(context, request, adapters, now) if request.sweep else []
    fleet = read_fleet(adapters, selection.selected, context.concurrency)

    def start(selected: Selected) -> _Test:
        test = _Test(selected, ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn))
        body = partial(_pick_and_restore, context, request, adapters[selected.kind], fleet, test, now)
        guarded(context, test.result, body, "restore could not be started")
        return test

    tests = [outcome.value for outcome in fan_out(selection.selected, start, context.concurrency)]
    try:
        if not context.check_mode:
            _wait_and_verify(context, request, adapters, tests)
    finally:
        # Whatever happened above, every scratch resource this run made is deleted (or kept on purpose).
        _clean_up(context, request, adapters, tests)
    for test in tests:
        _judge(request, test, now)
    if not context.check_mode:
        _record(context, request, adapters, tests, now)

    results = [test.result for test in tests]
    payload: dict[str, Any] = {
        "changed": bool(swept) or any(test.scratch is not None or test.result.status == "planned" for test in tests),
        "resources": [result.as_dict() for result in results],
        "summary": _summary(results, selection.targets, swept),
        "targets": selection.targets,
        "swept": swept,
    }
    if context.diff:
        payload["diff"] = {
            "before": {test.result.key: {"verified_backup": test.verified_before} for test in tests},
            "after": {test.result.key: {"verified_backup": _verified_after(test)} for test in tests},
        }
    failure = failure_message(ACTION, results, selection.targets)
    sweep_failures = [entry for entry in swept if entry["status"] == "failed"]
    if sweep_failures:
        names = "; ".join(f"{entry['kind']}/{entry['name']}: {entry['error']}" for entry in sweep_failures[:5])
        failure = ". ".join(
            part for part in (failure, f"sweep could not delete {len(sweep_failures)} expired scratch resources: {names}") if part
        )
    return payload, failure


# --- phase 1: pick a backup, plan the scratch, start the restore --------------------------------------
def _pick_and_restore(context: Context, request: RestoreTestRequest, adapter: Any, fleet: FleetView, test: _Test, now: Any) -> None:
    resource = fleet.describe(test.selected)
    test.resource = resource
    test.result.arn = resource.arn or test.result.arn
    earlier_tests = context.ledger.read_all(resource.kind, resource.id, ACTION)
    verified, last = verified_in(earlier_tests), last_passed_test(earlier_tests)
    test.verified_before = last[1] if last else None
    if request.min_interval_s is not None and last is not None and (now - last[0]).total_seconds() < request.min_interval_s:
        raise NotApplicable(
            f"last passing restore test ({last[1]}) is {format_duration((now - last[0]).total_seconds())} old, "
            f"younger than min_interval {format_duration(request.min_interval_s)}"
        )
    backup = _pick(request, resource, fleet.list_backups(resource), verified)
    test.backup = backup
    age_s = max((now - backup.created).total_seconds(), 0)
    test.result.extra["backup"] = {"id": backup.id, "name": backup.name, "created": isoformat(backup.created), "origin": backup.origin}
    test.result.extra["rpo_s"] = round(age_s)
    options = request.scratch[resource.kind]
    name = adapter.make_scratch_name(resource.id, now)
    test.result.extra["scratch"] = {"name": name}
    if adapter.scratch_exists(name, resource, options):
        raise ResourceError(
            f"scratch name '{name}' is already taken by an existing {resource.kind} resource; "
            "steward never restores over, nor deletes, a resource it did not create in this run",
            "scratch_collision",
        )
    if context.check_mode:
        test.result.status, test.result.action = "planned", "restore"
        test.result.message = f"would restore {backup.name} into {name}, verify it and delete it"
        return
    tags = scratch_tags(resource.arn or resource.id, backup.id, context.run_id, now + timedelta(seconds=request.scratch_ttl_s))
    test.result.action = "restore"
    test.started = context.clock.monotonic()
    try:
        test.scratch = adapter.restore(resource, backup, name, tags, options)
    except Exception:
        # The service may have made it all the same (a lost answer, then a retry refused as a duplicate):
        # holding it here puts it in the cleanup below. Looking must not hide the restore's own error.
        with contextlib.suppress(Exception):
            test.scratch = adapter.adopt_scratch(name, resource, options, tags)
        raise
    test.result.status = "restoring"
    _show_scratch(test)


def _pick(request: RestoreTestRequest, resource: Resource, backups: list[Backup], verified: frozenset[str]) -> Backup:
    where = f"{resource.kind} '{resource.id}'"
    if request.backup_id is not None:
        for backup in backups:
            if request.backup_id in (backup.id, backup.name, backup.arn):
                if backup.state != AVAILABLE:
                    raise ResourceError(
                        f"backup_id '{request.backup_id}' of {where} is {backup.state}, not available", "backup_unavailable"
                    )
                return backup
        newest = ", ".join(backup.name for backup in backups[:3]) or "none"
        raise ResourceError(f"backup_id '{request.backup_id}' is not a backup of {where} (its newest: {newest})", "backup_not_found")
    in_scope = [backup for backup in backups if backup.state == AVAILABLE and (backup.managed or request.include_unmanaged)]
    if not in_scope:
        scope = "available backups" if request.include_unmanaged else "available steward backups (set include_unmanaged to test others)"
        raise ResourceError(f"{where} has no {scope} to restore-test ({len(backups)} backups in all)", "no_backup")
    if request.pick == "random":
        return random.SystemRandom().choice(in_scope)
    if request.pick == "oldest_unverified":
        unverified = [backup for backup in in_scope if backup.id not in verified]
        if not unverified:
            raise NotApplicable(f"every one of the {len(in_scope)} backups in scope has already passed a restore test")
        return unverified[-1]
    return in_scope[0]


# --- phase 2: wait for every scratch resource together, verifying each as it becomes usable ------------
def _wait_and_verify(context: Context, request: RestoreTestRequest, adapters: dict[str, Any], tests: list[_Test]) -> None:
    """Poll every restore in shared rounds; each scratch resource is verified in the round it becomes usable, so
    one test's RTO never includes waiting for another's restore."""

    def step(test: _Test) -> None:
        try:
            test.scratch = adapters[test.result.kind].advance_scratch(test.scratch)
        except Exception as error:  # noqa: BLE001 - a restore that cannot go on fails its own test only
            # botocore has already retried transient errors: this one is the restore's. An adapter's own code (a
            # damaged dump) says more than restore_failed.
            message, code = describe_error(error)
            code = code if isinstance(error, ResourceError) else "restore_failed"
            _fail(test, code, f"restoring {test.backup.name} failed: {message}")  # type: ignore[union-attr]
            return
        _show_scratch(test)
        scratch = test.scratch
        if scratch.state == FAILED:
            _fail(test, "restore_failed", f"scratch {scratch.name} ended in state {scratch.details.get('status', FAILED)}")
        elif scratch.state == AVAILABLE:
            test.usable_after_s = context.clock.monotonic() - (test.started or 0.0)
            try:
                _verify(context, request, adapters[test.result.kind], test)
            except Exception as error:  # noqa: BLE001 - reported as this test's failure; cleanup still follows
                _fail(test, "verify_failed", f"verification could not run: {describe_error(error)[0]}")

    def poll(waiting: list[_Test]) -> None:
        fan_out(waiting, step, context.concurrency)  # step records every outcome on its test

    timed_out = poll_rounds(context, tests, poll, lambda test: test.in_progress, request.wait_timeout_s, request.poll_interval_s)
    waited = format_duration(request.wait_timeout_s)
    for test in timed_out:
        if test.scratch is not None:
            _fail(test, "timeout", f"scratch {test.scratch.name} not usable after wait_timeout {waited}")


def _verify(context: Context, request: RestoreTestRequest, adapter: Any, test: _Test) -> None:
    user_checks = [
        check for check in request.checks if check["kind"] == test.result.kind and (not check["names"] or test.result.id in check["names"])
    ]
    evidence = Evidence(
        recorded_source=recorded_source(context.ledger, test.result.kind, test.result.id, test.backup.id),  # type: ignore[union-attr]
        item_count_tolerance=request.item_count_tolerance,
        seed=context.run_id,
        user_checks=user_checks,
    )
    test.checks = adapter.verify(test.resource, test.backup, test.scratch, evidence)
    # RTO ends when the data is proven usable, not when the service says the resource is.
    test.result.extra["rto_s"] = round(context.clock.monotonic() - (test.started or 0.0), 1)
    test.verdict = verdict(test.checks)


# --- phase 3: clean up ----------------------------------------------------------------------------------
def _clean_up(context: Context, request: RestoreTestRequest, adapters: dict[str, Any], tests: list[_Test]) -> None:
    made = [test for test in tests if test.scratch is not None]

    def clean(test: _Test) -> None:
        failed = test.result.status == "failed" or test.verdict != PASSED
        if failed and request.keep_scratch_on_failure:
            test.cleanup = f"kept for inspection; a sweep may delete it after {test.scratch.tags.get('steward:expires')}"  # type: ignore[union-attr]
            return
        adapters[test.result.kind].delete_scratch(test.scratch)
        test.cleanup = "deleted"

    for outcome in fan_out(made, clean, context.concurrency):
        if not outcome.ok:
            test = outcome.item
            message = describe_error(outcome.error)[0]  # type: ignore[arg-type]
            test.cleanup = f"delete failed: {message}"
            _fail(
                test, "cleanup_failed", f"scratch {test.scratch.name} could not be deleted ({message}); its expiry tag lets a sweep retry"
            )  # type: ignore[union-attr]


# --- judging, evidence -----------------------------------------------------------------------------------
def _judge(request: RestoreTestRequest, test: _Test, now: Any) -> None:
    result = test.result
    if test.checks:
        result.extra["checks"] = [check.as_dict() for check in test.checks]
    if test.cleanup:
        result.extra["cleanup"] = test.cleanup
    if test.backup is None or result.status in ("skipped", "planned"):
        return
    rto, rpo = result.extra.get("rto_s"), result.extra.get("rpo_s")
    result.extra["rto_met"] = None if request.rto_s is None or rto is None else rto <= request.rto_s
    result.extra["rpo_met"] = None if request.rpo_s is None or rpo is None else rpo <= request.rpo_s
    if test.scratch is None:
        return  # failed before a restore was started: the message says why
    result.extra["verdict"] = test.verdict or "failed"
    if result.status == "failed":
        return
    if test.verdict != PASSED:
        problems = failed_checks(test.checks) or ["no check could be made"]
        _fail(test, "verification_failed", f"restore of {test.backup.name} failed verification: " + "; ".join(problems[:5]))
        return
    missed = [
        f"{name} {format_duration(value)} exceeds {format_duration(objective)}"
        for name, value, objective in (("RTO", rto, request.rto_s), ("RPO", rpo, request.rpo_s))
        if objective is not None and value is not None and value > objective
    ]
    made_checks = sum(1 for check in test.checks if check.passed)
    result.status = "passed"
    result.message = f"restored {test.backup.name} into {test.scratch.name}: {made_checks} checks passed"
    if missed:
        result.extra["objectives_missed"] = missed
        if request.fail_on_objective_miss:
            _fail(test, "objective_missed", "; ".join(missed))
        else:
            result.message += f" (objective missed: {'; '.join(missed)})"


def _fail(test: _Test, code: str, error: str) -> None:
    if test.result.status == "failed" and test.result.error:
        test.result.error += f"; {error}"  # keep the first cause first
        return
    test.result.status, test.result.error_code, test.result.error = "failed", code, error
    if not test.result.message:
        test.result.message = f"restore test failed ({code})"


def _show_scratch(test: _Test) -> None:
    scratch = test.scratch
    if scratch is not None:
        test.result.extra["scratch"] = {"name": scratch.name, "id": scratch.id, "state": scratch.state}


def _verified_after(test: _Test) -> str | None:
    if test.result.status == "planned" or test.result.extra.get("verdict") == PASSED:
        return test.backup.name if test.backup else None
    return test.verified_before


def _record(context: Context, request: RestoreTestRequest, adapters: dict[str, Any], tests: list[_Test], now: Any) -> None:
    """One ledger record per resource; then a passed backup is tagged verified where its kind takes tags."""

    def write(test: _Test) -> None:
        result = test.result
        body = {
            "verdict": result.extra.get("verdict"),
            "backup": test.backup.as_dict() if test.backup else None,
            "scratch": test.scratch.as_dict() if test.scratch else None,
            "pick": request.backup_id or request.pick,
            "checks": result.extra.get("checks", []),
            "timings": {
                "test_started": isoformat(now),
                "usable_after_s": None if test.usable_after_s is None else round(test.usable_after_s, 1),
                "rto_s": result.extra.get("rto_s"),
                "rpo_s": result.extra.get("rpo_s"),
            },
            "objectives": {
                "rto_s": request.rto_s,
                "rpo_s": request.rpo_s,
                "rto_met": result.extra.get("rto_met"),
                "rpo_met": result.extra.get("rpo_met"),
            },
            "cleanup": test.cleanup,
        }
        write_record(context, ACTION, result, body)
        if body["verdict"] == PASSED and test.backup is not None and result.error_code != "ledger":
            try:
                result.extra["backup_tagged_verified"] = adapters[result.kind].mark_verified(test.backup, now)
            except Exception as error:  # noqa: BLE001 - the ledger already holds the evidence; the tag is a convenience
                result.extra["backup_tagged_verified"] = False
                context.warnings.append(f"{result.key}: could not tag {test.backup.name} as verified: {describe_error(error)[0]}")

    fan_out(tests, write, context.concurrency)


def _summary(results: list[ResourceResult], targets: list[dict[str, Any]], swept: list[dict[str, Any]]) -> dict[str, Any]:
    summary = summarise(results, STATUSES, targets)
    rtos = [result.extra["rto_s"] for result in results if result.extra.get("rto_s") is not None]
    rpos = [result.extra["rpo_s"] for result in results if result.extra.get("rpo_s") is not None]
    summary["max_rto_s"] = max(rtos) if rtos else None
    summary["max_rpo_s"] = max(rpos) if rpos else None
    summary["objectives_missed"] = sum(1 for result in results if result.extra.get("objectives_missed"))
    summary["swept"] = sum(1 for entry in swept if entry["status"] in ("deleted", "planned"))
    return summary


# --- sweeping what interrupted runs left behind -------------------------------------------------------
def _sweep(context: Context, request: RestoreTestRequest, adapters: dict[str, Any], now: Any) -> list[dict[str, Any]]:
    # One look per kind and place: AWS kinds look in the account and region, postgres on each server targeted.
    places: dict[str, tuple[str, dict[str, Any]]] = {}
    for target in request.targets:
        options = {**target.options, **request.scratch[target.kind]}
        place = {key: value for key, value in options.items() if key != "password"}
        places.setdefault(f"{target.kind}:{sorted(place.items(), key=str)}", (target.kind, options))
    found: list[Scratch] = []
    entries: list[dict[str, Any]] = []
    looks = fan_out(list(places.values()), lambda place: adapters[place[0]].find_expired_scratch(now, place[1]), context.concurrency)
    for outcome in looks:
        if outcome.ok:
            seen = {(scratch.kind, scratch.id) for scratch in found}
            found.extend(scratch for scratch in outcome.value if (scratch.kind, scratch.id) not in seen)  # type: ignore[union-attr]
        else:
            error = describe_error(outcome.error)[0]  # type: ignore[arg-type]
            entries.append({"kind": outcome.item[0], "id": None, "name": None, "status": "failed", "error": f"listing failed: {error}"})

    def delete(scratch: Scratch) -> dict[str, Any]:
        entry = {
            "kind": scratch.kind,
            "id": scratch.id,
            "name": scratch.name,
            "expires": scratch.tags.get("steward:expires"),
            "error": None,
        }
        if context.check_mode:
            return {**entry, "status": "planned"}
        adapters[scratch.kind].delete_scratch(scratch)
        record = ResourceResult(
            scratch.kind, scratch.id, "deleted", "sweep", arn=scratch.arn, message=f"swept expired scratch {scratch.name}"
        )
        key = record_key(scratch.kind, scratch.id, f"{ACTION}_sweep", context.clock.now(), context.run_id)
        context.ledger.write(key, ledger_record(context, f"{ACTION}_sweep", record, {"scratch": scratch.as_dict(), "tags": scratch.tags}))
        return {**entry, "status": "deleted"}

    for outcome in fan_out(found, delete, context.concurrency):
        if outcome.ok:
            entries.append(outcome.value)  # type: ignore[arg-type]
        else:
            scratch = outcome.item
            error = describe_error(outcome.error)[0]  # type: ignore[arg-type]
            entries.append({"kind": scratch.kind, "id": scratch.id, "name": scratch.name, "status": "failed", "error": error})
    return entries
