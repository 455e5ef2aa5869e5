# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One HTTP health request: status, latency and (optionally) a body pattern. Standard library only.

Proxies from the environment are honoured except for loopback hosts, which are always reached directly.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

# At most this much of a body is read for the pattern (a health page, not a download).
_BODY_LIMIT = 1 << 20


@dataclass(frozen=True)
class HttpAnswer:
    status: int | None
    latency_ms: float
    body_matched: bool | None
    error: str | None = None


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def request(url: str, method: str, timeout_s: float, body_regex: str | None) -> HttpAnswer:
    host = urlsplit(url).hostname or ""
    handlers: list[Any] = [urllib.request.ProxyHandler({})] if _is_loopback(host) else []
    opener = urllib.request.build_opener(*handlers)
    started = time.monotonic()
    status: int | None = None
    body = b""
    try:
        with opener.open(
            urllib.request.Request(url, method=method, headers={"User-Agent": "steward.maintenance"}), timeout=timeout_s
        ) as answer:
            status = answer.status
            body = answer.read(_BODY_LIMIT)
    except urllib.error.HTTPError as error:  # a 4xx/5xx is an answer, judged like any other
        status = error.code
        body = error.read(_BODY_LIMIT) if error.fp else b""
    except (urllib.error.URLError, TimeoutError, ConnectionError, OSError) as error:
        reason = getattr(error, "reason", error)
        kind = "timed out" if isinstance(reason, (socket.timeout, TimeoutError)) or "timed out" in str(reason) else "failed"
        return HttpAnswer(None, round((time.monotonic() - started) * 1000, 1), None, f"request {kind}: {reason}")
    latency = round((time.monotonic() - started) * 1000, 1)
    matched = None if body_regex is None else bool(re.search(body_regex, body.decode("utf-8", "replace")))
    return HttpAnswer(status, latency, matched)
