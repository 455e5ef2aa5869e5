# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Duration parsing: ``90m``, ``24h``, ``7d``, ``2w``. Pure, no AWS."""

from __future__ import annotations

import re

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
