"""moto's server, plus a route to move its clock (POST /_steward/clock {"now": "<ISO time>" | null}), one that
counts the API calls it answered, by service and operation (GET /_steward/calls; POST resets the counts), and one
that makes AssumeRole of some roles fail with AccessDenied as AWS's does (POST /_steward/refused_roles
{"role_arns": [...]}): moto assumes any role, so a role that cannot be assumed could not be tested otherwise.

moto stamps every backup, snapshot and key with the time it is made, and the moto server has no way to
backdate them. Retention, RPO and key-age logic need histories, so the demo, the tests and the benchmark
seed them by moving this server's clock (freezegun, ticking from the given time) before each day's
backups, and back to real time afterwards. ECS deployments settle as AWS's do, and bodiless REST calls pass IAM
enforcement's signature check (moto_patches.py); with IAM enforcement on, JSON-protocol services' refusals are
answered in JSON as AWS's are (json_access_denied). Listens on the loopback address only.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import threading
from collections import Counter
from urllib.parse import parse_qs

from freezegun import freeze_time
from moto.moto_server.threaded_moto_server import MotoRequestHandler
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto_patches import secret_version_dates, settle_ecs_deployments, sign_empty_payloads
from werkzeug.serving import run_simple

CLOCK_PATH = "/_steward/clock"
CALLS_PATH = "/_steward/calls"
REFUSED_ROLES_PATH = "/_steward/refused_roles"
ACCESS_DENIED = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code>'
    "<Message>User: arn:aws:iam::123456789012:user/moto is not authorized to perform: sts:AssumeRole on resource: {arn}"
    "</Message></Error><RequestId>refused-by-steward-test-server</RequestId></ErrorResponse>"
)
_SCOPE = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/")


def operation_of(environ: dict) -> str:
    """``service:Operation`` of one AWS request: JSON protocols name it in X-Amz-Target, query protocols in Action."""
    scope = _SCOPE.search(environ.get("HTTP_AUTHORIZATION", ""))
    service = scope.group(1) if scope else "unknown"
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return f"{service}:{target.rsplit('.', 1)[-1]}"
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    if not action and environ.get("CONTENT_TYPE", "").startswith("application/x-www-form-urlencoded"):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again
        action = parse_qs(body.decode("utf-8", "replace")).get("Action")
    if action:
        return f"{service}:{action[0]}"
    return f"{service}:{environ.get('REQUEST_METHOD', '?')}"  # REST protocols (S3): the HTTP method


class TimewarpApp:
    def __init__(self) -> None:
        self.moto = DomainDispatcherApplication(create_backend_app)
        self._freezer = None
        self._lock = threading.Lock()
        self.calls: Counter[str] = Counter()
        self.refused_roles: set[str] = set()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path == CALLS_PATH:
            with self._lock:
                counts = dict(self.calls)
                if environ.get("REQUEST_METHOD") == "POST":
                    self.calls.clear()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps(counts).encode()]
        if path == REFUSED_ROLES_PATH:
            length = int(environ.get("CONTENT_LENGTH") or 0)
            arns = json.loads(environ["wsgi.input"].read(length) or b"{}").get("role_arns") or []
            with self._lock:
                self.refused_roles = set(arns)
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"role_arns": sorted(arns)}).encode()]
        if not path.startswith(("/moto-api", "/_steward")):
            operation = operation_of(environ)
            with self._lock:
                self.calls[operation] += 1
            if operation == "sts:AssumeRole" and self.refused_roles:
                refused = self._refused_arn(environ)
                if refused:
                    start_response("403 Forbidden", [("Content-Type", "text/xml")])
                    return [ACCESS_DENIED.format(arn=refused).encode()]
        if environ.get("PATH_INFO") == CLOCK_PATH and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            now = json.loads(environ["wsgi.input"].read(length) or b"{}").get("now")
            with self._lock:
                if self._freezer is not None:
                    self._freezer.stop()
                    self._freezer = None
                if now:
                    self._freezer = freeze_time(now, tick=True)
                    self._freezer.start()
            start_response("200 OK", [("Content-Type", "application/json")])
            return [json.dumps({"now": now}).encode()]
        if environ.get("HTTP_X_AMZ_TARGET") or environ.get("PATH_INFO", "").startswith("/2015-03-31/"):
            return json_access_denied(self.moto, environ, start_response)
        return self.moto(environ, start_response)

    def _refused_arn(self, environ: dict) -> str | None:
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        arn = (parse_qs(body.decode("utf-8", "replace")).get("RoleArn") or [""])[0]
        with self._lock:
            return arn if arn in self.refused_roles else None


_XML_ERROR = re.compile(rb"<Code>(AccessDenied|SignatureDoesNotMatch|InvalidClientTokenId)</Code><Message>(.*?)</Message>", re.S)


def json_access_denied(app, environ, start_response):
    """moto answers IAM enforcement's refusals in XML whatever the service; JSON services (DynamoDB, Secrets Manager,
    Lambda, ...) answer AWS's ``AccessDeniedException`` in JSON, and botocore parses nothing else: without this a
    refused call reads as ``403: <?xml ...`` instead of naming the action refused. Only a 401/403 answer is read
    here; every other answer passes through as moto gave it."""
    captured: dict = {}
    written: list[bytes] = []

    def capture(status, headers, exc_info=None):
        captured.update(status=status, headers=headers)
        return written.append

    answer = app(environ, capture)
    if "status" not in captured:  # an application that answers lazily starts its response on the first iteration
        answer = list(answer)
    if not captured["status"].startswith(("401", "403")):
        start_response(captured["status"], captured["headers"])
        return [*written, *answer] if written else answer
    body = b"".join([*written, *answer])
    found = _XML_ERROR.search(body)
    if not found:
        start_response(captured["status"], captured["headers"])
        return [body]
    code = {b"AccessDenied": "AccessDeniedException", b"SignatureDoesNotMatch": "InvalidSignatureException"}.get(
        found.group(1), "UnrecognizedClientException"
    )
    refusal = json.dumps({"__type": code, "message": found.group(2).decode()}).encode()
    headers = [("Content-Type", "application/x-amz-json-1.1"), ("x-amzn-ErrorType", code), ("Content-Length", str(len(refusal)))]
    start_response(captured["status"], headers)
    return [refusal]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, required=True)
    args = parser.parse_args()
    settle_ecs_deployments()
    secret_version_dates()
    sign_empty_payloads()
    run_simple(args.host, args.port, TimewarpApp(), threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
