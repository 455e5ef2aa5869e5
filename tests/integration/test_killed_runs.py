"""Runs killed with SIGKILL in the middle (the whole process group, the moment a chosen write reaches the proxy, so
that write never happens), then the next run, with its clock moved 13 hours on: it leaves nothing behind, nothing
half-done, and touches nothing else.
"""

from __future__ import annotations

import json
from typing import Any

from conftest import LATER, ROOT, ledger_records
from credentials import seed_demo_credentials
from deployables import Endpoint, bad_release, live_state, task_definition_arn
from fault_proxy import FaultProxy
from fleet import scratch_leftovers, seed_demo_fleet
from test_backup_playbooks import steward_backups
from test_rollback_playbooks import deployables_vars, pre_deploy_backups, seed_pre_deploy_fleet
from test_rotation_playbooks import KEYS_TASK, SECRETS_TASK, opens, rotation_vars

DAILY, WEEKLY, PRE_DEPLOY, ROLLBACK, QUARTERLY = (
    ROOT / "playbooks" / name for name in ("daily.yml", "weekly.yml", "pre_deploy.yml", "rollback.yml", "quarterly.yml")
)
RESTORE_TASK = "Restore-test the selected fleet"
ROLLBACK_TASK = "Roll the selected services and aliases back, wait until steady, check the gates"


def named(operation: str, *names: str) -> bool:
    return operation.split(":", 1)[1] in names


def keys_of(iam: Any, user: str) -> set[str]:
    return {key["AccessKeyId"] for key in iam.list_access_keys(UserName=user)["AccessKeyMetadata"]}


def everything_else(api: dict[str, Any]) -> dict[str, list[str]]:
    """The fleet and its backups, scratch resources left out: what a restore test must never touch."""
    scratch = set(scratch_leftovers(api))
    fleet = {
        "tables": api["dynamodb"].list_tables()["TableNames"],
        "instances": [i["DBInstanceIdentifier"] for i in api["rds"].describe_db_instances()["DBInstances"]],
        "clusters": [c["DBClusterIdentifier"] for c in api["rds"].describe_db_clusters()["DBClusters"]],
        "volumes": [v["VolumeId"] for v in api["ec2"].describe_volumes()["Volumes"]],
        "buckets": [b["Name"] for b in api["s3"].list_buckets()["Buckets"]],
    }
    return {key: sorted(set(names) - scratch) for key, names in {**fleet, **steward_backups(api)}.items()}


def test_restore_tests_killed_midway_then_the_next_run_sweeps_and_passes(
    moto, endpoint, api, play, kill_play, tmp_path, demo_vars, pg_server
):
    seed_demo_fleet(endpoint)
    ledger = tmp_path / "ledger"
    extravars = {**demo_vars, "steward_ledger": str(ledger)}
    assert play(DAILY, extravars).rc == 0
    before = everything_else(api)

    with FaultProxy(moto.url) as proxy:
        # Killed as the first scratch resource is about to be deleted: every kind's restore has been started.
        kill_play(WEEKLY, extravars, proxy, lambda operation, _body: named(operation, "DeleteTable", "DeleteDBInstance", "DeleteVolume"))
    left = scratch_leftovers(api) + pg_server.scratch_databases()
    assert len(left) >= 3, left  # a kill that left nothing would prove nothing
    assert not [r for r in ledger_records(ledger) if r["action"].startswith("restore_test")]

    later = play(WEEKLY, extravars, env=LATER)
    assert later.rc == 0, later.stdout[-3000:]
    result = later.result(RESTORE_TASK)
    assert result["summary"]["passed"] == 10 and result["summary"]["failed"] == 0, result["summary"]
    # One sweep entry per scratch resource (an Aurora cluster's member goes with its cluster).
    assert result["swept"] and {entry["status"] for entry in result["swept"]} == {"deleted"}, result["swept"]
    assert scratch_leftovers(api) == [] and pg_server.scratch_databases() == []
    assert everything_else(api) == before
    swept = [r for r in ledger_records(ledger) if r["action"] == "restore_test_sweep"]
    assert len(swept) == len(result["swept"]) and {r["status"] for r in swept} == {"deleted"}


def test_rollback_killed_between_switches_then_the_next_run_finishes_it(endpoint, api, play, kill_play, tmp_path, moto):
    seed_pre_deploy_fleet(endpoint, api)
    ledger = tmp_path / "ledger"
    extravars = {**deployables_vars(ledger), "steward_rollback_gates": {"bake_time": "1s"}}
    assert play(PRE_DEPLOY, extravars).rc == 0
    aws = Endpoint(endpoint)
    known_good = live_state(aws)
    bad_release(aws)
    bad = live_state(aws)
    backups = pre_deploy_backups(api)

    with FaultProxy(moto.url) as proxy:
        # Killed as the alias is about to move: the service may already be back, the function is not.
        kill_play(ROLLBACK, extravars, proxy, lambda operation, _body: named(operation, "PUT") and operation.startswith("lambda:"))
        assert [r.operation for r in proxy.log if r.fault == "held"], proxy.operations()
    half = live_state(aws)
    assert half[1:] == bad[1:], "the alias was not moved: the kill came before it"

    later = play(ROLLBACK, extravars, env=LATER)
    assert later.rc == 0, later.stdout[-3000:]
    assert later.result(ROLLBACK_TASK)["summary"]["failed"] == 0
    assert live_state(aws) == known_good
    assert live_state(aws)[0] == task_definition_arn("pazpaz-backend", 3)
    again = play(ROLLBACK, extravars, env=LATER)
    assert again.rc == 0 and again.result(ROLLBACK_TASK)["changed"] is False
    assert pre_deploy_backups(api) == backups  # nothing else touched
    records = [r for r in ledger_records(ledger) if r["action"] == "rollback"]
    # The next run's: the service was back already (unchanged), the alias rolled back; the rerun's: both unchanged.
    assert sorted(r["status"] for r in records) == ["rolled_back", "unchanged", "unchanged", "unchanged"], [r["status"] for r in records]


