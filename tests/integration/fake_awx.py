"""A small stand-in for AWX's REST API (/api/v2/) on 127.0.0.1, for testing playbooks/awx_setup.yml.

It keeps objects in memory the way AWX lists and links them (``count``/``results``/``next``, ``url``, ``related``,
sub-lists for associations, ``survey_spec``) and records every request it answers, so a test can see what the
awx.awx modules asked and wrote. It answers only what those modules use: list with filters, get, create, patch,
associate / disassociate and survey specs. It is not AWX: it checks no permissions and validates no fields.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

API = "/api/v2/"
# Types whose objects are also unified job templates (what a schedule names).
UNIFIED = ("job_templates", "projects")


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    body: Any


@dataclass
class FakeAWX:
    objects: dict[str, dict[int, dict[str, Any]]] = field(default_factory=dict)
    associations: dict[str, set[int]] = field(default_factory=dict)  # "<type>/<id>/<sub>" -> ids
    surveys: dict[str, Any] = field(default_factory=dict)  # "<type>/<id>" -> spec
    requests: list[Request] = field(default_factory=list)
    _next_id: int = 100
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, collection: str, /, **fields: Any) -> dict[str, Any]:
        """Create an object in ``collection`` (``projects``, ...) as AWX would (also what a POST does); returns it."""
        self._next_id += 1
        ident = self._next_id
        url = f"{API}{collection}/{ident}/"
        item = {
            **fields,
            "id": ident,
            "type": collection.rstrip("s"),
            "url": url,
            "related": {"survey_spec": f"{url}survey_spec/", "update": f"{url}update/", "credentials": f"{url}credentials/"},
            "summary_fields": {},
        }
        if collection == "projects":
            item.setdefault("scm_revision", "")
        self.objects.setdefault(collection, {})[ident] = item
        return item

    def named(self, kind: str, name: str) -> dict[str, Any] | None:
        return next((item for item in self.objects.get(kind, {}).values() if item.get("name") == name), None)

    def writes(self) -> list[Request]:
        return [request for request in self.requests if request.method not in ("GET", "HEAD")]

    # -- answering -------------------------------------------------------------------------------------------------
    def answer(self, method: str, path: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(Request(method, path, query, body))
            parts = [part for part in path[len(API) :].split("/") if part]
            if not path.startswith(API):
                return 404, {"detail": "Not found."}
            if not parts:
                return 200, {"description": "fake AWX"}
            kind = parts[0]
            if len(parts) == 1:
                return self._collection(method, kind, query, body)
            ident = int(parts[1])
            items = self._of(kind)
            if ident not in items:
                return 404, {"detail": "Not found."}
            if len(parts) == 2:
                if method == "PATCH":
                    items[ident].update(body or {})
                return 200, items[ident]
            return self._sub(method, f"{kind}/{ident}", parts[2], body)

    def _of(self, kind: str) -> dict[int, dict[str, Any]]:
        if kind == "unified_job_templates":
            return {ident: item for each in UNIFIED for ident, item in self.objects.get(each, {}).items()}
        return self.objects.setdefault(kind, {})

    def _collection(self, method: str, kind: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        if method == "POST":
            return 201, self.add(kind, **(body or {}))
        found = [item for item in self._of(kind).values() if _matches(item, query)]
        return 200, {"count": len(found), "next": None, "previous": None, "results": found}

    def _sub(self, method: str, key: str, sub: str, body: Any) -> tuple[int, Any]:
        if sub == "survey_spec":
            if method == "POST":
                self.surveys[key] = body
            elif method == "DELETE":
                self.surveys.pop(key, None)
            return 200, self.surveys.get(key, {})
        linked = self.associations.setdefault(f"{key}/{sub}", set())
        if method == "POST":
            (linked.discard if body.get("disassociate") else linked.add)(int(body["id"]))
            return 204, None
        kind = "credentials" if sub == "credentials" else sub
        found = [self._of(kind)[ident] for ident in sorted(linked) if ident in self._of(kind)]
        return 200, {"count": len(found), "next": None, "previous": None, "results": found}


def _matches(item: dict[str, Any], query: dict[str, str]) -> bool:
    """AWX's filters as the awx.awx modules use them: exact fields, and ``or__`` alternatives."""
    alternatives = {key[4:]: value for key, value in query.items() if key.startswith("or__")}
    exact = {key: value for key, value in query.items() if not key.startswith("or__") and key not in ("page_size", "page", "order_by")}
    if any(str(item.get(key)) != value for key, value in exact.items()):
        return False
    return not alternatives or any(str(item.get(key)) == value for key, value in alternatives.items())


class FakeAWXServer:
    """Serve a FakeAWX on 127.0.0.1 and a free port, in a thread; ``url`` is its base address."""

    def __init__(self, fake: FakeAWX) -> None:
        self.fake = fake
        served = fake

        class Handler(BaseHTTPRequestHandler):
            def _handle(self) -> None:
                split = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                body = json.loads(raw) if raw else None
                status, payload = served.answer(self.command, split.path, dict(parse_qsl(split.query)), body)
                data = b"" if payload is None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = do_HEAD = _handle

            def log_message(self, *args: object) -> None:  # quiet: the test reads fake.requests instead
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAWXServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
