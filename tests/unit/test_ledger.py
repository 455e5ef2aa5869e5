from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone

import pytest

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import (
    LocalLedger,
    S3Ledger,
    open_ledger,
    parse_ledger,
    record_key,
)

MOMENT = datetime(2026, 11, 24, 2, 0, 0, tzinfo=timezone.utc)


def test_keys_are_per_kind_resource_action_and_never_repeat():
    keys = {record_key("dynamodb", "arn:aws:dynamodb:us-east-1:1:table/t", "backup", MOMENT, "run1") for _attempt in range(500)}
    assert len(keys) == 500
    assert all(key.startswith("dynamodb/arn_aws_dynamodb_us-east-1_1_table_t/backup/20261124T020000000000Z-run1-") for key in keys)


def test_concurrent_writers_never_overwrite_each_other(tmp_path):
    ledger = LocalLedger(str(tmp_path))

    def writer(run: int) -> None:
        for n in range(25):
            ledger.write(record_key("rds", "orders-db", "backup", MOMENT, f"run{run}"), {"run": run, "n": n})

    threads = [threading.Thread(target=writer, args=(run,)) for run in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    records = ledger.read_all("rds", "orders-db", "backup")
    assert len(records) == 200
    assert sorted((r["run"], r["n"]) for r in records) == [(run, n) for run in range(8) for n in range(25)]
    leftovers = [name for _root, _dirs, files in os.walk(tmp_path) for name in files if name.startswith(".tmp-")]
    assert leftovers == []


def test_a_record_is_never_replaced(tmp_path):
    ledger = LocalLedger(str(tmp_path))
    key = "ebs/vol-1/backup/fixed.json"
    ledger.write(key, {"first": True})
    with pytest.raises(FileExistsError):
        ledger.write(key, {"first": False})
    assert json.loads((tmp_path / "ebs/vol-1/backup/fixed.json").read_text()) == {"first": True}


@pytest.mark.parametrize(
    ("value", "parsed"),
    [
        ("s3://audit-evidence/steward/prod/", ("s3", "audit-evidence", "steward/prod")),
        ("s3://audit-evidence", ("s3", "audit-evidence", "")),
        ("/srv/steward/../steward/ledger", ("local", "/srv/steward/ledger", "")),
        (None, None),
    ],
)
def test_parse_ledger(value, parsed):
    assert parse_ledger(value) == parsed


@pytest.mark.parametrize("value", ["ledger", "./ledger", "s3://", "s3://UPPER/x", "s3://a/b"])
def test_parse_ledger_refuses(value):
    with pytest.raises(OptionError, match=r"^ledger: "):
        parse_ledger(value)


def test_s3_ledger_round_trip(factory):
    factory.client("s3").create_bucket(Bucket="audit-evidence")
    ledger = open_ledger(parse_ledger("s3://audit-evidence/steward"), factory)
    assert isinstance(ledger, S3Ledger)
    ledger.check_writable()
    location = ledger.write(record_key("s3", "data", "backup", MOMENT, "r"), {"ok": 1})
    assert location.startswith("s3://audit-evidence/steward/s3/data/backup/")
    assert ledger.read_all("s3", "data", "backup") == [{"ok": 1}]


def test_s3_ledger_without_its_bucket_is_refused_up_front(factory):
    with pytest.raises(OptionError, match=r"^ledger: cannot reach the ledger bucket"):
        open_ledger(parse_ledger("s3://missing-bucket/x"), factory).check_writable()
