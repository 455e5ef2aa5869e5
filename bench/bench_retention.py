"""Time pruning N RDS instances x 30 days of daily snapshots to 7 dailies: one playbook task vs an 8-thread boto3 loop.

The loop is the floor: one tag lookup, one listing of the snapshots, then only the deletions, 8 at a time, no
ledger. The playbook does everything ``backup_retention`` does (batched reads, the policy engine with its guards,
one ledger record per deletion, Ansible's start-up). Both prune a freshly seeded, identical history (the moto
server is reset and reseeded in between), at two fleet sizes so that the marginal cost of one more resource can be
compared too. The server counts every API call it answers, by operation.

    python bench/bench_retention.py [--resources 50] [--days 30] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "demo"))

from fleet import clients, create_db_instance  # noqa: E402
from history import seed_daily_history  # noqa: E402
from moto_server import MotoServer  # noqa: E402
from timed_playbook import calls_per_resource, marginal, side_by_side  # noqa: E402

KEEP = 7


def seed(server: MotoServer, resources: int, days: int) -> None:
    aws = clients(server.url)
    names = [f"bench-db-{i:04d}" for i in range(resources)]
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda name: create_db_instance(aws, name, {"backup": "bench"}), names))
    last = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
    seed_daily_history(server, [("rds", name, {}) for name in names], days, last)


def boto3_loop(url: str, threads: int = 8) -> int:
    """The floor: one tag lookup, one paginated listing, then only the deletions, ``threads`` at a time, no ledger."""
    aws = clients(url)
    tagged = aws["resourcegroupstaggingapi"].get_paginator("get_resources")
    pages = tagged.paginate(TagFilters=[{"Key": "backup", "Values": ["bench"]}], ResourceTypeFilters=["rds:db"])
    names = {item["ResourceARN"].rsplit(":", 1)[-1] for page in pages for item in page["ResourceTagMappingList"]}
    by_instance: dict[str, list[dict]] = {}
    for page in aws["rds"].get_paginator("describe_db_snapshots").paginate(SnapshotType="manual"):
        for snapshot in page["DBSnapshots"]:
            if snapshot["DBInstanceIdentifier"] in names and snapshot["DBSnapshotIdentifier"].startswith("steward-"):
                by_instance.setdefault(snapshot["DBInstanceIdentifier"], []).append(snapshot)
    doomed = [
        snapshot["DBSnapshotIdentifier"]
        for snapshots in by_instance.values()
        for snapshot in sorted(snapshots, key=lambda s: s["SnapshotCreateTime"])[:-KEEP]
    ]
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(lambda name: aws["rds"].delete_db_snapshot(DBSnapshotIdentifier=name), doomed))
    return len(doomed)


def measure(resources: int, days: int, concurrency: int, state: Path, repeat: int) -> dict:
    """One fleet size: the loop, then the playbook, each on a fresh server; times, call counts, a check of the outcome."""
    expected = resources * (days - KEEP)
    measured = side_by_side(
        lambda server: seed(server, resources, days),
        lambda url: boto3_loop(url, concurrency),
        HERE / "retention_fleet.yml",
        concurrency,
        state / f"ledger-{resources}",
        state / "moto.log",
        repeat,
    )
    if measured["loop_done"] != expected or measured["summary"]["deleted_backups"] != expected:
        raise SystemExit(f"expected {expected} deletions each way: loop {measured['loop_done']}, playbook {measured['summary']}")
    return {"resources": resources, "deleted": expected, **measured}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--resources", type=int, default=50)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=3, help="runs of each side per fleet size; times are medians")
    args = parser.parse_args()
    state = Path(tempfile.mkdtemp(prefix="steward-bench-"))
    try:
        print(
            f"a fresh moto server on 127.0.0.1 per run; {args.resources // 2} and {args.resources} RDS instances x {args.days} days",
            flush=True,
        )
        small = measure(args.resources // 2, args.days, args.concurrency, state, args.repeat)
        large = measure(args.resources, args.days, args.concurrency, state, args.repeat)
    finally:
        shutil.rmtree(state, ignore_errors=True)
    loop_marginal = marginal((small["resources"], small["loop_s"]), (large["resources"], large["loop_s"]))
    play_marginal = marginal((small["resources"], small["play_s"]), (large["resources"], large["play_s"]))
    print(f"deletions                       : {large['deleted']} ({args.resources} RDS instances x {args.days - KEEP} expired snapshots)")
    print(f"boto3 loop, {args.concurrency} threads, delete only : {large['loop_s']:7.2f} s")
    print(f"ansible-playbook, one task      : {large['play_s']:7.2f} s  (concurrency {args.concurrency}, start-up and ledger included)")
    print(f"ratio playbook / loop           : {large['play_s'] / large['loop_s']:7.2f}x   (goal: within 1.5x)")
    sizes = f"{small['resources']}- and {args.resources}-instance runs"
    print(f"marginal cost of a resource     : loop {1000 * loop_marginal:.1f} ms, playbook {1000 * play_marginal:.1f} ms: "
          f"{play_marginal / loop_marginal:.2f}x   (goal: within 1.2x; from the {sizes})")  # fmt: skip
    print(f"API calls, loop                 : {calls_per_resource(large['loop_calls'], args.resources)}")
    print(f"API calls, playbook             : {calls_per_resource(large['play_calls'], args.resources)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
