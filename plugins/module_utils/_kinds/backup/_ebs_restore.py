# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""EBS restore tests: create a scratch volume from a snapshot in a chosen Availability Zone."""

from __future__ import annotations

from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import Evidence
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    FAILED,
    LAYER_CONTENT,
    LAYER_SHAPE,
    PENDING,
    Backup,
    Check,
    Resource,
    Scratch,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    TAG_RESTORE_TEST,
    TAG_RUN,
    TAG_VERIFIED,
    is_expired_scratch,
    stamp,
    tag_dict,
    tag_list,
)
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec
from ansible_collections.steward.maintenance.plugins.module_utils._verify import at_least, not_checkable, same, usable

_STATES = {"available": AVAILABLE, "in-use": AVAILABLE, "creating": PENDING, "error": FAILED}
VOLUME_TYPES = ("gp3", "gp2", "io1", "io2", "st1", "sc1", "standard")


class EBSRestore:
    """The restore-test half of the ebs kind. A volume has no name: its Name tag carries the scratch name."""

    name: str
    client: Any
    scratch_option_spec = {
        "availability_zone": OptionSpec(
            pattern=r"^[a-z]{2}(-[a-z]+)+-\d[a-z]$", description="AZ of the scratch volume (default: the source's)"
        ),
        "volume_type": OptionSpec(default="gp3", choices=VOLUME_TYPES, description="type of the scratch volume"),
    }

    def scratch_exists(self, name: str, resource: Resource, options: dict[str, Any]) -> bool:
        volumes = self.client.describe_volumes(Filters=[{"Name": "tag:Name", "Values": [name]}]).get("Volumes", [])
        return bool(volumes)

    def restore(self, resource: Resource, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        zone = options.get("availability_zone") or resource.details.get("availability_zone")
        # After a lost answer the volume is found by its run-unique Name tag (moto ignores CreateVolume's ClientToken).
        volume = self.create_once(
            lambda client: client.create_volume(
                SnapshotId=backup.id,
                AvailabilityZone=zone,
                VolumeType=options["volume_type"],
                TagSpecifications=[{"ResourceType": "volume", "Tags": tag_list({"Name": name, **tags})}],
            ),
            lambda: next(iter(self.client.describe_volumes(Filters=[{"Name": "tag:Name", "Values": [name]}]).get("Volumes", [])), None),
        )
        details = {"availability_zone": zone, "volume_type": options["volume_type"]}
        return Scratch(self.name, volume["VolumeId"], name, _STATES.get(volume.get("State", ""), PENDING), None, details, tags)

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        volume = self.client.describe_volumes(VolumeIds=[scratch.id])["Volumes"][0]
        scratch.state = _STATES.get(volume.get("State", ""), PENDING)
        return scratch

    def verify(self, resource: Resource, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        volume = self.client.describe_volumes(VolumeIds=[scratch.id])["Volumes"][0]
        snapshot = self.client.describe_snapshots(SnapshotIds=[backup.id])["Snapshots"][0]
        recorded = evidence.recorded_source or {}
        checks = [usable(volume.get("State", ""), "available")]
        checks.append(same(LAYER_SHAPE, "snapshot", backup.id, volume.get("SnapshotId"), "the snapshot the volume was made from"))
        recorded_size = recorded.get("size_gib")
        checks.append(
            same(LAYER_SHAPE, "size_gib", snapshot.get("VolumeSize") if recorded_size is None else recorded_size, volume.get("Size"))
        )
        checks.append(at_least(LAYER_SHAPE, "size_covers_snapshot", snapshot.get("VolumeSize"), volume.get("Size"), " GiB"))
        encrypted = recorded.get("encrypted") if recorded.get("encrypted") is not None else snapshot.get("Encrypted", False)
        checks.append(same(LAYER_SHAPE, "encrypted", encrypted, volume.get("Encrypted", False)))
        checks.append(
            not_checkable(
                LAYER_CONTENT,
                "blocks",
                "a volume's blocks can only be read once it is attached to an instance; size and encryption are checked",
            )
        )
        return checks

    def adopt_scratch(self, name: str, resource: Resource, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        # Tagged in the create call: only a volume bearing this run's tag is this run's.
        volumes = self.client.describe_volumes(Filters=[{"Name": "tag:Name", "Values": [name]}]).get("Volumes", [])
        for volume in volumes:
            if tag_dict(volume.get("Tags")).get(TAG_RUN) == tags.get(TAG_RUN):
                return Scratch(self.name, volume["VolumeId"], name, FAILED, tags=tags)
        return None

    def delete_scratch(self, scratch: Scratch) -> None:
        self.delete_once(lambda: self.client.delete_volume(VolumeId=scratch.id))

    def find_expired_scratch(self, now: Any, options: dict[str, Any]) -> list[Scratch]:
        paginator = self.client.get_paginator("describe_volumes")
        expired = []
        for page in paginator.paginate(Filters=[{"Name": f"tag:{TAG_RESTORE_TEST}", "Values": ["true"]}]):
            for volume in page.get("Volumes", []):
                tags = tag_dict(volume.get("Tags"))
                if is_expired_scratch(tags.get("Name"), tags, now) and volume.get("State") == "available":
                    expired.append(Scratch(self.name, volume["VolumeId"], tags["Name"], "expired", None, tags=tags))
        return expired

    def mark_verified(self, backup: Backup, moment: Any) -> bool:
        self.client.create_tags(Resources=[backup.id], Tags=[{"Key": TAG_VERIFIED, "Value": stamp(moment)}])
        return True
