# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The evidence ledger: one JSON record per action per resource, never overwritten.

Records live at ``<root>/<kind>/<resource>/<action>/<UTC time>-<run id>-<random>.json`` in a local
directory or under ``s3://bucket/prefix``. Every key is new (time, run and a random part), and local files
appear atomically (written aside, then hard-linked into place, which fails rather than replaces), so two
runs at once never overwrite or half-read each other's records.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import put_new_object

RECORD_SCHEMA = 1
_SAFE = re.compile(r"[^A-Za-z0-9_.=-]+")
_S3_URL = re.compile(r"^s3://([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:/(.*))?$")


def _safe(part: str) -> str:
    """Resource ids contain ':' and '/' (ARNs); keep records one directory level per part."""
    return _SAFE.sub("_", part).strip("_") or "_"


def record_key(kind: str, resource_id: str, action: str, moment: datetime, run_id: str) -> str:
    stamp = as_utc(moment).strftime("%Y%m%dT%H%M%S%fZ")
    return f"{_safe(kind)}/{_safe(resource_id)}/{_safe(action)}/{stamp}-{run_id}-{uuid.uuid4().hex[:8]}.json"


_STAMP = re.compile(r"^(\d{8}T\d{6})(\d{6})Z-")


@dataclass(frozen=True)
class RecordRef:
    """One record as its key names it: enough to filter by kind, resource, action and time without reading it."""

    kind: str
    resource: str  # the resource id as keys spell it (``_safe``)
    action: str
    name: str
    moment: datetime | None

    @classmethod
    def from_key(cls, key: str) -> RecordRef | None:
        parts = key.split("/")
        if len(parts) != 4 or not parts[3].endswith(".json") or parts[3].startswith("."):
            return None
        match = _STAMP.match(parts[3])
        moment = datetime.strptime(match.group(1) + match.group(2), "%Y%m%dT%H%M%S%f").replace(tzinfo=timezone.utc) if match else None
        return cls(parts[0], parts[1], parts[2], parts[3], moment)


def safe_id(resource_id: str) -> str:
    """A resource id as record keys spell it."""
    return _safe(resource_id)


