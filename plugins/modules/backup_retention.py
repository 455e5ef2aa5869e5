#!/usr/bin/python
# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: backup_retention
short_description: Calendar retention for a fleet's backups, planned first, never losing the last good backup
version_added: 0.1.0
description:
  - For every selected resource, decides which of its backups a calendar policy keeps, then deletes the rest,
    concurrently across resources. Works on every kind M(steward.maintenance.backup) makes.
  - "The policy is restic's C(forget) (restic 0.17), rule for rule. Backups are taken newest first.
    O(keep_last) N keeps the N newest. A bucket rule (O(keep_hourly), O(keep_daily), O(keep_weekly),
    O(keep_monthly), O(keep_yearly)) N keeps the newest backup in each of the last N calendar periods that hold at
    least one backup; periods are read in O(timezone) and weeks are ISO weeks (Monday to Sunday). V(-1) means
    unlimited (every backup for O(keep_last), the newest of every period for a bucket rule)."
  - "The oldest backup rule (restic 0.16 and later): when a count rule still has count left after every newer
    backup was considered, it also keeps the oldest backup, even if that shares a period with a newer kept one
    (reason C(oldest monthly snapshot)), so that the history kept is as long as the counts allow."
  - "O(keep_within) keeps every backup strictly newer than I(latest) less the duration, where I(latest) is the newest
    backup that is not dated in the future (one backup with a skewed clock does not move the window). It is
    measured from that backup, not from now, so a fleet whose backups stopped is not aged out.
    O(keep_within_hourly) ... O(keep_within_yearly) keep the newest backup of each period among the backups inside
    their window, and the oldest backup when it is inside it."
  - "Within durations count by the calendar as restic does: V(y) years and V(mo) months are taken on the calendar
    in O(timezone) (going back one month from 31 March lands on 3 March, or 2 March in a leap year, as restic does),
    then V(w) weeks and V(d) days as calendar days, then V(h), V(m) (minutes, not months as in restic) and V(s)
    as fixed lengths. For example V(1y6mo), V(30d), V(7d12h)."
  - "Rules are ORed; each kept backup lists every rule that kept it in restic's words: C(last snapshot),
    C(daily snapshot), C(oldest weekly snapshot), C(within 30d), C(monthly within 1y), then any guard
    (C(guard:newest) and so on)."
  - "Worked example, to check by hand: 90 daily backups at 02:00 UTC, the newest on Tuesday 2026-11-24, with
    O(keep_daily=7), O(keep_weekly=4), O(keep_monthly=3). Daily keeps Nov 24 to Nov 18 (7 days). Weekly keeps
    the newest of ISO weeks 48, 47, 46, 45: Nov 24, Nov 22 (a Sunday), Nov 15, Nov 8. Monthly keeps the newest of
    November, October, September: Nov 24, Oct 31, Sep 30. Every count is used up before the oldest backup (Aug 27),
    so the oldest backup rule keeps nothing more. Kept: 11 backups (Nov 24-18, Nov 15, Nov 8, Oct 31, Sep 30); the
    other 79 are deleted. With only the 24 backups of Nov 1 to Nov 24 and O(keep_monthly=3), monthly keeps Nov 24
    and, with two counts left at the oldest backup, Nov 1 as C(oldest monthly snapshot): 2 kept, 22 deleted."
  - "Scope: backups steward made (its name and C(steward:managed) tag), plus other manual backups with
    O(include_unmanaged). Never touched, and reported as kept with the reason: automated RDS snapshots and DynamoDB
    system backups, anything AWS Backup owns, backups not yet available, and backups under a legal hold or
    object lock (S3 manifests)."
  - "Guards no policy overrides: a resource's newest backup is kept; its newest backup verified by a restore test
    (a C(restore_test) record with verdict C(passed) in the O(ledger)) is kept; a backup dated in the future is kept;
    the newest backups are kept until at least O(min_keep) remain. With O(max_delete) or O(max_delete_percent), a
    resource whose plan would delete more deletes nothing and fails with the numbers, unless O(force)."
  - For S3, a pruned backup's manifest is deleted, then every stored object that no remaining manifest in the backup
    bucket references and that is older than 24 hours (a concurrent backup may have just stored it). No kept backup
    ever loses an object it needs.
  - Check mode returns the full plan per resource (every backup kept or deleted, each kept one with its reasons)
    and makes no mutating call. Diff mode shows each resource's backup names before and after.
  - Rerunning the same policy deletes nothing.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  keep_last:
    description: Keep the N newest backups; V(-1) keeps every backup.
    type: int
  keep_hourly:
    description: Keep the newest backup of each of the last N hours that have one; V(-1) keeps one of every hour.
    type: int
  keep_daily:
    description: Keep the newest backup of each of the last N days that have one; V(-1) keeps one of every day.
    type: int
  keep_weekly:
    description: Keep the newest backup of each of the last N ISO weeks that have one; V(-1) keeps one of every week.
    type: int
  keep_monthly:
    description: Keep the newest backup of each of the last N months that have one; V(-1) keeps one of every month.
    type: int
  keep_yearly:
    description: Keep the newest backup of each of the last N years that have one; V(-1) keeps one of every year.
    type: int
  keep_within:
    description:
      - Keep every backup strictly newer than the newest backup not in the future, less this calendar duration
        (e.g. V(30d), V(6mo), V(1y)).
    type: str
  keep_within_hourly:
    description:
      - Keep the newest backup of each hour among the backups within this calendar duration (e.g. V(2y)) of the newest
        backup not in the future; restic's C(--keep-within-hourly).
    type: str
  keep_within_daily:
    description:
      - Keep the newest backup of each day among the backups within this calendar duration (e.g. V(2y)) of the newest
        backup not in the future; restic's C(--keep-within-daily).
    type: str
  keep_within_weekly:
    description:
      - Keep the newest backup of each week among the backups within this calendar duration (e.g. V(2y)) of the newest
        backup not in the future; restic's C(--keep-within-weekly).
    type: str
  keep_within_monthly:
    description:
      - Keep the newest backup of each month among the backups within this calendar duration (e.g. V(2y)) of the newest
        backup not in the future; restic's C(--keep-within-monthly).
    type: str
  keep_within_yearly:
    description:
      - Keep the newest backup of each year among the backups within this calendar duration (e.g. V(2y)) of the newest
        backup not in the future; restic's C(--keep-within-yearly).
    type: str
  timezone:
    description: The IANA time zone the calendar periods are read in.
    type: str
    default: UTC
  include_unmanaged:
    description:
      - Also apply the policy to manual backups steward did not make. Automated and AWS Backup ones stay out of scope.
    type: bool
    default: false
  labels:
    description:
      - Apply the policy only to backups with one of these labels (O(steward.maintenance.backup#module:label)), e.g.
        V([daily]) for the nightly policy, so that V(pre-deploy) backups are kept by a policy of their own. Backups
        with other labels, and unmanaged backups (which have none), are reported as kept, out of scope.
      - Every backup's label is read exactly, whatever hyphens it and its source hold (from the C(steward:cadence)
        tag, or from the name for backups that carry no tags).
      - When not set, every label is in scope (as before 0.2.0).
    type: list
    elements: str
  min_keep:
    description: Never leave fewer than this many backups in scope (the newest are kept first).
    type: int
    default: 1
  max_delete:
    description: Refuse (fail the resource, delete nothing) a plan that deletes more than this many of a resource's backups.
    type: int
  max_delete_percent:
    description: Refuse a plan that deletes more than this share (0 to 100) of a resource's backups in scope.
    type: float
  force:
    description: Prune even when O(max_delete) or O(max_delete_percent) would refuse.
    type: bool
    default: false
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
    details: Shows each resource's backup names before and after.
  idempotent:
    support: full
seealso:
  - module: steward.maintenance.backup
  - module: steward.maintenance.backup_info
"""

EXAMPLES = r"""
- name: Keep 7 dailies, 4 weeklies, 3 monthlies of every tagged resource; never prune more than half at once
  steward.maintenance.backup_retention:
    keep_daily: 7
    keep_weekly: 4
    keep_monthly: 3
    max_delete_percent: 50
    ledger: "{{ playbook_dir }}/ledger"
    targets:
      - kind: rds
        tags: {backup: daily}
      - kind: ebs
        tags: {backup: daily}
      - kind: s3
        names: [network-visualizer-data-production]
        options: {backup_bucket: network-visualizer-data-production-backup}

- name: Plan only, to review before a first prune
  steward.maintenance.backup_retention:
    keep_within: 30d
    timezone: Europe/Berlin
    targets:
      - kind: dynamodb
        tags: {backup: daily}
  check_mode: true
  register: retention_plan
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
    id:
      description: The resource's name or id.
      type: str
    arn:
      description: The resource's ARN, where known.
      type: str
    status:
      description:
        - V(pruned) backups were deleted; V(unchanged) the policy keeps every backup in scope; V(planned) check mode
          would delete some; V(skipped) not applicable; V(failed) see RV(resources[].error) (a refused blast radius
          has RV(resources[].error_code=blast_radius) and deletes nothing).
      type: str
      sample: pruned
    action:
      description: V(delete) or V(none).
      type: str
    message:
      description: A sentence for people.
      type: str
      sample: deleted 19 of 30 backups in scope
    error:
      description: Why this resource failed; null otherwise.
      type: str
    error_code:
      description: A short code for the failure, e.g. V(blast_radius), V(delete_failed), V(not_found).
      type: str
    duration_s:
      description: Seconds spent on this resource.
      type: float
    details:
      description:
        - For S3, C(garbage_collection) with C(stored_objects), C(referenced_objects), C(collected_objects)
          and C(collected_bytes).
      type: dict
    kept:
      description:
        - Every backup kept, each with C(id), C(name), C(created), C(origin) and C(reasons)
          (the rules and guards that kept it, or why it is out of scope).
      type: list
      elements: dict
      returned: unless the resource failed before planning
      sample: [{"id": "steward-orders-db-daily-20261124-020000", "reasons": ["daily snapshot", "weekly snapshot", "guard:newest"]}]
    deleted:
      description: Every backup deleted (or, in check mode and when refused, that the plan would delete).
      type: list
      elements: dict
      returned: unless the resource failed before planning
    in_scope_count:
      description: How many backups the policy was applied to.
      type: int
      returned: unless the resource failed before planning
    planned_count:
      description: How many deletions the plan holds.
      type: int
      returned: when the plan passed the blast-radius guard
    deleted_count:
      description: How many backups this run deleted. A delete whose answer was lost and which, retried, finds the
        backup gone counts here, since it was this run's.
      type: int
      returned: when deletions ran
    gone_count:
      description: How many backups the plan would delete were already deleted, not by this run (the first attempt
        found them gone). Not a failure; each has a ledger record with status C(gone).
      type: int
      returned: when some were gone
summary:
  description: Counts per status plus C(total), C(by_kind), C(deleted_backups) and C(planned_deletions).
  returned: always
  type: dict
  sample: {"total": 3, "pruned": 2, "unchanged": 1, "planned": 0, "skipped": 0, "failed": 0,
           "deleted_backups": 38, "planned_deletions": 38}
policy:
  description: The policy applied, as text.
  returned: always
  type: str
  sample: keep_daily 7, keep_weekly 4, keep_monthly 3 (UTC)
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
from ansible_collections.steward.maintenance.plugins.module_utils._retention_action import parse_request, run_retention


def argument_spec() -> dict:
    spec = fleet_argument_spec(BACKUP_FAMILY)
    spec.update(
        keep_last=dict(type="int"),
        keep_hourly=dict(type="int"),
        keep_daily=dict(type="int"),
        keep_weekly=dict(type="int"),
        keep_monthly=dict(type="int"),
        keep_yearly=dict(type="int"),
        keep_within=dict(type="str"),
        keep_within_hourly=dict(type="str"),
        keep_within_daily=dict(type="str"),
        keep_within_weekly=dict(type="str"),
        keep_within_monthly=dict(type="str"),
        keep_within_yearly=dict(type="str"),
        timezone=dict(type="str", default="UTC"),
        include_unmanaged=dict(type="bool", default=False),
        labels=dict(type="list", elements="str"),
        min_keep=dict(type="int", default=1),
        max_delete=dict(type="int"),
        max_delete_percent=dict(type="float"),
        force=dict(type="bool", default=False),
        ledger=dict(type="str"),
    )
    return spec


def main() -> None:
    run_module(argument_spec(), parse_request, run_retention, BACKUP_KINDS)


if __name__ == "__main__":
    main()
