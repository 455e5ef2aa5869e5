"""checkpoint and rollback over moto (ECS with deployments settled as AWS's end up, Lambda aliases, CloudWatch
alarms) and an HTTP server on 127.0.0.1; the waiting paths moto cannot show are in test_rollback_stubbed.py."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import make_context
from deployables import FAMILY, bad_release, live_state, make_alarm, make_ecs_service, make_lambda_alias, task_definition_arn
from moto_patches import settle_ecs_deployments

from ansible_collections.steward.maintenance.plugins.module_utils import _checkpoint_action, _rollback_action
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy import DEPLOY_KINDS

COMMON = {"concurrency": 4, "retry_max_attempts": 3}
ECS = {"kind": "ecs_service", "names": [f"pazpaz-prod/{FAMILY}"]}
LAMBDA = {"kind": "lambda_alias", "names": ["network-visualizer-api:live"]}


@pytest.fixture
def fleet(aws):
    settle_ecs_deployments()
    make_ecs_service(aws)
    make_lambda_alias(aws)
    return aws


def checkpoint(factory, clock, ledger, check_mode=False, diff=False, **params):
    params = {"targets": [ECS, LAMBDA], "label": "pre-deploy", "ledger": str(ledger), **COMMON, **params}
    request = _checkpoint_action.parse_request(params, DEPLOY_KINDS)
    return _checkpoint_action.run_checkpoint(make_context(factory, clock, ledger, check_mode=check_mode, diff=diff), request, DEPLOY_KINDS)


def rollback_request(ledger=None, **params):
    params = {
        "targets": [ECS, LAMBDA],
        "to": "checkpoint",
        "ledger": str(ledger) if ledger else None,
        "concurrency": 4,
        "retry_max_attempts": 3,
        **params,
    }
    request = _rollback_action.parse_request(params, DEPLOY_KINDS)
    request.poll_interval_s = 1.0
    return request


def rollback(factory, clock, ledger=None, check_mode=False, diff=False, **params):
    context = make_context(factory, clock, ledger, check_mode=check_mode, diff=diff)
    return _rollback_action.run_rollback(context, rollback_request(ledger, **params), DEPLOY_KINDS)


def by_id(payload):
    return {resource["id"]: resource for resource in payload["resources"]}


# --- checkpoint ---------------------------------------------------------------------------------------------
def test_checkpoint_records_state_once_per_label(fleet, factory, clock, tmp_path):
    payload, failure = checkpoint(factory, clock, tmp_path)
    assert failure is None and payload["changed"] is True
    resources = by_id(payload)
    ecs = resources[f"pazpaz-prod/{FAMILY}"]
    assert ecs["status"] == "recorded"
    assert ecs["state"]["version"] == task_definition_arn(FAMILY, 3) and ecs["state"]["desired_count"] == 2
    assert resources["network-visualizer-api:live"]["state"] == {
        "version": "3",
        "function": "network-visualizer-api",
        "alias": "live",
        "weights": {},
    }
    assert (tmp_path / "ecs_service").is_dir() and (tmp_path / "lambda_alias").is_dir()

    again, failure = checkpoint(factory, clock, tmp_path)
    assert failure is None and again["changed"] is False
    assert {resource["status"] for resource in again["resources"]} == {"unchanged"}
    assert again["resources"][0]["previous_checkpoint"]["label"] == "pre-deploy"
    # Another label is another checkpoint.
    other, _failure = checkpoint(factory, clock, tmp_path, label="known-good")
    assert {resource["status"] for resource in other["resources"]} == {"recorded"}


def test_checkpoint_check_mode_writes_nothing_and_requires_a_ledger(fleet, factory, clock, tmp_path):
    payload, _failure = checkpoint(factory, clock, tmp_path, check_mode=True, diff=True)
    assert {resource["status"] for resource in payload["resources"]} == {"planned"}
    assert payload["diff"]["before"][f"ecs_service/pazpaz-prod/{FAMILY}"] is None
    assert factory.mutating_calls == [] and not list(tmp_path.iterdir())
    with pytest.raises(OptionError) as raised:
        _checkpoint_action.parse_request({"targets": [ECS], "label": "x", "ledger": None, **COMMON}, DEPLOY_KINDS)
    assert raised.value.option == "ledger"


# --- rollback: every "to" -------------------------------------------------------------------------------------------
def test_rollback_to_checkpoint_restores_both_kinds_and_rerun_is_unchanged(fleet, factory, clock, tmp_path):
    checkpoint(factory, clock, tmp_path)
    bad_release(fleet)
    assert live_state(fleet) == (task_definition_arn(FAMILY, 4), "4", {"3": 0.1})

    payload, failure = rollback(factory, clock, tmp_path, checkpoint="pre-deploy")
    assert failure is None, failure
    assert payload["changed"] is True
    assert live_state(fleet) == (task_definition_arn(FAMILY, 3), "3", {})
    ecs = by_id(payload)[f"pazpaz-prod/{FAMILY}"]
    assert ecs["status"] == "rolled_back" and ecs["before"]["version"] == task_definition_arn(FAMILY, 4)
    assert ecs["target"]["display"] == f"{FAMILY}:3" and ecs["target"]["source"].startswith("checkpoint 'pre-deploy'")
    assert ecs["after"]["version"] == task_definition_arn(FAMILY, 3)
    function = by_id(payload)["network-visualizer-api:live"]
    assert function["before"]["weights"] == {"3": 0.1} and function["after"]["weights"] == {}
    assert len(list((tmp_path / "lambda_alias").rglob("rollback/*.json"))) == 1

    again, failure = rollback(factory, clock, tmp_path, checkpoint="pre-deploy")
    assert failure is None and again["changed"] is False
    assert {resource["status"] for resource in again["resources"]} == {"unchanged"}


def test_rollback_to_previous_takes_the_newest_older_version_of_the_same_family(fleet, factory, clock):
    bad_release(fleet)
    payload, failure = rollback(factory, clock, to="previous")
    assert failure is None, failure
    # Revision 3 (not the pazpaz-backend-worker family the prefix listing also returns), version 3 (never $LATEST).
    assert live_state(fleet) == (task_definition_arn(FAMILY, 3), "3", {})
    assert {resource["target"]["source"] for resource in payload["resources"]} == {"previous"}


def test_rollback_to_explicit_versions(fleet, factory, clock):
    targets = [
        {**ECS, "options": {"task_definition": f"{FAMILY}:1"}},
        {**LAMBDA, "options": {"version": "2"}},
    ]
    payload, failure = rollback(factory, clock, to="explicit", targets=targets)
    assert failure is None, failure
    assert live_state(fleet) == (task_definition_arn(FAMILY, 1), "2", {})
    assert by_id(payload)[f"pazpaz-prod/{FAMILY}"]["target"]["source"] == "targets[0].options.task_definition"


def test_check_mode_plans_and_sends_no_mutating_call(fleet, factory, clock, tmp_path):
    checkpoint(factory, clock, tmp_path)
    bad_release(fleet)
    factory.calls.clear()
    payload, failure = rollback(factory, clock, tmp_path, check_mode=True, diff=True)
    assert failure is None
    assert {resource["status"] for resource in payload["resources"]} == {"planned"} and payload["changed"] is True
    assert payload["diff"]["after"]["lambda_alias/network-visualizer-api:live"]["version"] == "3"
    assert factory.mutating_calls == [] and factory.calls  # it did read
    assert live_state(fleet) == (task_definition_arn(FAMILY, 4), "4", {"3": 0.1})
    assert not list(tmp_path.rglob("rollback/*.json"))


# --- selection --------------------------------------------------------------------------------------------------
def test_selection_by_tags_for_services_and_function_aliases(aws, factory, clock):
    settle_ecs_deployments()
    make_ecs_service(aws, tags={"app": "pazpaz"})
    make_lambda_alias(aws, tags={"app": "pazpaz"})
    make_lambda_alias(aws, name="unrelated-fn")
    targets = [
        {"kind": "ecs_service", "tags": {"app": "pazpaz"}},
        {"kind": "lambda_alias", "tags": {"app": "pazpaz"}, "options": {"alias": "live"}},
    ]
    payload, failure = rollback(factory, clock, to="previous", targets=targets)
    assert failure is None, failure
    assert sorted(by_id(payload)) == ["network-visualizer-api:live", f"pazpaz-prod/{FAMILY}"]
    with pytest.raises(OptionError) as raised:
        rollback_request(to="previous", targets=[{"kind": "lambda_alias", "tags": {"app": "pazpaz"}}])
    assert raised.value.option == "targets[0].options.alias"


# --- bad input and plans that fail: nothing changes anywhere ---------------------------------------------------------
def test_a_resource_that_cannot_be_planned_changes_nothing_anywhere(fleet, factory, clock):
    bad_release(fleet)
    factory.calls.clear()
    targets = [ECS, {"kind": "lambda_alias", "names": ["network-visualizer-api:live", "no-such-fn:live"]}]
    payload, failure = rollback(factory, clock, to="previous", targets=targets)
    resources = by_id(payload)
    assert resources["no-such-fn:live"]["status"] == "failed" and resources["no-such-fn:live"]["error_code"] == "not_found"
    assert resources[f"pazpaz-prod/{FAMILY}"]["status"] == "skipped"
    assert "no-such-fn:live" in failure
    assert factory.mutating_calls == []
    assert live_state(fleet) == (task_definition_arn(FAMILY, 4), "4", {"3": 0.1})


def test_previous_without_an_earlier_version_and_a_missing_checkpoint_name_the_option(aws, factory, clock, tmp_path):
    settle_ecs_deployments()
    make_ecs_service(aws, revisions=1, running=1)
    payload, failure = rollback(factory, clock, to="previous", targets=[ECS])
    assert payload["resources"][0]["error_code"] == "no_target" and "to=previous" in payload["resources"][0]["error"]
    payload, failure = rollback(factory, clock, tmp_path, checkpoint="pre-deploy", targets=[ECS])
    assert payload["resources"][0]["error_code"] == "no_checkpoint" and "checkpoint=pre-deploy" in failure
    payload, failure = rollback(factory, clock, to="explicit", targets=[{**ECS, "options": {"task_definition": f"{FAMILY}:9"}}])
    assert payload["resources"][0]["error_code"] == "no_target" and "targets[0].options.task_definition" in failure
    assert factory.mutating_calls == []


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"to": "checkpoint", "ledger": None}, "ledger"),
        ({"to": "previous", "checkpoint": "pre-deploy"}, "checkpoint"),
        ({"to": "sideways"}, "to"),
        ({"to": "previous", "gates": {"http": [{"url": "ftp://127.0.0.1/health"}]}}, "gates.http[0].url"),
        ({"to": "previous", "gates": {"http": [{"url": "http://127.0.0.1/", "timeout": "soon"}]}}, "gates.http[0].timeout"),
        ({"to": "previous", "gates": {"bake_time": "5x"}}, "gates.bake_time"),
        ({"to": "previous", "wait_timeout": "-1m"}, "wait_timeout"),
        ({"to": "explicit"}, "targets[0].options.task_definition"),
        ({"to": "previous", "targets": [{"kind": "ecs_service", "names": ["no-slash"]}]}, "targets[0].names[0]"),
        ({"to": "previous", "targets": [{**LAMBDA, "options": {"version": "3"}}]}, "targets[0].options.version"),
    ],
)
def test_bad_input_fails_before_any_call(params, option, tmp_path):
    ledger = params.pop("ledger", str(tmp_path))
    with pytest.raises(OptionError) as raised:
        _rollback_action.parse_request({"targets": [ECS], "ledger": ledger, **COMMON, **params}, DEPLOY_KINDS)
    assert raised.value.option == option


# --- gates ---------------------------------------------------------------------------------------------------------
class _Health(BaseHTTPRequestHandler):
    answers: dict[str, tuple[int, bytes, float]] = {}

    def do_GET(self):
        status, body, delay = self.answers.get(self.path, (404, b"no such path", 0.0))
        time.sleep(delay)
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def health_server():
    _Health.answers = {
        "/ok": (200, b'{"status": "ok"}', 0.0),
        "/broken": (503, b'{"status": "down"}', 0.0),
        "/degraded": (200, b'{"status": "degraded"}', 0.0),
        "/slow": (200, b'{"status": "ok"}', 3.0),
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.mark.parametrize(
    ("path", "gate", "passed", "detail"),
    [
        ("/ok", {"body_regex": '"status":\\s*"ok"'}, True, "status 200"),
        ("/broken", {}, False, "status 503, expected 200"),
        ("/degraded", {"body_regex": '"status":\\s*"ok"'}, False, "body does not match"),
        ("/slow", {"timeout": "1s"}, False, "timed out"),
    ],
)
def test_http_gate(fleet, factory, clock, health_server, path, gate, passed, detail):
    bad_release(fleet)
    gates = {"http": [{"url": health_server + path, **gate}]}
    payload, failure = rollback(factory, clock, to="previous", targets=[ECS], gates=gates)
    resource = payload["resources"][0]
    assert resource["gates"][0]["result"] == ("passed" if passed else "failed")
    assert detail in resource["gates"][0]["detail"]
    assert (failure is None) is passed
    assert resource["status"] == ("rolled_back" if passed else "failed")
    # Without revert the rollback itself stands either way.
    assert live_state(fleet)[0] == task_definition_arn(FAMILY, 3)


def test_alarm_gate_failure_reverts_to_the_state_before_the_rollback(fleet, factory, clock, tmp_path, health_server):
    make_alarm(fleet, "pazpaz-prod-5xx", state="ALARM")
    make_alarm(fleet, "pazpaz-prod-latency")
    checkpoint(factory, clock, tmp_path)
    bad_release(fleet)
    gates = {"bake_time": "30s", "alarms": {"prefix": "pazpaz-prod-"}, "http": [{"url": health_server + "/ok"}]}
    started = clock.monotonic()
    payload, failure = rollback(factory, clock, tmp_path, gates=gates, revert_on_gate_failure=True)
    assert clock.monotonic() - started >= 30  # baked on the injected clock
    assert "in ALARM: pazpaz-prod-5xx" in failure
    for resource in payload["resources"]:
        assert resource["status"] == "failed" and resource["error_code"] == "gate_failed" and resource["reverted"] is True
        assert [gate["result"] for gate in resource["gates"]] == ["failed", "passed"]
        assert resource["after"] == resource["before"]
    # Back where the bad release left it, weights included.
    assert live_state(fleet) == (task_definition_arn(FAMILY, 4), "4", {"3": 0.1})

    # The alarm clears: the same rollback now passes its gates and stands.
    fleet.client("cloudwatch").set_alarm_state(AlarmName="pazpaz-prod-5xx", StateValue="OK", StateReason="cleared")
    payload, failure = rollback(factory, clock, tmp_path, gates=gates, revert_on_gate_failure=True)
    assert failure is None and {resource["status"] for resource in payload["resources"]} == {"rolled_back"}
    assert live_state(fleet) == (task_definition_arn(FAMILY, 3), "3", {})


def test_a_named_alarm_that_does_not_exist_fails_the_gate(fleet, factory, clock):
    make_alarm(fleet, "api-errors")
    payload, failure = rollback(factory, clock, to="previous", targets=[ECS], gates={"alarms": {"names": ["api-errors", "api-typo"]}})
    gate = payload["resources"][0]["gates"][0]
    assert gate["result"] == "failed" and gate["missing"] == ["api-typo"] and failure


# --- reads in batches: ten services of a cluster to a DescribeServices ---------------------------------------------
def test_rollback_reads_ten_services_of_a_cluster_to_a_call(aws, factory, clock):
    settle_ecs_deployments()
    ids = [make_ecs_service(aws, name=f"svc-{index:02d}") for index in range(12)]
    ids += [make_ecs_service(aws, name=f"job-{index:02d}", cluster="batch") for index in range(3)]
    factory.calls.clear()
    payload, failure = rollback(factory, clock, to="previous", targets=[{"kind": "ecs_service", "names": ids}])
    assert failure is None, failure
    assert {resource["id"]: resource["status"] for resource in payload["resources"]} == dict.fromkeys(ids, "rolled_back")
    assert all(resource["after"]["version"].endswith(":2") for resource in payload["resources"])
    assert factory.calls.count("UpdateService") == 15 and factory.calls.count("ListTaskDefinitions") == 15
    # Before, after and each round of the wait: two calls for the twelve of one cluster, one for the three of the
    # other (one service to a call would be 15 each time).
    describes = factory.calls.count("DescribeServices")
    assert describes % 3 == 0 and 9 <= describes <= 12, factory.calls


def test_checkpoint_reads_in_batches_and_a_missing_service_or_cluster_is_its_own_failure(aws, factory, clock, tmp_path):
    settle_ecs_deployments()
    ids = [make_ecs_service(aws, name=f"svc-{index:02d}") for index in range(11)]
    factory.calls.clear()
    names = [*ids, "pazpaz-prod/ghost", "no-such-cluster/api"]
    payload, failure = checkpoint(factory, clock, tmp_path, targets=[{"kind": "ecs_service", "names": names}])
    statuses = {resource["id"]: (resource["status"], resource.get("error_code")) for resource in payload["resources"]}
    assert statuses == {
        **{resource_id: ("recorded", None) for resource_id in ids},
        "pazpaz-prod/ghost": ("failed", "not_found"),
        "no-such-cluster/api": ("failed", "not_found"),
    }
    assert "ghost" in failure and "no-such-cluster/api" in failure
    assert factory.calls.count("DescribeServices") == 3  # 12 names of pazpaz-prod in two calls, one for the other cluster
