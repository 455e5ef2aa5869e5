"""Many accounts and regions, the inventory way: each host an account/region pair with its role to assume. One moto
server, two accounts, two regions: each host's resources are backed up, retained and restore-tested in its own
account and region only, and the run's report shows every host; bad hosts fail alone."""

from __future__ import annotations

import json

from conftest import ROOT, ledger_records
from example_systems import AccountSession

DAILY, WEEKLY = (ROOT / "playbooks" / name for name in ("daily.yml", "weekly.yml"))
ACCOUNTS = ("111111111111", "222222222222")
REGIONS = ("us-east-1", "eu-west-1")


def as_role(endpoint: str, account: str, region: str) -> AccountSession:
    """Acting in ``account`` (moto: credentials from an assumed role act in that role's account)."""
    return AccountSession(endpoint, f"arn:aws:iam::{account}:role/steward", region)


def seed(endpoint: str) -> None:
    for account in ACCOUNTS:
        for region in REGIONS:
            dynamodb = as_role(endpoint, account, region).client("dynamodb")
            for name in ("orders", f"orders-{account[:1]}-{region}"):  # one name in every account and region, one of its own
                dynamodb.create_table(
                    TableName=name,
                    KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                    AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                    BillingMode="PAY_PER_REQUEST",
                    Tags=[{"Key": "backup", "Value": "daily"}],
                )


def backups(endpoint: str, account: str, region: str) -> dict[str, int]:
    dynamodb = as_role(endpoint, account, region).client("dynamodb")
    found: dict[str, int] = {}
    for table in dynamodb.list_tables()["TableNames"]:
        summaries = dynamodb.list_backups(TableName=table)["BackupSummaries"]
        found[table] = sum(1 for summary in summaries if summary["TableName"] == table)
    return found


def test_each_host_acts_in_its_own_account_and_region(endpoint, play, tmp_path):
    seed(endpoint)
    hosts = {
        f"acct-{account[:1]}-{region}": {
            "ansible_connection": "local",
            "steward_role_arn": f"arn:aws:iam::{account}:role/steward",
            "steward_region": region,
            "steward_ledger": str(tmp_path / "ledger" / account / region),  # a ledger prefix per account/region
        }
        for account in ACCOUNTS
        for region in REGIONS
    }
    extravars = {
        "steward_hosts": "all",
        "steward_targets": [{"kind": "dynamodb", "tags": {"backup": "daily"}}],
        "awx_job_id": 4242,
    }
    checked = play(DAILY, extravars, check=True, inventory={"all": {"hosts": hosts}})
    assert checked.rc == 0, checked.stdout[-3000:]
    assert all(count == 0 for account in ACCOUNTS for region in REGIONS for count in backups(endpoint, account, region).values())

    run = play(DAILY, extravars, inventory={"all": {"hosts": hosts}})
    assert run.rc == 0, run.stdout[-3000:]
    for account in ACCOUNTS:
        for region in REGIONS:
            # Exactly this account/region's two tables, one backup each: nothing from (or into) the other three.
            assert backups(endpoint, account, region) == {"orders": 1, f"orders-{account[:1]}-{region}": 1}, (account, region)
            records = ledger_records(tmp_path / "ledger" / account / region)
            arns = {record["resource_arn"] for record in records if record.get("action") == "backup"}
            assert arns == {
                f"arn:aws:dynamodb:{region}:{account}:table/orders",
                f"arn:aws:dynamodb:{region}:{account}:table/orders-{account[:1]}-{region}",
            }
    document = json.loads((run.report_dir / "report.json").read_text())
    assert {task["host"] for task in document["tasks"] if task["action"] == "backup"} == set(hosts)

    # The weekly restore tests, over the same hosts: each restores its own account/region's backups into scratch
    # there, verifies them and leaves no scratch table anywhere.
    weekly = play(WEEKLY, extravars, inventory={"all": {"hosts": hosts}})
    assert weekly.rc == 0, weekly.stdout[-3000:]
    for account in ACCOUNTS:
        for region in REGIONS:
            tested = [
                record
                for record in ledger_records(tmp_path / "ledger" / account / region)
                if record.get("action") == "restore_test" and record.get("verdict") == "passed"
            ]
            assert {record["resource_arn"] for record in tested} == {
                f"arn:aws:dynamodb:{region}:{account}:table/orders",
                f"arn:aws:dynamodb:{region}:{account}:table/orders-{account[:1]}-{region}",
            }, (account, region)
            tables = as_role(endpoint, account, region).client("dynamodb").list_tables()["TableNames"]
            assert sorted(tables) == sorted(["orders", f"orders-{account[:1]}-{region}"]), (account, region, tables)


def test_bad_hosts_fail_before_any_mutating_call_naming_the_variable_or_host(endpoint, moto, play, tmp_path):
    """A missing variable, an unknown kind, a host without region and a role that cannot be assumed each fail their
    own host before any mutating call, with a message naming the variable or the host; the good host is backed up."""
    seed(endpoint)
    refused = "arn:aws:iam::222222222222:role/steward"
    moto.refuse_roles([refused])
    good_targets = [{"kind": "dynamodb", "tags": {"backup": "daily"}}]

    def host(account: str, **overrides):
        return {
            "ansible_connection": "local",
            "steward_role_arn": f"arn:aws:iam::{account}:role/steward",
            "steward_region": "us-east-1",
            "steward_ledger": str(tmp_path / "ledger" / account),
            "steward_targets": good_targets,
            **overrides,
        }

    hosts = {
        "good": host("111111111111"),
        "unknown-kind": host("111111111111", steward_region="eu-west-1", steward_targets=[{"kind": "dynamo", "names": ["orders"]}]),
        "refused-role": host("222222222222"),
        "no-region": host("222222222222", steward_region=""),
    }
    missing = host("222222222222", steward_region="eu-west-1")
    del missing["steward_targets"]
    hosts["missing-targets"] = missing
    moto.calls(reset=True)
    run = play(DAILY, {"steward_hosts": "all"}, inventory={"all": {"hosts": hosts}})
    calls = moto.calls()
    moto.refuse_roles([])  # the checks below read every account

    assert run.rc != 0
    assert set(run.failures) == {"unknown-kind", "refused-role", "no-region", "missing-targets"}, run.failures
    assert "steward_targets" in run.failures["unknown-kind"] and "dynamo" in run.failures["unknown-kind"]
    assert "missing required arguments: steward_targets" in run.failures["missing-targets"]
    assert "host no-region" in run.failures["no-region"] and "steward_region" in run.failures["no-region"]
    assert f"host refused-role: cannot assume steward_role_arn {refused}" in run.failures["refused-role"]
    assert "AccessDenied" in run.failures["refused-role"]
    # The good host went on: its two tables in us-east-1 backed up, and nothing anywhere else.
    assert backups(endpoint, "111111111111", "us-east-1") == {"orders": 1, "orders-1-us-east-1": 1}
    assert set(backups(endpoint, "111111111111", "eu-west-1").values()) == {0}
    assert set(backups(endpoint, "222222222222", "us-east-1").values()) == {0}
    assert set(backups(endpoint, "222222222222", "eu-west-1").values()) == {0}
    assert calls.get("dynamodb:CreateBackup") == 2, calls
    assert not [operation for operation in calls if operation.split(":")[1].startswith(("Delete", "Put", "Update"))], calls
