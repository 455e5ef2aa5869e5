"""restore_test paths moto cannot show (it restores instantly): waiting, timeouts, failures, cleanup. botocore Stubber.

Each test stubs the exact calls expected, in order; a call not stubbed (e.g. a delete that must not happen)
fails the test, and ``assert_done`` fails it when a stubbed call (e.g. the cleanup delete) never came.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from botocore.stub import ANY
from conftest import make_context
from stubs import Stubbed

from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._restore_action import parse_request, run_restore_test

NOW = datetime(2026, 11, 24, 3, 0, 0, tzinfo=timezone.utc)
BACKUP_TIME = NOW - timedelta(hours=1)
TABLE_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/orders"
BACKUP_ARN = f"{TABLE_ARN}/backup/01700000000000-abcdef12"
SCRATCH = "steward-rt-orders-20261124-030000"
SCRATCH_ARN = f"arn:aws:dynamodb:us-east-1:123456789012:table/{SCRATCH}"
KEYS = [{"AttributeName": "id", "KeyType": "HASH"}]
TAG_PARAMS = {"ResourceArn": SCRATCH_ARN, "Tags": ANY}


def request(**overrides):
    params = {
        "targets": [{"kind": "dynamodb", "names": ["orders"]}],
        "wait_timeout": "30s",
        "scratch_ttl": "12h",
        "concurrency": 2,
        "retry_max_attempts": 1,
        "ledger": None,
    }
    params.update(overrides)
    return parse_request(params, BACKUP_KINDS)


def table(name: str, arn: str, status: str, restoring: bool = False, count: int = 3) -> dict:
    description = {"TableName": name, "TableArn": arn, "TableStatus": status, "ItemCount": count, "KeySchema": KEYS}
    if restoring:
        description["RestoreSummary"] = {"RestoreDateTime": NOW, "RestoreInProgress": True}
    return {"Table": description}


def stub_describe(stubs: Stubbed, name: str = "orders") -> None:
    stubs["dynamodb"].add_response("describe_table", table(name, TABLE_ARN.replace("orders", name), "ACTIVE"), {"TableName": name})


def stub_list(stubs: Stubbed, name: str = "orders") -> None:
    summary = {
        "TableName": name,
        "BackupArn": BACKUP_ARN.replace("orders", name),
        "BackupName": f"steward-{name}-daily-20261124-020000",
        "BackupStatus": "AVAILABLE",
        "BackupType": "USER",
        "BackupCreationDateTime": BACKUP_TIME,
    }
    stubs["dynamodb"].add_response("list_backups", {"BackupSummaries": [summary]}, {"TableName": name})


def stub_start(stubs: Stubbed, tag_refused: bool = False, read: bool = True) -> None:
    """describe source, list backups (``read``; the fleet is read first, all of it), probe the scratch name, restore, tag."""
    dynamodb = stubs["dynamodb"]
    if read:
        stub_describe(stubs)
        stub_list(stubs)
    dynamodb.add_client_error("describe_table", "ResourceNotFoundException", "no such table", expected_params={"TableName": SCRATCH})
    restored = {"TableDescription": table(SCRATCH, SCRATCH_ARN, "CREATING")["Table"]}
    dynamodb.add_response(
        "restore_table_from_backup",
        restored,
        {"TargetTableName": SCRATCH, "BackupArn": BACKUP_ARN, "BillingModeOverride": "PAY_PER_REQUEST"},
    )
    if tag_refused:
        dynamodb.add_client_error("tag_resource", "ResourceInUseException", "table is being created", expected_params=TAG_PARAMS)
    else:
        dynamodb.add_response("tag_resource", {}, TAG_PARAMS)


def stub_poll(stubs: Stubbed, status: str, restoring: bool = False) -> None:
    stubs["dynamodb"].add_response("describe_table", table(SCRATCH, SCRATCH_ARN, status, restoring), {"TableName": SCRATCH})


def stub_verify(stubs: Stubbed, restored_count: int) -> None:
    dynamodb = stubs["dynamodb"]
    dynamodb.add_response("describe_table", table(SCRATCH, SCRATCH_ARN, "ACTIVE"), {"TableName": SCRATCH})
    description = {
        "BackupDescription": {
            "BackupDetails": {
                "BackupArn": BACKUP_ARN,
                "BackupName": "steward-orders-daily-20261124-020000",
                "BackupStatus": "AVAILABLE",
                "BackupType": "USER",
                "BackupCreationDateTime": BACKUP_TIME,
            },
            "SourceTableDetails": {
                "TableName": "orders",
                "TableId": "00000000-0000-0000-0000-000000000000",
                "KeySchema": KEYS,
                "TableCreationDateTime": BACKUP_TIME,
                "ProvisionedThroughput": {"ReadCapacityUnits": 1, "WriteCapacityUnits": 1},
                "ItemCount": 3,
            },
        }
    }
    dynamodb.add_response("describe_backup", description, {"BackupArn": BACKUP_ARN})
    dynamodb.add_response(
        "scan", {"Count": restored_count, "ScannedCount": restored_count}, {"TableName": SCRATCH, "Select": "COUNT", "ConsistentRead": True}
    )


def stub_delete(stubs: Stubbed) -> None:
    stubs["dynamodb"].add_response("delete_table", {"TableDescription": {"TableName": SCRATCH}}, {"TableName": SCRATCH})


def run(stubs: Stubbed, clock: FixedClock, **overrides):
    return run_restore_test(make_context(stubs.factory, clock), request(**overrides), BACKUP_KINDS)


def test_waits_for_the_restore_verifies_and_measures_rto_on_the_clock():
    stubs = Stubbed()
    stub_start(stubs, tag_refused=True)
    stub_poll(stubs, "CREATING", restoring=True)
    stubs["dynamodb"].add_client_error("tag_resource", "ResourceInUseException", "still creating", expected_params=TAG_PARAMS)
    stub_poll(stubs, "ACTIVE")
    stubs["dynamodb"].add_response("tag_resource", {}, TAG_PARAMS)  # the tag lands once ACTIVE
    stub_verify(stubs, restored_count=3)
    stub_delete(stubs)
    clock = FixedClock(NOW)
    payload, failure = run(stubs, clock, rto="15s", rpo="2h")
    stubs.assert_done()
    assert failure is None
    resource = payload["resources"][0]
    assert (resource["status"], resource["verdict"], resource["cleanup"]) == ("passed", "passed", "deleted")
    assert resource["rto_s"] == 10.0  # one poll interval on the injected clock
    assert (resource["rpo_s"], resource["rto_met"], resource["rpo_met"]) == (3600, True, True)


def test_a_restore_that_outlasts_wait_timeout_fails_and_its_scratch_is_still_deleted():
    stubs = Stubbed()
    stub_start(stubs)
    for _poll in range(4):  # at 0, 10, 20 and 30 s
        stub_poll(stubs, "CREATING", restoring=True)
    stub_delete(stubs)
    payload, failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"], resource["cleanup"]) == ("failed", "timeout", "deleted")
    assert resource["error"] == f"scratch {SCRATCH} not usable after wait_timeout 30s"
    assert failure is not None and "dynamodb/orders" in failure


def test_a_restore_that_ends_in_a_failed_state_is_cleaned_up():
    stubs = Stubbed()
    stub_start(stubs)
    stub_poll(stubs, "INACCESSIBLE_ENCRYPTION_CREDENTIALS")
    stub_delete(stubs)
    payload, _failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"], resource["cleanup"]) == ("failed", "restore_failed", "deleted")


def test_a_count_that_does_not_match_fails_verification_and_the_scratch_is_deleted():
    stubs = Stubbed()
    stub_start(stubs)
    stub_poll(stubs, "ACTIVE")
    stub_verify(stubs, restored_count=2)
    stub_delete(stubs)
    payload, _failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["verdict"], resource["error_code"]) == ("failed", "failed", "verification_failed")
    count = next(check for check in resource["checks"] if check["name"] == "item_count")
    assert (count["result"], count["expected"], count["actual"]) == ("failed", 3, 2)
    assert "item_count: 2 restored vs 3 recorded" in resource["error"]


def test_keep_scratch_on_failure_keeps_it_and_says_when_a_sweep_may_take_it():
    stubs = Stubbed()
    stub_start(stubs)
    stub_poll(stubs, "ACTIVE")
    stub_verify(stubs, restored_count=0)
    # no delete_table stubbed: a delete would be an unexpected call and fail this test
    payload, _failure = run(stubs, FixedClock(NOW), keep_scratch_on_failure=True)
    stubs.assert_done()
    resource = payload["resources"][0]
    assert resource["status"] == "failed"
    assert resource["cleanup"] == "kept for inspection; a sweep may delete it after 2026-11-24T15:00:00Z"


def test_a_verification_that_cannot_run_still_deletes_the_scratch():
    stubs = Stubbed()
    stub_start(stubs)
    stub_poll(stubs, "ACTIVE")
    stubs["dynamodb"].add_client_error("describe_table", "InternalServerError", "boom", expected_params={"TableName": SCRATCH})
    stub_delete(stubs)
    payload, _failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"], resource["cleanup"]) == ("failed", "verify_failed", "deleted")


def test_a_scratch_that_cannot_be_deleted_fails_the_resource_even_after_a_pass():
    stubs = Stubbed()
    stub_start(stubs)
    stub_poll(stubs, "ACTIVE")
    stub_verify(stubs, restored_count=3)
    stubs["dynamodb"].add_client_error("delete_table", "AccessDeniedException", "no DeleteTable", expected_params={"TableName": SCRATCH})
    payload, _failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"], resource["verdict"]) == ("failed", "cleanup_failed", "passed")
    assert "its expiry tag lets a sweep retry" in resource["error"]


def test_a_missed_rto_fails_the_resource_but_not_the_verdict_unless_told_otherwise():
    for fail_on_miss, status in ((True, "failed"), (False, "passed")):
        stubs = Stubbed()
        stub_start(stubs)
        stub_poll(stubs, "CREATING", restoring=True)
        stub_poll(stubs, "ACTIVE")
        stub_verify(stubs, restored_count=3)
        stub_delete(stubs)
        payload, _failure = run(stubs, FixedClock(NOW), rto="5s", fail_on_objective_miss=fail_on_miss)
        stubs.assert_done()
        resource = payload["resources"][0]
        assert (resource["status"], resource["verdict"], resource["rto_met"]) == (status, "passed", False)
        assert resource["objectives_missed"] == ["RTO 10s exceeds 5s"]


def stub_second_table(stubs: Stubbed, name: str) -> tuple[str, str]:
    """The start calls for a second table ``name`` after its read, like stub_start's for orders; returns its scratch name and ARN."""
    dynamodb, arn = stubs["dynamodb"], TABLE_ARN.replace("orders", name)
    scratch, backup_arn = f"steward-rt-{name}-20261124-030000", BACKUP_ARN.replace("orders", name)
    dynamodb.add_client_error("describe_table", "ResourceNotFoundException", "no such table", expected_params={"TableName": scratch})
    restored = {"TableDescription": table(scratch, f"{arn}-rt", "CREATING")["Table"]}
    dynamodb.add_response(
        "restore_table_from_backup", restored, {"TargetTableName": scratch, "BackupArn": backup_arn, "BillingModeOverride": ANY}
    )
    dynamodb.add_response("tag_resource", {}, {"ResourceArn": f"{arn}-rt", "Tags": ANY})
    return scratch, f"{arn}-rt"


