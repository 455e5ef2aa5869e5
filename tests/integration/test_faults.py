"""The cadences through a proxy that injects 20% faults (throttling, 5xx, dropped connections, lost answers), then an
AWX-style rerun, asserting on AWS state, the ledger and the report afterwards: nothing made twice, nothing kept
deleted, nothing left behind, nothing claimed that did not happen.

Besides the random 20%, the first request of each write a cadence makes loses its answer (``lose_first``): worker
threads reach the proxy in no fixed order, so a seed alone cannot promise each kind of write is retried blind, and a
run that happened to draw none would prove nothing. Each test checks those losses happened.
"""

from __future__ import annotations

import json

from conftest import ROOT, ledger_records
from credentials import seed_demo_credentials
from deployables import Endpoint
from fault_proxy import TWENTY_PERCENT, WRITES_LOSE_ANSWERS, FaultProxy
from fleet import scratch_leftovers, seed_demo_fleet
from test_backup_playbooks import steward_backups
from test_retention_playbooks import EXPECTED, TARGETS, days_left, seed_retention_fleet
from test_rotation_playbooks import KEYS_TASK, SECRETS_TASK, rotation_vars

DAILY, WEEKLY, QUARTERLY = (ROOT / "playbooks" / name for name in ("daily.yml", "weekly.yml", "quarterly.yml"))
BACKUP_TASK, RESTORE_TASK = "Back up the selected fleet", "Restore-test the selected fleet"


BACKUP_WRITES = ("dynamodb:CreateBackup", "rds:CreateDBSnapshot", "rds:CreateDBClusterSnapshot", "ec2:CreateSnapshot")
RESTORE_WRITES = (
    "dynamodb:RestoreTableFromBackup",
    "rds:RestoreDBInstanceFromDBSnapshot",
    "rds:RestoreDBClusterFromSnapshot",
    "ec2:CreateVolume",
    "dynamodb:DeleteTable",
    "rds:DeleteDBInstance",
    "rds:DeleteDBCluster",
    "ec2:DeleteVolume",
)
RETENTION_WRITES = ("dynamodb:DeleteBackup", "rds:DeleteDBSnapshot", "rds:DeleteDBClusterSnapshot", "ec2:DeleteSnapshot")
ROTATION_WRITES = ("secretsmanager:PutSecretValue", "secretsmanager:UpdateSecretVersionStage", "iam:CreateAccessKey")


def faulty_proxy(moto, seed: int, lose_first: tuple[str, ...], **rates) -> FaultProxy:
    return FaultProxy(moto.url, TWENTY_PERCENT, seed=seed, lose_first=lose_first, **rates)


def assert_lost(proxy: FaultProxy, writes: tuple[str, ...]) -> None:
    missed = set(writes) - proxy.lost_writes()
    assert not missed, f"these writes never lost an answer: {sorted(missed)}; made: {proxy.writes()}"


def test_daily_under_faults_backs_up_every_resource_exactly_once(api, endpoint, play, tmp_path, demo_vars, moto):
    seed_demo_fleet(endpoint)
    ledger = tmp_path / "ledger"
    extravars = {**demo_vars, "steward_ledger": str(ledger)}

    with faulty_proxy(moto, 2026, BACKUP_WRITES) as faulty:
        first = play(DAILY, extravars, via=faulty.url)
        assert first.rc == 0, first.stdout[-3000:]
        assert first.result(BACKUP_TASK)["summary"]["created"] == 10
        rerun = play(DAILY, extravars, via=faulty.url)  # an AWX retry of the job: must add nothing
        assert rerun.rc == 0, rerun.stdout[-3000:]
        assert rerun.result(BACKUP_TASK)["summary"]["created"] == 0

    assert_lost(faulty, BACKUP_WRITES)
    backups = steward_backups(api)
    assert {kind: len(names) for kind, names in backups.items()} == {"dynamodb": 3, "rds": 2, "aurora": 1, "ebs": 2, "s3": 1}
    created = [r for r in ledger_records(ledger) if r["action"] == "backup" and r["status"] == "created"]
    assert len(created) == 10, [r["resource_id"] for r in created]
    # Each record names a backup that exists: the adopted one, never a twin that was deleted or never made.
    recorded = {r["backup"]["id"] for r in created} | {r["backup"]["name"] for r in created}
    for kind in ("dynamodb", "rds", "aurora"):
        assert set(backups[kind]) <= recorded, kind
    assert set(backups["ebs"]) <= recorded
    assert not [r for r in ledger_records(ledger) if r["status"] == "failed"]


