#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: ledger_info
short_description: Read the evidence ledger, filtered, with each resource's series over time
version_added: 0.2.0
description:
  - Reads the evidence ledger (a local directory or V(s3://bucket/prefix)) that every steward action writes, filtered
    by O(kinds), O(resources), O(actions), a time window (O(since), O(until)), O(statuses) and O(verdicts).
  - Returns the matching RV(records) and, per resource and action, a RV(series) for trends and charts (backup age at
    each run, RTO and RPO of each restore test, rollbacks with their gates, rotations).
  - "Fast on long histories: one listing of the ledger's keys (one kind's part when O(kinds) names one), filtered by
    kind, resource, action and time from the keys alone; only the matching records are read, 16 at a time.
    RV(summary) says how many were listed, read and matched, and how long it took."
  - Read-only.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  ledger:
    description: The ledger, an absolute local directory or V(s3://bucket/prefix). A local directory must exist.
    type: str
    required: true
  missing_ok:
    description: Read a local ledger directory that does not exist yet as an empty ledger instead of failing.
    type: bool
    default: false
  kinds:
    description: Only records of these kinds (V(dynamodb), V(ecs_service), V(secret), ...).
    type: list
    elements: str
  resources:
    description: Only records of these resource ids (names or ARNs, as the actions reported them).
    type: list
    elements: str
  actions:
    description:
      - Only records of these actions (V(backup), V(restore_test), V(backup_retention), V(checkpoint), V(rollback),
        V(secret_rotation), V(access_key_rotation), V(log_retention)).
    type: list
    elements: str
  since:
    description: Only records newer than this duration ago, e.g. V(30d).
    type: str
  until:
    description: Only records older than this duration ago; with O(since), it must be shorter than O(since).
    type: str
  statuses:
    description: Only records with one of these statuses.
    type: list
    elements: str
  verdicts:
    description: Only records with one of these verdicts (restore tests, V(passed) or V(failed)).
    type: list
    elements: str
  max_records:
    description: Return at most this many records, the newest; V(0) returns only the series and the summary.
    type: int
    default: 1000
  concurrency:
    description: Records read at once (at least 16 are).
    type: int
    default: 8
  retry_mode:
    description: Botocore's retry mode for an S3 ledger.
    type: str
    default: standard
    choices: [standard, adaptive]
  retry_max_attempts:
    description: Botocore's maximum attempts per call (1 to 50).
    type: int
    default: 10
extends_documentation_fragment:
  - steward.maintenance._attributes
  - steward.maintenance._attributes.INFO_MODULE
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Restore tests of the last 90 days, and every resource's RTO series
  steward.maintenance.ledger_info:
    ledger: s3://audit-evidence/steward
    actions: [restore_test]
    since: 90d
    max_records: 0
  register: tests

- name: Failed rollbacks this month
  steward.maintenance.ledger_info:
    ledger: "{{ playbook_dir }}/ledger"
    actions: [rollback]
    statuses: [failed]
    since: 31d
"""

RETURN = r"""
records:
  description: The matching records, oldest first (at most O(max_records), the newest).
  returned: always
  type: list
  elements: dict
series:
  description:
    - Per resource (C(<kind>/<id>)) and action, one point per record, oldest first. Every point has C(recorded) and
      C(status); C(backup) points add C(age_s_before) (the newest backup's age when the run started) and C(backup);
      C(restore_test) points C(verdict), C(rto_s), C(rpo_s), C(rto_met), C(rpo_met); C(rollback) points C(target),
      C(gates_passed), C(reverted); C(secret_rotation) points C(method), C(new_version); C(access_key_rotation)
      points C(done).
  returned: always
  type: dict
  sample: {"dynamodb/orders": {"backup": [{"recorded": "2026-11-30T02:00:04Z", "status": "created", "age_s_before": 86398}]}}
summary:
  description: C(listed) keys, C(read) records, C(matched) and C(returned) ones, C(truncated), C(unreadable), C(by_action), C(seconds).
  returned: always
  type: dict
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import run_module
from ansible_collections.steward.maintenance.plugins.module_utils._ledger_info_action import parse_request, run_ledger_info


def argument_spec() -> dict:
    names = dict(type="list", elements="str")
    return dict(
        ledger=dict(type="str", required=True),
        missing_ok=dict(type="bool", default=False),
        kinds=names,
        resources=names,
        actions=names,
        since=dict(type="str"),
        until=dict(type="str"),
        statuses=names,
        verdicts=names,
        max_records=dict(type="int", default=1000),
        concurrency=dict(type="int", default=8),
        retry_mode=dict(type="str", default="standard", choices=["standard", "adaptive"]),
        retry_max_attempts=dict(type="int", default=10),
    )


def main() -> None:
    run_module(argument_spec(), parse_request, run_ledger_info, {})


if __name__ == "__main__":
    main()
