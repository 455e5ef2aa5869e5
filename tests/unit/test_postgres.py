"""The postgres kind against a real PostgreSQL server (Debian's, started on 127.0.0.1 for the session): no mocks.

Dumps go to a local directory, or (last tests) to an S3 bucket on moto in-process.
"""

from __future__ import annotations

import hashlib
import json
import stat
import threading
from pathlib import Path

import pytest
from conftest import make_context

from ansible_collections.steward.maintenance.plugins.module_utils import (
    _backup_action,
    _info_action,
    _restore_action,
    _retention_action,
)
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._evidence import verified_backup_ids
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger

SEED = """
CREATE TABLE patients (id serial PRIMARY KEY, name text NOT NULL, born date, notes jsonb);
CREATE TABLE appointments (id bigserial PRIMARY KEY, patient_id int REFERENCES patients(id), at timestamptz, fee numeric(8,2));
CREATE TABLE audit_log (id bigserial PRIMARY KEY, happened timestamptz DEFAULT now(), event text);
CREATE SCHEMA billing;
CREATE TABLE billing.invoices (id serial PRIMARY KEY, amount numeric(10,2), paid boolean DEFAULT false);
INSERT INTO patients (name, born, notes)
  SELECT 'patient ' || g, date '1970-01-01' + g, jsonb_build_object('n', g) FROM generate_series(1, 300) g;
INSERT INTO appointments (patient_id, at, fee) SELECT 1 + g % 300, timestamptz '2026-01-01' + g * interval '1 hour', g % 90 + 0.5
  FROM generate_series(1, 1200) g;
INSERT INTO billing.invoices (amount, paid) SELECT g * 1.25, g % 3 = 0 FROM generate_series(1, 150) g;
"""


@pytest.fixture
def database(pg_server, request):
    """A fresh database per test, named after it, seeded like a small clinic's (seed 004)."""
    name = "clinic_" + request.node.name.split("[")[0][5:40].replace("-", "_").lower()
    pg_server.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg_server.psql(f'CREATE DATABASE "{name}"')
    pg_server.psql(SEED, name)
    return name


@pytest.fixture
def dumps(tmp_path):
    """The dump directory: only the module (pg_dump, pg_restore) reads and writes it, never the server's user."""
    root = tmp_path / "dumps"
    root.mkdir()
    return root


def targets(database, dumps, **options):
    return [{"kind": "postgres", "names": [database], "options": {"dump_dir": str(dumps), **options}}]


def common(pg_server, ledger, **connection):
    return {"concurrency": 4, "retry_max_attempts": 3, "ledger": str(ledger), "postgres": {**pg_server.connection, **connection}}


def backup(factory, clock, ledger, pg_server, target, **connection):
    params = {
        "targets": target,
        "label": "daily",
        "tags": {},
        "wait": False,
        "wait_timeout": "1h",
        **common(pg_server, ledger, **connection),
    }
    request = _backup_action.parse_request(params, BACKUP_KINDS)
    return _backup_action.run_backup(make_context(factory, clock, ledger), request, BACKUP_KINDS)


def restore_test(factory, clock, ledger, pg_server, target, **overrides):
    params = {"targets": target, "wait_timeout": "1h", "scratch_ttl": "12h", **common(pg_server, ledger), **overrides}
    request = _restore_action.parse_request(params, BACKUP_KINDS)
    return _restore_action.run_restore_test(make_context(factory, clock, ledger), request, BACKUP_KINDS)


def manifest_of(result):
    return json.loads(Path(result["backup_arn"]).read_text())


def test_a_dump_records_every_tables_rows_and_checksum_from_its_own_snapshot(pg_server, database, dumps, factory, clock, tmp_path):
    payload, failure = backup(factory, clock, tmp_path / "ledger", pg_server, targets(database, dumps))
    assert failure is None
    result = payload["resources"][0]
    manifest = manifest_of(result)
    assert {(t["schema"], t["table"]): t["rows"] for t in manifest["tables"]} == {
        ("public", "patients"): 300, ("public", "appointments"): 1200, ("public", "audit_log"): 0, ("billing", "invoices"): 150,
    }  # fmt: skip
    live = pg_server.psql("SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM billing.invoices t", database)
    assert next(t["checksum"] for t in manifest["tables"] if t["table"] == "invoices") == live
    dump = Path(result["backup_arn"]).with_suffix(".dump")
    assert dump.read_bytes()[:5] == b"PGDMP"
    import hashlib

    assert manifest["dump"]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest() == result["details"]["sha256"]
    assert manifest["snapshot"] and manifest["server_version"].startswith(pg_server.psql("SHOW server_version_num")[:2])


