# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup family's protocol: what every backup kind (dynamodb, rds, aurora, ebs, s3, postgres) implements.

Backup, backup_info, backup_retention and restore_test call these methods and never branch on a service.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import Kind, NotApplicable, answer_or_error, not_found
from ansible_collections.steward.maintenance.plugins.module_utils._model import Backup, Check, Resource, Scratch, Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import scratch_name
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec


@dataclass
class Evidence:
    """What a restore test compares the scratch resource with, besides the backup's own metadata."""

    # The source resource as the ``backup`` action described it when it took this backup (ledger), if known.
    recorded_source: dict[str, Any] | None = None
    item_count_tolerance: float = 0.0
    seed: str = ""  # makes a sampled check reproducible from the ledger record (the run id)
    user_checks: list[dict[str, Any]] = field(default_factory=list)


class BackupKind(Kind):
    """One resource kind as the backup family sees it: backup, backup_info, backup_retention, restore_test."""

    # RDS identifiers allow only letters, digits and single hyphens; others take DynamoDB's wider set.
    strict_names: ClassVar[bool] = False
    # How many backups one refresh call can describe (EBS describes many snapshots at once).
    refresh_batch_size: ClassVar[int] = 1
    # Reading a fleet in bulk: how many resources one describe call and one backup listing can cover.
    describe_batch: ClassVar[int] = 1
    list_batch: ClassVar[int] = 1
    # A resource the tag lookup found is known to exist with its ARN; actions that only read its backups
    # (backup_info, backup_retention) then skip the describe where it would tell them nothing more.
    tag_lookup_suffices: ClassVar[bool] = False

    # --- the backup protocol -----------------------------------------------------------------------
    @abstractmethod
    def describe(self, selected: Selected) -> Resource:
        """Confirm the resource exists and gather the facts a later restore test needs to judge a backup."""
        raise NotImplementedError

    @abstractmethod
    def list_backups(self, resource: Resource) -> list[Backup]:
        """Every backup of the resource, steward-made (``managed``) or not, newest first."""
        raise NotImplementedError

    @abstractmethod
    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        """Start (or, for S3, make) one backup; returns it in whatever state the service reports."""
        raise NotImplementedError

    @abstractmethod
    def refresh_backup(self, backup: Backup) -> Backup:
        """The backup as the service sees it now (for waiting)."""
        raise NotImplementedError

    def deletion_blocker(self, backup: Backup, now: datetime) -> str | None:
        """Why this backup must not be deleted whatever the policy says (a legal hold, a lock), or None."""
        return None

    @abstractmethod
    def delete_backup(self, backup: Backup) -> bool:
        """Delete one backup (only ever called for backups retention planned to delete): True when this call removed
        it, False when it was gone already (``Kind.delete_once``)."""
        raise NotImplementedError

    def collect_garbage(self, resource: Resource, now: datetime) -> dict[str, Any]:
        """After deletions: free what no remaining backup needs (S3's unreferenced objects). Counts for the result."""
        return {}

    def describe_many(self, selected: list[Selected]) -> list[Resource | BaseException]:
        """Batch form of describe, one entry per selected resource in order: the Resource, or why it failed.

        Kinds whose API describes many resources in one call override it and raise ``describe_batch``.
        """
        return [answer_or_error(self.describe, item) for item in selected]

    def list_backups_many(self, resources: list[Resource]) -> dict[str, list[Backup]]:
        """Batch form of list_backups: every backup of each resource, by resource id, newest first.

        Kinds whose API lists many resources' backups in one paginated sweep override it and raise ``list_batch``.
        """
        return {resource.id: self.list_backups(resource) for resource in resources}

    def from_batch(
        self, selected: list[Selected], found: dict[str, dict[str, Any]], build: Callable[[Selected, dict[str, Any]], Resource]
    ) -> list[Resource | BaseException]:
        """describe_many's answer from what one batched call ``found`` (descriptions by id): each resource ``build``
        makes of its description, or ``not_found``; an error ``build`` raises (NotApplicable) is that resource's own."""

        def one(item: Selected) -> Resource:
            if item.id not in found:
                raise not_found(self.name, item.id)
            return build(item, found[item.id])

        return [answer_or_error(one, item) for item in selected]

    def resource_from_selection(self, selected: Selected) -> Resource:
        """The resource as the selection knows it, without a describe (see ``tag_lookup_suffices``)."""
        return Resource(self.name, selected.id, selected.arn, {}, selected.options)

    def refresh_backups(self, backups: list[Backup]) -> list[Backup]:
        """Batch form of refresh_backup; kinds whose API describes many at once override it."""
        return [self.refresh_backup(backup) for backup in backups]

    # --- the restore-test protocol -------------------------------------------------------------------
    # Options of the ``scratch`` module option for this kind (where and how its scratch resources are made).
    scratch_option_spec: ClassVar[dict[str, OptionSpec]] = {}
    # The longest name the service accepts for the scratch resource.
    scratch_name_max: ClassVar[int] = 255
    # Scratch names valid as RDS identifiers and S3 bucket names (lower case, letters, digits, hyphens).
    scratch_strict_names: ClassVar[bool] = False
    # What a user check of this kind may name (``checks`` entries), besides kind and names.
    user_check_fields: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def validate_user_check(cls, path: str, check: dict[str, Any]) -> dict[str, Any]:
        """A user check of this kind, validated before any API call."""
        raise OptionError(f"{path}.kind", cls.name, "this kind has no user checks (dynamodb and s3 have)")

    def make_scratch_name(self, resource_id: str, moment: datetime) -> str:
        """The scratch resource's name: ``steward-rt-<source>-<stamp>`` within the service's rules."""
        return scratch_name(resource_id, moment, self.scratch_name_max, strict=self.scratch_strict_names)

    @abstractmethod
    def scratch_exists(self, name: str, resource: Resource, options: dict[str, Any]) -> bool:
        """Whether a resource by the scratch name exists already (steward never restores over one)."""
        raise NotApplicable(f"kind {self.name} cannot be restore-tested")

    @abstractmethod
    def restore(self, resource: Resource, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        """Start restoring ``backup`` into a new scratch resource called ``name``, tagged ``tags``."""
        raise NotApplicable(f"kind {self.name} cannot be restore-tested")

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        """The scratch resource as the service sees it now; takes the next step of a multi-step restore when due."""
        return scratch

    @abstractmethod
    def verify(self, resource: Resource, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        """Compare the usable scratch resource with the backup and the evidence, layer by layer."""
        raise NotImplementedError

    def adopt_scratch(self, name: str, resource: Resource, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        """After ``restore`` raised: the scratch resource by that name, if the service made it all the same.

        It did not exist a moment before and its name carries this run's time, so it is this run's own (a create
        that succeeded but whose answer was lost, then a retry refused as "already exists"); None if it is not there.
        """
        return None

    @abstractmethod
    def delete_scratch(self, scratch: Scratch) -> None:
        """Delete a scratch resource this run created (or a sweep found expired)."""
        raise NotImplementedError

    def find_expired_scratch(self, now: datetime, options: dict[str, Any]) -> list[Scratch]:
        """Scratch resources left behind whose expiry has passed: only those with the name prefix AND the tag."""
        return []

    def mark_verified(self, backup: Backup, moment: datetime) -> bool:
        """Tag the backup as verified where the service allows tags; False where it does not."""
        return False


def group_newest_first(backups: list[Backup], resource_ids: list[str]) -> dict[str, list[Backup]]:
    """A sweep's backups by source, newest first; every asked-for resource has an entry, empty if it has none."""
    grouped: dict[str, list[Backup]] = {resource_id: [] for resource_id in resource_ids}
    for backup in backups:
        if backup.source_id in grouped:
            grouped[backup.source_id].append(backup)
    return {resource_id: newest_first(found) for resource_id, found in grouped.items()}


def newest_first(backups: list[Backup]) -> list[Backup]:
    return sorted(backups, key=lambda backup: (backup.created, backup.id), reverse=True)
