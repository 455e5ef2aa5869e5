"""Check-mode audit: each cadence, run with --check over the demo's fleet through a proxy that logs every request
AWS would see, sends read-only operations only (Describe*, List*, Get*, Head*, Scan, Query, GET and HEAD, ...), while
every module in it still shows its full plan. Together the cases cover every module the collection ships.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import yaml
from conftest import ROOT, PlayRun
from credentials import seed_demo_credentials
from deployables import Endpoint, HealthEndpoint, bad_release, live_state, seed_demo_deployables
from fault_proxy import FaultProxy
from fleet import scratch_leftovers, seed_demo_fleet
from history import seed_daily_history
from test_backup_playbooks import steward_backups
from test_rollback_playbooks import deployables_vars, seed_pre_deploy_fleet
from test_rotation_playbooks import rotation_vars

PLAYBOOKS = ROOT / "playbooks"

# Which modules each case below runs in check mode; test_every_module_is_audited holds this to the modules shipped.
AUDITED = {
    "daily": {"health_check", "backup", "backup_retention", "log_retention", "backup_info", "ledger_info"},
    "weekly": {"restore_test", "access_key_rotation", "ledger_info"},
    "monthly": {"restore_test", "ledger_info"},
    "quarterly": {"secret_rotation", "access_key_rotation", "ledger_info"},
    "pre_deploy": {"checkpoint", "backup", "ledger_info"},
    "rollback": {"rollback", "ledger_info"},
}


@pytest.fixture
def audit(moto):
    """A proxy that injects nothing and logs everything, in front of the module's moto server."""
    with FaultProxy(moto.url) as proxy:
        yield proxy


def results_by_module(run: PlayRun, proxy: FaultProxy, cadence: str) -> dict[str, list[dict[str, Any]]]:
    """Each steward module's check-mode results, once the run passed without a single write reaching AWS."""
    assert run.rc == 0, run.stdout[-3000:]
    assert proxy.log, "nothing went through the proxy: the audit would prove nothing"
    assert proxy.writes() == [], f"{cadence} in check mode sent writes: {proxy.writes()}"
    found: dict[str, list[dict[str, Any]]] = {}
    for action, result in run.ran:
        if action.startswith("steward.maintenance."):
            found.setdefault(action.removeprefix("steward.maintenance."), []).append(result)
    assert set(found) == AUDITED[cadence], sorted(found)
    for module, results in found.items():
        for result in results:
            assert result.get("changed") is False or module == "ledger_info" or result.get("summary", {}).get("planned", 0) > 0, (
                module,
                result.get("summary"),
            )
    return found


def planned(results: list[dict[str, Any]]) -> int:
    return sum(result["summary"].get("planned", 0) for result in results)


def test_every_module_is_audited():
    shipped = {path.stem for path in (ROOT / "plugins" / "modules").glob("*.py") if path.stem != "__init__"}
    assert set().union(*AUDITED.values()) == shipped


def test_daily_in_check_mode_only_reads(moto, endpoint, api, play, tmp_path, demo_vars, pg_server, audit):
    picks = seed_demo_fleet(endpoint)
    yesterday = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
    seed_daily_history(moto, picks, 14, yesterday)  # two weeks of dailies: the calendar policy prunes some
    seed_demo_credentials(moto, pg_server)
    seed_demo_deployables(endpoint)
    before = steward_backups(api)
    ledger = tmp_path / "ledger"
    health_targets = yaml.safe_load((ROOT / "demo" / "vars.yml").read_text())["steward_health_targets"]
    with HealthEndpoint() as health:
        extravars = {**demo_vars, "steward_ledger": str(ledger), "steward_health_targets": health_targets, "steward_health_url": health.url}
        run = play(PLAYBOOKS / "daily.yml", extravars, check=True, diff=True, via=audit.url)

    found = results_by_module(run, audit, "daily")
    # The nine AWS resources and the PostgreSQL database (their last backups are a day old); the Aurora member the rds
    # tag selects is skipped, its cluster backed up instead.
    assert planned(found["backup"]) == 10
    assert sum(result["summary"]["planned_deletions"] for result in found["backup_retention"]) > 0
    assert planned(found["log_retention"]) > 0
    assert found["health_check"][0]["summary"]["info"] >= 10
    assert steward_backups(api) == before and not ledger.exists()


