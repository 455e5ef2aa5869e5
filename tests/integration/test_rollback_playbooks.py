"""pre_deploy.yml and rollback.yml run as AWX runs them (ansible-runner) against a moto server whose ECS
deployments settle as AWS's do: check -> apply -> idempotent rerun, a gate failing and reverting, then passing."""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import ROOT, assert_awx_job, ledger_records
from deployables import Endpoint, HealthEndpoint, bad_release, live_state, seed_demo_deployables, task_definition_arn
from fleet import create_table

PRE_DEPLOY, ROLLBACK = (ROOT / "playbooks" / name for name in ("pre_deploy.yml", "rollback.yml"))
CHECKPOINT_TASK = "Record the known-good state of the selected services and aliases"
BACKUP_TASK = "Back up the selected fleet"
ROLLBACK_TASK = "Roll the selected services and aliases back, wait until steady, check the gates"
KNOWN_GOOD = (task_definition_arn("pazpaz-backend", 3), "3", {})
BAD = (task_definition_arn("pazpaz-backend", 4), "4", {"3": 0.1})


def deployables_vars(ledger) -> dict:
    demo = yaml.safe_load((ROOT / "demo" / "vars.yml").read_text())
    return {
        "steward_ledger": str(ledger),
        "steward_deployables": demo["steward_deployables"],
        "steward_data_stores": [{"kind": "dynamodb", "names": ["pazpaz-visits", "network-visualizer-topology"]}],
    }


def seed_pre_deploy_fleet(endpoint: str, api) -> None:
    """The demo's backend and API, and the two tables pre_deploy.yml backs up."""
    seed_demo_deployables(endpoint)
    create_table(api, "pazpaz-visits", {}, items=5)
    create_table(api, "network-visualizer-topology", {}, items=5)


def pre_deploy_backups(api) -> list[str]:
    names = []
    for table in ("pazpaz-visits", "network-visualizer-topology"):
        names += [b["BackupName"] for b in api["dynamodb"].list_backups(TableName=table)["BackupSummaries"] if b["TableName"] == table]
    return names


def test_pre_deploy_then_a_bad_release_rolled_back_gated_on_health(api, endpoint, play, tmp_path):
    seed_pre_deploy_fleet(endpoint, api)
    ledger = tmp_path / "ledger"
    extravars = deployables_vars(ledger)
    aws = Endpoint(endpoint)

    checked = play(PRE_DEPLOY, extravars, check=True, diff=True)
    assert checked.rc == 0, checked.stdout[-3000:]
    assert checked.result(CHECKPOINT_TASK)["summary"]["planned"] == 2
    assert not ledger.exists() and pre_deploy_backups(api) == []

    applied = play(PRE_DEPLOY, extravars)
    assert_awx_job(applied, {"checkpoint_result", "backup_result"})
    assert applied.rc == 0, applied.stdout[-3000:]
    assert applied.result(CHECKPOINT_TASK)["summary"]["recorded"] == 2
    made = pre_deploy_backups(api)
    assert len(made) == 2 and all("-pre-deploy-" in name for name in made)

    again = play(PRE_DEPLOY, extravars)
    assert again.rc == 0, again.stdout[-3000:]
    assert again.result(CHECKPOINT_TASK)["changed"] is False and again.result(CHECKPOINT_TASK)["summary"]["unchanged"] == 2
    assert again.result(BACKUP_TASK)["changed"] is False and pre_deploy_backups(api) == made

    bad_release(aws, alarm="pazpaz-prod-5xx")
    assert live_state(aws) == BAD
    with HealthEndpoint() as health:
        gates = {"bake_time": "1s", "alarms": {"prefix": "pazpaz-prod-"}, "http": [{"url": health.url, "body_regex": '"status": "ok"'}]}
        extravars["steward_rollback_gates"] = gates

        failed = play(ROLLBACK, extravars)
        assert failed.rc != 0
        result = failed.result(ROLLBACK_TASK)
        assert "in ALARM: pazpaz-prod-5xx" in result["msg"]
        assert {resource["reverted"] for resource in result["resources"]} == {True}
        assert live_state(aws) == BAD, "the gate failed: every resource goes back to where it was"

        aws.client("cloudwatch").set_alarm_state(AlarmName="pazpaz-prod-5xx", StateValue="OK", StateReason="cleared")
        checked = play(ROLLBACK, extravars, check=True, diff=True)
        assert checked.rc == 0, checked.stdout[-3000:]
        assert checked.result(ROLLBACK_TASK)["summary"]["planned"] == 2 and live_state(aws) == BAD

        rolled = play(ROLLBACK, extravars)
        assert_awx_job(rolled, {"rollback_result"})
        assert rolled.rc == 0, rolled.stdout[-3000:]
        assert rolled.result(ROLLBACK_TASK)["summary"]["rolled_back"] == 2
        assert live_state(aws) == KNOWN_GOOD

        rerun = play(ROLLBACK, extravars)
        assert rerun.rc == 0, rerun.stdout[-3000:]
        assert rerun.result(ROLLBACK_TASK)["changed"] is False and rerun.result(ROLLBACK_TASK)["summary"]["unchanged"] == 2

    records = [record for record in ledger_records(ledger) if record["action"] == "rollback"]
    assert len(records) == 2 * 3  # one per resource per applied run
    assert {record["status"] for record in records} == {"failed", "rolled_back", "unchanged"}


def test_to_previous_from_an_awx_survey_value_and_bad_input(api, endpoint, play, tmp_path):
    seed_demo_deployables(endpoint)
    aws = Endpoint(endpoint)
    bad_release(aws)
    extravars = {**deployables_vars(tmp_path / "ledger"), "steward_rollback_to": "previous"}
    # A report directory that cannot be written is warned about, once, and never fails the play.
    run = play(ROLLBACK, extravars, report_dir=Path("/proc/steward-report"))
    assert run.rc == 0, run.stdout[-3000:]
    assert live_state(aws) == KNOWN_GOOD
    assert run.stdout.count("steward.maintenance.report: cannot write the report to /proc/steward-report") == 1
    # A survey typo fails on the role's argument spec, before the module runs.
    typo = play(ROLLBACK, {**extravars, "steward_rollback_to": "yesterday"})
    assert typo.rc != 0 and "yesterday" in typo.stdout
    bad_gate = play(ROLLBACK, {**extravars, "steward_rollback_gates": {"http": [{"url": "ftp://127.0.0.1/x"}]}})
    assert bad_gate.rc != 0 and "gates.http[0].url" in bad_gate.result(ROLLBACK_TASK)["msg"]
