"""The retention engine: a worked example checked by hand, bad input, and hypothesis properties of its invariants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.steward.maintenance.plugins.module_utils._durations import CalendarDuration, parse_calendar_duration
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._retention import (
    PERIODS,
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
    decisions = apply_policy(daily_items(90), Policy(keep_daily=7, keep_weekly=4, keep_monthly=3), NOW)
    assert kept_dates(decisions) == [
        "2026-11-24", "2026-11-23", "2026-11-22", "2026-11-21", "2026-11-20", "2026-11-19", "2026-11-18",
        "2026-11-15", "2026-11-08", "2026-10-31", "2026-09-30",
    ]  # fmt: skip
    reasons = {d.created.strftime("%m-%d"): d.reasons for d in decisions if d.keep}
    assert reasons["11-24"] == ["daily snapshot", "weekly snapshot", "monthly snapshot"]
    assert reasons["11-22"] == ["daily snapshot", "weekly snapshot"]
    assert reasons["10-31"] == ["monthly snapshot"]


def test_worked_example_of_the_oldest_backup_rule_from_the_module_docs():
    # 24 dailies Nov 1..24, keep_monthly 3: Nov 24 uses one count; two are left at Nov 1, the oldest, so restic
    # (>= 0.16) keeps it too although November already has a kept backup.
    decisions = apply_policy(daily_items(24), Policy(keep_monthly=3), NOW)
    kept = {d.created.strftime("%m-%d"): d.reasons for d in decisions if d.keep}
    assert kept == {"11-24": ["monthly snapshot"], "11-01": ["oldest monthly snapshot"]}


def test_the_oldest_backup_is_not_kept_once_the_count_is_used_up():
    # Two months hold backups: keep_monthly 2 spends both counts (Nov 24, Oct 31) before Oct 25, the oldest.
    decisions = apply_policy(daily_items(31), Policy(keep_monthly=2), NOW)
    assert kept_dates(decisions) == ["2026-11-24", "2026-10-31"]
    # keep_last counts backups, not periods: one count left at the oldest keeps it as an ordinary "last snapshot".
    decisions = apply_policy(daily_items(3), Policy(keep_last=4), NOW)
    assert [d.reasons for d in decisions] == [["last snapshot"]] * 3


def test_unlimited_keeps_every_period_and_the_oldest():
    decisions = apply_policy(daily_items(40), Policy(keep_monthly=-1), NOW)
    kept = {d.created.strftime("%m-%d"): d.reasons for d in decisions if d.keep}
    assert kept == {"11-24": ["monthly snapshot"], "10-31": ["monthly snapshot"], "10-16": ["oldest monthly snapshot"]}
    assert all(d.keep for d in apply_policy(daily_items(40), Policy(keep_last=-1), NOW))


def test_buckets_only_count_periods_that_hold_a_backup():
    # Backups on three days spread over a month: keep_daily 2 keeps the two newest days, not "the last two days".
    items = [Item("a", NOW), Item("b", NOW - timedelta(days=10)), Item("c", NOW - timedelta(days=20))]
    assert [d.id for d in apply_policy(items, Policy(keep_daily=2), NOW) if d.keep] == ["a", "b"]


def test_timezone_moves_day_boundaries():
    # 23:30 and 00:30 UTC fall on two UTC days but on one day in America/New_York (UTC-5).
    items = [Item("late", datetime(2026, 11, 24, 0, 30, tzinfo=UTC)), Item("early", datetime(2026, 11, 23, 23, 30, tzinfo=UTC))]
    assert [d.id for d in apply_policy(items, Policy(keep_daily=1), NOW) if d.keep] == ["late"]
    in_new_york = apply_policy(items, Policy(keep_daily=1, timezone="America/New_York"), NOW)
    assert [(d.id, d.reasons) for d in in_new_york if d.keep] == [("late", ["daily snapshot"])]
    # with count left, the oldest (same New York day) is kept by the oldest backup rule
    assert [d.reasons for d in apply_policy(items, Policy(keep_daily=5, timezone="America/New_York"), NOW)] == [
        ["daily snapshot"],
        ["oldest daily snapshot"],
    ]


def within(text: str) -> CalendarDuration:
    return parse_calendar_duration("keep_within", text)


def test_keep_within_is_measured_from_the_newest_backup_and_keeps_strictly_newer():
    items = daily_items(10)
    old = [Item(i.id, i.created - timedelta(days=100)) for i in items]  # backups stopped 100 days ago
    # 3d back from the newest lands exactly on the fourth backup: restic keeps strictly newer ones only.
    assert len([d for d in apply_policy(old, Policy(keep_within=within("3d")), NOW) if d.keep]) == 3
    assert next(d.reasons for d in apply_policy(old, Policy(keep_within=within("3d")), NOW)) == ["within 3d"]


def test_keep_within_is_anchored_on_the_newest_backup_not_in_the_future():
    skewed = Item("skewed", NOW + timedelta(days=30))  # one backup from a clock 30 days ahead
    decisions = apply_policy([*daily_items(10), skewed], Policy(keep_within=within("3d")), NOW)
    # the window still ends 3 days before b000, so b003 and older go; the skewed one is newer than the window's start
    assert [d.id for d in decisions if d.keep] == ["skewed", "b000", "b001", "b002"]
    # when every backup is in the future, restic's anchor is the zero time: the window holds all of them
    future = [Item("f1", NOW + timedelta(days=1)), Item("f2", NOW + timedelta(days=2))]
    assert all(d.keep for d in apply_policy(future, Policy(keep_within=within("1h")), NOW))


def test_keep_within_counts_months_and_years_by_the_calendar():
    # From 2026-03-31 02:00, one calendar month back is "2026-02-31", normalised to 2026-03-03, as Go's AddDate.
    assert within("1mo").before(datetime(2026, 3, 31, 2, tzinfo=UTC)) == datetime(2026, 3, 3, 2, tzinfo=UTC)
    assert within("1y").before(datetime(2028, 2, 29, tzinfo=UTC)) == datetime(2027, 3, 1, tzinfo=UTC)
    assert within("1y2mo3d4h").before(datetime(2026, 6, 10, 12, tzinfo=UTC)) == datetime(2025, 4, 7, 8, tzinfo=UTC)
    # 1m is a minute, 1mo a month
    assert within("90m").before(NOW) == NOW - timedelta(minutes=90)
    # calendar days are wall-clock days in the zone: across New York's DST change a day back is 25 hours
    new_york = within("1d").before(datetime(2026, 11, 1, 12, tzinfo=UTC), ZoneInfo("America/New_York"))
    assert new_york == datetime(2026, 10, 31, 11, tzinfo=UTC)
    items = [Item(f"m{n}", datetime(2026, 11, 30, tzinfo=UTC) - timedelta(days=30 * n)) for n in range(8)]
    kept = [
        d.created.date().isoformat()
        for d in apply_policy(items, Policy(keep_within=within("6mo")), datetime(2026, 12, 1, tzinfo=UTC))
        if d.keep
    ]
    # 2026-11-30 less six months is 2026-05-30: backups strictly newer are kept
    assert kept == ["2026-11-30", "2026-10-31", "2026-10-01", "2026-09-01", "2026-08-02", "2026-07-03", "2026-06-03"]


def test_keep_within_period_rules():
    decisions = apply_policy(daily_items(20), Policy(keep_within_weekly=within("10d")), NOW)
    kept = {d.created.strftime("%m-%d"): d.reasons for d in decisions if d.keep}
    # within 10 days of Nov 24 (strictly after Nov 14 02:00): ISO weeks 48, 47, 46 -> Nov 24, Nov 22, Nov 15
    assert kept == {"11-24": ["weekly within 10d"], "11-22": ["weekly within 10d"], "11-15": ["weekly within 10d"]}
    # a backup exactly on the window's edge (Nov 14 02:00, 10 days before the newest) is outside it
    decisions = apply_policy(daily_items(20), Policy(keep_within_daily=within("10d")), NOW)
    assert kept_dates(decisions) == [f"2026-11-{day}" for day in range(24, 14, -1)]
    # the oldest backup is kept when it lies inside the window
    decisions = apply_policy(daily_items(5), Policy(keep_within_monthly=within("1y")), NOW)
    assert [d.reasons for d in decisions if d.keep] == [["monthly within 1y"], ["oldest monthly within 1y"]]


def test_guards_keep_newest_verified_future_and_min_keep():
    items = [*daily_items(10), Item("future", NOW + timedelta(days=2))]
    decisions = plan(items, Policy(keep_last=1), NOW, verified_ids=frozenset({"b007"}), min_keep=4)
    kept = {d.id: d.reasons for d in decisions if d.keep}
    assert kept == {
        "future": ["last snapshot", "guard:newest", "guard:future_dated"],
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
        ({"keep_daily": -2}, "keep_daily"),
        ({"keep_last": -5}, "keep_last"),
        ({"keep_yearly": "abc"}, "keep_yearly"),
        ({"keep_within_daily": "5x"}, "keep_within_daily"),
        ({"keep_within_monthly": "-1"}, "keep_within_monthly"),
        ({"keep_within_yearly": -1}, "keep_within_yearly"),
        ({"keep_within_hourly": "0d"}, "keep_within_hourly"),
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
    policy = parse_policy(
        {"keep_daily": 7, "keep_yearly": -1, "keep_within": "2d", "keep_within_monthly": "1Y6mo", "timezone": "Europe/Berlin"}
    )
    assert policy == Policy(
        keep_daily=7,
        keep_yearly=-1,
        keep_within=CalendarDuration("2d", days=2),
        keep_within_monthly=CalendarDuration("1y6mo", years=1, months=6),
        timezone="Europe/Berlin",
    )
    assert policy.describe() == "keep_daily 7, keep_yearly unlimited, keep_within 2d, keep_within_monthly 1y6mo (Europe/Berlin)"


# --- the oracle: restic's rules stated declaratively, not as the engine's loop ----------------------------------
def oracle(items: list[Item], policy: Policy, now: datetime) -> dict[str, set[str]]:
    """Which reasons restic's forget gives each backup, worked out rule by rule over the whole list.

    A count rule N (or -1) keeps the newest backup of each of its first N periods, newest first; and it keeps the
    oldest backup too when fewer than N periods occur among all the other backups. A within rule looks only at
    backups strictly newer than (newest backup before now) - D, and keeps the newest of each period there, plus the
    oldest backup if it is there.
    """
    zone = ZoneInfo(policy.timezone)
    ordered = sorted(items, key=lambda item: (item.created, item.id), reverse=True)
    reasons: dict[str, set[str]] = {item.id: set() for item in ordered}
    oldest = ordered[-1]
    past = [item.created for item in items if item.created < now]
    anchor = max(past) if past else None

    def periods_of(pool, period_key):
        first_of: dict = {}
        for item in pool:
            first_of.setdefault(period_key(item), item)
        return first_of

    def count_rule(name, word, period_key):
        count = getattr(policy, name)
        if not count:
            return
        first_of = periods_of(ordered, period_key)
        chosen = list(first_of.values()) if count == -1 else list(first_of.values())[:count]
        for item in chosen:
            reasons[item.id].add(word)
        others = len(periods_of(ordered[:-1], period_key))
        if oldest not in chosen and (count == -1 or others < count):
            reasons[oldest.id].add(f"oldest {word}")

    count_rule("keep_last", "last snapshot", lambda item: item.id)
    for period, key in PERIODS.items():
        count_rule(f"keep_{period}", f"{period} snapshot", lambda item, key=key: key(item.created.astimezone(zone)))

    def inside(duration):
        if anchor is None:
            return ordered
        start = duration.before(anchor, zone)
        return [item for item in ordered if item.created > start]

    if policy.keep_within:
        for item in inside(policy.keep_within):
            reasons[item.id].add(f"within {policy.keep_within.text}")
    for period, key in PERIODS.items():
        duration = getattr(policy, f"keep_within_{period}")
        if duration is None:
            continue
        pool = inside(duration)
        first_of = periods_of(pool, lambda item, key=key: key(item.created.astimezone(zone)))
        word = f"{period} within {duration.text}"
        for item in first_of.values():
            reasons[item.id].add(word)
        if oldest in pool and oldest not in first_of.values():
            reasons[oldest.id].add(f"oldest {word}")
    return reasons


# --- properties ---------------------------------------------------------------------------------------------
# --- properties ---------------------------------------------------------------------------------------------
# Any moment, or whole hours, so that a backup often sits exactly on a window's edge (restic keeps strictly newer ones).
moments = st.one_of(
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)).map(lambda d: d.replace(tzinfo=UTC)),
    st.integers(0, 24 * 900).map(lambda hours: datetime(2024, 1, 1, tzinfo=UTC) + timedelta(hours=hours)),
)
item_lists = st.lists(moments, min_size=1, max_size=60).map(lambda times: [Item(f"id{n}", t) for n, t in enumerate(times)])
counts = st.integers(-1, 6)
windows = st.one_of(
    st.none(),
    st.builds(
        lambda y, mo, d, h: parse_calendar_duration("keep_within", f"{y}y{mo}mo{d}d{h}h"),
        st.integers(0, 1),
        st.integers(0, 13),
        st.integers(0, 40),
        st.integers(1, 30),
    ),
)
policies = st.builds(
    Policy,
    keep_last=counts,
    keep_hourly=counts,
    keep_daily=st.integers(-1, 10),
    keep_weekly=counts,
    keep_monthly=counts,
    keep_yearly=st.integers(-1, 3),
    keep_within=windows,
    keep_within_hourly=windows,
    keep_within_daily=windows,
    keep_within_weekly=windows,
    keep_within_monthly=windows,
    keep_within_yearly=windows,
    timezone=st.sampled_from(["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata"]),
)


@settings(max_examples=300, deadline=None)
@given(item_lists, policies, st.randoms())
def test_properties(items, policy, rnd):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    decisions = plan(items, policy, now)
    # the engine gives exactly restic's reasons, as the oracle works them out
    expected = oracle(items, policy, now)
    assert {d.id: {r for r in d.reasons if not r.startswith("guard:")} for d in decisions} == expected
    kept = {d.id for d in decisions if d.keep}
    newest = max(items, key=lambda item: (item.created, item.id))
    # the newest is always kept
    assert newest.id in kept
    # a future-dated backup is never deleted
    assert all(d.keep for d in decisions if d.created > now)
    # the kept set contains each rule's picks (each rule alone keeps a subset of what all rules keep)
    for name in ("keep_last", "keep_hourly", "keep_daily", "keep_weekly", "keep_monthly", "keep_yearly"):
        alone = Policy(**{name: getattr(policy, name)}, timezone=policy.timezone)
        assert {d.id for d in apply_policy(items, alone, now) if d.keep} <= kept
    # the result does not depend on input order
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert {d.id for d in plan(shuffled, policy, now) if d.keep} == kept
    # applying the policy to its own kept set deletes nothing
    survivors = [item for item in items if item.id in kept]
    assert all(d.keep for d in plan(survivors, policy, now))