def test_restore_test_proves_every_table_and_drops_the_scratch_database(pg_server, database, dumps, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, pg_server, targets(database, dumps))
    clock.advance(600)
    checks = [
        {"kind": "postgres", "sql": "SELECT count(*) FROM appointments WHERE fee > 45", "expect": "585"},
        {"kind": "postgres", "sql": "SELECT sum(amount) FROM billing.invoices WHERE paid", "expect": "1"},  # wrong on purpose
    ]
    payload, failure = restore_test(
        factory, clock, ledger, pg_server, targets(database, dumps), rpo="1h", checks=checks, scratch={"postgres": {"jobs": 3}}
    )
    resource = payload["resources"][0]
    results = {c["name"]: c["result"] for c in resource["checks"]}
    assert results == {"usable": "passed", "dump_sha256": "passed", "tables": "passed", "row_counts": "passed", "checksums": "passed",
                       "checks[0]": "passed", "checks[1]": "failed"}  # fmt: skip
    assert resource["status"] == "failed" and "query returned '4781.25', expected '1'" in resource["error"]
    assert resource["scratch"]["name"].startswith("steward_rt_clinic_") and resource["cleanup"] == "deleted"
    assert pg_server.scratch_databases() == []

    payload, failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps), rpo="1h", checks=checks[:1])
    assert failure is None and payload["resources"][0]["status"] == "passed"
    assert verified_backup_ids(LocalLedger(str(ledger)), "postgres", database) == {payload["resources"][0]["backup"]["id"]}
    assert payload["resources"][0]["rpo_met"] is True


def test_a_damaged_dump_is_caught(pg_server, database, dumps, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    result = backup(factory, clock, ledger, pg_server, targets(database, dumps))[0]["resources"][0]
    dump = Path(result["backup_arn"]).with_suffix(".dump")
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the data
    dump.write_bytes(bytes(data))
    payload, _failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps))
    resource = payload["resources"][0]
    assert resource["status"] == "failed" and resource["verdict"] == "failed"
    # the dump's SHA256 is compared with its manifest before pg_restore runs, and the message says so
    assert resource["error_code"] == "dump_damaged"
    assert "failed: dump SHA256 differs from its manifest: " in resource["error"]
    assert resource["cleanup"] == "deleted" and pg_server.scratch_databases() == []
    assert verified_backup_ids(LocalLedger(str(ledger)), "postgres", database) == frozenset()


def test_a_table_altered_after_the_dump_does_not_fool_the_check(pg_server, database, dumps, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, pg_server, targets(database, dumps))
    pg_server.psql("DELETE FROM appointments WHERE id % 2 = 0; UPDATE patients SET name = 'changed' WHERE id = 7", database)
    payload, failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps))
    assert failure is None
    counts = next(c for c in payload["resources"][0]["checks"] if c["name"] == "row_counts")
    # compared with what the dump held (1,200 appointments), not with the live table (600 now)
    assert counts["expected"] == counts["actual"] == 300 + 1200 + 0 + 150


def test_a_dump_under_concurrent_writes_still_verifies(pg_server, database, dumps, factory, clock, tmp_path):
    pg_server.psql("INSERT INTO audit_log (event) SELECT repeat('x', 200) FROM generate_series(1, 200000)", database)
    import psycopg

    stop, written = threading.Event(), []

    def writer():
        with psycopg.connect(pg_server.dsn(database), autocommit=True) as connection:
            while not stop.is_set():
                connection.execute(
                    "INSERT INTO audit_log (event) VALUES ('during the dump'); UPDATE billing.invoices SET paid = NOT paid WHERE id = 1"
                )
                written.append(1)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        ledger = tmp_path / "ledger"
        result = backup(factory, clock, ledger, pg_server, targets(database, dumps))[0]["resources"][0]
    finally:
        stop.set()
        thread.join()
    assert result["status"] == "created"
    live_rows = int(pg_server.psql("SELECT count(*) FROM audit_log", database))
    recorded = next(t["rows"] for t in manifest_of(result)["tables"] if t["table"] == "audit_log")
    assert len(written) > 0 and recorded < live_rows  # writes went on around the dump
    payload, failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps))
    assert failure is None, failure
    checks = {c["name"]: c for c in payload["resources"][0]["checks"]}
    assert checks["row_counts"]["result"] == checks["checksums"]["result"] == "passed"


