#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: secret_rotation
short_description: Rotate Secrets Manager secrets end to end, by their Lambda or by steward, never showing a value
version_added: 0.2.0
description:
  - Rotates every selected secret whose AWSCURRENT version is older than O(max_age), or every selected one with
    O(force) (the emergency case, a suspected compromise), concurrently.
  - "A secret with a rotation Lambda: C(RotateSecret) now, then waits (O(wait_timeout)) until the new version is
    AWSCURRENT and no AWSPENDING is left. A rotation that stays AWSPENDING is reported with what to do next."
  - "A secret without one: steward's four steps. Generate a value (O(targets[].options) C(generate): C(length),
    character classes, C(exclude_characters); or C(key), one key of a JSON secret, the other keys kept), put it as
    AWSPENDING, apply it (C(apply=postgres): C(ALTER ROLE <role> PASSWORD) on the server of O(postgres), sent as a
    SCRAM-SHA-256 verifier computed here so the plain value never reaches the server's logs; C(apply=none): a value
    only applications read, such as a JWT signing key), verify it (a fresh login as the role with the new password;
    or the pending version read back), then promote it to AWSCURRENT (the old version becomes AWSPREVIOUS)."
  - "If apply, verify or promote fails, nothing is left half-done: the role's old password is set again and a login
    with it proves it works, the pending version's AWSPENDING stage is removed, and the current version stays
    current. RV(resources[].steps) says each step taken, and the resource fails."
  - "A secret that already has an AWSPENDING version put by steward's four steps (its version id starts with
    C(steward-)) more than O(wait_timeout) ago, on a secret without a rotation Lambda, was left by a run that was
    killed half-way. The next run finishes it: the pending version is promoted when it is the value in use (with
    C(apply=postgres), a fresh login with its password works, because the killed run had applied it; otherwise it reads
    back), or, when its password does not open the role, its AWSPENDING stage is removed and the rotation is done
    anew. RV(resources[].steps) starts with C(resumed: ...)."
  - Any other AWSPENDING version (a rotation in progress, a Lambda's, or someone else's) is not touched; the secret
    fails with the version and the command that abandons it.
  - "Stage moves (C(UpdateSecretVersionStage)) retried after a lost answer are checked against the stages as they
    stand: when the move was done, the step counts as done."
  - "Secrets are never shown: no old or new value appears in a result, a warning, an error, the ledger or C(-vvvv)
    output. Results carry version ids and ages only."
  - A rerun right after a rotation rotates nothing (the new version is younger than O(max_age)); O(force) always
    rotates.
  - Check mode reads every secret and returns the plan (method, why), with no mutating call.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  max_age:
    description: Rotate a secret whose AWSCURRENT version is older than this duration.
    type: str
    default: 90d
  force:
    description: Rotate every selected secret whatever its age (emergency rotation).
    type: bool
    default: false
  wait_timeout:
    description:
      - How long to wait for rotation Lambdas to finish, a duration.
      - Also the age past which an AWSPENDING version of steward's own counts as left by an interrupted run.
    type: str
    default: 10m
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._secret_targets
  - steward.maintenance._fleet.LEDGER
  - steward.maintenance._attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  idempotent:
    support: full
    details: A rerun finds every rotated secret younger than O(max_age). O(force) rotates on every run.
seealso:
  - module: steward.maintenance.access_key_rotation
"""

EXAMPLES = r"""
- name: Quarterly, PazPaz's secrets older than 90 days (seed 004's schedule)
  steward.maintenance.secret_rotation:
    max_age: 90d
    ledger: s3://audit-evidence/steward
    postgres:
      host: db.pazpaz.internal
      user: postgres
      password: "{{ vault_postgres_admin_password }}"
    targets:
      - kind: secret
        names: [pazpaz/jwt-signing-key]
        options:
          generate: {length: 64, punctuation: true}
      - kind: secret
        names: [pazpaz/database]
        options:
          apply: postgres
          role: pazpaz_app
          generate: {key: password, length: 40}

- name: Emergency, everything under pazpaz/ now
  steward.maintenance.secret_rotation:
    force: true
    targets:
      - kind: secret
        names: ["pazpaz/*"]
"""

RETURN = r"""
resources:
  description: One entry per selected secret.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(secret).
      type: str
    id:
      description: The secret's name.
      type: str
      sample: pazpaz/database
    status:
      description: >-
        V(rotated), V(skipped) (younger than O(max_age)), V(planned) (check mode), V(failed) (see RV(resources[].error)
        and RV(resources[].steps)).
      type: str
    method:
      description: V(lambda) or V(steward) for a secret rotated or planned; null otherwise.
      type: str
    previous_version:
      description: The AWSCURRENT version before (C(id), C(state), C(created), C(age_days)).
      type: dict
    new_version:
      description: The new version's id, once it exists.
      type: str
    steps:
      description: What was done, in order (and undone, on a failure).
      type: list
      elements: str
      sample: ["new value put as AWSPENDING", "applied to role pazpaz_app", "verified: a fresh login with the new password works",
               "promoted to AWSCURRENT (the old version is AWSPREVIOUS)"]
    versions:
      description: The secret's versions as read before (ids, stages and ages; never values).
      type: list
      elements: dict
    error:
      description: Why the secret failed; null otherwise.
      type: str
    error_code:
      description: V(pending), V(not_found), V(apply_failed), V(verify_failed), V(rotate_failed), V(not_json), V(ledger), ...
      type: str
    ledger_record:
      description: Where the record of this rotation was written.
      type: str
summary:
  description: Counts per status, per kind, and of targets.
  returned: always
  type: dict
targets:
  description: One entry per O(targets) entry, saying what it matched.
  returned: always
  type: list
  elements: dict
run_id:
  description: This run's id.
  returned: always
  type: str
ledger:
  description: The ledger's location.
  returned: always
  type: str
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential import SECRET_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._secret_rotation_action import parse_request, run_secret_rotation


def argument_spec() -> dict:
    spec = fleet_argument_spec(SECRET_FAMILY)
    spec.update(
        max_age=dict(type="str", default="90d"),
        force=dict(type="bool", default=False),
        wait_timeout=dict(type="str", default="10m"),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_secret_rotation, SECRET_FAMILY.kinds)


if __name__ == "__main__":
    main()
