#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup
short_description: Back up a whole fleet of DynamoDB tables, RDS and Aurora databases, EBS volumes, S3 buckets and PostgreSQL databases
version_added: 0.1.0
description:
  - One task backs up every selected resource, concurrently, selected by names, ARNs or tags.
  - V(dynamodb) takes an on-demand backup; V(rds) a manual DB snapshot; V(aurora) a manual cluster snapshot;
    V(ebs) a snapshot; V(s3) an incremental, content-addressed copy into a backup bucket; V(postgres) a C(pg_dump)
    custom-format dump of a self-hosted database into a directory or an S3 bucket.
  - "V(postgres) dumps carry their evidence: in one REPEATABLE READ transaction steward exports a snapshot, records
    every table's row count and content checksum, and runs C(pg_dump --snapshot) on that same snapshot, so the
    manifest (C(<backup>.json) beside C(<backup>.dump)) describes exactly what the dump holds, however busy the
    database. The dump is read back by C(pg_restore) as it streams to the store; pg_dump's exit status and stderr,
    the dump's header, that read-back and the tables it holds are checked, so a failed, empty or truncated dump is a
    failure and leaves no backup behind."
  - "Every backup is named C(steward-<source>-<label>-<YYYYmmdd-HHMMSS>-<run>) (UTC; C(<run>) is the first six hex digits of the
    run id, so two runs starting in the same second never give two backups one name) and, where the service takes tags,
    tagged C(steward:managed=true), C(steward:source=<ARN or id>), C(steward:cadence=<label>) and
    C(steward:created=<time>) on top of O(tags). DynamoDB backups cannot carry tags: their name and the ledger mark them."
  - "S3 backups store each distinct object body once, at C(<prefix>/objects/sha256/<2 hex>/<sha256>) in the backup
    bucket, and write one manifest per backup at C(<prefix>/manifests/<bucket>/<backup>.json) listing every key
    with its size, ETag and SHA256. A body the store already holds is not copied again, yet every manifest alone
    describes a complete copy, so each backup stays restorable whatever other backups are deleted later.
    An object is hashed only when its key, ETag or size differ from the newest manifest's entry."
  - With O(min_interval), a resource whose newest steward backup with the same O(label) (or of any label, with
    O(min_interval_scope=any)), including one still being created, is younger is skipped, so reruns and AWX
    retries create nothing, while a V(pre-deploy) backup is still taken the morning after the nightly one.
  - One resource failing never stops the others; the task fails after all were tried, naming the failed ones.
  - Check mode reads the fleet and returns the full plan (RV(resources[].status=planned) and the backup names)
    without any mutating call and without writing the ledger.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  label:
    description:
      - The cadence this backup belongs to, e.g. V(daily) or V(pre-deploy); part of every backup's name and its
        C(steward:cadence) tag.
      - 1 to 31 lowercase letters, digits or hyphens.
    type: str
    default: manual
  min_interval:
    description:
      - Skip a resource whose newest steward backup is younger than this duration, e.g. V(20h).
      - Durations are a number and a unit, C(s), C(m), C(h), C(d) or C(w), or several such parts (V(1d12h)).
      - When not set, every run creates a backup of every resource.
    type: str
  min_interval_scope:
    description:
      - Which backups O(min_interval) counts. V(label) only those with this O(label) ("at most one backup with this
        label per interval"); V(any) every steward backup of the resource, whatever its label (the behaviour before
        0.2.0).
    type: str
    choices: [label, any]
    default: label
  tags:
    description:
      - Extra tags for every backup of a kind that takes tags. Keys starting with C(steward:) or C(aws:) are reserved.
    type: dict
    default: {}
  wait:
    description:
      - Wait until every new backup is available (snapshot completed), polling all of them together.
      - A backup still pending after O(wait_timeout), or one that fails, fails its resource.
    type: bool
    default: false
  wait_timeout:
    description: How long O(wait) waits for the whole fleet, as a duration such as V(30m) or V(2h).
    type: str
    default: 1h
