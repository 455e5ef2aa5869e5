# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EBS volumes: snapshots, named by their Name tag, marked by steward's tags."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._ebs_restore import EBSRestore
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import (
    BackupKind,
    group_newest_first,
    newest_first,
)
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    FAILED,
    ORIGIN_AWS_BACKUP,
    ORIGIN_MANUAL,
    ORIGIN_STEWARD,
    PENDING,
    Backup,
    Resource,
    Selected,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    is_managed_tags,
    label_from_name,
    tag_dict,
    tag_list,
)

_STATES = {"completed": AVAILABLE, "pending": PENDING, "error": FAILED}
_DESCRIBE_BATCH = 200


def _origin(tags: dict[str, str]) -> str:
    if is_managed_tags(tags):
        return ORIGIN_STEWARD
    # AWS Backup marks the snapshots it makes with aws:backup:* tags.
    return ORIGIN_AWS_BACKUP if any(key.startswith("aws:backup:") for key in tags) else ORIGIN_MANUAL


class EBSKind(EBSRestore, BackupKind):
    name = "ebs"
    summary = "EBS volumes"
    names_doc = "volume id"
    not_found_codes = ("InvalidVolume.NotFound", "InvalidVolumeID.Malformed", "InvalidSnapshot.NotFound")
    service = "ec2"
    tagging_type = "ec2:volume"
    arn_pattern = r"^arn:aws[\w-]*:ec2:[\w-]+:\d{12}:volume/vol-[0-9a-f]+$"
    refresh_batch_size = _DESCRIBE_BATCH
    describe_batch = _DESCRIBE_BATCH
    list_batch = _DESCRIBE_BATCH
    tag_lookup_suffices = True

    def describe(self, selected: Selected) -> Resource:
        with self.missing(selected.id):
            volume = self.client.describe_volumes(VolumeIds=[selected.id])["Volumes"][0]
        return self._resource(selected, volume)

    def describe_many(self, selected: list[Selected]) -> list[Resource | BaseException]:
        # A volume-id filter, unlike VolumeIds, does not fail the whole call for one missing or malformed id.
        paginator = self.client.get_paginator("describe_volumes")
        pages = paginator.paginate(Filters=[{"Name": "volume-id", "Values": [item.id for item in selected]}])
        found = {volume["VolumeId"]: volume for page in pages for volume in page.get("Volumes", [])}
        return self.from_batch(selected, found, self._resource)

    def _resource(self, selected: Selected, volume: dict) -> Resource:
        details = {
            "state": volume.get("State"),
            "size_gib": volume.get("Size"),
            "volume_type": volume.get("VolumeType"),
            "encrypted": volume.get("Encrypted", False),
            "kms_key_id": volume.get("KmsKeyId"),
            "availability_zone": volume.get("AvailabilityZone"),
            "iops": volume.get("Iops"),
            "name": tag_dict(volume.get("Tags")).get("Name"),
        }
        return Resource(self.name, selected.id, selected.arn, details, selected.options)

    def list_backups(self, resource: Resource) -> list[Backup]:
        paginator = self.client.get_paginator("describe_snapshots")
        pages = paginator.paginate(OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [resource.id]}])
        return newest_first(
            [self._backup(snapshot) for page in pages for snapshot in page.get("Snapshots", []) if snapshot.get("VolumeId") == resource.id]
        )

    def list_backups_many(self, resources: list[Resource]) -> dict[str, list[Backup]]:
        ids = [resource.id for resource in resources]
        paginator = self.client.get_paginator("describe_snapshots")
        pages = paginator.paginate(OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": ids}])
        return group_newest_first([self._backup(snapshot) for page in pages for snapshot in page.get("Snapshots", [])], ids)

    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        # CreateSnapshot has no idempotency token: after a lost answer, the snapshot is found by its run-unique Name tag.
        return self.create_once(
            lambda client: self._backup(
                client.create_snapshot(
                    VolumeId=resource.id,
                    Description=name,
                    TagSpecifications=[{"ResourceType": "snapshot", "Tags": tag_list({"Name": name, **tags})}],
                )
            ),
            lambda: self._find_snapshot(resource.id, name),
        )

    def _find_snapshot(self, volume_id: str, name: str) -> Backup | None:
        filters = [{"Name": "volume-id", "Values": [volume_id]}, {"Name": "tag:Name", "Values": [name]}]
        found = self.client.describe_snapshots(OwnerIds=["self"], Filters=filters).get("Snapshots", [])
        return self._backup(found[0]) if found else None

    def refresh_backup(self, backup: Backup) -> Backup:
        return self.refresh_backups([backup])[0]

    def refresh_backups(self, backups: list[Backup]) -> list[Backup]:
        refreshed: dict[str, Backup] = {}
        ids = [backup.id for backup in backups]
        for start in range(0, len(ids), _DESCRIBE_BATCH):
            page = self.client.describe_snapshots(SnapshotIds=ids[start : start + _DESCRIBE_BATCH])
            for snapshot in page.get("Snapshots", []):
                refreshed[snapshot["SnapshotId"]] = self._backup(snapshot)
        missing = [backup.id for backup in backups if backup.id not in refreshed]
        if missing:
            raise LookupError(f"snapshots no longer exist: {', '.join(missing)}")
        return [refreshed[backup.id] for backup in backups]

    def _backup(self, snapshot: dict) -> Backup:
        tags = tag_dict(snapshot.get("Tags"))
        name = tags.get("Name") or snapshot.get("Description") or snapshot["SnapshotId"]
        size_gib = snapshot.get("VolumeSize")
        return Backup(
            kind=self.name,
            source_id=snapshot.get("VolumeId", ""),
            id=snapshot["SnapshotId"],
            arn=f"arn:aws:ec2:{self.client.meta.region_name}::snapshot/{snapshot['SnapshotId']}",
            name=name,
            created=as_utc(snapshot["StartTime"]),
            state=_STATES.get(snapshot.get("State", ""), PENDING),
            label=tags.get("steward:cadence") or label_from_name(name, snapshot.get("VolumeId")),
            size_bytes=size_gib * 1024**3 if isinstance(size_gib, int) else None,
            details={"progress": snapshot.get("Progress"), "encrypted": snapshot.get("Encrypted", False)},
            origin=_origin(tags),
        )

    def delete_backup(self, backup: Backup) -> bool:
        return self.delete_once(lambda: self.client.delete_snapshot(SnapshotId=backup.id))
