# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Aurora DB clusters: manual cluster snapshots."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import (
    BackupKind,
    group_newest_first,
    newest_first,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._rds_restore import AuroraRestore
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._rds_shared import BATCH, paginate, snapshot_to_backup
from ansible_collections.steward.maintenance.plugins.module_utils._model import Backup, Resource, Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import tag_list


class AuroraKind(AuroraRestore, BackupKind):
    name = "aurora"
    summary = "Aurora DB clusters"
    names_doc = "DB cluster identifier"
    not_found_codes = (
        "DBClusterNotFoundFault",
        "DBClusterNotFound",
        "DBClusterSnapshotNotFoundFault",
        "DBClusterSnapshotNotFound",
        "DBInstanceNotFound",
        "DBInstanceNotFoundFault",
    )
    service = "rds"
    tagging_type = "rds:cluster"
    arn_pattern = r"^arn:aws[\w-]*:rds:[\w-]+:\d{12}:cluster:[A-Za-z][A-Za-z0-9-]{0,62}$"
    strict_names = True
    describe_batch = BATCH
    list_batch = BATCH

    def describe(self, selected: Selected) -> Resource:
        with self.missing(selected.id):
            cluster = self.client.describe_db_clusters(DBClusterIdentifier=selected.id)["DBClusters"][0]
        return self._resource(selected, cluster)

    def describe_many(self, selected: list[Selected]) -> list[Resource | BaseException]:
        ids = [item.id for item in selected]
        found = paginate(self.client.describe_db_clusters, "DBClusters", Filters=[{"Name": "db-cluster-id", "Values": ids}])
        return self.from_batch(selected, {cluster["DBClusterIdentifier"]: cluster for cluster in found}, self._resource)

    def _resource(self, selected: Selected, cluster: dict) -> Resource:
        details = {
            "status": cluster.get("Status"),
            "engine": cluster.get("Engine"),
            "engine_version": cluster.get("EngineVersion"),
            "engine_mode": cluster.get("EngineMode", "provisioned"),
            "storage_encrypted": cluster.get("StorageEncrypted", False),
            "port": cluster.get("Port"),
            "members": sorted(member["DBInstanceIdentifier"] for member in cluster.get("DBClusterMembers", [])),
            "db_subnet_group": cluster.get("DBSubnetGroup"),
        }
        return Resource(self.name, selected.id, cluster.get("DBClusterArn"), details, selected.options)

    def list_backups(self, resource: Resource) -> list[Backup]:
        snapshots = paginate(self.client.describe_db_cluster_snapshots, "DBClusterSnapshots", DBClusterIdentifier=resource.id)
        return newest_first([self._backup(snapshot) for snapshot in snapshots if snapshot.get("DBClusterIdentifier") == resource.id])

    def list_backups_many(self, resources: list[Resource]) -> dict[str, list[Backup]]:
        ids = [resource.id for resource in resources]
        snapshots = paginate(
            self.client.describe_db_cluster_snapshots, "DBClusterSnapshots", Filters=[{"Name": "db-cluster-id", "Values": ids}]
        )
        return group_newest_first([self._backup(snapshot) for snapshot in snapshots], ids)

    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        return self.create_once(
            lambda client: self._backup(
                client.create_db_cluster_snapshot(DBClusterSnapshotIdentifier=name, DBClusterIdentifier=resource.id, Tags=tag_list(tags))[
                    "DBClusterSnapshot"
                ]
            ),
            lambda: self.found(
                lambda: self._backup(self.client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=name)["DBClusterSnapshots"][0])
            ),
        )

    def refresh_backup(self, backup: Backup) -> Backup:
        snapshot = self.client.describe_db_cluster_snapshots(DBClusterSnapshotIdentifier=backup.id)["DBClusterSnapshots"][0]
        return self._backup(snapshot)

    def delete_backup(self, backup: Backup) -> bool:
        return self.delete_once(lambda: self.client.delete_db_cluster_snapshot(DBClusterSnapshotIdentifier=backup.id))

    def _backup(self, snapshot: dict) -> Backup:
        return snapshot_to_backup(
            self.name, snapshot["DBClusterIdentifier"], snapshot, "DBClusterSnapshotIdentifier", "DBClusterSnapshotArn"
        )
