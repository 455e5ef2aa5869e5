"""Time ledger_info on a year of daily records for 100 resources: against reading every record one after another.

The ledger holds what a year of the daily and weekly plays writes for 100 DynamoDB tables: a backup record a day
and a restore test a week each (41,700 records). Three questions, each timed as ledger_info answers it (one
listing, key filters, 16 concurrent reads) and as a naive reader would (list, then read every record serially and
filter by content): one resource's last 30 days, every restore test of the year, and everything of the last 7 days.
A local ledger at full size; an S3 ledger (moto on 127.0.0.1) at a tenth of it, where every read is a request.

    python bench/bench_ledger.py [--resources 100] [--days 365]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "demo"))
sys.path.insert(0, str(ROOT / ".build" / "collections"))
sys.path.insert(0, str(ROOT / "tests" / "unit"))

import boto3  # noqa: E402
from moto_server import MotoServer  # noqa: E402

from ansible_collections.steward.maintenance.plugins.module_utils._action import Context  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_session  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._clock import FixedClock  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._ledger import LocalLedger, S3Ledger  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._ledger_info_action import parse_request, run_ledger_info  # noqa: E402

QUESTIONS = {
    "one resource, 30 days": {"resources": ["table-007"], "since": "30d"},
    "every restore test of the year": {"actions": ["restore_test"]},
    "everything of the last 7 days": {"since": "7d"},
}


def timed(answer) -> tuple[float, int]:
    started = time.monotonic()
    found = answer()
    return time.monotonic() - started, found


def naive(ledger, params: dict, now: datetime) -> int:
    """List every record, read every one in turn, filter by content: what a loop over `aws s3 cp` or open() does."""
    matched = 0
    for ref in ledger.list_all():
        record = ledger.read_ref(ref)
        recorded = datetime.strptime(record["recorded"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        if "resources" in params and record["resource_id"] not in params["resources"]:
            continue
        if "actions" in params and record["action"] not in params["actions"]:
            continue
        if "since" in params and (now - recorded).days >= int(params["since"][:-1]):
            continue
        matched += 1
    return matched


def ours(ledger, location: str, params: dict, factory, now: datetime) -> int:
    request = parse_request({"ledger": location, "max_records": 0, **params}, {})
    context = Context(factory, FixedClock(now), ledger, False, False, 8)
    return run_ledger_info(context, request, {})[0]["summary"]["matched"]


def report(name: str, ledger, location: str, factory, now: datetime) -> None:
    print(f"\n{name}")
    for question, params in QUESTIONS.items():
        fast, found = timed(lambda params=params: ours(ledger, location, params, factory, now))
        slow, expected = timed(lambda params=params: naive(ledger, params, now))
        assert found == expected, (question, found, expected)
        timing = f"ledger_info {fast:7.2f} s   serial read of everything {slow:7.2f} s   ({slow / fast:5.1f}x)"
        print(f"  {question:32} {found:6} records   {timing}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=100)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    from test_ledger_info import NOW, write_history  # the records exactly as the unit tests write them

    with tempfile.TemporaryDirectory() as folder:

        def write_local(key: str, record: dict) -> None:
            path = Path(folder).joinpath(*key.split("/"))
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(record))

        write_history(write_local, args.resources, args.days)
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        report(
            f"local ledger, {args.resources} resources x {args.days} days", LocalLedger(folder), folder, factory_from_session(session), NOW
        )

    with MotoServer() as server:
        session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
        factory = factory_from_session(session, server.url, concurrency=16)
        factory.client("s3").create_bucket(Bucket="evidence")
        ledger = S3Ledger(factory, "evidence", "steward")
        keys: list[tuple[str, dict]] = []
        write_history(lambda key, record: keys.append((key, record)), max(args.resources // 10, 1), args.days)
        with ThreadPoolExecutor(16) as pool:
            list(pool.map(lambda item: ledger.write(*item), keys))
        report(
            f"S3 ledger (moto), {max(args.resources // 10, 1)} resources x {args.days} days", ledger, "s3://evidence/steward", factory, NOW
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
