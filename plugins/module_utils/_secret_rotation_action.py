# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``secret_rotation`` action: rotate every selected secret whose current version is older than ``max_age`` (or
every one, with ``force``), by its rotation Lambda or by steward's four steps, never showing a value.

Steward's four steps, for a secret without a Lambda: generate a value, put it as AWSPENDING, apply it where it is
used (a PostgreSQL role's password) and verify it (a fresh login), then promote it to AWSCURRENT. If apply, verify or
promote fails, the role gets its old password back (and a login proves it), the pending version loses its stage,
and the current version stays current.
"""

from __future__ import annotations

import json
import uuid
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
from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration, parse_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._generate import parse_generate
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._protocol import Credential, CredentialHolder
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._secret_apply import (
    apply_password,
    can_log_in,
    role_exists,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential.secret import CURRENT, PENDING
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "secret_rotation"
ROTATED = "rotated"
STATUSES = (ROTATED, "skipped", "planned", "failed")
POLL_INTERVAL_S = 5.0
LAMBDA, STEWARD = "lambda", "steward"
# The ClientRequestToken of every pending version steward's four steps put: how a later run knows one left by an
# interrupted run of ours from someone else's (AWS allows 32-64 characters).
TOKEN_PREFIX = "steward-"


@dataclass
class SecretRotationRequest:
    targets: list[Target]
    max_age_s: int
    force: bool
    wait_timeout_s: int
    concurrency: int
    ledger: Any
    poll_interval_s: float = POLL_INTERVAL_S


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> SecretRotationRequest:
    concurrency, ledger = parse_common(params)
    return SecretRotationRequest(
        targets=parse_targets(params.get("targets"), kinds, params),
        max_age_s=parse_duration("max_age", params.get("max_age") or "90d"),
        force=bool(params.get("force")),
        wait_timeout_s=parse_duration("wait_timeout", params.get("wait_timeout") or "10m"),
        concurrency=concurrency,
        ledger=ledger,
    )


@dataclass
class _Rotation:
    selected: Selected
    result: ResourceResult
    holder: CredentialHolder | None = None
    current: Credential | None = None
    method: str = STEWARD
    new_version: str | None = None
    steps: list[str] = field(default_factory=list)  # what was done, in order, for the result and the ledger
    waiting: bool = False
    resume: Credential | None = None  # a pending version an interrupted steward run left, to finish or abandon


def run_secret_rotation(context: Context, request: SecretRotationRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, now = open_fleet(context, request.targets, kinds, writes=True)
    items = [
        _Rotation(selected, ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn))
        for selected in selection.selected
    ]
    fan_out(items, partial(_plan, context, request, adapters, now), context.concurrency)
    due = [item for item in items if item.result.status == ROTATED]
    if due:
        fan_out([item for item in due if item.method == LAMBDA], partial(_start_lambda, adapters), context.concurrency)
        fan_out([item for item in due if item.method == STEWARD], partial(_four_steps, context, adapters), context.concurrency)
        _wait_for_lambdas(context, request, adapters, [item for item in due if item.waiting])
        fan_out(due, partial(_record, context), context.concurrency)
    results = [_shape(item, now) for item in items]
    payload = {
        "changed": any(result.status in (ROTATED, "planned") for result in results),
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
    }
    return payload, failure_message(ACTION, results, selection.targets)


def _plan(context: Context, request: SecretRotationRequest, adapters: dict[str, Any], now: Any, item: _Rotation) -> None:
    adapter = adapters[item.selected.kind]
    options = item.selected.options

    def body() -> None:
        holder = adapter.read(item.selected)
        item.holder = holder
        item.result.arn = holder.arn or item.result.arn
        item.current = next((credential for credential in holder.credentials if CURRENT in credential.stages), None)
        if item.current is None:
            raise ResourceError(f"{holder.id} has no AWSCURRENT version", code="no_current")
        pending = [credential for credential in holder.credentials if PENDING in credential.stages and CURRENT not in credential.stages]
        if pending and not _left_by_interrupted_run(holder, pending[0], request, now):
            raise ResourceError(_stuck(holder, pending[0]), code="pending")
        # Killed between promoting and taking AWSPENDING off: the current version still carries it.
        promoted = [
            credential
            for credential in holder.credentials
            if {PENDING, CURRENT} <= set(credential.stages) and _left_by_interrupted_run(holder, credential, request, now)
        ]
        left = (pending or promoted or [None])[0]
        if left is not None:
            item.resume, item.method, item.result.action = left, STEWARD, "rotate"
            item.result.status = "planned" if context.check_mode else ROTATED
            item.result.message = (
                f"{'would finish' if context.check_mode else 'finishing'} the rotation an interrupted run left: version"
                f" {left.id} is AWSPENDING{_since(left)} (promoted if it is the value in use, else done anew)"
            )
            return
        age = (now - item.current.created).total_seconds() if item.current.created else None
        if not request.force and age is not None and age < request.max_age_s:
            item.result.status, item.result.action = "skipped", "none"
            item.result.message = (
                f"current version is {format_duration(max(age, 0))} old, younger than max_age {format_duration(request.max_age_s)}"
            )
            return
        item.method = LAMBDA if holder.facts.get("rotation_lambda") else STEWARD
        if item.method == STEWARD and options.get("apply") == "postgres" and not role_exists(options, options["role"]):
            raise ResourceError(
                f"{item.selected.selector}.options.role={options['role']}: no such role on {options['host']}:{options['port']}",
                code="not_found",
            )
        why = (
            "forced" if request.force else f"current version {format_duration(age or 0)} old, max_age {format_duration(request.max_age_s)}"
        )
        how = (
            "its rotation Lambda"
            if item.method == LAMBDA
            else "steward's four steps" + (f", applied to role {options['role']}" if options.get("apply") == "postgres" else "")
        )
        item.result.action = "rotate"
        item.result.status = "planned" if context.check_mode else ROTATED
        item.result.message = f"{'would rotate' if context.check_mode else 'rotating'} ({why}) by {how}"

    guarded(context, item.result, body, "secret could not be read")


def _left_by_interrupted_run(holder: CredentialHolder, pending: Credential, request: SecretRotationRequest, now: Any) -> bool:
    """A pending version steward's four steps put (its token says so) longer ago than any run of ours holds one, on
    a secret without a rotation Lambda: the run that put it was killed before it finished or undid its work."""
    return (
        not holder.facts.get("rotation_lambda")
        and pending.id.startswith(TOKEN_PREFIX)
        and pending.created is not None
        and (now - pending.created).total_seconds() > request.wait_timeout_s
    )


def _since(pending: Credential) -> str:
    return f" since {pending.created:%Y-%m-%d %H:%M} UTC" if pending.created else ""


def _stuck(holder: CredentialHolder, pending: Credential) -> str:
    return (
        f"version {pending.id} is AWSPENDING{_since(pending)}: a rotation is in progress or stuck. If a rotation Lambda runs, its"
        " CloudWatch logs say why; to abandon it: aws secretsmanager update-secret-version-stage"
        f" --secret-id {holder.id} --version-stage AWSPENDING --remove-from-version-id {pending.id}; then rotate again"
    )


def _start_lambda(adapters: dict[str, Any], item: _Rotation) -> None:
    try:
        item.new_version = adapters[item.selected.kind].rotate_with_lambda(item.holder, str(uuid.uuid4()))
        item.steps.append("rotate_secret (Lambda) started")
        item.waiting = True
    except Exception as error:  # noqa: BLE001 - this secret's failure; the others go on
        _fail(item, "rotate_failed", f"RotateSecret failed: {describe_error(error)[0]}")


def _wait_for_lambdas(context: Context, request: SecretRotationRequest, adapters: dict[str, Any], items: list[_Rotation]) -> None:
    """Until the new version is AWSCURRENT and no AWSPENDING is left, in shared rounds."""

    def poll_one(item: _Rotation) -> None:
        try:
            holder = adapters[item.selected.kind].read(item.selected)
        except Exception:  # noqa: BLE001 - retried next round; the deadline bounds it
            return
        stages = {credential.id: credential.stages for credential in holder.credentials}
        if CURRENT in stages.get(item.new_version or "", ()) and not any(PENDING in found for found in stages.values()):
            item.waiting = False
            item.steps.append("new version AWSCURRENT, no AWSPENDING left")

    def poll(waiting: list[_Rotation]) -> None:
        fan_out(waiting, poll_one, context.concurrency)

    for item in poll_rounds(context, items, poll, lambda item: item.waiting, request.wait_timeout_s, request.poll_interval_s):
        item.waiting = False
        stuck = _stuck(item.holder, Credential(item.new_version or "?", None, PENDING))  # type: ignore[arg-type]
        _fail(item, "pending", f"not rotated after wait_timeout {format_duration(request.wait_timeout_s)}: {stuck}")


def _four_steps(context: Context, adapters: dict[str, Any], item: _Rotation) -> None:
    if item.resume is not None and not _resume(context, adapters[item.selected.kind], item):
        return
    adapter, holder, options = adapters[item.selected.kind], item.holder, item.selected.options
    spec = parse_generate(f"{item.selected.selector}.options.generate", options.get("generate"))
    postgres = options.get("apply") == "postgres"
    applied = False
    try:
        current_string = adapter.current_value(holder)
        context.secrets.declare(current_string)
        new_string, new_value = spec.new_secret_string(current_string)
        context.secrets.declare(new_string)
        context.secrets.declare(new_value)
        old_value = json.loads(current_string).get(spec.key) if spec.key else current_string
        context.secrets.declare(old_value)
        item.new_version = adapter.put_pending(holder, new_string, f"{TOKEN_PREFIX}{uuid.uuid4().hex}")
        item.steps.append("new value put as AWSPENDING")
        if postgres:
            apply_password(options, options["role"], new_value)
            applied = True
            item.steps.append(f"applied to role {options['role']}")
            works, why = can_log_in(options, options["role"], new_value, options.get("database") or options["maintenance_db"])
            if not works:
                raise ResourceError(
                    f"verify failed: a login as {options['role']} with the new password was refused: {why}", code="verify_failed"
                )
            item.steps.append("verified: a fresh login with the new password works")
        elif adapter.version_value(holder, item.new_version) != new_string:
            raise ResourceError("verify failed: the pending version does not read back as written", code="verify_failed")
        else:
            item.steps.append("verified: the pending version reads back as written")
        adapter.promote(holder, item.new_version, item.current.id)  # type: ignore[union-attr]
        item.steps.append("promoted to AWSCURRENT (the old version is AWSPREVIOUS)")
    except Exception as error:  # noqa: BLE001 - undone below; this secret's failure only
        message, code = describe_error(error)
        _fail(item, code if isinstance(error, ResourceError) else "rotate_failed", context.secrets.scrub(message))
        _undo(context, adapter, item, applied, old_value if applied else None)


def _resume(context: Context, adapter: Any, item: _Rotation) -> bool:
    """Finish what an interrupted run left: its pending version is promoted when it is the value in use (with
    apply=postgres, a login with its password works: the run had applied it; otherwise it reads back), or, when its
    password does not open the role (never applied), it is abandoned. True when the rotation is still to be done anew."""
    holder, options, pending = item.holder, item.selected.options, item.resume
    item.steps.append(f"resumed: version {pending.id} was left AWSPENDING{_since(pending)} by an interrupted run")  # type: ignore[union-attr]
    try:
        if CURRENT in pending.stages:  # type: ignore[union-attr]
            item.new_version = pending.id  # type: ignore[union-attr]
            adapter.retire(holder, pending)
            item.steps.append("finished: AWSPENDING taken off the current version (the interrupted run had promoted it)")
            return False
        spec = parse_generate(f"{item.selected.selector}.options.generate", options.get("generate"))
        pending_string = adapter.version_value(holder, pending.id)  # type: ignore[union-attr]
        context.secrets.declare(pending_string)
        pending_value = json.loads(pending_string).get(spec.key) if spec.key else pending_string
        context.secrets.declare(pending_value)
        if options.get("apply") == "postgres":
            works, why = can_log_in(options, options["role"], pending_value, options.get("database") or options["maintenance_db"])
            if not works:
                adapter.retire(holder, pending)
                item.steps.append(f"its password does not open role {options['role']} ({why}): never applied, AWSPENDING removed")
                item.resume = None
                return True
            item.steps.append("verified: a fresh login with its password works (the interrupted run had applied it)")
        else:
            item.steps.append("verified: the pending version reads back")
        item.new_version = pending.id  # type: ignore[union-attr]
        adapter.promote(holder, item.new_version, item.current.id)  # type: ignore[union-attr]
        item.steps.append("finished: promoted to AWSCURRENT (the old version is AWSPREVIOUS)")
    except Exception as error:  # noqa: BLE001 - this secret's failure only; nothing of ours to undo
        message, code = describe_error(error)
        _fail(item, code if isinstance(error, ResourceError) else "resume_failed", context.secrets.scrub(message))
        item.result.error = f"{item.result.error}; steps: {'; '.join(item.steps)}"
    return False


def _undo(context: Context, adapter: Any, item: _Rotation, applied: bool, old_value: str | None) -> None:
    """Leave the secret and the role as they were: the old password back on the role (proved by a login), the pending
    version's stage removed. Each step is said in the result, so a person knows what state things are in."""
    options = item.selected.options
    if applied and old_value is not None:
        try:
            apply_password(options, options["role"], old_value)
            works, why = can_log_in(options, options["role"], old_value, options.get("database") or options["maintenance_db"])
            item.steps.append(
                "role's old password restored and verified" if works else f"role's old password restored but a login failed: {why}"
            )
        except Exception as error:  # noqa: BLE001
            item.steps.append(f"RESTORING THE ROLE'S OLD PASSWORD FAILED: {context.secrets.scrub(describe_error(error)[0])}")
    if item.new_version:
        try:
            adapter.retire(item.holder, Credential(item.new_version, None, PENDING))
            item.steps.append("pending version's AWSPENDING stage removed; the current version stays current")
        except Exception as error:  # noqa: BLE001
            item.steps.append(f"removing AWSPENDING from {item.new_version} failed: {describe_error(error)[0]}")
    item.result.error = f"{item.result.error}; undone: {'; '.join(item.steps)}"


def _fail(item: _Rotation, code: str, error: str) -> None:
    item.result.status, item.result.error_code, item.result.error = "failed", code, error


def _record(context: Context, item: _Rotation) -> None:
    body = {
        "method": item.method,
        "previous_version": item.current.id if item.current else None,
        "new_version": item.new_version,
        "steps": item.steps,
        "apply": item.selected.options.get("apply"),
        "role": item.selected.options.get("role"),
    }
    write_record(context, ACTION, item.result, body)


def _shape(item: _Rotation, now: Any) -> ResourceResult:
    result = item.result
    result.extra.update(
        {
            "method": item.method if result.action == "rotate" else None,
            "previous_version": item.current.as_dict(now) if item.current else None,
            "new_version": item.new_version,
            "steps": item.steps,
            "versions": [credential.as_dict(now) for credential in (item.holder.credentials if item.holder else [])],
        }
    )
    if result.status == ROTATED:
        result.message = (
            f"rotated by {'its rotation Lambda' if item.method == LAMBDA else 'steward'}: version {item.new_version} is AWSCURRENT"
        )
    return result
