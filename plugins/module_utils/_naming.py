# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Naming and tagging conventions for everything steward creates. Pure, no AWS.

Every backup, scratch resource and ledger record steward makes is marked twice: its name starts with
``steward-`` and, where the service takes tags, it carries ``steward:managed=true``. Nothing unmarked is
ever deleted unless an option explicitly says so.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError

NAME_PREFIX = "steward-"
TAG_MANAGED = "steward:managed"
TAG_SOURCE = "steward:source"
TAG_CADENCE = "steward:cadence"
TAG_CREATED = "steward:created"
RESERVED_TAG_PREFIX = "steward:"
# Scratch resources of restore tests: both markers are required before a sweep may delete one.
SCRATCH_PREFIX = "steward-rt-"
TAG_RESTORE_TEST = "steward:restore-test"
TAG_EXPIRES = "steward:expires"
TAG_BACKUP = "steward:backup"
TAG_RUN = "steward:run"
TAG_VERIFIED = "steward:verified"

_LABEL = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
_STAMP_FORMAT = "%Y%m%d-%H%M%S"
# The time, then (since 0.2.0) the first characters of the run id: two runs in the same second get two names.
_STAMP = re.compile(r"-(\d{8}-\d{6})(?:-([0-9a-f]{6}))?$")
RUN_TOKEN_LENGTH = 6


def validate_label(option: str, value: str) -> str:
    """A label (the cadence) is part of every backup name, so it must be short and name-safe."""
    if not isinstance(value, str) or not _LABEL.match(value):
        raise OptionError(option, value, "expected 1-31 lowercase letters, digits or hyphens, starting with a letter or digit")
    return value


def validate_user_tags(option: str, tags: dict | None) -> dict[str, str]:
    """User tags may not overwrite the markers retention and sweeps rely on."""
    tags = dict(tags or {})
    for key, value in tags.items():
        if not isinstance(key, str) or not key:
            raise OptionError(option, key, "tag keys must be non-empty strings")
        if key.startswith(RESERVED_TAG_PREFIX) or key.startswith("aws:"):
            raise OptionError(option, key, "tag keys starting with 'steward:' or 'aws:' are reserved")
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            raise OptionError(f"{option}.{key}", value, "tag values must be strings")
    return {key: str(value) for key, value in tags.items()}


def stamp(moment: datetime) -> str:
    return as_utc(moment).strftime(_STAMP_FORMAT)


def backup_name(source_id: str, label: str, moment: datetime, max_length: int = 255, strict: bool = False, run_id: str = "") -> str:
    """``steward-<source>-<label>-<YYYYmmdd-HHMMSS>-<run>``: ``<run>`` is the run id's first six characters, so that two
    runs starting in the same second (two AWX jobs) never give two backups one name; without a run id it is left out.

    ``strict`` applies the strictest service rules (RDS identifiers: letters, digits and single hyphens,
    lower case); otherwise DynamoDB's and S3's ``[A-Za-z0-9_.-]`` are kept as they are.
    """
    source = source_id.lower() if strict else source_id
    pattern = r"[^a-z0-9-]+" if strict else r"[^A-Za-z0-9_.-]+"
    source = re.sub(pattern, "-", source)
    source = re.sub(r"-{2,}", "-", source).strip("-") or "resource"
    tail = f"-{label}-{stamp(moment)}" + (f"-{run_token(run_id)}" if run_id else "")
    room = max_length - len(NAME_PREFIX) - len(tail)
    source = source[:room].rstrip("-")
    return f"{NAME_PREFIX}{source}{tail}"


def run_token(run_id: str) -> str:
    token = run_id[:RUN_TOKEN_LENGTH].lower()
    if not re.fullmatch(r"[0-9a-f]{6}", token):
        raise ValueError(f"a run id starts with {RUN_TOKEN_LENGTH} hex digits; got {run_id!r}")
    return token


def is_managed_name(name: str | None) -> bool:
    return bool(name) and str(name).startswith(NAME_PREFIX)


