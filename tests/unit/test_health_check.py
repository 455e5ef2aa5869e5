"""health_check's probes against moto in-process and an HTTP server on 127.0.0.1; read-only in every mode."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from conftest import make_context
from deployables import certificate, make_alarm, make_ecs_service, make_lambda_alias
from fleet import clients, create_cluster, create_db_instance, create_table

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._health_action import parse_request, run_health_check
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe import PROBE_KINDS

COMMON = {"concurrency": 4, "retry_max_attempts": 3}


class _Health(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b'{"status": "ok"}' if self.path == "/health" else b'{"status": "degraded"}'
        self.send_response(200 if self.path in ("/health", "/degraded") else 503)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture
def estate(aws):
    api = clients(None)
    create_table(api, "pazpaz-visits", {"app": "pazpaz"}, items=3)
    create_db_instance(api, "pazpaz-db", {})
    create_cluster(api, "pazpaz-graph", {})
    make_alarm(aws, "pazpaz-prod-5xx", state="ALARM")
    make_alarm(aws, "pazpaz-prod-latency", state="INSUFFICIENT_DATA")
    make_alarm(aws, "pazpaz-prod-cpu")
    make_ecs_service(aws)  # moto starts it with 0 of 2 tasks running
    make_lambda_alias(aws)
    acm = aws.client("acm")
    arns = {}
    for domain, days in (("api.pazpaz.example", 120), ("old.pazpaz.example", 20), ("dying.pazpaz.example", 3)):
        cert, key = certificate(days, domain)
        arns[domain] = acm.import_certificate(Certificate=cert, PrivateKey=key)["CertificateArn"]
    return {"api": api, "certificates": arns}


def check(factory, clock, targets, **params):
    request = parse_request({"targets": targets, **COMMON, **params}, PROBE_KINDS)
    return run_health_check(make_context(factory, clock, check_mode=params.pop("check_mode", False)), request, PROBE_KINDS)


def severities(payload, kind=None, check_name=None):
    return {
        (finding["id"], finding["check"]): finding["severity"]
        for finding in payload["findings"]
        if (kind is None or finding["kind"] == kind) and (check_name is None or finding["check"] == check_name)
    }


def test_every_probe_reports_each_resource_and_the_task_fails_after_all_ran(estate, factory, clock, web):
    targets = [
        {"kind": "alarm", "names": ["pazpaz-prod-*"]},
        {"kind": "dynamodb", "names": ["pazpaz-visits", "pazpaz-gone"]},
        {"kind": "lambda", "names": ["network-visualizer-api"]},
        {"kind": "rds", "names": ["pazpaz-db"]},
        {"kind": "aurora", "names": ["pazpaz-graph"]},
        {"kind": "ecs_service", "names": ["pazpaz-prod/pazpaz-backend"]},
        {"kind": "certificate", "names": ["*.pazpaz.example"]},
        {"kind": "http", "names": [f"{web}/health"], "options": {"body_regex": '"status": "ok"', "max_latency_ms": 5000}},
        {"kind": "http", "names": [f"{web}/degraded"], "options": {"body_regex": '"status": "ok"'}},
        {"kind": "http", "names": [f"{web}/down"]},
    ]
    payload, failure = check(factory, clock, targets)
    assert factory.mutating_calls == []
    assert severities(payload, "alarm") == {
        ("pazpaz-prod-5xx", "state"): "critical",
        ("pazpaz-prod-latency", "state"): "warning",
        ("pazpaz-prod-cpu", "state"): "info",
    }
    assert severities(payload, "dynamodb") == {("pazpaz-visits", "status"): "info", ("pazpaz-gone", "exists"): "critical"}
    assert severities(payload, "lambda") == {("network-visualizer-api", "state"): "info"}
    assert severities(payload, "rds") == {("pazpaz-db", "status"): "info"}
    assert severities(payload, "aurora") == {("pazpaz-graph", "status"): "info"}
    # moto starts a service with none of its tasks running and its deployment IN_PROGRESS.
    assert severities(payload, "ecs_service") == {
        ("pazpaz-prod/pazpaz-backend", "tasks"): "critical",
        ("pazpaz-prod/pazpaz-backend", "rollout"): "warning",
    }
    certs = estate["certificates"]
    assert severities(payload, "certificate") == {
        (certs["api.pazpaz.example"], "expiry"): "info",
        (certs["old.pazpaz.example"], "expiry"): "warning",
        (certs["dying.pazpaz.example"], "expiry"): "critical",
    }
    days = {finding["id"]: finding["value"] for finding in payload["findings"] if finding["check"] == "expiry"}
    assert days[certs["dying.pazpaz.example"]] == 3
    assert severities(payload, "http") == {
        (f"{web}/health", "status"): "info",
        (f"{web}/health", "latency"): "info",
        (f"{web}/health", "body"): "info",
        (f"{web}/degraded", "status"): "info",
        (f"{web}/degraded", "body"): "critical",
        (f"{web}/down", "status"): "critical",
    }
    assert payload["findings"][0]["severity"] == "critical"  # most severe first
    assert payload["summary"]["critical"] == 6 and payload["summary"]["warning"] == 3
    assert failure.startswith("health check: 6 findings at or above critical")
    # The same with fail_on warning counts the warnings too; nothing is written either way.
    _payload, failure = check(factory, clock, targets, fail_on="warning")
    assert failure.startswith("health check: 9 findings")
    assert factory.mutating_calls == []


def test_backup_freshness_is_backup_infos_verdict(estate, factory, clock):
    estate["api"]["dynamodb"].create_backup(TableName="pazpaz-visits", BackupName="steward-pazpaz-visits-daily-20261201-020000")
    create_table(estate["api"], "pazpaz-empty", {}, items=0)
    backups = {"rpo": "26h", "targets": [{"kind": "dynamodb", "names": ["pazpaz-visits", "pazpaz-empty"]}]}
    payload, failure = check(factory, clock, [], backups=backups)
    assert severities(payload, "dynamodb", "backup_freshness") == {
        ("pazpaz-visits", "backup_freshness"): "info",
        ("pazpaz-empty", "backup_freshness"): "critical",
    }
    assert "pazpaz-empty" in failure
    clock.advance(27 * 3600)
    payload, _failure = check(factory, clock, [], backups=backups)
    assert severities(payload, "dynamodb", "backup_freshness")[("pazpaz-visits", "backup_freshness")] == "critical"


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({"fail_on": "fatal"}, "fail_on"),
        ({"certificates": {"warn_days": 5, "critical_days": 7}}, "certificates.warn_days"),
        ({"targets": [{"kind": "http", "names": ["ftp://127.0.0.1/health"]}]}, "targets[0].names[0]"),
        ({"targets": []}, "targets"),
        ({"targets": [], "backups": {"targets": [{"kind": "dynamodb", "names": ["t"]}], "rpo": "1x"}}, "backups.rpo"),
    ],
)
def test_bad_input_fails_before_any_call(params, option):
    with pytest.raises(OptionError) as raised:
        parse_request({"targets": [{"kind": "alarm", "names": ["a"]}], **COMMON, **params}, PROBE_KINDS)
    assert raised.value.option == option
