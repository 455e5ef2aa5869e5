# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""DynamoDB restore tests: restore a backup into a scratch table, count and probe it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import error_code
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import Evidence
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    FAILED,
    LAYER_CONTENT,
    LAYER_SHAPE,
    LAYER_USER,
    PENDING,
    Backup,
    Check,
    Scratch,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import SCRATCH_PREFIX, is_expired_scratch, tag_dict, tag_list
from ansible_collections.steward.maintenance.plugins.module_utils._verify import count_within, same, usable

try:
    from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
except ImportError:  # pragma: no cover - handled by AnsibleAWSModule
    TypeDeserializer = TypeSerializer = None  # type: ignore[assignment,misc]

_TABLE_STATES = {"ACTIVE": AVAILABLE, "CREATING": PENDING, "UPDATING": PENDING, "INACCESSIBLE_ENCRYPTION_CREDENTIALS": FAILED}


def validate_user_check(path: str, check: dict[str, Any]) -> dict[str, Any]:
    item = check.get("item")
    if not isinstance(item, dict) or not item:
        raise OptionError(f"{path}.item", item, "a dynamodb check needs item: the primary key of an item that must exist")
    attributes = check.get("attributes") or {}
    if not isinstance(attributes, dict):
        raise OptionError(f"{path}.attributes", attributes, "expected a mapping of attribute name to expected value")
    for field_name in ("object", "sha256"):
        if check.get(field_name) is not None:
            raise OptionError(f"{path}.{field_name}", check[field_name], "not a field of a dynamodb check (item, attributes)")
    return {"item": item, "attributes": attributes, "names": check.get("names") or []}


