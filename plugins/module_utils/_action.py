# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What every fleet action module shares: common options, the run context, finishing the task."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from ansible.module_utils.basic import _load_params
from ansible.module_utils.common.validation import check_type_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.steward.maintenance.plugins.module_utils._clients import ClientFactory, factory_from_module
from ansible_collections.steward.maintenance.plugins.module_utils._clock import Clock, isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import NotApplicable, describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._family import Family
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import Ledger, open_ledger, parse_ledger, record_key
from ansible_collections.steward.maintenance.plugins.module_utils._results import ResourceResult
from ansible_collections.steward.maintenance.plugins.module_utils._secrets import SecretValues
from ansible_collections.steward.maintenance.plugins.module_utils._selection import Selection, select
from ansible_collections.steward.maintenance.plugins.module_utils._targets import parse_concurrency, targets_argument_spec

COLLECTION_VERSION = "0.1.0"
T = TypeVar("T")


def fleet_argument_spec(family: Family) -> dict[str, Any]:
    """Options every fleet action takes (the ``_fleet`` doc fragment), with ``targets`` and the shared options of the
    module's family (its ``_<family>_targets`` fragment): a module accepts exactly its family's kinds."""
    return dict(
        targets=targets_argument_spec(family.kind_choices),
        concurrency=dict(type="int", default=8),
        retry_mode=dict(type="str", default="standard", choices=["standard", "adaptive"]),
        retry_max_attempts=dict(type="int", default=10),
        **family.shared_options(),
    )


@dataclass
class Context:
    clients: ClientFactory
    clock: Clock
    ledger: Ledger
    check_mode: bool
    diff: bool
    concurrency: int
    run_id: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    warnings: list[str] = field(default_factory=list)
    # Values that must never be shown (see _secrets): masked in the result by Ansible, scrubbed from the ledger here.
    secrets: SecretValues = field(default_factory=SecretValues)


def parse_common(params: dict[str, Any]) -> tuple[int, Any]:
    """Validate concurrency, retries and (where the module has one) the ledger before anything is contacted."""
    concurrency = parse_concurrency(params.get("concurrency"))
    parse_retries(params)
    return concurrency, parse_ledger(params.get("ledger"))


def parse_retries(params: dict[str, Any], default: int | None = None) -> int:
    attempts = params.get("retry_max_attempts", default)
    if isinstance(attempts, bool) or not isinstance(attempts, int) or not 1 <= attempts <= 50:
        raise OptionError("retry_max_attempts", attempts, "expected a whole number from 1 to 50")
    return attempts


def context_from_module(module: Any, concurrency: int, parsed_ledger: Any, clock: Clock | None = None) -> Context:
    user_agent = f"steward.maintenance/{COLLECTION_VERSION}"
    clients = factory_from_module(module, concurrency, module.params["retry_mode"], module.params["retry_max_attempts"], user_agent)
    ledger = open_ledger(parsed_ledger, clients)
    context = Context(clients, clock or Clock(), ledger, module.check_mode, bool(module._diff), concurrency)
    if parsed_ledger is None and "ledger" in module.params:
        context.warnings.append("no ledger configured: this run leaves no evidence records (set the ledger option)")
    return context


def open_fleet(context: Context, targets: list[Any], kinds: dict[str, Any], writes: bool) -> tuple[dict[str, Any], Selection, datetime]:
    """Every action's start: refuse an unwritable ledger before any change, build the adapters, resolve targets.

    Returns the adapters by kind, the selection, and the one "now" the whole run judges ages by.
    """
    if writes and not context.check_mode:
        context.ledger.check_writable()
    adapters = {name: kind(context.clients) for name, kind in kinds.items()}
    return adapters, select(targets, adapters, context.concurrency), context.clock.now()


def guarded(context: Context, result: ResourceResult, body: Callable[[], None], failed_message: str) -> ResourceResult:
    """Run one resource's part of an action so that its failure is its own result and the fleet goes on.

    A NotApplicable resource is reported as skipped with the reason; any other error fails it with a short
    code; either way the time spent is measured on the context's clock.
    """
    started = context.clock.monotonic()
    try:
        body()
    except NotApplicable as error:
        result.status, result.action, result.message = "skipped", "none", str(error)
    except Exception as error:  # noqa: BLE001 - a resource's failure is reported, the fleet goes on
        result.status = "failed"
        result.error, result.error_code = describe_error(error)
        result.message = result.message or failed_message
    result.duration_s = context.clock.monotonic() - started
    return result


