"""Seed a realistic fleet into a moto server: the demo's, the tests' and the benchmark's.

Modelled on seed 002's network visualizer: a DynamoDB topology table with data, an S3 data bucket with
objects and its backup bucket, an RDS instance, an Aurora cluster, EBS volumes; some tagged for daily backup.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3

REGION = "us-east-1"


FLEET_SERVICES = ("dynamodb", "rds", "ec2", "s3", "resourcegroupstaggingapi")


def clients(url: str, region: str = REGION, services: tuple[str, ...] = FLEET_SERVICES) -> dict[str, Any]:
    """A client of each of ``services`` for the moto server at ``url``, by service name."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name=region)
    return {name: session.client(name, endpoint_url=url) for name in services}


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def create_table(aws: dict[str, Any], name: str, tags: dict[str, str], items: int = 0) -> str:
    table = aws["dynamodb"].create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "node_id", "KeyType": "HASH"}, {"AttributeName": "edge_id", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "node_id", "AttributeType": "S"},
            {"AttributeName": "edge_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
        Tags=tag_list(tags),
    )["TableDescription"]
    for start in range(0, items, 25):
        batch = [
            {
                "PutRequest": {
                    "Item": {
                        "node_id": {"S": f"node-{i // 10:04d}"},
                        "edge_id": {"S": f"edge-{i:05d}"},
                        "latency_ms": {"N": str(i % 97)},
                    }
                }
            }
            for i in range(start, min(start + 25, items))
        ]
        aws["dynamodb"].batch_write_item(RequestItems={name: batch})
    return table["TableArn"]


def create_db_instance(aws: dict[str, Any], name: str, tags: dict[str, str], cluster: str | None = None) -> str:
    kwargs: dict[str, Any] = {"DBInstanceIdentifier": name, "DBInstanceClass": "db.t3.micro", "Tags": tag_list(tags)}
    if cluster:
        kwargs.update(Engine="aurora-postgresql", DBClusterIdentifier=cluster)
    else:
        kwargs.update(
            Engine="postgres",
            EngineVersion="15.4",
            AllocatedStorage=20,
            MasterUsername="steward",
            MasterUserPassword="not-a-secret-1",
        )
    return aws["rds"].create_db_instance(**kwargs)["DBInstance"]["DBInstanceArn"]


def create_cluster(aws: dict[str, Any], name: str, tags: dict[str, str]) -> str:
    return aws["rds"].create_db_cluster(
        DBClusterIdentifier=name,
        Engine="aurora-postgresql",
        EngineVersion="15.4",
        MasterUsername="steward",
        MasterUserPassword="not-a-secret-1",
        Tags=tag_list(tags),
    )["DBCluster"]["DBClusterArn"]


def create_volume(aws: dict[str, Any], name: str, tags: dict[str, str]) -> str:
    volume = aws["ec2"].create_volume(
        AvailabilityZone=f"{REGION}a",
        Size=8,
        VolumeType="gp3",
        TagSpecifications=[{"ResourceType": "volume", "Tags": tag_list({"Name": name, **tags})}],
    )
    return volume["VolumeId"]


def create_bucket(aws: dict[str, Any], name: str, tags: dict[str, str], objects: dict[str, bytes] | None = None) -> None:
    aws["s3"].create_bucket(Bucket=name)
    if tags:
        aws["s3"].put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
    for key, body in (objects or {}).items():
        aws["s3"].put_object(Bucket=name, Key=key, Body=body)


def create_restore_network(aws: dict[str, Any], name: str = "steward-restore-tests") -> str:
    """An isolated VPC with a DB subnet group where restore tests put scratch databases (never production's)."""
    vpc = aws["ec2"].create_vpc(CidrBlock="10.250.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        aws["ec2"].create_subnet(VpcId=vpc, CidrBlock=f"10.250.{n}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for n, zone in ((1, "a"), (2, "b"))
    ]
    aws["rds"].create_db_subnet_group(DBSubnetGroupName=name, DBSubnetGroupDescription="restore tests only", SubnetIds=subnets)
    return name


def scratch_leftovers(aws: dict[str, Any]) -> list[str]:
    """Every restore-test scratch resource still in AWS, across the five services (demo and tests read it back)."""
    tables = [t for t in aws["dynamodb"].list_tables()["TableNames"] if t.startswith("steward-rt-")]
    instances = [i["DBInstanceIdentifier"] for i in aws["rds"].describe_db_instances()["DBInstances"]]
    clusters = [c["DBClusterIdentifier"] for c in aws["rds"].describe_db_clusters()["DBClusters"]]
    buckets = [b["Name"] for b in aws["s3"].list_buckets()["Buckets"]]
    volumes = aws["ec2"].describe_volumes(Filters=[{"Name": "tag:steward:restore-test", "Values": ["true"]}])["Volumes"]
    named = [name for name in instances + clusters + buckets if name.startswith("steward-rt-")]
    return tables + named + [volume["VolumeId"] for volume in volumes]


