"""Unit-test fixtures: moto in-process, a fixed clock, a client factory that records every API call."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone

import boto3
import pytest
from ansible.module_utils.testing import patch_module_args
from moto import mock_aws

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.steward.maintenance.plugins.module_utils._action import Context
from ansible_collections.steward.maintenance.plugins.module_utils._clients import ClientFactory
from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger, NullLedger

MUTATING_PREFIXES = (
    "Create", "Put", "Copy", "Delete", "Restore", "Update", "Modify", "Tag", "Untag", "Upload", "Complete",
    "Register", "Deregister", "Publish", "Set", "Start", "Stop", "Invoke",
)  # fmt: skip


class RecordingFactory(ClientFactory):
    """A ClientFactory whose clients note every operation they send, so tests can prove check mode sent no write."""

    def __init__(self, session: boto3.session.Session, concurrency: int = 8) -> None:
        self.calls: list[str] = []

        def make(service: str, config: object) -> object:
            client = session.client(service, config=config)
            client.meta.events.register("before-call", self._record)
            return client

        super().__init__(make, concurrency)

    def _record(self, model: object, **_: object) -> None:
        self.calls.append(model.name)  # type: ignore[attr-defined]

    @property
    def mutating_calls(self) -> list[str]:
        return [name for name in self.calls if name.startswith(MUTATING_PREFIXES)]


@pytest.fixture
def aws():
    os.environ.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_DEFAULT_REGION="us-east-1")
    os.environ["MOTO_EC2_LOAD_DEFAULT_AMIS"] = "false"  # else ~1,300 built-in AMI snapshots
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        yield boto3.session.Session(region_name="us-east-1")


@pytest.fixture
def factory(aws):
    return RecordingFactory(aws)


@pytest.fixture
def clock():
    return FixedClock(datetime.now(timezone.utc))


def make_context(factory, clock, ledger_dir=None, check_mode=False, diff=False, concurrency=4) -> Context:
    ledger = LocalLedger(str(ledger_dir)) if ledger_dir else NullLedger()
    return Context(factory, clock, ledger, check_mode, diff, concurrency)


def run_main(module, args, capsys):
    """A module's main() with these arguments: (exit code, its JSON result)."""
    with patch_module_args({"region": "us-east-1", **args}), pytest.raises(SystemExit) as exited:
        module.main()
    return exited.value.code, json.loads(capsys.readouterr().out)


@pytest.fixture
def no_aws_calls(monkeypatch):
    """Any client creation fails the test: bad input must be refused before AWS is contacted."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("an AWS client was created for bad input")

    monkeypatch.setattr(AnsibleAWSModule, "client", refuse)
    monkeypatch.setattr(AnsibleAWSModule, "resource", refuse)
