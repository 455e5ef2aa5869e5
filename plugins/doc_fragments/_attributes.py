# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This doc fragment is PRIVATE to steward.maintenance; it may change without notice.

from __future__ import annotations


class ModuleDocFragment:
    DOCUMENTATION = r"""
options: {}
attributes:
  check_mode:
    description: Can run in C(check_mode) and return the full plan without modifying anything.
  diff_mode:
    description: Returns details on what has changed (or would change in C(check_mode)) in diff mode.
  idempotent:
    description:
      - When run twice in a row outside check mode, with the same arguments, the second run reports no change.
  action_group:
    description: Use C(group/steward.maintenance.aws) in C(module_defaults) to set AWS connection defaults for
      this module and for amazon.aws's modules at once.
    support: full
    membership:
      - steward.maintenance.aws
"""

    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details: This action does not modify state.
  diff_mode:
    support: N/A
    details: This action does not modify state.
  idempotent:
    support: full
    details: This action does not modify state.
"""
