from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    backup_name,
    created_from_name,
    is_managed_name,
    label_from_name,
    managed_tags,
    validate_label,
    validate_user_tags,
)

MOMENT = datetime(2026, 11, 24, 2, 0, 5, tzinfo=timezone.utc)
RDS_IDENTIFIER = re.compile(r"^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$")


def test_name_carries_prefix_source_label_and_utc_stamp():
    assert backup_name("orders", "daily", MOMENT) == "steward-orders-daily-20261124-020005"


def test_strict_names_meet_rds_identifier_rules():
    name = backup_name("Orders__DB..v2--", "pre-deploy", MOMENT, strict=True)
    assert RDS_IDENTIFIER.match(name), name
    assert name == "steward-orders-db-v2-pre-deploy-20261124-020005"


def test_dynamodb_characters_survive_in_loose_names():
    assert backup_name("network.visualizer_topology", "daily", MOMENT) == "steward-network.visualizer_topology-daily-20261124-020005"


def test_long_sources_are_cut_to_the_service_limit_without_losing_label_or_stamp():
    name = backup_name("x" * 400, "weekly", MOMENT, strict=True)
    assert len(name) == 255
    assert name.endswith("-weekly-20261124-020005")
    assert label_from_name(name) == "weekly"


def test_label_round_trips_from_the_name():
    assert label_from_name(backup_name("vol-0abc", "monthly", MOMENT)) == "monthly"
    assert label_from_name("manual-backup-20250101-000000") is None
    assert is_managed_name("steward-x") and not is_managed_name("manual-backup")


@pytest.mark.parametrize("label", ["Daily", "", "-daily", "daily backup", "a" * 32, None])
def test_bad_labels_name_the_option(label):
    with pytest.raises(OptionError, match=r"^label: "):
        validate_label("label", label)


def test_markers_win_over_user_tags_and_reserved_keys_are_refused():
    tags = managed_tags("arn:aws:dynamodb:us-east-1:123456789012:table/t", "daily", MOMENT, {"team": "ops"})
    assert tags["steward:managed"] == "true" and tags["steward:cadence"] == "daily" and tags["team"] == "ops"
    assert tags["steward:source"].endswith(":table/t")
    with pytest.raises(OptionError, match=r"^tags: .*reserved"):
        validate_user_tags("tags", {"steward:managed": "false"})
    with pytest.raises(OptionError, match=r"^tags: .*reserved"):
        validate_user_tags("tags", {"aws:foo": "x"})
    assert validate_user_tags("tags", {"cost-centre": 42}) == {"cost-centre": "42"}


def test_the_run_token_makes_names_unique_per_run_and_still_parses():
    first = backup_name("orders", "daily", MOMENT, run_id="a1b2c3d4e5f6")
    second = backup_name("orders", "daily", MOMENT, run_id="0f9e8d7c6b5a")
    assert first == "steward-orders-daily-20261124-020005-a1b2c3" and first != second
    assert label_from_name(first) == "daily" and created_from_name(first) == MOMENT
    assert created_from_name(f"{first}.json") == MOMENT
    # names from before the token are read as before
    assert label_from_name("steward-orders-weekly-20261124-020005") == "weekly"
    long = backup_name("x" * 400, "weekly", MOMENT, strict=True, run_id="a1b2c3d4e5f6")
    assert len(long) == 255 and long.endswith("-weekly-20261124-020005-a1b2c3")
    with pytest.raises(ValueError):
        backup_name("orders", "daily", MOMENT, run_id="not-hex")
