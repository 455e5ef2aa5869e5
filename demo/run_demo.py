"""`make demo`: a moto server on 127.0.0.1, a seeded fleet, the daily, weekly and monthly plays, a readable summary.

The second daily run is what an AWX retry (or tomorrow's run started too early) looks like: min_interval
skips every resource that already has a fresh steward backup, so nothing is created twice. The weekly play
restore-tests a random backup of every resource; the monthly play is the DR test against RTO/RPO tiers.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

from fleet import clients, scratch_leftovers, seed_demo_database, seed_demo_fleet  # noqa: E402
from history import seed_daily_history  # noqa: E402
from moto_server import MotoServer, aws_env  # noqa: E402
from pg_server import PgServer  # noqa: E402

STATE = ROOT / ".build" / "demo"
HISTORY_DAYS = 30


def run_play(url: str, ledger: Path, postgres: dict, title: str, playbook: str = "daily.yml") -> None:
    print(f"\n===== {title} =====", flush=True)
    env = {**os.environ, **aws_env(url), "ANSIBLE_STDOUT_CALLBACK": "default", "ANSIBLE_NOCOLOR": "1"}
    command = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i",
        str(HERE / "inventory.yml"),
        "-e",
        f"@{HERE / 'vars.yml'}",
        "-e",
        json.dumps({"steward_endpoint_url": url, "steward_ledger": str(ledger), "steward_postgres": postgres}),
        str(ROOT / "playbooks" / playbook),
    ]
    subprocess.run(command, env=env, check=True)


def summary(url: str, ledger: Path, dumps: Path, pg: PgServer) -> None:
    aws = clients(url)
    tables = aws["dynamodb"].list_tables()["TableNames"]
    dynamodb = [
        b
        for t in tables
        for b in aws["dynamodb"].list_backups(TableName=t)["BackupSummaries"]
        if b["TableName"] == t and b["BackupName"].startswith("steward-")
    ]
    rds = [s for s in aws["rds"].describe_db_snapshots()["DBSnapshots"] if s["DBSnapshotIdentifier"].startswith("steward-")]
    aurora = [
        s
        for s in aws["rds"].describe_db_cluster_snapshots()["DBClusterSnapshots"]
        if s["DBClusterSnapshotIdentifier"].startswith("steward-")
    ]
    ebs = aws["ec2"].describe_snapshots(OwnerIds=["self"], Filters=[{"Name": "tag:steward:managed", "Values": ["true"]}])["Snapshots"]
    listing = aws["s3"].list_objects_v2(Bucket="network-visualizer-data-production-backup").get("Contents", [])
    manifests = [o["Key"] for o in listing if "/manifests/" in o["Key"]]
    stored = [o for o in listing if "/objects/" in o["Key"]]
    records = sorted(ledger.rglob("*.json"))
    tests = [json.loads(path.read_text()) for path in ledger.rglob("restore_test/*.json")]
    verdicts = [test["verdict"] for test in tests if test.get("verdict")]
    scratch = scratch_leftovers(aws) + pg.scratch_databases()
    print("\n===== what is in AWS (read back through boto3) =====")
    print("  (each resource: 30 days of history + today's backup, kept by keep_daily 7, keep_weekly 4, keep_monthly 3,")
    print("   and the oldest backup while keep_monthly has count left: restic's oldest backup rule)")
    print(f"  DynamoDB on-demand backups by steward : {len(dynamodb):3}   (3 tagged tables; scratchpad-dev untouched)")
    print(f"  RDS snapshots by steward              : {len(rds):3}   (2 tagged instances; the Aurora member is skipped)")
    print(f"  Aurora cluster snapshots by steward   : {len(aurora):3}")
    print(f"  EBS snapshots by steward              : {len(ebs):3}   (2 tagged volumes; build-runner-tmp untouched)")
    print(f"  S3 backup manifests                   : {len(manifests):3}   ({len(stored)} stored objects, each body once)")
    print(f"  PostgreSQL dumps (pazpaz)             : {len(list(dumps.rglob('*.dump'))):3}   (each with per-table rows and checksums)")
    print(f"  Restore tests (weekly + monthly)      : {len(verdicts):3}   ({verdicts.count('passed')} passed, backups marked verified)")
    print(f"  Scratch resources left behind         : {len(scratch):3}   (AWS and PostgreSQL: each restore test deletes its own)")
    print(f"  Ledger records                        : {len(records):3}   under {ledger}")
    if records:
        newest = json.loads(records[-1].read_text())
        what = f"{newest['action']} {newest['kind']}/{newest['resource_id']} -> {newest['status']}"
        print(f"  e.g. {records[-1].relative_to(ledger)}: {what}")


def main() -> int:
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    ledger = STATE / "ledger"
    dumps = STATE / "dumps"
    with MotoServer(log=STATE / "moto.log") as server, PgServer() as pg:
        print(f"moto server on {server.url}, PostgreSQL {pg.psql('SHOW server_version')} on {pg.host}:{pg.port} (loopback only)")
        picks = seed_demo_fleet(server.url)
        seed_demo_database(pg)
        postgres = {**pg.connection, "dump_dir": str(dumps)}
        yesterday = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
        made = seed_daily_history(server, picks, HISTORY_DAYS, yesterday)
        print(f"seeded the network-visualizer fleet ({len(picks)} resources to back up), the pazpaz database, and {made} backdated")
        print(f"steward backups: one a day for {HISTORY_DAYS} days up to {yesterday:%Y-%m-%d %H:%M} UTC (server clock moved back)")
        run_play(server.url, ledger, postgres, "run 1: the nightly backup, then retention prunes the month-old history")
        run_play(server.url, ledger, postgres, "run 2: an AWX retry ten minutes later (min_interval skips, retention deletes nothing)")
        run_play(
            server.url, ledger, postgres, "weekly: restore a random backup of every resource into scratch, verify, clean up", "weekly.yml"
        )
        run_play(server.url, ledger, postgres, "monthly: the DR test, tier by tier against RTO and RPO", "monthly.yml")
        summary(server.url, ledger, dumps, pg)
    print("\nmoto server and PostgreSQL stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
