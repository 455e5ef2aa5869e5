# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Health probes: read-only adapters that say whether something is healthy (rollback's gates use them now; the
health_check module's probe family grows here)."""