def test_rotations_killed_half_way_then_the_next_run_finishes_each_once(moto, endpoint, play, kill_play, tmp_path, demo_vars, pg_server):
    seeded = seed_demo_credentials(moto, pg_server)
    aws = Endpoint(endpoint)
    secrets, iam = aws.client("secretsmanager"), aws.client("iam")
    due = ("pazpaz/database", "pazpaz/jwt-signing-key")
    before = {name: secrets.describe_secret(SecretId=name)["VersionIdsToStages"] for name in due}
    keys_before = {user: keys_of(iam, user) for user in seeded.users}
    ledger = tmp_path / "ledger"
    extravars = rotation_vars(demo_vars, ledger)

    def promoting_the_database_secret(operation: str, body: bytes) -> bool:
        return named(operation, "UpdateSecretVersionStage") and b"pazpaz/database" in body and b"AWSCURRENT" in body

    def storing_a_key(operation: str, body: bytes) -> bool:
        return named(operation, "CreateSecret", "PutSecretValue") and b"/access-key" in body

    with FaultProxy(moto.url) as proxy:
        # 1. Killed as the database secret is about to be promoted: the role already has the new password.
        kill_play(QUARTERLY, extravars, proxy, promoting_the_database_secret)
        stages = secrets.describe_secret(SecretId="pazpaz/database")["VersionIdsToStages"]
        (pending,) = [version for version, found in stages.items() if found == ["AWSPENDING"]]
        password = json.loads(secrets.get_secret_value(SecretId="pazpaz/database", VersionId=pending)["SecretString"])["password"]
        assert opens(pg_server, password) and not opens(pg_server, seeded.old_database_password)
        # 2. The next run (with wait_timeout 1s, so the pending version counts as left at once) finishes the database
        # secret, then is killed as the users' new keys are about to be stored: IAM has keys whose secret nobody has.
        kill_play(QUARTERLY, {**extravars, "secret_rotation_wait_timeout": "1s"}, proxy, storing_a_key)
    unstored = {user: keys_of(iam, user) - keys_before[user] for user in seeded.users}
    # The users' rotations run side by side: the kill finds at least one key made and not stored (often both).
    assert any(unstored.values()) and all(len(keys) <= 1 for keys in unstored.values()), unstored

    later = play(QUARTERLY, extravars, env=LATER)
    assert later.rc == 0, later.stdout[-3000:]
    assert later.result(KEYS_TASK)["summary"]["rotated"] == 2 and later.result(KEYS_TASK)["summary"]["failed"] == 0
    again = play(QUARTERLY, extravars, env=LATER)
    assert again.rc == 0 and again.result(SECRETS_TASK)["changed"] is False, again.result(SECRETS_TASK)["resources"]
    # No new key (the old ones' lifecycle goes on: the key deactivated above is old enough to be deleted now).
    assert again.result(KEYS_TASK)["summary"]["rotated"] == 0, again.result(KEYS_TASK)["resources"]

    for name, stages_before in before.items():
        stages = secrets.describe_secret(SecretId=name)["VersionIdsToStages"]
        (old,) = [v for v, found in stages_before.items() if "AWSCURRENT" in found]
        (new,) = [v for v, found in stages.items() if "AWSCURRENT" in found]
        assert len(stages) == len(stages_before) + 1, (name, stages)  # one rotation each, never two
        assert "AWSPREVIOUS" in stages[old] and not [v for v, found in stages.items() if "AWSPENDING" in found], (name, stages)
        if name == "pazpaz/database":
            assert new == pending, "the killed run's applied version was finished, not replaced"
    current = secrets.get_secret_value(SecretId="pazpaz/database", VersionStage="AWSCURRENT")["SecretString"]
    assert opens(pg_server, json.loads(current)["password"])
    for user in seeded.users:
        made = keys_of(iam, user) - keys_before[user]
        assert len(made) == 1 and not made & unstored[user], (user, made)  # the unstored key deleted, one new one
        stored = json.loads(secrets.get_secret_value(SecretId=f"iam/{user}/access-key", VersionStage="AWSCURRENT")["SecretString"])
        assert stored["AccessKeyId"] in made
        assert "steward:rotating" not in {t["Key"] for t in iam.list_user_tags(UserName=user)["Tags"]}
    records = ledger_records(ledger)
    finished = [r for r in records if r["action"] == "secret_rotation" and r["resource_id"] == "pazpaz/database"]
    assert [r["status"] for r in finished] == ["rotated"] and finished[0]["steps"][0].startswith("resumed: "), finished
    assert not [r for r in records if r["status"] == "failed"]
