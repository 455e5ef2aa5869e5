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


class _CountingReads(LocalLedger):
    reads = 0

    def read_record(self, kind, resource_id, action, name):
        self.reads += 1
        return super().read_record(kind, resource_id, action, name)


def test_latest_lists_once_and_reads_newest_first_until_a_record_matches(tmp_path):
    from datetime import timedelta

    ledger = _CountingReads(str(tmp_path))
    for day in range(365):
        moment = MOMENT + timedelta(days=day)
        label = "pre-deploy" if day == 200 else "nightly"
        ledger.write(record_key("ecs_service", "prod/api", "checkpoint", moment, "run"), {"label": label, "day": day})
    assert ledger.latest("ecs_service", "prod/api", "checkpoint")["day"] == 364
    assert ledger.reads == 1
    ledger.reads = 0
    assert ledger.latest("ecs_service", "prod/api", "checkpoint", lambda record: record["label"] == "pre-deploy")["day"] == 200
    assert ledger.reads == 165  # days 364 down to 200, not the whole year
    assert ledger.latest("ecs_service", "prod/api", "checkpoint", lambda record: record["label"] == "never") is None
    assert ledger.latest("ecs_service", "other", "checkpoint") is None


def test_s3_latest_reads_the_newest_matching_record(aws):
    s3 = aws.client("s3")
    s3.create_bucket(Bucket="evidence")
    from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_session

    ledger = S3Ledger(factory_from_session(aws), "evidence", "steward")
    for hour, label in enumerate(["a", "b", "a", "b"]):
        ledger.write(record_key("lambda_alias", "fn:live", "checkpoint", MOMENT.replace(hour=hour), "run"), {"label": label, "hour": hour})
    assert ledger.latest("lambda_alias", "fn:live", "checkpoint", lambda record: record["label"] == "a")["hour"] == 2
    assert [record["hour"] for record in ledger.read_all("lambda_alias", "fn:live", "checkpoint")] == [0, 1, 2, 3]
