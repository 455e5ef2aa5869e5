"""Bad input fails before any API call, naming the option and the value."""

from __future__ import annotations

import pytest

from ansible_collections.steward.maintenance.plugins.module_utils._backup_action import parse_request
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup import BACKUP_KINDS
from ansible_collections.steward.maintenance.plugins.module_utils._targets import parse_targets


def params(**overrides):
    base = {
        "targets": [{"kind": "dynamodb", "names": ["orders"]}],
        "label": "daily",
        "min_interval": None,
        "tags": {},
        "wait": False,
        "wait_timeout": "1h",
        "concurrency": 8,
        "retry_max_attempts": 10,
        "ledger": None,
    }
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    ("overrides", "option", "value_text"),
    [
        ({"targets": []}, "targets", "[]"),
        ({"targets": [{"kind": "mongodb", "names": ["x"]}]}, "targets[0].kind", "'mongodb'"),
        ({"targets": [{"kind": "dynamodb"}]}, "targets[0]", "{}"),
        ({"targets": [{"kind": "dynamodb", "names": ["a"], "tags": {"b": "c"}}]}, "targets[0]", "'names'"),
        (
            {"targets": [{"kind": "dynamodb", "names": ["a"], "options": {"storage_class": "GLACIER"}}]},
            "targets[0].options.storage_class",
            "'GLACIER'",
        ),
        ({"targets": [{"kind": "s3", "names": ["data"]}]}, "targets[0].options.backup_bucket", "None"),
        (
            {"targets": [{"kind": "s3", "names": ["data"], "options": {"backup_bucket": "b", "storage_class": "COLD"}}]},
            "targets[0].options.backup_bucket",
            "'b'",
        ),
        (
            {"targets": [{"kind": "s3", "names": ["data"], "options": {"backup_bucket": "bkp", "storage_class": "COLD"}}]},
            "targets[0].options.storage_class",
            "'COLD'",
        ),
        ({"targets": [{"kind": "rds", "arns": ["arn:aws:dynamodb:us-east-1:123456789012:table/t"]}]}, "targets[0].arns[0]", "table/t"),
        ({"targets": [{"kind": "ebs", "tags": {"backup": {"nested": 1}}}]}, "targets[0].tags.backup", "nested"),
        (
            {"targets": [{"kind": "s3", "names": ["data"], "options": {"backup_bucket": "bkp", "object_concurrency": 0}}]},
            "targets[0].options.object_concurrency",
            "0",
        ),
        ({"min_interval": "5x"}, "min_interval", "'5x'"),
        ({"wait_timeout": "-5m"}, "wait_timeout", "'-5m'"),
        ({"concurrency": 0}, "concurrency", "0"),
        ({"concurrency": 65}, "concurrency", "65"),
        ({"label": "Nightly Run"}, "label", "'Nightly Run'"),
        ({"ledger": "relative/dir"}, "ledger", "'relative/dir'"),
        ({"ledger": "s3://Bad_Bucket/x"}, "ledger", "Bad_Bucket"),
        ({"tags": {"steward:cadence": "x"}}, "tags", "steward:cadence"),
        ({"retry_max_attempts": 0}, "retry_max_attempts", "0"),
    ],
)
def test_bad_input_names_option_and_value(overrides, option, value_text):
    with pytest.raises(OptionError) as caught:
        parse_request(params(**overrides), BACKUP_KINDS)
    assert caught.value.option == option
    assert str(caught.value).startswith(f"{option}: ")
    assert value_text in str(caught.value)


def test_valid_targets_fill_kind_defaults_and_normalise_tags():
    targets = parse_targets(
        [
            {"kind": "s3", "names": ["data", "data"], "options": {"backup_bucket": "data-backup"}},
            {"kind": "ebs", "tags": {"backup": "daily", "tier": ["gold", "silver"], "owner": None}, "exclude": ["vol-1"]},
        ],
        BACKUP_KINDS,
    )
    assert targets[0].names == ["data"]
    assert targets[0].options == {
        "backup_bucket": "data-backup",
        "prefix": "steward",
        "storage_class": "STANDARD",
        "source_prefix": "",
        "object_concurrency": 8,
    }
    assert targets[1].tags == {"backup": ["daily"], "tier": ["gold", "silver"], "owner": []}
    assert targets[1].exclude == ["vol-1"]
    assert targets[1].describe == "ebs tagged backup=daily, owner=*, tier=gold|silver"


def test_arns_of_the_right_kind_are_accepted():
    targets = parse_targets(
        [{"kind": "aurora", "arns": ["arn:aws:rds:eu-west-1:123456789012:cluster:orders"]}],
        BACKUP_KINDS,
    )
    assert targets[0].arns == ["arn:aws:rds:eu-west-1:123456789012:cluster:orders"]
