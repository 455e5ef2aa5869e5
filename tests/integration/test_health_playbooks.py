"""The morning check in daily.yml, as AWX runs it: first in the play, and a critical finding fails the job only at
the end, after the backups, retention and the freshness report have run."""

from __future__ import annotations

import yaml
from conftest import ROOT
from deployables import Endpoint, HealthEndpoint, seed_demo_deployables
from fleet import seed_demo_fleet

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