def test_backup_info_and_retention_work_on_dumps(pg_server, database, dumps, factory, clock, tmp_path):
    ledger = tmp_path / "ledger"
    names = []
    for _day in range(3):
        names.append(backup(factory, clock, ledger, pg_server, targets(database, dumps))[0]["resources"][0]["backup_name"])
        clock.advance(86400)
    info_params = {
        "targets": targets(database, dumps),
        "rpo": "3d",
        "fail_on_rpo_miss": False,
        "max_backups": 10,
        **common(pg_server, ledger),
    }
    info_params.pop("ledger")
    info, _failure = _info_action.run_backup_info(
        make_context(factory, clock), _info_action.parse_request(info_params, BACKUP_KINDS), BACKUP_KINDS
    )
    assert [b["name"] for b in info["resources"][0]["backups"]] == names[::-1]
    params = {"targets": targets(database, dumps), "keep_last": 1, "min_keep": 1, **common(pg_server, ledger)}
    context = make_context(factory, clock, ledger)
    pruned, failure = _retention_action.run_retention(context, _retention_action.parse_request(params, BACKUP_KINDS), BACKUP_KINDS)
    assert failure is None and pruned["summary"]["deleted_backups"] == 2
    directory = Path(info["resources"][0]["backups"][0]["details"]["store"]["directory"])
    assert sorted(path.name for path in directory.iterdir()) == [f"{names[2]}.dump", f"{names[2]}.json"]


def test_star_selects_every_database_but_templates_and_scratch(pg_server, database, dumps, factory, clock, tmp_path):
    pg_server.psql('CREATE DATABASE "steward_rt_leftover_20260101_000000"')
    try:
        params = {"targets": [{"kind": "postgres", "names": ["*"], "options": {"dump_dir": str(dumps)}}], "rpo": "1d", "max_backups": 0}
        params.update(common(pg_server, tmp_path))
        params.pop("ledger")
        info, _failure = _info_action.run_backup_info(
            make_context(factory, clock), _info_action.parse_request(params, BACKUP_KINDS), BACKUP_KINDS
        )
        selected = {r["id"] for r in info["resources"]}
        assert {"postgres", database} <= selected
        assert not any(name.startswith(("template", "steward_rt_")) for name in selected)
    finally:
        pg_server.psql('DROP DATABASE "steward_rt_leftover_20260101_000000"')


def test_sweep_drops_only_expired_marked_scratch_databases(pg_server, database, dumps, factory, clock, tmp_path):
    from datetime import timedelta

    from ansible_collections.steward.maintenance.plugins.module_utils._naming import scratch_tags

    expired = json.dumps({"steward": scratch_tags("x", "b", "run", clock.now() - timedelta(hours=1))})
    fresh = json.dumps({"steward": scratch_tags("x", "b", "run", clock.now() + timedelta(hours=1))})
    made = {"steward_rt_old_20260101_000000": expired, "steward_rt_new_20260101_000000": fresh, "steward_rt_nomark_20260101_000000": None}
    for name, comment in made.items():
        pg_server.psql(f'CREATE DATABASE "{name}"')
        if comment:
            pg_server.psql(f"COMMENT ON DATABASE \"{name}\" IS '{comment}'")
    ledger = tmp_path / "ledger"
    backup(factory, clock, ledger, pg_server, targets(database, dumps))
    try:
        payload, failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps), sweep=True)
        assert failure is None
        assert [(e["name"], e["status"]) for e in payload["swept"]] == [("steward_rt_old_20260101_000000", "deleted")]
        assert pg_server.scratch_databases() == ["steward_rt_new_20260101_000000", "steward_rt_nomark_20260101_000000"]
    finally:
        for name in made:
            pg_server.psql(f'DROP DATABASE IF EXISTS "{name}"')


# --- bad input and broken environments: per-database failures with the server's message, no secret ----------------
def test_a_wrong_password_fails_each_database_with_the_servers_message_and_no_secret(pg_server, database, dumps, factory, clock, tmp_path):
    payload, failure = backup(factory, clock, tmp_path / "ledger", pg_server, targets(database, dumps), password="hunter2-wrong")
    resource = payload["resources"][0]
    assert (resource["status"], resource["error_code"]) == ("failed", "connection")
    assert 'password authentication failed for user "steward"' in resource["error"]
    assert "hunter2" not in json.dumps(payload) and "hunter2" not in failure
    assert not list(Path(dumps).rglob(f"*{database}*/*.dump"))


