"""The floor of each benchmark scenario: an 8-thread boto3 loop that makes only the calls the job needs, no evidence.

Run as its own process by bench/bench_all.py (so that its wall time includes Python's start-up as the playbook's
includes Ansible's, and its peak memory is measured the same way):

    python bench/floors.py <scenario> <moto url> [--threads 8]

prints ``{"done": <backups made, deleted, restores verified, services rolled back, secrets rotated>}``.
"""

from __future__ import annotations

import argparse
import json
import secrets
import sys
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "demo"))
sys.path.insert(0, str(HERE))

from fleet import clients  # noqa: E402

# The daily cadence's retention (backup_retention's role defaults): keep_daily 7, keep_weekly 4, keep_monthly 3.
CALENDAR = ((7, "%Y-%j"), (4, "%G-%V"), (3, "%Y-%m"))
SCRATCH = "steward-rt-floor-"
NETWORK = "steward-restore-tests"
MANAGED = [{"Name": "tag-key", "Values": ["steward:managed"]}]


def tagged(aws: dict[str, Any], resource_type: str) -> list[str]:
    """The ARNs of the resources of one type tagged backup=bench: one paginated sweep of the tagging API."""
    pages = (
        aws["resourcegroupstaggingapi"]
        .get_paginator("get_resources")
        .paginate(TagFilters=[{"Key": "backup", "Values": ["bench"]}], ResourceTypeFilters=[resource_type])
    )
    return [item["ResourceARN"] for page in pages for item in page["ResourceTagMappingList"]]


def last_part(arn: str) -> str:
    return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]


def in_parallel(threads: int, work: Callable[[Any], Any], items: list[Any]) -> list[Any]:
    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(work, items))


def backup_floor(url: str, threads: int) -> int:
    """bench_backup.py's floor. Imported when used: each floor's peak memory holds only what it needs."""
    from bench_backup import boto3_loop

    return boto3_loop(url, threads)


def prune_floor(url: str, threads: int) -> int:
    """bench_retention.py's floor (that module seeds through the collection's adapters: imported only for this one)."""
    from bench_retention import boto3_loop

    return boto3_loop(url, threads)


def restore_floor(url: str, threads: int) -> int:
    """Restore the newest backup of each tagged table, instance and volume into a scratch copy, check it is there
    (a table's item count against its backup's), delete it. One listing sweep per kind, then three or four calls a
    resource: restore, describe (moto is ready at once; AWS would poll), count (tables), delete."""
    aws = clients(url)
    ddb, rds, ec2 = aws["dynamodb"], aws["rds"], aws["ec2"]
    tables = {last_part(arn) for arn in tagged(aws, "dynamodb:table")}
    instances = {last_part(arn) for arn in tagged(aws, "rds:db")}
    volumes = {last_part(arn) for arn in tagged(aws, "ec2:volume")}
    newest: dict[tuple[str, str], Any] = {}

    def keep_newest(kind: str, source: str, when: datetime, backup: Any) -> None:
        if (kind, source) not in newest or when > newest[(kind, source)][0]:
            newest[(kind, source)] = (when, backup)

    for backup in ddb.list_backups(BackupType="USER")["BackupSummaries"]:
        if backup["TableName"] in tables:
            keep_newest("dynamodb", backup["TableName"], backup["BackupCreationDateTime"], backup["BackupArn"])
    for page in rds.get_paginator("describe_db_snapshots").paginate(SnapshotType="manual"):
        for snapshot in page["DBSnapshots"]:
            if snapshot["DBInstanceIdentifier"] in instances:
                keep_newest("rds", snapshot["DBInstanceIdentifier"], snapshot["SnapshotCreateTime"], snapshot["DBSnapshotIdentifier"])
    for page in ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], Filters=MANAGED):
        for snapshot in page["Snapshots"]:
            if snapshot["VolumeId"] in volumes:
                keep_newest("ebs", snapshot["VolumeId"], snapshot["StartTime"], snapshot["SnapshotId"])

    def test(job: tuple[tuple[str, str], tuple[datetime, str]]) -> bool:
        (kind, source), (_when, backup) = job
        scratch = f"{SCRATCH}{source}"[:60]
        if kind == "dynamodb":
            ddb.restore_table_from_backup(TargetTableName=scratch, BackupArn=backup)
            expected = ddb.describe_table(TableName=scratch)["Table"].get("ItemCount", 0)
            counted = ddb.scan(TableName=scratch, Select="COUNT")["Count"]
            ddb.delete_table(TableName=scratch)
            return counted == expected
        if kind == "rds":
            rds.restore_db_instance_from_db_snapshot(
                DBInstanceIdentifier=scratch, DBSnapshotIdentifier=backup, DBSubnetGroupName=NETWORK, PubliclyAccessible=False
            )
            ready = rds.describe_db_instances(DBInstanceIdentifier=scratch)["DBInstances"][0]["DBInstanceStatus"] == "available"
            rds.delete_db_instance(DBInstanceIdentifier=scratch, SkipFinalSnapshot=True, DeleteAutomatedBackups=True)
            return ready
        volume = ec2.create_volume(SnapshotId=backup, AvailabilityZone="us-east-1a")["VolumeId"]
        ready = ec2.describe_volumes(VolumeIds=[volume])["Volumes"][0]["State"] == "available"
        ec2.delete_volume(VolumeId=volume)
        return ready

    return sum(in_parallel(threads, test, list(newest.items())))


