"""playbooks/awx_setup.yml against a stand-in for AWX's API on 127.0.0.1 (fake_awx.py): check mode writes nothing and
reports the plan, a real run creates the project, the credential types, one job template per cadence with its survey
and the schedules, and a rerun (checked or not) changes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from fake_awx import FakeAWX, FakeAWXServer

SETUP = ROOT / "playbooks" / "awx_setup.yml"
CADENCES = {"daily", "weekly", "monthly", "quarterly", "pre_deploy", "rollback", "emergency_rotation"}


def run_setup(url: str, tmp_path: Path, check: bool = False, inventory: Path | None = None, **extra: object) -> tuple[int, dict]:
    extravars = {
        "steward_awx_host": url,
        "steward_awx_token": "fake-token",
        "steward_awx_project_url": "https://git.example.invalid/ops/maintenance.git",
        "steward_awx_inventory": "aws-accounts",
        "steward_awx_credentials": ["AWS maintenance"],
        "steward_awx_instance_groups": ["near-the-accounts"],
        "steward_awx_extra_vars": {"daily": {"steward_ledger": "s3://ledger-bucket/steward"}},
        **extra,
    }
    varsfile = tmp_path / "setup-vars.json"
    varsfile.write_text(json.dumps(extravars))
    env = {
        **os.environ,
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json",
        "ANSIBLE_LOCALHOST_WARNING": "false",
        "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
    }
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(SETUP), "-e", f"@{varsfile}"]
    command += ["-i", str(inventory)] if inventory else []
    done = subprocess.run([*command, *(["--check"] if check else [])], capture_output=True, text=True, env=env, timeout=600, check=False)
    return done.returncode, json.loads(done.stdout[done.stdout.index("{") :])


def task_outcomes(document: dict) -> dict[str, dict]:
    """Task name -> localhost's result."""
    return {task["task"]["name"]: task["hosts"]["localhost"] for play in document["plays"] for task in play["tasks"]}


@pytest.fixture
def awx():
    fake = FakeAWX()
    fake.add("organizations", name="Default")
    organization = fake.named("organizations", "Default")["id"]
    fake.add("inventories", name="aws-accounts", organization=organization)
    fake.add("credentials", name="AWS maintenance", organization=organization, credential_type=1)
    fake.add("instance_groups", name="near-the-accounts")
    with FakeAWXServer(fake) as server:
        yield server


def test_check_mode_on_a_new_controller_writes_nothing_and_shows_the_plan(awx, tmp_path):
    rc, document = run_setup(awx.url, tmp_path, check=True)
    assert rc == 0, json.dumps(document)[-3000:]
    assert awx.fake.writes() == []
    outcomes = task_outcomes(document)
    assert outcomes["The project the job templates run from"]["changed"] is True
    assert outcomes["The PostgreSQL credential type (libpq's PGUSER and PGPASSWORD, for postgres targets)"]["changed"] is True
    # It asked the controller about everything it would create.
    asked = {request.path for request in awx.fake.requests}
    assert {"/api/v2/projects/", "/api/v2/credential_types/", "/api/v2/organizations/"} <= asked