extends_documentation_fragment:
  - steward.maintenance._fleet
  - steward.maintenance._backup_targets
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
    details: Shows each resource's newest steward backup before and after.
  idempotent:
    support: partial
    details: Idempotent when O(min_interval) is set; without it every run is a new backup by design.
seealso:
  - module: steward.maintenance.backup_info
"""

EXAMPLES = r"""
- name: Nightly backup of everything tagged for it, at most once per 20 hours
  module_defaults:
    group/steward.maintenance.aws:
      region: us-east-1
      # e.g. http://127.0.0.1:5000 for a moto server; omit for AWS itself
      endpoint_url: "{{ aws_endpoint_url | default(omit) }}"
  block:
    - name: Back up the tagged fleet
      steward.maintenance.backup:
        label: daily
        min_interval: 20h
        ledger: "{{ playbook_dir }}/ledger"
        targets:
          - kind: dynamodb
            tags: {backup: daily}
          - kind: rds
            tags: {backup: daily}
          - kind: ebs
            tags: {backup: daily}
            exclude: [vol-0123456789abcdef0]
      register: nightly

    - name: Show what was done
      ansible.builtin.debug:
        msg: "{{ nightly.summary }}"

- name: Before a deploy, snapshot named resources and wait until they are usable
  steward.maintenance.backup:
    label: pre-deploy
    wait: true
    wait_timeout: 45m
    ledger: s3://audit-evidence/steward
    targets:
      - kind: aurora
        names: [orders-cluster]
      - kind: dynamodb
        arns: [arn:aws:dynamodb:us-east-1:123456789012:table/network-visualizer-topology]

- name: Copy a data bucket into a backup bucket as GLACIER, incrementally
  steward.maintenance.backup:
    label: daily
    min_interval: 20h
    targets:
      - kind: s3
        names: [network-visualizer-data-production]
        options:
          backup_bucket: network-visualizer-data-production-backup
          storage_class: GLACIER

- name: Dump every database of a self-hosted PostgreSQL server, with per-table evidence, to S3
  steward.maintenance.backup:
    label: daily
    min_interval: 20h
    postgres:
      host: db.internal.example.com
      user: backup
      password: "{{ vault_pg_backup_password }}"
      sslmode: require
      dump_bucket: clinic-db-dumps
    targets:
      - kind: postgres
        names: ["*"]
"""

RETURN = r"""
resources:
  description: One entry per selected resource, in selection order.
  returned: always
  type: list
  elements: dict
  contains:
    kind:
      description: The resource kind.
      type: str
      sample: dynamodb
    id:
      description: The resource's name or id.
      type: str
      sample: network-visualizer-topology
    arn:
      description: The resource's ARN, where known.
      type: str
      sample: arn:aws:dynamodb:us-east-1:123456789012:table/network-visualizer-topology
    status:
      description:
        - V(created) a backup was started (or, for S3, made); V(skipped) nothing to do (see RV(resources[].message));
          V(planned) check mode would create one; V(failed) see RV(resources[].error).
      type: str
      sample: created
    action:
      description: What was (or would be) done, V(create) or V(none).
      type: str
      sample: create
    message:
      description: A sentence for people.
      type: str
      sample: created steward-network-visualizer-topology-daily-20261124-020000 (available)
    error:
      description: Why this resource failed; null otherwise.
      type: str
      sample: "DescribeTable: ResourceNotFoundException: Requested resource not found"
    error_code:
      description: A short code for the failure, e.g. V(not_found), V(timeout), V(ledger), or the AWS error code.
      type: str
      sample: not_found
    duration_s:
      description: Seconds spent on this resource (planning and creation; waiting is shared by all).
      type: float
      sample: 0.214
    backup_name:
      description: The backup's name (also in check mode, where it is the name it would get).
      type: str
      returned: when a backup was created or planned
      sample: steward-network-visualizer-topology-daily-20261124-020000
    backup_id:
      description: The backup's id (DynamoDB backup ARN, snapshot identifier, EBS snapshot id, S3 backup name).
      type: str
      returned: when a backup was created
      sample: snap-0f1e2d3c4b5a69788
    backup_arn:
      description: The backup's ARN (for S3, the manifest's).
      type: str
      returned: when a backup was created
      sample: arn:aws:rds:us-east-1:123456789012:snapshot:steward-orders-db-daily-20261124-020000
    backup_state:
      description: V(available) or V(pending) (after O(wait), always V(available) unless it failed).
      type: str
      returned: when a backup was created
      sample: available
    newest_backup:
      description: The newest steward backup before this run, its C(id), C(name) and age in seconds (C(age_s)).
      type: dict
      returned: when the resource had one
      sample: {"id": "snap-0f1e2d3c4b5a69788", "name": "steward-vol-0abc-daily-20261123-020000", "age_s": 86390}
    ledger_record:
      description: Where this resource's ledger record was written.
      type: str
      returned: when a ledger is configured, outside check mode
      sample: /srv/steward/ledger/dynamodb/orders/backup/20261124T020000123456Z-3f2a1b4c5d6e-0a1b2c3d.json
    details:
      description:
        - What the service says about the new backup, e.g. engine and version for RDS, progress for EBS, and for S3
          C(object_count), C(copied_objects), C(copied_bytes), C(reused_objects) and C(storage_class).
        - The facts recorded about the source at backup time (DynamoDB item count and key schema, RDS engine and
          version, EBS size and encryption, ...) are in the ledger record, not here, to keep results small
          (AWX drops a task result above 700 KB).
      type: dict
