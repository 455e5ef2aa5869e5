# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The health probe family's protocol: read a batch of resources, say what is wrong (and what is fine) as findings.

Probes are read-only: no probe makes a mutating call, in any mode.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import Kind
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected

INFO, WARNING, CRITICAL = "info", "warning", "critical"
SEVERITIES = (INFO, WARNING, CRITICAL)  # in rising order


@dataclass(frozen=True)
class Finding:
    kind: str
    id: str
    check: str
    severity: str
    message: str
    value: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "id": self.id,
            "check": self.check,
            "severity": self.severity,
            "message": self.message,
            "value": self.value,
        }


@dataclass(frozen=True)
class Thresholds:
    """What the module's options say about judging (certificate expiry); the probe decides the rest."""

    now: datetime
    warn_days: int = 30
    critical_days: int = 7


class HealthProbe(Kind):
    """One kind as the probe family sees it: health_check."""

    # How many resources one probe call takes (the action batches selections by it).
    batch: ClassVar[int] = 1

    @abstractmethod
    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        """Findings for a batch of selected resources: at least one per resource (an ``info`` one when it is fine)."""


def missing(kind: str, resource_id: str, check: str = "exists") -> Finding:
    return Finding(kind, resource_id, check, CRITICAL, f"{kind} '{resource_id}' does not exist (or is not visible with these credentials)")
