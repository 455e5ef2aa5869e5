"""Every option of every module, table-driven from the modules' own argument specs: a wrong type, a value out of range,
an unknown choice, an unparsable duration or a conflicting combination fails the module before any AWS client
exists, with a message naming the option. test_every_option_is_in_the_matrix keeps the table whole as options are
added; an option that takes any text says so in FREE_TEXT, with why.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from typing import Any

import pytest
from bad_values import bad_values
from conftest import run_main

MODULES = (
    "backup",
    "backup_info",
    "backup_retention",
    "restore_test",
    "checkpoint",
    "rollback",
    "secret_rotation",
    "access_key_rotation",
    "log_retention",
    "health_check",
    "ledger_info",
)

# The least each module needs to get as far as checking the option under test.
BASE: dict[str, dict[str, Any]] = {
    "backup": {"targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "backup_info": {"targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "backup_retention": {"targets": [{"kind": "dynamodb", "names": ["t"]}], "keep_daily": 7},
    "restore_test": {"targets": [{"kind": "dynamodb", "names": ["t"]}]},
    "checkpoint": {"targets": [{"kind": "ecs_service", "names": ["c/s"]}], "ledger": "/nonexistent/ledger"},
    "rollback": {"targets": [{"kind": "ecs_service", "names": ["c/s"]}], "ledger": "/nonexistent/ledger"},
    "secret_rotation": {"targets": [{"kind": "secret", "names": ["s"]}]},
    "access_key_rotation": {"targets": [{"kind": "iam_user", "names": ["u"]}]},
    "log_retention": {"targets": [{"kind": "log_group", "names": ["/g"]}], "retention_days": 30},
    "health_check": {"targets": [{"kind": "alarm", "names": ["a"]}]},
    "ledger_info": {"ledger": "/nonexistent/ledger", "missing_ok": True},
}

# Text that is anyone's to choose: nothing to refuse.
FREE_TEXT = {
    "backup_id": "the id of a backup: whether it exists is found out against AWS, per resource",
    "checkpoint": "a checkpoint's id from the ledger: looked up there, and an unknown one fails naming it",
    "gates.alarms.prefix": "any alarm-name prefix",
    "checks.object": "an S3 key: any text",
    "checks.sql": "SQL run in the scratch database; its errors fail that check",
    "checks.expect": "the text the SQL's answer must equal",
    "postgres.password": "a password: any text (never shown)",
    "backups.postgres.password": "a password: any text (never shown)",
}


# What a list suboption's element needs beside the option under test, valid.
SIBLINGS = {"http": {"url": "http://127.0.0.1:9/health"}, "checks": {"kind": "s3", "object": "data/a.txt"}}


def _nest(path: str, value: Any, spec_path: list[dict[str, Any]]) -> dict[str, Any]:
    """The module argument setting ``path`` (dotted) to ``value``; list suboptions become a one-element list, with
    the element's required siblings filled in."""
    parts = path.split(".")
    leaf: Any = value
    for depth in range(len(parts) - 1, 0, -1):
        parent = spec_path[depth - 1]
        level = dict(SIBLINGS.get(parts[depth - 1], {}))
        level[parts[depth]] = leaf
        leaf = [level] if parent.get("type") == "list" else level
    return {parts[0]: leaf}


def _walk(spec: dict[str, Any], prefix: str = "", above: list[dict[str, Any]] | None = None) -> Iterator[tuple[str, dict, list]]:
    for name, option in spec.items():
        path = f"{prefix}{name}"
        chain = [*(above or []), option]
        yield path, option, chain
        if option.get("options") and name not in ("targets",) and not prefix.startswith("targets"):
            yield from _walk(option["options"], f"{path}.", chain)


def _module(name: str) -> Any:
    return importlib.import_module(f"ansible_collections.steward.maintenance.plugins.modules.{name}")


def _spec(module: str) -> dict[str, Any]:
    return _module(module).argument_spec()


def _cases() -> Iterator[Any]:
    for module in MODULES:
        for path, option, chain in _walk(_spec(module)):
            for what, value in bad_values(path, option):
                yield pytest.param(module, path, _nest(path, value, chain), id=f"{module}-{path}-{what}")


# Conflicting or inconsistent options: each is valid alone.
CONFLICTS = [
    ("access_key_rotation", {"rotate_after": "90d", "deactivate_after": "30d"}, "deactivate_after"),
    ("access_key_rotation", {"deactivate_after": "100d", "delete_after": "50d"}, "delete_after"),
    ("restore_test", {"wait_timeout": "2h", "scratch_ttl": "1h"}, "scratch_ttl"),
    ("restore_test", {"pick": "newest", "backup_id": "b-1"}, "backup_id"),
    ("backup_retention", {"keep_daily": 0}, "keep_"),
    ("health_check", {"certificates": {"warn_days": 3, "critical_days": 7}}, "warn_days"),
    ("rollback", {"to": "previous", "checkpoint": "known-good"}, "checkpoint"),
    ("rollback", {"to": "checkpoint", "ledger": None}, "ledger"),
    ("ledger_info", {"since": "1d", "until": "7d"}, "until"),
]


@pytest.mark.parametrize(("module", "path", "bad"), list(_cases()))
def test_a_bad_value_fails_before_any_call_naming_the_option(module, path, bad, capsys, no_aws_calls):
    code, result = run_main(_module(module), {**BASE[module], **bad}, capsys)
    assert code == 1 and result.get("failed") is True, result
    assert path.rsplit(".", 1)[-1] in result["msg"], result["msg"]


@pytest.mark.parametrize(("module", "args", "named"), CONFLICTS, ids=[f"{c[0]}-{'-'.join(c[1])}" for c in CONFLICTS])
def test_conflicting_options_fail_before_any_call_naming_the_option(module, args, named, capsys, no_aws_calls):
    code, result = run_main(_module(module), {**BASE[module], **args}, capsys)
    assert code == 1 and result.get("failed") is True, result
    assert named in result["msg"], result["msg"]


def test_every_option_is_in_the_matrix():
    """An option with no bad value to try and no place in FREE_TEXT is a gap: the matrix must grow with the modules."""
    untested = []
    for module in MODULES:
        for path, option, _chain in _walk(_spec(module)):
            if option.get("options"):
                continue
            if not list(bad_values(path, option)) and path not in FREE_TEXT:
                untested.append(f"{module}: {path}")
    assert untested == []