def test_weekly_and_monthly_in_check_mode_only_read(moto, endpoint, api, play, tmp_path, demo_vars, pg_server, audit):
    seed_demo_fleet(endpoint)
    seed_demo_credentials(moto, pg_server)
    ledger = tmp_path / "ledger"
    extravars = {**demo_vars, "steward_ledger": str(ledger), **rotation_vars(demo_vars, ledger)}
    assert play(PLAYBOOKS / "daily.yml", extravars).rc == 0  # backups to restore-test, not audited
    records = sorted(ledger.rglob("*.json"))

    weekly = play(PLAYBOOKS / "weekly.yml", extravars, check=True, diff=True, via=audit.url)
    found = results_by_module(weekly, audit, "weekly")
    assert planned(found["restore_test"]) == 10
    assert found["access_key_rotation"][0]["summary"]["total"] >= 2

    audit.log.clear()
    monthly = play(PLAYBOOKS / "monthly.yml", extravars, check=True, diff=True, via=audit.url)
    found = results_by_module(monthly, audit, "monthly")
    assert planned(found["restore_test"]) > 0
    assert scratch_leftovers(api) == [] and pg_server.scratch_databases() == []
    assert sorted(ledger.rglob("*.json")) == records


def test_quarterly_in_check_mode_only_reads(moto, endpoint, play, tmp_path, demo_vars, pg_server, audit):
    seeded = seed_demo_credentials(moto, pg_server)
    aws = Endpoint(endpoint)
    secrets, iam = aws.client("secretsmanager"), aws.client("iam")

    def stages() -> dict[str, dict[str, list[str]]]:
        return {s["Name"]: secrets.describe_secret(SecretId=s["Name"])["VersionIdsToStages"] for s in secrets.list_secrets()["SecretList"]}

    def keys() -> dict[str, list[dict[str, Any]]]:
        return {user: iam.list_access_keys(UserName=user)["AccessKeyMetadata"] for user in seeded.users}

    stages_before, keys_before = stages(), keys()

    run = play(PLAYBOOKS / "quarterly.yml", rotation_vars(demo_vars, tmp_path / "ledger"), check=True, diff=True, via=audit.url)
    found = results_by_module(run, audit, "quarterly")
    assert planned(found["secret_rotation"]) == 2 and planned(found["access_key_rotation"]) == 2
    assert stages() == stages_before and keys() == keys_before


def test_pre_deploy_and_rollback_in_check_mode_only_read(endpoint, api, play, tmp_path, audit):
    seed_pre_deploy_fleet(endpoint, api)
    ledger = tmp_path / "ledger"
    extravars = deployables_vars(ledger)
    aws = Endpoint(endpoint)

    checked = play(PLAYBOOKS / "pre_deploy.yml", extravars, check=True, diff=True, via=audit.url)
    found = results_by_module(checked, audit, "pre_deploy")
    assert planned(found["checkpoint"]) == 2 and planned(found["backup"]) == 2
    assert not ledger.exists()

    assert play(PLAYBOOKS / "pre_deploy.yml", extravars).rc == 0  # the checkpoint to roll back to, not audited
    bad_release(aws)
    bad = live_state(aws)
    audit.log.clear()
    gates = {"steward_rollback_gates": {"bake_time": "1s"}}
    rolled = play(PLAYBOOKS / "rollback.yml", {**extravars, **gates}, check=True, diff=True, via=audit.url)
    found = results_by_module(rolled, audit, "rollback")
    assert planned(found["rollback"]) == 2 and live_state(aws) == bad
