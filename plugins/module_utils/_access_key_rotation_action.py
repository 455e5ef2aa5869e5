# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The ``access_key_rotation`` action: per IAM user, a new key (stored in Secrets Manager) when the newest is older
than ``rotate_after``, old keys deactivated after ``deactivate_after`` and deleted after ``delete_after``, and the
keys unused for ``report_unused_after`` listed (the weekly review; in check mode that and the plan are all it does).

The new key's secret is declared secret the moment it exists and goes only to its secret; if it cannot be stored,
the new key is deleted again, so no key exists that nobody holds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from functools import partial
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context, guarded, open_fleet, parse_common, write_record
from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration, parse_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._key_plan import KeyPlan, KeyPolicy, plan_keys
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._protocol import Credential, CredentialHolder
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult, failure_message, summarise
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import FINAL, error_code, outcome_of
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target, parse_targets

ACTION = "access_key_rotation"
STATUSES = ("rotated", "changed", "unchanged", "planned", "blocked", "failed")
IN_FLIGHT_S = 900  # a rotation of ours stores its new key within seconds: a rotating marker older than this was killed
CLOCK_SKEW_S = 300  # between this host's clock (the marker) and IAM's (a key's CreateDate)
_SECRET_NAME = r"^[A-Za-z0-9/_+=.@{}-]{1,512}$"


@dataclass
class AccessKeyRequest:
    targets: list[Target]
    policy: KeyPolicy
    secret_name: str | None
    concurrency: int
    ledger: Any


def parse_request(params: dict[str, Any], kinds: dict[str, Any]) -> AccessKeyRequest:
    concurrency, ledger = parse_common(params)
    targets = parse_targets(params.get("targets"), kinds, params)
    given = {
        name: params.get(name) or default
        for name, default in (("rotate_after", "90d"), ("deactivate_after", "100d"), ("delete_after", "110d"))
    }
    rotate, deactivate, delete = (parse_duration(name, value) for name, value in given.items())
    # The limits are named as the user wrote them (90d, not 12w6d).
    if deactivate <= rotate:
        raise OptionError("deactivate_after", params.get("deactivate_after"), f"must be longer than rotate_after ({given['rotate_after']})")
    if delete <= deactivate:
        raise OptionError("delete_after", params.get("delete_after"), f"must be longer than deactivate_after ({given['deactivate_after']})")
    store = params.get("store") or {}
    secret_name = store.get("secret_name") if isinstance(store, dict) else None
    valid = isinstance(secret_name, str) and "{user}" in secret_name and re.match(_SECRET_NAME, secret_name)
    if secret_name is not None and not valid:
        raise OptionError("store.secret_name", secret_name, "expected a secret name containing {user}, e.g. iam/{user}/access-key")
    policy = KeyPolicy(
        rotate_after_s=rotate,
        deactivate_after_s=deactivate,
        delete_after_s=delete,
        report_unused_after_s=parse_duration("report_unused_after", params.get("report_unused_after") or "90d"),
        require_new_key_used=bool(params.get("require_new_key_used")),
        force=bool(params.get("force")),
    )
    return AccessKeyRequest(targets, policy, secret_name, concurrency, ledger)


@dataclass
class _User:
    selected: Selected
    result: ResourceResult
    holder: CredentialHolder | None = None
    plan: KeyPlan | None = None
    done: list[dict[str, str]] = field(default_factory=list)  # {key, action} in the order they were done
    stored: dict[str, str] | None = None


