"""Rollback's waiting, which moto cannot show (its deployments settle at once): botocore Stubber sequences."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError
from conftest import make_context
from deployables import task_definition_arn
from stubs import Stubbed

from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy import DEPLOY_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._rollback_action import parse_request, run_rollback

NOW = datetime(2026, 12, 1, 9, 0, 0, tzinfo=timezone.utc)
SERVICE = {"cluster": "pazpaz-prod", "services": ["pazpaz-backend"]}
CURRENT = task_definition_arn("pazpaz-backend", 4)
TARGET = task_definition_arn("pazpaz-backend", 3)


def service(task_definition: str, deployments: list[dict], running: int = 2) -> dict:
    return {
        "services": [
            {
                "serviceArn": "arn:aws:ecs:us-east-1:123456789012:service/pazpaz-prod/pazpaz-backend",
                "serviceName": "pazpaz-backend",
                "status": "ACTIVE",
                "taskDefinition": task_definition,
                "desiredCount": 2,
                "runningCount": running,
                "deployments": deployments,
            }
        ],
        "failures": [],
    }


def deployment(task_definition: str, status: str, rollout: str, running: int) -> dict:
    return {
        "id": f"ecs-svc/{status}-{rollout}-{running}",
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": 2,
        "runningCount": running,
        "rolloutState": rollout,
        "rolloutStateReason": "tasks failed to start" if rollout == "FAILED" else "",
    }


def start(stubs: Stubbed) -> None:
    """Plan (describe + list revisions), then the switch."""
    stubs["ecs"].add_response("describe_services", service(CURRENT, [deployment(CURRENT, "PRIMARY", "COMPLETED", 2)]), SERVICE)
    stubs["ecs"].add_response(
        "list_task_definitions",
        {"taskDefinitionArns": [task_definition_arn("pazpaz-backend", n) for n in (4, 3, 2)]},
        {"familyPrefix": "pazpaz-backend", "status": "ACTIVE", "sort": "DESC"},
    )
    stubs["ecs"].add_response(
        "update_service", {"service": {}}, {"cluster": "pazpaz-prod", "service": "pazpaz-backend", "taskDefinition": TARGET}
    )


def rollback(stubs: Stubbed, clock: FixedClock, wait_timeout: str = "15m") -> tuple[dict, str | None]:
    request = parse_request(
        {
            "targets": [{"kind": "ecs_service", "names": ["pazpaz-prod/pazpaz-backend"]}],
            "to": "previous",
            "wait_timeout": wait_timeout,
            "concurrency": 2,
            "retry_max_attempts": 1,
            "ledger": None,
        },
        DEPLOY_KINDS,
    )
    request.poll_interval_s = 10
    return run_rollback(make_context(stubs.factory, clock), request, DEPLOY_KINDS)


def test_waits_through_in_progress_until_completed_and_running_equals_desired():
    stubs = Stubbed()
    start(stubs)
    old, new = deployment(CURRENT, "ACTIVE", "COMPLETED", 2), deployment(TARGET, "PRIMARY", "IN_PROGRESS", 0)
    stubs["ecs"].add_response("describe_services", service(TARGET, [new, old]), SERVICE)
    stubs["ecs"].add_response("describe_services", service(TARGET, [deployment(TARGET, "PRIMARY", "IN_PROGRESS", 1), old]), SERVICE)
    # COMPLETED while the old deployment still drains is not steady yet.
    stubs["ecs"].add_response("describe_services", service(TARGET, [deployment(TARGET, "PRIMARY", "COMPLETED", 2), old]), SERVICE)
    stubs["ecs"].add_response("describe_services", service(TARGET, [deployment(TARGET, "PRIMARY", "COMPLETED", 2)]), SERVICE)
    stubs["ecs"].add_response("describe_services", service(TARGET, [deployment(TARGET, "PRIMARY", "COMPLETED", 2)]), SERVICE)  # after
    clock = FixedClock(NOW)
    payload, failure = rollback(stubs, clock)
    stubs.assert_done()
    assert failure is None, failure
    resource = payload["resources"][0]
    assert resource["status"] == "rolled_back" and resource["after"]["version"] == TARGET
    assert clock.monotonic() == 30  # four polls, three sleeps of the poll interval


def test_a_failed_rollout_fails_the_resource_at_once():
    stubs = Stubbed()
    start(stubs)
    stubs["ecs"].add_response("describe_services", service(TARGET, [deployment(TARGET, "PRIMARY", "FAILED", 0)]), SERVICE)
    stubs["ecs"].add_response("describe_services", service(TARGET, [deployment(TARGET, "PRIMARY", "FAILED", 0)]), SERVICE)  # after
    clock = FixedClock(NOW)
    payload, failure = rollback(stubs, clock)
    stubs.assert_done()
    resource = payload["resources"][0]
    assert resource["status"] == "failed" and resource["error_code"] == "rollout_failed"
    assert "tasks failed to start" in resource["error"] and failure
    assert clock.monotonic() == 0


def test_a_rollout_that_never_settles_times_out_with_what_was_last_seen():
    stubs = Stubbed()
    start(stubs)
    in_progress = service(TARGET, [deployment(TARGET, "PRIMARY", "IN_PROGRESS", 1), deployment(CURRENT, "ACTIVE", "COMPLETED", 2)])
    for _poll in range(4):  # at 0, 10, 20 and 30 s; the deadline is 30 s
        stubs["ecs"].add_response("describe_services", in_progress, SERVICE)
    stubs["ecs"].add_response("describe_services", in_progress, SERVICE)  # after
    clock = FixedClock(NOW)
    payload, failure = rollback(stubs, clock, wait_timeout="30s")
    assert failure and "pazpaz-prod/pazpaz-backend" in failure
    stubs.assert_done()
    resource = payload["resources"][0]
    assert resource["status"] == "failed" and resource["error_code"] == "timeout"
    assert "rollout IN_PROGRESS, 1/2 running, 1 older deployments" in resource["error"]
    assert clock.monotonic() == 30


def test_one_service_reads_raise_what_the_batched_read_answers():
    """current() and settled() are the batch forms for one service: an answer comes back, an error is raised."""
    from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected

    stubs = Stubbed()
    adapter = DEPLOY_KINDS["ecs_service"](stubs.factory)
    selected = Selected("ecs_service", "pazpaz-prod/pazpaz-backend", None, {}, "names")
    stubs["ecs"].add_response("describe_services", service(CURRENT, [deployment(CURRENT, "PRIMARY", "COMPLETED", 2)]), SERVICE)
    state = adapter.current(selected)
    assert state.version == CURRENT
    stubs["ecs"].add_client_error("describe_services", "AccessDeniedException", expected_params=SERVICE)
    with pytest.raises(ClientError):
        adapter.settled(state, TARGET)
    stubs["ecs"].add_client_error("describe_services", "AccessDeniedException", expected_params=SERVICE)
    with pytest.raises(ClientError):
        adapter.current(selected)
    stubs.assert_done()
