# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The registry of backup kinds. Adding a kind is adding one file and one line here.

Imports are static on purpose: Ansible ships a module's module_utils by following its imports, so a
kind loaded by name at run time would be missing on the managed host.
"""

from __future__ import annotations

from ansible_collections.steward.maintenance.plugins.module_utils._kinds.aurora import AuroraKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.dynamodb import DynamoDBKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.ebs import EBSKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.postgres import PostgresKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.rds import RDSKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.s3 import S3Kind

BACKUP_KINDS = {kind.name: kind for kind in (DynamoDBKind, RDSKind, AuroraKind, EBSKind, S3Kind, PostgresKind)}
