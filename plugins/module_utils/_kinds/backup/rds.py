# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RDS DB instances: manual DB snapshots. Aurora members are left to the ``aurora`` kind."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import NotApplicable
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import (
    BackupKind,
    group_newest_first,
    newest_first,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._rds_restore import RDSRestore
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._rds_shared import BATCH, paginate, snapshot_to_backup
from ansible_collections.steward.maintenance.plugins.module_utils._model import Backup, Resource, Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import tag_list


class RDSKind(RDSRestore, BackupKind):
    name = "rds"
    summary = "RDS DB instances (not Aurora members)"
    names_doc = "DB instance identifier"
    not_found_codes = ("DBInstanceNotFound", "DBInstanceNotFoundFault", "DBSnapshotNotFound", "DBSnapshotNotFoundFault")
    service = "rds"
    tagging_type = "rds:db"
    arn_pattern = r"^arn:aws[\w-]*:rds:[\w-]+:\d{12}:db:[A-Za-z][A-Za-z0-9-]{0,62}$"
    strict_names = True
    describe_batch = BATCH
    list_batch = BATCH

    def describe(self, selected: Selected) -> Resource:
        with self.missing(selected.id):
            instance = self.client.describe_db_instances(DBInstanceIdentifier=selected.id)["DBInstances"][0]
        return self._resource(selected, instance)

    def describe_many(self, selected: list[Selected]) -> list[Resource | BaseException]:
        ids = [item.id for item in selected]
        found = paginate(self.client.describe_db_instances, "DBInstances", Filters=[{"Name": "db-instance-id", "Values": ids}])
        return self.from_batch(selected, {instance["DBInstanceIdentifier"]: instance for instance in found}, self._resource)

    def _resource(self, selected: Selected, instance: dict) -> Resource:
        if instance.get("DBClusterIdentifier"):
            # AWS refuses instance snapshots of Aurora members; tags often reach members too, so say why.
            raise NotApplicable(f"member of cluster '{instance['DBClusterIdentifier']}': back it up with kind aurora")
        details = {
            "status": instance.get("DBInstanceStatus"),
            "engine": instance.get("Engine"),
            "engine_version": instance.get("EngineVersion"),
            "instance_class": instance.get("DBInstanceClass"),
            "allocated_storage_gib": instance.get("AllocatedStorage"),
            "storage_encrypted": instance.get("StorageEncrypted", False),
            "multi_az": instance.get("MultiAZ", False),
            "port": (instance.get("Endpoint") or {}).get("Port"),
            "db_subnet_group": (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName"),
        }
        return Resource(self.name, selected.id, instance.get("DBInstanceArn"), details, selected.options)

    def list_backups(self, resource: Resource) -> list[Backup]:
        snapshots = paginate(self.client.describe_db_snapshots, "DBSnapshots", DBInstanceIdentifier=resource.id)
        return newest_first([self._backup(snapshot) for snapshot in snapshots if snapshot.get("DBInstanceIdentifier") == resource.id])

    def list_backups_many(self, resources: list[Resource]) -> dict[str, list[Backup]]:
        ids = [resource.id for resource in resources]
        snapshots = paginate(self.client.describe_db_snapshots, "DBSnapshots", Filters=[{"Name": "db-instance-id", "Values": ids}])
        return group_newest_first([self._backup(snapshot) for snapshot in snapshots], ids)

    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        return self.create_once(
            lambda client: self._backup(
                client.create_db_snapshot(DBSnapshotIdentifier=name, DBInstanceIdentifier=resource.id, Tags=tag_list(tags))["DBSnapshot"]
            ),
            lambda: self.found(lambda: self._backup(self.client.describe_db_snapshots(DBSnapshotIdentifier=name)["DBSnapshots"][0])),
        )

    def refresh_backup(self, backup: Backup) -> Backup:
        snapshot = self.client.describe_db_snapshots(DBSnapshotIdentifier=backup.id)["DBSnapshots"][0]
        return self._backup(snapshot)

    def delete_backup(self, backup: Backup) -> bool:
        return self.delete_once(lambda: self.client.delete_db_snapshot(DBSnapshotIdentifier=backup.id))

    def _backup(self, snapshot: dict) -> Backup:
        return snapshot_to_backup(self.name, snapshot["DBInstanceIdentifier"], snapshot, "DBSnapshotIdentifier", "DBSnapshotArn")
