# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployable family's registry. Adding a kind is adding one file and one line here (then ``make docs``)."""

from __future__ import annotations

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._family import Family
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy.ecs_service import ECSServiceKind
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy.lambda_alias import LambdaAliasKind

DEPLOY_KINDS = {kind.name: kind for kind in (ECSServiceKind, LambdaAliasKind)}
DEPLOY_FAMILY = Family("deploy", DEPLOY_KINDS)
