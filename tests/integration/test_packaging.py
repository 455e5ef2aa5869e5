"""The collection as others consume it: its built tarball installed into a throwaway infrastructure project (own
ansible.cfg, requirements.yml and inventory) whose playbook imports a cadence; the execution environment that
ansible-builder renders from meta/execution-environment.yml; and what ansible-builder learns about this collection
when another execution environment installs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from fleet import create_table
from moto_server import aws_env

BIN = Path(sys.executable).parent
ANSIBLE_HOME = tempfile.mkdtemp(prefix="steward-packaging-ansible-home-")
INTROSPECT = next(Path(sys.executable).parents[1].glob("lib/python*/site-packages/ansible_builder/_target_scripts/introspect.py"))


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a user's shell: nothing of this checkout's make (no ANSIBLE_* pointing at it), except an
    empty ANSIBLE_HOME of its own, so that ansible-galaxy's cache does not land in the user's home."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "STEWARD_"))}
    return {**env, "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}", "ANSIBLE_HOME": ANSIBLE_HOME, **extra}


@pytest.fixture(scope="module", autouse=True)
def _remove_ansible_home():
    yield
    shutil.rmtree(ANSIBLE_HOME, ignore_errors=True)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([str(BIN / "ansible-galaxy"), "collection", "build", str(ROOT), "--output-path", str(out)], check=True, env=clean_env())
    (built,) = out.glob("steward-maintenance-*.tar.gz")
    return built


def test_built_tarball_installs_into_a_project_and_runs_its_cadence(tarball, endpoint, api, tmp_path):
    for name in ("orders", "carts"):
        create_table(api, name, {"backup": "daily"})
    create_table(api, "scratch", {})
    project = tmp_path / "infra"
    project.mkdir()
    (project / "ansible.cfg").write_text(
        "[defaults]\ncollections_path = ./collections\ninventory = ./inventory.yml\ninterpreter_python = auto_silent\n"
    )
    (project / "requirements.yml").write_text(yaml.safe_dump({"collections": [{"name": str(tarball), "type": "file"}]}))
    (project / "inventory.yml").write_text(
        yaml.safe_dump(
            {
                "all": {
                    "hosts": {
                        "prod-us-east-1": {
                            "ansible_connection": "local",
                            "ansible_python_interpreter": sys.executable,
                            "steward_region": "us-east-1",
                            "steward_endpoint_url": endpoint,
                            "steward_targets": [{"kind": "dynamodb", "tags": {"backup": "daily"}}],
                            "steward_ledger": str(tmp_path / "ledger"),
                        }
                    }
                }
            }
        )
    )
    (project / "maintenance.yml").write_text(
        "---\n- name: Our nightly maintenance is steward's daily cadence\n  ansible.builtin.import_playbook: steward.maintenance.daily\n"
        "  vars:\n    steward_hosts: all\n"
    )
    env = clean_env(**aws_env(endpoint))
    install = [str(BIN / "ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "--no-deps"]
    subprocess.run(install, cwd=project, check=True, env=env, capture_output=True)
    listed = subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "list", "steward.maintenance", "--format", "json"],
        cwd=project,
        check=True,
        env=env,
        capture_output=True,
        text=True,
    )
    # The project's own copy, not this checkout's link: the project sees exactly one steward.maintenance.
    assert list(json.loads(listed.stdout)) == [str(project / "collections" / "ansible_collections")]

    playbook = [str(BIN / "ansible-playbook"), "maintenance.yml"]
    done = subprocess.run(playbook, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "prod-us-east-1" in done.stdout
    backed_up = {summary["TableName"] for summary in api["dynamodb"].list_backups()["BackupSummaries"]}
    assert backed_up == {"orders", "carts"}


def test_introspection_gives_another_execution_environment_our_requirements(tarball, tmp_path):
    """ansible-builder reads an installed collection's meta/execution-environment.yml for its python and system needs."""
    collections = tmp_path / "collections"
    subprocess.run(
        [str(BIN / "ansible-galaxy"), "collection", "install", str(tarball), "--no-deps", "-p", str(collections)],
        check=True,
        env=clean_env(),
        capture_output=True,
    )
    done = subprocess.run([sys.executable, str(INTROSPECT), "introspect", str(collections)], check=True, capture_output=True, text=True)
    found = yaml.safe_load(done.stdout)
    python = " ".join(found["python"])
    assert "boto3" in python and "psycopg" in python
    assert any(line.startswith("postgresql-client") for line in found["system"])


def test_execution_environment_definition_renders_a_build_context(tmp_path):
    context = tmp_path / "context"
    subprocess.run(
        [str(BIN / "ansible-builder"), "create", "-f", str(ROOT / "meta" / "execution-environment.yml"), "-c", str(context)],
        check=True,
        capture_output=True,
    )
    build = context / "_build"
    # Real files, not links into this checkout: the context must build on another machine.
    for name in ("requirements.txt", "bindep.txt", "requirements.yml"):
        assert (build / name).is_file() and not (build / name).is_symlink(), name
    assert (build / "requirements.txt").read_text() == (ROOT / "meta" / "requirements.txt").read_text()
    galaxy = yaml.safe_load((build / "requirements.yml").read_text())
    assert "steward.maintenance" in {entry["name"] for entry in galaxy["collections"]}
    containerfile = next(context.glob("[CD]*file")).read_text()
    assert "quay.io/ansible/awx-ee" in containerfile and "introspect" in containerfile
