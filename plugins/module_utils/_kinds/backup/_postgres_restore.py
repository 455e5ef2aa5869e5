# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""PostgreSQL restore tests: pg_restore a dump into a scratch database on the same server and prove every table.

The scratch database is ``steward_rt_<database>_<YYYYmmdd_HHMMSS>``; databases take no tags, so its marker (the
restore-test tags, with the expiry) is a JSON comment on it, which a sweep reads.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from datetime import datetime
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._pg_store import reopen_store
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._pg_tools import (
    EVIDENCE_VERSION,
    client_program,
    connect,
    environment,
    last_lines,
    psycopg_module,
    quote,
    scrub,
    server_major,
    table_evidence,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import Evidence
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    FAILED,
    LAYER_CONTENT,
    LAYER_SHAPE,
    LAYER_USER,
    PENDING,
    Backup,
    Check,
    Resource,
    Scratch,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import is_expired_scratch, stamp
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec
from ansible_collections.steward.maintenance.plugins.module_utils._verify import same, usable

PG_SCRATCH_PREFIX = "steward_rt_"
PG_SCRATCH_LIKE = PG_SCRATCH_PREFIX.replace("_", "\\_") + "%"  # a LIKE pattern: "_" would match any character
_SHOWN = 5


def validate_user_check(path: str, check: dict[str, Any]) -> dict[str, Any]:
    query = check.get("sql")
    if not isinstance(query, str) or not query.strip():
        raise OptionError(f"{path}.sql", query, "a postgres check needs sql: a query whose first column of the first row is compared")
    expect = check.get("expect")
    if expect is None or isinstance(expect, (dict, list)):
        raise OptionError(f"{path}.expect", expect, "a postgres check needs expect: the value the query must return, as text")
    for field_name in ("item", "attributes", "object", "sha256"):
        if check.get(field_name):
            raise OptionError(f"{path}.{field_name}", check[field_name], "not a field of a postgres check (sql, expect)")
    return {"sql": query, "expect": str(expect), "names": check.get("names") or []}


class PostgresRestore:
    """The restore-test half of the postgres kind."""

    name: str
    clients: Any
    scratch_name_max = 63  # NAMEDATALEN - 1
    scratch_option_spec = {
        "jobs": OptionSpec(type="int", default=2, minimum=1, description="pg_restore parallel jobs"),
    }

    def make_scratch_name(self, resource_id: str, moment: datetime) -> str:
        source = re.sub(r"[^a-z0-9_]+", "_", resource_id.lower()).strip("_") or "db"
        tail = "_" + stamp(moment).replace("-", "_")
        return f"{PG_SCRATCH_PREFIX}{source[: self.scratch_name_max - len(PG_SCRATCH_PREFIX) - len(tail)]}{tail}"

    def scratch_exists(self, name: str, resource: Resource, options: dict[str, Any]) -> bool:
        with connect(resource.options, resource.options["maintenance_db"], autocommit=True) as connection:
            return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None

    def restore(self, resource: Resource, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        """Create the empty scratch database with its marker; pg_restore is the next step, in advance_scratch."""
        connection_options = resource.options
        with connect(connection_options, connection_options["maintenance_db"], autocommit=True) as connection:
            sql = psycopg_module().sql
            connection.execute(sql.SQL("CREATE DATABASE {}").format(quote(name)))
            marker = json.dumps({"steward": tags}, sort_keys=True)
            connection.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(quote(name), sql.Literal(marker)))
            major = server_major(connection)
        arn = f"postgresql://{connection_options['user']}@{connection_options['host']}:{connection_options['port']}/{name}"
        details = {"restored": False, "jobs": options["jobs"]}
        private = {"connection": connection_options, "store": backup.details["store"], "server_major": major}
        return Scratch(self.name, name, name, PENDING, arn, details, tags, private)

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        if not scratch.details["restored"]:
            self._pg_restore(scratch)
            scratch.details["restored"] = True
        scratch.state = AVAILABLE
        return scratch

    def _pg_restore(self, scratch: Scratch) -> None:
        options = scratch.private["connection"]
        backup_name = scratch.tags.get("steward:backup", "")
        store = reopen_store(self.clients, scratch.private["store"])
        workdir = tempfile.mkdtemp(prefix="steward-rt-")
        try:
            path, sha256 = store.local_dump(backup_name, workdir)
            scratch.details["dump_sha256"] = sha256
            recorded = store.read_manifest(backup_name)["dump"]["sha256"]
            if sha256 != recorded:
                # A damaged dump is named as such, before pg_restore fails on it with a message about its workers.
                raise ResourceError(
                    f"dump SHA256 differs from its manifest: {sha256} read, {recorded} recorded at backup time", "dump_damaged"
                )
            pg_restore = client_program("pg_restore", options, scratch.private["server_major"])
            command = [pg_restore, "--exit-on-error", "--no-owner", "--no-privileges", f"--jobs={scratch.details['jobs']}"]
            done = subprocess.run(
                [*command, f"--dbname={scratch.id}", path], capture_output=True, text=True, env=environment(options), check=False
            )
        finally:
            shutil.rmtree(workdir, ignore_errors=True)
        if done.returncode != 0:
            raise ResourceError(f"pg_restore exited {done.returncode}: {last_lines(scrub(done.stderr, options))}", "restore_failed")

    def verify(self, resource: Resource, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        manifest = reopen_store(self.clients, scratch.private["store"]).read_manifest(backup.name)
        options = scratch.private["connection"]
        with connect(options, scratch.id) as connection:
            connection.read_only = True
            checks = [usable("connected", "connected")]
            with connection.cursor() as cursor:
                # Dumps older than evidence version 2 were checksummed under the session's own settings: judged so.
                fixed = manifest.get("evidence", {}).get("version", 1) >= EVIDENCE_VERSION
                restored = {(table["schema"], table["table"]): table for table in table_evidence(cursor, fixed_settings=fixed)}
                recorded = {(table["schema"], table["table"]): table for table in manifest.get("tables", [])}
                checks.append(
                    same(LAYER_CONTENT, "dump_sha256", manifest["dump"]["sha256"], scratch.details.get("dump_sha256"), "the dump's SHA256")
                )
                checks.append(_table_set(recorded, restored))
                checks.append(_compare(recorded, restored, "rows", "row_counts"))
                checks.append(_compare(recorded, restored, "checksum", "checksums"))
                for index, check in enumerate(evidence.user_checks):
                    checks.append(_user_check(cursor, index, check))
        return checks

    def adopt_scratch(self, name: str, resource: Resource, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        if not self.scratch_exists(name, resource, options):
            return None
        return Scratch(self.name, name, name, FAILED, None, {}, tags, {"connection": resource.options})

    def delete_scratch(self, scratch: Scratch) -> None:
        options = scratch.private["connection"]
        with connect(options, options["maintenance_db"], autocommit=True) as connection:
            sql = psycopg_module().sql
            if server_major(connection) >= 13:
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(quote(scratch.id)))
            else:
                connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (scratch.id,))
                connection.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(quote(scratch.id)))

    def find_expired_scratch(self, now: Any, options: dict[str, Any]) -> list[Scratch]:
        expired = []
        with connect(options, options["maintenance_db"], autocommit=True) as connection:
            rows = connection.execute(
                "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE %s",
                (PG_SCRATCH_LIKE,),
            ).fetchall()
        for name, comment in rows:
            try:
                tags = (json.loads(comment or "{}") or {}).get("steward") or {}
            except (ValueError, AttributeError):
                continue  # a comment that is not our marker: not provably a restore test's, never swept
            if isinstance(tags, dict) and is_expired_scratch(name, tags, now, prefix=PG_SCRATCH_PREFIX):
                expired.append(Scratch(self.name, name, name, "expired", None, {}, tags, {"connection": options}))
        return expired

    def mark_verified(self, backup: Backup, moment: Any) -> bool:
        return reopen_store(self.clients, backup.details["store"]).mark_verified(backup.name, moment)


