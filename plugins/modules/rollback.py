#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: rollback
short_description: Roll ECS services and Lambda aliases back to a known-good version, wait until steady, gate on health
version_added: 0.2.0
description:
  - Switches every selected ECS service or Lambda alias back to a version, concurrently, waits until the service
    is steady on it, then checks health gates; N rollbacks take about as long as the slowest.
  - "Where to: O(to=checkpoint) the newest checkpoint recorded by M(steward.maintenance.checkpoint) (with
    O(checkpoint), the newest with that label); O(to=previous) ECS: the newest ACTIVE revision of the service's
    task definition family older than the current one, Lambda: the newest published version older than the
    alias's current one (never C($LATEST)); O(to=explicit) the revision or version in each target's
    O(targets[].options) C(task_definition) or C(version)."
  - "Switching: ECS C(UpdateService) with the target task definition (desired count and deployment configuration
    are left as they are: they are recorded for the audit, and autoscaling owns the count); Lambda C(UpdateAlias) to
    the target version with weighted routing cleared."
  - "Steady: ECS, the PRIMARY deployment runs the target revision, its rollout is COMPLETED (where the service
    reports rollout states), no older deployment is left and running = desired; a FAILED rollout fails at once.
    Lambda, the alias points at the version with no weights. Within O(wait_timeout), or the resource fails."
  - "Then, after O(gates.bake_time), the health gates: O(gates.alarms) (none of the named or prefixed CloudWatch
    alarms in ALARM; a named alarm that does not exist fails the gate) and O(gates.http) (each URL answers with its
    status, within its timeout, and its body matches C(body_regex)). Gates are checked once for the whole fleet
    and reported on every resource. A failed gate fails the resource; with O(revert_on_gate_failure) every resource
    this run switched goes back to its state before the rollback (Lambda weights included), waits until steady, and
    says so in RV(resources[].reverted)."
  - A resource already at its target is RV(resources[].status=unchanged) (C(changed=false)) and still waited on and
    gated.
  - "Everything is planned before anything changes: if any resource cannot be planned (it does not exist, no
    earlier version, no checkpoint, a named version that does not exist or was deregistered) or a target's lookup
    fails, nothing is switched anywhere, that resource fails with the option and value in its error, and the others
    are RV(resources[].status=skipped)."
  - One ledger record per resource and run (before, target, after, gates, reverted), outside check mode.
  - "Reads in batches: ECS services are read ten of a cluster to a C(DescribeServices) call (the plan, each round
    of the wait, the state after); Lambda aliases one C(GetAlias) each. With O(to=previous), each ECS service's
    family is listed once (C(ListTaskDefinitions))."
  - Check mode reads and plans every resource (RV(resources[].status=planned)) and makes no mutating call; gates
    are not checked.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  to:
    description: Where to roll back to (see the description).
    type: str
    choices: [checkpoint, previous, explicit]
    default: checkpoint
  checkpoint:
    description:
      - With O(to=checkpoint), the label of the checkpoint to go back to; by default the newest checkpoint of any label.
    type: str
  wait_timeout:
    description: How long to wait for every resource to be steady (and again for reverts), a duration such as V(15m).
    type: str
    default: 15m
  gates:
    description: Health gates checked after every resource is steady and O(gates.bake_time) has passed.
    type: dict
    suboptions:
      bake_time:
        description: How long to let the system run on the rolled-back version before the gates, a duration.
        type: str
        default: 0s
      alarms:
        description: CloudWatch alarms that must not be in ALARM.
        type: dict
        suboptions:
          names:
            description: Alarm names; each must exist.
            type: list
            elements: str
          prefix:
            description: Every alarm whose name starts with this.
            type: str
      http:
        description: HTTP endpoints that must answer as expected.
        type: list
        elements: dict
        suboptions:
          url:
            description: An C(http://) or C(https://) URL.
            type: str
            required: true
          status:
            description: The status code expected.
            type: int
            default: 200
          timeout:
            description: How long to wait for the answer, a duration.
            type: str
            default: 5s
          body_regex:
            description: A regular expression the body (its first MiB) must match.
            type: str
          method:
            description: The HTTP method.
            type: str
            choices: [GET, HEAD, POST]
            default: GET
  revert_on_gate_failure:
    description: When a gate fails, switch every resource this run switched back to its state before the rollback.
    type: bool
    default: false
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._deploy_targets
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
    details: Shows each resource's state before and (planned) after.
  idempotent:
    support: full
    details: A rerun finds every resource at its target and reports it unchanged (and gates it again).
seealso:
  - module: steward.maintenance.checkpoint
"""

EXAMPLES = r"""
- name: Back to the checkpoint taken before the deploy, gated on alarms and the health endpoint
  steward.maintenance.rollback:
    to: checkpoint
    checkpoint: pre-deploy
    ledger: s3://audit-evidence/steward
    targets:
      - kind: ecs_service
        names: [pazpaz-prod/pazpaz-backend]
    gates:
      bake_time: 2m
      alarms:
        prefix: pazpaz-prod-
      http:
        - url: https://api.pazpaz.example/api/v1/health
          body_regex: '"status":\s*"ok"'
    revert_on_gate_failure: true

- name: The API's live alias back to the version before the current one
  steward.maintenance.rollback:
    to: previous
    ledger: "{{ playbook_dir }}/ledger"
    targets:
      - kind: lambda_alias
        names: ["network-visualizer-api:live"]

- name: A named revision
  steward.maintenance.rollback:
    to: explicit
    targets:
      - kind: ecs_service
        names: [skafu-prod/skafu-api]
        options: {task_definition: "skafu-api:41"}
"""

RETURN = r"""
resources:
  description: One entry per selected resource, in selection order.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: V(ecs_service) or V(lambda_alias).
      type: str
    id:
      description: C(<cluster>/<service>) or C(<function>:<alias>).
      type: str
      sample: pazpaz-prod/pazpaz-backend
    arn:
      description: The service's or alias's ARN.
      type: str
    status:
      description:
        - V(rolled_back) switched, steady and every gate passed; V(unchanged) already at the target, steady and gated;
          V(planned) check mode would switch; V(skipped) not switched because another resource's plan failed;
          V(failed) see RV(resources[].error) (a gate that failed, a rollout that failed or timed out, no target).
      type: str
      sample: rolled_back
    action:
      description: V(switch) or V(none).
      type: str
    message:
      description: A sentence for people.
      type: str
      sample: "rolled back pazpaz-backend:9 -> pazpaz-backend:7 (checkpoint 'pre-deploy' of 2026-12-01T09:00:00Z)"
    error:
      description: Why the resource failed; null otherwise.
      type: str
    error_code:
      description: >-
        A short code: V(not_found), V(no_target), V(no_checkpoint), V(rollout_failed), V(timeout), V(gate_failed),
        V(ledger), or the service's error code.
      type: str
    before:
      description: What the resource ran before (C(version), C(weights) and the kind's facts).
      type: dict
    target:
      description: The version rolled back to (C(version), C(display), C(source)), or null when it could not be planned.
      type: dict
      sample: {"version": "arn:aws:ecs:us-east-1:123456789012:task-definition/pazpaz-backend:7", "display": "pazpaz-backend:7",
               "source": "checkpoint 'pre-deploy' of 2026-12-01T09:00:00Z"}
    after:
      description: What the resource runs at the end (after a revert, its restored state); null in check mode.
      type: dict
    gates:
      description: Each gate's result (C(gate), C(result) V(passed) or V(failed), C(detail), and what it measured).
      type: list
      elements: dict
      sample: [{"gate": "alarms", "result": "failed", "detail": "in ALARM: pazpaz-prod-5xx", "in_alarm": ["pazpaz-prod-5xx"]},
               {"gate": "http", "url": "http://127.0.0.1:8080/health", "result": "passed", "status": 200, "latency_ms": 3.1}]
    reverted:
      description: True when a failed gate sent this resource back to its state before the rollback; null when no revert was tried.
      type: bool
    ledger_record:
      description: Where this resource's record was written.
      type: str
    duration_s:
      description: Seconds spent planning this resource.
      type: float
    details:
      description: What the service reported before the switch (running counts, deployments).
      type: dict
to:
  description: O(to) as given.
  returned: always
  type: str
summary:
  description: Counts per status, per kind, and of targets.
  returned: always
  type: dict
  sample: {"total": 2, "rolled_back": 1, "unchanged": 1, "planned": 0, "skipped": 0, "failed": 0, "by_kind": {},
           "targets_matching_nothing": 0, "targets_failed": 0}
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
  description: The ledger's location, null when none is configured.
  returned: always
  type: str
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy import DEPLOY_FAMILY
from ansible_collections.steward.maintenance.plugins.module_utils._rollback_action import TO_CHOICES, parse_request, run_rollback


def argument_spec() -> dict:
    spec = fleet_argument_spec(DEPLOY_FAMILY)
    spec.update(
        to=dict(type="str", choices=list(TO_CHOICES), default="checkpoint"),
        checkpoint=dict(type="str"),
        wait_timeout=dict(type="str", default="15m"),
        gates=dict(
            type="dict",
            options=dict(
                bake_time=dict(type="str", default="0s"),
                alarms=dict(type="dict", options=dict(names=dict(type="list", elements="str"), prefix=dict(type="str"))),
                http=dict(
                    type="list",
                    elements="dict",
                    options=dict(
                        url=dict(type="str", required=True),
                        status=dict(type="int", default=200),
                        timeout=dict(type="str", default="5s"),
                        body_regex=dict(type="str"),
                        method=dict(type="str", choices=["GET", "HEAD", "POST"], default="GET"),
                    ),
                ),
            ),
        ),
        revert_on_gate_failure=dict(type="bool", default=False),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_rollback, DEPLOY_FAMILY.kinds)


if __name__ == "__main__":
    main()