def test_retention_under_faults_deletes_exactly_the_plan(api, endpoint, play, tmp_path, moto):
    volume = seed_retention_fleet(api, moto)
    ledger = tmp_path / "ledger"
    extravars = {"steward_targets": TARGETS, "steward_ledger": str(ledger)}
    with faulty_proxy(moto, 7, RETENTION_WRITES) as proxy:
        applied = play("retention.yml", extravars, via=proxy.url)
        assert applied.rc == 0, applied.stdout[-3000:]
        rerun = play("retention.yml", extravars, via=proxy.url)
        assert rerun.rc == 0 and rerun.result("Apply retention")["changed"] is False, rerun.stdout[-3000:]
    assert_lost(proxy, RETENTION_WRITES)
    assert days_left(api, volume) == {kind: EXPECTED for kind in TARGETS_KINDS}
    records = [r for r in ledger_records(ledger) if r["action"] == "backup_retention"]
    assert len(records) == 5 * 79 and {r["status"] for r in records} == {"deleted"}, {r["status"] for r in records}
    summary = applied.result("Apply retention")["summary"]
    assert summary["deleted_backups"] == 5 * 79 and summary["failed"] == 0


TARGETS_KINDS = ("dynamodb", "rds", "aurora", "ebs", "s3")


def test_weekly_under_faults_tests_every_backup_and_leaves_no_scratch(api, endpoint, play, tmp_path, demo_vars, pg_server, moto):
    seed_demo_fleet(endpoint)
    ledger = tmp_path / "ledger"
    extravars = {**demo_vars, "steward_ledger": str(ledger)}
    assert play(DAILY, extravars).rc == 0

    with faulty_proxy(moto, 2026, RESTORE_WRITES) as faulty:
        weekly = play(WEEKLY, extravars, via=faulty.url)
        assert weekly.rc == 0, weekly.stdout[-3000:]
        tested = weekly.result(RESTORE_TASK)["summary"]
        assert tested["passed"] == 10 and tested["failed"] == 0, tested
        rerun = play(WEEKLY, extravars, via=faulty.url)
        assert rerun.rc == 0 and rerun.result(RESTORE_TASK)["changed"] is False, rerun.stdout[-3000:]

    assert_lost(faulty, RESTORE_WRITES)
    assert scratch_leftovers(api) == [] and pg_server.scratch_databases() == []
    verdicts = [r for r in ledger_records(ledger) if r["action"] == "restore_test" and r["verdict"] is not None]
    assert len(verdicts) == 10 and {r["verdict"] for r in verdicts} == {"passed"}


def test_quarterly_under_faults_rotates_each_credential_exactly_once(moto, endpoint, play, tmp_path, demo_vars, pg_server):
    seeded = seed_demo_credentials(moto, pg_server)
    aws = Endpoint(endpoint)
    secrets, iam = aws.client("secretsmanager"), aws.client("iam")
    due = ("pazpaz/jwt-signing-key", "pazpaz/database")
    before = {name: secrets.describe_secret(SecretId=name)["VersionIdsToStages"] for name in due}
    keys_before = {user: {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]} for user in seeded.users}
    extravars = rotation_vars(demo_vars, tmp_path / "ledger")

    # A rotation makes a dozen writes: every fifth loses its answer (reads get the 20% mix), and the first of each
    # kind below always does.
    with faulty_proxy(moto, 2026, ROTATION_WRITES, write_rates=WRITES_LOSE_ANSWERS) as faulty:
        quarterly = play(QUARTERLY, extravars, via=faulty.url)
        assert quarterly.rc == 0, quarterly.stdout[-3000:]
        assert quarterly.result(SECRETS_TASK)["summary"]["rotated"] == 2 and quarterly.result(KEYS_TASK)["summary"]["rotated"] == 2
        rerun = play(QUARTERLY, extravars, via=faulty.url)
        assert rerun.rc == 0, rerun.stdout[-3000:]
        assert rerun.result(SECRETS_TASK)["summary"]["rotated"] == 0 and rerun.result(KEYS_TASK)["summary"]["rotated"] == 0

    assert_lost(faulty, ROTATION_WRITES)
    for name in due:
        stages = secrets.describe_secret(SecretId=name)["VersionIdsToStages"]
        # One new version, current; the old current now previous; no pending left half-way.
        assert len(stages) == len(before[name]) + 1, (name, stages)
        (old,) = [v for v, found in before[name].items() if "AWSCURRENT" in found]
        (new,) = [v for v in stages if v not in before[name]]
        assert "AWSCURRENT" in stages[new] and "AWSPREVIOUS" in stages[old], (name, stages)
        assert not [v for v, found in stages.items() if "AWSPENDING" in found], (name, stages)
    for user in seeded.users:
        made = {k["AccessKeyId"] for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]} - keys_before[user]
        assert len(made) == 1, (user, made)  # a key whose answer was lost was deleted, never kept unusable
        stored = json.loads(secrets.get_secret_value(SecretId=f"iam/{user}/access-key", VersionStage="AWSCURRENT")["SecretString"])
        assert stored["AccessKeyId"] in made
    records = ledger_records(tmp_path / "ledger")
    assert not [r for r in records if r["status"] == "failed"]
    assert len([r for r in records if r["action"] in ("secret_rotation", "access_key_rotation") and r["status"] == "rotated"]) == 4
