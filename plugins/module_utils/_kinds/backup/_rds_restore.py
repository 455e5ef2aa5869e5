# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""RDS and Aurora restore tests: restore a snapshot into a scratch instance or cluster in a network the user chose.

A scratch database must never land in a production network by accident: the subnet group is a required
option, a restore into the source's own subnet group needs ``allow_source_network``, the scratch is never
publicly accessible, and the network it landed in is one of the checks.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import Evidence
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._rds_shared import paginate
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
from ansible_collections.steward.maintenance.plugins.module_utils._naming import TAG_VERIFIED, is_expired_scratch, stamp, tag_dict, tag_list
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec
from ansible_collections.steward.maintenance.plugins.module_utils._verify import at_least, not_checkable, same, usable

SCRATCH_OPTIONS = {
    "db_subnet_group": OptionSpec(
        required=True, pattern=r"^[A-Za-z0-9 ._-]{1,255}$", description="DB subnet group the scratch database is placed in"
    ),
    "vpc_security_group_ids": OptionSpec(type="list", default=[], description="security groups of the scratch database"),
    "instance_class": OptionSpec(pattern=r"^db\.[a-z0-9]+\.[a-z0-9]+$", description="instance class (default: the source's)"),
    "allow_source_network": OptionSpec(type="bool", default=False, description="allow the source's own subnet group"),
}
_FAILED_STATES = {
    "failed",
    "incompatible-restore",
    "incompatible-parameters",
    "incompatible-network",
    "storage-full",
    "inaccessible-encryption-credentials",
}
_CONTENT_NOT_CHECKABLE = (
    "the AWS API cannot read a database's rows; the engine, version, storage and encryption the snapshot restored into are checked instead"
)


def _state(status: str | None) -> str:
    if status == "available":
        return AVAILABLE
    return FAILED if status in _FAILED_STATES else PENDING


def _network_guard(resource: Resource, options: dict[str, Any]) -> None:
    if options["db_subnet_group"] == resource.details.get("db_subnet_group") and not options["allow_source_network"]:
        raise ResourceError(
            f"scratch.{resource.kind}.db_subnet_group '{options['db_subnet_group']}' is the source's own subnet group; "
            f"a restore test would land in its network (set scratch.{resource.kind}.allow_source_network to allow it)",
            "source_network",
        )


def _network_checks(subnet_group: str | None, public: bool | None, options: dict[str, Any]) -> list[Check]:
    return [
        same(LAYER_SHAPE, "network", options["db_subnet_group"], subnet_group, "DB subnet group"),
        same(LAYER_SHAPE, "publicly_accessible", False, bool(public)),
    ]


def _expected(evidence: Evidence, recorded_field: str, backup: Backup, backup_field: str) -> Any:
    recorded = (evidence.recorded_source or {}).get(recorded_field)
    return recorded if recorded is not None else backup.details.get(backup_field)


