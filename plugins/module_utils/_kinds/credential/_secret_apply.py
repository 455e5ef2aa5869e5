# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Applying a new secret value where it is used, and proving it works: a PostgreSQL role's password.

The password is sent as a SCRAM-SHA-256 verifier computed on this host (libpq's PQencryptPasswordConn), so the
plain value reaches neither the server's statement log nor ``pg_stat_activity``. Verification is a fresh login as
the role with the new value. Nothing here puts a value in a message.
"""

from __future__ import annotations

from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._pg_tools import (
    CONNECTION_OPTIONS,
    CONNECTION_SPEC,
    connect,
    psycopg_module,
)

__all__ = ["CONNECTION_DOC", "CONNECTION_OPTIONS", "CONNECTION_SPEC", "apply_password", "can_log_in", "role_exists"]

CONNECTION_DOC = """\
description:
  - The PostgreSQL server secrets with C(apply=postgres) are applied to, and defaults for those targets' connection
    C(options). The password (of a role allowed to C(ALTER ROLE) the secrets' roles) is taken only here, hidden from
    logs and never recorded. libpq's C(PGPASSWORD) and C(~/.pgpass) work too when it is not set.
  - Requires the Python package C(psycopg) (3.x) on the host that runs the module.
type: dict
suboptions:
  host:
    description: Server host name or address.
    type: str
  port:
    description: Server port.
    type: int
  user:
    description: Role to connect as (a superuser or a role with C(CREATEROLE) over the secrets' roles).
    type: str
  password:
    description: That role's password.
    type: str
  sslmode:
    description: libpq's sslmode.
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  connect_timeout:
    description: Seconds to wait for a connection.
    type: int
  maintenance_db:
    description: Database to connect to for C(ALTER ROLE).
    type: str
"""


def role_exists(options: dict[str, Any], role: str) -> bool:
    with connect(options, options["maintenance_db"], autocommit=True) as connection:
        return connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone() is not None


def apply_password(options: dict[str, Any], role: str, password: str) -> None:
    """``ALTER ROLE <role> PASSWORD '<SCRAM verifier>'``: the server never sees the plain value."""
    with connect(options, options["maintenance_db"], autocommit=True) as connection:
        verifier = connection.pgconn.encrypt_password(password.encode(), role.encode(), b"scram-sha-256").decode()
        psycopg = psycopg_module()
        sql = psycopg.sql
        try:
            connection.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(verifier)))
        except psycopg.Error as error:
            raise ResourceError(f"ALTER ROLE {role} failed: {str(error).splitlines()[0]}", code="apply_failed") from None


def can_log_in(options: dict[str, Any], role: str, password: str, database: str) -> tuple[bool, str]:
    """A fresh login as ``role`` with ``password``: (True, "") or (False, the server's reason)."""
    login = {**options, "user": role, "password": password}
    try:
        with connect(login, database) as connection:
            connection.execute("SELECT 1").fetchone()
    except ResourceError as error:
        return False, str(error).replace(password, "********")
    return True, ""
