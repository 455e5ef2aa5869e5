"""The backup action against moto in-process: what lands in AWS, read back through boto3."""

from __future__ import annotations

import hashlib
import json

import pytest
from conftest import make_context
from fleet import clients, create_bucket, create_cluster, create_db_instance, create_table, create_volume

from ansible_collections.steward.maintenance.plugins.module_utils._backup_action import parse_request, run_backup
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS

DAILY = {"backup": "daily"}


def request(targets, **overrides):
    params = {
        "targets": targets,
        "label": "daily",
        "min_interval": None,
        "tags": {"team": "ops"},
        "wait": False,
        "wait_timeout": "1h",
        "concurrency": 4,
        "retry_max_attempts": 3,
        "ledger": None,
    }
    params.update(overrides)
    return parse_request(params, BACKUP_KINDS)


@pytest.fixture
def fleet(aws):
    api = clients(None)
    create_table(api, "topology", DAILY, items=30)
    create_table(api, "sessions", DAILY, items=5)
    create_table(api, "scratchpad", {"env": "dev"})
    create_db_instance(api, "orders-db", DAILY)
    create_cluster(api, "graph", DAILY)
    create_db_instance(api, "graph-1", DAILY, cluster="graph")
    volume = create_volume(api, "ingest", DAILY)
    other_volume = create_volume(api, "tmp", {"env": "dev"})
    create_bucket(api, "data", DAILY, {"a.txt": b"alpha", "b.txt": b"beta", "dup.txt": b"alpha"})
    create_bucket(api, "data-backup", {})
    return {"api": api, "volume": volume, "other_volume": other_volume}


ALL_DAILY = [
    {"kind": "dynamodb", "tags": DAILY},
    {"kind": "rds", "tags": DAILY},
    {"kind": "aurora", "tags": DAILY},
    {"kind": "ebs", "tags": DAILY},
    {"kind": "s3", "names": ["data"], "options": {"backup_bucket": "data-backup"}},
]


def steward_backups(api):
    tables = api["dynamodb"].list_tables()["TableNames"]
    return {
        "dynamodb": [b for t in tables for b in api["dynamodb"].list_backups(TableName=t)["BackupSummaries"] if b["TableName"] == t],
        "rds": api["rds"].describe_db_snapshots(SnapshotType="manual")["DBSnapshots"],
        "aurora": api["rds"].describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"],
        "ebs": api["ec2"].describe_snapshots(OwnerIds=["self"])["Snapshots"],
        "s3": [o["Key"] for o in api["s3"].list_objects_v2(Bucket="data-backup").get("Contents", []) if "/manifests/" in o["Key"]],
    }


def test_backs_up_every_tagged_resource_named_and_tagged_by_convention(fleet, factory, clock, tmp_path):
    context = make_context(factory, clock, tmp_path / "ledger")
    payload, failure = run_backup(context, request(ALL_DAILY), BACKUP_KINDS)
    assert failure is None
    backups = steward_backups(fleet["api"])
    assert sorted(b["TableName"] for b in backups["dynamodb"]) == ["sessions", "topology"]
    assert [s["DBInstanceIdentifier"] for s in backups["rds"]] == ["orders-db"]
    assert [s["DBClusterIdentifier"] for s in backups["aurora"]] == ["graph"]
    assert [s["VolumeId"] for s in backups["ebs"]] == [fleet["volume"]]
    assert len(backups["s3"]) == 1
    stamp = clock.now().strftime("%Y%m%d-%H%M%S") + "-" + context.run_id[:6]  # the run's token makes names unique per run
    assert {b["BackupName"] for b in backups["dynamodb"]} == {f"steward-topology-daily-{stamp}", f"steward-sessions-daily-{stamp}"}
    rds_tags = {t["Key"]: t["Value"] for t in backups["rds"][0]["TagList"]}
    assert rds_tags["steward:managed"] == "true" and rds_tags["steward:cadence"] == "daily" and rds_tags["team"] == "ops"
    assert rds_tags["steward:source"].endswith(":db:orders-db")
    ebs_tags = {t["Key"]: t["Value"] for t in backups["ebs"][0]["Tags"]}
    assert ebs_tags["Name"] == f"steward-{fleet['volume']}-daily-{stamp}" and ebs_tags["steward:managed"] == "true"
    statuses = {(r["kind"], r["id"]): r["status"] for r in payload["resources"]}
    assert statuses[("rds", "graph-1")] == "skipped"  # Aurora member: skipped with a reason, not failed
    assert payload["summary"]["created"] == 6 and payload["summary"]["skipped"] == 1 and payload["summary"]["failed"] == 0
    records = sorted((tmp_path / "ledger").rglob("*.json"))
    assert len(records) == 7
    topology = json.loads(next(p for p in records if "/topology/" in str(p)).read_text())
    assert topology["source"]["item_count"] == 30
    assert topology["source"]["key_schema"] == [
        {"AttributeName": "node_id", "KeyType": "HASH"},
        {"AttributeName": "edge_id", "KeyType": "RANGE"},
    ]
    assert topology["backup"]["arn"] == next(b["BackupArn"] for b in backups["dynamodb"] if b["TableName"] == "topology")
    rds_record = json.loads(next(p for p in records if "/orders-db/" in str(p)).read_text())
    assert rds_record["source"]["engine"] == "postgres" and rds_record["source"]["engine_version"] == "15.4"


