"""A test-only HTTP proxy on 127.0.0.1 in front of the moto server that injects the faults AWS's API shows.

Each AWS request (not the moto wrapper's ``/_steward/`` routes) draws one fault, at the configured rates:

- ``throttle``: answered at once with the protocol's own throttling error (never forwarded);
- ``5xx``: answered at once with a 503 and no body (never forwarded);
- ``drop``: the connection is closed before the request is forwarded;
- ``lost``: the request is forwarded and done by the server, and the connection closed before its answer —
  the one fault a client cannot tell from ``drop``, and the one that makes a blind retry do a write twice.

``lose_first`` names writes (``service:Operation``) whose first request always loses its answer, on top of the
random draws: requests from a run's worker threads reach the proxy in no fixed order, so a seed alone cannot promise
that a given write is hit, and a test of retry safety must be sure each kind of write was.

``hold(matches)`` stops the requests a test names at the proxy (never forwarded, never answered) and tells the test
when the first arrives: the moment to SIGKILL the run, exactly before that write (logged with fault ``held``).

Every request is logged with its ``service:Operation`` (the moto wrapper's naming) and its fault, so a test can
assert on what a run asked for (the check-mode audit) as well as on what it left behind.
"""

from __future__ import annotations

import http.client
import io
import json
import random
import sys
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "demo"))
from moto_timewarp import operation_of

FAULTS = ("throttle", "5xx", "drop", "lost")
# 20% of requests: the mix the issue measured today's code with (4% lost answers).
TWENTY_PERCENT = {"throttle": 0.08, "5xx": 0.04, "drop": 0.04, "lost": 0.04}
# For runs that write little (a rotation makes a dozen writes): the same 20%, all of it on the writes' answers.
WRITES_LOSE_ANSWERS = {"lost": 0.20}
# Read-only operations by name (REST protocols are named by their HTTP method: GET and HEAD read).
READ_ONLY_PREFIXES = ("Describe", "List", "Get", "Head", "Scan", "Query", "BatchGet", "Lookup", "Search", "Check", "Validate")
READ_ONLY_METHODS = ("GET", "HEAD")


def is_read_only(operation: str) -> bool:
    name = operation.split(":", 1)[1]
    return name in READ_ONLY_METHODS or name.startswith(READ_ONLY_PREFIXES)


@dataclass(frozen=True)
class Request:
    operation: str
    fault: str | None  # None: forwarded and answered


def _throttling(protocol: str) -> tuple[int, dict[str, str], bytes]:
    """The throttling error as each protocol's parser in botocore expects it."""
    if protocol == "json":
        return (
            400,
            {"Content-Type": "application/x-amz-json-1.1"},
            json.dumps({"__type": "ThrottlingException", "message": "Rate exceeded"}).encode(),
        )
    if protocol == "ec2":
        body = (
            "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors>"
            "<RequestID>fault</RequestID></Response>"
        )
        return 503, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "query":
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>"
            "<RequestId>fault</RequestId></ErrorResponse>"
        )
        return 400, {"Content-Type": "text/xml"}, body.encode()
    if protocol == "s3":
        return (
            503,
            {"Content-Type": "application/xml"},
            b"<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>",
        )
    # REST-JSON (Lambda): the code travels in a header.
    return 429, {"Content-Type": "application/json", "x-amzn-ErrorType": "TooManyRequestsException"}, b'{"message": "Rate exceeded"}'


