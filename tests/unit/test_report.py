"""The report's files from a recorded run: JSON's schema, JUnit as a JUnit parser reads it, Markdown, a self-contained
HTML page. (The callback itself, and the page in headless Chromium, are tested on a real run: test_report_playbooks.)"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from pathlib import Path

from jsonschema import Draft202012Validator
from junitparser import JUnitXml

from ansible_collections.steward.maintenance.plugins.module_utils._report import SCHEMA, TaskResult, build, render

ROOT = Path(__file__).resolve().parents[2]
GENERATED = datetime(2026, 12, 1, 7, 0, tzinfo=timezone.utc)


def recorded_run() -> list[TaskResult]:
    backup = {
        "changed": True,
        "summary": {"total": 2, "created": 1, "failed": 1},
        "resources": [
            {
                "kind": "dynamodb",
                "id": "orders",
                "status": "created",
                "message": "created steward-orders-daily",
                "backup_name": "steward-orders-daily",
            },
            {
                "kind": "rds",
                "id": "ghost",
                "status": "failed",
                "error": "rds 'ghost' does not exist",
                "message": "backup could not be started",
            },
        ],
        "msg": "backup failed for 1 of 2 resources: rds/ghost",
    }
    health = {
        "summary": {"critical": 1, "warning": 1, "info": 1},
        "findings": [
            {"kind": "alarm", "id": "pazpaz-prod-5xx", "check": "state", "severity": "critical", "message": "ALARM since 06:00"},
            {"kind": "certificate", "id": "arn:cert", "check": "expiry", "severity": "warning", "message": "expires in 20 days"},
            {"kind": "dynamodb", "id": "orders", "check": "status", "severity": "info", "message": "table status ACTIVE"},
        ],
    }
    restore = {
        "summary": {"passed": 1},
        "resources": [
            {"kind": "dynamodb", "id": "orders", "status": "passed", "rto_s": 42, "rto_met": True, "rpo_s": 3600, "rpo_met": True}
        ],
    }
    series = {
        "dynamodb/orders": {
            "backup": [
                {"recorded": f"2026-11-{day:02d}T02:00:00Z", "status": "created", "age_s_before": 86000 + day * 10} for day in range(1, 31)
            ],
            "restore_test": [
                {"recorded": f"2026-11-{day:02d}T03:00:00Z", "status": "passed", "rto_s": 40 + day} for day in (3, 10, 17, 24)
            ],
        }
    }
    return [
        TaskResult("localhost", "Run the health check", "health_check", True, health),
        TaskResult("localhost", "Back up the selected fleet", "backup", True, backup),
        TaskResult("localhost", "Restore-test the selected fleet", "restore_test", False, restore),
        TaskResult("localhost", "Read the ledger's history", "ledger_info", False, {"series": series, "summary": {"matched": 34}}),
    ]


def test_report_files_from_a_recorded_run(tmp_path):
    document = build("daily.yml", recorded_run(), GENERATED)
    files = render(document)
    assert sorted(files) == ["junit.xml", "report.html", "report.json", "report.md"]

    parsed = json.loads(files["report.json"])
    schema = json.loads((ROOT / "docs" / "report.schema.json").read_text())
    Draft202012Validator(schema).validate(parsed)  # the documented schema
    assert parsed["schema"] == SCHEMA and parsed["status"] == "failed" and parsed["generated"] == "2026-12-01T07:00:00Z"
    assert parsed["totals"] == {
        "tasks": 4,
        "failed_tasks": 2,
        "resources": 3,
        "failed_resources": 1,
        "findings": {"critical": 1, "warning": 1, "info": 1},
    }
    assert [task["action"] for task in parsed["tasks"]] == ["health_check", "backup", "restore_test", "ledger_info"]

    (tmp_path / "junit.xml").write_text(files["junit.xml"])
    suites = JUnitXml.fromfile(str(tmp_path / "junit.xml"))
    cases = {(suite.name.split(":")[0], case.name): case for suite in suites for case in suite}
    assert len([key for key in cases if key[0] == "health_check"]) == 3 and len([key for key in cases if key[0] == "backup"]) == 2
    failing = sorted(name for (action, name), case in cases.items() if not case.is_passed)
    assert failing == ["alarm/pazpaz-prod-5xx state", "rds/ghost"]
    assert "does not exist" in cases[("backup", "rds/ghost")].result[0].message

    markdown = files["report.md"]
    assert markdown.startswith("# steward.maintenance report: daily.yml")
    assert "| rds/ghost | **FAILED** failed: backup could not be started |" in markdown
    assert "- dynamodb/orders backup: 30 records" in markdown

    page = files["report.html"]
    assert "<script" not in page and not re.search(r"(src|href)=\"https?://", page)  # self-contained
    assert page.count("<svg") == 2 and "Restore-test RTO" in page and "Backup age when each backup run started" in page
    assert "RTO 42 s (met: True), RPO 3600 s (met: True)" in page
    assert "@media print" in page