def test_n_restores_wait_together_so_the_run_takes_the_slowest_not_the_sum():
    """orders is usable after 10 s, invoices after 20 s: polled together the run sleeps 20 s (one by one: 30 s),
    and orders' RTO is its own 10 s, not the 20 s the slower restore took."""
    stubs = Stubbed()
    dynamodb = stubs["dynamodb"]
    for read in (stub_describe, stub_list):  # the fleet is read first: both tables described, then both listed
        read(stubs)
        read(stubs, "invoices")
    stub_start(stubs, read=False)
    other, other_arn = stub_second_table(stubs, "invoices")
    # concurrency 1 keeps the calls in this order; the rounds are shared all the same
    stub_poll(stubs, "CREATING", restoring=True)  # t=0
    dynamodb.add_response("describe_table", table(other, other_arn, "CREATING", True), {"TableName": other})
    stub_poll(stubs, "ACTIVE")  # t=10: orders usable, and verified in the same round
    stub_verify(stubs, restored_count=3)
    dynamodb.add_response("describe_table", table(other, other_arn, "CREATING", True), {"TableName": other})
    dynamodb.add_response("describe_table", table(other, other_arn, "ACTIVE"), {"TableName": other})  # t=20
    dynamodb.add_client_error("describe_table", "InternalServerError", "not this time", expected_params={"TableName": other})
    stub_delete(stubs)
    dynamodb.add_response("delete_table", {"TableDescription": {"TableName": other}}, {"TableName": other})
    clock = FixedClock(NOW)
    request_ = request(targets=[{"kind": "dynamodb", "names": ["orders", "invoices"]}], concurrency=1)
    payload, _failure = run_restore_test(make_context(stubs.factory, clock, concurrency=1), request_, BACKUP_KINDS)
    stubs.assert_done()
    assert clock.monotonic() == 20.0
    orders, invoices = payload["resources"]
    assert (orders["status"], orders["rto_s"]) == ("passed", 10.0)
    assert (invoices["error_code"], invoices["cleanup"]) == ("verify_failed", "deleted")  # and its failure stays its own


