# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One client factory for every AWS call: botocore retries, a connection pool sized for the fan-out.

Modules build it on amazon.aws's AnsibleAWSModule (credentials, region, endpoint_url, profiles all come from
there); tests build it on a plain boto3 session.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

try:
    from botocore.config import Config
except ImportError:  # pragma: no cover - handled by AnsibleAWSModule's boto3 check
    Config = None  # type: ignore[assignment,misc]

MakeClient = Callable[[str, Any], Any]


class ClientFactory:
    """Creates each service's client once; boto3 clients are thread-safe, so every worker shares them."""

    def __init__(self, make_client: MakeClient, concurrency: int = 8, retry_mode: str = "standard", max_attempts: int = 10) -> None:
        self._make_client = make_client
        self._config = Config(
            retries={"mode": retry_mode, "max_attempts": max_attempts},
            # One pooled connection per worker, plus headroom for the ledger and the waiter.
            max_pool_connections=max(10, concurrency + 2),
        )
        self._clients: dict[str, Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        with self._lock:
            if service not in self._clients:
                self._clients[service] = self._make_client(service, self._config)
            return self._clients[service]


def factory_from_module(module: Any, concurrency: int, retry_mode: str, max_attempts: int) -> ClientFactory:
    """Build on AnsibleAWSModule.client so credentials, region and endpoint_url behave as in amazon.aws."""
    return ClientFactory(lambda service, config: module.client(service, config=config), concurrency, retry_mode, max_attempts)


def factory_from_session(session: Any, endpoint_url: str | None = None, concurrency: int = 8) -> ClientFactory:
    """For tests and the benchmark: a boto3 session, optionally pointed at a local endpoint."""
    return ClientFactory(lambda service, config: session.client(service, config=config, endpoint_url=endpoint_url), concurrency)