def ledger_record(context: Context, action: str, result: ResourceResult, body: dict[str, Any]) -> dict[str, Any]:
    """The envelope every ledger record shares; ``body`` holds the action's own evidence."""
    record = {
        "schema": 1,
        "collection": f"steward.maintenance {COLLECTION_VERSION}",
        "action": action,
        "run_id": context.run_id,
        "recorded": isoformat(context.clock.now()),
        "kind": result.kind,
        "resource_id": result.id,
        "resource_arn": result.arn,
        "status": result.status,
        "message": result.message,
        "error": result.error,
        "duration_s": round(result.duration_s, 3),
    }
    record.update(body)
    return record


def write_record(context: Context, action: str, result: ResourceResult, body: dict[str, Any]) -> None:
    """The one ledger write every action makes per resource once its outcome is final. A record that cannot be
    written fails that resource (missing evidence is a failure), never the others; where it went is in the result."""
    key = record_key(result.kind, result.id, action, context.clock.now(), context.run_id)
    try:
        location = context.ledger.write(key, context.secrets.scrub(ledger_record(context, action, result, body)))
    except Exception as error:  # noqa: BLE001 - missing evidence fails this resource, the others go on
        result.status, result.error_code = "failed", "ledger"
        result.error = f"ledger record not written: {describe_error(error)[0]}"
        return
    if location:
        result.extra["ledger_record"] = location


def poll_rounds(
    context: Context,
    items: list[T],
    poll: Callable[[list[T]], None],
    pending: Callable[[T], bool],
    timeout_s: float,
    interval_s: float,
) -> list[T]:
    """Poll every item still ``pending`` in one shared round (``poll`` gets them all and fans out as it likes), sleep
    on the context's clock, and again, until none is pending or ``timeout_s`` has passed since the first round.

    Returns the items still pending at the deadline (the caller says what timing out means for each). One shared
    round per interval means N waits take about as long as the slowest, and each item is seen settled in the round
    it settles (so a per-item duration measured there is its own).
    """
    deadline = context.clock.monotonic() + timeout_s
    while True:
        waiting = [item for item in items if pending(item)]
        if not waiting:
            return []
        poll(waiting)
        waiting = [item for item in waiting if pending(item)]
        if not waiting:
            return []
        remaining = deadline - context.clock.monotonic()
        if remaining <= 0:
            return waiting
        context.clock.sleep(min(interval_s, remaining))


def run_module(argument_spec: dict[str, Any], parse_request: Any, run: Any, kinds: dict[str, Any]) -> None:
    """main() of every fleet module: validate everything, then act, then report; bad input never reaches AWS."""
    argument_spec, unparsable = _unparsable_mappings(argument_spec)
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if unparsable:
        message = "expected a mapping of its options; got text that is neither JSON nor key=value"
        module.fail_json(msg=f"{unparsable}: {message}", option=unparsable)
    try:
        request = parse_request(module.params, kinds)
        context = context_from_module(module, request.concurrency, getattr(request, "ledger", None))
        for target in getattr(request, "targets", []):
            for name in kinds[target.kind].secret_options:
                context.secrets.declare(target.options.get(name))
        payload, failure = run(context, request, kinds)
    except OptionError as error:
        module.fail_json(msg=str(error), option=error.option)
    finish(module, context, payload, failure)


def _unparsable_mappings(argument_spec: dict[str, Any]) -> tuple[dict[str, Any], str | None]:
    """Ansible's own check of a mapping option whose suboptions are no_log (``postgres``: its password) fails on text
    that is not a mapping without naming the option. The top-level option holding such text is taken as raw (and
    no_log: the text may hold the password) so the module can fail naming the option's path."""
    params = _load_params()
    if not isinstance(params, dict):  # ansible-test's argument-spec introspection runs main() without arguments
        return argument_spec, None
    for name, spec in argument_spec.items():
        path = _unparsable_path(name, spec, params.get(name))
        if path:
            return {**argument_spec, name: {"type": "raw", "no_log": True}}, path
    return argument_spec, None


def _unparsable_path(path: str, spec: dict[str, Any], value: Any) -> str | None:
    if spec.get("type") != "dict" or not spec.get("options"):
        return None
    if isinstance(value, str):
        try:
            value = check_type_dict(value)
        except TypeError:
            return path
    if isinstance(value, dict):
        for name, sub in spec["options"].items():
            found = _unparsable_path(f"{path}.{name}", sub, value.get(name))
            if found:
                return found
    return None


def finish(module: Any, context: Context, payload: dict[str, Any], failure: str | None) -> None:
    # Ansible masks its no_log values in the result, the warnings and every -vvvv line; ours join them.
    module.no_log_values.update(context.secrets.values)
    for warning in context.warnings:
        module.warn(context.secrets.scrub(warning))
    payload["run_id"] = context.run_id
    payload["ledger"] = context.ledger.location
    payload = context.secrets.scrub(payload)
    if failure:
        module.fail_json(msg=context.secrets.scrub(failure), **payload)
    module.exit_json(**payload)
