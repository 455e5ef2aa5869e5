"""Labels, exact for every kind, and what depends on them: min_interval_scope in backup, labels in retention."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from conftest import make_context
from fleet import clients, create_db_instance, create_table

from ansible_collections.steward.maintenance.plugins.module_utils import _backup_action, _retention_action
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._naming import backup_name, label_from_name

MOMENT = datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)
TARGETS = [{"kind": "dynamodb", "names": ["visits", "visits-pre"]}, {"kind": "rds", "names": ["pazpaz-db"]}]


@pytest.mark.parametrize(
    ("source", "label", "strict"),
    [
        ("visits", "pre-deploy", False),
        ("visits-pre", "deploy", False),  # the same name as above up to the label: the source decides
        ("pazpaz-db", "pre-deploy", True),
        ("Orders_DB.v2", "weekly-full", False),
        ("x" * 240, "pre-deploy", False),  # the source is cut to fit 255 characters
        ("a-b-c", "a-b-c", True),
    ],
)
def test_the_label_read_back_from_a_name_is_exact_given_its_source(source, label, strict):
    name = backup_name(source, label, MOMENT, strict=strict, run_id="0123456789ab")
    assert label_from_name(name, source) == label


def test_names_steward_did_not_make_have_no_label():
    assert label_from_name("nightly-visits-20261201", "visits") is None
    assert label_from_name("steward-visits-no-stamp", "visits") is None


def backup(factory, clock, label, **params):
    base = {"targets": TARGETS, "label": label, "min_interval": "20h", "tags": {}, "wait": False, "wait_timeout": "1h"}
    request = _backup_action.parse_request({**base, "concurrency": 4, "retry_max_attempts": 3, "ledger": None, **params}, BACKUP_KINDS)
    return _backup_action.run_backup(make_context(factory, clock), request, BACKUP_KINDS)[0]


@pytest.fixture
def stores(aws):
    api = clients(None)
    create_table(api, "visits", {}, items=3)
    create_table(api, "visits-pre", {}, items=3)
    create_db_instance(api, "pazpaz-db", {})
    return api


def test_min_interval_counts_backups_of_the_same_label_by_default(stores, factory, clock):
    nightly = backup(factory, clock, "daily")
    assert {resource["status"] for resource in nightly["resources"]} == {"created"}
    clock.advance(3600)
    pre_deploy = backup(factory, clock, "pre-deploy")
    assert {resource["status"] for resource in pre_deploy["resources"]} == {"created"}
    again = backup(factory, clock, "pre-deploy")
    assert {resource["status"] for resource in again["resources"]} == {"skipped"}
    assert "labelled pre-deploy" in again["resources"][0]["message"]
    # The behaviour before 0.2.0, on request: any steward backup counts.
    clock.advance(3600)
    anyone = backup(factory, clock, "hotfix", min_interval_scope="any")
    assert {resource["status"] for resource in anyone["resources"]} == {"skipped"}
    with pytest.raises(OptionError) as raised:
        backup(factory, clock, "daily", min_interval_scope="every")
    assert raised.value.option == "min_interval_scope"


def retention(factory, clock, **params):
    base = {"targets": TARGETS, "keep_last": 1, "timezone": "UTC", "min_keep": 1, "include_unmanaged": False, "force": True}
    request = _retention_action.parse_request({**base, "concurrency": 4, "retry_max_attempts": 3, "ledger": None, **params}, BACKUP_KINDS)
    return _retention_action.run_retention(make_context(factory, clock), request, BACKUP_KINDS)[0]


def test_retention_labels_filter_keeps_other_labels_out_of_scope(stores, factory, clock):
    for _day in range(3):
        backup(factory, clock, "daily", min_interval=None)
        clock.advance(600)
        backup(factory, clock, "pre-deploy", min_interval=None)
        clock.advance(86400)
    payload = retention(factory, clock, labels=["daily"])
    for resource in payload["resources"]:
        assert len(resource["deleted"]) == 2, resource["id"]  # two of three daily backups
        assert {entry["name"].split("-20261")[0].rsplit("-", 1)[-1] for entry in resource["deleted"]} == {"daily"}
        out_of_scope = [entry for entry in resource["kept"] if entry["reasons"] == ["out of scope: label pre-deploy not in labels"]]
        assert len(out_of_scope) == 3, resource["id"]
    # visits-pre's daily backups are "daily" (not "pre-daily" read as the label "daily" of visits).
    dynamodb = stores["dynamodb"]
    left = {
        table: [b["BackupName"] for b in dynamodb.list_backups(TableName=table)["BackupSummaries"]] for table in ("visits", "visits-pre")
    }
    assert all(len(names) == 4 for names in left.values()), left
    # Without the filter (as before) the policy applies to every label.
    payload = retention(factory, clock)
    assert all(len(resource["deleted"]) == 3 for resource in payload["resources"])
    with pytest.raises(OptionError) as raised:
        retention(factory, clock, labels=["Daily"])
    assert raised.value.option == "labels[0]"
