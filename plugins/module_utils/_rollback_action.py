# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``rollback`` action: switch deployable resources back to a known-good version, wait until steady, gate on
health, and (when asked) switch back what fails its gates.

In phases across the fleet, so N rollbacks take about as long as the slowest: plan every resource (current state,
target version) before anything changes — one plan failing changes nothing anywhere —, switch concurrently, wait in
shared rounds, bake once, check the gates once, revert what failed them, record one ledger entry per resource.
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
from ansible_collections.steward.maintenance.plugins.module_utils._checkpoint_action import latest_checkpoint, read_states
from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration, parse_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import read_in_batches
from ansible_collections.steward.maintenance.plugins.module_utils._gates import FAILED as GATE_FAILED
from ansible_collections.steward.maintenance.plugins.module_utils._gates import Gates, check_gates, parse_gates
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import answer_or_raise, describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployState, Settled
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe.probes import AlarmProbe
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import validate_label
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "rollback"
TO_CHOICES = ("checkpoint", "previous", "explicit")
ROLLED_BACK = "rolled_back"
STATUSES = (ROLLED_BACK, "unchanged", "planned", "skipped", "failed")
POLL_INTERVAL_S = 10.0


@dataclass
class RollbackRequest:
    targets: list[Target]
    to: str
    checkpoint: str | None
    gates: Gates
    revert_on_gate_failure: bool
    wait_timeout_s: int
    concurrency: int
    ledger: Any
    poll_interval_s: float = POLL_INTERVAL_S


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> RollbackRequest:
    """Every check that needs no API call; bad input never switches anything."""
    concurrency, ledger = parse_common(params)
    targets = parse_targets(params.get("targets"), kinds, params)
    to = params.get("to") or "checkpoint"
    if to not in TO_CHOICES:
        raise OptionError("to", to, f"expected one of {', '.join(TO_CHOICES)}")
    checkpoint = params.get("checkpoint")
    if checkpoint is not None:
        if to != "checkpoint":
            raise OptionError("checkpoint", checkpoint, f"names a checkpoint label, only with to=checkpoint (not to={to})")
        validate_label("checkpoint", checkpoint)
    if to == "checkpoint" and ledger is None:
        raise OptionError("ledger", params.get("ledger"), "to=checkpoint reads the checkpoint from the ledger: set ledger")
    for target in targets:
        option = kinds[target.kind].version_option
        given = target.options.get(option)
        if to == "explicit" and not given:
            raise OptionError(f"{target.path}.options.{option}", given, f"required with to=explicit for kind '{target.kind}'")
        if to != "explicit" and given:
            raise OptionError(f"{target.path}.options.{option}", given, f"only with to=explicit (to is {to})")
    return RollbackRequest(
        targets=targets,
        to=to,
        checkpoint=checkpoint,
        gates=parse_gates(params.get("gates")),
        revert_on_gate_failure=bool(params.get("revert_on_gate_failure")),
        wait_timeout_s=parse_duration("wait_timeout", params.get("wait_timeout") or "15m"),
        concurrency=concurrency,
        ledger=ledger,
    )


@dataclass
class _Rollback:
    """One resource's way through the rollback; shaped into its result once, at the end."""

    selected: Selected
    result: ResourceResult
    before: DeployState | None = None
    target: str | None = None
    target_source: str = ""
    switched: bool = False
    settled: Settled | None = None
    gates: list[dict[str, Any]] = field(default_factory=list)
    reverted: bool | None = None
    after: DeployState | None = None

    @property
    def live(self) -> bool:
        """Still on its way (not failed, not skipped, not planned only)."""
        return self.result.status in (ROLLED_BACK, "unchanged")

    @property
    def waiting(self) -> bool:
        return self.live and (self.settled is None or not self.settled.done)


def run_rollback(context: Context, request: RollbackRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, _now = open_fleet(context, request.targets, kinds, writes=True)
    items = [
        _Rollback(selected, ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn))
        for selected in selection.selected
    ]

    # Every state read in batches (ECS: ten services to a call) before any plan is made.
    states = read_states(context, adapters, [item.selected for item in items])
    fan_out(list(zip(items, states, strict=True)), partial(_plan, context, request, adapters), context.concurrency)
    unplanned = [item for item in items if item.result.status == "failed"]
    if unplanned or selection.failed_targets:
        for item in items:
            if item.result.status != "failed":
                item.result.status, item.result.action = "skipped", "none"
                item.result.message = "not switched: the plan failed for another resource or target, and rollback changes nothing then"
    elif not context.check_mode:
        fan_out([item for item in items if item.result.status == ROLLED_BACK], partial(_switch, context, adapters), context.concurrency)
        _wait(context, request, adapters, items)
        _gate(context, request, adapters, items)
    if not context.check_mode:
        _after(context, adapters, [item for item in items if item.before is not None])
        fan_out(items, partial(_record, context, request, adapters), context.concurrency)

    results = [_shape(adapters, item) for item in items]
    payload: dict[str, Any] = {
        "changed": any(item.switched for item in items) or (context.check_mode and any(r.status == "planned" for r in results)),
        "to": request.to,
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
    }
    if context.diff:
        payload["diff"] = {
            "before": {item.result.key: item.before.as_dict() if item.before else None for item in items},
            "after": {item.result.key: _expected_after(item) for item in items},
        }
    return payload, failure_message(ACTION, results, selection.targets)