def plain(value: Any) -> Any:
    """DynamoDB values as YAML writes them: whole Decimals as int, sets as sorted lists."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(plain(item) for item in value)
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    return value


def _serialise(value: Any) -> Any:
    if isinstance(value, float):
        value = Decimal(str(value))
    return TypeSerializer().serialize(value)


class DynamoDBRestore:
    """The restore-test half of the dynamodb kind (mixed into DynamoDBKind)."""

    name: str
    client: Any

    def scratch_exists(self, name: str, resource: Any, options: dict[str, Any]) -> bool:
        return self.exists(lambda: self.client.describe_table(TableName=name))

    def restore(self, resource: Any, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        # On-demand billing: a scratch table must not need capacity planning, nor cost it when idle.
        # The scratch name was free before this call: a table of that name after a lost answer is this call's.
        table = self.create_once(
            lambda client: client.restore_table_from_backup(
                TargetTableName=name, BackupArn=backup.id, BillingModeOverride="PAY_PER_REQUEST"
            )["TableDescription"],
            lambda: self.found(lambda: self.client.describe_table(TableName=name)["Table"]),
        )
        scratch = Scratch(self.name, name, name, _TABLE_STATES.get(table.get("TableStatus", ""), PENDING), table.get("TableArn"), tags=tags)
        # The table exists now: nothing may raise before the action holds it, or cleanup could not find it.
        self._tag(scratch, retry_on=None)
        return scratch

    def _tag(self, scratch: Scratch, retry_on: tuple[str, ...] | None) -> None:
        """Tag the table; refusals in ``retry_on`` (all, when None) are retried on the next poll."""
        try:
            self.client.tag_resource(ResourceArn=scratch.arn, Tags=tag_list(scratch.tags))
            scratch.details["tagged"] = True
        except Exception as error:
            if retry_on is not None and error_code(error) not in retry_on:
                raise
            scratch.details["tagged"] = False

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        table = self.client.describe_table(TableName=scratch.id)["Table"]
        scratch.arn = table.get("TableArn") or scratch.arn
        restoring = (table.get("RestoreSummary") or {}).get("RestoreInProgress", False)
        scratch.state = PENDING if restoring else _TABLE_STATES.get(table.get("TableStatus", ""), PENDING)
        if not scratch.details.get("tagged"):
            # A table still being created may refuse tags; anything else is a real failure of the test.
            self._tag(scratch, retry_on=("ResourceInUseException",))
        return scratch

    def verify(self, resource: Any, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        table = self.client.describe_table(TableName=scratch.id)["Table"]
        source = self._backup_source(backup)
        recorded = evidence.recorded_source or {}
        checks = [usable(table.get("TableStatus", ""), "ACTIVE")]
        expected_keys = recorded.get("key_schema") or source.get("KeySchema")
        checks.append(same(LAYER_SHAPE, "key_schema", _keys(expected_keys), _keys(table.get("KeySchema"))))
        for field_name, api_field in (
            ("global_secondary_indexes", "GlobalSecondaryIndexes"),
            ("local_secondary_indexes", "LocalSecondaryIndexes"),
        ):
            expected = recorded.get(field_name)
            if expected is None and api_field in source:
                expected = sorted(index["IndexName"] for index in source.get(api_field) or [])
            checks.append(same(LAYER_SHAPE, field_name, expected, sorted(index["IndexName"] for index in table.get(api_field) or [])))
        # The count recorded at backup time is the evidence; the backup's own SourceTableDetails is the fallback.
        expected_count = recorded.get("item_count") if recorded.get("item_count") is not None else source.get("ItemCount")
        checks.append(count_within(LAYER_CONTENT, "item_count", expected_count, self._count(scratch.id), evidence.item_count_tolerance))
        for index, check in enumerate(evidence.user_checks):
            checks.append(self._user_check(scratch.id, index, check))
        return checks

    def _backup_source(self, backup: Backup) -> dict[str, Any]:
        description = self.client.describe_backup(BackupArn=backup.id)["BackupDescription"]
        source = dict(description.get("SourceTableDetails") or {})
        features = description.get("SourceTableFeatureDetails") or {}
        for api_field in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            if api_field in features:
                source[api_field] = features[api_field]
        return source

    def _count(self, table: str) -> int:
        count, kwargs = 0, {"TableName": table, "Select": "COUNT", "ConsistentRead": True}
        while True:
            page = self.client.scan(**kwargs)
            count += page.get("Count", 0)
            if not page.get("LastEvaluatedKey"):
                return count
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _user_check(self, table: str, index: int, check: dict[str, Any]) -> Check:
        name = f"checks[{index}]"
        key = {attribute: _serialise(value) for attribute, value in check["item"].items()}
        item = self.client.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
        if item is None:
            return Check(LAYER_USER, name, False, check["item"], None, f"item {check['item']} is missing from the restored table")
        restored = {attribute: plain(TypeDeserializer().deserialize(value)) for attribute, value in item.items()}
        expected = check["attributes"]
        actual = {attribute: restored.get(attribute) for attribute in expected}
        wrong = {attribute: actual[attribute] for attribute in expected if actual[attribute] != expected[attribute]}
        detail = (
            "" if not wrong else f"item {check['item']}: " + ", ".join(f"{k} is {v!r}, expected {expected[k]!r}" for k, v in wrong.items())
        )
        return Check(LAYER_USER, name, not wrong, expected or check["item"], actual or check["item"], detail)

    def adopt_scratch(self, name: str, resource: Any, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        return Scratch(self.name, name, name, FAILED, tags=tags) if self.scratch_exists(name, resource, options) else None

    def delete_scratch(self, scratch: Scratch) -> None:
        self.delete_once(lambda: self.client.delete_table(TableName=scratch.id))

    def find_expired_scratch(self, now: Any, options: dict[str, Any]) -> list[Scratch]:
        expired = []
        for page in self.client.get_paginator("list_tables").paginate():
            for table in page.get("TableNames", []):
                if not table.startswith(SCRATCH_PREFIX):
                    continue
                arn = self.client.describe_table(TableName=table)["Table"]["TableArn"]
                tags = tag_dict(self.client.list_tags_of_resource(ResourceArn=arn).get("Tags"))
                if is_expired_scratch(table, tags, now):
                    expired.append(Scratch(self.name, table, table, "expired", arn, tags=tags))
        return expired


def _keys(schema: list[dict[str, str]] | None) -> list[str] | None:
    if schema is None:
        return None
    return [f"{element['AttributeName']}:{element['KeyType']}" for element in schema]
