#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_info
short_description: Backups, newest backup age and RPO status for a whole fleet
version_added: 0.1.0
description:
  - The morning "verify backup completion status" check, for every kind at once and read-only.
  - For every selected resource, lists its backups (steward-made and others, marked by their C(managed) flag),
    the newest available backup and its age, and whether that age is within O(rpo).
  - RPO counts any available backup, steward's or not (an AWS Backup recovery snapshot or an automated RDS snapshot
    protects the data as well); RV(resources[].newest_managed_backup) shows steward's own newest.
  - A resource that cannot be read fails alone; the others are still reported.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  rpo:
    description:
      - The recovery point objective, a duration such as V(26h). A resource whose newest available backup is older,
        or that has none, gets RV(resources[].status=rpo_missed) or V(no_backups).
      - When not set, ages are reported without a verdict.
    type: str
  fail_on_rpo_miss:
    description: Fail the task (after reporting every resource) when any resource misses O(rpo).
    type: bool
    default: false
  max_backups:
    description: How many of each resource's newest backups to list in RV(resources[].backups); V(0) lists none.
    type: int
    default: 10
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._backup_targets
  - steward.maintenance._attributes
  - steward.maintenance._attributes.INFO_MODULE
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: steward.maintenance.backup
"""

EXAMPLES = r"""
- name: Morning check, is every tagged resource's newest backup younger than 26 hours?
  module_defaults:
    group/steward.maintenance.aws:
      region: us-east-1
      endpoint_url: "{{ aws_endpoint_url | default(omit) }}"
  block:
    - name: Read backup freshness for the daily fleet
      steward.maintenance.backup_info:
        rpo: 26h
        max_backups: 3
        targets:
          - kind: dynamodb
            tags: {backup: daily}
          - kind: rds
            tags: {backup: daily}
          - kind: s3
            names: [network-visualizer-data-production]
            options: {backup_bucket: network-visualizer-data-production-backup}
      register: freshness

    - name: List what misses the objective
      ansible.builtin.debug:
        msg: "{{ freshness.resources | selectattr('rpo_met', 'false') | map(attribute='id') | list }}"

- name: Fail the job when any resource misses its RPO
  steward.maintenance.backup_info:
    rpo: 26h
    fail_on_rpo_miss: true
    targets:
      - kind: aurora
        tags: {env: prod}
"""

RETURN = r"""
resources:
  description: One entry per selected resource.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The resource kind.
      type: str
      sample: rds
    id:
      description: The resource's name or id.
      type: str
      sample: orders-db
    arn:
      description: The resource's ARN, where known.
      type: str
    status:
      description:
        - V(ok) an available backup exists (and is within O(rpo) when set); V(rpo_missed) the newest is older than
          O(rpo); V(no_backups) none is available; V(skipped) not applicable (e.g. an Aurora member selected as V(rds));
          V(failed) see RV(resources[].error).
      type: str
      sample: ok
    action:
      description: Always V(none); this module changes nothing.
      type: str
      sample: none
    message:
      description: A sentence for people.
      type: str
      sample: newest backup steward-orders-db-daily-20261124-020000 is 6h12m old
    error:
      description: Why the resource could not be read; null otherwise.
      type: str
    error_code:
      description: A short code for the failure.
      type: str
    duration_s:
      description: Seconds spent reading this resource.
      type: float
    details:
      description: Unused by this module; present for the shared result schema.
      type: dict
    backup_count:
      description: All backups of the resource, in any state.
      type: int
      returned: unless the resource failed or was skipped
      sample: 31
    managed_count:
      description: How many of them steward made.
      type: int
      returned: unless the resource failed or was skipped
      sample: 30
    newest_backup:
      description: The newest available backup (any maker) with C(age_s); null when none.
      type: dict
      returned: unless the resource failed or was skipped
    newest_managed_backup:
      description: The newest available steward backup with C(age_s); null when none.
      type: dict
      returned: unless the resource failed or was skipped
    newest_age_s:
      description: Age in seconds of RV(resources[].newest_backup); null when none.
      type: int
      returned: unless the resource failed or was skipped
      sample: 22320
    rpo_s:
      description: O(rpo) in seconds; null when not set.
      type: int
      returned: unless the resource failed or was skipped
      sample: 93600
    rpo_met:
      description: Whether the newest backup is within O(rpo); null when O(rpo) is not set.
      type: bool
      returned: unless the resource failed or was skipped
      sample: true
    backups:
      description: Up to O(max_backups) newest backups, each with C(id), C(arn), C(name), C(created), C(state),
        C(managed), C(label), C(size_bytes), C(age_s) and C(details).
      type: list
      elements: dict
      returned: unless the resource failed or was skipped
summary:
  description: Counts per status (V(ok), V(rpo_missed), V(no_backups), V(skipped), V(failed)) plus C(total) and C(by_kind).
  returned: always
  type: dict
  sample: {"total": 4, "ok": 3, "rpo_missed": 1, "no_backups": 0, "skipped": 0, "failed": 0}
targets:
  description: One entry per O(targets) entry, saying what it matched.
  returned: always
  type: list
  elements: dict
rpo_s:
  description: O(rpo) in seconds, null when not set.
  returned: always
  type: int
run_id:
  description: This run's id.
  returned: always
  type: str
ledger:
  description: Always null; this module reads no ledger yet and writes none.
  returned: always
  type: str
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._info_action import parse_request, run_backup_info
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_FAMILY, BACKUP_KINDS


def argument_spec() -> dict:
    spec = fleet_argument_spec(BACKUP_FAMILY)
    spec.update(
        rpo=dict(type="str"),
        fail_on_rpo_miss=dict(type="bool", default=False),
        max_backups=dict(type="int", default=10),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_backup_info, BACKUP_KINDS)


if __name__ == "__main__":
    main()
