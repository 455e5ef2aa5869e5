"""The kind families: each module accepts and documents exactly its family's kinds; an adapter missing a method of
its family's protocol fails when it is built; the committed doc fragments are what the registries render."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import NOT_FOUND_CODES, describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import BackupKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy import DEPLOY_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployableKind
from ansible_collections.steward.maintenance.plugins.modules import backup, checkpoint, restore_test, rollback

ROOT = Path(__file__).resolve().parents[2]


def _renderer():
    spec = importlib.util.spec_from_file_location("render_doc_fragments", ROOT / "tools" / "render_doc_fragments.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("family", [BACKUP_FAMILY, DEPLOY_FAMILY], ids=lambda family: family.name)
def test_committed_doc_fragment_is_what_the_registry_renders(family):
    renderer = _renderer()
    assert renderer.fragment_path(family).read_text() == renderer.render(family), "run `make docs` and commit the fragment"


def test_each_module_takes_its_own_family_kinds_and_shared_options():
    assert backup.argument_spec()["targets"]["options"]["kind"]["choices"] == ["aurora", "dynamodb", "ebs", "postgres", "rds", "s3"]
    assert restore_test.argument_spec()["postgres"]["options"]["password"]["no_log"] is True
    for module in (checkpoint, rollback):
        spec = module.argument_spec()
        assert spec["targets"]["options"]["kind"]["choices"] == ["ecs_service", "lambda_alias"]
        assert "postgres" not in spec  # only where a family has the postgres kind


@pytest.mark.parametrize("protocol", [BackupKind, DeployableKind])
def test_an_adapter_missing_a_protocol_method_fails_when_built(protocol):
    class Incomplete(protocol):
        name = "incomplete"
        service = "s3"
        arn_pattern = r"^$"

    with pytest.raises(TypeError, match="abstract"):
        Incomplete(None)


def test_not_found_codes_are_declared_once_per_kind_and_reported_as_not_found():
    for kind in list(BACKUP_FAMILY.kinds.values()) + list(DEPLOY_FAMILY.kinds.values()):
        assert set(kind.not_found_codes) <= NOT_FOUND_CODES
    error = ClientError({"Error": {"Code": "ServiceNotFoundException", "Message": "Service not found."}}, "DescribeServices")
    assert describe_error(error) == ("DescribeServices: ServiceNotFoundException: Service not found.", "not_found")
