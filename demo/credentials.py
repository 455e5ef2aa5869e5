"""Seed 004's credentials in the demo's moto server and PostgreSQL: secrets aged past 90 days (a JWT signing key, the
``pazpaz`` database user's password, which the real server uses), an IAM user with a 120-day-old key and an old
unused inactive one, a second user whose only key was never used, and log groups without retention.

Initial values are random and never printed; ``Seeded`` keeps the old database password only to prove, after the
rotation, that it no longer opens the database.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from deployables import Endpoint

APP_ROLE = "pazpaz_app"


@dataclass
class Seeded:
    old_database_password: str = field(repr=False)
    users: list[str] = field(default_factory=list)


def _ago(days: int) -> datetime:
    return datetime.now(timezone.utc) - timedelta(days=days)


def seed_demo_credentials(server: Any, pg: Any) -> Seeded:
    aws = Endpoint(server.url)
    password = secrets.token_urlsafe(24)
    pg.psql(f"DROP ROLE IF EXISTS {APP_ROLE}")
    pg.psql(f"CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{password}'")
    pg.psql(f"GRANT CONNECT ON DATABASE pazpaz TO {APP_ROLE}")
    secretsmanager, iam, logs = aws.client("secretsmanager"), aws.client("iam"), aws.client("logs")
    try:
        server.travel(_ago(120))
        iam.create_user(UserName="pazpaz-s3", Tags=[{"Key": "rotation", "Value": "quarterly"}])
        iam.create_access_key(UserName="pazpaz-s3")
        server.travel(_ago(115))
        unused = iam.create_access_key(UserName="pazpaz-s3")["AccessKey"]["AccessKeyId"]
        iam.update_access_key(UserName="pazpaz-s3", AccessKeyId=unused, Status="Inactive")
        server.travel(_ago(100))
        secretsmanager.create_secret(Name="pazpaz/jwt-signing-key", SecretString=secrets.token_urlsafe(48))
        secretsmanager.create_secret(Name="pazpaz/database", SecretString=json.dumps({"username": APP_ROLE, "password": password}))
        server.travel(_ago(95))
        iam.create_user(UserName="pazpaz-backup", Tags=[{"Key": "rotation", "Value": "quarterly"}])
        iam.create_access_key(UserName="pazpaz-backup")
        server.travel(_ago(10))
        secretsmanager.create_secret(Name="pazpaz/redis", SecretString=secrets.token_urlsafe(32))  # young: not due
    finally:
        server.travel(None)
    for name in ("/ecs/pazpaz-backend", "/aws/lambda/network-visualizer-api", "/aws/lambda/network-visualizer-worker"):
        logs.create_log_group(logGroupName=name)
    logs.put_retention_policy(logGroupName="/aws/lambda/network-visualizer-worker", retentionInDays=90)
    return Seeded(password, ["pazpaz-s3", "pazpaz-backup"])