class RDSRestore:
    """The restore-test half of the rds kind."""

    name: str
    client: Any
    scratch_option_spec = SCRATCH_OPTIONS
    scratch_name_max = 63
    scratch_strict_names = True

    def scratch_exists(self, name: str, resource: Resource, options: dict[str, Any]) -> bool:
        return self.exists(lambda: self.client.describe_db_instances(DBInstanceIdentifier=name))

    def restore(self, resource: Resource, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        _network_guard(resource, options)
        kwargs: dict[str, Any] = {
            "DBInstanceIdentifier": name,
            "DBSnapshotIdentifier": backup.id,
            "DBInstanceClass": options.get("instance_class") or resource.details.get("instance_class"),
            "DBSubnetGroupName": options["db_subnet_group"],
            "PubliclyAccessible": False,
            "MultiAZ": False,
            "DeletionProtection": False,
            "CopyTagsToSnapshot": False,
            "Tags": tag_list(tags),
        }
        if options.get("vpc_security_group_ids"):
            kwargs["VpcSecurityGroupIds"] = list(options["vpc_security_group_ids"])
        instance = self.create_once(
            lambda client: client.restore_db_instance_from_db_snapshot(**kwargs)["DBInstance"], lambda: self._instance(name)
        )
        details = {"options": options}
        return Scratch(self.name, name, name, _state(instance.get("DBInstanceStatus")), instance.get("DBInstanceArn"), details, tags)

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        instance = self.client.describe_db_instances(DBInstanceIdentifier=scratch.id)["DBInstances"][0]
        scratch.state = _state(instance.get("DBInstanceStatus"))
        scratch.details["status"] = instance.get("DBInstanceStatus")
        return scratch

    def verify(self, resource: Resource, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        instance = self.client.describe_db_instances(DBInstanceIdentifier=scratch.id)["DBInstances"][0]
        options = scratch.details["options"]
        checks = [usable(instance.get("DBInstanceStatus", ""), "available")]
        checks.append(same(LAYER_SHAPE, "engine", _expected(evidence, "engine", backup, "engine"), instance.get("Engine")))
        version = _expected(evidence, "engine_version", backup, "engine_version")
        checks.append(same(LAYER_SHAPE, "engine_version", version, instance.get("EngineVersion")))
        storage = (evidence.recorded_source or {}).get("allocated_storage_gib")
        if storage is None and backup.size_bytes:
            storage = backup.size_bytes // 1024**3
        checks.append(at_least(LAYER_SHAPE, "allocated_storage_gib", storage, instance.get("AllocatedStorage"), " GiB"))
        encrypted = _expected(evidence, "storage_encrypted", backup, "encrypted")
        checks.append(same(LAYER_SHAPE, "storage_encrypted", encrypted, instance.get("StorageEncrypted", False)))
        subnet_group = (instance.get("DBSubnetGroup") or {}).get("DBSubnetGroupName")
        checks += _network_checks(subnet_group, instance.get("PubliclyAccessible"), options)
        checks.append(not_checkable(LAYER_CONTENT, "rows", _CONTENT_NOT_CHECKABLE))
        return checks

    def adopt_scratch(self, name: str, resource: Resource, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        return Scratch(self.name, name, name, FAILED, tags=tags) if self.scratch_exists(name, resource, options) else None

    def _instance(self, name: str) -> dict[str, Any] | None:
        return self.found(lambda: self.client.describe_db_instances(DBInstanceIdentifier=name)["DBInstances"][0])

    def delete_scratch(self, scratch: Scratch) -> None:
        self.delete_once(
            lambda: self.client.delete_db_instance(DBInstanceIdentifier=scratch.id, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
        )

    def find_expired_scratch(self, now: Any, options: dict[str, Any]) -> list[Scratch]:
        expired = []
        for instance in paginate(self.client.describe_db_instances, "DBInstances"):
            name = instance["DBInstanceIdentifier"]
            tags = tag_dict(instance.get("TagList"))
            # Members of a scratch cluster are the aurora kind's to sweep, with their cluster.
            if not instance.get("DBClusterIdentifier") and is_expired_scratch(name, tags, now):
                expired.append(Scratch(self.name, name, name, "expired", instance.get("DBInstanceArn"), tags=tags))
        return expired

    def mark_verified(self, backup: Backup, moment: Any) -> bool:
        return _tag_verified(self.client, backup, moment)


class AuroraRestore:
    """The restore-test half of the aurora kind: a scratch cluster plus one instance to make it usable."""

    name: str
    client: Any
    scratch_option_spec = SCRATCH_OPTIONS
    scratch_name_max = 61  # the instance is the cluster's name plus "-1"
    scratch_strict_names = True

    def scratch_exists(self, name: str, resource: Resource, options: dict[str, Any]) -> bool:
        return self.exists(lambda: self.client.describe_db_clusters(DBClusterIdentifier=name))

    def restore(self, resource: Resource, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        _network_guard(resource, options)
        instance_class = options.get("instance_class") or self._writer_class(resource)
        kwargs: dict[str, Any] = {
            "DBClusterIdentifier": name,
            "SnapshotIdentifier": backup.id,
            "Engine": backup.details.get("engine") or resource.details.get("engine"),
            "DBSubnetGroupName": options["db_subnet_group"],
            "DeletionProtection": False,
            "Tags": tag_list(tags),
        }
        if options.get("vpc_security_group_ids"):
            kwargs["VpcSecurityGroupIds"] = list(options["vpc_security_group_ids"])
        if backup.details.get("engine_version"):
            # Without it AWS restores with the region's default version, not the snapshot's.
            kwargs["EngineVersion"] = backup.details["engine_version"]
        cluster = self.create_once(
            lambda client: client.restore_db_cluster_from_snapshot(**kwargs)["DBCluster"],
            lambda: self.found(lambda: self.client.describe_db_clusters(DBClusterIdentifier=name)["DBClusters"][0]),
        )
        details = {"instance": None, "instance_class": instance_class, "engine": kwargs["Engine"], "options": options}
        return Scratch(self.name, name, name, PENDING, cluster.get("DBClusterArn"), details, tags)

    def _writer_class(self, resource: Resource) -> str:
        members = resource.details.get("members") or []
        if not members:
            raise ResourceError(
                f"cluster '{resource.id}' has no instances to copy a class from: set scratch.aurora.instance_class", "invalid"
            )
        return self.client.describe_db_instances(DBInstanceIdentifier=members[0])["DBInstances"][0]["DBInstanceClass"]

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        cluster = self.client.describe_db_clusters(DBClusterIdentifier=scratch.id)["DBClusters"][0]
        status = cluster.get("Status")
        scratch.details["status"] = status
        if _state(status) != AVAILABLE:
            scratch.state = _state(status)
            return scratch
        instance_id = scratch.details.get("instance")
        if instance_id is None:
            # A restored cluster has storage but no compute: it is usable only once an instance runs in it.
            instance_id = f"{scratch.id}-1"
            self.create_once(
                lambda client: client.create_db_instance(
                    DBInstanceIdentifier=instance_id,
                    DBClusterIdentifier=scratch.id,
                    Engine=scratch.details["engine"],
                    DBInstanceClass=scratch.details["instance_class"],
                    PubliclyAccessible=False,
                    Tags=tag_list(scratch.tags),
                ),
                lambda: self.found(lambda: self.client.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]),
            )
            scratch.details["instance"] = instance_id
        instance = self.client.describe_db_instances(DBInstanceIdentifier=instance_id)["DBInstances"][0]
        scratch.state = _state(instance.get("DBInstanceStatus"))
        return scratch

    def verify(self, resource: Resource, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        cluster = self.client.describe_db_clusters(DBClusterIdentifier=scratch.id)["DBClusters"][0]
        instance = self.client.describe_db_instances(DBInstanceIdentifier=scratch.details["instance"])["DBInstances"][0]
        options = scratch.details["options"]
        checks = [
            usable(
                instance.get("DBInstanceStatus", ""),
                "available",
                f"cluster {cluster.get('Status')}, instance {instance.get('DBInstanceStatus')}",
            )
        ]
        checks.append(same(LAYER_SHAPE, "engine", _expected(evidence, "engine", backup, "engine"), cluster.get("Engine")))
        version = _expected(evidence, "engine_version", backup, "engine_version")
        checks.append(same(LAYER_SHAPE, "engine_version", version, cluster.get("EngineVersion")))
        encrypted = _expected(evidence, "storage_encrypted", backup, "encrypted")
        checks.append(same(LAYER_SHAPE, "storage_encrypted", encrypted, cluster.get("StorageEncrypted", False)))
        checks += _network_checks(cluster.get("DBSubnetGroup"), instance.get("PubliclyAccessible"), options)
        checks.append(not_checkable(LAYER_CONTENT, "rows", _CONTENT_NOT_CHECKABLE))
        return checks

    def adopt_scratch(self, name: str, resource: Resource, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        # delete_scratch finds the cluster's instances itself
        return Scratch(self.name, name, name, FAILED, tags=tags) if self.scratch_exists(name, resource, options) else None

    def delete_scratch(self, scratch: Scratch) -> None:
        cluster = self.found(lambda: self.client.describe_db_clusters(DBClusterIdentifier=scratch.id)["DBClusters"][0])
        if cluster is None:
            return
        # Instances first: a cluster is deleted only once none of its instances is left running.
        for member in cluster.get("DBClusterMembers", []):
            self.delete_once(
                lambda member=member: self.client.delete_db_instance(
                    DBInstanceIdentifier=member["DBInstanceIdentifier"], SkipFinalSnapshot=True
                )
            )
        self.delete_once(lambda: self.client.delete_db_cluster(DBClusterIdentifier=scratch.id, SkipFinalSnapshot=True))

    def find_expired_scratch(self, now: Any, options: dict[str, Any]) -> list[Scratch]:
        expired = []
        for cluster in paginate(self.client.describe_db_clusters, "DBClusters"):
            name, tags = cluster["DBClusterIdentifier"], tag_dict(cluster.get("TagList"))
            if is_expired_scratch(name, tags, now):
                expired.append(Scratch(self.name, name, name, "expired", cluster.get("DBClusterArn"), tags=tags))
        return expired

    def mark_verified(self, backup: Backup, moment: Any) -> bool:
        return _tag_verified(self.client, backup, moment)


def _tag_verified(client: Any, backup: Backup, moment: Any) -> bool:
    if not backup.arn:
        return False
    client.add_tags_to_resource(ResourceName=backup.arn, Tags=tag_list({TAG_VERIFIED: stamp(moment)}))
    return True
