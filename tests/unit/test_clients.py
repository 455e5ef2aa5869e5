"""The client factory: botocore retries, one client per service, HTML 5xx pages retried like any 5xx."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3
import pytest

from ansible_collections.steward.maintenance.plugins.module_utils._clients import ClientFactory

DOCTYPE_500 = b"<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n<h1>Internal Server Error</h1>\n"


class FlakyDynamoDB(BaseHTTPRequestHandler):
    """Answers the first request with werkzeug's HTML 500 page, later ones with a valid ListTables response."""

    requests = 0

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        type(self).requests += 1
        if type(self).requests == 1:
            self.send_response(500)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            body = DOCTYPE_500
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-amz-json-1.0")
            body = b'{"TableNames": ["orders"]}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def flaky_endpoint():
    FlakyDynamoDB.requests = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), FlakyDynamoDB)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def factory_for(endpoint: str, max_attempts: int) -> ClientFactory:
    session = boto3.session.Session(aws_access_key_id="x", aws_secret_access_key="x", region_name="us-east-1")
    return ClientFactory(lambda service, config: session.client(service, config=config, endpoint_url=endpoint), max_attempts=max_attempts)


def test_an_html_500_page_is_retried_not_raised_as_a_parse_error(flaky_endpoint):
    client = factory_for(flaky_endpoint, max_attempts=3).client("dynamodb")
    assert client.list_tables()["TableNames"] == ["orders"]
    assert FlakyDynamoDB.requests == 2


def test_without_attempts_left_it_surfaces_as_a_500_client_error(flaky_endpoint):
    from botocore.exceptions import ClientError

    with pytest.raises(ClientError) as caught:
        factory_for(flaky_endpoint, max_attempts=1).client("dynamodb").list_tables()
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500


def test_clients_are_made_once_per_service_with_the_configured_retries():
    made = []

    def make(service, config):
        made.append((service, config.retries, config.max_pool_connections))
        return boto3.session.Session(region_name="us-east-1").client(service, config=config)

    factory = ClientFactory(make, concurrency=16, retry_mode="adaptive", max_attempts=7)
    assert factory.client("s3") is factory.client("s3")
    factory.client("rds")
    assert made == [("s3", {"mode": "adaptive", "total_max_attempts": 7}, 18), ("rds", {"mode": "adaptive", "total_max_attempts": 7}, 18)]


class FakeModule:
    """What factory_from_module reads of an AnsibleAWSModule: its params, its name, and its two ways to fail."""

    _name = "steward.maintenance.backup"

    def __init__(self, **params) -> None:
        self.params = {"endpoint_url": None, "access_key": "x", "secret_key": "x", "session_token": None, "profile": None, "region": None}
        self.params.update({"validate_certs": True, "aws_ca_bundle": None, "aws_config": None, **params})

    def fail_json(self, msg: str, **_: object) -> None:
        raise RuntimeError(msg)

    def fail_json_aws(self, error: BaseException, msg: str) -> None:
        raise RuntimeError(f"{msg}: {error}")


@pytest.fixture
def no_aws_config(monkeypatch, tmp_path):
    for name in ("AWS_REGION", "AWS_DEFAULT_REGION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))


def test_module_clients_share_one_session_and_honour_the_connection_options(flaky_endpoint, monkeypatch, no_aws_config):
    from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_module

    sessions = []
    real_session = boto3.session.Session

    def counted(*args, **kwargs):
        sessions.append(kwargs)
        return real_session(*args, **kwargs)

    monkeypatch.setattr(boto3.session, "Session", counted)
    module = FakeModule(region="eu-west-1", endpoint_url=flaky_endpoint, aws_config={"connect_timeout": 7})
    factory = factory_from_module(module, concurrency=4, retry_mode="standard", max_attempts=3, user_agent="steward.maintenance/9.9")
    clients = [factory.client("dynamodb"), factory.single_attempt("dynamodb"), factory.client("rds")]
    # Each new session reads the endpoint table and the models again: one for all of them.
    assert sessions == [{"profile_name": None}]
    assert {client.meta.region_name for client in clients} == {"eu-west-1"}
    assert clients[0].meta.endpoint_url == flaky_endpoint
    assert clients[0].meta.config.connect_timeout == 7  # the task's aws_config is kept
    assert clients[0].meta.config.retries["total_max_attempts"] == 3
    assert clients[1].meta.config.retries["total_max_attempts"] == 1
    assert "steward.maintenance/9.9" in clients[0].meta.config.user_agent_extra
    assert clients[0].list_tables()["TableNames"] == ["orders"]  # the HTML 500 retried through the endpoint given


def test_a_missing_region_fails_the_task_before_any_client(no_aws_config):
    from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_module

    with pytest.raises(RuntimeError, match=r"The steward\.maintenance\.backup module requires a region and none was found"):
        factory_from_module(FakeModule(), concurrency=4, retry_mode="standard", max_attempts=3, user_agent="steward")


def test_an_unknown_profile_fails_the_task_naming_it(no_aws_config):
    from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_module

    module = FakeModule(profile="nightly-backups", access_key=None, secret_key=None, region="us-east-1")
    with pytest.raises(RuntimeError, match=r"Couldn't connect to AWS: .*nightly-backups"):
        factory_from_module(module, concurrency=4, retry_mode="standard", max_attempts=3, user_agent="steward")