summary:
  description: Counts.
  returned: always
  type: dict
  contains:
    total:
      description: Resources selected.
      type: int
    created:
      description: Backups created.
      type: int
    skipped:
      description: Resources skipped (min_interval, or not applicable such as an Aurora member selected as V(rds)).
      type: int
    failed:
      description: Resources that failed.
      type: int
    planned:
      description: Backups check mode would create.
      type: int
    by_kind:
      description: Status counts per kind.
      type: dict
    targets_matching_nothing:
      description: Target entries whose selector matched no resource.
      type: int
    targets_failed:
      description: Target entries whose lookup failed (e.g. the tagging API refused).
      type: int
  sample: {"total": 3, "created": 2, "skipped": 1, "failed": 0, "planned": 0, "by_kind": {"rds": {"created": 2}},
           "targets_matching_nothing": 0, "targets_failed": 0}
backup_tags:
  description:
    - The tags every new backup of a kind that takes tags gets (DynamoDB backups cannot be tagged); C(steward:source)
      is each resource's own ARN or id.
  returned: always
  type: dict
  sample: {"steward:managed": "true", "steward:cadence": "daily", "steward:source": "<resource ARN or id>",
           "steward:created": "2026-11-24T02:00:00Z", "team": "ops"}
targets:
  description: One entry per O(targets) entry, saying what it matched.
  returned: always
  type: list
  elements: dict
  sample: [{"target": "targets[0]", "kind": "ebs", "selector": "ebs tagged backup=daily", "matched": 0, "excluded": 0,
            "message": "ebs tagged backup=daily matched nothing"}]
run_id:
  description: This run's id, also in every ledger record it wrote.
  returned: always
  type: str
  sample: 3f2a1b4c5d6e
ledger:
  description: The ledger's location, null when none is configured.
  returned: always
  type: str
  sample: s3://audit-evidence/steward
"""

from ansible_collections.steward.maintenance.plugins.module_utils._action import fleet_argument_spec, run_module
from ansible_collections.steward.maintenance.plugins.module_utils._backup_action import parse_request, run_backup
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_FAMILY, BACKUP_KINDS


def argument_spec() -> dict:
    spec = fleet_argument_spec(BACKUP_FAMILY)
    spec.update(
        label=dict(type="str", default="manual"),
        min_interval=dict(type="str"),
        min_interval_scope=dict(type="str", choices=["label", "any"], default="label"),
        tags=dict(type="dict", default={}),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="str", default="1h"),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_backup, BACKUP_KINDS)


if __name__ == "__main__":
    main()