def managed_tags(source: str, label: str, moment: datetime, user_tags: dict[str, str] | None = None) -> dict[str, str]:
    """The tags every steward backup carries: user tags first, so the markers always win."""
    tags = dict(user_tags or {})
    tags.update(
        {
            TAG_MANAGED: "true",
            TAG_SOURCE: source,
            TAG_CADENCE: label,
            TAG_CREATED: as_utc(moment).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
    )
    return tags


def is_managed_tags(tags: dict[str, str] | None) -> bool:
    return (tags or {}).get(TAG_MANAGED) == "true"


def label_from_name(name: str | None, source_id: str | None = None) -> str | None:
    """The label of a steward backup read back from its name, for kinds whose backups carry no tags (DynamoDB backups,
    PostgreSQL dumps, S3 manifests of old) and as a fallback for the others.

    With the backup's ``source_id`` the answer is exact, whatever hyphens the source and the label hold
    (``steward-visits-pre-deploy-…`` is ``pre-deploy`` of ``visits``, and ``deploy`` of ``visits-pre``): the label
    is the one that, with this source, gives back this very name. Without it (or for a name no label reproduces)
    the last hyphen-separated word is the best guess, as before 0.2.0.
    """
    if not is_managed_name(name):
        return None
    text = str(name)
    match = _STAMP.search(text)
    if not match:
        return None
    head = text[: match.start()]
    if source_id is not None:
        moment = datetime.strptime(match.group(1), _STAMP_FORMAT).replace(tzinfo=timezone.utc)
        token = match.group(2) or ""
        for position in range(len(NAME_PREFIX) - 1, len(head)):
            candidate = head[position + 1 :]
            if head[position] != "-" or not _LABEL.match(candidate):
                continue
            for strict in (False, True):
                if backup_name(source_id, candidate, moment, strict=strict, run_id=token) == text:
                    return candidate
    label = head.rsplit("-", 1)[-1]
    return label or None


def tag_list(tags: dict[str, str]) -> list[dict[str, str]]:
    """The ``[{'Key': k, 'Value': v}]`` shape most AWS APIs take."""
    return [{"Key": key, "Value": value} for key, value in sorted(tags.items())]


def tag_dict(tag_list_value: list[dict] | None) -> dict[str, str]:
    return {item["Key"]: item.get("Value", "") for item in (tag_list_value or [])}


def scratch_name(source_id: str, moment: datetime, max_length: int = 255, strict: bool = False) -> str:
    """``steward-rt-<source>-<YYYYmmdd-HHMMSS>``: the name of a restore test's scratch resource.

    ``strict`` gives a name valid for RDS identifiers and S3 buckets (lower case, letters, digits, hyphens).
    """
    source = source_id.lower() if strict else source_id
    source = re.sub(r"[^a-z0-9-]+" if strict else r"[^A-Za-z0-9_.-]+", "-", source)
    source = re.sub(r"-{2,}", "-", source).strip("-") or "resource"
    tail = f"-{stamp(moment)}"
    room = max_length - len(SCRATCH_PREFIX) - len(tail)
    return f"{SCRATCH_PREFIX}{source[:room].rstrip('-')}{tail}"


def scratch_tags(source: str, backup_id: str, run_id: str, expires: datetime) -> dict[str, str]:
    """The tags that mark a scratch resource as a restore test's, and say when a sweep may delete it."""
    return {
        TAG_MANAGED: "true",
        TAG_RESTORE_TEST: "true",
        TAG_SOURCE: source[:256],
        TAG_BACKUP: backup_id[:256],
        TAG_RUN: run_id,
        TAG_EXPIRES: as_utc(expires).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def is_expired_scratch(name: str | None, tags: dict[str, str] | None, now: datetime, prefix: str = SCRATCH_PREFIX) -> bool:
    """True only for a resource that bears the scratch name prefix AND the restore-test tag AND a past expiry.

    Anything else, including a scratch resource whose expiry tag is missing or unreadable, is never swept.
    """
    tags = tags or {}
    if not str(name or "").startswith(prefix) or tags.get(TAG_RESTORE_TEST) != "true":
        return False
    try:
        expires = datetime.strptime(tags.get(TAG_EXPIRES, ""), "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    except ValueError:
        return False
    return expires <= as_utc(now)


_STAMP_AT_END = re.compile(r"[-_](\d{8})[-_](\d{6})(?:-[0-9a-f]{6})?(?:\.json)?$")


def created_from_name(name: str) -> datetime | None:
    """The UTC time a steward name ends in; for stores without their own timestamps (S3 manifests, dumps)."""
    match = _STAMP_AT_END.search(name)
    if not match:
        return None
    return datetime.strptime(match.group(1) + match.group(2), "%Y%m%d%H%M%S").replace(tzinfo=timezone.utc)
