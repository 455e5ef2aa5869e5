"""Each seed runbook's example (examples/<system>/inventory) runs its daily cadence against a copy of that system in
moto, in each host's own account: the morning check finds nothing critical, every selected resource is backed up
once, log retention is set as the runbook says, and the evidence lands in the account's ledger bucket."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import ROOT
from deployables import HealthEndpoint
from example_systems import HEALTH_URL_VARIABLE, SYSTEMS, AccountSession

DAILY = ROOT / "playbooks" / "daily.yml"


def inventory_of(system: str) -> tuple[dict, dict]:
    """(hosts with their own and their group's variables, group_vars/all.yml)."""
    folder = ROOT / "examples" / system / "inventory"
    groups = yaml.safe_load((folder / "hosts.yml").read_text())["all"]["children"]
    hosts = {name: {**group.get("vars", {}), **(values or {})} for group in groups.values() for name, values in group["hosts"].items()}
    return hosts, yaml.safe_load((folder / "group_vars" / "all.yml").read_text())


def rendered(value: str, host: dict) -> str:
    """The example's names template only host variables such as ``{{ safemate_env }}``."""
    for key, replacement in host.items():
        value = value.replace("{{ " + key + " }}", str(replacement))
    return value


def steward_backup_count(aws: AccountSession, target: dict, host: dict) -> dict[str, int]:
    """Steward backups per selected resource of one target (names or the tags this test's seed uses)."""
    api = aws.api()
    kind = target["kind"]
    if kind == "dynamodb":
        tables = api["dynamodb"].list_tables()["TableNames"]
        tags = target.get("tags")
        if tags:
            wanted = []
            for table in tables:
                arn = api["dynamodb"].describe_table(TableName=table)["Table"]["TableArn"]
                found = {tag["Key"]: tag["Value"] for tag in api["dynamodb"].list_tags_of_resource(ResourceArn=arn)["Tags"]}
                if all(found.get(key) == value for key, value in tags.items()):
                    wanted.append(table)
        else:
            wanted = [rendered(name, host) for name in target["names"]]
        return {
            table: sum(1 for backup in api["dynamodb"].list_backups(TableName=table)["BackupSummaries"] if backup["TableName"] == table)
            for table in wanted
        }
    if kind == "rds":
        snapshots = api["rds"].describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        return {name: sum(1 for snap in snapshots if snap["DBInstanceIdentifier"] == name) for name in target["names"]}
    if kind == "aurora":
        snapshots = api["rds"].describe_db_cluster_snapshots(SnapshotType="manual")["DBClusterSnapshots"]
        return {name: sum(1 for snap in snapshots if snap["DBClusterIdentifier"] == name) for name in target["names"]}
    if kind == "s3":
        listing = api["s3"].list_objects_v2(Bucket=target["options"]["backup_bucket"]).get("Contents", [])
        return {name: sum(1 for item in listing if "/manifests/" in item["Key"]) for name in target["names"]}
    raise AssertionError(f"the test does not count {kind} backups")


@pytest.mark.parametrize("system", sorted(SYSTEMS))
def test_example_daily_runs_against_a_copy_of_its_system(system, endpoint, play):
    hosts, group_vars = inventory_of(system)
    sessions = {name: AccountSession(endpoint, host["steward_role_arn"], host["steward_region"]) for name, host in hosts.items()}
    for name, host in hosts.items():
        SYSTEMS[system](sessions[name], host)

    with HealthEndpoint() as page:
        extravars = {"steward_hosts": "all", HEALTH_URL_VARIABLE[system]: page.url}
        run = play(DAILY, extravars, inventory=str(ROOT / "examples" / system / "inventory"))
    assert run.rc == 0, run.stdout[-4000:]
    assert "health check found nothing critical" in run.stdout

    for name, host in hosts.items():
        aws = sessions[name]
        for target in group_vars["steward_targets"]:
            counts = steward_backup_count(aws, target, host)
            assert counts and set(counts.values()) == {1}, (name, target, counts)
        days = group_vars["steward_log_retention_days"]
        groups = aws.client("logs").describe_log_groups()["logGroups"]
        assert groups and {group.get("retentionInDays") for group in groups} == {days}, (name, groups)
        bucket = rendered(group_vars["steward_ledger"], host).removeprefix("s3://").split("/")[0]
        records = [
            json.loads(aws.client("s3").get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
            for item in aws.client("s3").list_objects_v2(Bucket=bucket).get("Contents", [])
        ]
        account = host["steward_role_arn"].split(":")[4]
        backed_up = [record for record in records if record.get("action") == "backup" and record.get("status") == "created"]
        # Every record names a resource of this account (S3 bucket ARNs name no account).
        arns = [record["resource_arn"] for record in backed_up]
        assert arns and all(f":{account}:" in arn or arn.startswith("arn:aws:s3:::") for arn in arns), arns

    report = json.loads((run.report_dir / "report.json").read_text())
    assert {task["host"] for task in report["tasks"] if task["action"] == "backup"} == set(hosts)
