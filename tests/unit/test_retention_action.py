"""backup_retention against moto in-process with 90 days of backdated daily backups of each kind (freezegun).

The expected survivors are written out by hand below, not computed by the engine under test.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import make_context
from fleet import clients, create_bucket, create_cluster, create_db_instance, create_table, create_volume
from freezegun import freeze_time

from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger, record_key
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import backup_name, managed_tags
from ansible_collections.steward.maintenance.plugins.module_utils._retention_action import parse_request, run_retention
from ansible_collections.steward.maintenance.plugins.module_utils._targets import parse_targets

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=timezone.utc)  # a Tuesday, ISO week 48
DAYS = 90  # 2026-08-27 .. 2026-11-24, one backup a day at 02:00 UTC
# keep_daily 7, keep_weekly 4, keep_monthly 3, by hand (see the module docs' worked example):
EXPECTED_DATES = ["2026-11-24", "2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18",
                  "2026-11-15", "2026-11-08", "2026-10-31", "2026-09-30"]  # fmt: skip
S3_OPTIONS = {"backup_bucket": "data-backup"}
TARGETS = [
    {"kind": "dynamodb", "names": ["orders"]},
    {"kind": "rds", "names": ["orders-db"]},
    {"kind": "aurora", "names": ["graph"]},
    {"kind": "ebs", "tags": {"backup": "daily"}},
    {"kind": "s3", "names": ["data"], "options": S3_OPTIONS},
]


def retention(**overrides):
    params = {
        "targets": TARGETS,
        "keep_daily": 7,
        "keep_weekly": 4,
        "keep_monthly": 3,
        "timezone": "UTC",
        "min_keep": 1,
        "include_unmanaged": False,
        "force": False,
        "concurrency": 4,
        "retry_max_attempts": 3,
        "ledger": None,
    }
    params.update(overrides)
    return parse_request(params, BACKUP_KINDS)


@pytest.fixture
def history(aws, factory):
    """A resource of each kind with 90 days of steward daily backups; S3 content changes every 10 days."""
    api = clients(None)
    create_table(api, "orders", {}, items=5)
    create_db_instance(api, "orders-db", {})
    create_cluster(api, "graph", {})
    create_volume(api, "ingest", {"backup": "daily"})
    create_bucket(api, "data", {}, {"static.txt": b"never changes"})
    create_bucket(api, "data-backup", {})
    api["dynamodb"].create_backup(TableName="orders", BackupName="manual-before-migration")  # a person's: out of scope
    selections = [(kind, target) for target in parse_targets(TARGETS, BACKUP_KINDS) for kind in [target.kind]]
    adapters = {name: kind(factory) for name, kind in BACKUP_KINDS.items()}
    resources = {}
    for kind, target in selections:
        ids = target.names or [api["ec2"].describe_volumes()["Volumes"][0]["VolumeId"]]
        resources[kind] = adapters[kind].describe(Selected(kind, ids[0], None, target.options, target.path))
    for age in range(DAYS - 1, -1, -1):
        moment = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc) - timedelta(days=age)
        with freeze_time(moment):
            if age % 10 == 0:
                api["s3"].put_object(Bucket="data", Key="changing.txt", Body=f"version {age}".encode())
            for kind, resource in resources.items():
                name = backup_name(resource.id, "daily", moment, strict=adapters[kind].strict_names)
                adapters[kind].create_backup(resource, name, managed_tags(resource.arn or resource.id, "daily", moment), moment)
    factory.calls.clear()
    return {"api": api, "adapters": adapters, "resources": resources}


def surviving_dates(history) -> dict[str, list[str]]:
    """Read back through each kind's own API which steward backups still exist, as dates, newest first."""
    found = {}
    for kind, resource in history["resources"].items():
        backups = history["adapters"][kind].list_backups(resource)
        found[kind] = [b.created.strftime("%Y-%m-%d") for b in backups if b.managed]
    return found


def test_ninety_days_pruned_to_exactly_the_hand_computed_set(history, factory, tmp_path):
    ledger = tmp_path / "ledger"
    payload, failure = run_retention(make_context(factory, FixedClock(NOW), ledger), retention(ledger=str(ledger)), BACKUP_KINDS)
    assert failure is None, failure
    assert surviving_dates(history) == {kind: EXPECTED_DATES for kind in history["resources"]}
    assert payload["summary"]["pruned"] == 5 and payload["summary"]["deleted_backups"] == 5 * (DAYS - 11)
    orders = next(r for r in payload["resources"] if r["id"] == "orders")
    manual = [k for k in orders["kept"] if k["name"] == "manual-before-migration"]
    assert manual and manual[0]["reasons"] == ["out of scope: not made by steward (set include_unmanaged to include it)"]
    rds = history["api"]["rds"].describe_db_snapshots(DBInstanceIdentifier="orders-db")["DBSnapshots"]
    assert any(s["SnapshotType"] == "automated" for s in rds), "the automated snapshot must survive"
    deletions = list((ledger / "rds" / "orders-db" / "backup_retention").glob("*.json"))
    assert len(deletions) == DAYS - 11
    assert {json.loads(p.read_text())["status"] for p in deletions} == {"deleted"}

    again, _failure = run_retention(make_context(factory, FixedClock(NOW)), retention(), BACKUP_KINDS)
    assert again["summary"]["unchanged"] == 5 and again["changed"] is False
    assert surviving_dates(history) == {kind: EXPECTED_DATES for kind in history["resources"]}


