"""Real botocore clients with Stubbers attached, for the paths moto cannot show."""

from __future__ import annotations

import boto3
from botocore.stub import Stubber

from ansible_collections.steward.maintenance.plugins.module_utils._clients import ClientFactory


class Stubbed:
    """Real botocore clients with Stubbers attached, handed out by a ClientFactory."""

    def __init__(self) -> None:
        session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
        self.clients: dict[str, object] = {}
        self.stubbers: dict[str, Stubber] = {}
        for service in ("dynamodb", "rds", "ec2", "s3", "resourcegroupstaggingapi", "ecs", "lambda", "cloudwatch", "secretsmanager"):
            client = session.client(service)
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        self.factory = ClientFactory(lambda service, config: self.clients[service], concurrency=2)

    def __getitem__(self, service: str) -> Stubber:
        return self.stubbers[service]

    def assert_done(self) -> None:
        for stubber in self.stubbers.values():
            stubber.assert_no_pending_responses()