def daily_floor(url: str, threads: int) -> int:
    """The daily cadence's essential calls: the tag lookups, a backup of each resource, one listing sweep of each
    kind's backups, and the deletion of those the calendar policy does not keep — no health probes, log
    retention, freshness report or evidence. Returns backups made plus deleted."""
    made = backup_floor(url, threads)
    aws = clients(url)
    ddb, rds, ec2 = aws["dynamodb"], aws["rds"], aws["ec2"]
    by_source: dict[tuple[str, str], list[tuple[datetime, Callable[[], Any]]]] = {}
    for backup in ddb.list_backups(BackupType="USER")["BackupSummaries"]:
        if backup["BackupName"].startswith("steward-"):
            arn = backup["BackupArn"]
            by_source.setdefault(("dynamodb", backup["TableName"]), []).append(
                (backup["BackupCreationDateTime"], lambda arn=arn: ddb.delete_backup(BackupArn=arn))
            )
    for page in rds.get_paginator("describe_db_snapshots").paginate(SnapshotType="manual"):
        for snapshot in page["DBSnapshots"]:
            if snapshot["DBSnapshotIdentifier"].startswith("steward-"):
                name = snapshot["DBSnapshotIdentifier"]
                by_source.setdefault(("rds", snapshot["DBInstanceIdentifier"]), []).append(
                    (snapshot["SnapshotCreateTime"], lambda name=name: rds.delete_db_snapshot(DBSnapshotIdentifier=name))
                )
    for page in ec2.get_paginator("describe_snapshots").paginate(OwnerIds=["self"], Filters=MANAGED):
        for snapshot in page["Snapshots"]:
            ident = snapshot["SnapshotId"]
            by_source.setdefault(("ebs", snapshot["VolumeId"]), []).append(
                (snapshot["StartTime"], lambda ident=ident: ec2.delete_snapshot(SnapshotId=ident))
            )
    doomed = []
    for backups in by_source.values():
        newest_first = sorted(backups, key=lambda item: item[0], reverse=True)
        keep = kept([when for when, _delete in newest_first])
        doomed += [delete for index, (_when, delete) in enumerate(newest_first) if index not in keep]
    in_parallel(threads, lambda delete: delete(), doomed)
    return made + len(doomed)


def kept(newest_first: list[datetime]) -> set[int]:
    """restic's calendar rules: for each, the newest backup of each of the last ``count`` periods (UTC); a rule with
    count left after the oldest backup also keeps the oldest (restic 0.16's oldest-snapshot rule)."""
    keep: set[int] = set()
    for count, period in CALENDAR:
        seen: list[str] = []
        for index, when in enumerate(newest_first):
            key = when.astimezone(timezone.utc).strftime(period)
            if len(seen) < count and key not in seen:
                seen.append(key)
                keep.add(index)
        if len(seen) < count and newest_first:
            keep.add(len(newest_first) - 1)
    return keep


def rollback_floor(url: str, threads: int) -> int:
    """Each tagged ECS service back to its previous task definition revision: one describe per ten services to read
    the revision running, the updates, one describe per ten to see each steady (moto settles at once)."""
    aws = clients(url, services=("ecs", "resourcegroupstaggingapi"))
    ecs = aws["ecs"]
    arns = tagged(aws, "ecs:service")
    by_cluster: dict[str, list[str]] = {}
    for arn in arns:
        cluster, service = arn.split(":service/", 1)[1].split("/", 1)
        by_cluster.setdefault(cluster, []).append(service)
    batches = [(cluster, names[i : i + 10]) for cluster, names in by_cluster.items() for i in range(0, len(names), 10)]
    running = [service for cluster, names in batches for service in ecs.describe_services(cluster=cluster, services=names)["services"]]

    def roll_back(service: dict[str, Any]) -> None:
        family, revision = service["taskDefinition"].rsplit("/", 1)[1].rsplit(":", 1)
        ecs.update_service(cluster=service["clusterArn"], service=service["serviceName"], taskDefinition=f"{family}:{int(revision) - 1}")

    in_parallel(threads, roll_back, running)
    steady = 0
    for cluster, names in batches:
        for service in ecs.describe_services(cluster=cluster, services=names)["services"]:
            primary = [d for d in service["deployments"] if d["status"] == "PRIMARY"]
            steady += bool(primary and primary[0].get("rolloutState") == "COMPLETED" and service["runningCount"] == service["desiredCount"])
    return steady


def rotation_floor(url: str, threads: int) -> int:
    """Every bench/ secret gets a new random value as its AWSCURRENT version: one listing, then one PutSecretValue a
    secret (AWS moves AWSCURRENT to it and AWSPREVIOUS to the old one). No pending stage, no check of the value, no
    age check: the least a rotation can be."""
    secretsmanager = clients(url, services=("secretsmanager",))["secretsmanager"]
    names = [
        secret["Name"]
        for page in secretsmanager.get_paginator("list_secrets").paginate(Filters=[{"Key": "name", "Values": ["bench/"]}])
        for secret in page["SecretList"]
    ]

    def rotate(name: str) -> None:
        secretsmanager.put_secret_value(SecretId=name, SecretString=secrets.token_urlsafe(24), ClientRequestToken=str(uuid.uuid4()))

    in_parallel(threads, rotate, names)
    return len(names)


FLOORS: dict[str, Callable[[str, int], int]] = {
    "backup": backup_floor,
    "prune": prune_floor,
    "restore": restore_floor,
    "daily": daily_floor,
    "rollback": rollback_floor,
    "rotation": rotation_floor,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", choices=sorted(FLOORS))
    parser.add_argument("url")
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    print(json.dumps({"done": FLOORS[args.scenario](args.url, args.threads)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