def test_an_unreachable_server_and_a_missing_database_fail_clearly(pg_server, database, dumps, factory, clock, tmp_path):
    from pg_server import free_port

    closed = backup(factory, clock, tmp_path / "l1", pg_server, targets(database, dumps), port=free_port(), connect_timeout=2)[0]
    assert closed["resources"][0]["error_code"] == "connection" and "Connection refused" in closed["resources"][0]["error"]
    missing = backup(factory, clock, tmp_path / "l2", pg_server, targets("no_such_db", dumps))[0]["resources"][0]
    assert missing["error_code"] == "not_found" and missing["error"].endswith('FATAL:  database "no_such_db" does not exist')


def test_a_dump_dir_that_cannot_be_written_fails_before_dumping(pg_server, database, dumps, factory, clock, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    resource = backup(factory, clock, tmp_path / "ledger", pg_server, targets(database, blocker / "dumps"))[0]["resources"][0]
    assert resource["error_code"] == "dump_dir" and resource["error"].startswith(f"dump_dir '{blocker}/dumps/")


def test_missing_or_older_client_programs_are_named(pg_server, database, dumps, factory, clock, tmp_path):
    empty = tmp_path / "bin-empty"
    empty.mkdir()
    resource = backup(factory, clock, tmp_path / "l1", pg_server, targets(database, dumps, bin_dir=str(empty)))[0]["resources"][0]
    assert resource["error_code"] == "tool_missing"
    assert resource["error"].startswith(f"pg_dump not found in bin_dir {empty}: install PostgreSQL's client programs, major version")
    old = tmp_path / "bin-old"
    old.mkdir()
    for program in ("pg_dump", "pg_restore"):  # programs that only say their version: the version gate is what is tested
        script = old / program
        script.write_text(f"#!/bin/sh\necho '{program} (PostgreSQL) 11.22'\n")
        script.chmod(script.stat().st_mode | stat.S_IEXEC)
    resource = backup(factory, clock, tmp_path / "l2", pg_server, targets(database, dumps, bin_dir=str(old)))[0]["resources"][0]
    assert resource["error_code"] == "tool_too_old" and "is PostgreSQL 11, older than the server" in resource["error"]


@pytest.mark.parametrize(
    ("entry", "option", "fragment"),
    [
        ({"names": ["db"], "options": {}}, "targets[0].options.dump_dir", "exactly one of dump_dir"),
        ({"names": ["db"], "options": {"dump_dir": "/x", "dump_bucket": "bucket-x"}}, "targets[0].options.dump_dir", "exactly one"),
        ({"names": ["db"], "options": {"dump_dir": "relative/dir"}}, "targets[0].options.dump_dir", "does not match"),
        ({"names": ["db"], "options": {"dump_dir": "/x", "password": "p"}}, "targets[0].options.password", "postgres option"),
        ({"tags": {"a": "b"}, "options": {"dump_dir": "/x"}}, "targets[0].tags", "selects by names only"),
    ],
)
def test_bad_postgres_input_fails_before_connecting(entry, option, fragment):
    with pytest.raises(OptionError) as raised:
        _backup_action.parse_request(
            {
                "targets": [{"kind": "postgres", **entry}],
                "label": "daily",
                "tags": {},
                "wait_timeout": "1h",
                "concurrency": 1,
                "retry_max_attempts": 1,
            },
            BACKUP_KINDS,
        )
    assert raised.value.option == option and fragment in str(raised.value)
    assert "'p'" not in str(raised.value)


def test_dumps_stream_to_s3_and_restore_from_there(pg_server, database, aws, factory, clock, tmp_path):
    aws.client("s3").create_bucket(Bucket="clinic-dumps")
    target = [{"kind": "postgres", "names": [database], "options": {"dump_bucket": "clinic-dumps"}}]
    ledger = tmp_path / "ledger"
    result = backup(factory, clock, ledger, pg_server, target)[0]["resources"][0]
    assert result["status"] == "created" and result["backup_arn"].startswith("s3://clinic-dumps/steward/postgres/127.0.0.1-")
    keys = sorted(o["Key"].rsplit("/", 1)[-1] for o in aws.client("s3").list_objects_v2(Bucket="clinic-dumps")["Contents"])
    assert keys == [f"{result['backup_name']}.dump", f"{result['backup_name']}.json"]
    payload, failure = restore_test(factory, clock, ledger, pg_server, target)
    assert failure is None and payload["resources"][0]["status"] == "passed"
    assert payload["resources"][0]["backup_tagged_verified"] is True


# pg_dump wrapped so that it misbehaves the ways dumps really go wrong; the real pg_dump does the dumping.
BROKEN_DUMPS = {
    "truncated": ('"$REAL" "$@" | head -c 3000', "the dump does not read back"),
    "empty": ("exit 0", "wrote 0 bytes without a custom-format header"),
    "failing": ('exec "$REAL" "$@" --table=no_such_table', "pg_dump failed (exit status 1): pg_dump: error: no matching tables were found"),
    "failing_with_exit_0": ('"$REAL" "$@" --table=no_such_table; exit 0', "pg_dump failed (exit status 0): pg_dump: error: no matching"),
}


@pytest.mark.parametrize("how", sorted(BROKEN_DUMPS))
def test_a_failed_empty_or_truncated_dump_is_a_failure_and_leaves_nothing(pg_server, database, dumps, factory, clock, tmp_path, how):
    body, message = BROKEN_DUMPS[how]
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    script = bin_dir / "pg_dump"
    script.write_text(f'#!/bin/sh\nREAL={pg_server.bin}/pg_dump\ncase "$1" in --version) exec "$REAL" --version;; esac\n{body}\n')
    script.chmod(0o755)
    (bin_dir / "pg_restore").symlink_to(pg_server.bin / "pg_restore")
    directory = tmp_path / "dumps"
    resource = backup(factory, clock, tmp_path / "ledger", pg_server, targets(database, directory, bin_dir=str(bin_dir)))[0]["resources"][0]
    assert (resource["status"], resource["error_code"]) == ("failed", "dump_failed")
    assert message in resource["error"]
    assert [path.name for path in directory.rglob("*") if path.is_file()] == []  # no dump, no partial, no manifest


# --- evidence that holds whatever the session settings; runs that overlap; targets that disagree ------------------
SETTINGS_TABLE = """
CREATE TABLE visits (id serial PRIMARY KEY, at timestamptz, day date, took interval, score float8, blob bytea, fee money);
INSERT INTO visits (at, day, took, score, blob, fee)
  SELECT timestamptz '2026-03-08 01:30:00+00' + g * interval '37 minutes', date '2026-01-01' + g, g * interval '95 seconds',
         g / 7.0, decode(md5(g::text), 'hex'), g * 1.25 FROM generate_series(1, 400) g;
"""


def test_database_and_role_settings_do_not_change_the_evidence(pg_server, database, dumps, factory, clock, tmp_path):
    """A database and a role that set every output setting differently from a fresh session: the restore test passes."""
    pg_server.psql(SETTINGS_TABLE, database)
    # the database sets each one way, the role (in that database, which wins) another way: neither may matter
    database_settings = ("timezone TO 'America/New_York'", "datestyle TO 'SQL, DMY'", "intervalstyle TO 'sql_standard'",
                         "extra_float_digits TO -3", "bytea_output TO 'escape'")  # fmt: skip
    role_settings = ("timezone TO 'Asia/Kolkata'", "datestyle TO 'German, DMY'", "intervalstyle TO 'iso_8601'",
                     "extra_float_digits TO 0", "search_path TO billing, public")  # fmt: skip
    for setting in database_settings:
        pg_server.psql(f'ALTER DATABASE "{database}" SET {setting}')
    for setting in role_settings:
        pg_server.psql(f'ALTER ROLE steward IN DATABASE "{database}" SET {setting}')
    try:
        ledger = tmp_path / "ledger"
        result = backup(factory, clock, ledger, pg_server, targets(database, dumps))[0]["resources"][0]
        evidence = manifest_of(result)["evidence"]
        assert evidence["version"] == 2 and evidence["settings"]["TimeZone"] == "UTC"
        payload, failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps))
        assert failure is None, failure
        checksums = next(c for c in payload["resources"][0]["checks"] if c["name"] == "checksums")
        assert checksums["result"] == "passed"
        # the evidence is what a fresh session with the fixed settings sees: the live table, unchanged, agrees
        fixed = "SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET extra_float_digits = 1; "
        fixed += "SET bytea_output = 'hex'; SET lc_monetary = 'C'; SET search_path = pg_catalog; "
        live = pg_server.psql(
            fixed + "SELECT md5(coalesce(string_agg(md5(t::text), '' ORDER BY md5(t::text)), '')) FROM public.visits t", database
        )
        recorded = next(t for t in manifest_of(result)["tables"] if t["table"] == "visits")
        assert recorded["checksum"] == live.splitlines()[-1]
    finally:
        pg_server.psql(f'ALTER DATABASE "{database}" RESET ALL')
        pg_server.psql(f'ALTER ROLE steward IN DATABASE "{database}" RESET ALL')


