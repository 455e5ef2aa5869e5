# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What RDS instance snapshots and Aurora cluster snapshots have in common."""

from __future__ import annotations

from datetime import datetime, timezone

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    DELETING,
    FAILED,
    ORIGIN_AUTOMATED,
    ORIGIN_AWS_BACKUP,
    ORIGIN_MANUAL,
    ORIGIN_STEWARD,
    PENDING,
    Backup,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    is_managed_name,
    is_managed_tags,
    label_from_name,
    tag_dict,
)

_STATES = {"available": AVAILABLE, "creating": PENDING, "deleting": DELETING, "failed": FAILED, "incompatible-restore": FAILED}


def snapshot_to_backup(kind: str, source_id: str, snapshot: dict, id_field: str, arn_field: str) -> Backup:
    """Build a Backup from a DBSnapshot or DBClusterSnapshot description.

    Only manual snapshots can be steward's: automated ones belong to RDS and AWS Backup's to its vault,
    and retention must never touch either.
    """
    name = snapshot[id_field]
    tags = tag_dict(snapshot.get("TagList"))
    snapshot_type = snapshot.get("SnapshotType", "manual")
    if snapshot_type == "manual" and is_managed_name(name) and (is_managed_tags(tags) or not tags):
        origin = ORIGIN_STEWARD
    else:
        origin = {"automated": ORIGIN_AUTOMATED, "awsbackup": ORIGIN_AWS_BACKUP}.get(snapshot_type, ORIGIN_MANUAL)
    # A snapshot still being created may not report its time yet; it is as young as a backup gets,
    # which is what min_interval must see so that a retry does not start a second one.
    created = snapshot.get("SnapshotCreateTime") or snapshot.get("OriginalSnapshotCreateTime") or datetime.now(timezone.utc)
    size_gib = snapshot.get("AllocatedStorage")
    return Backup(
        kind=kind,
        source_id=source_id,
        id=name,
        arn=snapshot.get(arn_field),
        name=name,
        created=as_utc(created),
        state=_STATES.get(snapshot.get("Status", ""), PENDING),
        label=tags.get("steward:cadence") or label_from_name(name, source_id),
        size_bytes=size_gib * 1024**3 if isinstance(size_gib, int) else None,
        details={
            "snapshot_type": snapshot_type,
            "engine": snapshot.get("Engine"),
            "engine_version": snapshot.get("EngineVersion"),
            "encrypted": snapshot.get("Encrypted", snapshot.get("StorageEncrypted")),
        },
        origin=origin,
    )


BATCH = 100  # identifiers per Filters value list: one describe or one snapshot listing covers this many resources


def paginate(call, result_key: str, **kwargs) -> list[dict]:
    """RDS pages with Marker; moto ignores MaxRecords, real RDS does not, so always follow the Marker."""
    items: list[dict] = []
    while True:
        page = call(**kwargs)
        items.extend(page.get(result_key, []))
        marker = page.get("Marker")
        if not marker:
            return items
        kwargs["Marker"] = marker
