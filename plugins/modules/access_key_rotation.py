#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: access_key_rotation
short_description: Rotate IAM users' access keys by age, store new keys in Secrets Manager, retire old ones, report unused keys
version_added: 0.2.0
description:
  - For every selected IAM user, concurrently, from the ages and last use of its access keys.
  - "Rotate: when the newest active key is older than O(rotate_after) (or with O(force)), create a key and store it
    (C(UserName), C(AccessKeyId), C(SecretAccessKey) as JSON) as the new AWSCURRENT version of the secret named by
    O(store.secret_name), created if missing. If it cannot be stored, the new key is deleted again: no key exists that
    nobody holds."
  - "A run killed between making a key and storing it (SIGKILL, a lost AWX node) is found by the next run: while a
    key is being made and stored the user carries the tag C(steward:rotating) (the run id and the time). A tag older
    than 15 minutes means that run died: the keys it made (active, never used, created after the tag's time less five
    minutes of clock skew, and not among the keys stored in O(store.secret_name)) are deleted, the tag removed, and the
    rotation done anew. A younger tag is a rotation in progress: the user fails with the run and the time. When AWS
    refuses to make the key (AccessDenied, the two-keys quota) nothing was made and the tag is removed at once, so
    the next run rotates without waiting. Needs C(iam:TagUser) and C(iam:UntagUser) besides the key actions (the
    least-privilege policies in the collection's docs/iam/ list every action each role needs)."
  - "A create whose answer was lost (the request done, the answer never came back) is never retried blind: the key
    the lost attempt made, whose secret never arrived, is deleted before a new one is made."
  - "Retire: older active keys are deactivated once older than O(deactivate_after) (at once with O(force); with
    O(require_new_key_used) only once the newest key has been used), and inactive keys deleted once older than
    O(delete_after). The newest active key is never deactivated, so a user always keeps a working key, and a key is
    always inactive before it is deleted."
  - "IAM allows two keys per user: when a rotation is due and the user has two keys that may not be deleted yet, the
    user is RV(resources[].status=blocked) with what to do; nothing is changed for it."
  - "Report: keys unused (or never used and created) more than O(report_unused_after) ago are listed in
    RV(unused_keys) (seed 002's weekly credential review). In check mode the review and the plan are all it does."
  - No key secret appears in a result, the ledger or C(-vvvv) output; results carry key ids, states and ages.
  - A rerun right after a rotation changes nothing until the next key is due.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  rotate_after:
    description: Create a new key when the newest active key is older than this duration.
    type: str
    default: 90d
  deactivate_after:
    description: Deactivate older keys once older than this; must be longer than O(rotate_after).
    type: str
    default: 100d
  delete_after:
    description: Delete inactive keys once older than this; must be longer than O(deactivate_after).
    type: str
    default: 110d
  require_new_key_used:
    description: Deactivate old keys only once the newest key has been used (its C(LastUsedDate) is set).
    type: bool
    default: false
  report_unused_after:
    description: List keys not used for this long in RV(unused_keys).
    type: str
    default: 90d
  force:
    description: Rotate every selected user's key now and deactivate the old ones at once (a suspected compromise).
    type: bool
    default: false
  store:
    description: Where new keys go.
    type: dict
    suboptions:
      secret_name:
        description:
          - The Secrets Manager secret of each user's key, a name containing C({user}), e.g. V(iam/{user}/access-key).
          - Required when a rotation is due.
        type: str
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._iam_user_targets
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
seealso:
  - module: steward.maintenance.secret_rotation
"""

EXAMPLES = r"""
- name: Quarterly key rotation of the S3 users (seed 004)
  steward.maintenance.access_key_rotation:
    rotate_after: 90d
    require_new_key_used: true
    store:
      secret_name: iam/{user}/access-key
    ledger: s3://audit-evidence/steward
    targets:
      - kind: iam_user
        tags: {rotation: quarterly}

- name: Weekly review of keys unused for 90 days (seed 002), changing nothing
  steward.maintenance.access_key_rotation:
    report_unused_after: 90d
    targets:
      - kind: iam_user
        names: ["*"]
  check_mode: true
  register: review
"""

RETURN = r"""
resources:
  description: One entry per selected user.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The user name.
      type: str
    status:
      description: >-
        V(rotated) a new key was created and stored (old keys maybe retired); V(changed) keys were only deactivated or
        deleted; V(unchanged); V(planned) (check mode); V(blocked) a rotation is due but the two-key limit stops it;
        V(failed).
      type: str
    keys:
      description: The user's keys before (C(id), C(state), C(created), C(age_days), C(last_used)).
      type: list
      elements: dict
    plan:
      description: C(create), C(deactivate) and C(delete) (key ids) and the C(reasons).
      type: dict
    done:
      description: What was done, in order (C(key), C(action)).
      type: list
      elements: dict
    stored:
      description: Where the new key went (C(secret) ARN, C(version) id).
      type: dict
    unused:
      description: The user's key ids unused for O(report_unused_after).
      type: list
      elements: str
unused_keys:
  description: Every key unused for O(report_unused_after), with its user.
  returned: always
  type: list
  elements: dict
  sample: [{"user": "pazpaz-s3", "id": "AKIA...", "state": "Active", "age_days": 120.0, "last_used": null}]
summary:
  description: Counts per status, per kind and of targets, and C(unused_keys).
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

from ansible_collections.steward.maintenance.plugins.module_utils._access_key_rotation_action import parse_request, run_access_key_rotation
from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential import IAM_USER_FAMILY


def argument_spec() -> dict:
    spec = fleet_argument_spec(IAM_USER_FAMILY)
    spec.update(
        rotate_after=dict(type="str", default="90d"),
        deactivate_after=dict(type="str", default="100d"),
        delete_after=dict(type="str", default="110d"),
        require_new_key_used=dict(type="bool", default=False),
        report_unused_after=dict(type="str", default="90d"),
        force=dict(type="bool", default=False),
        store=dict(type="dict", options=dict(secret_name=dict(type="str"))),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_access_key_rotation, IAM_USER_FAMILY.kinds)


if __name__ == "__main__":
    main()
