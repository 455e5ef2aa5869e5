"""The modules' main(): argument spec, AnsibleAWSModule glue, exit and fail JSON, no API call on bad input."""

from __future__ import annotations

import pytest
from conftest import run_main
from fleet import clients, create_table

from ansible_collections.steward.maintenance.plugins.modules import backup, backup_info, backup_retention


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({"targets": [{"kind": "dynamodb", "names": ["t"]}], "min_interval": "5x"}, "min_interval: expected a duration"),
        ({"targets": [{"kind": "dynamodb", "names": ["t"]}], "concurrency": 0}, "concurrency: expected a whole number from 1 to 64; got 0"),
        ({"targets": []}, "targets: expected a non-empty list"),
        (
            {"targets": [{"kind": "dynamodb", "names": ["t"], "options": {"storage_class": "GLACIER"}}]},
            "targets[0].options.storage_class: not an option of kind 'dynamodb'",
        ),
        (
            {"targets": [{"kind": "tape", "names": ["t"]}]},
            "value of kind must be one of: aurora, dynamodb, ebs, postgres, rds, s3, got: tape",
        ),
    ],
)
def test_bad_input_fails_before_any_client_exists(args, needle, capsys, no_aws_calls):
    code, result = run_main(backup, args, capsys)
    assert code == 1 and result["failed"] is True
    assert needle in result["msg"]


def test_backup_main_creates_and_reports(aws, capsys, tmp_path):
    create_table(clients(None), "orders", {}, items=3)
    args = {"targets": [{"kind": "dynamodb", "names": ["orders"]}], "label": "daily", "ledger": str(tmp_path)}
    code, result = run_main(backup, args, capsys)
    assert code == 0 and result["changed"] is True
    assert result["summary"]["created"] == 1 and result["resources"][0]["backup_name"].startswith("steward-orders-daily-")
    names = [b["BackupName"] for b in clients(None)["dynamodb"].list_backups(TableName="orders")["BackupSummaries"]]
    assert names == [result["resources"][0]["backup_name"]]
    assert result["ledger"] == str(tmp_path) and result["resources"][0]["ledger_record"].startswith(str(tmp_path))


def test_backup_main_without_ledger_warns(aws, capsys):
    create_table(clients(None), "orders", {})
    code, result = run_main(backup, {"targets": [{"kind": "dynamodb", "names": ["orders"]}]}, capsys)
    assert code == 0
    assert any("no ledger configured" in str(warning) for warning in result["warnings"]), result["warnings"]


def test_backup_main_fails_naming_the_failed_resource_after_doing_the_rest(aws, capsys):
    create_table(clients(None), "orders", {})
    code, result = run_main(backup, {"targets": [{"kind": "dynamodb", "names": ["ghost", "orders"]}]}, capsys)
    assert code == 1 and result["failed"] is True and result["changed"] is True
    assert result["msg"].startswith("backup failed for 1 of 2 resources: dynamodb/ghost (")
    assert [r["status"] for r in result["resources"]] == ["failed", "created"]


def test_backup_info_main_is_read_only(aws, capsys):
    create_table(clients(None), "orders", {})
    code, result = run_main(backup_info, {"targets": [{"kind": "dynamodb", "names": ["orders"]}], "rpo": "1h"}, capsys)
    assert code == 0 and result["changed"] is False
    assert result["resources"][0]["status"] == "no_backups" and result["rpo_s"] == 3600


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        ({}, "policy: an empty policy would delete every backup but the guarded ones"),
        ({"keep_daily": -2}, "keep_daily: expected a whole number of 0 or more, or -1 for unlimited; got -2"),
        ({"keep_within_daily": "5x"}, "keep_within_daily: expected a duration such as 7d, 6mo or 1y2mo"),
        ({"keep_yearly": "abc"}, "keep_yearly"),
        ({"keep_daily": 7, "timezone": "Mars/Olympus"}, "timezone: expected an IANA time zone name"),
        ({"keep_within": "a fortnight"}, "keep_within: expected a duration"),
        ({"keep_daily": 7, "max_delete_percent": 150}, "max_delete_percent: expected a number from 0 to 100; got 150"),
        ({"keep_daily": 7, "min_keep": 0}, "min_keep: expected a whole number of 1 or more"),
    ],
)
def test_retention_bad_input_fails_before_any_client_exists(args, needle, capsys, no_aws_calls):
    code, result = run_main(backup_retention, {"targets": [{"kind": "rds", "names": ["orders-db"]}], **args}, capsys)
    assert code == 1 and needle in result["msg"]


def test_retention_main_plans_in_check_mode(aws, capsys):
    create_table(clients(None), "orders", {})
    args = {"targets": [{"kind": "dynamodb", "names": ["orders"]}], "keep_last": 3, "_ansible_check_mode": True}
    code, result = run_main(backup_retention, args, capsys)
    assert code == 0 and result["changed"] is False
    assert result["resources"][0]["status"] == "unchanged" and result["policy"] == "keep_last 3 (UTC)"
