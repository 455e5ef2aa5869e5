"""weekly.yml and monthly.yml against a moto server: check -> apply -> idempotent, scratch resources read back via boto3."""

from __future__ import annotations

import copy

from conftest import ROOT, assert_awx_job, ledger_records
from fleet import scratch_leftovers, seed_demo_fleet

WEEKLY, MONTHLY, DAILY = (ROOT / "playbooks" / name for name in ("weekly.yml", "monthly.yml", "daily.yml"))
TESTED = 10  # the demo fleet's resources with backups, the pazpaz database included (the Aurora member is skipped)


def backed_up_fleet(endpoint, play, ledger, demo_vars):
    seed_demo_fleet(endpoint)
    daily = play(DAILY, {**demo_vars, "steward_ledger": str(ledger)})
    assert daily.rc == 0, daily.stdout[-3000:]


def test_weekly_restore_tests_check_apply_idempotent(api, endpoint, play, tmp_path, demo_vars, pg_server):
    ledger = tmp_path / "ledger"
    backed_up_fleet(endpoint, play, ledger, demo_vars)
    extravars = {**demo_vars, "steward_ledger": str(ledger)}

    checked = play(WEEKLY, extravars, check=True, diff=True)
    assert checked.rc == 0, checked.stdout[-3000:]
    planned = checked.result("Restore-test the selected fleet")
    assert planned["summary"]["planned"] == TESTED
    assert all(r["scratch"]["name"].startswith(("steward-rt-", "steward_rt_")) for r in planned["resources"] if r["status"] == "planned")
    assert scratch_leftovers(api) == [] and not [r for r in ledger_records(ledger) if r["action"] == "restore_test"]

    applied = play(WEEKLY, extravars)
    assert applied.rc == 0, applied.stdout[-3000:]
    assert_awx_job(applied, {"restore_test_result", "access_key_rotation_result"})
    tested = applied.result("Restore-test the selected fleet")
    assert tested["summary"]["passed"] == TESTED and tested["summary"]["failed"] == 0
    user_checks = [c for r in tested["resources"] for c in r.get("checks", []) if c["layer"] == "user"]
    assert len(user_checks) == 3 and all(c["result"] == "passed" for c in user_checks)
    assert scratch_leftovers(api) == [] and pg_server.scratch_databases() == []
    records = [r for r in ledger_records(ledger) if r["action"] == "restore_test" and r["verdict"] is not None]
    assert len(records) == TESTED and {r["verdict"] for r in records} == {"passed"}

    again = play(WEEKLY, extravars)
    assert again.rc == 0, again.stdout[-3000:]
    rerun = again.result("Restore-test the selected fleet")
    assert rerun["changed"] is False and rerun["summary"]["skipped"] == TESTED + 1


def test_monthly_dr_test_runs_every_tier_then_fails_on_a_missed_objective(api, endpoint, play, tmp_path, demo_vars, pg_server):
    ledger = tmp_path / "ledger"
    backed_up_fleet(endpoint, play, ledger, demo_vars)
    extravars = {**demo_vars, "steward_ledger": str(ledger)}

    passed = play(MONTHLY, extravars)
    assert passed.rc == 0, passed.stdout[-3000:]
    assert "DR test passed" in passed.stdout
    assert_awx_job(passed, {"restore_test_result"})

    tiers = copy.deepcopy(demo_vars["steward_dr_tiers"])
    tiers[0]["rpo"] = "1s"  # the Database tier's backups are older than that: its objective is missed
    missed = play(MONTHLY, {**extravars, "steward_dr_tiers": tiers})
    assert missed.rc != 0
    assert "DR test failed:" in missed.stdout and "Database: restore_test failed for" in missed.stdout
    assert "RPO" in missed.stdout and "Static Assets and volumes:" not in missed.stdout
    # the second tier still ran after the first failed, and nothing was left behind by either
    runs = [r for r in ledger_records(ledger) if r["action"] == "restore_test" and r["verdict"] == "passed"]
    # a missed RPO fails the resource, not the verdict on its data: both runs verified every backup
    assert len(runs) == 2 * TESTED
    assert scratch_leftovers(api) == [] and pg_server.scratch_databases() == []
