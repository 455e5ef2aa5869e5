# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Self-hosted PostgreSQL databases: pg_dump custom-format dumps with evidence from the dump's own snapshot.

A backup opens a REPEATABLE READ transaction, exports its snapshot, records every table's row count and content
checksum in that transaction, then runs ``pg_dump --snapshot`` on the same snapshot: the evidence describes
exactly the rows the dump holds, however busy the database is. The dump's exit status, stderr, header and table of
contents are checked before its manifest is written; a backup without a manifest does not exist.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import tempfile
from datetime import datetime
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import SelectionIncomplete
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._pg_store import known_databases, open_store, reopen_store
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._pg_tools import (
    CONNECTION_OPTIONS,
    CONNECTION_SPEC,
    EVIDENCE_SETTINGS,
    EVIDENCE_VERSION,
    TABLES_SQL,
    client_program,
    connect,
    environment,
    last_lines,
    psycopg_module,
    scrub,
    server_major,
    table_evidence,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._postgres_restore import (
    PG_SCRATCH_LIKE,
    PostgresRestore,
    validate_user_check,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import BackupKind, newest_first
from ansible_collections.steward.maintenance.plugins.module_utils._model import AVAILABLE, ORIGIN_STEWARD, Backup, Resource, Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import TAG_CADENCE, created_from_name, label_from_name
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

MANIFEST_SCHEMA = 1
_ABSOLUTE = r"^/.*"
_ERROR_LINE = re.compile(r"\berror:", re.IGNORECASE)
# pg_restore --verbose names every table whose data it read: 'pg_restore: processing data for table "public.x"'.
_PROCESSED = re.compile(r'processing data for table "(.+)"$')


def _without_progress(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if "processing" not in line and "creating" not in line and "executing" not in line)


class PostgresKind(PostgresRestore, BackupKind):
    name = "postgres"
    summary = "databases of a self-hosted PostgreSQL server (reached as O(postgres) says)"
    names_doc = "database name; V(*) stands for every database of the server that is not a template"
    service = "s3"  # only for dumps kept in S3; the database itself is reached with psycopg and PostgreSQL's programs
    arn_pattern = r"(?!)"  # selected by names only
    selectors = ("names",)
    shared_option = "postgres"
    secret_options = ("password",)
    # The ``postgres`` module option (documented in the ``_backup_targets`` fragment): defaults for every postgres
    # target's options, and the only place a password is taken (no_log).
    shared_option_doc = """\
description:
  - Defaults for every V(postgres) target's C(options), and the password, which only this option takes (it is
    hidden from logs and never recorded). libpq's C(PGPASSWORD) and C(~/.pgpass) work too when it is not set.
  - Requires the Python package C(psycopg) (3.x) and PostgreSQL's C(pg_dump) and C(pg_restore) of the server's major
    version or newer on the host that runs the module.
type: dict
suboptions:
  host:
    description: Server host name or address.
    type: str
  port:
    description: Server port.
    type: int
  user:
    description: Role to connect as; restore tests need C(CREATEDB).
    type: str
  password:
    description: The role's password.
    type: str
  sslmode:
    description: libpq's sslmode.
    type: str
    choices: [disable, allow, prefer, require, verify-ca, verify-full]
  connect_timeout:
    description: Seconds to wait for a connection.
    type: int
  maintenance_db:
    description: Database to connect to for creating and dropping scratch databases.
    type: str
  dump_dir:
    description: Absolute directory for dumps on the host that runs the module.
    type: path
  dump_bucket:
    description: S3 bucket for dumps.
    type: str
  dump_prefix:
    description: Key prefix for dumps in O(postgres.dump_bucket).
    type: str
  bin_dir:
    description: Directory of pg_dump and pg_restore.
    type: path
"""
    shared_option_spec = dict(
        **CONNECTION_SPEC,
        dump_dir=dict(type="path"),
        dump_bucket=dict(type="str"),
        dump_prefix=dict(type="str"),
        bin_dir=dict(type="path"),
    )
    option_spec = {
        **CONNECTION_OPTIONS,
        "dump_dir": OptionSpec(pattern=_ABSOLUTE, description="absolute directory for dumps on the host that runs the module"),
        "dump_bucket": OptionSpec(pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", description="S3 bucket for dumps"),
        "dump_prefix": OptionSpec(
            default="steward/postgres", pattern=r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", description="key prefix"
        ),
        "bin_dir": OptionSpec(pattern=_ABSOLUTE, description="directory of pg_dump and pg_restore"),
    }
    user_check_fields = ("sql", "expect")
    validate_user_check = staticmethod(validate_user_check)  # type: ignore[assignment]

    @classmethod
    def check_options(cls, path: str, options: dict[str, Any]) -> None:
        if bool(options.get("dump_dir")) == bool(options.get("dump_bucket")):
            raise OptionError(
                f"{path}.dump_dir", options.get("dump_dir"), "give exactly one of dump_dir (an absolute directory) and dump_bucket"
            )

    # --- selection ---------------------------------------------------------------------------------
    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        """``*`` stands for every database that is not a template (nor a restore test's scratch database).

        When the server cannot be asked, the databases are not silently lost: the target fails naming the server,
        and every database earlier dumps in the store name is still reported, each failing on its own.
        """
        if "*" not in names:
            return names
        explicit = [name for name in names if name != "*"]
        try:
            with connect(options, options["maintenance_db"], autocommit=True) as connection:
                rows = connection.execute(
                    "SELECT datname FROM pg_database WHERE NOT datistemplate AND datallowconn AND datname NOT LIKE %s ORDER BY 1",
                    (PG_SCRATCH_LIKE,),
                ).fetchall()
        except ResourceError as error:
            if error.code != "connection":
                raise
            hidden = list(dict.fromkeys(explicit + known_databases(self.clients, options)))
            server = f"{options['host']}:{options['port']}"
            reach = f"{len(hidden)} databases known from earlier dumps are reported one by one" if hidden else "no earlier dump names any"
            raise SelectionIncomplete(
                f"cannot list the databases of server {server}: every database on it is unreported ({reach}): {error}",
                hidden,
                "connection",
            ) from None
        return list(dict.fromkeys(explicit + [row[0] for row in rows]))

    def find_by_tags(self, selector: dict[str, list[str]]) -> list[str]:
        raise ResourceError("postgres databases are selected by names", "invalid")

    # --- backups ------------------------------------------------------------------------------------
    def describe(self, selected: Selected) -> Resource:
        options = selected.options
        with connect(options, selected.id) as connection:
            version = connection.info.server_version
            # The same tables a backup counts and checksums (TABLES_SQL), so the two numbers always agree.
            size, tables = connection.execute(
                f"SELECT pg_database_size(current_database()), (SELECT count(*) FROM ({TABLES_SQL}) AS t)"
            ).fetchone()
        details = {
            "server": f"{options['host']}:{options['port']}",
            "server_version": f"{version // 10000}.{version % 10000}",
            "size_bytes": size,
            "tables": tables,
            "store": open_store(self.clients, options, selected.id).location,
        }
        return Resource(
            self.name, selected.id, f"postgresql://{options['user']}@{options['host']}:{options['port']}/{selected.id}", details, options
        )

    def list_backups(self, resource: Resource) -> list[Backup]:
        store = open_store(self.clients, resource.options, resource.id)
        backups = []
        for name, manifest, size in store.manifests():
            created = created_from_name(name)
            if created is None:
                continue  # not a name steward gives: not ours to list, keep or delete
            backups.append(self._backup(resource, name, manifest, created, size, store))
        return newest_first(backups)

    def _backup(self, resource: Resource, name: str, manifest: str, created: datetime, size: int | None, store: Any) -> Backup:
        return Backup(
            kind=self.name,
            source_id=resource.id,
            id=name,
            arn=manifest,
            name=name,
            created=created,
            state=AVAILABLE,
            origin=ORIGIN_STEWARD,  # the store holds only what steward wrote
            label=label_from_name(name, resource.id),
            size_bytes=size,
            details={"manifest": manifest, "store": store.reference()},
        )

    def refresh_backup(self, backup: Backup) -> Backup:
        return backup  # a dump is complete once its manifest exists

    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        options = resource.options
        store = open_store(self.clients, options, resource.id)
        store.check_writable()
        connection = connect(options, resource.id)
        try:
            major = server_major(connection)
            pg_dump = client_program("pg_dump", options, major)
            pg_restore = client_program("pg_restore", options, major)
            connection.isolation_level = psycopg_module().IsolationLevel.REPEATABLE_READ
            connection.read_only = True
            with connection.cursor() as cursor:
                # The snapshot is taken by this first statement; everything below sees the same rows as the dump.
                cursor.execute("SELECT pg_export_snapshot()")
                snapshot = cursor.fetchone()[0]
                tables = table_evidence(cursor)
                sha256, size, dumped = self._dump(pg_dump, pg_restore, snapshot, options, resource.id, store, name)
        finally:
            connection.rollback()
            connection.close()
        self._check_tables(store, name, tables, dumped)
        store.publish_dump(name)
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "kind": self.name,
            "backup_id": name,
            "database": resource.id,
            "server": resource.details.get("server"),
            "server_version": resource.details.get("server_version"),
            "created": isoformat(now),
            "label": tags.get(TAG_CADENCE) or label_from_name(name, resource.id),
            "snapshot": snapshot,
            "evidence": {"version": EVIDENCE_VERSION, "settings": EVIDENCE_SETTINGS},
            "dump": {"format": "custom", "sha256": sha256, "size": size, "pg_dump": pg_dump, "pg_dump_major": major},
            "tables": tables,
            "tags": tags,
        }
        location = store.write_manifest(name, manifest)
        backup = self._backup(resource, name, location, now, size, store)
        backup.details.update({"sha256": sha256, "tables": len(tables), "rows": sum(table["rows"] for table in tables)})
        return backup

    def _dump(
        self, pg_dump: str, pg_restore: str, snapshot: str, options: dict[str, Any], database: str, store: Any, name: str
    ) -> tuple[str, int, set[str]]:
        """Stream pg_dump into the store and, at the same time, into ``pg_restore --file=/dev/null``, which reads the
        whole archive as a restore would: a truncated or corrupt dump is caught here, in one pass, local or S3."""
        env = {**environment(options), "PGDATABASE": database}
        with tempfile.TemporaryFile() as dump_errors, tempfile.TemporaryFile() as check_errors:
            dumper = subprocess.Popen(
                [pg_dump, "--format=custom", f"--snapshot={snapshot}", "--no-password"], stdout=subprocess.PIPE, stderr=dump_errors, env=env
            )
            checker = subprocess.Popen(
                [pg_restore, "--verbose", "--file=/dev/null"],
                stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL,
                stderr=check_errors,
                env=env,
            )
            try:
                sha256, size, head = store.write_dump(name, dumper.stdout, checker.stdin)
            except BaseException:
                for process in (dumper, checker):
                    process.kill()
                    process.wait()
                store.discard(name)
                raise
            finally:
                dumper.stdout.close()  # type: ignore[union-attr]
                # A checker that stopped reading early may refuse the close; its exit status below says why.
                with contextlib.suppress(OSError):
                    checker.stdin.close()  # type: ignore[union-attr]
            dump_status, check_status = dumper.wait(), checker.wait()
            dump_errors.seek(0)
            check_errors.seek(0)
            dump_stderr = scrub(dump_errors.read().decode("utf-8", "replace"), options)
            check_stderr = scrub(check_errors.read().decode("utf-8", "replace"), options)
        problem = None
        # Some pg_dump builds have exited 0 after an error: the exit status, stderr and the archive must all agree.
        if dump_status != 0 or _ERROR_LINE.search(dump_stderr):
            problem = f"pg_dump failed (exit status {dump_status}): {last_lines(dump_stderr)}"
        elif size == 0 or head != b"PGDMP":
            problem = f"pg_dump wrote {size} bytes without a custom-format header: an empty or broken dump"
        elif check_status != 0:
            problem = f"the dump does not read back (pg_restore exit status {check_status}): {last_lines(_without_progress(check_stderr))}"
        if problem:
            store.discard(name)
            raise ResourceError(problem, "dump_failed")
        return sha256, size, {match.group(1) for match in map(_PROCESSED.search, check_stderr.splitlines()) if match}

    def _check_tables(self, store: Any, name: str, tables: list[dict], dumped: set[str]) -> None:
        """Every table counted in the snapshot must have had its data read back from the dump."""
        missing = [f"{t['schema']}.{t['table']}" for t in tables if f"{t['schema']}.{t['table']}" not in dumped]
        if missing:
            store.discard(name)
            raise ResourceError(f"the dump holds no data for {len(missing)} tables: {', '.join(missing[:5])}", "dump_failed")

    def delete_backup(self, backup: Backup) -> bool:
        # Both stores delete idempotently (a missing file, S3's DeleteObject): a retry cannot fail for what was done.
        reopen_store(self.clients, backup.details["store"]).delete(backup.name)
        return True
