"""Least privilege: each cadence runs under exactly its policy in docs/iam/ with moto's IAM enforcement on (no other
permission: an IAM user with that one inline policy), and with one permission taken out fails with AccessDenied,
naming the missing action and the resource it was refused on; the daily and quarterly cases also check that the rest
of their fleet was still done, and every case that the exact policy then finishes the job.

What moto enforces, and so what these tests can prove: moto checks every call's *action*, and the *resource* of S3
calls only (every other service asks with resource "*"). So the policies are loaded with the other statements'
resources widened to "*" (the scoping to ``steward-*`` backups and ``steward-rt-*`` scratch resources is AWS's to
check), CloudWatch and the tagging API under moto's prefixes (``monitoring:``, ``tagging:``; AWS's are
``cloudwatch:`` and ``tag:``), and ``s3:ListBucket`` also granting moto's ``s3:HeadBucket`` (AWS authorizes HeadBucket
as ListBucket). Everything else is the file as shipped.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import yaml
from conftest import LATER, ROOT, PlayRun
from credentials import seed_demo_credentials
from deployables import Endpoint, HealthEndpoint, bad_release, live_state, seed_demo_deployables
from fleet import scratch_leftovers, seed_demo_fleet
from history import seed_daily_history
from test_backup_playbooks import steward_backups
from test_rollback_playbooks import ROLLBACK_TASK, deployables_vars, seed_pre_deploy_fleet
from test_rotation_playbooks import KEYS_TASK, SECRETS_TASK, rotation_vars

PLAYBOOKS, POLICIES = ROOT / "playbooks", ROOT / "docs" / "iam"
MOTO_PREFIXES = {"cloudwatch:": "monitoring:", "tag:": "tagging:"}


def cadence_policy(cadence: str, without: str | None = None) -> dict[str, Any]:
    """The shipped policy of a cadence, ``without`` one action, as moto enforces it (see the module's docstring)."""
    policy = json.loads((POLICIES / f"{cadence}.json").read_text())
    assert any(without in statement["Action"] for statement in policy["Statement"]) or without is None, f"{without} not in {cadence}.json"
    statements = []
    for statement in policy["Statement"]:
        actions = [action for action in statement["Action"] if action != without]
        if not actions:
            continue
        for aws, moto in MOTO_PREFIXES.items():
            actions = [moto + action.removeprefix(aws) if action.startswith(aws) else action for action in actions]
        if "s3:ListBucket" in actions:
            actions.append("s3:HeadBucket")
        s3 = all(action.startswith("s3:") for action in actions)
        statements.append({**statement, "Action": actions, "Resource": statement["Resource"] if s3 else "*"})
    return {"Version": "2012-10-17", "Statement": statements}


@contextmanager
def enforced(moto, cadence: str, without: str | None = None) -> Iterator[dict[str, str]]:
    """An IAM user holding only the cadence's policy; while inside, moto refuses every call its policy does not
    allow (and every call not signed by a key of its own: the tests' own clients wait until the block ends)."""
    aws = Endpoint(moto.url)
    iam = aws.client("iam")
    user = f"steward-{cadence}-{'without-' + without.replace(':', '-') if without else 'exact'}"[:64]
    iam.create_user(UserName=user)
    iam.put_user_policy(UserName=user, PolicyName=cadence, PolicyDocument=json.dumps(cadence_policy(cadence, without)))
    key = iam.create_access_key(UserName=user)["AccessKey"]
    moto.enforce_iam(0)
    try:
        yield {"AWS_ACCESS_KEY_ID": key["AccessKeyId"], "AWS_SECRET_ACCESS_KEY": key["SecretAccessKey"]}
    finally:
        moto.enforce_iam(math.inf)


def refused(run: PlayRun, task: str, action: str, resources: list[str]) -> None:
    """The task failed, naming the action AWS refused and each resource it was refused on."""
    assert run.rc != 0, run.stdout[-3000:]
    message = run.result(task)["msg"]
    assert "AccessDenied" in message and action in message, message
    for resource in resources:
        assert resource in message, (resource, message)


def allowed(run: PlayRun) -> None:
    """The run passed and nothing in it was refused, not even a read a module could have reported softly."""
    assert run.rc == 0, run.stdout[-3000:]
    refusals = [f"{task}: {path}" for task, result in run.results.items() for path in refusal_paths(result)]
    assert not refusals, refusals


def refusal_paths(node: Any, path: str = "") -> list[str]:
    """Where in a task's result an AccessDenied is reported (the module's arguments echoed back excluded)."""
    if isinstance(node, dict):
        return [found for key, value in node.items() if key != "invocation" for found in refusal_paths(value, f"{path}.{key}")]
    if isinstance(node, list):
        return [found for index, value in enumerate(node) for found in refusal_paths(value, f"{path}[{index}]")]
    return [f"{path}: {node}"] if isinstance(node, str) and "AccessDenied" in node else []


def test_daily_needs_exactly_its_policy(moto, endpoint, api, play, tmp_path, demo_vars, pg_server):
    picks = seed_demo_fleet(endpoint)
    yesterday = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
    seed_daily_history(moto, picks, 14, yesterday)  # old dailies the calendar policy prunes
    seed_demo_deployables(endpoint)
    health_targets = yaml.safe_load((ROOT / "demo" / "vars.yml").read_text())["steward_health_targets"]
    ledger = tmp_path / "ledger"
    before = {kind: len(names) for kind, names in steward_backups(api).items()}

    with HealthEndpoint() as health:
        extravars = {**demo_vars, "steward_ledger": str(ledger), "steward_health_targets": health_targets, "steward_health_url": health.url}
        with enforced(moto, "daily", without="dynamodb:CreateBackup") as keys:
            short = play(PLAYBOOKS / "daily.yml", extravars, env=keys)
        refused(
            short,
            "Back up the selected fleet",
            "dynamodb:CreateBackup",
            ["network-visualizer-topology", "network-visualizer-sessions", "network-visualizer-audit"],
        )
        made = {kind: len(names) - before.get(kind, 0) for kind, names in steward_backups(api).items()}
        assert made.get("dynamodb", 0) == 0 and made["rds"] >= 1 and made["ebs"] >= 1, made  # the others were still backed up

        with enforced(moto, "daily") as keys:
            exact = play(PLAYBOOKS / "daily.yml", extravars, env=keys)
    allowed(exact)
    assert exact.result("Back up the selected fleet")["summary"]["created"] == 3  # the three tables refused before
    retention = [result for action, result in exact.ran if action == "steward.maintenance.backup_retention"]
    assert retention and sum(result["summary"]["deleted_backups"] for result in retention) > 0
    assert next(result for action, result in exact.ran if action == "steward.maintenance.health_check")["summary"]["info"] >= 10


def test_weekly_and_monthly_need_exactly_their_policies(moto, endpoint, api, play, tmp_path, demo_vars, pg_server):
    seed_demo_fleet(endpoint)
    seed_demo_credentials(moto, pg_server)
    ledger = tmp_path / "ledger"
    extravars = {**demo_vars, "steward_ledger": str(ledger), **rotation_vars(demo_vars, ledger)}
    assert play(PLAYBOOKS / "daily.yml", extravars).rc == 0  # the backups to restore-test, with the server's keys

    with enforced(moto, "weekly", without="ec2:CreateVolume") as keys:
        short = play(PLAYBOOKS / "weekly.yml", extravars, env=keys)
    refused(short, "Restore-test the selected fleet", "ec2:CreateVolume", ["ebs/"])
    assert scratch_leftovers(api) == []
    with enforced(moto, "weekly") as keys:
        exact = play(PLAYBOOKS / "weekly.yml", extravars, env=keys)
    allowed(exact)
    assert exact.result("Restore-test the selected fleet")["summary"]["failed"] == 0

    with enforced(moto, "monthly", without="rds:RestoreDBInstanceFromDBSnapshot") as keys:
        short = play(PLAYBOOKS / "monthly.yml", extravars, env=keys)
    assert short.rc != 0 and "rds:RestoreDBInstanceFromDBSnapshot" in short.stdout, short.stdout[-3000:]
    with enforced(moto, "monthly") as keys:
        exact = play(PLAYBOOKS / "monthly.yml", extravars, env=keys)
    allowed(exact)
    assert scratch_leftovers(api) == [] and pg_server.scratch_databases() == []


def test_rotations_need_exactly_their_policies(moto, endpoint, play, tmp_path, demo_vars, pg_server):
    seeded = seed_demo_credentials(moto, pg_server)
    iam = Endpoint(endpoint).client("iam")
    extravars = rotation_vars(demo_vars, tmp_path / "ledger")

    with enforced(moto, "quarterly", without="iam:CreateAccessKey") as keys:
        short = play(PLAYBOOKS / "quarterly.yml", extravars, env=keys)
    refused(short, KEYS_TASK, "iam:CreateAccessKey", seeded.users)
    assert short.result(SECRETS_TASK)["summary"]["rotated"] == 2  # the secrets were still rotated
    with enforced(moto, "quarterly") as keys:
        exact = play(PLAYBOOKS / "quarterly.yml", extravars, env=keys)
    allowed(exact)
    assert exact.result(KEYS_TASK)["summary"]["rotated"] == 2

    with enforced(moto, "emergency_rotation", without="secretsmanager:UpdateSecretVersionStage") as keys:
        short = play(PLAYBOOKS / "emergency_rotation.yml", extravars, env=keys)
    assert short.rc != 0 and "secretsmanager:UpdateSecretVersionStage" in short.stdout, short.stdout[-3000:]
    with enforced(moto, "emergency_rotation") as keys:
        # The refused promotion left its pending version (taking it back needs the very permission refused): the run
        # after wait_timeout finishes it, as it would an interrupted one's.
        exact = play(PLAYBOOKS / "emergency_rotation.yml", extravars, env={**keys, **LATER})
    allowed(exact)
    for user in seeded.users:  # the emergency deactivated each old key at once
        assert [k for k in iam.list_access_keys(UserName=user)["AccessKeyMetadata"] if k["Status"] == "Active"], user


def test_pre_deploy_and_rollback_need_exactly_their_policies(moto, endpoint, api, play, tmp_path):
    seed_pre_deploy_fleet(endpoint, api)
    extravars = deployables_vars(tmp_path / "ledger")
    aws = Endpoint(endpoint)

    with enforced(moto, "pre_deploy", without="dynamodb:CreateBackup") as keys:
        short = play(PLAYBOOKS / "pre_deploy.yml", extravars, env=keys)
    assert short.rc != 0 and "dynamodb:CreateBackup" in short.stdout and "pazpaz-visits" in short.stdout, short.stdout[-3000:]
    with enforced(moto, "pre_deploy") as keys:
        exact = play(PLAYBOOKS / "pre_deploy.yml", extravars, env=keys)
    allowed(exact)

    bad_release(aws)
    bad = live_state(aws)
    gates = {"steward_rollback_gates": {"bake_time": "1s"}}
    removed = "ecs:UpdateService"
    with enforced(moto, "rollback", without=removed) as keys:
        short = play(PLAYBOOKS / "rollback.yml", {**extravars, **gates}, env=keys)
    refused(short, ROLLBACK_TASK, removed, ["pazpaz-backend"])
    with enforced(moto, "rollback") as keys:
        exact = play(PLAYBOOKS / "rollback.yml", {**extravars, **gates}, env=keys)
    allowed(exact)
    assert live_state(aws) != bad and exact.result(ROLLBACK_TASK)["summary"]["failed"] == 0
