"""Deployables in moto: ECS services with task-definition revisions, Lambda functions with published versions and a
``live`` alias, CloudWatch alarms, a bad release, and a health endpoint on 127.0.0.1. Used by the demo, the
rollback tests (``session`` is anything with ``.client(name)``: a boto3 session in-process, or ``Endpoint``).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
import zipfile
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

ACCOUNT = "123456789012"
REGION = "us-east-1"
FUNCTION = "network-visualizer-api"
CLUSTER = "pazpaz-prod"
FAMILY = "pazpaz-backend"


def _zip(text: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", f"def handler(event, context):\n    return {text!r}\n")
    return buffer.getvalue()


def task_definition_arn(family: str, revision: int, region: str = "us-east-1") -> str:
    return f"arn:aws:ecs:{region}:{ACCOUNT}:task-definition/{family}:{revision}"


def make_ecs_service(
    session, name: str = FAMILY, revisions: int = 3, running: int = 3, desired: int = 2, tags: dict | None = None, cluster: str = CLUSTER
) -> str:
    """A service on revision ``running`` of a family with ``revisions`` revisions; returns its id (cluster/service)."""
    ecs = session.client("ecs")
    ecs.create_cluster(clusterName=cluster)
    for revision in range(1, revisions + 1):
        ecs.register_task_definition(
            family=name, containerDefinitions=[{"name": "app", "image": f"registry.example/{name}:{revision}", "memory": 256}]
        )
    # A neighbour family whose name starts with this one's: familyPrefix lists it too, it must not be taken.
    ecs.register_task_definition(family=f"{name}-worker", containerDefinitions=[{"name": "w", "image": "w", "memory": 128}])
    ecs.create_service(
        cluster=cluster,
        serviceName=name,
        taskDefinition=f"{name}:{running}",
        desiredCount=desired,
        tags=[{"key": key, "value": value} for key, value in (tags or {}).items()],
    )
    return f"{cluster}/{name}"


def make_lambda_alias(session, name: str = FUNCTION, versions: int = 3, live: str = "3", tags: dict | None = None) -> str:
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


def certificate(days_left: int, domain: str) -> tuple[bytes, bytes]:
    """A self-signed certificate for ``domain`` (PEM) expiring in ``days_left`` days, and its key: for ACM's import."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.timezone.utc)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, domain)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=300))
        .not_valid_after(now + dt.timedelta(days=days_left, hours=12))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(domain)]), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), pem_key


def bad_release(session, alarm: str | None = None) -> None:
    """A new revision and a new version go live (the alias still sends 10% to the old one), and, if named, an alarm
    fires: what rollback undoes."""
    ecs = session.client("ecs")
    ecs.register_task_definition(family=FAMILY, containerDefinitions=[{"name": "app", "image": "registry.example/bad", "memory": 256}])
    latest = ecs.list_task_definitions(familyPrefix=FAMILY, status="ACTIVE")["taskDefinitionArns"]
    newest = max((arn for arn in latest if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == FAMILY), key=lambda arn: int(arn.rsplit(":", 1)[-1]))
    ecs.update_service(cluster=CLUSTER, service=FAMILY, taskDefinition=newest)
    client = session.client("lambda")
    client.update_function_code(FunctionName=FUNCTION, ZipFile=_zip("bad"))
    version = client.publish_version(FunctionName=FUNCTION)["Version"]
    previous = client.get_alias(FunctionName=FUNCTION, Name="live")["FunctionVersion"]
    client.update_alias(
        FunctionName=FUNCTION, Name="live", FunctionVersion=version, RoutingConfig={"AdditionalVersionWeights": {previous: 0.1}}
    )
    if alarm:
        session.client("cloudwatch").set_alarm_state(AlarmName=alarm, StateValue="ALARM", StateReason="5xx rate above 1% after the release")


def live_state(session) -> tuple[str, str, dict[str, float]]:
    """(the service's task definition ARN, the alias's version, its extra weights)."""
    service = session.client("ecs").describe_services(cluster=CLUSTER, services=[FAMILY])["services"][0]
    alias = session.client("lambda").get_alias(FunctionName=FUNCTION, Name="live")
    return service["taskDefinition"], alias["FunctionVersion"], (alias.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}


class Endpoint:
    """``.client(name)`` for a moto server at ``url`` (the demo's and the integration tests' "session")."""

    def __init__(self, url: str, region: str = REGION) -> None:
        self.url = url
        self.session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)

    def client(self, name: str) -> Any:
        return self.session.client(name, endpoint_url=self.url)


def seed_demo_deployables(url: str) -> None:
    """Seed 004's backend (three revisions, on the third) and seed 002's API (three versions, live on the third)."""
    endpoint = Endpoint(url)
    make_ecs_service(endpoint, tags={"app": "pazpaz", "env": "production"})
    make_lambda_alias(endpoint, tags={"app": "network-visualizer", "env": "production"})
    make_alarm(endpoint, "pazpaz-prod-5xx")
    make_alarm(endpoint, "pazpaz-prod-latency")


class HealthEndpoint:
    """A health page on 127.0.0.1 (``/health`` answers 200 ``{"status": "ok"}``) for the HTTP gate."""

    def __init__(self) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = json.dumps({"status": "ok"}).encode() if self.path == "/health" else b"not found"
                self.send_response(200 if self.path == "/health" else 404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/health"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> HealthEndpoint:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
