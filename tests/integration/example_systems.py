"""A copy of each seed runbook's system in moto, in the account and region of each host of its example inventory
(examples/<system>/inventory): what the example's cadences select, healthy, with its ledger bucket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import boto3
from deployables import certificate, make_alarm, make_ecs_service, make_lambda_alias
from fleet import create_bucket, create_cluster, create_db_instance, create_table


class AccountSession:
    """``.client(name)`` acting in ``account`` (moto: an assumed role's credentials act in the role's account)."""

    def __init__(self, url: str, role_arn: str, region: str) -> None:
        sts = boto3.client("sts", endpoint_url=url, region_name=region, aws_access_key_id="testing", aws_secret_access_key="testing")
        creds = sts.assume_role(RoleArn=role_arn, RoleSessionName="seed")["Credentials"]
        self.url = url
        self.session = boto3.session.Session(
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
            region_name=region,
        )

    def client(self, name: str) -> Any:
        return self.session.client(name, endpoint_url=self.url)

    def api(self) -> dict[str, Any]:
        """The clients demo/fleet.py's helpers take."""
        return {name: self.client(name) for name in ("dynamodb", "rds", "ec2", "s3", "resourcegroupstaggingapi")}


def _running(aws: AccountSession, service_id: str) -> None:
    """moto starts a service with no task running; one update settles it as AWS's rollout would (moto_patches)."""
    cluster, service = service_id.split("/")
    definition = aws.client("ecs").describe_services(cluster=cluster, services=[service])["services"][0]["taskDefinition"]
    aws.client("ecs").update_service(cluster=cluster, service=service, taskDefinition=definition)


def _certificate(aws: AccountSession, domain: str) -> None:
    cert, key = certificate(200, domain)
    aws.client("acm").import_certificate(Certificate=cert, PrivateKey=key)


def _log_group(aws: AccountSession, name: str) -> None:
    aws.client("logs").create_log_group(logGroupName=name)


def safemate(aws: AccountSession, host: dict[str, Any]) -> None:
    env = host["safemate_env"]
    api = aws.api()
    tags = {"Project": "SafeMate", "Environment": env}
    users = f"{env}-safemate-users"
    api["dynamodb"].create_table(
        TableName=users,
        KeySchema=[{"AttributeName": "user_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "user_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
        Tags=[{"Key": key, "Value": value} for key, value in tags.items()],
    )
    api["dynamodb"].put_item(TableName=users, Item={"user_id": {"S": "steward-canary"}})
    create_table(api, f"{env}-safemate-files", tags, items=20)
    make_lambda_alias(aws, name=f"{env}-safemate-wallet-manager", tags=tags)
    make_alarm(aws, f"{env}-safemate-errors")
    _log_group(aws, f"/aws/lambda/{env}-safemate-wallet-manager")
    create_bucket(api, f"safemate-{env}-ops-evidence", {})


def solemate(aws: AccountSession, host: dict[str, Any]) -> None:
    api = aws.api()
    create_db_instance(api, "production-postgres", {"app": "solemate"})
    create_bucket(api, "solemate-static-assets", {"app": "solemate"}, {f"img/shoe-{n}.jpg": bytes([n]) * 256 for n in range(5)})
    create_bucket(api, "solemate-static-assets-backup", {})
    _running(aws, make_ecs_service(aws, name="solemate-backend", cluster="production-cluster", tags={"app": "solemate"}))
    make_alarm(aws, "solemate-5xx")
    _certificate(aws, "solemate.example")
    _log_group(aws, "/ecs/production/application")
    create_bucket(api, "solemate-ops-evidence", {})


def network_visualizer(aws: AccountSession, host: dict[str, Any]) -> None:
    api = aws.api()
    create_table(api, "network-visualizer-topology", {"app": "network-visualizer"}, items=60)
    create_bucket(api, "network-visualizer-data-production", {}, {f"topology/exports/{n:02d}.json": b"{}" for n in range(4)})
    create_bucket(api, "network-visualizer-data-production-backup", {})
    make_lambda_alias(aws, tags={"app": "network-visualizer"})
    make_alarm(aws, "network-visualizer-5xx")
    _log_group(aws, "/aws/lambda/network-visualizer-api")
    create_bucket(api, "network-visualizer-ops-evidence", {})


def skafu(aws: AccountSession, host: dict[str, Any]) -> None:
    api = aws.api()
    create_cluster(api, "skafu-production", {"Project": "Skafu"})
    create_bucket(api, "skafu-project-artifacts", {}, {"templates/basic.yaml": b"kind: template\n"})
    create_bucket(api, "skafu-project-artifacts-backup", {})
    make_lambda_alias(aws, name="skafu-project-management-api", tags={"Project": "Skafu"})
    make_alarm(aws, "skafu-api-errors")
    _certificate(aws, "skafu.example")
    _log_group(aws, "/aws/lambda/skafu-project-management-api")
    create_bucket(api, "skafu-ops-evidence", {})


def pazpaz(aws: AccountSession, host: dict[str, Any]) -> None:
    api = aws.api()
    create_db_instance(api, "pazpaz-prod-db", {"app": "pazpaz"})
    _running(aws, make_ecs_service(aws, tags={"app": "pazpaz"}))
    make_alarm(aws, "pazpaz-prod-5xx")
    _log_group(aws, "/ecs/pazpaz-backend")
    create_bucket(api, "pazpaz-ops-evidence", {})


SYSTEMS: dict[str, Callable[[AccountSession, dict[str, Any]], None]] = {
    "safemate": safemate,
    "solemate": solemate,
    "network-visualizer": network_visualizer,
    "skafu": skafu,
    "pazpaz": pazpaz,
}
# The URL variable of each example's health page, pointed at a page on 127.0.0.1 in the test.
HEALTH_URL_VARIABLE = {
    "safemate": "safemate_app_url",
    "solemate": "solemate_health_url",
    "network-visualizer": "network_visualizer_api_url",
    "skafu": "skafu_health_url",
    "pazpaz": "pazpaz_health_url",
}
