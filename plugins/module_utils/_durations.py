# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Duration parsing: ``90m``, ``24h``, ``7d``, ``2w``; and calendar durations (``1y6mo``) for retention. Pure, no AWS."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# One or more <number><unit> parts, e.g. "1d12h"; a bare unit-less number is refused on purpose:
# "30" could mean seconds, minutes or days, and guessing wrong deletes or keeps the wrong backups.
_PART = re.compile(r"(\d+)([smhdw])")
_WHOLE = re.compile(r"^(?:\d+[smhdw])+$")


def parse_duration(option: str, value: object) -> int:
    """Return the duration in seconds, or raise OptionError naming ``option`` and ``value``."""
    if isinstance(value, bool) or value is None:
        raise OptionError(option, value, "expected a duration such as 90m, 24h, 7d or 2w")
    text = str(value).strip().lower()
    if not _WHOLE.match(text):
        raise OptionError(option, value, "expected a duration such as 90m, 24h, 7d or 2w (units: s, m, h, d, w)")
    seconds = sum(int(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(text))
    if seconds <= 0:
        raise OptionError(option, value, "a duration must be longer than zero")
    return seconds


def parse_optional_duration(option: str, value: object) -> int | None:
    """Like parse_duration, but None (option not given) stays None."""
    if value is None:
        return None
    return parse_duration(option, value)


def format_duration(seconds: float) -> str:
    """Render seconds the way a person reads an age: ``3d4h``, ``25m``, ``12s``."""
    remaining = round(seconds)
    if remaining < 60:
        return f"{remaining}s"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
        if len(parts) == 2:
            break
    return "".join(parts)


_CALENDAR_PART = re.compile(r"(\d+)(mo|y|w|d|h|m|s)")
_CALENDAR_WHOLE = re.compile(r"^(?:\d+(?:mo|y|w|d|h|m|s))+$")
_CALENDAR_HINT = "expected a duration such as 7d, 6mo or 1y2mo (units: y, mo, w, d, h, m, s; mo is a calendar month, m a minute)"


@dataclass(frozen=True)
class CalendarDuration:
    """A span of calendar years, months and days plus a fixed number of seconds, as restic's ``--keep-within``.

    Going back by it from a moment works like Go's ``AddDate(-y, -mo, -d)`` followed by ``Add(-seconds)``: the
    calendar part is taken on the wall clock in a time zone and normalised as Go normalises (Mar 31 less one month
    is "Feb 31", that is Mar 3, or Mar 2 in a leap year), and the seconds are then taken off absolute time.
    Weeks are 7 calendar days; hours, minutes and seconds are fixed lengths.
    """

    text: str
    years: int = 0
    months: int = 0
    days: int = 0
    seconds: int = 0

    def before(self, moment: datetime, zone: tzinfo = timezone.utc) -> datetime:
        """The moment this duration before ``moment`` (aware), calendar parts read in ``zone``; returned in UTC."""
        wall = moment.astimezone(zone).replace(tzinfo=None)
        year, month0 = divmod(wall.year * 12 + wall.month - 1 - self.years * 12 - self.months, 12)
        first = wall.replace(year=year, month=month0 + 1, day=1)
        shifted = (first + timedelta(days=wall.day - 1 - self.days)).replace(tzinfo=zone)
        return shifted.astimezone(timezone.utc) - timedelta(seconds=self.seconds)


def parse_calendar_duration(option: str, value: object) -> CalendarDuration:
    """``1y6mo``, ``30d``, ``7d12h`` into a CalendarDuration, or raise OptionError naming ``option`` and ``value``."""
    if isinstance(value, bool) or value is None:
        raise OptionError(option, value, _CALENDAR_HINT)
    text = str(value).strip().lower()
    if not _CALENDAR_WHOLE.match(text):
        raise OptionError(option, value, _CALENDAR_HINT)
    parts = {"y": 0, "mo": 0, "w": 0, "d": 0, "h": 0, "m": 0, "s": 0}
    for number, unit in _CALENDAR_PART.findall(text):
        parts[unit] += int(number)
    duration = CalendarDuration(
        text=text,
        years=parts["y"],
        months=parts["mo"],
        days=parts["w"] * 7 + parts["d"],
        seconds=parts["h"] * 3600 + parts["m"] * 60 + parts["s"],
    )
    if not any((duration.years, duration.months, duration.days, duration.seconds)):
        raise OptionError(option, value, "a duration must be longer than zero")
    return duration