def test_check_mode_plans_everything_and_sends_no_mutating_call(fleet, factory, clock, tmp_path):
    context = make_context(factory, clock, tmp_path / "ledger", check_mode=True, diff=True)
    payload, failure = run_backup(context, request(ALL_DAILY), BACKUP_KINDS)
    assert failure is None
    assert factory.calls, "check mode must still read the fleet"
    assert factory.mutating_calls == []
    assert all(len(found) == 0 for found in steward_backups(fleet["api"]).values())
    assert not (tmp_path / "ledger").exists()
    planned = [r for r in payload["resources"] if r["status"] == "planned"]
    assert len(planned) == 6 and all(r["backup_name"].startswith("steward-") for r in planned)
    assert payload["changed"] is True
    assert payload["diff"]["before"]["dynamodb/topology"] == {"newest_steward_backup": None}
    assert payload["diff"]["after"]["dynamodb/topology"]["newest_steward_backup"].startswith("steward-topology-daily-")


def test_min_interval_skips_young_backups_and_creates_once_they_age(fleet, factory, clock):
    targets = [{"kind": "dynamodb", "names": ["topology"]}, {"kind": "ebs", "names": [fleet["volume"]]}]
    run_backup(make_context(factory, clock), request(targets, min_interval="20h"), BACKUP_KINDS)
    clock.advance(3600)
    payload = run_backup(make_context(factory, clock), request(targets, min_interval="20h"), BACKUP_KINDS)[0]
    assert [r["status"] for r in payload["resources"]] == ["skipped", "skipped"]
    assert "younger than min_interval 20h" in payload["resources"][0]["message"]
    assert payload["changed"] is False
    assert len(steward_backups(fleet["api"])["ebs"]) == 1
    clock.advance(20 * 3600)
    payload = run_backup(make_context(factory, clock), request(targets, min_interval="20h"), BACKUP_KINDS)[0]
    assert [r["status"] for r in payload["resources"]] == ["created", "created"]
    assert len(steward_backups(fleet["api"])["ebs"]) == 2


def test_one_missing_resource_fails_alone_and_is_named(fleet, factory, clock):
    targets = [
        {"kind": "dynamodb", "names": ["topology", "no-such-table"]},
        {"kind": "rds", "names": ["ghost-db"]},
        {"kind": "ebs", "names": [fleet["volume"]]},
    ]
    payload, failure = run_backup(make_context(factory, clock), request(targets), BACKUP_KINDS)
    statuses = {r["id"]: (r["status"], r["error_code"]) for r in payload["resources"]}
    assert {r["id"]: r["action"] for r in payload["resources"]}["no-such-table"] == "none"  # nothing was attempted
    assert statuses["topology"] == ("created", None)
    assert statuses["no-such-table"] == ("failed", "not_found")
    assert statuses["ghost-db"] == ("failed", "not_found")
    assert statuses[fleet["volume"]] == ("created", None)
    assert failure is not None and "2 of 4" in failure and "dynamodb/no-such-table" in failure and "rds/ghost-db" in failure
    assert len(steward_backups(fleet["api"])["ebs"]) == 1


def test_tag_selector_matching_nothing_is_reported_not_failed(fleet, factory, clock):
    payload, failure = run_backup(make_context(factory, clock), request([{"kind": "aurora", "tags": {"backup": "hourly"}}]), BACKUP_KINDS)
    assert failure is None
    assert payload["resources"] == []
    assert payload["targets"][0]["message"] == "aurora tagged backup=hourly matched nothing"
    assert payload["summary"]["targets_matching_nothing"] == 1


