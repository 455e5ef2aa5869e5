"""The retention engine: a worked example checked by hand, bad input, and hypothesis properties of its invariants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._retention import (
    Item,
    Policy,
    apply_policy,
    blast_radius,
    parse_policy,
    plan,
)

UTC = timezone.utc
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def daily_items(days: int, hour: int = 2) -> list[Item]:
    """One backup a day at 02:00 UTC for ``days`` days, the newest today."""
    today = datetime(2026, 11, 24, hour, 0, tzinfo=UTC)
    return [Item(f"b{n:03d}", today - timedelta(days=n)) for n in range(days)]


def kept_dates(decisions) -> list[str]:
    return [d.created.strftime("%Y-%m-%d") for d in decisions if d.keep]


def test_worked_example_from_the_module_docs():
    # 90 daily backups, 2026-08-27 .. 2026-11-24 (a Tuesday). keep_daily 7, keep_weekly 4, keep_monthly 3:
    # daily:   Nov 24, 23, 22, 21, 20, 19, 18
    # weekly:  newest of each ISO week: Nov 24 (W48), Nov 22 (Sun, W47), Nov 15 (W46), Nov 8 (W45)
    # monthly: newest of each month: Nov 24, Oct 31, Sep 30
    decisions = apply_policy(daily_items(90), Policy(keep_daily=7, keep_weekly=4, keep_monthly=3))
    assert kept_dates(decisions) == [
        "2026-11-24", "2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18",
        "2026-11-15", "2026-11-08", "2026-10-31", "2026-09-30",
    ]  # fmt: skip
    reasons = {d.created.strftime("%m-%d"): d.reasons for d in decisions if d.keep}
    assert reasons["11-24"] == ["keep_daily", "keep_weekly", "keep_monthly"]
    assert reasons["11-22"] == ["keep_daily", "keep_weekly"]
    assert reasons["10-31"] == ["keep_monthly"]


def test_buckets_only_count_periods_that_hold_a_backup():
    # Backups on three days spread over a month: keep_daily 2 keeps the two newest days, not "the last two days".
    items = [Item("a", NOW), Item("b", NOW - timedelta(days=10)), Item("c", NOW - timedelta(days=20))]
    assert [d.id for d in apply_policy(items, Policy(keep_daily=2)) if d.keep] == ["a", "b"]


def test_timezone_moves_day_boundaries():
    # 23:30 and 00:30 UTC fall on two UTC days but on one day in America/New_York (UTC-5).
    items = [Item("late", datetime(2026, 11, 24, 0, 30, tzinfo=UTC)), Item("early", datetime(2026, 11, 23, 23, 30, tzinfo=UTC))]
    assert [d.id for d in apply_policy(items, Policy(keep_daily=5)) if d.keep] == ["late", "early"]
    assert [d.id for d in apply_policy(items, Policy(keep_daily=5, timezone="America/New_York")) if d.keep] == ["late"]


def test_keep_within_is_measured_from_the_newest_backup():
    items = daily_items(10)
    old = [Item(i.id, i.created - timedelta(days=100)) for i in items]  # backups stopped 100 days ago
    assert len([d for d in apply_policy(old, Policy(keep_within_s=3 * 86400)) if d.keep]) == 4


def test_guards_keep_newest_verified_future_and_min_keep():
    items = [*daily_items(10), Item("future", NOW + timedelta(days=2))]
    decisions = plan(items, Policy(keep_last=1), NOW, verified_ids=frozenset({"b007"}), min_keep=4)
    kept = {d.id: d.reasons for d in decisions if d.keep}
    assert kept == {
        "future": ["keep_last", "guard:newest", "guard:future_dated"],
        "b000": ["guard:min_keep"],
        "b001": ["guard:min_keep"],
        "b007": ["guard:newest_verified"],
    }


def test_blast_radius():
    decisions = plan(daily_items(10), Policy(keep_last=2), NOW)
    assert blast_radius(decisions, 8, None) is None
    assert blast_radius(decisions, 7, None) == "plan deletes 8 of 10 backups, more than max_delete 7"
    assert blast_radius(decisions, None, 50) == "plan deletes 8 of 10 backups (80%), more than max_delete_percent 50"
    assert blast_radius(decisions, None, 80) is None


@pytest.mark.parametrize(
    ("params", "option"),
    [
        ({}, "policy"),
        ({"keep_daily": 0, "keep_within": None}, "policy"),
        ({"keep_daily": -1}, "keep_daily"),
        ({"keep_weekly": 1.5}, "keep_weekly"),
        ({"keep_monthly": "3"}, "keep_monthly"),
        ({"keep_last": True}, "keep_last"),
        ({"keep_within": "3 days"}, "keep_within"),
        ({"keep_daily": 7, "timezone": "Mars/Olympus"}, "timezone"),
    ],
)
def test_bad_policies_name_the_option(params, option):
    with pytest.raises(OptionError) as caught:
        parse_policy(params)
    assert caught.value.option == option


def test_policy_parsing():
    policy = parse_policy({"keep_daily": 7, "keep_within": "2d", "timezone": "Europe/Berlin"})
    assert policy == Policy(keep_daily=7, keep_within_s=172800, timezone="Europe/Berlin")


# --- properties ---------------------------------------------------------------------------------------------
moments = st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(lambda d: d.replace(tzinfo=UTC))
item_lists = st.lists(moments, min_size=1, max_size=60).map(lambda times: [Item(f"id{n}", t) for n, t in enumerate(times)])
policies = st.builds(
    Policy,
    keep_last=st.integers(0, 5),
    keep_hourly=st.integers(0, 5),
    keep_daily=st.integers(0, 10),
    keep_weekly=st.integers(0, 6),
    keep_monthly=st.integers(0, 6),
    keep_yearly=st.integers(0, 3),
    keep_within_s=st.one_of(st.none(), st.integers(1, 90 * 86400)),
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]),
)


@settings(max_examples=300, deadline=None)
@given(item_lists, policies, st.randoms())
def test_properties(items, policy, rnd):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    decisions = plan(items, policy, now)
    kept = {d.id for d in decisions if d.keep}
    newest = max(items, key=lambda item: (item.created, item.id))
    # the newest is always kept
    assert newest.id in kept
    # a future-dated backup is never deleted
    assert all(d.keep for d in decisions if d.created > now)
    # the kept set contains each rule's picks (each rule alone keeps a subset of what all rules keep)
    for name in ("keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly"):
        alone = Policy(**{name: getattr(policy, name)}, timezone=policy.timezone)
        assert {d.id for d in apply_policy(items, alone) if d.keep} <= kept
    # the result does not depend on input order
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert {d.id for d in plan(shuffled, policy, now) if d.keep} == kept
    # applying the policy to its own kept set deletes nothing
    survivors = [item for item in items if item.id in kept]
    assert all(d.keep for d in plan(survivors, policy, now))
