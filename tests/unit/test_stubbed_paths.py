"""Paths moto cannot show (it makes everything available at once and ignores page sizes): botocore Stubber."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from botocore.stub import ANY
from conftest import make_context
from stubs import Stubbed

from ansible_collections.steward.maintenance.plugins.module_utils._backup_action import parse_request, run_backup
from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.dynamodb import DynamoDBKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.rds import RDSKind
from ansible_collections.steward.maintenance.plugins.module_utils._model import Resource

NOW = datetime(2026, 11, 24, 2, 0, 0, tzinfo=timezone.utc)
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
BACKUP_ARN = f"{TABLE_ARN}/backup/01700000000000-abcdef12"


def backup_details(status: str) -> dict:
    return {
        "BackupArn": BACKUP_ARN,
        "BackupName": "steward-orders-daily-20261124-020000",
        "BackupStatus": status,
        "BackupType": "USER",
        "BackupCreationDateTime": NOW,
    }


def stub_dynamodb_backup_start(stubs: Stubbed) -> None:
    stubs["dynamodb"].add_response(
        "describe_table",
        {
            "Table": {
                "TableName": "orders",
                "TableArn": TABLE_ARN,
                "TableStatus": "ACTIVE",
                "ItemCount": 3,
                "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            }
        },
        {"TableName": "orders"},
    )
    stubs["dynamodb"].add_response("list_backups", {"BackupSummaries": []}, {"TableName": "orders"})
    stubs["dynamodb"].add_response(
        "create_backup", {"BackupDetails": backup_details("CREATING")}, {"TableName": "orders", "BackupName": ANY}
    )


def wait_request(timeout: str):
    return parse_request(
        {
            "targets": [{"kind": "dynamodb", "names": ["orders"]}],
            "label": "daily",
            "min_interval": None,
            "tags": {},
            "wait": True,
            "wait_timeout": timeout,
            "concurrency": 2,
            "retry_max_attempts": 1,
            "ledger": None,
        },
        BACKUP_KINDS,
    )


def describe_backup(status: str) -> dict:
    return {"BackupDescription": {"BackupDetails": backup_details(status)}}


def test_wait_polls_until_the_backup_is_available():
    stubs = Stubbed()
    stub_dynamodb_backup_start(stubs)
    for status in ("CREATING", "CREATING", "AVAILABLE"):
        stubs["dynamodb"].add_response("describe_backup", describe_backup(status), {"BackupArn": BACKUP_ARN})
    clock = FixedClock(NOW)
    payload, failure = run_backup(make_context(stubs.factory, clock), wait_request("1h"), BACKUP_KINDS)
    stubs.assert_done()
    assert failure is None
    resource = payload["resources"][0]
    assert (resource["status"], resource["backup_state"]) == ("created", "available")
    assert clock.monotonic() == 10.0  # two poll intervals of 5 s, slept on the injected clock


def test_wait_timeout_fails_the_resource_with_the_numbers():
    stubs = Stubbed()
    stub_dynamodb_backup_start(stubs)
    for _attempt in range(3):
        stubs["dynamodb"].add_response("describe_backup", describe_backup("CREATING"), {"BackupArn": BACKUP_ARN})
    payload, failure = run_backup(make_context(stubs.factory, FixedClock(NOW)), wait_request("10s"), BACKUP_KINDS)
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"]) == ("failed", "timeout")
    assert resource["error"] == "backup steward-orders-daily-20261124-020000 still pending after wait_timeout 10s"
    assert failure is not None and "dynamodb/orders" in failure


def test_a_timeout_after_failing_polls_says_what_the_polls_hit():
    stubs = Stubbed()
    stub_dynamodb_backup_start(stubs)
    for _attempt in range(3):
        stubs["dynamodb"].add_client_error("describe_backup", "AccessDeniedException", "not allowed to DescribeBackup")
    payload = run_backup(make_context(stubs.factory, FixedClock(NOW)), wait_request("10s"), BACKUP_KINDS)[0]
    stubs.assert_done()
    error = payload["resources"][0]["error"]
    assert error.startswith("backup steward-orders-daily-20261124-020000 still pending after wait_timeout 10s (last poll failed: ")
    assert "AccessDeniedException: not allowed to DescribeBackup" in error


def test_a_snapshot_that_fails_while_waited_for_fails_its_resource():
    stubs = Stubbed()
    instance = {
        "DBInstanceIdentifier": "orders-db",
        "DBInstanceArn": "arn:aws:rds:us-east-1:123456789012:db:orders-db",
        "Engine": "postgres",
        "EngineVersion": "15.4",
        "DBInstanceStatus": "available",
    }
    snapshot = {
        "DBSnapshotIdentifier": "steward-orders-db-daily-20261124-020000",
        "DBInstanceIdentifier": "orders-db",
        "SnapshotType": "manual",
        "Status": "creating",
        "SnapshotCreateTime": NOW,
    }
    by_id = [{"Name": "db-instance-id", "Values": ["orders-db"]}]  # the fleet is read in batches, by filter
    stubs["rds"].add_response("describe_db_instances", {"DBInstances": [instance]}, {"Filters": by_id})
    stubs["rds"].add_response("describe_db_snapshots", {"DBSnapshots": []}, {"Filters": by_id})
    stubs["rds"].add_response(
        "create_db_snapshot", {"DBSnapshot": snapshot}, {"DBSnapshotIdentifier": ANY, "DBInstanceIdentifier": "orders-db", "Tags": ANY}
    )
    stubs["rds"].add_response(
        "describe_db_snapshots",
        {"DBSnapshots": [{**snapshot, "Status": "failed"}]},
        {"DBSnapshotIdentifier": snapshot["DBSnapshotIdentifier"]},
    )
    request = wait_request("1h")
    request.targets[0].kind = "rds"
    request.targets[0].names = ["orders-db"]
    payload = run_backup(make_context(stubs.factory, FixedClock(NOW)), request, BACKUP_KINDS)[0]
    stubs.assert_done()
    assert payload["resources"][0]["status"] == "failed"
    assert payload["resources"][0]["error"] == "backup steward-orders-db-daily-20261124-020000 ended in state failed"


def test_dynamodb_backups_follow_every_page():
    stubs = Stubbed()
    page = [
        {
            **backup_details("AVAILABLE"),
            "TableName": "orders",
            "BackupArn": f"{TABLE_ARN}/backup/{n}",
            "BackupName": f"steward-orders-daily-2026112{n}-020000",
            "BackupCreationDateTime": NOW - timedelta(days=n),
        }
        for n in range(4)
    ]
    stubs["dynamodb"].add_response(
        "list_backups", {"BackupSummaries": page[:2], "LastEvaluatedBackupArn": page[1]["BackupArn"]}, {"TableName": "orders"}
    )
    stubs["dynamodb"].add_response(
        "list_backups", {"BackupSummaries": page[2:]}, {"TableName": "orders", "ExclusiveStartBackupArn": page[1]["BackupArn"]}
    )
    backups = DynamoDBKind(stubs.factory).list_backups(Resource("dynamodb", "orders"))
    stubs.assert_done()
    assert [b.id for b in backups] == [p["BackupArn"] for p in page]  # all four, newest first
    assert all(b.managed and b.label == "daily" for b in backups)


def test_rds_snapshots_follow_the_marker_and_keep_automated_ones_unmanaged():
    stubs = Stubbed()
    manual = {
        "DBSnapshotIdentifier": "steward-orders-db-daily-20261123-020000",
        "DBInstanceIdentifier": "orders-db",
        "SnapshotType": "manual",
        "Status": "available",
        "SnapshotCreateTime": NOW - timedelta(days=1),
        "TagList": [{"Key": "steward:managed", "Value": "true"}],
    }
    automated = {
        "DBSnapshotIdentifier": "rds:orders-db-2026-11-24-00-00",
        "DBInstanceIdentifier": "orders-db",
        "SnapshotType": "automated",
        "Status": "available",
        "SnapshotCreateTime": NOW,
    }
    imposter = {**manual, "DBSnapshotIdentifier": "steward-made-by-hand", "TagList": [{"Key": "owner", "Value": "bob"}]}
    stubs["rds"].add_response("describe_db_snapshots", {"DBSnapshots": [manual], "Marker": "m1"}, {"DBInstanceIdentifier": "orders-db"})
    stubs["rds"].add_response(
        "describe_db_snapshots", {"DBSnapshots": [automated, imposter]}, {"DBInstanceIdentifier": "orders-db", "Marker": "m1"}
    )
    backups = RDSKind(stubs.factory).list_backups(Resource("rds", "orders-db"))
    stubs.assert_done()
    assert [(b.id, b.managed) for b in backups] == [
        ("rds:orders-db-2026-11-24-00-00", False),
        ("steward-orders-db-daily-20261123-020000", True),
        ("steward-made-by-hand", False),  # a steward- name without steward's tag is not ours
    ]


@pytest.mark.parametrize("kind", [DynamoDBKind, RDSKind])
def test_tag_selection_follows_pagination_tokens(kind):
    stubs = Stubbed()
    arns = {
        DynamoDBKind: ["arn:aws:dynamodb:us-east-1:123456789012:table/orders", "arn:aws:dynamodb:us-east-1:123456789012:table/users"],
        RDSKind: ["arn:aws:rds:us-east-1:123456789012:db:a", "arn:aws:rds:us-east-1:123456789012:db:b"],
    }[kind]
    filters = [{"Key": "backup", "Values": ["daily"]}]
    stubs["resourcegroupstaggingapi"].add_response(
        "get_resources",
        {"ResourceTagMappingList": [{"ResourceARN": arns[0]}], "PaginationToken": "t1"},
        {"TagFilters": filters, "ResourceTypeFilters": [kind.tagging_type], "PaginationToken": ""},
    )
    stubs["resourcegroupstaggingapi"].add_response(
        "get_resources",
        {"ResourceTagMappingList": [{"ResourceARN": arns[1]}], "PaginationToken": ""},
        {"TagFilters": filters, "ResourceTypeFilters": [kind.tagging_type], "PaginationToken": "t1"},
    )
    found = kind(stubs.factory).find_by_tags({"backup": ["daily"]})
    stubs.assert_done()
    assert found == arns
