# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The data every action and kind adapter exchange. Pure, no AWS."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import isoformat

# Who made a backup. Retention acts on steward's, on manual ones only when told to, never on the others.
ORIGIN_STEWARD = "steward"
ORIGIN_MANUAL = "manual"
ORIGIN_AUTOMATED = "automated"  # e.g. RDS automated snapshots, DynamoDB SYSTEM backups
ORIGIN_AWS_BACKUP = "aws-backup"

# Backup states, normalised across services.
AVAILABLE = "available"
PENDING = "pending"
FAILED = "failed"
DELETING = "deleting"


@dataclass
class Resource:
    """One selected resource: a table, an instance, a cluster, a volume, a bucket."""

    kind: str
    id: str
    arn: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.id}"


@dataclass
class Backup:
    """One backup of a resource, steward-made or not."""

    kind: str
    source_id: str
    id: str
    name: str
    created: datetime
    state: str
    arn: str | None = None
    label: str | None = None
    size_bytes: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    origin: str = ORIGIN_MANUAL

    @property
    def managed(self) -> bool:
        """Steward made it: the only backups retention prunes without include_unmanaged."""
        return self.origin == ORIGIN_STEWARD

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "arn": self.arn,
            "name": self.name,
            "created": isoformat(self.created),
            "state": self.state,
            "managed": self.managed,
            "origin": self.origin,
            "label": self.label,
            "size_bytes": self.size_bytes,
            "details": self.details,
        }


@dataclass
class Selected:
    """A resource a target asked for, before it is known to exist (names) or after (tags)."""

    kind: str
    id: str
    arn: str | None
    options: dict[str, Any]
    selector: str  # which target selected it, e.g. "targets[0].tags"
    found: bool = False  # a lookup (tags) found it, so it exists and ``arn`` is its ARN


@dataclass
class Scratch:
    """A throwaway resource a restore test restored a backup into; steward deletes it when the test ends."""

    kind: str
    id: str  # the name steward gave it (a volume's id for EBS)
    name: str
    state: str
    arn: str | None = None
    details: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    # The adapter's own state (e.g. a connection's options, with its password): never reported nor recorded.
    private: dict[str, Any] = field(default_factory=dict, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name, "state": self.state, "arn": self.arn, "details": self.details}


# The layers of a restore test's verification, reported in this order.
LAYER_USABLE = "usable"
LAYER_SHAPE = "shape"
LAYER_CONTENT = "content"
LAYER_USER = "user"


@dataclass
class Check:
    """One verification a restore test made; ``passed`` is None when the check could not be made (and why)."""

    layer: str
    name: str
    passed: bool | None
    expected: Any = None
    actual: Any = None
    detail: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "layer": self.layer,
            "name": self.name,
            "result": {True: "passed", False: "failed", None: "not_checked"}[self.passed],
            "expected": self.expected,
            "actual": self.actual,
            "detail": self.detail,
        }
