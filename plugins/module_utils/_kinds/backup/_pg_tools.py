# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Talking to a PostgreSQL server: connections (psycopg), the client programs (pg_dump, pg_restore), evidence SQL.

Secrets never leave this module in a message: the password goes to libpq and to the client programs through
their environment (not their command line), and every error text is scrubbed of it before it is reported.
"""

from __future__ import annotations

import functools
import glob
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec


def psycopg_module() -> Any:
    """psycopg, imported when a postgres resource first needs it: a task of AWS kinds only does not pay its import
    (about 0.2 s). Missing, it fails that resource alone, so other kinds in the same task still run."""
    try:
        import psycopg
        import psycopg.sql
    except ImportError:
        raise ResourceError(
            "the postgres kind needs the Python package psycopg (3.x) on the host that runs the module", "missing_library"
        ) from None
    return psycopg


# Tables whose rows a dump holds: ordinary tables (partitions included, each holds its own rows), outside the
# catalogs. Partitioned parents hold no rows of their own; views and foreign tables are not dumped as data.
TABLES_SQL = """
SELECT n.nspname, c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\\_toast%' AND n.nspname NOT LIKE 'pg\\_temp\\_%'
ORDER BY 1, 2
"""
# Order-independent: the md5 of the sorted md5s of every row's text form. Equal tables give equal checksums
# whatever order their rows come back in; one changed, missing or extra row changes it.
CHECKSUM_SQL = "SELECT count(*), md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM {table} AS t"
# A row's text form depends on the session: its time zone, date, interval and float styles, bytea and money output,
# and (for regclass and similar columns) the search path. A database or a role may set any of them (ALTER DATABASE
# ... SET timezone), and a scratch database does not inherit them, so the evidence is computed under these fixed
# values, on both sides. Manifests record them (``evidence.settings``); older ones were computed without them.
EVIDENCE_VERSION = 2
EVIDENCE_SETTINGS = {
    "TimeZone": "UTC",
    "DateStyle": "ISO, YMD",
    "IntervalStyle": "postgres",
    "extra_float_digits": "1",
    "bytea_output": "hex",
    "xmlbinary": "base64",
    "lc_monetary": "C",
    "search_path": "pg_catalog",
}
_VERSION = re.compile(r"\(PostgreSQL\) (\d+)(?:\.(\d+))?")


# How every PostgreSQL-reaching kind connects (postgres backups, secrets applied to a role): the target options,
# each defaulting to the ``postgres`` module option, and that option's argument spec (the password only there).
CONNECTION_OPTIONS = {
    "host": OptionSpec(default="localhost", pattern=r"^[A-Za-z0-9_.:%/-]+$", description="server host name or address"),
    "port": OptionSpec(type="int", default=5432, minimum=1, description="server port"),
    "user": OptionSpec(default="postgres", pattern=r"^\S+$", description="role to connect as"),
    "sslmode": OptionSpec(
        default="prefer", choices=("disable", "allow", "prefer", "require", "verify-ca", "verify-full"), description="libpq sslmode"
    ),
    "connect_timeout": OptionSpec(type="int", default=10, minimum=1, description="seconds to wait for a connection"),
    "maintenance_db": OptionSpec(default="postgres", pattern=r"^\S+$", description="database to connect to for CREATE/DROP DATABASE"),
}
CONNECTION_SPEC = dict(
    host=dict(type="str"),
    port=dict(type="int"),
    user=dict(type="str"),
    password=dict(type="str", no_log=True),
    sslmode=dict(type="str", choices=["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]),
    connect_timeout=dict(type="int"),
    maintenance_db=dict(type="str"),
)


def scrub(text: str, options: dict[str, Any]) -> str:
    password = options.get("password")
    text = str(text).strip()
    return text.replace(password, "********") if password else text


def connect(options: dict[str, Any], dbname: str, autocommit: bool = False) -> Any:
    """A psycopg connection; failures become a ResourceError carrying the server's own message, scrubbed."""
    psycopg = psycopg_module()
    try:
        return psycopg.connect(
            host=options["host"],
            port=options["port"],
            user=options["user"],
            password=options.get("password"),
            dbname=dbname,
            sslmode=options["sslmode"],
            connect_timeout=options["connect_timeout"],
            autocommit=autocommit,
            application_name="steward.maintenance",
        )
    except psycopg.OperationalError as error:
        message = scrub(error, options).splitlines()[0] if str(error).strip() else type(error).__name__
        code = "not_found" if re.search(r'database ".*" does not exist', str(error)) else "connection"
        raise ResourceError(f"cannot connect to database '{dbname}' on {options['host']}:{options['port']}: {message}", code) from None