def run_access_key_rotation(context: Context, request: AccessKeyRequest, kinds: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    adapters, selection, now = open_fleet(context, request.targets, kinds, writes=True)
    users = [
        _User(selected, ResourceResult(selected.kind, selected.id, "failed", "none", arn=selected.arn)) for selected in selection.selected
    ]
    fan_out(users, partial(_one, context, request, adapters, now), context.concurrency)
    results = [_shape(user, now) for user in users]
    payload = {
        "changed": any(result.status in ("rotated", "changed", "planned") for result in results),
        "resources": [result.as_dict() for result in results],
        "summary": summarise(results, STATUSES, selection.targets),
        "targets": selection.targets,
        "unused_keys": [{"user": user.result.id, **key.as_dict(now)} for user in users if user.plan for key in user.plan.unused],
    }
    payload["summary"]["unused_keys"] = len(payload["unused_keys"])
    return payload, failure_message(ACTION, results, selection.targets)


def _one(context: Context, request: AccessKeyRequest, adapters: dict[str, Any], now: Any, user: _User) -> None:
    adapter = adapters[user.selected.kind]

    def body() -> None:
        holder = adapter.read(user.selected)
        user.holder = holder
        user.result.arn = holder.arn or user.result.arn
        marker = holder.facts.get("rotating")
        interrupted = _left_by_interrupted_run(adapter, request, user, now) if marker else []
        plan = plan_keys([key for key in holder.credentials if key not in interrupted], request.policy, now)
        if marker:
            plan.reasons[:0] = [f"{key.id}: made by an interrupted run and never stored, deleted" for key in interrupted] + [
                f"the {adapter.rotating_tag} tag of interrupted run {marker.split()[0]} removed"
            ]
        user.plan = plan
        if plan.create and request.secret_name is None:
            raise OptionError("store.secret_name", None, "required when a key is due for rotation: the new key must be stored somewhere")
        if plan.blocked:
            user.result.status, user.result.error_code = "blocked", "key_limit"
            user.result.message = plan.blocked
        if not plan.changes and not marker:
            if not plan.blocked:
                user.result.status, user.result.message = "unchanged", "; ".join(plan.reasons) or "nothing due"
            return
        user.result.action = "rotate" if plan.create else "retire"
        if context.check_mode:
            user.result.status, user.result.message = "planned", "would: " + "; ".join(plan.reasons)
            return
        _clean_up_interrupted(adapter, user, interrupted)
        _apply(context, adapter, request, user)
        user.result.status = "rotated" if plan.create else "blocked" if plan.blocked else "changed"
        user.result.message = "; ".join(plan.reasons + ([plan.blocked] if plan.blocked else []))

    guarded(context, user.result, body, "keys could not be read")
    if user.done or (user.result.status == "failed" and user.holder is not None and not context.check_mode):
        write_record(
            context, ACTION, user.result, {"done": user.done, "stored": user.stored, "reasons": user.plan.reasons if user.plan else []}
        )


def _left_by_interrupted_run(adapter: Any, request: AccessKeyRequest, user: _User, now: Any) -> list[Credential]:
    """The keys a killed run of ours made and never stored: the user still carries its rotating marker, the marker is
    older than any run of ours takes to store a key, and each key is active, never used, made after the marker (less
    a clock-skew margin) and not in the secret. A marker younger than that is a rotation in progress: the user fails."""
    holder = user.holder
    marker = holder.facts["rotating"]  # type: ignore[union-attr]
    run, _space, stamp = marker.partition(" ")
    try:
        since = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        since = now  # unreadable: treated as in progress, never as a licence to delete
    if (now - since).total_seconds() < IN_FLIGHT_S:
        raise ResourceError(
            f"a key rotation by run {run} is in progress since {stamp} (the user's {adapter.rotating_tag} tag); if that run was"
            f" stopped, rerun after {format_duration(IN_FLIGHT_S)} and the key it made but never stored is deleted",
            code="in_progress",
        )
    stored = adapter.stored_key_ids(request.secret_name.replace("{user}", holder.id)) if request.secret_name else set()  # type: ignore[union-attr]
    cutoff = since - timedelta(seconds=CLOCK_SKEW_S)
    return [
        key
        for key in holder.credentials  # type: ignore[union-attr]
        if key.state == "Active" and key.last_used is None and key.created and key.created >= cutoff and key.id not in stored
    ]


def _clean_up_interrupted(adapter: Any, user: _User, interrupted: list[Credential]) -> None:
    for key in interrupted:
        adapter.retire(user.holder, key)
        user.done.append({"key": key.id, "action": "deleted (made by an interrupted run, never stored)"})
    if user.holder.facts.get("rotating"):  # type: ignore[union-attr]
        adapter.unmark_rotating(user.holder)
        user.holder.facts["rotating"] = None  # type: ignore[union-attr]


def _apply(context: Context, adapter: Any, request: AccessKeyRequest, user: _User) -> None:
    """Delete expired inactive keys (room for the new one), create and store the new key, deactivate old ones."""
    holder, plan = user.holder, user.plan
    for key in plan.delete:  # type: ignore[union-attr]
        adapter.retire(holder, key)
        user.done.append({"key": key.id, "action": "deleted"})
    if plan.create:  # type: ignore[union-attr]
        # Until the key is stored, the user says so: a run killed in between leaves the next run the way to find it.
        adapter.mark_rotating(holder, f"{context.run_id} {context.clock.now():%Y-%m-%dT%H:%M:%SZ}")
        try:
            key_id, key_secret = adapter.create_key(holder)
        except Exception as error:
            # AWS refused it (AccessDenied, a quota): nothing was made (what an earlier attempt whose answer was lost
            # made is deleted before a retry), so the user is left as it was. Any other failure may have made a key:
            # the mark stays, and the next run after the in-flight window deletes that key.
            if outcome_of(error) == FINAL and error_code(error) is not None:
                adapter.unmark_rotating(holder)
            raise
        context.secrets.declare(key_secret)
        user.done.append({"key": key_id, "action": "created"})
        secret_name = request.secret_name.replace("{user}", holder.id)  # type: ignore[union-attr]
        try:
            user.stored = adapter.store(holder, secret_name, key_id, key_secret)
        except Exception as error:  # noqa: BLE001 - any failure to store it means nobody holds the key
            # A key nobody holds is worse than no new key: take it back, keep the old ones as they are.
            adapter.retire(holder, Credential(key_id, None, "Active"))
            adapter.unmark_rotating(holder)
            user.done.append({"key": key_id, "action": "deleted (could not be stored)"})
            raise ResourceError(
                f"the new key could not be stored in {secret_name}: {describe_error(error)[0]}; it was deleted again", "store_failed"
            ) from None
        user.done.append({"key": key_id, "action": f"stored in {user.stored['secret']} (version {user.stored['version']})"})
        adapter.unmark_rotating(holder)
    for key in plan.deactivate:  # type: ignore[union-attr]
        adapter.deactivate(holder, key)
        user.done.append({"key": key.id, "action": "deactivated"})


def _shape(user: _User, now: Any) -> ResourceResult:
    result = user.result
    plan = user.plan
    result.extra.update(
        {
            "keys": [key.as_dict(now) for key in (user.holder.credentials if user.holder else [])],
            "done": user.done,
            "stored": user.stored,
            "plan": {
                "create": plan.create,
                "deactivate": [key.id for key in plan.deactivate],
                "delete": [key.id for key in plan.delete],
                "reasons": plan.reasons,
            }
            if plan
            else None,
            "unused": [key.id for key in plan.unused] if plan else [],
        }
    )
    return result
