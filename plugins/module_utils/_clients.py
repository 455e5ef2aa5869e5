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
    import boto3
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError
except ImportError:  # pragma: no cover - handled by AnsibleAWSModule's boto3 check
    boto3 = None  # type: ignore[assignment]
    Config = None  # type: ignore[assignment,misc]
    BotoCoreError = Exception  # type: ignore[assignment,misc]

from ansible_collections.amazon.aws.plugins.module_utils.botocore import get_aws_connection_info

MakeClient = Callable[[str, Any], Any]


def _html_5xx_is_generic(response_dict: dict[str, Any], **_: Any) -> None:
    """Let botocore retry a 5xx whose body is an HTML page that starts with a doctype.

    botocore treats a 5xx body starting with ``<html>`` as a generic, retryable error, but one starting with
    ``<!doctype html>`` (werkzeug's error page, so moto's, and many proxies') fails to parse as XML and is raised
    as ResponseParserError without a retry. An empty body is what botocore expects of a generic error.
    """
    body = response_dict.get("body")
    if response_dict.get("status_code", 0) >= 500 and isinstance(body, bytes) and body[:64].lstrip().lower().startswith(b"<!doctype html"):
        response_dict["body"] = b""


class ClientFactory:
    """Creates each service's client once; boto3 clients are thread-safe, so every worker shares them."""

    def __init__(self, make_client: MakeClient, concurrency: int = 8, retry_mode: str = "standard", max_attempts: int = 10) -> None:
        self._make_client = make_client
        self.max_attempts = max_attempts
        self._config = Config(
            # total_max_attempts counts the first try, as the retry_max_attempts option documents.
            retries={"mode": retry_mode, "total_max_attempts": max_attempts},
            # One pooled connection per worker, plus headroom for the ledger and the waiter.
            max_pool_connections=max(10, concurrency + 2),
        )
        # Creates whose answer may be lost retry themselves (_retry_safe.create_once): botocore must not.
        self._single = self._config.merge(Config(retries={"mode": retry_mode, "total_max_attempts": 1}))
        self._clients: dict[tuple[str, bool], Any] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> Any:
        return self._client(service, single=False)

    def single_attempt(self, service: str) -> Any:
        """The service's client that never retries: for the creates ``create_once`` retries, adopting what a lost answer made."""
        return self._client(service, single=True)

    def _client(self, service: str, single: bool) -> Any:
        with self._lock:
            if (service, single) not in self._clients:
                client = self._make_client(service, self._single if single else self._config)
                client.meta.events.register("before-parse", _html_5xx_is_generic)
                self._clients[service, single] = client
            return self._clients[service, single]


def factory_from_module(module: Any, concurrency: int, retry_mode: str, max_attempts: int, user_agent: str) -> ClientFactory:
    """Clients from amazon.aws's connection options, so credentials, profile, region and endpoint_url behave as in
    amazon.aws, all made from one boto3 session.

    amazon.aws's ``module.client()`` opens a new session per client, and each new session reads botocore's endpoint
    table and the service's model again: about 0.15 s of CPU a client, seven clients for a three-kind backup. One
    session reads each once; the retrying and the single-attempt client of a service share its model. The session
    is opened here, before any work, so a missing profile or region fails the task at once, as amazon.aws's would.
    """
    region, endpoint_url, params = get_aws_connection_info(module)
    user_config = params.pop("aws_config", None)
    try:
        session = boto3.session.Session(profile_name=params.pop("profile_name", None))
    except BotoCoreError as error:
        module.fail_json_aws(error, msg="Couldn't connect to AWS")
    if not (region or session.region_name):
        found_nowhere = "none was found in configuration, environment variables or module parameters"
        module.fail_json(msg=f"The {module._name} module requires a region and {found_nowhere}")

    agent = Config(user_agent_extra=user_agent)

    def make(service: str, config: Any) -> Any:
        # As amazon.aws merges them: the task's own aws_config last, so a user's setting wins over ours.
        config = agent.merge(config).merge(user_config) if user_config else agent.merge(config)
        return session.client(service, config=config, region_name=region, endpoint_url=endpoint_url, **params)

    return ClientFactory(make, concurrency, retry_mode, max_attempts)


def factory_from_session(session: Any, endpoint_url: str | None = None, concurrency: int = 8) -> ClientFactory:
    """For tests and the benchmark: a boto3 session, optionally pointed at a local endpoint."""
    return ClientFactory(lambda service, config: session.client(service, config=config, endpoint_url=endpoint_url), concurrency)
