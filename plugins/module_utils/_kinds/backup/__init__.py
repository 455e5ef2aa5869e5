# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The backup family's registry. Adding a kind is adding one file and one line here (then ``make docs``)."""

from __future__ import annotations

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._family import Family
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.aurora import AuroraKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.dynamodb import DynamoDBKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.ebs import EBSKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.postgres import PostgresKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.rds import RDSKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup.s3 import S3Kind

BACKUP_KINDS = {kind.name: kind for kind in (DynamoDBKind, RDSKind, AuroraKind, EBSKind, S3Kind, PostgresKind)}
BACKUP_FAMILY = Family("backup", BACKUP_KINDS)