def test_two_backups_at_once_of_one_database_are_both_complete_and_their_own(pg_server, database, dumps, factory, clock, tmp_path):
    """Two AWX jobs in the same second: two dumps, two names, each matching its own manifest and restorable."""
    ledger = tmp_path / "ledger"
    results = []
    runs = [
        threading.Thread(target=lambda: results.append(backup(factory, clock, ledger, pg_server, targets(database, dumps))))
        for _run in range(2)
    ]
    for run in runs:
        run.start()
    for run in runs:
        run.join()
    made = [payload["resources"][0] for payload, failure in results if failure is None]
    assert len(made) == 2 and made[0]["backup_name"] != made[1]["backup_name"]
    for result in made:
        manifest = manifest_of(result)
        dump = Path(result["backup_arn"]).with_suffix(".dump")
        assert hashlib.sha256(dump.read_bytes()).hexdigest() == manifest["dump"]["sha256"]
        payload, failure = restore_test(factory, clock, ledger, pg_server, targets(database, dumps), backup_id=result["backup_id"])
        assert failure is None and payload["resources"][0]["verdict"] == "passed"
    assert not list(Path(dumps).rglob("*.partial"))


def test_two_targets_naming_one_database_with_other_stores_are_refused(pg_server, database, dumps, factory, clock, tmp_path):
    first, second = dumps / "first", dumps / "second"
    both = targets(database, first) + targets(database, second)
    payload, failure = backup(factory, clock, tmp_path / "ledger", pg_server, both)
    assert [r["status"] for r in payload["resources"]] == ["created"]
    assert payload["targets"][1]["error"].startswith("refused for 1 postgres resources another target selects with other options: ")
    assert f"{database} (selected by targets[0] too; dump_dir differ)" in payload["targets"][1]["error"]
    assert "targets[1]: refused" in failure
    assert list(first.rglob("*.dump")) and not list(second.rglob("*.dump"))
    assert pg_server.password not in json.dumps(payload)


