from __future__ import annotations

import pytest
from conftest import make_context
from fleet import clients, create_db_instance, create_table, create_volume

from ansible_collections.steward.maintenance.plugins.module_utils._backup_action import parse_request as parse_backup
from ansible_collections.steward.maintenance.plugins.module_utils._backup_action import run_backup
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._info_action import parse_request, run_backup_info
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS

TARGETS = [{"kind": "dynamodb", "names": ["orders", "users", "missing"]}, {"kind": "ebs", "tags": {"backup": "daily"}}]


def info_request(**overrides):
    params = {"targets": TARGETS, "rpo": "26h", "max_backups": 10, "fail_on_rpo_miss": False, "concurrency": 4, "retry_max_attempts": 3}
    params.update(overrides)
    return parse_request(params, BACKUP_KINDS)


@pytest.fixture
def fleet(aws):
    api = clients(None)
    create_table(api, "orders", {})
    create_table(api, "users", {})
    create_volume(api, "ingest", {"backup": "daily"})
    create_db_instance(api, "orders-db", {})
    api["dynamodb"].create_backup(TableName="users", BackupName="manual-backup-20261101")  # made by hand, not steward's
    return api


def test_reports_age_rpo_and_who_made_each_backup(fleet, factory, clock):
    backup_params = {
        "targets": [{"kind": "dynamodb", "names": ["orders"]}, {"kind": "ebs", "tags": {"backup": "daily"}}],
        "label": "daily",
        "min_interval": None,
        "tags": {},
        "wait": False,
        "wait_timeout": "1h",
        "concurrency": 2,
        "retry_max_attempts": 3,
        "ledger": None,
    }
    run_backup(make_context(factory, clock), parse_backup(backup_params, BACKUP_KINDS), BACKUP_KINDS)
    clock.advance(30 * 3600)  # a day and six hours later the backups miss a 26h RPO
    payload, failure = run_backup_info(make_context(factory, clock), info_request(), BACKUP_KINDS)
    by_id = {r["id"]: r for r in payload["resources"]}
    assert by_id["orders"]["status"] == "rpo_missed" and by_id["orders"]["rpo_met"] is False
    assert 30 * 3600 - 60 <= by_id["orders"]["newest_age_s"] <= 30 * 3600  # made moments after the clock was read
    assert by_id["orders"]["newest_managed_backup"]["name"].startswith("steward-orders-daily-")
    users = by_id["users"]
    assert users["managed_count"] == 0 and users["backup_count"] == 1
    assert users["backups"][0]["managed"] is False and users["backups"][0]["name"] == "manual-backup-20261101"
    assert users["newest_managed_backup"] is None
    assert by_id["missing"]["status"] == "failed" and by_id["missing"]["error_code"] == "not_found"
    ebs = next(r for r in payload["resources"] if r["kind"] == "ebs")
    assert ebs["status"] == "rpo_missed" and ebs["managed_count"] == 1
    assert payload["changed"] is False
    assert failure is not None and "dynamodb/missing" in failure  # the unreadable one fails the task, after the rest
    assert factory.mutating_calls.count("CreateBackup") == 1 and factory.mutating_calls.count("CreateSnapshot") == 1


def test_within_rpo_is_ok_and_fail_on_rpo_miss_names_the_laggards(fleet, factory, clock):
    targets = [{"kind": "dynamodb", "names": ["users"]}, {"kind": "rds", "names": ["orders-db"]}]
    payload, failure = run_backup_info(make_context(factory, clock), info_request(targets=targets, fail_on_rpo_miss=True), BACKUP_KINDS)
    statuses = {r["id"]: r["status"] for r in payload["resources"]}
    assert statuses["users"] == "ok"
    # moto gives every instance an automated snapshot: RDS's own backups count toward the RPO too.
    assert statuses["orders-db"] == "ok"
    assert failure is None
    clock.advance(27 * 3600)
    payload, failure = run_backup_info(make_context(factory, clock), info_request(targets=targets, fail_on_rpo_miss=True), BACKUP_KINDS)
    assert failure == "RPO 1d2h missed by 2 resources: dynamodb/users, rds/orders-db"


def test_no_backups_and_max_backups(fleet, factory, clock):
    request = info_request(targets=[{"kind": "dynamodb", "names": ["orders"]}], max_backups=0)
    payload = run_backup_info(make_context(factory, clock), request, BACKUP_KINDS)[0]
    assert payload["resources"][0]["status"] == "no_backups" and payload["resources"][0]["backups"] == []


@pytest.mark.parametrize(("override", "option"), [({"rpo": "soon"}, "rpo"), ({"max_backups": -1}, "max_backups")])
def test_bad_input(override, option):
    with pytest.raises(OptionError) as caught:
        info_request(**override)
    assert caught.value.option == option
