"""The issue's acceptance at scale: one task over 600 tag-selected resources (its own moto server: it is heavy)."""

from __future__ import annotations

import re

from conftest import ledger_records
from fleet import seed_bench_fleet

PER_KIND = 200
TARGETS = [{"kind": kind, "tags": {"backup": "bench"}} for kind in ("dynamodb", "rds", "ebs")]
# the time, then the run's token: the first six hex digits of the run id
NAME = re.compile(r"^steward-(?P<source>.+)-daily-\d{8}-\d{6}-(?P<run>[0-9a-f]{6})$")


def read_back(api):
    tables = [t for page in api["dynamodb"].get_paginator("list_tables").paginate() for t in page["TableNames"]]
    dynamodb = {
        t: [b["BackupName"] for b in api["dynamodb"].list_backups(TableName=t)["BackupSummaries"] if b["TableName"] == t] for t in tables
    }
    rds = [s for page in api["rds"].get_paginator("describe_db_snapshots").paginate(SnapshotType="manual") for s in page["DBSnapshots"]]
    ebs = [s for page in api["ec2"].get_paginator("describe_snapshots").paginate(OwnerIds=["self"]) for s in page["Snapshots"]]
    return dynamodb, rds, ebs


def test_600_tagged_resources_one_task(api, endpoint, play, tmp_path):
    seed_bench_fleet(endpoint, PER_KIND)
    ledger = tmp_path / "ledger"
    extravars = {"steward_targets": TARGETS, "steward_min_interval": "20h", "steward_ledger": str(ledger)}

    checked = play("backup_targets.yml", extravars, check=True)
    assert checked.rc == 0, checked.stdout[-2000:]
    assert checked.result("Back up")["summary"]["planned"] == 3 * PER_KIND
    dynamodb, rds, ebs = read_back(api)
    assert sum(map(len, dynamodb.values())) == 0 and rds == [] and ebs == []

    applied = play("backup_targets.yml", extravars)
    assert applied.rc == 0, applied.stdout[-2000:]
    dynamodb, rds, ebs = read_back(api)
    assert len(dynamodb) == PER_KIND and all(len(names) == 1 for names in dynamodb.values())
    assert all(NAME.match(names[0]).group("source") == table for table, names in dynamodb.items())
    run = applied.result("Back up")["run_id"][:6]
    assert {NAME.match(names[0]).group("run") for names in dynamodb.values()} == {run}
    assert len(rds) == PER_KIND and len({s["DBInstanceIdentifier"] for s in rds}) == PER_KIND
    assert len(ebs) == PER_KIND and len({s["VolumeId"] for s in ebs}) == PER_KIND
    for snapshot in rds:
        tags = {t["Key"]: t["Value"] for t in snapshot["TagList"]}
        assert NAME.match(snapshot["DBSnapshotIdentifier"]).group("source") == snapshot["DBInstanceIdentifier"]
        assert tags["steward:managed"] == "true" and tags["steward:cadence"] == "daily"
        assert tags["steward:source"].endswith(f":db:{snapshot['DBInstanceIdentifier']}")
    for snapshot in ebs:
        tags = {t["Key"]: t["Value"] for t in snapshot["Tags"]}
        assert NAME.match(tags["Name"]).group("source") == snapshot["VolumeId"] and tags["steward:managed"] == "true"
    records = ledger_records(ledger)
    assert len(records) == 3 * PER_KIND
    assert {(r["kind"], r["resource_id"]) for r in records if r["status"] == "created"} == (
        {("dynamodb", t) for t in dynamodb} | {("rds", s["DBInstanceIdentifier"]) for s in rds} | {("ebs", s["VolumeId"]) for s in ebs}
    )

    rerun = play("backup_targets.yml", extravars)
    assert rerun.rc == 0
    assert rerun.result("Back up")["summary"]["skipped"] == 3 * PER_KIND and rerun.result("Back up")["changed"] is False
    again = read_back(api)
    assert sum(map(len, again[0].values())) == PER_KIND and len(again[1]) == PER_KIND and len(again[2]) == PER_KIND
