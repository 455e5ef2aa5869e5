"""Every variable of every role, table-driven from the roles' meta/argument_specs.yml: each bad value (tests/bad_values.py
derives them) fails the role before any AWS call, with a message naming the variable (the argument-spec check) or the
module option it feeds. One playbook holds every case, each in a block whose rescue keeps the message; the run goes
through a proxy that logs every request, and must send none.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml
from bad_values import bad_values
from conftest import ROOT
from fault_proxy import FaultProxy

ECS = [{"kind": "ecs_service", "names": ["c/s"]}]
BASE: dict[str, dict[str, Any]] = {
    "backup": {"backup_targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "backup_freshness": {"backup_freshness_targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "backup_retention": {"backup_retention_targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "restore_test": {"restore_test_targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "checkpoint": {"checkpoint_targets": ECS, "checkpoint_ledger": "/nonexistent/ledger"},
    "rollback": {"rollback_targets": ECS, "rollback_ledger": "/nonexistent/ledger"},
    "secret_rotation": {"secret_rotation_targets": [{"kind": "secret", "names": ["s"]}]},
    "access_key_rotation": {"access_key_rotation_targets": [{"kind": "iam_user", "names": ["u"]}]},
    "log_retention": {"log_retention_targets": [{"kind": "log_group", "names": ["/g"]}]},
    "health_check": {"health_check_targets": [{"kind": "alarm", "names": ["a"]}]},
    "report": {"report_ledger": "/nonexistent/ledger"},
}
# Role variables whose text is anyone's to choose (or a role-only switch with nothing to break).
FREE_TEXT = {"restore_test_name": "the name the result is registered under in the report"}
# A role variable's own form to break, where the module option it feeds has another name.
ROLE_SEMANTIC = {"checkpoint_label": "nightly backup!", "secret_name": "no-user-placeholder", "days": 45}


def _fed_options(role: str) -> dict[str, str]:
    """Role variable -> the module option it is passed as, from the role's module task."""
    tasks = yaml.safe_load((ROOT / "roles" / role / "tasks" / "main.yml").read_text())
    fed = {}
    for task in tasks:
        for action, args in task.items():
            if action.startswith("steward.maintenance.") and isinstance(args, dict):
                for option, template in args.items():
                    for variable in re.findall(rf"\b{role}_\w+", str(template)):
                        fed.setdefault(variable, option)
    return fed


def _cases() -> list[tuple[str, str, Any]]:
    cases = []
    for role in BASE:
        options = yaml.safe_load((ROOT / "roles" / role / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
        for variable, spec in options.items():
            key = variable.removeprefix(f"{role}_")
            found = list(bad_values(key, spec))
            if spec.get("type") == "raw":
                found = [("wrong type", "not-a-dict")]
            if key in ROLE_SEMANTIC and spec.get("type", "str") in ("str", "int"):
                found.append(("unparsable", ROLE_SEMANTIC[key]))
            assert found or variable in FREE_TEXT, f"{variable}: no bad value to try; add one, or say in FREE_TEXT why any is fine"
            cases += [(role, variable, value) for _what, value in found]
    return cases


def _playbook(cases: list[tuple[str, str, Any]], out: Path) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    for number, (role, variable, value) in enumerate(cases):
        include = {"ansible.builtin.include_role": {"name": f"steward.maintenance.{role}"}, "vars": {**BASE[role], variable: value}}
        keep = f"{{{{ caught | default({{}}) | combine({{'{number}': ansible_failed_result.msg | default('') | string}}) }}}}"
        rescue = [{"ansible.builtin.set_fact": {"caught": keep}}]
        tasks.append({"name": f"case {number}: {role} with {variable}", "block": [include], "rescue": rescue})
    keep_all = {"content": "{{ caught | default({}) | to_json }}", "dest": str(out)}
    tasks.append({"name": "Keep the messages", "ansible.builtin.copy": keep_all})
    return [{"name": "Every role variable, bad", "hosts": "localhost", "gather_facts": False, "tasks": tasks}]


def test_every_role_variable_refuses_bad_values_before_any_call(moto, endpoint, play, tmp_path):
    cases = _cases()
    out, playbook = tmp_path / "caught.json", tmp_path / "bad_role_vars.yml"
    playbook.write_text(yaml.safe_dump(_playbook(cases, out), sort_keys=False))
    with FaultProxy(moto.url) as proxy:
        run = play(playbook, {"steward_ledger": str(tmp_path / "ledger")}, via=proxy.url)
    assert run.rc == 0, run.stdout[-3000:]
    caught = json.loads(out.read_text())
    wrong = []
    for number, (role, variable, value) in enumerate(cases):
        message = caught.get(str(number))
        option = _fed_options(role).get(variable, variable.removeprefix(f"{role}_"))
        if message is None or (variable not in message and not re.search(rf"\b{re.escape(option)}\b", message)):
            wrong.append(f"{variable}={value!r}: {message!r}")
    assert wrong == [], "\n".join(wrong)
    assert proxy.log == [], f"bad input reached AWS: {proxy.operations()}"
    assert len(cases) > 100