def test_exclude_and_duplicates(fleet, factory, clock):
    targets = [
        {"kind": "dynamodb", "tags": DAILY, "exclude": ["sessions"]},
        {"kind": "dynamodb", "names": ["topology"]},
    ]
    payload = run_backup(make_context(factory, clock), request(targets), BACKUP_KINDS)[0]
    assert [r["id"] for r in payload["resources"]] == ["topology"]
    assert payload["targets"][0]["excluded"] == 1
    assert [b["TableName"] for b in steward_backups(fleet["api"])["dynamodb"]] == ["topology"]


def test_s3_backups_are_incremental_yet_each_complete(fleet, factory, clock):
    api = fleet["api"]
    target = [{"kind": "s3", "names": ["data"], "options": {"backup_bucket": "data-backup", "storage_class": "STANDARD_IA"}}]
    first = run_backup(make_context(factory, clock), request(target), BACKUP_KINDS)[0]
    assert first["resources"][0]["details"]["copied_objects"] == 2  # "alpha" is stored once
    api["s3"].put_object(Bucket="data", Key="b.txt", Body=b"beta v2")
    api["s3"].put_object(Bucket="data", Key="c.txt", Body=b"gamma")
    clock.advance(86400)
    second = run_backup(make_context(factory, clock), request(target), BACKUP_KINDS)[0]
    details = second["resources"][0]["details"]
    assert (details["copied_objects"], details["reused_objects"], details["object_count"]) == (2, 2, 4)

    manifests = sorted(o["Key"] for o in api["s3"].list_objects_v2(Bucket="data-backup")["Contents"] if "/manifests/" in o["Key"])
    assert len(manifests) == 2
    stored = [o for o in api["s3"].list_objects_v2(Bucket="data-backup")["Contents"] if "/objects/" in o["Key"]]
    assert len(stored) == 4 and {o["StorageClass"] for o in stored} == {"STANDARD_IA"}
    expected = [
        {"a.txt": b"alpha", "b.txt": b"beta", "dup.txt": b"alpha"},
        {"a.txt": b"alpha", "b.txt": b"beta v2", "c.txt": b"gamma", "dup.txt": b"alpha"},
    ]
    for key, contents in zip(manifests, expected, strict=True):
        manifest = json.loads(api["s3"].get_object(Bucket="data-backup", Key=key)["Body"].read())
        assert {entry["key"] for entry in manifest["objects"]} == set(contents)
        for entry in manifest["objects"]:
            body = api["s3"].get_object(Bucket="data-backup", Key=entry["stored_key"])["Body"].read()
            assert body == contents[entry["key"]]
            assert hashlib.sha256(body).hexdigest() == entry["sha256"] == entry["stored_key"].rsplit("/", 1)[1]


def test_s3_refuses_to_back_a_bucket_up_into_itself_or_a_missing_bucket(fleet, factory, clock):
    targets = [
        {"kind": "s3", "names": ["data"], "options": {"backup_bucket": "data"}},
        {"kind": "s3", "names": ["data-backup"], "options": {"backup_bucket": "no-such-bucket"}},
    ]
    payload, failure = run_backup(make_context(factory, clock), request(targets), BACKUP_KINDS)
    assert failure is not None and "2 of 2" in failure
    assert [r["status"] for r in payload["resources"]] == ["failed", "failed"]
    assert "its own backup_bucket" in payload["resources"][0]["error"]
    assert "backup_bucket 'no-such-bucket' does not exist" in payload["resources"][1]["error"]
    assert factory.mutating_calls == []


