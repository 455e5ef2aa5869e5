#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: restore_test
short_description: Restore backups of a whole fleet into scratch resources, verify the data, measure RTO and RPO, clean up
version_added: 0.1.0
description:
  - For every selected resource, picks one backup, restores it into a scratch resource named
    C(steward-rt-<source>-<YYYYmmdd-HHMMSS>), waits until it is usable, verifies it, records the evidence and
    deletes the scratch resource. All resources are tested concurrently; N tests take about as long as the slowest.
  - V(dynamodb) restores the backup into a scratch table (on-demand billing); V(rds) restores the snapshot into a
    scratch DB instance; V(aurora) restores the cluster snapshot into a scratch cluster and adds one instance to it;
    V(ebs) creates a scratch volume from the snapshot; V(s3) copies the backup's objects out of the store into a new
    scratch bucket, or under a C(steward-rt-.../) prefix of C(scratch.s3.bucket); V(postgres) creates a scratch
    database C(steward_rt_<database>_<YYYYmmdd_HHMMSS>) on the same server and C(pg_restore)s the dump into it.
  - "Verification is in layers, each reported in RV(resources[].checks): C(usable) the scratch resource is usable;
    C(shape) it matches the source as recorded when the backup was taken (DynamoDB key schema and indexes; RDS and
    Aurora engine, version, storage, encryption and the network it landed in; EBS size and encryption; S3 keys and
    sizes against the manifest; PostgreSQL the set of tables); C(content) DynamoDB item count by a consistent scan
    against the count recorded at backup time (O(item_count_tolerance)), S3 every restored object's SHA256 against
    the manifest (or a sample), PostgreSQL the dump's SHA256 and every table's row count and content checksum against
    those recorded in the dump's own snapshot; C(user) O(checks), items, objects or SQL results that must match."
  - RDS, Aurora and EBS rows and blocks cannot be read through the AWS API; their C(content) check is reported as
    C(not_checked) with the reason, never as passed.
  - A test passes when no check failed and at least one check was made. RTO is the time from the restore request to
    the data verified; RPO is the age of the backup when the test started.
  - "Cleanup is guaranteed: the scratch resource is deleted whether the test passed, failed verification, failed to
    become usable or timed out, or the restore call failed after the service had made it, unless
    O(keep_scratch_on_failure). Every scratch resource is tagged
    C(steward:restore-test=true) and C(steward:expires=<time>) so that O(sweep) can delete what an interrupted run left."
  - "Evidence: one ledger record per tested resource (C(restore_test) action) with the backup, the scratch resource,
    every check, the timings, the objectives and the C(verdict). A passing record marks the backup as verified for
    M(steward.maintenance.backup_retention)'s guard; RDS and Aurora snapshots, EBS snapshots, S3 manifests and
    PostgreSQL manifests kept in S3 also get a C(steward:verified=<time>) tag (DynamoDB backups and local dumps take no tags)."
  - One resource failing never stops the others; the task fails after all were tried, naming the failed ones.
  - Check mode returns the plan (which backup would restore into which scratch name), with no mutating call and no
    ledger write.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  pick:
    description:
      - Which backup of each resource to test. Default V(newest).
      - V(newest) the newest available backup; V(random) any available backup, uniformly; V(oldest_unverified) the oldest
        available backup that no passing restore test in the ledger has verified (a resource whose backups are all
        verified is skipped).
      - Only steward's backups are candidates unless O(include_unmanaged).
      - Mutually exclusive with O(backup_id).
    type: str
    choices: [newest, random, oldest_unverified]
  backup_id:
    description:
      - Test this backup (its id, name or ARN). A selected resource that has no such backup fails with the names of
        its newest backups.
      - Mutually exclusive with O(pick).
    type: str
  include_unmanaged:
    description: Also pick backups steward did not make (manual, automated, AWS Backup's).
    type: bool
    default: false
  scratch:
    description:
      - Where and how scratch resources are made, per kind. Every kind in O(targets) is validated before any API call.
      - "V(rds) and V(aurora): C(db_subnet_group) (required) the DB subnet group the scratch database is placed in, so
        that a test never lands in a production network by accident; C(vpc_security_group_ids) (list); C(instance_class)
        (default: the source's, for Aurora its first member's); C(allow_source_network) (default V(false)) allows
        C(db_subnet_group) to be the source's own. Scratch databases are never publicly accessible."
      - "V(ebs): C(availability_zone) (default: the source volume's); C(volume_type) (default V(gp3))."
      - "V(s3): C(bucket) an existing bucket to restore into, under a C(steward-rt-.../) prefix marked by a
        C(.steward-restore-test.json) object (default: a new bucket C(steward-rt-...) per test); C(sample) how many
        objects' SHA256 are checked (default V(0), all)."
      - "V(postgres): C(jobs) (default V(2)) parallel C(pg_restore) jobs. The scratch database is made on the target's
        server with the target's connection; its marker (restore-test tags and expiry) is a JSON comment on it."
      - V(dynamodb) takes no scratch options.
    type: dict
    default: {}
  checks:
    description:
      - User checks, run against every scratch resource of O(checks[].kind) (or only those of O(checks[].names)).
    type: list
    elements: dict
    default: []
    suboptions:
      kind:
        description: The kind the check applies to.
        type: str
        required: true
        choices: [dynamodb, postgres, s3]
      names:
        description: Only for these resources (names or ids); default every selected resource of O(checks[].kind).
        type: list
        elements: str
      item:
        description: V(dynamodb) the primary key of an item that must exist in the restored table.
        type: dict
      attributes:
        description: V(dynamodb) attribute values that item must have.
        type: dict
      object:
        description: V(s3) the key of an object that must be restored.
        type: str
      sha256:
        description: V(s3) the SHA256 (64 lowercase hex digits) that object must have.
        type: str
      sql:
        description: V(postgres) a query run in the scratch database (read-only); the first column of its first row is compared.
        type: str
      expect:
        description: V(postgres) the value O(checks[].sql) must return, as text (V(42), V(t) for true).
        type: str
  item_count_tolerance:
    description:
      - How far, in percent of the recorded count, a restored DynamoDB table's item count may be from the count
        recorded at backup time. V(0) requires the exact count.
      - DynamoDB refreshes a table's item count about every six hours, so the recorded count of a busy table can lag.
    type: float
    default: 0
  rto:
    description:
      - Recovery time objective, a duration such as V(30m). A resource whose RTO exceeds it fails, unless
        O(fail_on_objective_miss=false).
    type: str
  rpo:
    description:
      - Recovery point objective, a duration such as V(24h). The tested backup may be at most this old.
    type: str
  fail_on_objective_miss:
    description: Whether missing O(rto) or O(rpo) fails the resource. The verdict on the data is reported either way.
    type: bool
    default: true
  keep_scratch_on_failure:
    description:
      - Keep the scratch resource of a failed test for inspection instead of deleting it. It keeps its expiry tag, so a
        later O(sweep) deletes it after O(scratch_ttl).
    type: bool
    default: false
  sweep:
    description:
      - Before testing, delete expired scratch resources of the kinds in O(targets) that an interrupted earlier run
        left behind. Only resources whose name starts with C(steward-rt-) (PostgreSQL C(steward_rt_)) AND that carry
        C(steward:restore-test=true) (for a database, in its marker comment) and a past C(steward:expires) are
        deleted; nothing else, ever. Listed in RV(swept).
    type: bool
    default: false
  scratch_ttl:
    description:
      - How long after a test starts its scratch resource counts as expired for O(sweep). Must be longer than
        O(wait_timeout).
    type: str
    default: 12h
  min_interval:
    description:
      - Skip a resource whose last passing restore test in the ledger is younger than this duration, so that a rerun
        or an AWX retry does not test again.
    type: str
  wait_timeout:
    description: How long to wait for every scratch resource to become usable, as a duration.
    type: str
    default: 2h
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
    details: Shows each resource's newest verified backup before and after.
  idempotent:
    support: partial
    details: Idempotent when O(min_interval) is set; without it every run is a new test by design.
seealso:
  - module: steward.maintenance.backup
  - module: steward.maintenance.backup_retention
"""

EXAMPLES = r"""
- name: Weekly - test a random backup of each table and bucket, every object hashed
  steward.maintenance.restore_test:
    pick: random
    min_interval: 6d
    sweep: true
    ledger: s3://audit-evidence/steward
    targets:
      - kind: dynamodb
        tags: {backup: daily}
      - kind: s3
        names: [network-visualizer-data-production]
        options:
          backup_bucket: network-visualizer-data-production-backup
    checks:
      - kind: dynamodb
        names: [network-visualizer-topology]
        item: {pk: "site#hq"}
        attributes: {status: active}

- name: Monthly DR test across the fleet against the RTO/RPO table
  steward.maintenance.restore_test:
    pick: newest
    rto: 1h
    rpo: 24h
    wait_timeout: 3h
    scratch_ttl: 6h
    scratch:
      rds:
        db_subnet_group: restore-tests
        vpc_security_group_ids: [sg-0123456789abcdef0]
        instance_class: db.t3.medium
      aurora:
        db_subnet_group: restore-tests
      ebs:
        availability_zone: us-east-1a
    targets:
      - kind: rds
        tags: {backup: daily}
      - kind: aurora
        tags: {backup: daily}
      - kind: ebs
        tags: {backup: daily}
  register: dr_test

- name: Weekly - restore last night's dump of each clinic database into a scratch database and prove every table
  steward.maintenance.restore_test:
    pick: newest
    rpo: 26h
    postgres:
      host: 127.0.0.1
      user: steward
      password: "{{ vault_pg_password }}"
      dump_dir: /var/backups/steward
    scratch:
      postgres:
        jobs: 4
    targets:
      - kind: postgres
        names: [pazpaz]
    checks:
      - kind: postgres
        sql: SELECT count(*) > 0 FROM appointments
        expect: "t"

- name: Test one named snapshot and keep the scratch database if it fails
  steward.maintenance.restore_test:
    backup_id: steward-orders-db-pre-deploy-20261124-101500
    keep_scratch_on_failure: true
    scratch:
      rds:
        db_subnet_group: restore-tests
    targets:
      - kind: rds
        names: [orders-db]
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
      description: The resource name or id.
      type: str
      sample: network-visualizer-topology
    arn:
      description: The resource ARN, when known.
      type: str
    status:
      description: V(passed), V(failed), V(planned) (check mode) or V(skipped) (with O(min_interval), or nothing left to pick).
      type: str
      sample: passed
    action:
      description: V(restore) when a restore was started or planned, else V(none).
      type: str
    message:
      description: What happened, in a sentence.
      type: str
      sample: "restored steward-topology-daily-20261124-020000 into steward-rt-topology-20261124-030000: 5 checks passed"
    error:
      description: Why the resource failed (first cause first), else null.
      type: str
    error_code:
      description:
        - Short failure code, e.g. V(not_found), V(no_backup), V(backup_not_found), V(scratch_collision),
          V(source_network), V(restore_failed), V(timeout), V(verification_failed), V(objective_missed),
          V(cleanup_failed), V(ledger).
      type: str
    duration_s:
      description: Seconds spent picking and starting the restore (the test's own time is RV(resources[].rto_s)).
      type: float
    backup:
      description: The backup tested (id, name, created, origin).
      type: dict
      returned: when a backup was picked
      sample: {"id": "arn:aws:dynamodb:us-east-1:123456789012:table/t/backup/01", "name": "steward-t-daily-20261124-020000",
               "created": "2026-11-24T02:00:00Z", "origin": "steward"}
    scratch:
      description: The scratch resource (name, and once made its id and state).
      type: dict
      returned: when a backup was picked
      sample: {"name": "steward-rt-t-20261124-030000", "id": "steward-rt-t-20261124-030000", "state": "available"}
    verdict:
      description: V(passed) when no check failed and at least one was made, else V(failed).
      type: str
      returned: when a restore was started
    checks:
      description:
        - Every check made, with C(layer), C(name), C(result) (V(passed), V(failed), V(not_checked)), C(expected),
          C(actual) and C(detail).
      type: list
      elements: dict
      returned: when the scratch resource became usable
      sample: [{"layer": "content", "name": "item_count", "result": "passed", "expected": 120, "actual": 120,
                "detail": "120 restored vs 120 recorded"}]
    rto_s:
      description: Seconds from the restore request until the data was verified.
      type: float
      returned: when verification ran
    rpo_s:
      description: Age of the tested backup, in seconds, when the test started.
      type: int
      returned: when a backup was picked
    rto_met:
      description: Whether RV(resources[].rto_s) is within O(rto); null without O(rto).
      type: bool
      returned: when a backup was picked
    rpo_met:
      description: Whether RV(resources[].rpo_s) is within O(rpo); null without O(rpo).
      type: bool
      returned: when a backup was picked
    objectives_missed:
      description: Which objectives were missed, and by how much.
      type: list
      elements: str
      returned: when an objective was missed
    cleanup:
      description: V(deleted), or why the scratch resource is still there.
      type: str
      returned: when a scratch resource was made
    backup_tagged_verified:
      description: Whether the backup now carries the C(steward:verified) tag (false for DynamoDB, whose backups take no tags).
      type: bool
      returned: when the verdict is passed
    ledger_record:
      description: Where this test's evidence record was written.
      type: str
      returned: when a ledger is configured
summary:
  description: Counts per status and kind, the largest RTO and RPO, objectives missed and scratch resources swept.
  returned: always
  type: dict
  sample: {"total": 3, "passed": 2, "failed": 1, "planned": 0, "skipped": 0, "by_kind": {"dynamodb": {"passed": 2}},
           "max_rto_s": 412.3, "max_rpo_s": 3600, "objectives_missed": 0, "swept": 0,
           "targets_matching_nothing": 0, "targets_failed": 0}
swept:
  description:
    - Expired scratch resources O(sweep) found, each with C(kind), C(id), C(name), C(expires), C(status)
      (V(deleted), V(planned), V(failed)) and C(error).
  returned: always
  type: list
  elements: dict
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
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_FAMILY, BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._restore_action import parse_request, run_restore_test


def argument_spec() -> dict:
    spec = fleet_argument_spec(BACKUP_FAMILY)
    spec.update(
        pick=dict(type="str", choices=["newest", "random", "oldest_unverified"]),
        backup_id=dict(type="str"),
        include_unmanaged=dict(type="bool", default=False),
        scratch=dict(type="dict", default={}),
        checks=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                kind=dict(type="str", required=True, choices=["dynamodb", "postgres", "s3"]),
                names=dict(type="list", elements="str"),
                item=dict(type="dict"),
                attributes=dict(type="dict"),
                object=dict(type="str"),
                sha256=dict(type="str"),
                sql=dict(type="str"),
                expect=dict(type="str"),
            ),
        ),
        item_count_tolerance=dict(type="float", default=0),
        rto=dict(type="str"),
        rpo=dict(type="str"),
        fail_on_objective_miss=dict(type="bool", default=True),
        keep_scratch_on_failure=dict(type="bool", default=False),
        sweep=dict(type="bool", default=False),
        scratch_ttl=dict(type="str", default="12h"),
        min_interval=dict(type="str"),
        wait_timeout=dict(type="str", default="2h"),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_restore_test, BACKUP_KINDS)


if __name__ == "__main__":
    main()
