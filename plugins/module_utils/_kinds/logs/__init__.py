# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The log group registry (a one-off kind: current retention, set retention; used by log_retention)."""

from __future__ import annotations

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._family import Family
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.logs.log_group import LogGroupKind

LOG_KINDS = {kind.name: kind for kind in (LogGroupKind,)}
LOG_FAMILY = Family("log_group", LOG_KINDS)
