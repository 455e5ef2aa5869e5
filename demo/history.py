"""Seed backdated backup histories on a moto_timewarp server, through the collection's own kind adapters.

Each day's backups are made with the server's clock moved to that day, so every service reports them as
made then, and they are named and tagged exactly as ``steward.maintenance.backup`` names and tags them.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
from fleet import clients, seed_bench_fleet

_COLLECTIONS = Path(__file__).resolve().parents[1] / ".build" / "collections"
if str(_COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(_COLLECTIONS))

from ansible_collections.steward.maintenance.plugins.module_utils._clients import factory_from_session  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._naming import backup_name, managed_tags  # noqa: E402
from ansible_collections.steward.maintenance.plugins.module_utils._targets import validate_kind_options  # noqa: E402


def seed_daily_history(
    server: Any, picks: list[tuple[str, str, dict[str, Any]]], days: int, last: datetime, label: str = "daily", workers: int = 8
) -> int:
    """One steward backup a day for ``days`` days, the last at ``last``, of each (kind, id, options) in ``picks``."""
    session = boto3.session.Session(aws_access_key_id="testing", aws_secret_access_key="testing", region_name="us-east-1")
    factory = factory_from_session(session, server.url, concurrency=workers)
    adapters = {name: kind(factory) for name, kind in BACKUP_KINDS.items()}
    resources = []
    for kind, resource_id, options in picks:
        full = validate_kind_options("seed", kind, options, adapters[kind].option_spec)
        resources.append(adapters[kind].describe(Selected(kind, resource_id, None, full, "seed")))
    made = 0
    try:
        for age in range(days - 1, -1, -1):
            moment = last - timedelta(days=age)
            server.travel(moment)

            def make(resource: Any, moment: datetime = moment) -> None:
                adapter = adapters[resource.kind]
                name = backup_name(resource.id, label, moment, strict=adapter.strict_names)
                adapter.create_backup(resource, name, managed_tags(resource.arn or resource.id, label, moment), moment)

            for outcome in fan_out(resources, make, workers):
                if not outcome.ok:
                    raise RuntimeError(f"seeding {outcome.item.key} on {moment:%Y-%m-%d} failed: {outcome.error}")
                made += 1
    finally:
        server.travel(None)
    return made


def seed_bench_history(server: Any, per_kind: int, days: int) -> list[tuple[str, str, dict[str, Any]]]:
    """``seed_bench_fleet``'s tables, instances and volumes, each with ``days`` dailies, the last at 02:00 UTC yesterday;
    returns the (kind, id, options) of each resource."""
    seed_bench_fleet(server.url, per_kind)
    api = clients(server.url)
    picks = [("dynamodb", name, {}) for name in api["dynamodb"].list_tables()["TableNames"]]
    picks += [("rds", item["DBInstanceIdentifier"], {}) for item in api["rds"].describe_db_instances()["DBInstances"]]
    picks += [("ebs", item["VolumeId"], {}) for item in api["ec2"].describe_volumes()["Volumes"]]
    last = (datetime.now(timezone.utc) - timedelta(days=1)).replace(hour=2, minute=0, second=0, microsecond=0)
    seed_daily_history(server, picks, days, last)
    return picks