def test_unwritable_ledger_stops_before_any_change(fleet, factory, clock, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError

    with pytest.raises(OptionError, match=r"^ledger: cannot write records there"):
        run_backup(make_context(factory, clock, blocker / "ledger"), request(ALL_DAILY), BACKUP_KINDS)
    assert factory.calls == []


def test_s3_bodies_are_hashed_and_stored_once_across_the_object_pool(aws, factory, clock):
    api = clients(None)
    create_bucket(api, "many", {}, {f"k/{n:03d}": f"body {n % 10}".encode() for n in range(40)})
    create_bucket(api, "many-backup", {})
    target = [{"kind": "s3", "names": ["many"], "options": {"backup_bucket": "many-backup", "object_concurrency": 6}}]
    payload, failure = run_backup(make_context(factory, clock), request(target), BACKUP_KINDS)
    assert failure is None
    assert (payload["resources"][0]["details"]["copied_objects"], payload["resources"][0]["details"]["object_count"]) == (10, 40)
    listing = api["s3"].list_objects_v2(Bucket="many-backup")["Contents"]
    manifest_key = next(o["Key"] for o in listing if "/manifests/" in o["Key"])
    manifest = json.loads(api["s3"].get_object(Bucket="many-backup", Key=manifest_key)["Body"].read())
    assert [entry["key"] for entry in manifest["objects"]] == [f"k/{n:03d}" for n in range(40)]
    for entry in manifest["objects"]:
        n = int(entry["key"][2:])
        assert entry["sha256"] == hashlib.sha256(f"body {n % 10}".encode()).hexdigest()
    assert len([o for o in listing if "/objects/" in o["Key"]]) == 10


def test_two_runs_at_once_in_the_same_second_make_two_complete_backups_of_everything(fleet, factory, clock, tmp_path):
    """Two AWX jobs starting together (same clock second): every resource gets two backups with two names, and each
    backup is whole and matches its own evidence; nothing one run wrote is overwritten by the other."""
    import threading

    payloads = []
    runs = [
        threading.Thread(
            target=lambda: payloads.append(run_backup(make_context(factory, clock, tmp_path / "ledger"), request(ALL_DAILY), BACKUP_KINDS))
        )
        for _run in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    assert [failure for _payload, failure in payloads] == [None, None]
    made = [resource for payload, _failure in payloads for resource in payload["resources"] if resource["status"] == "created"]
    by_resource: dict = {}
    for resource in made:
        by_resource.setdefault((resource["kind"], resource["id"]), set()).add(resource["backup_name"])
    assert len(by_resource) == 6 and all(len(names) == 2 for names in by_resource.values())
    backups = steward_backups(fleet["api"])
    assert {len(backups[kind]) for kind in ("rds", "aurora", "ebs")} == {2} and len(backups["dynamodb"]) == 4
    ids = {b["BackupArn"] for b in backups["dynamodb"]} | {s["DBSnapshotIdentifier"] for s in backups["rds"]}
    ids |= {s["DBClusterSnapshotIdentifier"] for s in backups["aurora"]} | {s["SnapshotId"] for s in backups["ebs"]}
    records = [json.loads(path.read_text()) for path in (tmp_path / "ledger").rglob("*.json")]
    records = [record for record in records if record["status"] == "created"]  # not the Aurora member, skipped twice
    assert len(records) == 12
    for record in records:  # each record names its own, existing backup
        if record["kind"] == "s3":
            assert record["backup"]["id"] in {key.rsplit("/", 1)[-1][: -len(".json")] for key in backups["s3"]}
        else:
            assert record["backup"]["id"] in ids
    s3 = fleet["api"]["s3"]
    assert len(backups["s3"]) == 2
    for key in backups["s3"]:  # each manifest alone restores the bucket: every body it names is there, as hashed
        manifest = json.loads(s3.get_object(Bucket="data-backup", Key=key)["Body"].read())
        assert sorted(entry["key"] for entry in manifest["objects"]) == ["a.txt", "b.txt", "dup.txt"]
        for entry in manifest["objects"]:
            body = s3.get_object(Bucket="data-backup", Key=entry["stored_key"])["Body"].read()
            assert hashlib.sha256(body).hexdigest() == entry["sha256"]


@pytest.mark.parametrize("wait", [False, True])
def test_a_record_that_cannot_be_written_fails_its_resource_only(fleet, factory, clock, tmp_path, wait):
    """Written as soon as the outcome is final (at once without a wait, after it with one), either way loudly."""
    from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger

    class RefusingLedger(LocalLedger):
        def write(self, key, record):
            if record["resource_id"] == "topology":
                raise OSError(28, "No space left on device")
            return super().write(key, record)

    context = make_context(factory, clock, tmp_path / "ledger")
    context.ledger = RefusingLedger(str(tmp_path / "ledger"))
    payload, failure = run_backup(context, request([{"kind": "dynamodb", "tags": DAILY}], wait=wait), BACKUP_KINDS)
    results = {r["id"]: r for r in payload["resources"]}
    assert (results["topology"]["status"], results["topology"]["error_code"]) == ("failed", "ledger")
    assert results["topology"]["error"] == "ledger record not written: OSError: [Errno 28] No space left on device"
    assert results["sessions"]["status"] == "created" and results["sessions"]["ledger_record"]
    assert "topology" in failure and "sessions" not in failure
