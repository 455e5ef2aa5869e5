# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``checkpoint`` action: record each deployable resource's known-good state in the ledger under a label.

A rerun with the same state and label records nothing (``changed: false``); what is recorded is exactly what
``rollback`` with ``to: checkpoint`` goes back to.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, guarded, open_fleet, parse_common, write_record
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._fleet_read import read_in_batches
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import answer_or_raise
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployState
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import validate_label
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "checkpoint"
RECORDED = "recorded"
STATUSES = (RECORDED, "unchanged", "planned", "failed")


@dataclass
class CheckpointRequest:
    targets: list[Target]
    label: str
    concurrency: int
    ledger: Any


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> CheckpointRequest:
    concurrency, ledger = parse_common(params)
    if ledger is None:
        raise OptionError(
            "ledger", params.get("ledger"), "checkpoint keeps its record in the ledger: set ledger to a directory or s3://bucket/prefix"
        )
    return CheckpointRequest(
        parse_targets(params.get("targets"), kinds, params), validate_label("label", params.get("label")), concurrency, ledger
    )


def latest_checkpoint(context: Context, kind: str, resource_id: str, label: str | None) -> dict[str, Any] | None:
    """The newest checkpoint record of the resource (with ``label``, or any label), as rollback reads it too."""

    def wanted(record: dict[str, Any]) -> bool:
        return (
            record.get("status") in (RECORDED, "unchanged")
            and bool(record.get("state"))
            and (label is None or record.get("label") == label)
        )

    return context.ledger.latest(kind, resource_id, ACTION, wanted)


def read_states(context: Context, adapters: dict[str, Any], selected: list[Selected]) -> list[DeployState | BaseException]:
    """What each deployable runs now (checkpoint, and rollback before and after), in the order given: read in
    batches (ECS: ten services to a call), a resource that could not be read as the error saying why."""
    return read_in_batches(
        selected,
        lambda item: item.kind,
        adapters,
        "describe_batch",
        lambda adapter, batch: adapter.current_many(batch),
        context.concurrency,
    )


def run_checkpoint(context: Context, request: CheckpointRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, _now = open_fleet(context, request.targets, kinds, writes=True)

    # Every state read in batches (ECS: ten services to a call), then each resource compared with its checkpoint.
    states = read_states(context, adapters, selection.selected)

    def one(pair: tuple[Selected, DeployState | BaseException]) -> tuple[ResourceResult, DeployState | None, dict[str, Any] | None]:
        selected, read = pair
        result = ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn)
        seen: dict[str, Any] = {}

        def body() -> None:
            state = answer_or_raise(read)
            seen["state"] = state
            result.arn = state.arn or result.arn
            previous = latest_checkpoint(context, selected.kind, selected.id, request.label)
            seen["previous"] = previous
            result.extra["state"] = state.as_dict()
            result.extra["previous_checkpoint"] = _brief(previous)
            if state.same_as((previous or {}).get("state")):
                result.status, result.action = "unchanged", "none"
                result.message = f"checkpoint '{request.label}' already records {_version(adapters, state)}"
                return
            result.action = "record"
            result.status = "planned" if context.check_mode else RECORDED
            verb = "would record" if context.check_mode else "recorded"
            result.message = f"{verb} checkpoint '{request.label}': {_version(adapters, state)}"
            if not context.check_mode:
                write_record(context, ACTION, result, {"label": request.label, "state": state.as_dict(), "observed": state.status})

        guarded(context, result, body, "state could not be read")
        return result, seen.get("state"), seen.get("previous")

    outcomes = [outcome.value for outcome in fan_out(list(zip(selection.selected, states, strict=True)), one, context.concurrency)]
    results = [result for result, _state, _previous in outcomes]
    payload: dict[str, Any] = {
        "changed": any(result.status in (RECORDED, "planned") for result in results),
        "label": request.label,
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
    }
    if context.diff:
        payload["diff"] = {
            "before": {result.key: (previous or {}).get("state") for result, _state, previous in outcomes},
            "after": {result.key: state.as_dict() if state else None for result, state, _previous in outcomes},
        }
    return payload, failure_message(ACTION, results, selection.targets)


def _version(adapters: dict[str, Any], state: DeployState) -> str:
    return f"{adapters[state.kind].version_noun} {adapters[state.kind].display_version(state.version)}"


def _brief(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {"label": record.get("label"), "recorded": record.get("recorded"), "run_id": record.get("run_id"), "state": record.get("state")}