# --- phase 1: plan every resource before anything changes ------------------------------------------------
def _kind(item: _Rollback) -> str:
    return item.selected.kind


def _plan(context: Context, request: RollbackRequest, adapters: dict[str, Any], planned: tuple[_Rollback, Any]) -> None:
    item, state = planned
    adapter = adapters[item.selected.kind]

    def body() -> None:
        before = answer_or_raise(state)
        item.before = before
        item.result.arn = before.arn or item.result.arn
        item.target, item.target_source = _target(context, request, adapter, item.selected, before)
        if before.version == item.target and not before.weights:
            item.result.status, item.result.action = "unchanged", "none"
            item.result.message = f"already at {_shown(adapter, item.target)} ({item.target_source})"
            return
        item.result.action = "switch"
        item.result.status = "planned" if context.check_mode else ROLLED_BACK
        verb = "would switch" if context.check_mode else "switching"
        item.result.message = f"{verb} {_shown(adapter, before.version)} -> {_shown(adapter, item.target)} ({item.target_source})"

    guarded(context, item.result, body, "rollback could not be planned")


def _target(context: Context, request: RollbackRequest, adapter: Any, selected: Selected, before: DeployState) -> tuple[str, str]:
    """The version to go back to, and where it came from (said in the result and the ledger)."""
    if request.to == "previous":
        earlier = adapter.earlier_versions(before)
        if not earlier:
            raise ResourceError(
                f"to=previous: {selected.id} has no {adapter.version_noun} older than {_shown(adapter, before.version)}", code="no_target"
            )
        return earlier[0], "previous"
    if request.to == "explicit":
        option = f"{selected.selector}.options.{adapter.version_option}"
        given = str(selected.options[adapter.version_option])
        return adapter.resolve_version(before, given, option), option
    record = latest_checkpoint(context, selected.kind, selected.id, request.checkpoint)
    label = request.checkpoint or "(any label)"
    if record is None:
        raise ResourceError(f"checkpoint={label}: no checkpoint of {selected.id} in ledger {context.ledger.location}", code="no_checkpoint")
    version = adapter.resolve_version(before, str(record["state"]["version"]), f"checkpoint={record.get('label')}")
    return version, f"checkpoint '{record.get('label')}' of {record.get('recorded')}"


# --- phase 2: switch, wait, gate, revert ----------------------------------------------------------------------
def _switch(context: Context, adapters: dict[str, Any], item: _Rollback) -> None:
    try:
        adapters[item.selected.kind].switch(item.before, item.target)
        item.switched = True
    except Exception as error:  # noqa: BLE001 - this resource's failure; the others go on
        _fail(item, *describe_error(error), prefix="switch failed")


def _wait(context: Context, request: RollbackRequest, adapters: dict[str, Any], items: list[_Rollback]) -> None:
    """Every switched (or already-there) resource, polled in shared rounds until steady or wait_timeout."""

    def poll(waiting: list[_Rollback]) -> None:
        for item, settled in zip(waiting, _settled(context, adapters, waiting, reverting=False), strict=True):
            item.settled = settled
            if settled.failed:
                _fail(item, settled.failed, "rollout_failed", prefix="did not settle")

    timed_out = poll_rounds(context, items, poll, lambda item: item.waiting, request.wait_timeout_s, request.poll_interval_s)
    for item in timed_out:
        seen = item.settled.detail if item.settled else "nothing"
        _fail(item, f"not steady after wait_timeout {format_duration(request.wait_timeout_s)} (last seen: {seen})", "timeout")


def _gate(context: Context, request: RollbackRequest, adapters: dict[str, Any], items: list[_Rollback]) -> None:
    steady = [item for item in items if item.live]
    if not steady or not request.gates.any:
        return
    # One bake and one look at the gates for the whole fleet: they say how the system is, not one resource.
    if request.gates.bake_time_s:
        context.clock.sleep(request.gates.bake_time_s)
    gates = check_gates(AlarmProbe(context.clients), request.gates)
    failed = [gate for gate in gates if gate["result"] == GATE_FAILED]
    for item in steady:
        item.gates = gates
        if failed:
            _fail(item, "health gates failed: " + "; ".join(f"{gate['gate']}: {gate['detail']}" for gate in failed), "gate_failed")
    if failed and request.revert_on_gate_failure:
        reverting = [item for item in steady if item.switched]
        for item in reverting:
            item.reverted = False
        fan_out(reverting, partial(_revert, adapters), context.concurrency)
        _wait_revert(context, request, adapters, [item for item in reverting if item.settled is None])


