# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch alarms, read-only: which of the named (or prefixed) alarms exist and what state each is in."""

from __future__ import annotations

from dataclasses import dataclass

from ansible_collections.steward.maintenance.plugins.module_utils._clients import ClientFactory
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import chunks

# DescribeAlarms takes at most 100 names per call.
_NAMES_PER_CALL = 100


@dataclass(frozen=True)
class AlarmState:
    name: str
    state: str  # OK | ALARM | INSUFFICIENT_DATA
    reason: str = ""


class AlarmsProbe:
    def __init__(self, clients: ClientFactory) -> None:
        self.clients = clients

    def read(self, names: list[str], prefix: str | None) -> tuple[list[AlarmState], list[str]]:
        """The alarms named or starting with ``prefix`` (metric and composite alarms), and the names that do not exist."""
        cloudwatch = self.clients.client("cloudwatch")
        found: dict[str, AlarmState] = {}
        requests = [{"AlarmNames": batch} for batch in chunks(sorted(set(names)), _NAMES_PER_CALL)]
        if prefix:
            requests.append({"AlarmNamePrefix": prefix})
        for request in requests:
            pages = cloudwatch.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"], **request)
            for page in pages:
                for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", []):
                    found[alarm["AlarmName"]] = AlarmState(alarm["AlarmName"], alarm.get("StateValue", ""), alarm.get("StateReason", ""))
        missing = sorted(name for name in set(names) if name not in found)
        return sorted(found.values(), key=lambda alarm: alarm.name), missing
