# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What to do with one IAM user's access keys: rotate, deactivate, delete, report unused. Pure, no AWS.

The rules keep a user with at least one active key at every step, and never delete a key that is still active:
a key is deactivated first (``deactivate_after``) and deleted only later (``delete_after``), so a client still
using it shows up (``last_used``) before anything is lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._protocol import Credential

ACTIVE, INACTIVE = "Active", "Inactive"
KEY_LIMIT = 2  # IAM's limit of access keys per user


@dataclass(frozen=True)
class KeyPolicy:
    rotate_after_s: int
    deactivate_after_s: int
    delete_after_s: int
    report_unused_after_s: int
    require_new_key_used: bool = False
    force: bool = False


@dataclass
class KeyPlan:
    create: bool = False
    deactivate: list[Credential] = field(default_factory=list)
    delete: list[Credential] = field(default_factory=list)
    unused: list[Credential] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)
    blocked: str | None = None  # why a due rotation cannot be done safely, and what to do

    @property
    def changes(self) -> bool:
        return self.create or bool(self.deactivate) or bool(self.delete)


def _age(now: datetime, moment: datetime | None) -> float:
    return (now - moment).total_seconds() if moment else 0.0


def plan_keys(keys: list[Credential], policy: KeyPolicy, now: datetime) -> KeyPlan:
    plan = KeyPlan()
    active = sorted((key for key in keys if key.state == ACTIVE), key=lambda key: key.created or now, reverse=True)
    inactive = [key for key in keys if key.state == INACTIVE]
    newest = active[0] if active else None

    plan.delete = [key for key in inactive if _age(now, key.created) >= policy.delete_after_s]
    plan.reasons += [
        f"{key.id}: inactive and {format_duration(_age(now, key.created))} old, delete_after {format_duration(policy.delete_after_s)}"
        for key in plan.delete
    ]

    if newest is not None and (policy.force or _age(now, newest.created) >= policy.rotate_after_s):
        slots = KEY_LIMIT - len(keys) + len(plan.delete)
        if slots > 0:
            plan.create = True
            age, limit = format_duration(_age(now, newest.created)), format_duration(policy.rotate_after_s)
            plan.reasons.append("forced" if policy.force else f"newest active key {newest.id} is {age} old, rotate_after {limit}")
        else:
            plan.blocked = (
                f"rotation due but the user has {len(keys)} keys ({len(active)} active) and IAM allows {KEY_LIMIT}: a new key needs"
                " one deleted first, and steward deletes only inactive keys older than delete_after. Deactivate the key no client"
                " uses (see last_used) and rerun with a shorter delete_after, or delete it by hand"
            )
    elif newest is None and keys:
        plan.reasons.append("no active key: nothing to rotate")

    # After a new key exists, older active keys go inactive once old enough (or at once when forced: a suspected
    # compromise), and, if asked, only once the newest key has been used. The newest active key is never touched.
    older = active[1:] if not plan.create else active
    new_key_used = plan.create is False and newest is not None and newest.last_used is not None
    for key in older:
        old_enough = policy.force or _age(now, key.created) >= policy.deactivate_after_s
        if not old_enough:
            continue
        if policy.require_new_key_used and not new_key_used:
            plan.reasons.append(f"{key.id}: kept active until the newest key has been used (require_new_key_used)")
            continue
        plan.deactivate.append(key)
        plan.reasons.append(f"{key.id}: deactivated ({'forced' if policy.force else f'{format_duration(_age(now, key.created))} old'})")

    plan.unused = [key for key in keys if _age(now, key.last_used or key.created) >= policy.report_unused_after_s]
    return plan