def test_every_kept_s3_backup_restores_completely_after_the_prune(history, factory):
    run_retention(make_context(factory, FixedClock(NOW)), retention(), BACKUP_KINDS)
    s3 = history["api"]["s3"]
    listing = s3.list_objects_v2(Bucket="data-backup")["Contents"]
    manifests = [o["Key"] for o in listing if "/manifests/" in o["Key"]]
    stored = {o["Key"] for o in listing if "/objects/" in o["Key"]}
    assert len(manifests) == 11
    referenced = set()
    for key in manifests:
        manifest = json.loads(s3.get_object(Bucket="data-backup", Key=key)["Body"].read())
        assert {entry["key"] for entry in manifest["objects"]} == {"static.txt", "changing.txt"}
        for entry in manifest["objects"]:
            body = s3.get_object(Bucket="data-backup", Key=entry["stored_key"])["Body"].read()
            assert hashlib.sha256(body).hexdigest() == entry["sha256"]
            referenced.add(entry["stored_key"])
    assert stored == referenced, "unreferenced bodies were left behind, or referenced ones collected"


def test_check_mode_plans_with_reasons_and_deletes_nothing(history, factory):
    payload, _failure = run_retention(make_context(factory, FixedClock(NOW), check_mode=True, diff=True), retention(), BACKUP_KINDS)
    assert factory.mutating_calls == []
    assert all(len(dates) == DAYS for dates in surviving_dates(history).values())
    ebs = next(r for r in payload["resources"] if r["kind"] == "ebs")
    assert ebs["status"] == "planned" and len(ebs["deleted"]) == DAYS - 11
    reasons = {k["created"][:10]: k["reasons"] for k in ebs["kept"]}
    assert reasons["2026-11-24"] == ["daily snapshot", "weekly snapshot", "monthly snapshot", "guard:newest"]
    assert reasons["2026-09-30"] == ["monthly snapshot"]
    key = f"ebs/{ebs['id']}"
    assert len(payload["diff"]["before"][key]) == DAYS and len(payload["diff"]["after"][key]) == 11


def test_blast_radius_refuses_the_whole_resource_unless_forced(history, factory):
    payload, failure = run_retention(make_context(factory, FixedClock(NOW)), retention(max_delete_percent=50), BACKUP_KINDS)
    assert payload["summary"]["failed"] == 5 and factory.mutating_calls == []
    assert "plan deletes 79 of 90 backups (88%), more than max_delete_percent 50: nothing deleted" in failure
    assert all(len(dates) == DAYS for dates in surviving_dates(history).values())
    payload, failure = run_retention(make_context(factory, FixedClock(NOW)), retention(max_delete_percent=50, force=True), BACKUP_KINDS)
    assert failure is None and payload["summary"]["deleted_backups"] == 5 * 79


def test_the_newest_verified_backup_survives_any_policy(history, factory, tmp_path):
    ledger = LocalLedger(str(tmp_path))
    old = history["adapters"]["rds"].list_backups(history["resources"]["rds"])[-1]  # the oldest, 90 days old
    ledger.write(record_key("rds", "orders-db", "restore_test", NOW, "rt"), {"verdict": "passed", "backup": {"id": old.id}})
    context = make_context(factory, FixedClock(NOW), tmp_path)
    payload, _failure = run_retention(context, retention(targets=[{"kind": "rds", "names": ["orders-db"]}]), BACKUP_KINDS)
    kept = {k["id"]: k["reasons"] for k in payload["resources"][0]["kept"]}
    assert kept[old.id] == ["guard:newest_verified"]
    assert len(surviving_dates(history)["rds"]) == 12


