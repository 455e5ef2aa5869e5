#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: log_retention
short_description: Set CloudWatch Logs retention on a whole fleet of log groups
version_added: 0.2.0
description:
  - Every selected log group (names, glob patterns, ARNs or tags) gets O(retention_days) where it has none (its
    events never expire), or wherever it differs with O(enforce). Seed 001 keeps application logs 30 days.
  - The fleet's current retentions are read in one paginated sweep, then the changes are made concurrently.
  - Reports before and after per group, one ledger record per change; check mode is the plan; C(--diff) shows each
    group's retention before and after.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  retention_days:
    description: Days to keep events; one of the values CloudWatch Logs allows.
    type: int
    required: true
    choices: [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653]
  enforce:
    description: Also change groups that have another retention (by default only groups without one are set).
    type: bool
    default: false
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._log_group_targets
  - steward.maintenance._fleet.LEDGER
  - steward.maintenance._attributes
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  idempotent:
    support: full
"""

EXAMPLES = r"""
- name: Application logs kept 30 days (seed 001)
  steward.maintenance.log_retention:
    retention_days: 30
    targets:
      - kind: log_group
        names: ["/aws/lambda/solemate-*", "/ecs/solemate-*"]
"""

RETURN = r"""
resources:
  description: One entry per selected log group.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The log group's name.
      type: str
    status:
      description: V(set), V(unchanged), V(planned) (check mode) or V(failed).
      type: str
    before:
      description: Its retention in days before; null when events never expired.
      type: int
    after:
      description: Its retention in days after (or planned).
      type: int
    message:
      description: A sentence for people.
      type: str
retention_days:
  description: O(retention_days) as given.
  returned: always
  type: int
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
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.logs import LOG_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.logs.log_group import ALLOWED_DAYS
from ansible_collections.steward.maintenance.plugins.module_utils._log_retention_action import parse_request, run_log_retention


def argument_spec() -> dict:
    spec = fleet_argument_spec(LOG_FAMILY)
    spec.update(
        retention_days=dict(type="int", required=True, choices=list(ALLOWED_DAYS)),
        enforce=dict(type="bool", default=False),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_log_retention, LOG_FAMILY.kinds)


if __name__ == "__main__":
    main()
