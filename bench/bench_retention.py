"""Time pruning N RDS instances x 30 days of daily snapshots to 7 dailies: one playbook task vs a plain boto3 loop.

Both prune a freshly seeded, identical history (the moto server is reset and reseeded in between) and make the
same calls: tag lookup, then per instance describe it, list its snapshots, delete all but the 7 newest days.
The playbook's time includes Ansible's start-up and one ledger record per deletion.

    python bench/bench_retention.py [--resources 50] [--days 30] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "demo"))

from fleet import clients, create_db_instance  # noqa: E402
from history import seed_daily_history  # noqa: E402
from moto_server import MotoServer  # noqa: E402
from timed_playbook import timed_playbook  # noqa: E402

KEEP = 7


def seed(server: MotoServer, resources: int, days: int) -> None:
    aws = clients(server.url)
    names = [f"bench-db-{i:04d}" for i in range(resources)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: create_db_instance(aws, name, {"backup": "bench"}), names))
    last = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
    seed_daily_history(server, [("rds", name, {}) for name in names], days, last)


def boto3_loop(url: str) -> int:
    """What a careful person writes by hand: sequential, the same calls, no ledger."""
    aws = clients(url)
    page = aws["resourcegroupstaggingapi"].get_resources(
        TagFilters=[{"Key": "backup", "Values": ["bench"]}], ResourceTypeFilters=["rds:db"]
    )
    deleted = 0
    for arn in [item["ResourceARN"] for item in page["ResourceTagMappingList"]]:
        name = arn.rsplit(":", 1)[-1]
        aws["rds"].describe_db_instances(DBInstanceIdentifier=name)
        snapshots = aws["rds"].describe_db_snapshots(DBInstanceIdentifier=name, SnapshotType="manual")["DBSnapshots"]
        ours = sorted((s for s in snapshots if s["DBSnapshotIdentifier"].startswith("steward-")), key=lambda s: s["SnapshotCreateTime"])
        for snapshot in ours[:-KEEP]:
            aws["rds"].delete_db_snapshot(DBSnapshotIdentifier=snapshot["DBSnapshotIdentifier"])
            deleted += 1
    return deleted


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    expected = args.resources * (args.days - KEEP)
    state = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    try:
        with MotoServer(log=state / "moto.log") as server:
            print(f"moto server on {server.url}; seeding {args.resources} RDS instances x {args.days} days ...", flush=True)
            seed(server, args.resources, args.days)
            started = time.perf_counter()
            loop_deleted = boto3_loop(server.url)
            loop_s = time.perf_counter() - started

            server.reset()
            seed(server, args.resources, args.days)
            play_s, summary = timed_playbook(HERE / "retention_fleet.yml", server.url, args.concurrency, state / "ledger")
    finally:
        shutil.rmtree(state, ignore_errors=True)
    if loop_deleted != expected or summary["deleted_backups"] != expected:
        raise SystemExit(f"expected {expected} deletions each way: loop {loop_deleted}, playbook {summary}")
    print(f"deletions                       : {expected} ({args.resources} RDS instances x {args.days - KEEP} expired snapshots)")
    print(f"plain boto3 loop (sequential)   : {loop_s:7.2f} s")
    print(f"ansible-playbook, one task      : {play_s:7.2f} s  (concurrency {args.concurrency}, start-up and ledger included)")
    print(f"ratio playbook / boto3 loop     : {play_s / loop_s:7.2f}x   (target: within 2x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
