"""ledger_info: filters from keys before any read, content filters after, series, a year of records."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest
from conftest import make_context

from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_session
from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock, isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger, S3Ledger, record_key
from ansible_collections.steward.maintenance.plugins.module_utils._ledger_info_action import parse_request, run_ledger_info

NOW = datetime(2026, 12, 1, 6, 0, tzinfo=timezone.utc)


def write_history(write, resources: int, days: int) -> None:
    """A backup a day per table, a weekly restore test, as the actions write them (schema and keys)."""
    for day in range(days):
        moment = NOW - timedelta(days=days - day, hours=-2)
        for index in range(resources):
            table = f"table-{index:03d}"
            backup = {"name": f"steward-{table}-daily-{moment:%Y%m%d-%H%M%S}", "created": isoformat(moment)}
            before = {"created": isoformat(moment - timedelta(days=1))}
            record = {"action": "backup", "kind": "dynamodb", "resource_id": table, "recorded": isoformat(moment), "status": "created"}
            write(record_key("dynamodb", table, "backup", moment, "run"), {**record, "backup": backup, "newest_backup_before": before})
            if day % 7 == 0:
                test = {"action": "restore_test", "kind": "dynamodb", "resource_id": table, "recorded": isoformat(moment)}
                verdict = "failed" if index == 1 and day == 0 else "passed"
                timings = {"rto_s": 40 + index, "rpo_s": 3600}
                write(
                    record_key("dynamodb", table, "restore_test", moment, "run"),
                    {**test, "status": verdict, "verdict": verdict, "timings": timings},
                )


class CountingLedger(LocalLedger):
    reads = 0

    def read_ref(self, ref):
        self.reads += 1
        return super().read_ref(ref)


def local_history(tmp_path, resources=20, days=60):
    def write(key, record):
        path = tmp_path.joinpath(*key.split("/"))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(record))

    write_history(write, resources, days)
    return tmp_path


def run(factory, ledger, **params):
    request = parse_request({"ledger": str(ledger.root) if isinstance(ledger, LocalLedger) else ledger.location, **params}, {})
    context = make_context(factory, FixedClock(NOW))
    context.ledger = ledger
    return run_ledger_info(context, request, {})[0]


def test_key_filters_read_only_what_matches_and_series_follow(factory, tmp_path):
    ledger = CountingLedger(str(local_history(tmp_path)))
    payload = run(factory, ledger, resources=["table-001"], actions=["restore_test"], since="90d")
    assert payload["summary"]["listed"] == 20 * 60 + 20 * 9 and ledger.reads == 9 == payload["summary"]["read"]
    points = payload["series"]["dynamodb/table-001"]["restore_test"]
    assert [point["verdict"] for point in points] == ["failed"] + ["passed"] * 8 and points[0]["rto_s"] == 41
    ledger.reads = 0
    recent = run(factory, ledger, actions=["backup"], since="7d", max_records=5)
    assert ledger.reads == 20 * 7 and recent["summary"]["matched"] == 140 and recent["summary"]["truncated"] == 135
    assert [record["recorded"] for record in recent["records"]] == sorted(record["recorded"] for record in recent["records"])
    ages = [point["age_s_before"] for point in recent["series"]["dynamodb/table-000"]["backup"]]
    assert ages == [86400] * 7
    failed = run(factory, ledger, verdicts=["failed"], max_records=0)
    assert failed["summary"]["matched"] == 1 and failed["records"] == []


def test_s3_ledger_lists_once_and_reads_concurrently(aws, factory):
    aws.client("s3").create_bucket(Bucket="evidence")
    ledger = S3Ledger(factory_from_session(aws), "evidence", "steward")
    write_history(ledger.write, 5, 14)
    factory.calls.clear()
    payload = run(factory, ledger, kinds=["dynamodb"], actions=["restore_test"])
    assert payload["summary"]["matched"] == 5 * 2
    assert len(payload["series"]) == 5


@pytest.mark.parametrize(
    ("params", "option"),
    [({"ledger": "/no/such/ledger"}, "ledger"), ({"ledger": None}, "ledger"), ({"since": "yesterday"}, "since"), ({"kinds": []}, "kinds")],
)
def test_bad_input_names_the_option(tmp_path, params, option):
    with pytest.raises(OptionError) as raised:
        parse_request({"ledger": str(tmp_path), **params}, {})
    assert raised.value.option == option