def _label(key: tuple[str, str]) -> str:
    return f"{key[0]}.{key[1]}"


def _table_set(recorded: dict, restored: dict) -> Check:
    missing = sorted(_label(key) for key in set(recorded) - set(restored))
    unexpected = sorted(_label(key) for key in set(restored) - set(recorded))
    problems = [
        f"missing {', '.join(missing[:_SHOWN])}" if missing else "",
        f"unexpected {', '.join(unexpected[:_SHOWN])}" if unexpected else "",
    ]
    detail = "; ".join(problem for problem in problems if problem)
    return Check(LAYER_SHAPE, "tables", not missing and not unexpected, len(recorded), len(restored), detail)


def _compare(recorded: dict, restored: dict, field_name: str, check_name: str) -> Check:
    """Every table present in both: its row count (or checksum) now against the one recorded in the dump's snapshot."""
    common = sorted(set(recorded) & set(restored))
    wrong = [key for key in common if recorded[key][field_name] != restored[key][field_name]]
    if field_name == "rows":
        shown = [f"{_label(key)} {restored[key]['rows']} restored vs {recorded[key]['rows']} recorded" for key in wrong[:_SHOWN]]
    else:
        shown = [_label(key) for key in wrong[:_SHOWN]]
    detail = f"{len(common) - len(wrong)} of {len(common)} tables match" + (f"; differ: {', '.join(shown)}" if wrong else "")
    if field_name == "rows":
        total = sum(table["rows"] for table in recorded.values())
        return Check(LAYER_CONTENT, check_name, not wrong, total, sum(restored[key]["rows"] for key in common), detail)
    return Check(LAYER_CONTENT, check_name, not wrong, len(common), len(common) - len(wrong), detail)


def _user_check(cursor: Any, index: int, check: dict[str, Any]) -> Check:
    name = f"checks[{index}]"
    try:
        cursor.execute(check["sql"])
        row = cursor.fetchone()
    except Exception as error:  # noqa: BLE001 - a failing query fails its check, with the server's message
        cursor.connection.rollback()
        return Check(LAYER_USER, name, False, check["expect"], None, f"query failed: {str(error).strip().splitlines()[0]}")
    actual = None if row is None or row[0] is None else str(row[0])
    detail = "" if actual == check["expect"] else f"query returned {actual!r}, expected {check['expect']!r}"
    return Check(LAYER_USER, name, actual == check["expect"], check["expect"], actual, detail)
