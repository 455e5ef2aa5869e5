from __future__ import annotations

import pytest

from ansible_collections.steward.maintenance.plugins.module_utils._durations import format_duration, parse_duration, parse_optional_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90m", 5400), ("24h", 86400), ("7d", 604800), ("2w", 1209600), ("45s", 45), ("1d12h", 129600), (" 13W ", 7862400)],
)
def test_parses_the_documented_units(text, seconds):
    assert parse_duration("min_interval", text) == seconds


@pytest.mark.parametrize("text", ["5x", "", "30", "-5m", "h", "1.5h", "5m3", "0m", "0d0h", None, True])
def test_refuses_bad_durations_naming_option_and_value(text):
    with pytest.raises(OptionError) as caught:
        parse_duration("min_interval", text)
    assert caught.value.option == "min_interval"
    assert str(caught.value).startswith("min_interval: ")
    assert repr(text) in str(caught.value)


def test_optional_duration_keeps_none():
    assert parse_optional_duration("rpo", None) is None
    assert parse_optional_duration("rpo", "26h") == 93600


@pytest.mark.parametrize(("seconds", "text"), [(12, "12s"), (60, "1m"), (3725, "1h2m"), (90061, "1d1h"), (1209600, "2w")])
def test_formats_ages_for_people(seconds, text):
    assert format_duration(seconds) == text
