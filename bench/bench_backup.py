"""Time one `backup` task over N tagged resources through ansible-playbook against a plain boto3 loop.

Both run against the same local moto server, on a freshly seeded fleet each (the server is reset in
between), and make the same AWS calls: tag lookup per kind, then per resource describe, list its
backups, create one backup with steward's name and tags. The playbook's time includes Ansible's start-up.
The loop writes no ledger; the playbook does (a local directory), so the comparison is, if anything,
unfair to the playbook.

    python bench/bench_backup.py [--per-kind 200] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "demo"))

from fleet import clients, seed_bench_fleet  # noqa: E402
from moto_server import MotoServer  # noqa: E402
from timed_playbook import timed_playbook  # noqa: E402

TYPES = {"dynamodb": "dynamodb:table", "rds": "rds:db", "ebs": "ec2:volume"}


def tags_for(source: str, now: datetime) -> list[dict[str, str]]:
    return [
        {"Key": "steward:managed", "Value": "true"},
        {"Key": "steward:source", "Value": source},
        {"Key": "steward:cadence", "Value": "bench"},
        {"Key": "steward:created", "Value": now.strftime("%Y-%m-%dT%H:%M:%SZ")},
    ]


def boto3_loop(url: str) -> int:
    """What a careful person writes by hand: sequential, the same calls, no ledger."""
    aws = clients(url)
    now = datetime.now(timezone.utc)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    created = 0
    for kind, resource_type in TYPES.items():
        arns, token = [], ""
        while True:
            page = aws["resourcegroupstaggingapi"].get_resources(
                TagFilters=[{"Key": "backup", "Values": ["bench"]}], ResourceTypeFilters=[resource_type], PaginationToken=token
            )
            arns += [item["ResourceARN"] for item in page["ResourceTagMappingList"]]
            token = page.get("PaginationToken") or ""
            if not token:
                break
        for arn in arns:
            name = arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]
            backup_name = f"steward-{name}-bench-{stamp}"
            if kind == "dynamodb":
                aws["dynamodb"].describe_table(TableName=name)
                aws["dynamodb"].list_backups(TableName=name)
                aws["dynamodb"].create_backup(TableName=name, BackupName=backup_name)
            elif kind == "rds":
                aws["rds"].describe_db_instances(DBInstanceIdentifier=name)
                aws["rds"].describe_db_snapshots(DBInstanceIdentifier=name)
                aws["rds"].create_db_snapshot(DBSnapshotIdentifier=backup_name, DBInstanceIdentifier=name, Tags=tags_for(arn, now))
            else:
                aws["ec2"].describe_volumes(VolumeIds=[name])
                aws["ec2"].describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "volume-id", "Values": [name]}])
                aws["ec2"].create_snapshot(
                    VolumeId=name,
                    Description=backup_name,
                    TagSpecifications=[{"ResourceType": "snapshot", "Tags": [{"Key": "Name", "Value": backup_name}, *tags_for(arn, now)]}],
                )
            created += 1
    return created


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-kind", type=int, default=200, help="tables, instances and volumes each (default 200: 600 resources)")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    total = 3 * args.per_kind
    state = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    try:
        with MotoServer(log=state / "moto.log") as server:
            print(f"moto server on {server.url}; seeding {total} resources tagged backup=bench ...", flush=True)
            seed_bench_fleet(server.url, args.per_kind)
            started = time.perf_counter()
            loop_created = boto3_loop(server.url)
            loop_s = time.perf_counter() - started

            server.reset()
            seed_bench_fleet(server.url, args.per_kind)
            play_s, summary = timed_playbook(HERE / "backup_fleet.yml", server.url, args.concurrency, state / "ledger")
            records = len(list((state / "ledger").rglob("*.json")))
    finally:
        shutil.rmtree(state, ignore_errors=True)
    if loop_created != total or summary["created"] != total or records != total:
        raise SystemExit(f"expected {total} backups each way: loop {loop_created}, playbook {summary}, ledger records {records}")
    ratio = play_s / loop_s
    print(f"resources                       : {total} ({args.per_kind} DynamoDB tables, RDS instances, EBS volumes)")
    print(f"plain boto3 loop (sequential)   : {loop_s:7.2f} s")
    print(f"ansible-playbook, one task      : {play_s:7.2f} s  (concurrency {args.concurrency}, start-up and ledger included)")
    print(f"ratio playbook / boto3 loop     : {ratio:7.2f}x   (target: within 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
