# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exceptions shared by every action. Pure, no AWS."""

from __future__ import annotations


class OptionError(ValueError):
    """Bad input, detected before any API call. The message names the option and the value."""

    def __init__(self, option: str, value: object, reason: str) -> None:
        self.option = option
        self.value = value
        self.reason = reason
        super().__init__(f"{option}: {reason}; got {value!r}")


class ResourceError(Exception):
    """One resource could not be handled; the others go on. ``code`` is short and machine-readable."""

    def __init__(self, message: str, code: str = "error") -> None:
        self.code = code
        super().__init__(message)