def _revert(adapters: dict[str, Any], item: _Rollback) -> None:
    try:
        adapters[item.selected.kind].switch(item.before, item.before.version, item.before.weights)  # type: ignore[union-attr]
        item.settled = None
    except Exception as error:  # noqa: BLE001
        item.result.error = f"{item.result.error}; revert failed: {describe_error(error)[0]}"


def _wait_revert(context: Context, request: RollbackRequest, adapters: dict[str, Any], items: list[_Rollback]) -> None:
    """Wait for reverted resources to be steady on their pre-rollback version; they stay failed (their gate did)."""

    def poll(waiting: list[_Rollback]) -> None:
        for item, settled in zip(waiting, _settled(context, adapters, waiting, reverting=True), strict=True):
            item.settled = settled
            if settled.done:
                item.reverted = True
            elif settled.failed:
                item.settled = Settled(True, failed=settled.failed)  # stop waiting; reverted stays False

    timed_out = poll_rounds(
        context,
        items,
        poll,
        lambda item: item.reverted is False and not (item.settled and item.settled.done),
        request.wait_timeout_s,
        request.poll_interval_s,
    )
    for item in items:
        if item.reverted:
            item.result.message = f"reverted to {_shown(adapters[item.selected.kind], item.before.version)} after its gates failed"  # type: ignore[union-attr]
        else:
            why = "timed out" if item in timed_out else (item.settled.failed if item.settled else "unknown")
            item.result.error = f"{item.result.error}; revert did not settle: {why}"


def _settled(context: Context, adapters: dict[str, Any], items: list[_Rollback], reverting: bool) -> list[Settled]:
    """One poll of every item's switch (to its target, or back to its state before when ``reverting``), read in
    batches; a failed read is a poll that says so, retried next round (the deadline bounds it)."""

    def switch(item: _Rollback) -> tuple[Any, str, dict[str, float] | None]:
        before = item.before
        return (before, before.version, before.weights) if reverting else (before, item.target, None)  # type: ignore[union-attr,return-value]

    def read(adapter: Any, batch: list[_Rollback]) -> list[Any]:
        return adapter.settled_many([switch(item) for item in batch])

    answers = read_in_batches(items, _kind, adapters, "describe_batch", read, context.concurrency)
    return [
        Settled(False, detail=f"last poll failed: {describe_error(answer)[0]}") if isinstance(answer, BaseException) else answer
        for answer in answers
    ]


def _fail(item: _Rollback, error: str, code: str, prefix: str = "") -> None:
    item.result.status, item.result.error_code = "failed", code
    item.result.error = f"{prefix}: {error}" if prefix else error


# --- phase 3: what it runs now, the record, the result ------------------------------------------------------
def _after(context: Context, adapters: dict[str, Any], items: list[_Rollback]) -> None:
    for item, state in zip(items, read_states(context, adapters, [item.selected for item in items]), strict=True):
        if isinstance(state, BaseException):
            # The outcome stands; only the "after" picture is missing.
            context.warnings.append(f"{item.result.key}: state after rollback could not be read: {describe_error(state)[0]}")
        else:
            item.after = state


def _record(context: Context, request: RollbackRequest, adapters: dict[str, Any], item: _Rollback) -> None:
    body = {
        "to": request.to,
        "target": _target_dict(adapters, item),
        "before": item.before.as_dict() if item.before else None,
        "after": item.after.as_dict() if item.after else None,
        "switched": item.switched,
        "settled": item.settled.detail if item.settled else None,
        "gates": item.gates,
        "reverted": item.reverted,
    }
    write_record(context, ACTION, item.result, body)


def _shape(adapters: dict[str, Any], item: _Rollback) -> ResourceResult:
    result = item.result
    result.extra.update(
        {
            "before": item.before.as_dict() if item.before else None,
            "target": _target_dict(adapters, item),
            "after": item.after.as_dict() if item.after else None,
            "gates": item.gates,
            "reverted": item.reverted,
        }
    )
    if item.before is not None and item.before.status:
        result.details = {"observed_before": item.before.status}
    if result.status == ROLLED_BACK and item.before is not None:
        adapter = adapters[item.selected.kind]
        result.message = f"rolled back {_shown(adapter, item.before.version)} -> {_shown(adapter, item.target)} ({item.target_source})"
    return result


def _target_dict(adapters: dict[str, Any], item: _Rollback) -> dict[str, Any] | None:
    if item.target is None:
        return None
    return {"version": item.target, "display": _shown(adapters[item.selected.kind], item.target), "source": item.target_source}


def _expected_after(item: _Rollback) -> dict[str, Any] | None:
    if item.after is not None:
        return item.after.as_dict()
    if item.before is None or item.target is None:
        return None
    return {**item.before.as_dict(), "version": item.target, "weights": {}}


def _shown(adapter: Any, version: str | None) -> str:
    return adapter.display_version(version) if version else "?"
