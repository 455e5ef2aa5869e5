# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CloudWatch Logs log groups: their retention, read for a whole fleet in one paginated sweep, and set."""

from __future__ import annotations

from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import Kind, expand_globs

# What PutRetentionPolicy accepts (days).
ALLOWED_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
MISSING = object()


class LogGroupKind(Kind):
    name = "log_group"
    summary = "CloudWatch Logs log groups"
    names_doc = "log group name; a glob pattern such as C(/aws/lambda/pazpaz-*) selects every group whose name matches"
    service = "logs"
    tagging_type = "logs:log-group"
    arn_pattern = r"^arn:aws[\w-]*:logs:[\w-]+:\d{12}:log-group:[^:]+(:\*)?$"
    not_found_codes = ("ResourceNotFoundException",)

    def id_from_arn(self, arn: str) -> str:
        return arn.split(":log-group:", 1)[1].removesuffix(":*")

    def _sweep(self, prefix: str) -> dict[str, int | None]:
        """Every group under ``prefix`` with its retention (None: never expires), in one paginated listing."""
        kwargs = {"logGroupNamePrefix": prefix} if prefix else {}
        pages = self.client.get_paginator("describe_log_groups").paginate(**kwargs)
        return {group["logGroupName"]: group.get("retentionInDays") for page in pages for group in page.get("logGroups", [])}

    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        return expand_globs(names, self._sweep)

    def retention_of(self, names: list[str]) -> dict[str, Any]:
        """Each group's retention in days (None: never expires; MISSING: no such group), from one sweep under the
        names' common prefix."""
        if not names:
            return {}
        found = self._sweep(_common_prefix(names))
        return {name: found.get(name, MISSING) for name in names}

    def set_retention(self, name: str, days: int) -> None:
        with self.missing(name):
            self.client.put_retention_policy(logGroupName=name, retentionInDays=days)


def _common_prefix(names: list[str]) -> str:
    """The characters every name starts with (log group names are not paths: ``/aws/lambda/a`` and ``/aws/l`` share
    ``/aws/l``)."""
    first, last = min(names), max(names)
    length = 0
    while length < min(len(first), len(last)) and first[length] == last[length]:
        length += 1
    return first[:length]
