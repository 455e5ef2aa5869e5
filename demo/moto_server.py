"""Start and stop a moto server on 127.0.0.1 for the demo, the tests and the benchmark.

Only the loopback address is ever used: nothing here can reach a real AWS endpoint.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class MotoClient:
    """The steward routes of a running server at ``url`` (moto_timewarp.py): its clock, its call counts, refused roles."""

    def __init__(self, url: str) -> None:
        self.url = url

    def travel(self, moment: datetime | None) -> None:
        """Move the server's clock to ``moment`` (it ticks on from there); None returns it to real time."""
        body = json.dumps({"now": moment.isoformat() if moment else None}).encode()
        request = urllib.request.Request(f"{self.url}/_steward/clock", data=body, method="POST")
        urllib.request.urlopen(request, timeout=30).read()

    def calls(self, reset: bool = False) -> dict[str, int]:
        """API calls the server answered since the last reset, by ``service:Operation``; ``reset`` zeroes them."""
        request = urllib.request.Request(f"{self.url}/_steward/calls", method="POST" if reset else "GET")
        return json.loads(urllib.request.urlopen(request, timeout=30).read())

    def refuse_roles(self, role_arns: list[str]) -> None:
        """From now on, AssumeRole of these roles is refused with AccessDenied, as AWS refuses a role that does not exist
        or does not trust the caller (moto assumes any role); an empty list accepts every role again."""
        body = json.dumps({"role_arns": role_arns}).encode()
        request = urllib.request.Request(f"{self.url}/_steward/refused_roles", data=body, method="POST")
        urllib.request.urlopen(request, timeout=30).read()

    def enforce_iam(self, after: float) -> None:
        """moto authorizes every call against the caller's IAM policies once ``after`` more calls have been made
        (0: from now on; ``math.inf``: never, moto's default). The route is moto's own (INITIAL_NO_AUTH_ACTION_COUNT)."""
        # As text/plain: moto reads the raw body, which a form content type would hide from it.
        headers = {"Content-Type": "text/plain"}
        request = urllib.request.Request(f"{self.url}/moto-api/reset-auth", data=str(after).encode(), method="POST", headers=headers)
        urllib.request.urlopen(request, timeout=30).read()

    def reset(self) -> None:
        self.refuse_roles([])
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        urllib.request.urlopen(request, timeout=30).read()


class MotoServer(MotoClient):
    """A moto_server process; ``url`` is its endpoint. Use as a context manager or call stop()."""

    def __init__(self, port: int | None = None, log: Path | None = None) -> None:
        self.port = port or free_port()
        super().__init__(f"http://{HOST}:{self.port}")
        env = dict(os.environ)
        # Without this, describe_snapshots(OwnerIds=['self']) drowns in ~1,300 built-in AMI snapshots.
        env["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"
        env.setdefault("MOTO_ECS_SERVICE_RUNNING", "1")
        # moto caps manual RDS snapshots at 1,000 per account (AWS's default quota is lower, and raisable);
        # the retention benchmark keeps 50 instances x 30 days of them.
        env.setdefault("MOTO_RDS_SNAPSHOT_LIMIT", "100000")
        self._log = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - open while the server runs
        # moto's own server, wrapped so that its clock can be moved to seed backdated histories.
        script = Path(__file__).with_name("moto_timewarp.py")
        self.process = subprocess.Popen(
            [sys.executable, str(script), "-H", HOST, "-p", str(self.port)], stdout=self._log, stderr=self._log, env=env
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"moto_server exited with {self.process.returncode}")
            try:
                urllib.request.urlopen(f"{self.url}/moto-api/data.json", timeout=1).read()
                return
            except OSError:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"moto_server did not answer on {self.url} within {timeout}s")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self._log is not subprocess.DEVNULL:
            self._log.close()

    def __enter__(self) -> MotoServer:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def aws_env(url: str, region: str = "us-east-1") -> dict[str, str]:
    """Environment that points boto3 and amazon.aws at the local server with dummy credentials."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_URL": url,
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
    }
