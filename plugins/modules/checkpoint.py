#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: checkpoint
short_description: Record the known-good version of ECS services and Lambda aliases before a change
version_added: 0.2.0
description:
  - Records, for every selected ECS service or Lambda alias, what it runs now in the evidence ledger under a O(label),
    so that M(steward.maintenance.rollback) with O(steward.maintenance.rollback#module:to=checkpoint) can go back to
    exactly that later. Seed runbooks call this "identify the last known good version"; nobody wrote it down before.
  - "V(ecs_service): cluster, service, task definition ARN (the version), desired count and deployment configuration.
    V(lambda_alias): function, alias, version and its weighted routing."
  - "Idempotent per label: when the newest checkpoint with O(label) records the same state, nothing is written and
    the resource is RV(resources[].status=unchanged). A new state under the same label is a new record; rollback
    always reads the newest."
  - One resource failing (it does not exist, it cannot be read) never stops the others; the task fails after all
    were tried, naming the failed ones.
  - Check mode reads every resource and returns what would be recorded, writing nothing.
  - ECS services are read ten of a cluster to a C(DescribeServices) call, Lambda aliases one C(GetAlias) each.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  label:
    description:
      - The name of this checkpoint, e.g. V(pre-deploy) or V(known-good); rollback's
        O(steward.maintenance.rollback#module:checkpoint) picks it.
      - 1 to 31 lowercase letters, digits or hyphens.
    type: str
    default: known-good
  ledger:
    description:
      - Where the checkpoint is recorded, an absolute local directory or V(s3://bucket/prefix), as for
        M(steward.maintenance.backup)'s O(steward.maintenance.backup#module:ledger).
      - Required, because a checkpoint is a ledger record.
    type: str
    required: true
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._deploy_targets
  - steward.maintenance._attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details: Shows each resource's last recorded checkpoint state and its state now.
  idempotent:
    support: full
seealso:
  - module: steward.maintenance.rollback
"""

EXAMPLES = r"""
- name: Before a deploy, record what the backend and the API run now
  steward.maintenance.checkpoint:
    label: pre-deploy
    ledger: s3://audit-evidence/steward
    targets:
      - kind: ecs_service
        names: [pazpaz-prod/pazpaz-backend]
      - kind: lambda_alias
        names: ["network-visualizer-api:live"]

- name: Every tagged function's live alias
  steward.maintenance.checkpoint:
    label: known-good
    ledger: "{{ playbook_dir }}/ledger"
    targets:
      - kind: lambda_alias
        tags: {app: network-visualizer}
        options: {alias: live}
"""

RETURN = r"""
resources:
  description: One entry per selected resource, in selection order.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The resource kind, V(ecs_service) or V(lambda_alias).
      type: str
      sample: ecs_service
    id:
      description: C(<cluster>/<service>) or C(<function>:<alias>).
      type: str
      sample: pazpaz-prod/pazpaz-backend
    arn:
      description: The service's or alias's ARN.
      type: str
    status:
      description:
        - V(recorded) a checkpoint was written; V(unchanged) the newest checkpoint with this label already records
          this state; V(planned) check mode would record one; V(failed) see RV(resources[].error).
      type: str
      sample: recorded
    action:
      description: V(record) or V(none).
      type: str
    message:
      description: A sentence for people.
      type: str
      sample: "recorded checkpoint 'pre-deploy': task definition revision pazpaz-backend:7"
    error:
      description: Why the resource failed; null otherwise.
      type: str
    error_code:
      description: A short code for the failure, e.g. V(not_found), V(ledger).
      type: str
    state:
      description:
        - What the resource runs now, as recorded. C(version) is the task definition ARN or the Lambda version;
          C(weights) the alias's additional version weights.
      type: dict
      sample: {"version": "arn:aws:ecs:us-east-1:123456789012:task-definition/pazpaz-backend:7", "cluster": "pazpaz-prod",
               "service": "pazpaz-backend", "desired_count": 2, "deployment_configuration": {}, "weights": {}}
    previous_checkpoint:
      description: The newest earlier checkpoint with this label (label, recorded, run_id, state), or null.
      type: dict
    ledger_record:
      description: Where the record was written.
      type: str
    duration_s:
      description: Seconds spent on this resource.
      type: float
    details:
      description: Empty; kept for the shape every steward result shares.
      type: dict
label:
  description: The checkpoint's label.
  returned: always
  type: str
  sample: pre-deploy
summary:
  description: Counts per status (V(recorded), V(unchanged), V(planned), V(failed)), per kind, and of targets.
  returned: always
  type: dict
  sample: {"total": 2, "recorded": 1, "unchanged": 1, "planned": 0, "failed": 0, "by_kind": {}, "targets_matching_nothing": 0,
           "targets_failed": 0}
targets:
  description: One entry per O(targets) entry, saying what it matched.
  returned: always
  type: list
  elements: dict
run_id:
  description: This run's id, also in every ledger record it wrote.
  returned: always
  type: str
ledger:
  description: The ledger's location.
  returned: always
  type: str
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._checkpoint_action import parse_request, run_checkpoint
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy import DEPLOY_FAMILY


def argument_spec() -> dict:
    spec = fleet_argument_spec(DEPLOY_FAMILY)
    spec.update(label=dict(type="str", default="known-good"), ledger=dict(type="str", required=True))
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_checkpoint, DEPLOY_FAMILY.kinds)


if __name__ == "__main__":
    main()
