"""The morning check in daily.yml, as AWX runs it: first in the play, and a critical finding fails the job only at
the end, after the backups, retention and the freshness report have run. And the run's report, as the callback
writes it: JSON, JUnit read by a JUnit parser, Markdown, the HTML page rendered by headless Chromium (a screenshot
is kept in .build/test-artifacts/), and the summary kept as the job's artifact (set_stats)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
import yaml
from conftest import ROOT
from deployables import Endpoint, HealthEndpoint, seed_demo_deployables
from fleet import seed_demo_fleet
from jsonschema import Draft202012Validator
from junitparser import JUnitXml

DAILY = ROOT / "playbooks" / "daily.yml"
HEALTH_TASK = "Run the health check"
BACKUP_TASK = "Back up the selected fleet"


def test_a_critical_finding_fails_the_daily_job_after_everything_else_ran(api, endpoint, play, tmp_path, demo_vars):
    seed_demo_fleet(endpoint)
    seed_demo_deployables(endpoint)
    health_targets = yaml.safe_load((ROOT / "demo" / "vars.yml").read_text())["steward_health_targets"]
    with HealthEndpoint() as health:
        extravars = {
            **demo_vars,
            "steward_ledger": str(tmp_path / "ledger"),
            "steward_health_targets": health_targets,
            "steward_health_url": health.url,
        }
        healthy = play(DAILY, extravars)
        assert healthy.rc == 0, healthy.stdout[-3000:]
        findings = healthy.result(HEALTH_TASK)
        assert findings["summary"]["critical"] == 0 and findings["summary"]["info"] >= 10
        assert any(f["kind"] == "http" and f["check"] == "body" and f["severity"] == "info" for f in findings["findings"])

        Endpoint(endpoint).client("cloudwatch").set_alarm_state(AlarmName="pazpaz-prod-5xx", StateValue="ALARM", StateReason="5xx above 1%")
        failing = play(DAILY, extravars)
        assert failing.rc != 0
        assert failing.result(HEALTH_TASK)["summary"]["critical"] == 1
        # Everything else ran (the backups, found fresh by this rerun; the freshness report), then the job failed.
        assert failing.result(BACKUP_TASK)["summary"]["failed"] == 0 and failing.result(BACKUP_TASK)["summary"]["skipped"] == 11
        assert failing.result("Read backup freshness against the RPO")["summary"]["ok"] == 10
        verdict = failing.result("Fail the job on the morning check's critical findings, now that everything else has run")
        assert verdict["msg"].startswith("health check: 1 critical findings") and "5xx above 1%" in verdict["msg"]

    report = failing.report_dir
    document = json.loads((report / "report.json").read_text())
    Draft202012Validator(json.loads((ROOT / "docs" / "report.schema.json").read_text())).validate(document)
    assert document["schema"] == "steward.maintenance/report/1" and document["status"] == "failed"
    actions = [task["action"] for task in document["tasks"]]
    assert actions[0] == "health_check" and {"backup", "backup_retention", "backup_info", "ledger_info"} <= set(actions)
    suites = JUnitXml.fromfile(str(report / "junit.xml"))
    failures = [case.name for suite in suites for case in suite if not case.is_passed]
    assert failures == ["alarm/pazpaz-prod-5xx state"]
    assert sum(1 for suite in suites for _case in suite) >= 11 + document["totals"]["findings"]["info"]
    assert "# steward.maintenance report: daily.yml" in (report / "report.md").read_text()
    assert {"health_check_result", "backup_result", "backup_retention_result"} <= set(failing.artifact.get("steward_report", {}))
    assert failing.artifact["steward_report"]["health_check_result"]["critical"] == 1
    _render_in_chromium(report / "report.html", document)


def _render_in_chromium(page, document) -> None:
    """The page in Debian's headless Chromium: it renders, its numbers are in the DOM, a screenshot is kept."""
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("chromium is not installed: `make test` installs Debian's chromium package")
    flags = [chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1280,2200"]
    dom = subprocess.run([*flags, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=120, check=True).stdout
    totals = document["totals"]
    assert f"{totals['resources']} ({totals['failed_resources']} failed)" in dom
    assert "Health findings" in dom and "pazpaz-prod-5xx" in dom and "<svg" in dom
    artifacts = ROOT / ".build" / "test-artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    shot = artifacts / "report-daily.png"
    shot.unlink(missing_ok=True)
    subprocess.run([*flags, f"--screenshot={shot}", page.as_uri()], capture_output=True, text=True, timeout=120, check=True)
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