class FaultProxy:
    """``with FaultProxy(moto.url, rates) as proxy:`` point clients at ``proxy.url``; ``proxy.log`` has every request.

    ``write_rates``, when given, are the rates for writes (any operation not read-only) instead of ``rates``;
    ``lose_first``: operations whose first request loses its answer whatever the draw.
    """

    def __init__(
        self,
        upstream: str,
        rates: dict[str, float] | None = None,
        seed: int = 14,
        write_rates: dict[str, float] | None = None,
        lose_first: tuple[str, ...] = (),
    ) -> None:
        unknown = (set(rates or {}) | set(write_rates or {})) - set(FAULTS)
        if unknown:
            raise ValueError(f"unknown faults {sorted(unknown)}; known: {FAULTS}")
        self.rates = dict(rates or {})
        self.write_rates = dict(write_rates) if write_rates is not None else self.rates
        self.log: list[Request] = []
        self._lose_first = set(lose_first)
        self._upstream = urlsplit(upstream)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._hold: Callable[[str, bytes], bool] | None = None
        self._held = threading.Event()
        self._released = threading.Event()

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._released.set()
        self._server.shutdown()
        self._server.server_close()

    def faults(self) -> Counter[str]:
        return Counter(request.fault for request in self.log if request.fault)

    def operations(self) -> Counter[str]:
        return Counter(request.operation for request in self.log)

    def lost_writes(self) -> set[str]:
        """The writes at least one of whose answers was lost."""
        return {request.operation for request in self.log if request.fault == "lost" and not is_read_only(request.operation)}

    def writes(self) -> list[str]:
        return sorted({request.operation for request in self.log if not is_read_only(request.operation)})

    def hold(self, matches: Callable[[str, bytes], bool]) -> threading.Event:
        """From now on, requests for which ``matches(operation, body)`` is true never reach the server and get no answer
        until ``release()``; the event returned is set when the first one arrives (the moment to kill the run)."""
        self._held.clear()
        self._released.clear()
        self._hold = matches
        return self._held

    def release(self) -> None:
        """Held requests are closed unanswered (the run that sent them is gone); later requests pass again."""
        self._hold = None
        self._released.set()

    def _holds(self, operation: str, body: bytes) -> bool:
        matches = self._hold
        if matches is None or not matches(operation, body):
            return False
        self._record(operation, "held")
        self._held.set()
        self._released.wait()
        return True

    def _draw(self, path: str, operation: str) -> str | None:
        if path.startswith("/_steward/"):
            return None
        with self._lock:
            if operation in self._lose_first:
                self._lose_first.discard(operation)
                return "lost"
            roll = self._random.random()
        rates = self.rates if is_read_only(operation) else self.write_rates
        for fault in FAULTS:
            rate = rates.get(fault, 0.0)
            if roll < rate:
                return fault
            roll -= rate
        return None

    def _record(self, operation: str, fault: str | None) -> None:
        with self._lock:
            self.log.append(Request(operation, fault))

    def _forward(self, method: str, path: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
        connection = http.client.HTTPConnection(self._upstream.hostname, self._upstream.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            operation = ""

            def log_message(self, *args: Any) -> None:  # quiet: the proxy keeps its own log
                return None

            def _body(self) -> bytes:
                if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                    parts = []
                    while True:
                        size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                        if size == 0:
                            while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                                pass
                            return b"".join(parts)
                        parts.append(self.rfile.read(size))
                        self.rfile.readline()
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def _protocol(self, body: bytes) -> str:
                if self.headers.get("X-Amz-Target"):
                    return "json"
                service = self.operation.split(":", 1)[0]
                if service == "s3":
                    return "s3"
                if b"Action=" in body or "Action=" in self.path:
                    return "ec2" if service == "ec2" else "query"
                return "rest-json"

            def _answer(self, status: int, headers: list[tuple[str, str]] | dict[str, str], body: bytes) -> None:
                self.send_response(status)
                pairs = headers.items() if isinstance(headers, dict) else headers
                for name, value in pairs:
                    if name.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                        self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def _serve(self) -> None:
                body = self._body()
                environ = {
                    "HTTP_AUTHORIZATION": self.headers.get("Authorization", ""),
                    "HTTP_X_AMZ_TARGET": self.headers.get("X-Amz-Target", ""),
                    "QUERY_STRING": urlsplit(self.path).query,
                    "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                    "CONTENT_LENGTH": str(len(body)),
                    "REQUEST_METHOD": self.command,
                    "wsgi.input": io.BytesIO(body),
                }
                self.operation = operation_of(environ)
                if proxy._holds(self.operation, body):
                    self.close_connection = True
                    return
                fault = proxy._draw(self.path, self.operation)
                if not self.path.startswith("/_steward/"):
                    proxy._record(self.operation, fault)
                if fault == "throttle":
                    self._answer(*_throttling(self._protocol(body)))
                    return
                if fault == "5xx":
                    self._answer(503, {}, b"")
                    return
                if fault == "drop":
                    self.close_connection = True
                    return
                headers = {
                    name: value for name, value in self.headers.items() if name.lower() not in ("transfer-encoding", "connection", "expect")
                }
                headers["Content-Length"] = str(len(body))
                status, answer_headers, answer = proxy._forward(self.command, self.path, headers, body)
                if fault == "lost":
                    self.close_connection = True
                    return
                self._answer(status, answer_headers, answer)

            do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _serve

        return Handler
