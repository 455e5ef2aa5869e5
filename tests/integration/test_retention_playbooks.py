"""backup_retention through a playbook: 90 backdated days per kind, check -> apply -> idempotent, read back via boto3."""

from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from conftest import ledger_records
from fleet import create_bucket, create_cluster, create_db_instance, create_table, create_volume
from history import seed_daily_history

LAST = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # a Tuesday
# keep_daily 7, keep_weekly 4 (ISO weeks 48..45), keep_monthly 3 over 2026-08-27..2026-11-24, worked out by hand:
EXPECTED = ["20261124", "20261123", "20261122", "20261121", "20261120", "20261119", "20261118",
            "20261115", "20261108", "20261031", "20260930"]  # fmt: skip
STAMP = re.compile(r"-(\d{8})-\d{6}(?:\.json)?$")


@pytest.fixture
def fleet(api, moto):
    return seed_retention_fleet(api, moto)


def seed_retention_fleet(api, moto) -> str:
    """Five resources with 90 days of daily steward backups each (450); returns the volume's id."""
    create_table(api, "topology", {"backup": "daily"}, items=3)
    create_db_instance(api, "orders-db", {"backup": "daily"})
    create_cluster(api, "graph", {"backup": "daily"})
    volume = create_volume(api, "ingest", {"backup": "daily"})
    create_bucket(api, "data", {"backup": "daily"}, {"a.txt": b"alpha"})
    create_bucket(api, "data-backup", {})
    picks = [("dynamodb", "topology", {}), ("rds", "orders-db", {}), ("aurora", "graph", {}), ("ebs", volume, {}),
             ("s3", "data", {"backup_bucket": "data-backup"})]  # fmt: skip
    assert seed_daily_history(moto, picks, 90, LAST) == 450
    return volume


TARGETS = [
    {"kind": "dynamodb", "tags": {"backup": "daily"}},
    {"kind": "rds", "tags": {"backup": "daily"}},
    {"kind": "aurora", "tags": {"backup": "daily"}},
    {"kind": "ebs", "tags": {"backup": "daily"}},
    {"kind": "s3", "names": ["data"], "options": {"backup_bucket": "data-backup"}},
]


def days_left(api, volume) -> dict[str, list[str]]:
    """The date in each remaining steward backup's name, straight from each service's API, newest first."""
    dynamodb = [b["BackupName"] for b in api["dynamodb"].list_backups(TableName="topology")["BackupSummaries"]]
    rds = [s["DBSnapshotIdentifier"] for s in api["rds"].describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]
    aurora = [
        s["DBClusterSnapshotIdentifier"] for s in api["rds"].describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
    ]
    ebs = [
        {t["Key"]: t["Value"] for t in s["Tags"]}["Name"]
        for s in api["ec2"].describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [volume]}])["Snapshots"]
    ]
    s3 = [o["Key"] for o in api["s3"].list_objects_v2(Bucket="data-backup", Prefix="steward/manifests/")["Contents"]]
    found = {"dynamodb": dynamodb, "rds": rds, "aurora": aurora, "ebs": ebs, "s3": s3}
    return {kind: sorted((STAMP.search(name).group(1) for name in names), reverse=True) for kind, names in found.items()}


def test_retention_check_apply_idempotent(api, play, fleet, tmp_path):
    ledger = tmp_path / "ledger"
    extravars = {"steward_targets": TARGETS, "steward_ledger": str(ledger)}
    before = days_left(api, fleet)
    assert all(len(days) == 90 for days in before.values())

    checked = play("retention.yml", extravars, check=True, diff=True)
    assert checked.rc == 0, checked.stdout[-3000:]
    assert days_left(api, fleet) == before, "check mode deleted something"
    assert checked.result("Apply retention")["summary"]["planned_deletions"] == 5 * 79

    applied = play("retention.yml", extravars)
    assert applied.rc == 0, applied.stdout[-3000:]
    assert days_left(api, fleet) == {kind: EXPECTED for kind in before}
    assert len([r for r in ledger_records(ledger) if r["action"] == "backup_retention"]) == 5 * 79

    again = play("retention.yml", extravars)
    assert again.rc == 0
    assert again.result("Apply retention")["changed"] is False
    assert days_left(api, fleet) == {kind: EXPECTED for kind in before}


def test_blast_radius_guard_deletes_nothing(api, play, fleet):
    run = play("retention.yml", {"steward_targets": TARGETS, "steward_max_delete_percent": 50})
    assert run.rc != 0
    assert "plan deletes 79 of 90 backups (88%), more than max_delete_percent 50" in run.result("Apply retention")["msg"]
    assert all(len(days) == 90 for days in days_left(api, fleet).values())