def last_lines(text: str, lines: int = 3) -> str:
    """The end of a program's stderr, where its reason is, on one line."""
    kept = [line for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "(no output)"


def environment(options: dict[str, Any]) -> dict[str, str]:
    """libpq's variables for the client programs; the password never appears on a command line."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env.update(
        PGHOST=str(options["host"]),
        PGPORT=str(options["port"]),
        PGUSER=str(options["user"]),
        PGSSLMODE=str(options["sslmode"]),
        PGCONNECT_TIMEOUT=str(options["connect_timeout"]),
        PGAPPNAME="steward.maintenance",
    )
    if options.get("password"):
        env["PGPASSWORD"] = str(options["password"])
    return env


def server_major(connection: Any) -> int:
    return int(connection.info.server_version) // 10000


def client_program(name: str, options: dict[str, Any], server_version_major: int) -> str:
    """The path of pg_dump or pg_restore, refusing one older than the server (it would refuse, or worse, dump less)."""
    candidates = []
    if options.get("bin_dir"):
        candidates.append(Path(options["bin_dir"]) / name)
    else:
        # Debian installs every major's programs side by side; the server's own is the best match.
        candidates.append(Path(f"/usr/lib/postgresql/{server_version_major}/bin/{name}"))
        candidates += [Path(path) for path in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)]
        found = shutil.which(name)
        if found:
            candidates.append(Path(found))
    program = next((candidate for candidate in candidates if candidate.is_file() and os.access(candidate, os.X_OK)), None)
    where = f"in bin_dir {options['bin_dir']}" if options.get("bin_dir") else "on this host"
    if program is None:
        raise ResourceError(
            f"{name} not found {where}: install PostgreSQL's client programs, major version {server_version_major} or newer "
            f"(Debian: postgresql-client-{server_version_major}), or set bin_dir",
            "tool_missing",
        )
    major = program_major(program)
    if major < server_version_major:
        raise ResourceError(
            f"{program} is PostgreSQL {major}, older than the server ({server_version_major}): "
            f"a {name} of major version {server_version_major} or newer is needed (Debian: postgresql-client-{server_version_major})",
            "tool_too_old",
        )
    return str(program)


@functools.cache
def program_major(program: Path | str) -> int:
    """The major version a client program reports; asked once per program and run, not once per database."""
    output = subprocess.run([str(program), "--version"], capture_output=True, text=True, check=False).stdout
    match = _VERSION.search(output)
    if not match:
        raise ResourceError(f"cannot tell the version of {program} from {output.strip()!r}", "tool_missing")
    return int(match.group(1))


def table_evidence(cursor: Any, fixed_settings: bool = True) -> list[dict[str, Any]]:
    """Every table's row count and content checksum, as the cursor's transaction sees them.

    With ``fixed_settings`` (every dump since evidence version 2) the checksums are computed under
    EVIDENCE_SETTINGS, whatever the database, the role or the session set; the session's own values come back after.
    """
    if fixed_settings:
        for name, value in EVIDENCE_SETTINGS.items():
            cursor.execute("SELECT set_config(%s, %s, true)", (name, value))
    sql = psycopg_module().sql
    cursor.execute(TABLES_SQL)
    tables = cursor.fetchall()
    evidence = []
    for schema, name in tables:
        cursor.execute(sql.SQL(CHECKSUM_SQL).format(table=sql.Identifier(schema, name)))
        rows, checksum = cursor.fetchone()
        evidence.append({"schema": schema, "table": name, "rows": rows, "checksum": checksum})
    if fixed_settings:
        for name in EVIDENCE_SETTINGS:
            cursor.execute(sql.SQL("SET LOCAL {} TO DEFAULT").format(sql.Identifier(name)))
    return evidence


def quote(name: str) -> Any:
    return psycopg_module().sql.Identifier(name)
