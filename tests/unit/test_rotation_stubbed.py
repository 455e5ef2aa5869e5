"""Rotation by a secret's own Lambda, which moto cannot run (its rotate_secret leaves an empty version): Stubber."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from botocore.stub import ANY
from conftest import make_context
from stubs import Stubbed

from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential import SECRET_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._secret_rotation_action import parse_request, run_secret_rotation

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=timezone.utc)
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:pazpaz/redis-AbCdEf"
LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:pazpaz-redis-rotation"
OLD, NEW = "11111111-1111-1111-1111-111111111111", "22222222-2222-2222-2222-222222222222"


def stub_read(stubs: Stubbed, stages: dict[str, list[str]]) -> None:
    stubs["secretsmanager"].add_response(
        "describe_secret",
        {"ARN": ARN, "Name": "pazpaz/redis", "RotationEnabled": True, "RotationLambdaARN": LAMBDA, "VersionIdsToStages": stages},
        {"SecretId": "pazpaz/redis"},
    )
    versions = [
        {"VersionId": version, "VersionStages": found, "CreatedDate": NOW - timedelta(days=200 if version == OLD else 0)}
        for version, found in stages.items()
    ]
    stubs["secretsmanager"].add_response("list_secret_version_ids", {"Versions": versions}, {"SecretId": "pazpaz/redis"})


def rotate(stubs: Stubbed, clock: FixedClock, wait_timeout: str = "10m"):
    params = {
        "targets": [{"kind": "secret", "names": ["pazpaz/redis"]}],
        "wait_timeout": wait_timeout,
        "concurrency": 2,
        "retry_max_attempts": 1,
    }
    request = parse_request(params, SECRET_FAMILY.kinds)
    request.poll_interval_s = 5
    return run_secret_rotation(make_context(stubs.factory, clock), request, SECRET_FAMILY.kinds)


def test_lambda_rotation_is_waited_for_until_the_new_version_is_current():
    stubs = Stubbed()
    stub_read(stubs, {OLD: ["AWSCURRENT"]})
    stubs["secretsmanager"].add_response(
        "rotate_secret",
        {"ARN": ARN, "Name": "pazpaz/redis", "VersionId": NEW},
        {"SecretId": ARN, "ClientRequestToken": ANY, "RotateImmediately": True},
    )
    stub_read(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})  # the Lambda is still at setSecret / testSecret
    stub_read(stubs, {OLD: ["AWSPREVIOUS"], NEW: ["AWSCURRENT"]})
    clock = FixedClock(NOW)
    payload, failure = rotate(stubs, clock)
    stubs.assert_done()
    assert failure is None, failure
    resource = payload["resources"][0]
    assert resource["status"] == "rotated" and resource["method"] == "lambda" and resource["new_version"] == NEW
    assert clock.monotonic() == 5


def test_a_lambda_rotation_stuck_in_pending_is_reported_with_what_to_do():
    stubs = Stubbed()
    stub_read(stubs, {OLD: ["AWSCURRENT"]})
    stubs["secretsmanager"].add_response(
        "rotate_secret",
        {"ARN": ARN, "Name": "pazpaz/redis", "VersionId": NEW},
        {"SecretId": ARN, "ClientRequestToken": ANY, "RotateImmediately": True},
    )
    for _poll in range(3):  # at 0, 5 and 10 s; the deadline is 10 s
        stub_read(stubs, {OLD: ["AWSCURRENT"], NEW: ["AWSPENDING"]})
    clock = FixedClock(NOW)
    payload, failure = rotate(stubs, clock, wait_timeout="10s")
    stubs.assert_done()
    resource = payload["resources"][0]
    assert resource["status"] == "failed" and resource["error_code"] == "pending" and "secret/pazpaz/redis" in failure
    assert "CloudWatch logs" in resource["error"] and f"--remove-from-version-id {NEW}" in resource["error"]
