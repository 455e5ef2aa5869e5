"""A small deployable fleet in moto: ECS services with task-definition revisions, Lambda functions with published
versions and a ``live`` alias, CloudWatch alarms. Shared by the rollback and checkpoint tests."""

from __future__ import annotations

import io
import zipfile

ACCOUNT = "123456789012"
CLUSTER = "pazpaz-prod"
FAMILY = "pazpaz-backend"


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", f"def handler(event, context):\n    return {text!r}\n")
    return buffer.getvalue()


def task_definition_arn(family: str, revision: int, region: str = "us-east-1") -> str:
    return f"arn:aws:ecs:{region}:{ACCOUNT}:task-definition/{family}:{revision}"


def make_ecs_service(session, name: str = FAMILY, revisions: int = 3, running: int = 3, desired: int = 2, tags: dict | None = None) -> str:
    """A service on revision ``running`` of a family with ``revisions`` revisions; returns its id (cluster/service)."""
    ecs = session.client("ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    for revision in range(1, revisions + 1):
        ecs.register_task_definition(
            family=name, containerDefinitions=[{"name": "app", "image": f"registry.example/{name}:{revision}", "memory": 256}]
        )
    # A neighbour family whose name starts with this one's: familyPrefix lists it too, it must not be taken.
    ecs.register_task_definition(family=f"{name}-worker", containerDefinitions=[{"name": "w", "image": "w", "memory": 128}])
    ecs.create_service(
        cluster=CLUSTER,
        serviceName=name,
        taskDefinition=task_definition_arn(name, running),
        desiredCount=desired,
        tags=[{"key": key, "value": value} for key, value in (tags or {}).items()],
    )
    return f"{CLUSTER}/{name}"


def make_lambda_alias(session, name: str = "network-visualizer-api", versions: int = 3, live: str = "3", tags: dict | None = None) -> str:
    """A function with ``versions`` published versions and an alias ``live``; returns its id (function:alias)."""
    iam = session.client("iam")
    try:
        role = iam.create_role(RoleName="lambda-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    except iam.exceptions.EntityAlreadyExistsException:
        role = iam.get_role(RoleName="lambda-role")["Role"]["Arn"]
    client = session.client("lambda")
    client.create_function(
        FunctionName=name, Runtime="python3.12", Role=role, Handler="handler.handler", Code={"ZipFile": _zip("v1")}, Tags=tags or {}
    )
    client.publish_version(FunctionName=name)
    for version in range(2, versions + 1):
        client.update_function_code(FunctionName=name, ZipFile=_zip(f"v{version}"))
        client.publish_version(FunctionName=name)
    client.create_alias(FunctionName=name, Name="live", FunctionVersion=live)
    return f"{name}:live"


def make_alarm(session, name: str, state: str = "OK") -> None:
    cloudwatch = session.client("cloudwatch")
    cloudwatch.put_metric_alarm(
        AlarmName=name,
        MetricName="5XXError",
        Namespace="AWS/ApiGateway",
        Statistic="Sum",
        Period=60,
        EvaluationPeriods=1,
        Threshold=1.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
    )
    if state != "OK":
        cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason="test")
