"""The IAM policies in docs/iam/: the cadence files are rendered from the role files and current, every role a
cadence runs has one, and every action in them is one the collection's code calls (or one AWS requires for a call it
makes, each named below with the reason). That the policies are enough, and each action in them needed where the
test removes it, is proven against moto's IAM enforcement in tests/integration/test_least_privilege.py."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from botocore import xform_name

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
from render_iam_policies import CALLER_ONLY, NO_AWS, NOT_CADENCES, ROLE_POLICIES, roles_of  # noqa: E402

# Actions whose name is not the call that needs them: AWS authorizes the call against these too (or instead).
IMPLIED = {
    "rds:AddTagsToResource": "CreateDBSnapshot, CreateDBClusterSnapshot and the restores pass Tags",
    "ec2:CreateTags": "CreateSnapshot and CreateVolume pass TagSpecifications",
    "dynamodb:PutItem": "RestoreTableFromBackup writes the restored items",
    "dynamodb:UpdateItem": "RestoreTableFromBackup writes the restored items",
    "dynamodb:DeleteItem": "RestoreTableFromBackup writes the restored items",
    "dynamodb:BatchWriteItem": "RestoreTableFromBackup writes the restored items",
    "dynamodb:Query": "RestoreTableFromBackup writes the restored items",
    "s3:ListBucket": "ListObjectsV2 and HeadBucket",
    "s3:ListAllMyBuckets": "ListBuckets",
    "s3:GetObject": "GetObject, HeadObject and the source of CopyObject",
    "s3:PutObject": "PutObject, upload_fileobj and the target of CopyObject",
    "s3:GetBucketObjectLockConfiguration": "GetObjectLockConfiguration",
    "s3:DeleteObject": "DeleteObject and DeleteObjects",
    "sts:AssumeRole": "amazon.aws.sts_assume_role in the preflight role",
}


def called_operations() -> set[str]:
    """Every boto3 method the plugins call or paginate, by name."""
    names: set[str] = set()
    for path in (ROOT / "plugins").rglob("*.py"):
        text = path.read_text()
        names |= set(re.findall(r"\.([a-z][a-z0-9_]+)\(", text))
        names |= set(re.findall(r"get_paginator\(\"([a-z_0-9]+)\"\)", text))
    return names


def role_actions() -> dict[str, set[str]]:
    return {
        path.stem: {action for statement in json.loads(path.read_text())["Statement"] for action in statement["Action"]}
        for path in ROLE_POLICIES.glob("*.json")
    }


def test_the_cadence_policies_are_rendered_from_the_role_policies():
    command = [sys.executable, str(ROOT / "tools" / "render_iam_policies.py"), "--check"]
    run = subprocess.run(command, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr


def test_every_role_a_cadence_runs_has_a_policy():
    policies = set(role_actions())
    for playbook in (ROOT / "playbooks").glob("*.yml"):
        if playbook.stem in NOT_CADENCES:
            continue
        missing = set(roles_of(playbook)) - policies - NO_AWS
        assert not missing, (playbook.name, missing)
        assert (ROOT / "docs" / "iam" / f"{playbook.stem}.json").exists()
    assert policies >= CALLER_ONLY


def test_every_action_is_one_the_code_calls_or_one_aws_requires_for_it():
    called = called_operations()
    unjustified = sorted(
        f"{role}: {action}"
        for role, actions in role_actions().items()
        for action in actions
        if action not in IMPLIED and xform_name(action.split(":", 1)[1]) not in called
    )
    assert not unjustified, unjustified
