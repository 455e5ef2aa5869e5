# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential family's registry: secrets (secret_rotation) and IAM users (access_key_rotation).

Each module takes one kind of the family, so each has a Family of its own (its targets and doc fragment).
"""

from __future__ import annotations

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._family import Family
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential.iam_user import IAMUserKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential.secret import SecretKind

CREDENTIAL_KINDS = {kind.name: kind for kind in (SecretKind, IAMUserKind)}
SECRET_FAMILY = Family("secret", {SecretKind.name: SecretKind})
IAM_USER_FAMILY = Family("iam_user", {IAMUserKind.name: IAMUserKind})
