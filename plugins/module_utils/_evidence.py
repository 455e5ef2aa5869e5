# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading earlier evidence back from the ledger: what one action needs to know of another's records.

The contract: a ``backup`` record holds ``backup.id`` and ``source`` (the resource as described when the
backup was taken); a ``restore_test`` record holds ``backup.id``, ``verdict`` and ``recorded``.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._ledger import Ledger

BACKUP_ACTION = "backup"
RESTORE_TEST_ACTION = "restore_test"
PASSED = "passed"


def verified_backup_ids(ledger: Ledger, kind: str, resource_id: str) -> frozenset[str]:
    """Backups of the resource that a restore test has verified."""
    return verified_in(ledger.read_all(kind, resource_id, RESTORE_TEST_ACTION))


def verified_in(records: list[dict[str, Any]]) -> frozenset[str]:
    """The backup ids that passing ``restore_test`` records verified."""
    return frozenset(
        record["backup"]["id"] for record in records if record.get("verdict") == PASSED and (record.get("backup") or {}).get("id")
    )


def recorded_source(ledger: Ledger, kind: str, resource_id: str, backup_id: str) -> dict[str, Any] | None:
    """The resource as the ``backup`` action described it when it took this backup, if that record exists."""
    record = ledger.latest(kind, resource_id, BACKUP_ACTION, lambda record: (record.get("backup") or {}).get("id") == backup_id)
    return (record or {}).get("source") or None


def last_passed_test(records: list[dict[str, Any]]) -> tuple[datetime, str] | None:
    """When the newest passing test among ``restore_test`` records was recorded, and which backup it verified."""
    newest: tuple[datetime, str] | None = None
    for record in records:
        if record.get("verdict") != PASSED or not record.get("recorded"):
            continue
        moment = datetime.strptime(record["recorded"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        if newest is None or moment > newest[0]:
            newest = (moment, (record.get("backup") or {}).get("name") or "")
    return newest
