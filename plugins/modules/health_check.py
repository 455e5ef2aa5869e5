#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: health_check
short_description: The morning health check of a fleet, as findings with a severity
version_added: 0.2.0
description:
  - One task for the check every seed runbook starts the day with, over a whole fleet, read-only in every mode.
  - "Probes, by O(targets[].kind): V(alarm) CloudWatch alarms (ALARM critical, INSUFFICIENT_DATA warning);
    V(dynamodb) table status; V(lambda) function state and last update status; V(rds) and V(aurora) status;
    V(ecs_service) running against desired tasks and the newest deployment's rollout state; V(certificate) ACM
    certificates' days to expiry against O(certificates.warn_days) and O(certificates.critical_days); V(http)
    endpoints (status, O(targets[].options) C(max_latency_ms), C(body_regex))."
  - "O(backups): backup freshness against O(backups.rpo), by M(steward.maintenance.backup_info) itself over
    O(backups.targets); a resource with no backup or one older than the RPO is a critical finding."
  - Returns RV(findings) (every check, the healthy ones as V(info)) and RV(summary) by severity, and fails when any
    finding is at or above O(fail_on), after every probe ran.
  - A resource that does not exist, or a probe that cannot read it, is a critical finding of its own.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  fail_on:
    description: Fail the task when any finding has this severity or a higher one.
    type: str
    choices: [info, warning, critical]
    default: critical
  certificates:
    description: How close to expiry a certificate may be.
    type: dict
    suboptions:
      warn_days:
        description: Fewer days left than this is a warning; not below O(certificates.critical_days).
        type: int
        default: 30
      critical_days:
        description: Fewer days left than this is critical.
        type: int
        default: 7
  backups:
    description: Backup freshness, checked with M(steward.maintenance.backup_info)'s logic.
    type: dict
    suboptions:
      targets:
        description: Backup targets, exactly as M(steward.maintenance.backup_info) takes them.
        type: list
        elements: dict
      rpo:
        description: The age the newest backup of each may have, a duration such as V(26h).
        type: str
      postgres:
        description: The C(postgres) option of M(steward.maintenance.backup_info), for V(postgres) backup targets.
        type: dict
        suboptions:
          host:
            description: Server host name or address.
            type: str
          port:
            description: Server port.
            type: int
          user:
            description: Role to connect as.
            type: str
          password:
            description: The role's password.
            type: str
          sslmode:
            description: libpq's sslmode.
            type: str
            choices: [disable, allow, prefer, require, verify-ca, verify-full]
          connect_timeout:
            description: Seconds to wait for a connection.
            type: int
          maintenance_db:
            description: Database to connect to.
            type: str
          dump_dir:
            description: Absolute directory of the dumps.
            type: path
          dump_bucket:
            description: S3 bucket of the dumps.
            type: str
          dump_prefix:
            description: Key prefix of the dumps.
            type: str
          bin_dir:
            description: Directory of pg_dump and pg_restore.
            type: path
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._probe_targets
  - steward.maintenance._attributes
  - steward.maintenance._attributes.INFO_MODULE
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
seealso:
  - module: steward.maintenance.backup_info
"""

EXAMPLES = r"""
- name: PazPaz's morning check (seed 004)
  steward.maintenance.health_check:
    fail_on: critical
    certificates: {warn_days: 30, critical_days: 7}
    targets:
      - kind: alarm
        names: ["pazpaz-prod-*"]
      - kind: ecs_service
        names: [pazpaz-prod/pazpaz-backend]
      - kind: certificate
        names: [api.pazpaz.example]
      - kind: http
        names: [https://api.pazpaz.example/api/v1/health]
        options: {max_latency_ms: 1500, body_regex: '"status":\s*"ok"'}
    backups:
      rpo: 26h
      targets:
        - kind: dynamodb
          tags: {backup: daily}
  register: morning
"""

RETURN = r"""
findings:
  description: Every check made, most severe first.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The probe's kind (or the backup kind, for freshness).
      type: str
    id:
      description: The resource.
      type: str
    check:
      description: What was checked, e.g. V(state), V(status), V(tasks), V(rollout), V(expiry), V(latency), V(body), V(backup_freshness).
      type: str
    severity:
      description: V(critical), V(warning) or V(info).
      type: str
    message:
      description: A sentence for people.
      type: str
    value:
      description: What was measured (a state, a count, days to expiry, milliseconds, a backup's age in seconds).
      type: raw
  sample: [{"kind": "alarm", "id": "pazpaz-prod-5xx", "check": "state", "severity": "critical", "message": "ALARM since ...",
            "value": "ALARM"}]
summary:
  description: Findings per severity, their total, and how many resources they are about.
  returned: always
  type: dict
  sample: {"critical": 1, "warning": 0, "info": 12, "total": 13, "resources": 9}
fail_on:
  description: O(fail_on) as given.
  returned: always
  type: str
targets:
  description: One entry per O(targets) entry, saying what it matched.
  returned: always
  type: list
  elements: dict
run_id:
  description: This run's id.
  returned: always
  type: str
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._health_action import parse_request, run_health_check
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.postgres import PostgresKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe import PROBE_FAMILY


def argument_spec() -> dict:
    spec = fleet_argument_spec(PROBE_FAMILY)
    spec.update(
        fail_on=dict(type="str", choices=["info", "warning", "critical"], default="critical"),
        certificates=dict(type="dict", options=dict(warn_days=dict(type="int", default=30), critical_days=dict(type="int", default=7))),
        backups=dict(
            type="dict",
            options=dict(
                targets=dict(type="list", elements="dict"),
                rpo=dict(type="str"),
                postgres=dict(type="dict", options=PostgresKind.shared_option_spec),
            ),
        ),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_health_check, PROBE_FAMILY.kinds)


if __name__ == "__main__":
    main()