class Ledger:
    """Where records go. ``location`` is what results report."""

    location: str | None = None

    def check_writable(self) -> None:
        """Raise before any change is made if records could not be written."""

    def write(self, key: str, record: dict[str, Any]) -> str:
        raise NotImplementedError

    def read_all(self, kind: str, resource_id: str, action: str) -> list[dict[str, Any]]:
        raise NotImplementedError

    def record_names(self, kind: str, resource_id: str, action: str) -> list[str]:
        """The names of a resource's records of one action, oldest first (their names start with the UTC time)."""
        raise NotImplementedError

    def read_record(self, kind: str, resource_id: str, action: str, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def list_all(self, kind: str | None = None) -> list[RecordRef]:
        """Every record's reference, from one listing (of one kind's part when ``kind`` is given); none is read."""
        raise NotImplementedError

    def latest(
        self, kind: str, resource_id: str, action: str, match: Callable[[dict[str, Any]], bool] | None = None
    ) -> dict[str, Any] | None:
        """The newest record of a resource's action that ``match`` accepts, or None.

        One listing of names, then records are read newest first until one matches: the usual answer (the last
        checkpoint) costs one listing and one read, however long the history.
        """
        for name in reversed(self.record_names(kind, resource_id, action)):
            record = self.read_record(kind, resource_id, action, name)
            if match is None or match(record):
                return record
        return None


class NullLedger(Ledger):
    """No ledger configured: results still report everything, but nothing is kept."""

    def write(self, key: str, record: dict[str, Any]) -> str:
        return ""

    def read_all(self, kind: str, resource_id: str, action: str) -> list[dict[str, Any]]:
        return []

    def record_names(self, kind: str, resource_id: str, action: str) -> list[str]:
        return []

    def list_all(self, kind: str | None = None) -> list[RecordRef]:
        return []


class LocalLedger(Ledger):
    def __init__(self, root: str) -> None:
        self.root = root
        self.location = root

    def check_writable(self) -> None:
        try:
            os.makedirs(self.root, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".probe-"):
                pass
        except OSError as error:
            raise OptionError("ledger", self.root, f"cannot write records there ({error.strerror or error})") from None

    def write(self, key: str, record: dict[str, Any]) -> str:
        path = os.path.join(self.root, *key.split("/"))
        directory = os.path.dirname(path)
        os.makedirs(directory, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-", suffix=".json")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                json.dump(record, stream, indent=2, sort_keys=True, default=str)
                stream.write("\n")
                stream.flush()
                os.fsync(stream.fileno())
            os.link(temporary, path)  # fails if the name exists: a record is never replaced
        finally:
            os.unlink(temporary)
        return path

    def _directory(self, kind: str, resource_id: str, action: str) -> str:
        return os.path.join(self.root, _safe(kind), _safe(resource_id), _safe(action))

    def record_names(self, kind: str, resource_id: str, action: str) -> list[str]:
        directory = self._directory(kind, resource_id, action)
        if not os.path.isdir(directory):
            return []
        return sorted(name for name in os.listdir(directory) if name.endswith(".json") and not name.startswith("."))

    def read_record(self, kind: str, resource_id: str, action: str, name: str) -> dict[str, Any]:
        with open(os.path.join(self._directory(kind, resource_id, action), name), encoding="utf-8") as stream:
            return json.load(stream)

    def read_all(self, kind: str, resource_id: str, action: str) -> list[dict[str, Any]]:
        return [self.read_record(kind, resource_id, action, name) for name in self.record_names(kind, resource_id, action)]

    def list_all(self, kind: str | None = None) -> list[RecordRef]:
        top = os.path.join(self.root, _safe(kind)) if kind else self.root
        refs = []
        for directory, _subdirs, files in os.walk(top):
            relative = os.path.relpath(directory, self.root).replace(os.sep, "/")
            for name in files:
                ref = RecordRef.from_key(f"{relative}/{name}")
                if ref is not None:
                    refs.append(ref)
        return refs

    def read_ref(self, ref: RecordRef) -> dict[str, Any]:
        with open(os.path.join(self.root, ref.kind, ref.resource, ref.action, ref.name), encoding="utf-8") as stream:
            return json.load(stream)


class S3Ledger(Ledger):
    def __init__(self, client_factory: Any, bucket: str, prefix: str) -> None:
        self._clients = client_factory
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.location = f"s3://{bucket}/{self.prefix}" if self.prefix else f"s3://{bucket}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def check_writable(self) -> None:
        try:
            self._clients.client("s3").head_bucket(Bucket=self.bucket)
        except Exception as error:  # noqa: BLE001 - any failure here means no evidence could be kept
            raise OptionError("ledger", self.location, f"cannot reach the ledger bucket ({error})") from None

    def write(self, key: str, record: dict[str, Any]) -> str:
        body = json.dumps(record, indent=2, sort_keys=True, default=str).encode()
        # If-None-Match: a record is never replaced, in S3 as on disk (keys are unique; this makes it a refusal too).
        put_new_object(self._clients.client("s3"), Bucket=self.bucket, Key=self._key(key), Body=body, ContentType="application/json")
        return f"s3://{self.bucket}/{self._key(key)}"

    def _prefix(self, kind: str, resource_id: str, action: str) -> str:
        return self._key(f"{_safe(kind)}/{_safe(resource_id)}/{_safe(action)}/")

    def record_names(self, kind: str, resource_id: str, action: str) -> list[str]:
        s3 = self._clients.client("s3")
        prefix = self._prefix(kind, resource_id, action)
        names = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
            names.extend(item["Key"][len(prefix) :] for item in page.get("Contents", []) if item["Key"].endswith(".json"))
        return sorted(names)

    def read_record(self, kind: str, resource_id: str, action: str, name: str) -> dict[str, Any]:
        key = self._prefix(kind, resource_id, action) + name
        return json.loads(self._clients.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read())

    def read_all(self, kind: str, resource_id: str, action: str) -> list[dict[str, Any]]:
        return [self.read_record(kind, resource_id, action, name) for name in self.record_names(kind, resource_id, action)]

    def list_all(self, kind: str | None = None) -> list[RecordRef]:
        s3 = self._clients.client("s3")
        root = self._key(f"{_safe(kind)}/" if kind else "")
        base = self._key("")
        refs = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=root):
            for item in page.get("Contents", []):
                ref = RecordRef.from_key(item["Key"][len(base) :])
                if ref is not None:
                    refs.append(ref)
        return refs

    def read_ref(self, ref: RecordRef) -> dict[str, Any]:
        key = self._key(f"{ref.kind}/{ref.resource}/{ref.action}/{ref.name}")
        return json.loads(self._clients.client("s3").get_object(Bucket=self.bucket, Key=key)["Body"].read())


def parse_ledger(value: str | None) -> tuple[str, str, str] | None:
    """Validate the ``ledger`` option without touching anything: ('local', path, '') or ('s3', bucket, prefix)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise OptionError("ledger", value, "expected a directory path or s3://bucket/prefix")
    if value.startswith("s3://"):
        match = _S3_URL.match(value)
        if not match:
            raise OptionError("ledger", value, "expected s3://bucket/prefix with a valid bucket name")
        return ("s3", match.group(1), (match.group(2) or "").strip("/"))
    path = os.path.expanduser(value)
    if not os.path.isabs(path):
        raise OptionError("ledger", value, 'a local ledger must be an absolute path (for example "{{ playbook_dir }}/ledger")')
    return ("local", os.path.normpath(path), "")


def open_ledger(parsed: tuple[str, str, str] | None, client_factory: Any) -> Ledger:
    if parsed is None:
        return NullLedger()
    scheme, where, prefix = parsed
    if scheme == "s3":
        return S3Ledger(client_factory, where, prefix)
    return LocalLedger(where)