def test_apply_creates_everything_once_and_reruns_change_nothing(awx, tmp_path):
    rc, document = run_setup(awx.url, tmp_path)
    assert rc == 0, json.dumps(document)[-3000:]
    fake = awx.fake
    project = fake.named("projects", "steward-maintenance")
    assert project["scm_url"] == "https://git.example.invalid/ops/maintenance.git" and project["scm_type"] == "git"
    postgres_type = fake.named("credential_types", "steward.maintenance PostgreSQL")
    assert postgres_type["injectors"]["env"] == {"PGUSER": "{{ username }}", "PGPASSWORD": "{{ password }}"}
    assert [field for field in postgres_type["inputs"]["fields"] if field.get("secret")] == [
        {"id": "password", "type": "string", "label": "Password", "secret": True}
    ]
    role_type = fake.named("credential_types", "steward.maintenance AWS role")
    assert role_type["injectors"]["extra_vars"] == {"steward_role_arn": "{{ role_arn }}"}

    templates = {item["playbook"]: item for item in fake.objects["job_templates"].values()}
    assert set(templates) == {f"playbooks/{cadence}.yml" for cadence in CADENCES}
    for cadence in CADENCES:
        template = templates[f"playbooks/{cadence}.yml"]
        assert (ROOT / template["playbook"]).exists()
        assert template["project"] == project["id"] and template["inventory"] == fake.named("inventories", "aws-accounts")["id"]
        assert template["allow_simultaneous"] is False and template["survey_enabled"] is True
        credentials = fake.associations[f"job_templates/{template['id']}/credentials"]
        assert credentials == {fake.named("credentials", "AWS maintenance")["id"]}
        assert fake.associations[f"job_templates/{template['id']}/instance_groups"] == {
            fake.named("instance_groups", "near-the-accounts")["id"]
        }
    assert json.loads(templates["playbooks/daily.yml"]["extra_vars"]) == {
        "steward_hosts": "all",
        "steward_ledger": "s3://ledger-bucket/steward",
    }
    assert json.loads(templates["playbooks/weekly.yml"]["extra_vars"]) == {"steward_hosts": "all"}

    def survey_variables(cadence: str) -> list[str]:
        return [question["variable"] for question in fake.surveys[f"job_templates/{templates[f'playbooks/{cadence}.yml']['id']}"]["spec"]]

    assert survey_variables("daily") == ["steward_survey_targets", "steward_survey_ledger", "steward_rpo"]
    assert survey_variables("monthly") == ["steward_survey_targets", "steward_survey_ledger", "steward_dr_rto", "steward_dr_rpo"]
    rollback_spec = fake.surveys[f"job_templates/{templates['playbooks/rollback.yml']['id']}"]["spec"]
    assert next(question for question in rollback_spec if question["variable"] == "steward_rollback_to")["choices"] == [
        "checkpoint",
        "previous",
        "explicit",
    ]
    # Every variable a survey sets is one its playbook (or the preflight role) reads.
    for cadence in CADENCES:
        text = (ROOT / "playbooks" / f"{cadence}.yml").read_text() + (ROOT / "roles" / "preflight" / "tasks" / "survey.yml").read_text()
        assert all(variable in text for variable in survey_variables(cadence)), cadence

    schedules = {item["name"]: item for item in fake.objects["schedules"].values()}
    assert set(schedules) == {"steward daily", "steward weekly", "steward monthly", "steward quarterly"}
    assert schedules["steward quarterly"]["rrule"].endswith("RRULE:FREQ=MONTHLY;INTERVAL=3;BYMONTHDAY=1")
    assert schedules["steward weekly"]["unified_job_template"] == templates["playbooks/weekly.yml"]["id"]
    assert all(schedule["enabled"] for schedule in schedules.values())
    created = len(fake.writes())

    # A rerun, checked and then applied: nothing to change, nothing written.
    for check in (True, False):
        rc, document = run_setup(awx.url, tmp_path, check=check)
        assert rc == 0
        assert len(fake.writes()) == created, [(request.method, request.path) for request in fake.writes()[created:]]
        assert not any(outcome.get("changed") for outcome in task_outcomes(document).values()), check

    # A changed schedule in check mode: reported as a change of that schedule only, still nothing written.
    moved = {"daily": "DTSTART:20270101T013000Z RRULE:FREQ=DAILY;INTERVAL=1", "weekly": schedules["steward weekly"]["rrule"]}
    rc, document = run_setup(awx.url, tmp_path, check=True, steward_awx_schedules=moved)
    assert rc == 0 and len(fake.writes()) == created
    looped = task_outcomes(document)["The cadences' schedules"]["results"]
    assert {result["item"]["key"]: result["changed"] for result in looped} == {"daily": True, "weekly": False}


def test_an_example_inventory_brings_its_runbook_schedule(awx, tmp_path):
    """The steward_awx_* settings come from the inventory's group_vars too (SoleMate: 02:00, Sunday 03:00, the 1st)."""
    example = ROOT / "examples" / "solemate" / "inventory"
    rc, document = run_setup(awx.url, tmp_path, inventory=example)
    assert rc == 0, json.dumps(document)[-3000:]
    wanted = yaml.safe_load((example / "group_vars" / "all.yml").read_text())["steward_awx_schedules"]
    schedules = {item["name"]: item["rrule"] for item in awx.fake.objects["schedules"].values()}
    assert schedules == {f"steward {cadence}": rrule for cadence, rrule in wanted.items()}
    assert "quarterly" not in wanted and len(schedules) == 3


def test_bad_setup_variables_fail_before_any_call(awx, tmp_path):
    rc, document = run_setup(awx.url, tmp_path, steward_awx_project_url="", steward_awx_schedules={"hourly": "RRULE:FREQ=HOURLY"})
    assert rc != 0
    message = task_outcomes(document)["Check the setup's variables before calling the controller"]["msg"]
    assert "steward_awx_project_url" in message
    assert awx.fake.requests == []


def test_setup_playbook_is_valid_yaml_with_a_survey_for_every_cadence():
    play = yaml.safe_load(SETUP.read_text())[0]
    assert set(play["vars"]["steward_awx_defaults"]["surveys"]) == CADENCES
    assert set(play["vars"]["steward_awx_defaults"]["schedules"]) <= CADENCES
