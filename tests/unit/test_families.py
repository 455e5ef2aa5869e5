"""The kind families: each module accepts and documents exactly its family's kinds; an adapter missing a method of
its family's protocol fails when it is built; the committed doc fragments are what the registries render."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
import yaml
from botocore.exceptions import ClientError

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import NOT_FOUND_CODES, describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import BackupKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential import CREDENTIAL_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._protocol import CredentialKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy import DEPLOY_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployableKind
from ansible_collections.steward.maintenance.plugins.modules import (
    access_key_rotation,
    backup,
    checkpoint,
    log_retention,
    restore_test,
    rollback,
    secret_rotation,
)

ROOT = Path(__file__).resolve().parents[2]


def _renderer(name: str = "render_doc_fragments"):
    spec = importlib.util.spec_from_file_location(name, ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_committed_doc_fragments_are_what_the_registries_render():
    renderer = _renderer()
    families = renderer.families()
    assert {family.name for family in families} == {"backup", "deploy", "secret", "iam_user", "log_group", "probe"}
    for family in families:
        assert renderer.fragment_path(family).read_text() == renderer.render(family), "run `make docs` and commit the fragment"


def test_committed_preflight_specs_are_what_the_registries_render():
    renderer = _renderer("render_preflight_specs")
    assert renderer.SPEC_PATH.read_text() == renderer.render(), "run `make docs` and commit roles/preflight/meta/argument_specs.yml"
    specs = yaml.safe_load(renderer.SPEC_PATH.read_text())["argument_specs"]
    playbooks = {path.stem for path in (ROOT / "playbooks").glob("*.yml") if path.stem != "awx_setup"}
    assert set(specs) == playbooks | {"main", "survey"}, "every cadence playbook has its preflight entry point"
    assert specs["pre_deploy"]["options"]["steward_deployables"]["options"]["kind"]["choices"] == ["ecs_service", "lambda_alias"]
    assert specs["daily"]["options"]["steward_health_targets"]["options"]["kind"]["choices"] == sorted(renderer.families()["probe"].kinds)


def test_each_module_takes_its_own_family_kinds_and_shared_options():
    assert backup.argument_spec()["targets"]["options"]["kind"]["choices"] == ["aurora", "dynamodb", "ebs", "postgres", "rds", "s3"]
    assert restore_test.argument_spec()["postgres"]["options"]["password"]["no_log"] is True
    for module in (checkpoint, rollback):
        spec = module.argument_spec()
        assert spec["targets"]["options"]["kind"]["choices"] == ["ecs_service", "lambda_alias"]
        assert "postgres" not in spec  # only where a family has a kind that reaches PostgreSQL
    assert secret_rotation.argument_spec()["postgres"]["options"]["password"]["no_log"] is True
    assert "dump_dir" not in secret_rotation.argument_spec()["postgres"]["options"]
    assert access_key_rotation.argument_spec()["targets"]["options"]["kind"]["choices"] == ["iam_user"]
    assert "postgres" not in log_retention.argument_spec()


@pytest.mark.parametrize("protocol", [BackupKind, DeployableKind, CredentialKind])
def test_an_adapter_missing_a_protocol_method_fails_when_built(protocol):
    class Incomplete(protocol):
        name = "incomplete"
        service = "s3"
        arn_pattern = r"^$"

    with pytest.raises(TypeError, match="abstract"):
        Incomplete(None)


def test_not_found_codes_are_declared_once_per_kind_and_reported_as_not_found():
    for kind in [*BACKUP_FAMILY.kinds.values(), *DEPLOY_FAMILY.kinds.values(), *CREDENTIAL_KINDS.values()]:
        assert set(kind.not_found_codes) <= NOT_FOUND_CODES
    error = ClientError({"Error": {"Code": "ServiceNotFoundException", "Message": "Service not found."}}, "DescribeServices")
    assert describe_error(error) == ("DescribeServices: ServiceNotFoundException: Service not found.", "not_found")
