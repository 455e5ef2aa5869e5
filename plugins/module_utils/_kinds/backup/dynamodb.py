# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DynamoDB tables: on-demand backups. Backups cannot carry tags, so the ``steward-`` name is the marker."""

from __future__ import annotations

from datetime import datetime

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._dynamodb_restore import (
    DynamoDBRestore,
    validate_user_check,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import (
    BackupKind,
    group_newest_first,
    newest_first,
)
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    DELETING,
    ORIGIN_AUTOMATED,
    ORIGIN_AWS_BACKUP,
    ORIGIN_MANUAL,
    ORIGIN_STEWARD,
    PENDING,
    Backup,
    Resource,
    Selected,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import is_managed_name, label_from_name

_STATES = {"AVAILABLE": AVAILABLE, "CREATING": PENDING, "DELETED": DELETING}
# From this many tables on, one sweep over the region's backups is cheaper than one listing per table.
SWEEP_FROM = 4


class DynamoDBKind(DynamoDBRestore, BackupKind):
    name = "dynamodb"
    summary = "DynamoDB tables"
    names_doc = "table name"
    not_found_codes = ("ResourceNotFoundException", "TableNotFoundException", "BackupNotFoundException")
    service = "dynamodb"
    tagging_type = "dynamodb:table"
    arn_pattern = r"^arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table/[A-Za-z0-9_.-]{3,255}$"
    user_check_fields = ("item", "attributes")
    validate_user_check = staticmethod(validate_user_check)  # type: ignore[assignment]
    # DynamoDB describes one table per call; its backups are listed for many tables in one sweep.
    list_batch = 1_000_000
    tag_lookup_suffices = True

    def describe(self, selected: Selected) -> Resource:
        with self.missing(selected.id):
            table = self.client.describe_table(TableName=selected.id)["Table"]
        details = {
            "status": table.get("TableStatus"),
            # DynamoDB refreshes ItemCount about every six hours; restore tests compare with a tolerance.
            "item_count": table.get("ItemCount"),
            "size_bytes": table.get("TableSizeBytes"),
            "key_schema": table.get("KeySchema", []),
            "attribute_definitions": table.get("AttributeDefinitions", []),
            "global_secondary_indexes": sorted(index["IndexName"] for index in table.get("GlobalSecondaryIndexes", [])),
            "local_secondary_indexes": sorted(index["IndexName"] for index in table.get("LocalSecondaryIndexes", [])),
            "billing_mode": (table.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED"),
            "encryption": (table.get("SSEDescription") or {}).get("SSEType", "AWS_OWNED"),
        }
        return Resource(self.name, selected.id, table.get("TableArn"), details, selected.options)

    def list_backups(self, resource: Resource) -> list[Backup]:
        return newest_first(self._list(resource.id))

    def list_backups_many(self, resources: list[Resource]) -> dict[str, list[Backup]]:
        ids = [resource.id for resource in resources]
        if len(ids) < SWEEP_FROM:
            return {resource_id: newest_first(self._list(resource_id)) for resource_id in ids}
        return group_newest_first(self._list(None), ids)

    def _list(self, table: str | None) -> list[Backup]:
        """One table's backups, or (``None``) every table's in the region, following LastEvaluatedBackupArn."""
        backups = []
        kwargs = {"TableName": table} if table else {}
        while True:
            page = self.client.list_backups(**kwargs)
            for summary in page.get("BackupSummaries", []):
                # moto (and older endpoints) ignore TableName filtering for some calls: check it here too.
                if table is None or summary.get("TableName") == table:
                    backups.append(self._from_summary(summary.get("TableName", ""), summary))
            last = page.get("LastEvaluatedBackupArn")
            if not last:
                return backups
            kwargs["ExclusiveStartBackupArn"] = last

    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        # CreateBackup has no idempotency token: after a lost answer, the backup is found by its run-unique name.
        return self.create_once(
            lambda client: self._from_summary(resource.id, client.create_backup(TableName=resource.id, BackupName=name)["BackupDetails"]),
            lambda: next((backup for backup in self._list(resource.id) if backup.name == name), None),
        )

    def refresh_backup(self, backup: Backup) -> Backup:
        description = self.client.describe_backup(BackupArn=backup.id)["BackupDescription"]
        return self._from_summary(backup.source_id, description["BackupDetails"])

    def _from_summary(self, table: str, summary: dict) -> Backup:
        name = summary.get("BackupName", "")
        backup_type = summary.get("BackupType", "USER")
        return Backup(
            kind=self.name,
            source_id=table,
            id=summary["BackupArn"],
            arn=summary["BackupArn"],
            name=name,
            created=as_utc(summary["BackupCreationDateTime"]),
            state=_STATES.get(summary.get("BackupStatus", ""), PENDING),
            label=label_from_name(name, table),
            size_bytes=summary.get("BackupSizeBytes"),
            details={"backup_type": backup_type},
            origin=ORIGIN_STEWARD
            if backup_type == "USER" and is_managed_name(name)
            else {"SYSTEM": ORIGIN_AUTOMATED, "AWS_BACKUP": ORIGIN_AWS_BACKUP}.get(backup_type, ORIGIN_MANUAL),
        )

    def delete_backup(self, backup: Backup) -> bool:
        return self.delete_once(lambda: self.client.delete_backup(BackupArn=backup.id))
