"""`make demo`: a moto server on 127.0.0.1, a seeded fleet, the daily, weekly and monthly plays, a pre-deploy
checkpoint, a bad release and the rollback that undoes it, and a readable summary.

The second daily run is what an AWX retry (or tomorrow's run started too early) looks like: min_interval
skips every resource that already has a fresh steward backup, so nothing is created twice. The weekly play
restore-tests a random backup of every resource; the monthly play is the DR test against RTO/RPO tiers. Then
pre_deploy.yml records what the ECS backend and the Lambda API run and backs up their data stores, a bad release
goes out (a new revision, a new version with weighted routing, an alarm in ALARM), the alarm is cleared and
rollback.yml goes back to the checkpoint, gated on the alarms and an HTTP health page on 127.0.0.1.
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

from credentials import APP_ROLE, Seeded, seed_demo_credentials  # noqa: E402
from deployables import Endpoint, HealthEndpoint, bad_release, live_state, seed_demo_deployables  # noqa: E402
from fleet import clients, scratch_leftovers, seed_demo_database, seed_demo_fleet  # noqa: E402
from history import seed_daily_history  # noqa: E402
from moto_server import MotoServer, aws_env  # noqa: E402
from pg_server import PgServer  # noqa: E402

STATE = ROOT / ".build" / "demo"
HISTORY_DAYS = 30


HEALTH_URL: dict[str, str] = {}  # the demo's health page, for the morning check of every play


def run_play(url: str, ledger: Path, postgres: dict, title: str, playbook: str = "daily.yml", extra: dict | None = None) -> None:
    print(f"\n===== {title} =====", flush=True)
    report = STATE / "report" / Path(playbook).stem
    env = {
        **os.environ,
        **aws_env(url),
        "ANSIBLE_STDOUT_CALLBACK": "default",
        "ANSIBLE_NOCOLOR": "1",
        # The run report (report.html, .md, .json, junit.xml) of each play, as AWX or a CI job would keep it.
        "ANSIBLE_CALLBACKS_ENABLED": "steward.maintenance.report",
        "STEWARD_REPORT_DIR": str(report),
    }
    command = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i",
        str(HERE / "inventory.yml"),
        "-e",
        f"@{HERE / 'vars.yml'}",
        "-e",
        json.dumps(
            {"steward_endpoint_url": url, "steward_ledger": str(ledger), "steward_postgres": postgres, **HEALTH_URL, **(extra or {})}
        ),
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


def rollback_summary(url: str, ledger: Path) -> None:
    print("\n===== the rollback (from the ledger) =====")
    for path in sorted(ledger.rglob("rollback/*.json")):
        record = json.loads(path.read_text())
        before, after, target = record["before"] or {}, record["after"] or {}, record["target"] or {}
        print(f"  {record['kind']} {record['resource_id']}: {record['status']}")
        print(f"    before  : {_version(before)}   weights {before.get('weights') or {}}")
        print(f"    target  : {target.get('display')}   ({target.get('source')})")
        print(f"    after   : {_version(after)}   weights {after.get('weights') or {}}")
        for gate in record.get("gates") or []:
            print(f"    gate    : {gate['gate']:6} {gate['result']:6} {gate['detail']}")
    service, version, weights = live_state(Endpoint(url))
    print(f"  live now: pazpaz-backend {service.rsplit('/', 1)[-1]}, network-visualizer-api:live -> version {version} {weights or ''}")


def rotation_summary(url: str, ledger: Path, pg: PgServer, seeded: Seeded) -> None:
    """What rotated, read back from AWS, the ledger and the database; values are used, never printed."""
    import psycopg

    aws = Endpoint(url)
    print("\n===== rotation (version ids, key ids and ages only: no value is ever shown) =====")
    for path in sorted(ledger.rglob("secret_rotation/*.json")):
        record = json.loads(path.read_text())
        versions = f"{record['previous_version']} -> {record['new_version']}"
        print(f"  secret {record['resource_id']}: {record['status']} by {record['method']}, {versions}")
    for user in seeded.users:
        found = aws.client("iam").list_access_keys(UserName=user)["AccessKeyMetadata"]
        print(
            f"  iam user {user}: "
            + ", ".join(f"{key['AccessKeyId']} {key['Status']} (created {key['CreateDate']:%Y-%m-%d})" for key in found)
        )
    current = json.loads(
        aws.client("secretsmanager").get_secret_value(SecretId="pazpaz/database", VersionStage="AWSCURRENT")["SecretString"]
    )

    def opens(password: str) -> bool:
        try:
            psycopg.connect(host=pg.host, port=pg.port, user=APP_ROLE, password=password, dbname="pazpaz", sslmode="disable").close()
        except psycopg.OperationalError:
            return False
        return True

    print(
        f"  database pazpaz as {APP_ROLE}: new password (from Secrets Manager) opens it: {opens(current['password'])};"
        f" the old one opens it: {opens(seeded.old_database_password)}"
    )
    groups = aws.client("logs").describe_log_groups()["logGroups"]
    print("  log groups: " + ", ".join(f"{group['logGroupName']} {group.get('retentionInDays', 'never expires')}" for group in groups))


def _version(state: dict) -> str:
    version = str(state.get("version", "?"))
    return version.rsplit("/", 1)[-1] if version.startswith("arn:") else f"version {version}"  # a task definition ARN


def main() -> int:
    shutil.rmtree(STATE, ignore_errors=True)
    STATE.mkdir(parents=True)
    ledger = STATE / "ledger"
    dumps = STATE / "dumps"
    with MotoServer(log=STATE / "moto.log") as server, PgServer() as pg, HealthEndpoint() as health:
        HEALTH_URL["steward_health_url"] = health.url
        print(f"moto server on {server.url}, PostgreSQL {pg.psql('SHOW server_version')} on {pg.host}:{pg.port} (loopback only)")
        picks = seed_demo_fleet(server.url)
        seed_demo_database(pg)
        postgres = {**pg.connection, "dump_dir": str(dumps)}
        yesterday = datetime.now(timezone.utc).replace(hour=2, minute=0, second=0, microsecond=0) - timedelta(days=1)
        made = seed_daily_history(server, picks, HISTORY_DAYS, yesterday)
        seeded = seed_demo_credentials(server, pg)
        seed_demo_deployables(server.url)
        print(f"seeded the network-visualizer fleet ({len(picks)} resources to back up), the pazpaz database, and {made} backdated")
        print(f"steward backups: one a day for {HISTORY_DAYS} days up to {yesterday:%Y-%m-%d %H:%M} UTC (server clock moved back)")
        run_play(server.url, ledger, postgres, "run 1: the nightly backup, then retention prunes the month-old history")
        run_play(server.url, ledger, postgres, "run 2: an AWX retry ten minutes later (min_interval skips, retention deletes nothing)")
        run_play(
            server.url, ledger, postgres, "weekly: restore a random backup of every resource into scratch, verify, clean up", "weekly.yml"
        )
        run_play(server.url, ledger, postgres, "monthly: the DR test, tier by tier against RTO and RPO", "monthly.yml")
        run_play(
            server.url, ledger, postgres, "pre-deploy: checkpoint the backend and the API, back up their data stores", "pre_deploy.yml"
        )
        bad_release(Endpoint(server.url), alarm="pazpaz-prod-5xx")
        service, version, weights = live_state(Endpoint(server.url))
        print(
            f"\n===== a bad release: pazpaz-backend {service.rsplit('/', 1)[-1]}, api live -> {version} {weights}, pazpaz-prod-5xx in ALARM"
        )
        Endpoint(server.url).client("cloudwatch").set_alarm_state(AlarmName="pazpaz-prod-5xx", StateValue="OK", StateReason="cleared")
        gates = {"bake_time": "5s", "alarms": {"prefix": "pazpaz-prod-"}, "http": [{"url": health.url, "body_regex": '"status": "ok"'}]}
        run_play(
            server.url,
            ledger,
            postgres,
            "rollback: back to the pre-deploy checkpoint, gated on alarms and the health page",
            "rollback.yml",
            {"steward_rollback_gates": gates},
        )
        run_play(server.url, ledger, postgres, "quarterly: rotate secrets and access keys older than 90 days", "quarterly.yml")
        summary(server.url, ledger, dumps, pg)
        rollback_summary(server.url, ledger)
        rotation_summary(server.url, ledger, pg, seeded)
    print(f"\nreports of every play (report.html, report.md, report.json, junit.xml): {STATE / 'report'}/<playbook>/")
    print(f"  e.g. the daily run's: {STATE / 'report' / 'daily' / 'report.html'}")
    print("\nmoto server and PostgreSQL stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
