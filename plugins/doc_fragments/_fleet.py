# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

# This doc fragment is PRIVATE to steward.maintenance; it may change without notice.

from __future__ import annotations


class ModuleDocFragment:
    # Options every fleet-wide action takes: how many resources at once, how hard to retry. ``targets`` and the
    # shared options come from the module's family fragment (``_<family>_targets``).
    DOCUMENTATION = r"""
options:
  concurrency:
    description:
      - How many resources are handled at once. Botocore's retry mode absorbs throttling.
      - A whole number from 1 to 64.
    type: int
    default: 8
  retry_mode:
    description: Botocore's retry mode for every AWS call. V(adaptive) also rate-limits the client side.
    type: str
    default: standard
    choices: [standard, adaptive]
  retry_max_attempts:
    description: Botocore's maximum attempts per call, first try included (1 to 50).
    type: int
    default: 10
"""

    LEDGER = r"""
options:
  ledger:
    description:
      - Where the evidence ledger lives, an absolute local directory or V(s3://bucket/prefix).
      - One JSON record per resource per run at C(<ledger>/<kind>/<resource>/<action>/<time>-<run>-<random>.json).
        Records are never overwritten, so concurrent runs cannot lose each other's evidence.
      - Outside check mode the ledger is probed before any change is made; if it cannot be written, nothing is done.
      - Without it the task warns that it leaves no evidence.
    type: str
"""
