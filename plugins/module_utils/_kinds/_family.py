# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A family of kinds, as a module declares it: its kinds, hence its ``targets[].kind`` choices and shared options."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import Kind


@dataclass(frozen=True)
class Family:
    """``name`` names the family's folder under ``_kinds/`` and its doc fragment ``_<name>_targets``."""

    name: str
    kinds: dict[str, type[Kind]]

    @property
    def kind_choices(self) -> list[str]:
        return sorted(self.kinds)

    @property
    def doc_fragment(self) -> str:
        return f"steward.maintenance._{self.name}_targets"

    def shared_options(self) -> dict[str, Any]:
        """Module options shared by a kind's targets (postgres' connection), only where the family has that kind."""
        return {
            kind.shared_option: dict(type="dict", options=kind.shared_option_spec)
            for kind in self.kinds.values()
            if kind.shared_option is not None
        }
