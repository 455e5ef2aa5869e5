# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 buckets: content-addressed, incremental copies into a backup bucket.

Layout in the backup bucket (``prefix`` defaults to ``steward``)::

    <prefix>/objects/sha256/<h[:2]>/<h>                 every distinct object body, stored once
    <prefix>/manifests/<source bucket>/<backup>.json    one per backup: key -> size, ETag, SHA256, stored object

A backup copies only bodies the store does not hold yet, so it is incremental, yet each manifest alone
describes a complete copy of the bucket: deleting other backups' manifests never makes it unrestorable,
as long as stored objects are collected only when no remaining manifest references them (restic's
forget + prune).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc, isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import error_code, not_found
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import BackupKind, newest_first
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._s3_objects import sha256_of
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._s3_restore import S3Restore, validate_user_check
from ansible_collections.steward.maintenance.plugins.module_utils._model import AVAILABLE, ORIGIN_STEWARD, Backup, Resource, Selected
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    TAG_CADENCE,
    TAG_MANAGED,
    created_from_name,
    label_from_name,
)
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import put_new_object
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

BUCKET_PATTERN = r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
STORAGE_CLASSES = ("STANDARD", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER", "GLACIER_IR", "DEEP_ARCHIVE")
MANIFEST_SCHEMA = 1
# A stored body modified this recently is never collected, whatever the manifests say: a backup running
# at the same time may have just stored it and not yet written the manifest that references it.
GC_GRACE = timedelta(hours=24)
_NO_OBJECT_LOCK = ("ObjectLockConfigurationNotFoundError", "InvalidRequest", "NoSuchObjectLockConfiguration")


def object_store_key(prefix: str, sha256: str) -> str:
    return f"{prefix}/objects/sha256/{sha256[:2]}/{sha256}"


def manifest_prefix(prefix: str, bucket: str) -> str:
    return f"{prefix}/manifests/{bucket}/"


class S3Kind(S3Restore, BackupKind):
    name = "s3"
    summary = "S3 buckets"
    names_doc = "bucket name"
    not_found_codes = ("404", "NoSuchBucket", "NotFound", "NoSuchKey")
    service = "s3"
    tagging_type = "s3"
    arn_pattern = r"^arn:aws[\w-]*:s3:::[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$"
    user_check_fields = ("object", "sha256")
    validate_user_check = staticmethod(validate_user_check)  # type: ignore[assignment]
    option_spec = {
        "backup_bucket": OptionSpec(required=True, pattern=BUCKET_PATTERN, description="bucket that receives the copies"),
        "prefix": OptionSpec(
            default="steward",
            pattern=r"^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$",
            description="key prefix in the backup bucket",
        ),
        "storage_class": OptionSpec(default="STANDARD", choices=STORAGE_CLASSES, description="storage class of copied objects"),
        "source_prefix": OptionSpec(default="", pattern=r"^.*$", description="back up only keys under this prefix"),
        "object_concurrency": OptionSpec(type="int", default=8, minimum=1, description="objects hashed or copied at once per bucket"),
    }

    def __init__(self, clients: Any) -> None:
        super().__init__(clients)
        self._object_lock: dict[str, bool] = {}  # backup bucket -> object lock enabled, asked once per run

    def id_from_arn(self, arn: str) -> str:
        return arn.split(":::", 1)[1]

    def describe(self, selected: Selected) -> Resource:
        backup_bucket = selected.options["backup_bucket"]
        if selected.id == backup_bucket:
            raise ResourceError(f"'{selected.id}' is its own backup_bucket; refusing to back a bucket up into itself", "invalid")
        for bucket, role in ((selected.id, "source bucket"), (backup_bucket, "backup_bucket")):
            try:
                self.client.head_bucket(Bucket=bucket)
            except Exception as error:
                if error_code(error) in ("404", "NoSuchBucket", "NotFound"):
                    if role == "source bucket":
                        raise not_found(self.name, bucket) from None
                    raise ResourceError(f"backup_bucket '{bucket}' does not exist", "not_found") from None
                raise
        details = {
            "backup_bucket": backup_bucket,
            "prefix": selected.options["prefix"],
            "storage_class": selected.options["storage_class"],
            "source_prefix": selected.options["source_prefix"],
        }
        return Resource(self.name, selected.id, f"arn:aws:s3:::{selected.id}", details, selected.options)

    # --- backups are manifests ----------------------------------------------------------------------
    def list_backups(self, resource: Resource) -> list[Backup]:
        options = resource.options
        paginator = self.client.get_paginator("list_objects_v2")
        backups = []
        for page in paginator.paginate(Bucket=options["backup_bucket"], Prefix=manifest_prefix(options["prefix"], resource.id)):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".json"):
                    backups.append(self._from_listing(resource, item))
        return newest_first(backups)

    def refresh_backup(self, backup: Backup) -> Backup:
        # A manifest is written last, once every object is stored: if it exists, the backup is complete.
        return backup

    def create_backup(self, resource: Resource, name: str, tags: dict[str, str], now: datetime) -> Backup:
        options = resource.options
        store_bucket, prefix = options["backup_bucket"], options["prefix"]
        previous = self._newest_manifest(resource)
        # Bodies already described by the newest manifest need no re-read: same key, ETag and size
        # means the same bytes. Their stored objects exist, because manifests are written last.
        known = {(entry["key"], entry["etag"], entry["size"]): entry["sha256"] for entry in (previous or {}).get("objects", [])}
        stored = set(known.values())
        items = list(self._source_objects(resource.id, options["source_prefix"]))
        workers = options["object_concurrency"]
        # Hash what changed, then store each new body once, both with a small pool of their own: a bucket's
        # objects would otherwise be read and copied one after another inside this bucket's single worker.
        unknown = [item for item in items if (item["Key"], item["ETag"], item["Size"]) not in known]
        for outcome in fan_out(unknown, lambda item: self._sha256(resource.id, item), workers):
            if not outcome.ok:
                raise outcome.error  # type: ignore[misc]
            known[(outcome.item["Key"], outcome.item["ETag"], outcome.item["Size"])] = outcome.value  # type: ignore[assignment]
        first_of_new_body: dict[str, dict[str, Any]] = {}
        for item in items:
            sha256 = known[(item["Key"], item["ETag"], item["Size"])]
            if sha256 not in stored and sha256 not in first_of_new_body:
                first_of_new_body[sha256] = item
        # Copied even when an older, unreferenced copy exists: the copy refreshes its LastModified, and garbage
        # collection spares anything modified within GC_GRACE, so a prune running at the same time cannot
        # collect a body this backup is about to reference.
        copies = fan_out(
            list(first_of_new_body.items()),
            lambda pair: self._store(resource.id, pair[1], store_bucket, object_store_key(prefix, pair[0]), options["storage_class"]),
            workers,
        )
        for outcome in copies:
            if not outcome.ok:
                raise outcome.error  # type: ignore[misc]
        copied, copied_bytes = len(first_of_new_body), sum(item["Size"] for item in first_of_new_body.values())
        entries = []
        for item in items:
            sha256 = known[(item["Key"], item["ETag"], item["Size"])]
            entries.append(
                {
                    "key": item["Key"],
                    "size": item["Size"],
                    "etag": item["ETag"],
                    "sha256": sha256,
                    "stored_key": object_store_key(prefix, sha256),
                    "last_modified": isoformat(item["LastModified"]),
                }
            )
        manifest = {
            "schema": MANIFEST_SCHEMA,
            "kind": self.name,
            "backup_id": name,
            "source_bucket": resource.id,
            "source_prefix": options["source_prefix"],
            "created": isoformat(now),
            "label": tags.get(TAG_CADENCE) or label_from_name(name, resource.id),
            "store": {"bucket": store_bucket, "prefix": f"{prefix}/objects/sha256/"},
            "storage_class": options["storage_class"],
            "object_count": len(entries),
            "total_bytes": sum(entry["size"] for entry in entries),
            "copied_objects": copied,
            "copied_bytes": copied_bytes,
            "reused_objects": len(entries) - copied,
            "tags": tags,
            "objects": entries,
        }
        manifest_key = f"{manifest_prefix(prefix, resource.id)}{name}.json"
        put_new_object(
            self.client,
            Bucket=store_bucket,
            Key=manifest_key,
            Body=json.dumps(manifest, sort_keys=True).encode(),
            ContentType="application/json",
            Tagging=f"{TAG_MANAGED}=true&{TAG_CADENCE}={manifest['label'] or ''}",
        )
        backup = self._backup(resource, name, manifest_key, now, manifest["total_bytes"])
        backup.details.update(
            {k: manifest[k] for k in ("object_count", "copied_objects", "copied_bytes", "reused_objects", "storage_class")}
        )
        return backup

    # --- retention: forget manifests, then prune unreferenced bodies ---------------------------------
    def deletion_blocker(self, backup: Backup, now: datetime) -> str | None:
        bucket, key = backup.details["backup_bucket"], backup.details["manifest_key"]
        if not self._object_lock_enabled(bucket):
            return None  # without object lock there is neither a legal hold nor a retention date
        # One HEAD answers both: the legal hold status and the retention mode and date.
        head = self.client.head_object(Bucket=bucket, Key=key)
        if head.get("ObjectLockLegalHoldStatus") == "ON":
            return "the manifest is under an S3 legal hold"
        until = head.get("ObjectLockRetainUntilDate")
        if until and as_utc(until) > now:
            return f"the manifest is under S3 object lock ({head.get('ObjectLockMode')}) until {isoformat(until)}"
        return None

    def _object_lock_enabled(self, bucket: str) -> bool:
        if bucket not in self._object_lock:
            try:
                configuration = self.client.get_object_lock_configuration(Bucket=bucket).get("ObjectLockConfiguration") or {}
                self._object_lock[bucket] = configuration.get("ObjectLockEnabled") == "Enabled"
            except Exception as error:
                if error_code(error) not in _NO_OBJECT_LOCK:
                    raise
                self._object_lock[bucket] = False
        return self._object_lock[bucket]

    def delete_backup(self, backup: Backup) -> bool:
        # DeleteObject answers success whether or not the key was there: retried, it is harmless.
        self.client.delete_object(Bucket=backup.details["backup_bucket"], Key=backup.details["manifest_key"])
        return True

    def collect_garbage(self, resource: Resource, now: datetime) -> dict[str, Any]:
        """Delete stored bodies that no manifest in the store references (any source bucket's), older than GC_GRACE."""
        bucket, prefix = resource.options["backup_bucket"], resource.options["prefix"]
        paginator = self.client.get_paginator("list_objects_v2")
        # Bodies are listed before manifests: a body stored after this listing is not a candidate at all.
        candidates = {
            item["Key"]: item
            for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/objects/sha256/")
            for item in page.get("Contents", [])
        }
        referenced: set[str] = set()
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/manifests/"):
            for item in page.get("Contents", []):
                if item["Key"].endswith(".json"):
                    manifest = json.loads(self.client.get_object(Bucket=bucket, Key=item["Key"])["Body"].read())
                    referenced.update(entry["stored_key"] for entry in manifest.get("objects", []))
        horizon = now - GC_GRACE
        doomed = [key for key, item in candidates.items() if key not in referenced and as_utc(item["LastModified"]) < horizon]
        for start in range(0, len(doomed), 1000):
            batch = [{"Key": key} for key in doomed[start : start + 1000]]
            self.client.delete_objects(Bucket=bucket, Delete={"Objects": batch, "Quiet": True})
        return {
            "stored_objects": len(candidates),
            "referenced_objects": len(referenced & set(candidates)),
            "collected_objects": len(doomed),
            "collected_bytes": sum(candidates[key]["Size"] for key in doomed),
        }

    # --- helpers ------------------------------------------------------------------------------------
    def _source_objects(self, bucket: str, source_prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=source_prefix):
            yield from page.get("Contents", [])

    def _sha256(self, bucket: str, item: dict[str, Any]) -> str:
        # IfMatch pins the body to the listed ETag: if the object changes under us, the backup fails
        # for this bucket rather than recording a hash of bytes it never stored.
        return sha256_of(self.client.get_object(Bucket=bucket, Key=item["Key"], IfMatch=item["ETag"])["Body"])

    def _store(self, bucket: str, item: dict[str, Any], store_bucket: str, store_key: str, storage_class: str) -> None:
        # Managed copy: server-side, multipart above 8 MiB, so objects over 5 GiB copy too.
        self.client.copy(
            {"Bucket": bucket, "Key": item["Key"]},
            store_bucket,
            store_key,
            ExtraArgs={"StorageClass": storage_class, "CopySourceIfMatch": item["ETag"]},
        )

    def _newest_manifest(self, resource: Resource) -> dict[str, Any] | None:
        backups = self.list_backups(resource)
        if not backups:
            return None
        newest = backups[0]
        body = self.client.get_object(Bucket=resource.options["backup_bucket"], Key=newest.details["manifest_key"])["Body"]
        return json.loads(body.read())

    def _from_listing(self, resource: Resource, item: dict[str, Any]) -> Backup:
        name = item["Key"].rsplit("/", 1)[-1][: -len(".json")]
        return self._backup(resource, name, item["Key"], created_from_name(name) or as_utc(item["LastModified"]), None)

    def _backup(self, resource: Resource, name: str, manifest_key: str, created: datetime, size: int | None) -> Backup:
        bucket = resource.options["backup_bucket"]
        return Backup(
            kind=self.name,
            source_id=resource.id,
            id=name,
            arn=f"arn:aws:s3:::{bucket}/{manifest_key}",
            name=name,
            created=created,
            state=AVAILABLE,
            origin=ORIGIN_STEWARD,  # the store holds only what steward wrote
            label=label_from_name(name, resource.id),
            size_bytes=size,
            details={"backup_bucket": bucket, "manifest_key": manifest_key},
        )