def test_include_unmanaged_brings_manual_backups_into_scope(history, factory):
    target = [{"kind": "dynamodb", "names": ["orders"]}]
    request = retention(targets=target, include_unmanaged=True)
    payload, _failure = run_retention(make_context(factory, FixedClock(NOW)), request, BACKUP_KINDS)
    names = [b["BackupName"] for b in history["api"]["dynamodb"].list_backups(TableName="orders")["BackupSummaries"]]
    # The manual backup was made "now" (real time, after NOW) so it is the newest and kept; it now counts for today.
    assert "manual-before-migration" in names
    assert payload["resources"][0]["in_scope_count"] == DAYS + 1


def test_a_manifest_under_legal_hold_is_kept_and_its_objects_too(aws, factory):
    api = clients(None)
    create_bucket(api, "data", {}, {"a.txt": b"alpha"})
    api["s3"].create_bucket(Bucket="locked-backup", ObjectLockEnabledForBucket=True)
    adapter = BACKUP_KINDS["s3"](factory)
    target = parse_targets([{"kind": "s3", "names": ["data"], "options": {"backup_bucket": "locked-backup"}}], BACKUP_KINDS)[0]
    resource = adapter.describe(Selected("s3", "data", None, target.options, target.path))
    for age in (40, 20, 0):
        moment = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc) - timedelta(days=age)
        with freeze_time(moment):
            api["s3"].put_object(Bucket="data", Key="a.txt", Body=f"alpha {age}".encode())
            adapter.create_backup(resource, backup_name("data", "daily", moment), {}, moment)
    newest, middle, held = adapter.list_backups(resource)
    api["s3"].put_object_legal_hold(Bucket="locked-backup", Key=held.details["manifest_key"], LegalHold={"Status": "ON"})
    request = retention(
        targets=[{"kind": "s3", "names": ["data"], "options": {"backup_bucket": "locked-backup"}}],
        keep_daily=1,
        keep_weekly=0,
        keep_monthly=0,
    )
    payload, failure = run_retention(make_context(factory, FixedClock(NOW)), request, BACKUP_KINDS)
    assert failure is None
    kept = {k["id"]: k["reasons"] for k in payload["resources"][0]["kept"]}
    assert kept[held.id] == ["guard:protected (the manifest is under an S3 legal hold)"]
    assert [d["id"] for d in payload["resources"][0]["deleted"]] == [middle.id]
    assert set(kept) == {newest.id, held.id}
    manifest = json.loads(api["s3"].get_object(Bucket="locked-backup", Key=held.details["manifest_key"])["Body"].read())
    body = api["s3"].get_object(Bucket="locked-backup", Key=manifest["objects"][0]["stored_key"])["Body"].read()
    assert body == b"alpha 40"
    stored = [o["Key"] for o in api["s3"].list_objects_v2(Bucket="locked-backup")["Contents"] if "/objects/" in o["Key"]]
    bodies = {api["s3"].get_object(Bucket="locked-backup", Key=key)["Body"].read() for key in stored}
    assert bodies == {b"alpha 0", b"alpha 40"}  # the pruned backup's own body was collected


def test_a_failed_deletion_fails_the_resource_after_the_rest_are_deleted(aws, factory, tmp_path, monkeypatch):
    api = clients(None)
    create_table(api, "orders", {})
    adapter = BACKUP_KINDS["dynamodb"](factory)
    resource = adapter.describe(Selected("dynamodb", "orders", None, {}, "t"))
    for age in range(5, 0, -1):
        moment = NOW - timedelta(days=age)
        with freeze_time(moment):
            adapter.create_backup(resource, backup_name("orders", "daily", moment), {}, moment)
    newest, stuck = adapter.list_backups(resource)[0], adapter.list_backups(resource)[2]
    real_delete = BACKUP_KINDS["dynamodb"].delete_backup

    def delete_but_one(self, backup):
        if backup.id == stuck.id:
            raise RuntimeError("backup is in use")
        return real_delete(self, backup)

    monkeypatch.setattr(BACKUP_KINDS["dynamodb"], "delete_backup", delete_but_one)
    request = retention(targets=[{"kind": "dynamodb", "names": ["orders"]}], keep_daily=0, keep_weekly=0, keep_monthly=0, keep_last=1)
    payload, failure = run_retention(make_context(factory, FixedClock(NOW), tmp_path), request, BACKUP_KINDS)
    result = payload["resources"][0]
    assert (result["status"], result["error_code"], result["deleted_count"]) == ("failed", "delete_failed", 3)
    assert "1 of 4 deletions went wrong" in result["error"] and "backup is in use" in result["error"]
    assert failure is not None and "dynamodb/orders" in failure
    assert [b.id for b in adapter.list_backups(resource)] == [newest.id, stuck.id]
    statuses = sorted(json.loads(p.read_text())["status"] for p in (tmp_path / "dynamodb" / "orders" / "backup_retention").glob("*.json"))
    assert statuses == ["deleted", "deleted", "deleted", "failed"]