def test_star_on_a_server_that_cannot_be_reached_reports_every_database_it_hides(pg_server, database, dumps, factory, clock, tmp_path):
    from pg_server import free_port

    # A server on a port where nothing listens now, whose database the store knows from earlier dumps.
    port = free_port()
    backup(factory, clock, tmp_path / "ledger", pg_server, targets(database, dumps))
    (dumps / f"127.0.0.1-{pg_server.port}").rename(dumps / f"127.0.0.1-{port}")
    star = [{"kind": "postgres", "names": ["*"], "options": {"dump_dir": str(dumps)}}]
    payload, failure = backup(factory, clock, tmp_path / "ledger", pg_server, star, port=port, connect_timeout=2)
    target = payload["targets"][0]
    assert target["error"].startswith("cannot list the databases of server 127.0.0.1:")
    assert "every database on it is unreported (1 databases known from earlier dumps are reported one by one)" in target["error"]
    assert [(r["id"], r["status"], r["error_code"]) for r in payload["resources"]] == [(database, "failed", "connection")]
    assert "cannot list the databases" in failure


# --- psycopg only where a postgres resource needs it ------------------------------------------------------------------
def test_a_task_of_aws_kinds_does_not_import_psycopg():
    import os
    import subprocess
    import sys

    modules = ["backup", "backup_info", "backup_retention", "restore_test", "secret_rotation"]
    imports = "; ".join(f"import ansible_collections.steward.maintenance.plugins.modules.{name}" for name in modules)
    probe = f"{imports}; import sys; print(sorted(name for name in sys.modules if name.split('.')[0] == 'psycopg'))"
    environment = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}  # where this test finds the collection
    answer = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=environment)
    assert answer.stdout.strip() == "[]"


def test_without_psycopg_a_postgres_resource_fails_alone_naming_the_package(monkeypatch):
    import sys

    from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
    from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import _pg_tools

    monkeypatch.setitem(sys.modules, "psycopg", None)  # an import of it raises ImportError
    with pytest.raises(ResourceError) as raised:
        _pg_tools.connect({"host": "127.0.0.1", "port": 5432, "user": "postgres", "sslmode": "prefer", "connect_timeout": 5}, "clinic")
    assert raised.value.code == "missing_library" and "psycopg" in str(raised.value)
