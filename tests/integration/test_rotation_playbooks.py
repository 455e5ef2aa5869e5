"""quarterly.yml, emergency_rotation.yml and log retention as AWX runs them (ansible-runner), at -vvvv: credentials
rotated end to end (the database password on the real PostgreSQL), and no value, old or new, in any output or record."""

from __future__ import annotations

import json

import psycopg
import yaml
from conftest import ROOT, assert_awx_job, ledger_records
from credentials import APP_ROLE, seed_demo_credentials
from deployables import Endpoint

QUARTERLY, EMERGENCY = (ROOT / "playbooks" / name for name in ("quarterly.yml", "emergency_rotation.yml"))
SECRETS_TASK = "Rotate the selected secrets"
KEYS_TASK = "Rotate, retire and review the selected users' access keys"


def rotation_vars(demo_vars: dict, ledger) -> dict:
    demo = yaml.safe_load((ROOT / "demo" / "vars.yml").read_text())
    return {
        "steward_ledger": str(ledger),
        "steward_postgres": demo_vars["steward_postgres"],
        "steward_secrets": demo["steward_secrets"],
        "steward_iam_users": demo["steward_iam_users"],
    }


def every_value(aws: Endpoint) -> list[str]:
    """Every secret value there is now and was before (each version), and every stored access key's secret."""
    client = aws.client("secretsmanager")
    values: list[str] = []
    for secret in client.list_secrets()["SecretList"]:
        for version in client.list_secret_version_ids(SecretId=secret["Name"])["Versions"]:
            text = client.get_secret_value(SecretId=secret["Name"], VersionId=version["VersionId"])["SecretString"]
            values.append(text)
            document = json.loads(text) if text.startswith("{") else {}
            values += [str(value) for key, value in document.items() if key in ("password", "SecretAccessKey")]
    return values


def opens(pg_server, password: str) -> bool:
    try:
        psycopg.connect(
            host=pg_server.host, port=pg_server.port, user=APP_ROLE, password=password, dbname="pazpaz", sslmode="disable"
        ).close()
    except psycopg.OperationalError:
        return False
    return True


def test_quarterly_and_emergency_rotation_show_no_value_at_vvvv(moto, endpoint, play, tmp_path, demo_vars, pg_server):
    seeded = seed_demo_credentials(moto, pg_server)
    aws = Endpoint(endpoint)
    ledger = tmp_path / "ledger"
    extravars = rotation_vars(demo_vars, ledger)
    before = every_value(aws)

    checked = play(QUARTERLY, extravars, check=True)
    assert checked.rc == 0, checked.stdout[-3000:]
    assert checked.result(SECRETS_TASK)["summary"]["planned"] == 2 and every_value(aws) == before

    outputs = []
    quarterly = play(QUARTERLY, extravars, verbosity=4)
    assert_awx_job(quarterly, {"secret_rotation_result", "access_key_rotation_result"})
    outputs.append(quarterly.stdout)
    assert quarterly.rc == 0, quarterly.stdout[-3000:]
    assert quarterly.result(SECRETS_TASK)["summary"]["rotated"] == 2 and quarterly.result(KEYS_TASK)["summary"]["rotated"] == 2
    database = json.loads(
        aws.client("secretsmanager").get_secret_value(SecretId="pazpaz/database", VersionStage="AWSCURRENT")["SecretString"]
    )
    assert opens(pg_server, database["password"]) and not opens(pg_server, seeded.old_database_password)

    again = play(QUARTERLY, extravars)
    assert again.rc == 0 and again.result(SECRETS_TASK)["changed"] is False, again.stdout[-3000:]
    assert again.result(KEYS_TASK)["summary"]["rotated"] == 0

    emergency = play(EMERGENCY, {**extravars, "steward_emergency_secrets": [{"kind": "secret", "names": ["pazpaz/*"]}]}, verbosity=4)
    assert_awx_job(emergency, {"secret_rotation_result", "access_key_rotation_result"})
    outputs.append(emergency.stdout)
    assert emergency.rc == 0, emergency.stdout[-3000:]
    assert emergency.result(SECRETS_TASK)["summary"]["rotated"] == 3  # every pazpaz/* secret, the young one too
    active = {
        user: [key for key in aws.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"] if key["Status"] == "Active"]
        for user in seeded.users
    }
    assert all(len(keys) == 1 for keys in active.values()), active  # forced: old keys deactivated at once, one left

    logs = play("log_groups.yml", {"steward_log_groups": [{"kind": "log_group", "names": ["/ecs/pazpaz-*"]}]}, verbosity=4)
    outputs.append(logs.stdout)
    assert logs.rc == 0 and logs.result("Set the retention of the selected log groups")["summary"]["set"] == 1

    values = set(every_value(aws) + before + [seeded.old_database_password, demo_vars["steward_postgres"]["password"]])
    assert len(values) >= 10
    shown = "\n".join(outputs) + "\n".join(json.dumps(record) for record in ledger_records(ledger))
    assert "********" in shown or "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER" in shown  # masking happened, so values were near
    leaked = [value[:4] + "..." for value in values if value in shown]
    assert leaked == [], f"secret values in the output or the ledger: {leaked}"
