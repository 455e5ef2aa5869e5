"""Playbooks against a moto server: check -> apply -> idempotent, asserting on AWS state read back through boto3."""

from __future__ import annotations

from conftest import ROOT, assert_awx_job, ledger_records
from fleet import create_table, seed_demo_fleet


def steward_backups(api) -> dict[str, list[str]]:
    tables = api["dynamodb"].list_tables()["TableNames"]
    listing = api["s3"].list_objects_v2(Bucket="network-visualizer-data-production-backup").get("Contents", [])
    return {
        "dynamodb": sorted(
            b["BackupName"] for t in tables for b in api["dynamodb"].list_backups(TableName=t)["BackupSummaries"] if b["TableName"] == t
        ),
        "rds": sorted(s["DBSnapshotIdentifier"] for s in api["rds"].describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]),
        "aurora": sorted(
            s["DBClusterSnapshotIdentifier"] for s in api["rds"].describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
        ),
        "ebs": sorted(s["SnapshotId"] for s in api["ec2"].describe_snapshots(OwnerIds=["self"])["Snapshots"]),
        "s3": sorted(o["Key"] for o in listing if "/manifests/" in o["Key"]),
    }


def test_daily_playbook_check_apply_idempotent(api, endpoint, play, tmp_path, demo_vars):
    seed_demo_fleet(endpoint)
    ledger = tmp_path / "ledger"
    extravars = {**demo_vars, "steward_ledger": str(ledger)}
    dumps = tmp_path / "dumps"
    daily = ROOT / "playbooks" / "daily.yml"

    checked = play(daily, extravars, check=True, diff=True)
    assert checked.rc == 0, checked.stdout
    assert all(not found for found in steward_backups(api).values()), "check mode created a backup"
    assert not ledger.exists(), "check mode wrote the ledger"
    planned = checked.result("Back up the selected fleet")
    assert planned["summary"]["planned"] == 10 and planned["changed"] is True
    assert not dumps.exists() or not list(dumps.rglob("*.dump")), "check mode dumped a database"

    applied = play(daily, extravars)
    assert applied.rc == 0, applied.stdout
    assert_awx_job(applied, {"backup_result", "backup_retention_result", "backup_freshness_result", "log_retention_result"})
    backups = steward_backups(api)
    assert {kind: len(names) for kind, names in backups.items()} == {"dynamodb": 3, "rds": 2, "aurora": 1, "ebs": 2, "s3": 1}
    assert all(name.startswith("steward-") for kind in ("dynamodb", "rds", "aurora") for name in backups[kind])
    tags = {t["Key"]: t["Value"] for t in api["rds"].describe_db_snapshots(SnapshotType="manual")["DBSnapshots"][0]["TagList"]}
    assert tags["steward:managed"] == "true" and tags["steward:cadence"] == "daily"
    untouched = api["dynamodb"].list_backups(TableName="scratchpad-dev")["BackupSummaries"]
    assert [b for b in untouched if b["TableName"] == "scratchpad-dev"] == []
    assert len(list(dumps.rglob("steward-pazpaz-daily-*.dump"))) == 1 and len(list(dumps.rglob("steward-pazpaz-daily-*.json"))) == 1
    records = ledger_records(ledger)
    assert len(records) == 11 and sum(r["status"] == "created" for r in records) == 10
    freshness = applied.result("Read backup freshness against the RPO")
    assert freshness["summary"]["ok"] == 10 and freshness["summary"]["rpo_missed"] == 0

    again = play(daily, extravars)
    assert again.rc == 0, again.stdout
    assert again.result("Back up the selected fleet")["changed"] is False
    assert again.result("Back up the selected fleet")["summary"]["skipped"] == 11
    assert len(list(dumps.rglob("*.dump"))) == 1, "the rerun dumped again"
    assert steward_backups(api) == backups, "the rerun created or removed backups"


def test_one_bad_resource_fails_the_task_after_the_rest_are_done(api, play):
    create_table(api, "orders", {})
    run = play("backup_targets.yml", {"steward_targets": [{"kind": "dynamodb", "names": ["ghost", "orders"]}]})
    assert run.rc != 0
    result = run.result("Back up")
    assert result["msg"].startswith("backup failed for 1 of 2 resources: dynamodb/ghost")
    made = api["dynamodb"].list_backups(TableName="orders")["BackupSummaries"]
    assert [b["TableName"] for b in made] == ["orders"]


def test_bad_input_fails_before_anything_is_created(api, play):
    create_table(api, "orders", {})
    for extravars, needle in (
        ({"steward_targets": [{"kind": "dynamodb", "names": ["orders"]}], "steward_min_interval": "5x"}, "min_interval: "),
        (
            {"steward_targets": [{"kind": "dynamodb", "names": ["orders"], "options": {"backup_bucket": "b"}}]},
            "targets[0].options.backup_bucket: not an option of kind 'dynamodb'",
        ),
        ({"steward_targets": [{"kind": "dynamodb", "names": ["orders"]}], "steward_concurrency": 0}, "concurrency: "),
    ):
        run = play("backup_targets.yml", extravars)
        assert run.rc != 0
        assert needle in run.result("Back up")["msg"]
    assert api["dynamodb"].list_backups(TableName="orders")["BackupSummaries"] == []


def test_group_module_defaults_reach_amazon_aws_modules(api, play):
    create_table(api, "orders", {})
    api["s3"].create_bucket(Bucket="orders-data")
    run = play("group_defaults.yml")
    assert run.rc == 0, run.stdout
    assert run.result("Ask amazon.aws who we are")["account"] == "123456789012"  # moto's account: the endpoint was used
    assert [bucket["name"] for bucket in run.result("List buckets through amazon.aws")["buckets"]] == ["orders-data"]
    assert run.result("Read backup freshness")["resources"][0]["status"] == "no_backups"
