# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Health gates after a rollback: no alarm in ALARM, HTTP endpoints answering as expected.

Parsing is pure and runs before any API call; checking is read-only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ansible_collections.steward.maintenance.plugins.module_utils import _http_probe
from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration, parse_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe.probes import AlarmProbe

PASSED = "passed"
FAILED = "failed"
METHODS = ("GET", "HEAD", "POST")


@dataclass(frozen=True)
class HttpGate:
    url: str
    status: int = 200
    timeout_s: int = 5
    body_regex: str | None = None
    method: str = "GET"


@dataclass(frozen=True)
class Gates:
    bake_time_s: int = 0
    alarm_names: tuple[str, ...] = ()
    alarm_prefix: str | None = None
    http: tuple[HttpGate, ...] = field(default_factory=tuple)

    @property
    def any(self) -> bool:
        return bool(self.alarm_names or self.alarm_prefix or self.http)


def parse_gates(raw: Any) -> Gates:
    """The ``gates`` option, every value checked (a URL that is not http(s), a bad duration) before any call."""
    if raw is None:
        return Gates()
    if not isinstance(raw, dict):
        raise OptionError("gates", raw, "expected a mapping with bake_time, alarms and/or http")
    unknown = sorted(set(raw) - {"bake_time", "alarms", "http"})
    if unknown:
        raise OptionError(f"gates.{unknown[0]}", raw[unknown[0]], "not a gate option (bake_time, alarms, http)")
    given_bake = raw.get("bake_time")
    # 0s (the default) bakes not at all; anything else is a duration like any other.
    bake = 0 if given_bake in (None, "0", "0s", 0) else parse_duration("gates.bake_time", given_bake)
    alarms = raw.get("alarms") or {}
    if not isinstance(alarms, dict) or set(alarms) - {"names", "prefix"}:
        raise OptionError("gates.alarms", alarms, "expected a mapping with names (a list) and/or prefix")
    names = alarms.get("names") or []
    if not isinstance(names, list) or not all(isinstance(name, str) and name for name in names):
        raise OptionError("gates.alarms.names", names, "expected a list of alarm names")
    prefix = alarms.get("prefix")
    if prefix is not None and (not isinstance(prefix, str) or not prefix):
        raise OptionError("gates.alarms.prefix", prefix, "expected a non-empty alarm name prefix")
    http = raw.get("http") or []
    if not isinstance(http, list):
        raise OptionError("gates.http", http, "expected a list of {url, status, timeout, body_regex, method}")
    return Gates(
        bake, tuple(dict.fromkeys(names)), prefix, tuple(_parse_http(f"gates.http[{index}]", entry) for index, entry in enumerate(http))
    )


def _parse_http(path: str, entry: Any) -> HttpGate:
    if not isinstance(entry, dict):
        raise OptionError(path, entry, "expected a mapping with url (and status, timeout, body_regex, method)")
    unknown = sorted(set(entry) - {"url", "status", "timeout", "body_regex", "method"})
    if unknown:
        raise OptionError(f"{path}.{unknown[0]}", entry[unknown[0]], "not an http gate option (url, status, timeout, body_regex, method)")
    url = entry.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
        raise OptionError(f"{path}.url", url, "expected an http:// or https:// URL with a host")
    status = entry.get("status", 200)
    if isinstance(status, bool) or not isinstance(status, int) or not 100 <= status <= 599:
        raise OptionError(f"{path}.status", status, "expected an HTTP status code from 100 to 599")
    timeout = parse_duration(f"{path}.timeout", entry.get("timeout") or "5s")
    if timeout < 1:
        raise OptionError(f"{path}.timeout", entry.get("timeout"), "expected at least 1s")
    regex = entry.get("body_regex")
    if regex is not None:
        try:
            re.compile(regex)
        except (re.error, TypeError) as error:
            raise OptionError(f"{path}.body_regex", regex, f"not a regular expression ({error})") from None
    method = str(entry.get("method") or "GET").upper()
    if method not in METHODS:
        raise OptionError(f"{path}.method", entry.get("method"), f"expected one of {', '.join(METHODS)}")
    return HttpGate(url, status, timeout, regex, method)


def check_gates(probe: AlarmProbe, gates: Gates) -> list[dict[str, Any]]:
    """Every gate's result, in the order they were given: alarms first, then each HTTP endpoint."""
    results: list[dict[str, Any]] = []
    if gates.alarm_names or gates.alarm_prefix:
        results.append(_alarm_gate(probe, gates))
    results.extend(_http_gate(gate) for gate in gates.http)
    return results


def _alarm_gate(probe: AlarmProbe, gates: Gates) -> dict[str, Any]:
    selector = {"names": list(gates.alarm_names), "prefix": gates.alarm_prefix}
    try:
        alarms, missing = probe.read(list(gates.alarm_names), gates.alarm_prefix)
    except Exception as error:  # noqa: BLE001 - a gate that cannot be read is a gate that did not pass
        return {"gate": "alarms", "selector": selector, "result": FAILED, "detail": f"alarms could not be read: {describe_error(error)[0]}"}
    firing = [alarm["AlarmName"] for alarm in alarms if alarm.get("StateValue") == "ALARM"]
    problems = []
    if firing:
        problems.append(f"in ALARM: {', '.join(firing)}")
    if missing:
        problems.append(f"no such alarm: {', '.join(missing)}")
    detail = "; ".join(problems) or f"{len(alarms)} alarms, none in ALARM"
    return {
        "gate": "alarms",
        "selector": selector,
        "result": FAILED if problems else PASSED,
        "detail": detail,
        "in_alarm": firing,
        "missing": missing,
        "checked": len(alarms),
    }


def _http_gate(gate: HttpGate) -> dict[str, Any]:
    answer = _http_probe.request(gate.url, gate.method, gate.timeout_s, gate.body_regex)
    problems = []
    if answer.error:
        problems.append(f"{answer.error} (timeout {format_duration(gate.timeout_s)})")
    elif answer.status != gate.status:
        problems.append(f"status {answer.status}, expected {gate.status}")
    if answer.body_matched is False:
        problems.append(f"body does not match {gate.body_regex!r}")
    return {
        "gate": "http",
        "url": gate.url,
        "method": gate.method,
        "result": FAILED if problems else PASSED,
        "detail": "; ".join(problems) or f"status {answer.status} in {answer.latency_ms} ms",
        "status": answer.status,
        "expected_status": gate.status,
        "latency_ms": answer.latency_ms,
        "body_matched": answer.body_matched,
    }
