# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Write ``docs/iam/<cadence>.json``: the IAM policy a cadence playbook needs, the union of the role policies in
``docs/iam/roles/`` of the roles that playbook runs.

The role policies are the source (written by hand, one statement per kind and purpose, scoped to steward's own
backups and scratch resources where AWS's authorization allows it); a cadence's policy is rendered so that it can
never drift from the roles the playbook runs. Statements of the same ``Sid`` and resources merge their actions.
``preflight`` is left out of the cadences: its ``sts:AssumeRole`` belongs to the principal that *starts* the job (the
AWX credential), not to the role the cadence then acts as. Run ``make docs`` after changing a role policy or a
playbook's roles; ``--check`` (a unit test) fails while a committed file differs from what this renders.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
ROLE_POLICIES = ROOT / "docs" / "iam" / "roles"
CADENCE_POLICIES = ROOT / "docs" / "iam"
PLAYBOOKS = ROOT / "playbooks"
# Playbooks that are not a maintenance cadence (awx_setup.yml configures AWX, it does not touch the fleet).
NOT_CADENCES = {"awx_setup"}
# Roles that make no AWS call; any other role a cadence runs must have a policy, or rendering fails.
NO_AWS = {"report"}
CALLER_ONLY = {"preflight"}
PREFIX = "steward.maintenance."


def roles_of(playbook: Path) -> list[str]:
    """The collection's roles a playbook runs, in order (``roles:``, ``import_role`` and ``include_role``)."""
    found: list[str] = []

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "role" and isinstance(value, str):
                    found.append(value)
                elif key in ("ansible.builtin.import_role", "ansible.builtin.include_role") and isinstance(value, dict):
                    found.append(str(value.get("name", "")))
                else:
                    visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(yaml.safe_load(playbook.read_text()))
    return list(dict.fromkeys(role.removeprefix(PREFIX) for role in found if role.startswith(PREFIX)))


def role_policy(role: str) -> dict[str, Any]:
    path = ROLE_POLICIES / f"{role}.json"
    if not path.exists():
        raise SystemExit(f"role {role!r} has no IAM policy: write {path.relative_to(ROOT)} (or list it in NO_AWS)")
    return json.loads(path.read_text())


def cadence_policy(playbook: Path) -> dict[str, Any]:
    merged: dict[tuple[str, tuple[str, ...]], dict[str, Any]] = {}
    for role in roles_of(playbook):
        if role in NO_AWS or role in CALLER_ONLY:
            continue
        for statement in role_policy(role)["Statement"]:
            resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
            key = (statement["Sid"], tuple(resources))
            into = merged.setdefault(key, {"Sid": statement["Sid"], "Effect": "Allow", "Action": [], "Resource": statement["Resource"]})
            into["Action"] = sorted(set(into["Action"]) | set(statement["Action"]))
    sids = [key[0] for key in merged]
    for sid in set(sids):
        if sids.count(sid) > 1:
            raise SystemExit(f"{playbook.name}: two role policies use Sid {sid!r} for different resources; rename one")
    return {"Version": "2012-10-17", "Statement": list(merged.values())}


def rendered() -> dict[Path, str]:
    out: dict[Path, str] = {}
    for playbook in sorted(PLAYBOOKS.glob("*.yml")):
        if playbook.stem in NOT_CADENCES:
            continue
        out[CADENCE_POLICIES / f"{playbook.stem}.json"] = json.dumps(cadence_policy(playbook), indent=2) + "\n"
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail when a committed policy differs from what this renders")
    args = parser.parse_args()
    stale = []
    for path, text in rendered().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(str(path.relative_to(ROOT)))
        else:
            path.write_text(text)
    if stale:
        print(f"stale IAM policies (run make docs): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