def seed_demo_fleet(url: str) -> list[tuple[str, str, dict[str, Any]]]:
    """The network visualizer's production fleet, plus neighbours that must not be touched."""
    aws = clients(url)
    daily = {"backup": "daily", "app": "network-visualizer", "env": "production"}
    create_table(aws, "network-visualizer-topology", daily, items=500)
    create_table(aws, "network-visualizer-sessions", daily, items=120)
    create_table(aws, "network-visualizer-audit", daily, items=60)
    create_table(aws, "scratchpad-dev", {"env": "dev"}, items=10)  # untagged for backup: must stay untouched
    create_db_instance(aws, "network-visualizer-db", daily)
    create_db_instance(aws, "network-visualizer-reporting", daily)
    create_cluster(aws, "network-visualizer-graph", daily)
    create_db_instance(aws, "network-visualizer-graph-1", daily, cluster="network-visualizer-graph")
    ingest = create_volume(aws, "network-visualizer-ingest", daily)
    cache = create_volume(aws, "network-visualizer-cache", daily)
    create_volume(aws, "build-runner-tmp", {"env": "dev"})
    objects = {f"topology/exports/{day:02d}.json": json.dumps({"day": day, "nodes": day * 11}).encode() for day in range(1, 21)}
    objects.update({f"assets/icons/icon-{n}.svg": f"<svg id='{n}'/>".encode() for n in range(15)})
    create_bucket(aws, "network-visualizer-data-production", daily, objects)
    create_bucket(aws, "network-visualizer-data-production-backup", {"app": "network-visualizer", "role": "backup"})
    create_restore_network(aws)  # where restore tests put scratch databases, away from production
    # What the daily play backs up, as (kind, id, options): the demo seeds a month of history for each.
    return [
        ("dynamodb", "network-visualizer-topology", {}),
        ("dynamodb", "network-visualizer-sessions", {}),
        ("dynamodb", "network-visualizer-audit", {}),
        ("rds", "network-visualizer-db", {}),
        ("rds", "network-visualizer-reporting", {}),
        ("aurora", "network-visualizer-graph", {}),
        ("ebs", ingest, {}),
        ("ebs", cache, {}),
        ("s3", "network-visualizer-data-production", {"backup_bucket": "network-visualizer-data-production-backup"}),
    ]


def seed_bench_fleet(url: str, per_kind: int, tag_value: str = "bench", workers: int = 8) -> None:
    """``per_kind`` DynamoDB tables, RDS instances and EBS volumes tagged ``backup=<tag_value>``."""
    aws = clients(url)
    tags = {"backup": tag_value}
    jobs = [(create_table, f"bench-table-{i:04d}") for i in range(per_kind)]
    jobs += [(create_db_instance, f"bench-db-{i:04d}") for i in range(per_kind)]
    jobs += [(create_volume, f"bench-volume-{i:04d}") for i in range(per_kind)]
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(lambda job: job[0](aws, job[1], tags), jobs))


PAZPAZ_SCHEMA = """
CREATE TABLE practitioners (id serial PRIMARY KEY, name text NOT NULL, specialty text);
CREATE TABLE clients (id serial PRIMARY KEY, practitioner_id int REFERENCES practitioners(id), name text, since date);
CREATE TABLE appointments (id bigserial PRIMARY KEY, client_id int REFERENCES clients(id), starts timestamptz, status text);
CREATE TABLE session_notes (id bigserial PRIMARY KEY, appointment_id bigint REFERENCES appointments(id), body text);
INSERT INTO practitioners (name, specialty) SELECT 'practitioner ' || g, (ARRAY['massage', 'physio', 'osteo'])[1 + g % 3]
  FROM generate_series(1, 12) g;
INSERT INTO clients (practitioner_id, name, since) SELECT 1 + g % 12, 'client ' || g, date '2024-01-01' + g FROM generate_series(1, 400) g;
INSERT INTO appointments (client_id, starts, status)
  SELECT 1 + g % 400, timestamptz '2026-01-05 09:00' + g * interval '90 minutes', (ARRAY['done', 'done', 'cancelled'])[1 + g % 3]
  FROM generate_series(1, 3000) g;
INSERT INTO session_notes (appointment_id, body) SELECT id, 'note for appointment ' || id FROM appointments WHERE status = 'done';
"""


def seed_demo_database(pg: Any, name: str = "pazpaz") -> str:
    """Seed 004's self-hosted PostgreSQL (PazPaz): practitioners, clients, appointments, session notes."""
    pg.psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    pg.psql(f'CREATE DATABASE "{name}"')
    pg.psql(PAZPAZ_SCHEMA, name)
    return name
