# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kind adapters, one folder per family (``backup/``, ``deploy/``, ``probe/``) over the selection base ``_base``.

Each family's ``__init__`` is its registry. Imports are static on purpose: Ansible ships a module's module_utils
by following its imports, so a kind loaded by name at run time would be missing on the managed host; and a module
imports only its own family's registry, so it ships only its own kinds.
"""
