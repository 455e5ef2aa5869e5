"""The AWS side of each role's molecule scenario, against the moto server in STEWARD_MOLECULE_ENDPOINT.

    aws_state.py seed <role>    prepare: what the role acts on (aged where the role looks at age)
    aws_state.py state <role>   verify: what the role left, read straight from the services' APIs as JSON

Read with boto3 only, never through the collection's modules: the scenarios verify the roles, not themselves.
"""

from __future__ import annotations

import json
import os
import secrets
import sys
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / "demo"), str(ROOT / ".build" / "collections")]

from deployables import Endpoint, bad_release, live_state, make_alarm, make_ecs_service, make_lambda_alias  # noqa: E402
from fleet import clients, create_table  # noqa: E402
from history import seed_daily_history  # noqa: E402
from moto_server import MotoClient  # noqa: E402

URL = os.environ["STEWARD_MOLECULE_ENDPOINT"]
LAST = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)


def _ago(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


def _table_backups(api: dict[str, Any]) -> dict[str, int]:
    return {
        table: sum(1 for backup in api["dynamodb"].list_backups(TableName=table)["BackupSummaries"] if backup["TableName"] == table)
        for table in api["dynamodb"].list_tables()["TableNames"]
    }


def _tables(api: dict[str, Any]) -> None:
    create_table(api, "orders", {"backup": "daily"}, items=12)
    create_table(api, "carts", {"backup": "daily"}, items=3)
    create_table(api, "scratchpad", {}, items=1)


def seed(role: str) -> None:
    api, aws, server = clients(URL), Endpoint(URL), MotoClient(URL)
    if role in ("backup", "backup_freshness", "restore_test", "health_check", "report"):
        _tables(api)
    if role == "backup_retention":
        create_table(api, "orders", {"backup": "daily"}, items=3)
        seed_daily_history(server, [("dynamodb", "orders", {})], 20, LAST)
    if role in ("backup_freshness", "restore_test", "report"):
        seed_daily_history(server, [("dynamodb", "orders", {}), ("dynamodb", "carts", {})], 1, _ago(0.1))
    if role == "health_check":
        make_alarm(aws, "orders-5xx")
    if role == "checkpoint":
        make_ecs_service(aws)
        make_lambda_alias(aws)
    if role == "rollback":
        # Revision / version 3 live; the scenario's prepare checkpoints them, then "rollback_release" goes bad.
        make_ecs_service(aws)
        make_lambda_alias(aws)
    if role == "rollback_release":
        bad_release(aws)
    if role == "log_retention":
        for name in ("/ecs/orders", "/ecs/carts"):
            aws.client("logs").create_log_group(logGroupName=name)
        aws.client("logs").put_retention_policy(logGroupName="/ecs/carts", retentionInDays=90)
    if role in ("secret_rotation", "access_key_rotation"):
        try:
            server.travel(_ago(95))
            aws.client("secretsmanager").create_secret(Name="orders/api-token", SecretString=secrets.token_urlsafe(32))
            aws.client("iam").create_user(UserName="orders-uploader", Tags=[{"Key": "rotation", "Value": "quarterly"}])
            aws.client("iam").create_access_key(UserName="orders-uploader")
            server.travel(_ago(5))
            aws.client("secretsmanager").create_secret(Name="orders/young", SecretString=secrets.token_urlsafe(32))
        finally:
            server.travel(None)


def state(role: str) -> dict[str, Any]:
    api, aws = clients(URL), Endpoint(URL)
    found: dict[str, Any] = {"backups": _table_backups(api)}
    found["tables"] = sorted(api["dynamodb"].list_tables()["TableNames"])
    ledger = Path(os.environ["STEWARD_MOLECULE_LEDGER"])
    records = [json.loads(path.read_text()) for path in sorted(ledger.rglob("*.json"))] if ledger.exists() else []
    found["ledger"] = sorted(f"{record.get('action')}:{record.get('status')}" for record in records)
    report = Path(os.environ["STEWARD_REPORT_DIR"]) / "report.json"
    found["report"] = sorted({task["action"] for task in json.loads(report.read_text())["tasks"]}) if report.exists() else []
    if role in ("checkpoint", "rollback"):
        task_definition, version, weights = live_state(aws)
        found["live"] = {"task_definition": task_definition.rsplit("/", 1)[-1], "version": version, "weights": weights}
    if role == "log_retention":
        groups = aws.client("logs").describe_log_groups()["logGroups"]
        found["retention"] = {group["logGroupName"]: group.get("retentionInDays") for group in groups}
    if role == "secret_rotation":
        client = aws.client("secretsmanager")
        names = [secret["Name"] for secret in client.list_secrets()["SecretList"]]
        found["versions"] = {name: len(client.list_secret_version_ids(SecretId=name)["Versions"]) for name in names}
    if role == "access_key_rotation":
        keys = aws.client("iam").list_access_keys(UserName="orders-uploader")["AccessKeyMetadata"]
        found["keys"] = sorted(key["Status"] for key in keys)
        found["stored"] = [secret["Name"] for secret in aws.client("secretsmanager").list_secrets()["SecretList"]]
    return found


COMMANDS: dict[str, Callable[[str], Any]] = {"seed": seed, "state": state}

if __name__ == "__main__":
    command, role = sys.argv[1], sys.argv[2]
    answer = COMMANDS[command](role)
    print(json.dumps(answer if answer is not None else {"seeded": role}))
