"""Reading a fleet in bulk: the API calls an action makes per resource, counted by operation, and what a batch
does with resources it does not find. moto in-process; the counts come from the client factory, which records
every operation sent."""

from __future__ import annotations

from collections import Counter

import pytest
from conftest import make_context
from fleet import clients, create_cluster, create_db_instance, create_table, create_volume

from ansible_collections.steward.maintenance.plugins.module_utils import _backup_action, _info_action, _retention_action
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS

FLEET = {"backup": "fleet"}
SIZE = 6
TARGETS = [{"kind": kind, "tags": FLEET} for kind in ("dynamodb", "rds", "aurora", "ebs")]


@pytest.fixture
def fleet(aws):
    api = clients(None)
    for n in range(SIZE):
        create_table(api, f"table-{n}", FLEET)
        create_db_instance(api, f"db-{n}", FLEET)
        create_cluster(api, f"cluster-{n}", FLEET)
        create_volume(api, f"volume-{n}", FLEET)
    return api


def common(**extra):
    return {"targets": TARGETS, "concurrency": 4, "retry_max_attempts": 3, **extra}


def backup(factory, clock):
    params = common(label="daily", min_interval=None, tags={}, wait=False, wait_timeout="1h", ledger=None)
    return _backup_action.run_backup(make_context(factory, clock), _backup_action.parse_request(params, BACKUP_KINDS), BACKUP_KINDS)


def test_a_fleet_backup_makes_about_one_call_per_resource(fleet, factory, clock):
    payload, failure = backup(factory, clock)
    assert failure is None and payload["summary"]["created"] == 4 * SIZE
    calls = Counter(factory.calls)
    # one tag lookup per kind, one batched describe and one batched listing per kind, then the creates
    assert calls["GetResources"] == 4
    assert (calls["DescribeDBInstances"], calls["DescribeDBClusters"], calls["DescribeVolumes"]) == (1, 1, 1)
    assert (calls["DescribeDBSnapshots"], calls["DescribeDBClusterSnapshots"], calls["DescribeSnapshots"], calls["ListBackups"]) == (
        1,
        1,
        1,
        1,
    )
    # DynamoDB describes one table per call; its evidence (item count, keys, indexes) is kept in the ledger
    assert calls["DescribeTable"] == SIZE
    creates = ("CreateBackup", "CreateDBSnapshot", "CreateDBClusterSnapshot", "CreateSnapshot")
    assert all(calls[name] == SIZE for name in creates)
    assert sum(calls.values()) == 4 + 7 + SIZE + 4 * SIZE


def test_reading_backups_only_skips_the_describe_a_tag_lookup_makes_needless(fleet, factory, clock):
    backup(factory, clock)
    factory.calls.clear()
    params = common(rpo="1d", max_backups=1, fail_on_rpo_miss=False)
    payload, failure = _info_action.run_backup_info(
        make_context(factory, clock), _info_action.parse_request(params, BACKUP_KINDS), BACKUP_KINDS
    )
    assert failure is None and {r["status"] for r in payload["resources"]} == {"ok"}
    calls = Counter(factory.calls)
    assert calls["DescribeTable"] == 0 and calls["DescribeVolumes"] == 0
    assert sum(calls.values()) == 4 + 2 + 4  # tag lookups, RDS and Aurora describes (membership), one listing per kind

    factory.calls.clear()
    params = common(keep_last=1, min_keep=1, timezone="UTC", force=False, ledger=None)
    request = _retention_action.parse_request(params, BACKUP_KINDS)
    payload, failure = _retention_action.run_retention(make_context(factory, clock), request, BACKUP_KINDS)
    assert failure is None and payload["summary"]["unchanged"] == 4 * SIZE
    assert sum(Counter(factory.calls).values()) == 4 + 2 + 4


def test_a_batch_reports_a_missing_resource_as_its_own_and_serves_the_others(fleet, factory, clock):
    targets = [
        {"kind": "rds", "names": ["db-0", "no-such-db", "db-1"]},
        {"kind": "aurora", "names": ["cluster-0", "no-such-cluster"]},
        {"kind": "ebs", "names": ["vol-0123456789abcdef0"]},
    ]
    params = {**common(label="daily", min_interval=None, tags={}, wait=False, wait_timeout="1h", ledger=None), "targets": targets}
    payload, failure = _backup_action.run_backup(
        make_context(factory, clock), _backup_action.parse_request(params, BACKUP_KINDS), BACKUP_KINDS
    )
    statuses = {r["id"]: (r["status"], r["error_code"]) for r in payload["resources"]}
    assert statuses == {
        "db-0": ("created", None),
        "db-1": ("created", None),
        "no-such-db": ("failed", "not_found"),
        "cluster-0": ("created", None),
        "no-such-cluster": ("failed", "not_found"),
        "vol-0123456789abcdef0": ("failed", "not_found"),
    }
    assert "no-such-db" in failure and "does not exist" in failure
    assert Counter(factory.calls)["DescribeDBInstances"] == 1