def stub_start_refused(stubs: Stubbed) -> None:
    """The restore call fails as a retry would after a create whose answer was lost: the table "already exists"."""
    dynamodb = stubs["dynamodb"]
    dynamodb.add_response("describe_table", table("orders", TABLE_ARN, "ACTIVE"), {"TableName": "orders"})
    summary = {"TableName": "orders", "BackupArn": BACKUP_ARN, "BackupName": "steward-orders-daily-20261124-020000",
               "BackupStatus": "AVAILABLE", "BackupType": "USER", "BackupCreationDateTime": BACKUP_TIME}  # fmt: skip
    dynamodb.add_response("list_backups", {"BackupSummaries": [summary]}, {"TableName": "orders"})
    dynamodb.add_client_error("describe_table", "ResourceNotFoundException", "no such table", expected_params={"TableName": SCRATCH})
    restore_params = {"TargetTableName": SCRATCH, "BackupArn": BACKUP_ARN, "BillingModeOverride": "PAY_PER_REQUEST"}
    dynamodb.add_client_error(
        "restore_table_from_backup", "TableAlreadyExistsException", "Table already exists", expected_params=restore_params
    )


def test_a_scratch_table_the_failed_restore_call_made_anyway_is_still_deleted():
    stubs = Stubbed()
    stub_start_refused(stubs)
    stubs["dynamodb"].add_response("describe_table", table(SCRATCH, SCRATCH_ARN, "CREATING", True), {"TableName": SCRATCH})
    stub_delete(stubs)
    payload, failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert (resource["status"], resource["cleanup"]) == ("failed", "deleted")
    assert "TableAlreadyExistsException" in resource["error"] and failure is not None


def test_a_failed_restore_call_that_made_nothing_deletes_nothing():
    stubs = Stubbed()
    stub_start_refused(stubs)
    stubs["dynamodb"].add_client_error(
        "describe_table", "ResourceNotFoundException", "no such table", expected_params={"TableName": SCRATCH}
    )
    # no delete_table stubbed: a delete would be an unexpected call and fail this test
    payload, _failure = run(stubs, FixedClock(NOW))
    stubs.assert_done()
    resource = payload["resources"][0]
    assert resource["status"] == "failed" and "cleanup" not in resource
