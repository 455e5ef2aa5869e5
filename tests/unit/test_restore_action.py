"""The restore_test action against moto in-process: what it restores, checks, records and leaves behind.

Damaged backups are made by reaching into moto's backends and altering what a backup holds after it was
taken; the test then proves our verification notices, which moto alone never would.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import timedelta

import pytest
from conftest import make_context
from fleet import (
    clients,
    create_bucket,
    create_cluster,
    create_db_instance,
    create_restore_network,
    create_table,
    create_volume,
    scratch_leftovers,
)
from moto.backends import get_backend

from ansible_collections.steward.maintenance.plugins.module_utils import _backup_action
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._evidence import verified_backup_ids
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger
from ansible_collections.steward.maintenance.plugins.module_utils._model import Resource
from ansible_collections.steward.maintenance.plugins.module_utils._naming import scratch_tags, tag_list
from ansible_collections.steward.maintenance.plugins.module_utils._restore_action import parse_request, run_restore_test

ACCOUNT, REGION = "123456789012", "us-east-1"
DAILY = {"backup": "daily"}
NETWORK = "steward-restore-tests"
SCRATCH = {"rds": {"db_subnet_group": NETWORK}, "aurora": {"db_subnet_group": NETWORK}}
S3_TARGET = {"kind": "s3", "names": ["data"], "options": {"backup_bucket": "data-backup"}}
ALL = (
    {"kind": "dynamodb", "names": ["topology"]},
    {"kind": "rds", "names": ["orders-db"]},
    {"kind": "aurora", "names": ["graph"]},
    {"kind": "ebs", "tags": DAILY},
    S3_TARGET,
)
OBJECTS = {"a.txt": b"alpha", "b/c.txt": b"beta", "dup.txt": b"alpha", "d.bin": bytes(range(256)) * 10}


@pytest.fixture
def fleet(aws):
    api = clients(None)
    create_table(api, "topology", DAILY, items=30)
    create_table(api, "empty", {}, items=0)
    create_db_instance(api, "orders-db", DAILY)
    create_cluster(api, "graph", DAILY)
    create_db_instance(api, "graph-1", DAILY, cluster="graph")
    volume = create_volume(api, "ingest", DAILY)
    create_bucket(api, "data", DAILY, OBJECTS)
    create_bucket(api, "data-backup", {})
    create_restore_network(api, NETWORK)
    return {"api": api, "volume": volume}


def backup(factory, clock, ledger_dir, targets=ALL):
    params = {"targets": list(targets), "label": "daily", "tags": {}, "wait": False, "wait_timeout": "1h"}
    params.update(concurrency=4, retry_max_attempts=3, ledger=str(ledger_dir))
    payload, failure = _backup_action.run_backup(
        make_context(factory, clock, ledger_dir), _backup_action.parse_request(params, BACKUP_KINDS), BACKUP_KINDS
    )
    assert failure is None, failure
    return payload


def request(targets=ALL, **overrides):
    params = {
        "targets": list(targets),
        "scratch": SCRATCH,
        "wait_timeout": "1h",
        "scratch_ttl": "12h",
        "concurrency": 4,
        "retry_max_attempts": 3,
        "ledger": None,
    }
    params.update(overrides)
    return parse_request(params, BACKUP_KINDS)


def restore_test(factory, clock, ledger_dir, targets=ALL, check_mode=False, **overrides):
    context = make_context(factory, clock, ledger_dir, check_mode=check_mode)
    return run_restore_test(context, request(targets, **overrides), BACKUP_KINDS)


def by_kind(payload):
    return {resource["kind"]: resource for resource in payload["resources"]}


def records(ledger_dir, action="restore_test"):
    return [json.loads(path.read_text()) for path in sorted(ledger_dir.glob(f"*/*/{action}/*.json"))]


# --- the flow ------------------------------------------------------------------------------------------
def test_every_kind_restores_verifies_records_and_leaves_nothing_behind(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger)
    clock.advance(3600)
    payload, failure = restore_test(factory, clock, ledger, rto="1h", rpo="2h")
    assert failure is None
    resources = by_kind(payload)
    assert {kind: r["status"] for kind, r in resources.items()} == dict.fromkeys(("dynamodb", "rds", "aurora", "ebs", "s3"), "passed")
    for resource in resources.values():
        assert resource["verdict"] == "passed" and resource["cleanup"] == "deleted"
        assert resource["scratch"]["name"].startswith("steward-rt-")
        # moto stamps backups with its own wall clock, a moment away from the test's fixed one
        assert abs(resource["rpo_s"] - 3600) <= 5 and (resource["rto_met"], resource["rpo_met"]) == (True, True)
    # the content layer really compared something where the API allows it, and says why not elsewhere
    checks = {kind: {c["name"]: c for c in r["checks"]} for kind, r in resources.items()}
    assert checks["dynamodb"]["item_count"]["expected"] == checks["dynamodb"]["item_count"]["actual"] == 30
    assert checks["s3"]["sha256"]["result"] == "passed" and checks["s3"]["sha256"]["actual"] == len(OBJECTS)
    assert checks["rds"]["rows"]["result"] == "not_checked" and checks["ebs"]["blocks"]["result"] == "not_checked"
    assert checks["rds"]["network"]["actual"] == NETWORK and checks["rds"]["publicly_accessible"]["actual"] is False
    assert scratch_leftovers(fleet["api"]) == []
    assert payload["summary"]["passed"] == 5 and abs(payload["summary"]["max_rpo_s"] - 3600) <= 5

    # one evidence record per test, in the shape backup_retention's guard reads
    written = records(ledger)
    assert len(written) == 5 and all(record["verdict"] == "passed" for record in written)
    local = LocalLedger(str(ledger))
    for resource in resources.values():
        assert verified_backup_ids(local, resource["kind"], resource["id"]) == {resource["backup"]["id"]}
    # and the backup itself is tagged where the kind takes tags
    assert {kind: r["backup_tagged_verified"] for kind, r in resources.items()} == {
        "dynamodb": False, "rds": True, "aurora": True, "ebs": True, "s3": True
    }  # fmt: skip
    api = fleet["api"]
    snapshot = api["rds"].describe_db_snapshots(DBSnapshotIdentifier=resources["rds"]["backup"]["id"])["DBSnapshots"][0]
    rds_tags = {t["Key"] for t in api["rds"].list_tags_for_resource(ResourceName=snapshot["DBSnapshotArn"])["TagList"]}
    assert "steward:verified" in rds_tags
    ebs_tags = {t["Key"] for t in api["ec2"].describe_snapshots(SnapshotIds=[resources["ebs"]["backup"]["id"]])["Snapshots"][0]["Tags"]}
    assert "steward:verified" in ebs_tags


def test_check_mode_plans_every_restore_and_changes_nothing(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger)
    factory.calls.clear()
    payload, failure = restore_test(factory, clock, ledger, check_mode=True, sweep=True)
    assert failure is None
    assert factory.mutating_calls == []
    assert records(ledger) == []
    for resource in payload["resources"]:
        assert resource["status"] == "planned"
        assert (
            resource["message"] == f"would restore {resource['backup']['name']} into {resource['scratch']['name']}, verify it and delete it"
        )
    assert payload["changed"] is True and payload["summary"]["planned"] == 5


def test_a_rerun_within_min_interval_tests_nothing_again(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [ALL[0]])
    assert restore_test(factory, clock, ledger, [ALL[0]], min_interval="6d")[0]["resources"][0]["status"] == "passed"
    clock.advance(3600)
    factory.calls.clear()
    payload, failure = restore_test(factory, clock, ledger, [ALL[0]], min_interval="6d")
    assert failure is None and payload["changed"] is False
    assert payload["resources"][0]["status"] == "skipped"
    assert "younger than min_interval 6d" in payload["resources"][0]["message"]
    assert "RestoreTableFromBackup" not in factory.calls


# --- damaged backups: each kind's verification must fail ------------------------------------------------
def _damage_dynamodb(api, backup_id):
    backup = get_backend("dynamodb")[ACCOUNT][REGION].backups[backup_id]
    backup.table.items.pop(next(iter(backup.table.items)))  # lose a partition's items from the backup


def _damage_rds(api, backup_id):
    snapshot = get_backend("rds")[ACCOUNT][REGION].database_snapshots[backup_id]
    snapshot.database = copy.copy(snapshot.database)
    snapshot.database.engine_version = "13.1"


def _damage_aurora(api, backup_id):
    # The snapshot now restores a cluster whose encryption differs from the source's, as recorded at backup time.
    snapshot = get_backend("rds")[ACCOUNT][REGION].cluster_snapshots[backup_id]
    snapshot.cluster = copy.copy(snapshot.cluster)
    snapshot.cluster.storage_encrypted = not snapshot.cluster.storage_encrypted


def _damage_ebs(api, backup_id):
    snapshot = get_backend("ec2")[ACCOUNT][REGION].snapshots[backup_id]
    snapshot.volume = copy.copy(snapshot.volume)
    snapshot.volume.size = 4


def _damage_s3(api, backup_id):
    # Alter one stored body in the backup bucket (bit rot, a careless hand): the manifest's SHA256 no longer matches.
    manifest_key = f"steward/manifests/data/{backup_id}.json"
    manifest = json.loads(api["s3"].get_object(Bucket="data-backup", Key=manifest_key)["Body"].read())
    stored = next(entry["stored_key"] for entry in manifest["objects"] if entry["key"] == "b/c.txt")
    api["s3"].put_object(Bucket="data-backup", Key=stored, Body=b"BETA")


@pytest.mark.parametrize(
    ("kind", "damage", "failing_check"),
    [
        ("dynamodb", _damage_dynamodb, "item_count"),
        ("rds", _damage_rds, "engine_version"),
        ("aurora", _damage_aurora, "storage_encrypted"),
        ("ebs", _damage_ebs, "size_gib"),
        ("s3", _damage_s3, "sha256"),
    ],
)
def test_a_damaged_backup_fails_verification_and_is_not_marked_verified(fleet, factory, clock, tmp_path, kind, damage, failing_check):
    ledger = tmp_path / "ledger"
    target = next(t for t in ALL if t["kind"] == kind)
    created = backup(factory, clock, ledger, [target])["resources"][0]
    damage(fleet["api"], created["backup_id"])
    payload, failure = restore_test(factory, clock, ledger, [target])
    resource = payload["resources"][0]
    assert (resource["status"], resource["verdict"], resource["error_code"]) == ("failed", "failed", "verification_failed")
    failed = [check["name"] for check in resource["checks"] if check["result"] == "failed"]
    assert failed == [failing_check]
    assert failing_check in failure
    assert resource["cleanup"] == "deleted" and scratch_leftovers(fleet["api"]) == []
    assert records(ledger)[0]["verdict"] == "failed"
    assert verified_backup_ids(LocalLedger(str(ledger)), kind, resource["id"]) == frozenset()


def test_s3_sample_hashes_only_that_many_objects(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [S3_TARGET])
    payload, _failure = restore_test(factory, clock, ledger, [S3_TARGET], scratch={"s3": {"sample": 2}})
    sha = next(c for c in payload["resources"][0]["checks"] if c["name"] == "sha256")
    assert (sha["result"], sha["expected"], sha["detail"]) == ("passed", 2, "2 of 4 objects hashed")


def test_s3_restores_under_a_marked_prefix_of_a_given_bucket_and_removes_only_that(fleet, factory, clock, tmp_path):
    api = fleet["api"]
    create_bucket(api, "restore-area", {}, {"keep/me.txt": b"not ours"})
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [S3_TARGET])
    payload, failure = restore_test(factory, clock, ledger, [S3_TARGET], scratch={"s3": {"bucket": "restore-area"}})
    assert failure is None and payload["resources"][0]["status"] == "passed"
    assert [o["Key"] for o in api["s3"].list_objects_v2(Bucket="restore-area")["Contents"]] == ["keep/me.txt"]


# --- user checks -----------------------------------------------------------------------------------------
def test_user_checks_pass_and_fail_on_what_the_restore_holds(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [ALL[0], S3_TARGET])
    beta = hashlib.sha256(b"beta").hexdigest()
    checks = [
        {"kind": "dynamodb", "item": {"node_id": "node-0001", "edge_id": "edge-00012"}, "attributes": {"latency_ms": 12}},
        {"kind": "dynamodb", "item": {"node_id": "node-0001", "edge_id": "edge-00013"}, "attributes": {"latency_ms": 99}},
        {"kind": "dynamodb", "names": ["other-table"], "item": {"node_id": "nope", "edge_id": "nope"}},
        {"kind": "s3", "object": "b/c.txt", "sha256": beta},
        {"kind": "s3", "object": "never/was.txt"},
    ]
    payload, _failure = restore_test(factory, clock, ledger, [ALL[0], S3_TARGET], checks=checks)
    user = {r["kind"]: [(c["name"], c["result"]) for c in r["checks"] if c["layer"] == "user"] for r in payload["resources"]}
    assert user == {
        "dynamodb": [("checks[0]", "passed"), ("checks[1]", "failed")],  # checks[2] names another table
        "s3": [("checks[0]", "passed"), ("checks[1]", "failed")],
    }
    dynamodb = by_kind(payload)["dynamodb"]
    assert "latency_ms is 13, expected 99" in dynamodb["error"]


# --- picking ---------------------------------------------------------------------------------------------
def test_picks_newest_oldest_unverified_and_an_explicit_id(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    names = []
    for _day in range(3):
        names.append(backup(factory, clock, ledger, [ALL[0]])["resources"][0]["backup_name"])
        clock.advance(86400)
    target = [ALL[0]]
    assert restore_test(factory, clock, ledger, target)[0]["resources"][0]["backup"]["name"] == names[2]
    assert restore_test(factory, clock, ledger, target, pick="oldest_unverified")[0]["resources"][0]["backup"]["name"] == names[0]
    clock.advance(1)
    assert restore_test(factory, clock, ledger, target, pick="oldest_unverified")[0]["resources"][0]["backup"]["name"] == names[1]
    clock.advance(1)
    assert restore_test(factory, clock, ledger, target, backup_id=names[1])[0]["resources"][0]["backup"]["name"] == names[1]
    random_pick = restore_test(factory, clock, ledger, target, pick="random")[0]["resources"][0]
    assert random_pick["backup"]["name"] in names
    clock.advance(1)
    # names[2] was verified by the first test: every backup is now verified, nothing is left to pick
    last = restore_test(factory, clock, ledger, target, pick="oldest_unverified")[0]["resources"][0]
    assert last["status"] == "skipped" and last["message"] == "every one of the 3 backups in scope has already passed a restore test"


def test_a_backup_id_of_another_resource_fails_that_resource_naming_its_backups(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [ALL[0], ALL[1]])
    rds_snapshot = f"steward-orders-db-daily-{clock.now():%Y%m%d-%H%M%S}"
    payload, _failure = restore_test(factory, clock, ledger, [ALL[0]], backup_id=rds_snapshot)
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"]) == ("failed", "backup_not_found")
    assert resource["error"].startswith(
        f"backup_id '{rds_snapshot}' is not a backup of dynamodb 'topology' (its newest: steward-topology-daily-"
    )
    assert scratch_leftovers(fleet["api"]) == []


def test_a_resource_without_backups_fails_clearly_and_others_still_run(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [ALL[0]])
    payload, failure = restore_test(factory, clock, ledger, [{"kind": "dynamodb", "names": ["topology", "empty"]}])
    statuses = {r["id"]: (r["status"], r["error_code"]) for r in payload["resources"]}
    assert statuses == {"topology": ("passed", None), "empty": ("failed", "no_backup")}
    assert "dynamodb 'empty' has no available steward backups (set include_unmanaged to test others) to restore-test" in failure


# --- nothing outside steward's scratch resources is touched ------------------------------------------------
def test_a_scratch_name_taken_by_an_existing_resource_is_refused_and_left_alone(fleet, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [ALL[0]])
    squatter = f"steward-rt-topology-{clock.now():%Y%m%d-%H%M%S}"
    create_table(fleet["api"], squatter, {}, items=3)
    factory.calls.clear()
    payload, _failure = restore_test(factory, clock, ledger, [ALL[0]])
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"]) == ("failed", "scratch_collision")
    assert f"scratch name '{squatter}' is already taken" in resource["error"]
    assert "DeleteTable" not in factory.calls and "RestoreTableFromBackup" not in factory.calls
    assert fleet["api"]["dynamodb"].describe_table(TableName=squatter)["Table"]["ItemCount"] == 3


def test_a_scratch_database_is_refused_in_the_sources_own_network(fleet, factory, clock, tmp_path):
    api = fleet["api"]
    create_restore_network(api, "production-db")
    api["rds"].create_db_instance(
        DBInstanceIdentifier="prod-db", DBInstanceClass="db.t3.micro", Engine="postgres", EngineVersion="15.4",
        AllocatedStorage=20, MasterUsername="steward", MasterUserPassword="not-a-secret-1", DBSubnetGroupName="production-db",
    )  # fmt: skip
    ledger = tmp_path / "ledger"
    target = [{"kind": "rds", "names": ["prod-db"]}]
    backup(factory, clock, ledger, target)
    scratch = {"rds": {"db_subnet_group": "production-db"}}
    resource = restore_test(factory, clock, ledger, target, scratch=scratch)[0]["resources"][0]
    assert (resource["status"], resource["error_code"]) == ("failed", "source_network")
    assert "set scratch.rds.allow_source_network" in resource["error"]
    assert scratch_leftovers(api) == []
    allowed = {"rds": {"db_subnet_group": "production-db", "allow_source_network": True}}
    assert restore_test(factory, clock, ledger, target, scratch=allowed)[0]["resources"][0]["status"] == "passed"


def test_sweep_deletes_only_expired_resources_with_both_markers(fleet, factory, clock, tmp_path):
    api = fleet["api"]
    now = clock.now()
    expired = scratch_tags("arn:source", "backup-1", "oldrun", now - timedelta(hours=1))
    fresh = scratch_tags("arn:source", "backup-1", "oldrun", now + timedelta(hours=1))
    cases = {
        "steward-rt-expired": expired,  # swept
        "steward-rt-fresh": fresh,  # not expired yet: a test may be using it
        "steward-rt-untagged": {},  # prefix without the tag
        "lookalike-expired": expired,  # the tag without the prefix
    }
    for name, tags in cases.items():
        create_table(api, name, tags)
        create_volume(api, name, tags)
        api["s3"].create_bucket(Bucket=name)
        if tags:
            api["s3"].put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    api["s3"].create_bucket(Bucket="restore-area")
    api["s3"].put_object(
        Bucket="restore-area",
        Key="steward-rt-old/.steward-restore-test.json",
        Body=json.dumps({"scratch": "steward-rt-old", "tags": expired}),
    )
    api["s3"].put_object(Bucket="restore-area", Key="steward-rt-old/data.txt", Body=b"x")
    api["s3"].put_object(Bucket="restore-area", Key="steward-rt-nomarker/data.txt", Body=b"x")
    targets = [{"kind": "dynamodb", "names": ["topology"]}, {"kind": "ebs", "tags": DAILY}, S3_TARGET]
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, targets)

    planned = restore_test(factory, clock, ledger, targets, check_mode=True, sweep=True, scratch={"s3": {"bucket": "restore-area"}})[0]
    assert sorted((e["kind"], e["name"], e["status"]) for e in planned["swept"]) == [
        ("dynamodb", "steward-rt-expired", "planned"),
        ("ebs", "steward-rt-expired", "planned"),
        ("s3", "steward-rt-expired", "planned"),
        ("s3", "steward-rt-old", "planned"),
    ]
    payload, failure = restore_test(factory, clock, ledger, targets, sweep=True, scratch={"s3": {"bucket": "restore-area"}})
    assert failure is None and payload["summary"]["swept"] == 4
    tables = set(api["dynamodb"].list_tables()["TableNames"])
    assert {"steward-rt-fresh", "steward-rt-untagged", "lookalike-expired"} <= tables and "steward-rt-expired" not in tables
    volume_names = {t["Value"] for v in api["ec2"].describe_volumes()["Volumes"] for t in v.get("Tags", []) if t["Key"] == "Name"}
    assert {"steward-rt-fresh", "steward-rt-untagged", "lookalike-expired"} <= volume_names and "steward-rt-expired" not in volume_names
    buckets = {b["Name"] for b in api["s3"].list_buckets()["Buckets"]}
    assert {"steward-rt-fresh", "steward-rt-untagged", "lookalike-expired"} <= buckets and "steward-rt-expired" not in buckets
    keys = [o["Key"] for o in api["s3"].list_objects_v2(Bucket="restore-area")["Contents"]]
    assert keys == ["steward-rt-nomarker/data.txt"]
    assert len(records(ledger, "restore_test_sweep")) == 4


def test_sweep_of_rds_takes_an_expired_scratch_instance_only(fleet, factory, clock, tmp_path):
    api = fleet["api"]
    expired = scratch_tags("arn:source", "backup-1", "oldrun", clock.now() - timedelta(hours=1))
    for name, tags in (("steward-rt-old-db", expired), ("steward-rt-mine", {})):
        api["rds"].create_db_instance(
            DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres", AllocatedStorage=20,
            MasterUsername="steward", MasterUserPassword="not-a-secret-1", Tags=tag_list(tags),
        )  # fmt: skip
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, [ALL[1]])
    payload, failure = restore_test(factory, clock, ledger, [ALL[1]], sweep=True)
    assert failure is None
    assert [(e["name"], e["status"]) for e in payload["swept"]] == [("steward-rt-old-db", "deleted")]
    remaining = {i["DBInstanceIdentifier"] for i in api["rds"].describe_db_instances()["DBInstances"]}
    assert "steward-rt-mine" in remaining and "steward-rt-old-db" not in remaining


# --- bad input: refused before any API call ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "option", "fragment"),
    [
        ({"rto": "-5m"}, "rto", "expected a duration"),
        ({"rpo": "0h"}, "rpo", "longer than zero"),
        ({"pick": "newest", "backup_id": "x"}, "pick", "not both"),
        ({"pick": "latest"}, "pick", "expected one of newest, random, oldest_unverified"),
        ({"scratch_ttl": "30m", "wait_timeout": "1h"}, "scratch_ttl", "longer than wait_timeout"),
        ({"scratch": {}}, "scratch.rds.db_subnet_group", "required for kind 'rds'"),
        ({"scratch": {**SCRATCH, "lambda": {}}}, "scratch.lambda", "not a kind"),
        ({"scratch": {**SCRATCH, "ebs": {"availability_zone": "moon-1"}}}, "scratch.ebs.availability_zone", "does not match"),
        ({"scratch": {**SCRATCH, "s3": {"sample": -1}}}, "scratch.s3.sample", "at least 0"),
        ({"checks": [{"kind": "rds", "item": {"id": 1}}]}, "checks[0].kind", "no user checks"),
        ({"checks": [{"kind": "dynamodb", "object": "a"}]}, "checks[0].item", "primary key"),
        ({"checks": [{"kind": "s3", "object": "a", "sha256": "abc"}]}, "checks[0].sha256", "64 lowercase hex"),
        ({"item_count_tolerance": 150}, "item_count_tolerance", "percentage"),
    ],
)
def test_bad_input_names_the_option_and_the_value(overrides, option, fragment):
    with pytest.raises(OptionError) as raised:
        request(**overrides)
    assert raised.value.option == option
    assert fragment in str(raised.value)


def test_adopting_after_a_failed_restore_call_takes_only_this_runs_scratch(fleet, factory, clock):
    """What a restore call may have made before failing is cleaned up only when it is provably this run's."""
    api, now = fleet["api"], clock.now()
    ours = scratch_tags("arn:source", "snap-1", "thisrun", now + timedelta(hours=12))
    theirs = scratch_tags("arn:source", "snap-1", "otherrun", now + timedelta(hours=12))
    ebs = BACKUP_KINDS["ebs"](factory)
    resource = Resource("ebs", fleet["volume"])
    create_volume(api, "steward-rt-theirs-20261124-030000", theirs)
    assert ebs.adopt_scratch("steward-rt-theirs-20261124-030000", resource, {}, ours) is None
    volume = create_volume(api, "steward-rt-ours-20261124-030000", ours)
    adopted = ebs.adopt_scratch("steward-rt-ours-20261124-030000", resource, {}, ours)
    assert adopted is not None and adopted.id == volume
    s3 = BACKUP_KINDS["s3"](factory)
    bucket_source = Resource("s3", "data", options={"backup_bucket": "data-backup"})
    assert s3.adopt_scratch("steward-rt-data-20261124-030000", bucket_source, {"bucket": None}, ours) is None
    api["s3"].create_bucket(Bucket="steward-rt-data-20261124-030000")
    adopted = s3.adopt_scratch("steward-rt-data-20261124-030000", bucket_source, {"bucket": None}, ours)
    assert adopted is not None and adopted.details == {"bucket": "steward-rt-data-20261124-030000", "prefix": "", "created_bucket": True}
    s3.delete_scratch(adopted)
    assert "steward-rt-data-20261124-030000" not in {b["Name"] for b in api["s3"].list_buckets()["Buckets"]}
