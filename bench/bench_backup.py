"""Time one `backup` task over N tagged resources through ansible-playbook against an 8-thread boto3 loop.

The loop is the floor: it looks the resources up by tag once per kind, then makes only the create calls, 8 at a
time, and writes no ledger. The playbook does everything ``backup`` does (describes in batches, lists existing
backups, one ledger record per resource, Ansible's start-up). Both run on a freshly seeded fleet on the same local
moto server, at two fleet sizes, so that the marginal cost of one more resource can be compared as well as the
totals. The server counts every API call it answers, by operation.

    python bench/bench_backup.py [--per-kind 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "demo"))

from fleet import clients, seed_bench_fleet  # noqa: E402
from timed_playbook import calls_per_resource, marginal, side_by_side  # noqa: E402

TYPES = {"dynamodb": "dynamodb:table", "rds": "rds:db", "ebs": "ec2:volume"}


def tags_for(source: str, now: datetime) -> list[dict[str, str]]:
    return [
        {"Key": "steward:managed", "Value": "true"},
        {"Key": "steward:source", "Value": source},
        {"Key": "steward:cadence", "Value": "bench"},
        {"Key": "steward:created", "Value": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
    ]


def boto3_loop(url: str, threads: int = 8) -> int:
    """The floor: a tag lookup per kind, then only the create calls, ``threads`` at a time, no ledger."""
    aws = clients(url)
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    jobs = []
    for kind, resource_type in TYPES.items():
        paginator = aws["resourcegroupstaggingapi"].get_paginator("get_resources")
        pages = paginator.paginate(TagFilters=[{"Key": "backup", "Values": ["bench"]}], ResourceTypeFilters=[resource_type])
        jobs += [(kind, item["ResourceARN"]) for page in pages for item in page["ResourceTagMappingList"]]

    def create(job: tuple[str, str]) -> None:
        kind, arn = job
        name = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
        backup_name = f"steward-{name}-bench-{stamp}"
        if kind == "dynamodb":
            aws["dynamodb"].create_backup(TableName=name, BackupName=backup_name)
        elif kind == "rds":
            aws["rds"].create_db_snapshot(DBSnapshotIdentifier=backup_name, DBInstanceIdentifier=name, Tags=tags_for(arn, now))
        else:
            aws["ec2"].create_snapshot(
                VolumeId=name,
                Description=backup_name,
                TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "Name", "Value": backup_name}, *tags_for(arn, now)]}],
            )

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(create, jobs))
    return len(jobs)


def measure(per_kind: int, concurrency: int, state: Path, repeat: int) -> dict:
    """One fleet size: the loop, then the playbook, each on a fresh server; times, call counts, a check of the outcome."""
    total = 3 * per_kind
    ledger = state / f"ledger-{per_kind}"
    measured = side_by_side(
        lambda server: seed_bench_fleet(server.url, per_kind),
        lambda url: boto3_loop(url, concurrency),
        HERE / "backup_fleet.yml",
        concurrency,
        ledger,
        state / "moto.log",
        repeat,
    )
    records = len(list(ledger.rglob("*.json")))
    if measured["loop_done"] != total or measured["summary"]["created"] != total or records != total:
        raise SystemExit(
            f"expected {total} backups each way: loop {measured['loop_done']}, playbook {measured['summary']}, {records} records"
        )
    return {"total": total, **measured}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=200, help="tables, instances and volumes each (default 200: 600 resources)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side per fleet size; times are medians")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    try:
        sizes = f"{3 * args.per_kind // 2} and {3 * args.per_kind}"
        print(f"a fresh moto server on 127.0.0.1 per run; fleets of {sizes} resources tagged backup=bench", flush=True)
        small = measure(args.per_kind // 2, args.concurrency, state, args.repeat)
        large = measure(args.per_kind, args.concurrency, state, args.repeat)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    total = large["total"]
    loop_marginal = marginal((small["total"], small["loop_s"]), (total, large["loop_s"]))
    play_marginal = marginal((small["total"], small["play_s"]), (total, large["play_s"]))
    print(f"resources                       : {total} ({args.per_kind} DynamoDB tables, RDS instances, EBS volumes)")
    print(f"boto3 loop, {args.concurrency} threads, create only : {large['loop_s']:7.2f} s")
    print(f"ansible-playbook, one task      : {large['play_s']:7.2f} s  (concurrency {args.concurrency}, start-up and ledger included)")
    print(f"ratio playbook / loop           : {large['play_s'] / large['loop_s']:7.2f}x   (goal: within 1.5x)")
    print(f"marginal cost of a resource     : loop {1000 * loop_marginal:.2f} ms, playbook {1000 * play_marginal:.2f} ms: "
          f"{play_marginal / loop_marginal:.2f}x   (goal: within 1.2x; from the {small['total']}- and {total}-resource runs)")  # fmt: skip
    print(f"API calls, loop                 : {calls_per_resource(large['loop_calls'], total)}")
    print(f"API calls, playbook             : {calls_per_resource(large['play_calls'], total)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
