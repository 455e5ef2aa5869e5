# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""S3 restore tests: copy a backup's objects back out of the store and prove every byte against the manifest.

The scratch is either a new bucket named ``steward-rt-...`` (the default) or, with ``scratch.s3.bucket``, a
prefix ``steward-rt-.../`` in a bucket the user provides, marked by a small marker object so that a sweep can
tell it from anything else in that bucket.
"""

from __future__ import annotations

import json
import random
from typing import Any
from urllib.parse import urlencode

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import error_code
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._protocol import Evidence
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._s3_objects import sha256_of, tag_object_verified
from ansible_collections.steward.maintenance.plugins.module_utils._model import (
    AVAILABLE,
    FAILED,
    LAYER_CONTENT,
    LAYER_SHAPE,
    LAYER_USER,
    PENDING,
    Backup,
    Check,
    Resource,
    Scratch,
)
from ansible_collections.steward.maintenance.plugins.module_utils._naming import (
    SCRATCH_PREFIX,
    is_expired_scratch,
    tag_dict,
    tag_list,
)
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec
from ansible_collections.steward.maintenance.plugins.module_utils._verify import count_within

MARKER = ".steward-restore-test.json"
_SHOWN = 5  # failing keys named in a check's detail; the rest are counted (results stay small)


def validate_user_check(path: str, check: dict[str, Any]) -> dict[str, Any]:
    key = check.get("object")
    if not isinstance(key, str) or not key:
        raise OptionError(f"{path}.object", key, "an s3 check needs object: the key of an object that must be restored")
    sha256 = check.get("sha256")
    if sha256 is not None and (not isinstance(sha256, str) or len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256)):
        raise OptionError(f"{path}.sha256", sha256, "expected 64 lowercase hex digits")
    for field_name in ("item", "attributes"):
        if check.get(field_name):
            raise OptionError(f"{path}.{field_name}", check[field_name], "not a field of an s3 check (object, sha256)")
    return {"object": key, "sha256": sha256, "names": check.get("names") or []}


def _listed(names: list[str], total: int) -> str:
    more = f" and {total - len(names)} more" if total > len(names) else ""
    return ", ".join(names) + more


class S3Restore:
    """The restore-test half of the s3 kind (mixed into S3Kind)."""

    name: str
    client: Any
    scratch_name_max = 63  # a bucket name
    scratch_strict_names = True
    scratch_option_spec = {
        "bucket": OptionSpec(
            pattern=r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$",
            description="restore under a steward-rt-... prefix of this existing bucket instead of a new bucket",
        ),
        "sample": OptionSpec(type="int", default=0, minimum=0, description="objects whose SHA256 is checked; 0 checks all"),
    }

    # --- restore --------------------------------------------------------------------------------------
    def scratch_exists(self, name: str, resource: Resource, options: dict[str, Any]) -> bool:
        if options.get("bucket"):
            listing = self.client.list_objects_v2(Bucket=options["bucket"], Prefix=f"{name}/", MaxKeys=1)
            return bool(listing.get("KeyCount") or listing.get("Contents"))
        # A 403 raises: the name is taken by someone else's bucket.
        return self.exists(lambda: self.client.head_bucket(Bucket=name))

    def restore(self, resource: Resource, backup: Backup, name: str, tags: dict[str, str], options: dict[str, Any]) -> Scratch:
        """Make the empty scratch (bucket or marked prefix); the copying is the next step, in advance_scratch."""
        bucket = options.get("bucket")
        if bucket in (resource.id, resource.options.get("backup_bucket")):
            raise ResourceError(
                f"scratch.s3.bucket '{bucket}' is the source or the backup bucket; restore tests never write there", "invalid"
            )
        details = {
            "bucket": bucket or name,
            "prefix": f"{name}/" if bucket else "",
            "created_bucket": not bucket,
            "copied": False,
            "manifest": {"bucket": backup.details["backup_bucket"], "key": backup.details["manifest_key"]},
            "object_concurrency": resource.options.get("object_concurrency") or 8,
            "options": options,
        }
        if bucket:
            marker = {"scratch": name, "backup": backup.id, "tags": tags}
            self.client.put_object(Bucket=bucket, Key=f"{name}/{MARKER}", Body=json.dumps(marker).encode(), Tagging=urlencode(tags))
        else:
            region = self.client.meta.region_name
            kwargs: dict[str, Any] = {"Bucket": name}
            if region and region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
            self.create_once(
                lambda client: client.create_bucket(**kwargs), lambda: self.found(lambda: self.client.head_bucket(Bucket=name))
            )
        scratch = Scratch(self.name, name, name, PENDING, f"arn:aws:s3:::{details['bucket']}", details, tags)
        if not bucket:
            try:
                self.client.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tag_list(tags)})
            except Exception:  # noqa: BLE001 - retried by advance_scratch; the bucket is already ours to delete
                scratch.details["tagged"] = False
        return scratch

    def advance_scratch(self, scratch: Scratch) -> Scratch:
        if scratch.details.get("tagged") is False:
            self.client.put_bucket_tagging(Bucket=scratch.id, Tagging={"TagSet": tag_list(scratch.tags)})
            scratch.details["tagged"] = True
        if not scratch.details["copied"]:
            self._copy_all(scratch)
            scratch.details["copied"] = True
        scratch.state = AVAILABLE
        return scratch

    def _copy_all(self, scratch: Scratch) -> None:
        manifest = self._manifest_of(scratch)
        store = manifest["store"]["bucket"]
        workers = scratch.details["object_concurrency"]
        entries = manifest.get("objects", [])

        def copy(entry: dict[str, Any]) -> None:
            target = scratch.details["prefix"] + entry["key"]
            self.client.copy({"Bucket": store, "Key": entry["stored_key"]}, scratch.details["bucket"], target)

        failures = [outcome for outcome in fan_out(entries, copy, workers) if not outcome.ok]
        if failures:
            keys = [outcome.item["key"] for outcome in failures[:_SHOWN]]
            raise ResourceError(
                f"{len(failures)} of {len(entries)} objects could not be restored from the store ({_listed(keys, len(failures))}): "
                f"{failures[0].error}",
                "restore_failed",
            )
        scratch.details["object_count"] = len(entries)

    def _manifest_of(self, scratch: Scratch) -> dict[str, Any]:
        source = scratch.details["manifest"]
        return json.loads(self.client.get_object(Bucket=source["bucket"], Key=source["key"])["Body"].read())

    # --- verification --------------------------------------------------------------------------------
    def verify(self, resource: Resource, backup: Backup, scratch: Scratch, evidence: Evidence) -> list[Check]:
        manifest = self._manifest_of(scratch)
        bucket, prefix = scratch.details["bucket"], scratch.details["prefix"]
        restored: dict[str, int] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(prefix) :]
                if key != MARKER:
                    restored[key] = item["Size"]
        entries = {entry["key"]: entry for entry in manifest.get("objects", [])}
        checks = [Check("usable", "usable", True, "listable", "listable")]
        checks.append(count_within(LAYER_SHAPE, "object_count", manifest.get("object_count"), len(restored), 0.0))
        missing = sorted(set(entries) - set(restored))
        unexpected = sorted(set(restored) - set(entries))
        wrong_size = sorted(key for key in set(entries) & set(restored) if entries[key]["size"] != restored[key])
        for name, keys in (("missing_objects", missing), ("unexpected_objects", unexpected), ("object_sizes", wrong_size)):
            detail = f"{len(keys)}: {_listed(keys[:_SHOWN], len(keys))}" if keys else ""
            checks.append(Check(LAYER_SHAPE, name, not keys, 0, len(keys), detail))
        checks.append(self._content_check(scratch, entries, set(restored), evidence))
        for index, check in enumerate(evidence.user_checks):
            checks.append(self._user_check(scratch, index, check, restored))
        return checks

    def _content_check(self, scratch: Scratch, entries: dict[str, Any], restored: set[str], evidence: Evidence) -> Check:
        candidates = sorted(restored & set(entries))
        sample = scratch.details["options"].get("sample") or 0
        if sample and sample < len(candidates):
            # Seeded by the run id (in the ledger record), so the sample an auditor reads about can be redrawn.
            candidates = sorted(random.Random(evidence.seed).sample(candidates, sample))
        bucket, prefix = scratch.details["bucket"], scratch.details["prefix"]

        def digest(key: str) -> str:
            return sha256_of(self.client.get_object(Bucket=bucket, Key=prefix + key)["Body"])

        mismatched, unreadable = [], []
        for outcome in fan_out(candidates, digest, scratch.details["object_concurrency"]):
            if not outcome.ok:
                unreadable.append(outcome.item)
            elif outcome.value != entries[outcome.item]["sha256"]:
                mismatched.append(outcome.item)
        bad = sorted(mismatched + unreadable)
        scope = f"{len(candidates)} of {len(entries)} objects" if sample else f"all {len(candidates)} objects"
        detail = f"{scope} hashed"
        if bad:
            detail += (
                f"; {len(mismatched)} differ from the manifest's SHA256, {len(unreadable)} unreadable: {_listed(bad[:_SHOWN], len(bad))}"
            )
        return Check(
            LAYER_CONTENT, "sha256", not bad and bool(candidates or not entries), len(candidates), len(candidates) - len(bad), detail
        )

    def _user_check(self, scratch: Scratch, index: int, check: dict[str, Any], restored: dict[str, int]) -> Check:
        name, key = f"checks[{index}]", check["object"]
        if key not in restored:
            return Check(LAYER_USER, name, False, key, None, f"object {key} is missing from the restore")
        if check["sha256"] is None:
            return Check(LAYER_USER, name, True, key, key)
        body = self.client.get_object(Bucket=scratch.details["bucket"], Key=scratch.details["prefix"] + key)["Body"]
        actual = sha256_of(body)
        detail = "" if actual == check["sha256"] else f"object {key} has SHA256 {actual}, expected {check['sha256']}"
        return Check(LAYER_USER, name, actual == check["sha256"], check["sha256"], actual, detail)

    # --- cleanup --------------------------------------------------------------------------------------
    def adopt_scratch(self, name: str, resource: Resource, options: dict[str, Any], tags: dict[str, str]) -> Scratch | None:
        if not self.scratch_exists(name, resource, options):
            return None
        bucket = options.get("bucket")
        details = {"bucket": bucket or name, "prefix": f"{name}/" if bucket else "", "created_bucket": not bucket}
        return Scratch(self.name, name, name, FAILED, f"arn:aws:s3:::{details['bucket']}", details, tags)

    def delete_scratch(self, scratch: Scratch) -> None:
        bucket, prefix = scratch.details["bucket"], scratch.details["prefix"]
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
                keys = [{"Key": item["Key"]} for item in page.get("Contents", [])]
                if keys:
                    self.client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})
            if scratch.details["created_bucket"]:
                self.client.delete_bucket(Bucket=bucket)
        except Exception as error:
            if error_code(error) not in ("NoSuchBucket", "404"):
                raise

    def find_expired_scratch(self, now: Any, options: dict[str, Any]) -> list[Scratch]:
        expired = []
        for bucket in self.client.list_buckets().get("Buckets", []):
            name = bucket["Name"]
            if not name.startswith(SCRATCH_PREFIX):
                continue
            try:
                tags = tag_dict(self.client.get_bucket_tagging(Bucket=name).get("TagSet"))
            except Exception as error:
                if error_code(error) in ("NoSuchTagSet", "NoSuchBucket"):
                    continue  # untagged: not provably steward's, never swept
                raise
            if is_expired_scratch(name, tags, now):
                expired.append(
                    Scratch(
                        self.name,
                        name,
                        name,
                        "expired",
                        f"arn:aws:s3:::{name}",
                        {"bucket": name, "prefix": "", "created_bucket": True},
                        tags,
                    )
                )
        if options.get("bucket"):
            expired += self._expired_prefixes(options["bucket"], now)
        return expired

    def _expired_prefixes(self, bucket: str, now: Any) -> list[Scratch]:
        expired = []
        listing = self.client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=SCRATCH_PREFIX, Delimiter="/")
        for page in listing:
            for common in page.get("CommonPrefixes", []):
                name = common["Prefix"].rstrip("/")
                try:
                    marker = json.loads(self.client.get_object(Bucket=bucket, Key=f"{name}/{MARKER}")["Body"].read())
                except Exception as error:
                    if error_code(error) in ("NoSuchKey", "404"):
                        continue  # no marker: not provably a restore test's, never swept
                    raise
                tags = marker.get("tags") or {}
                if marker.get("scratch") == name and is_expired_scratch(name, tags, now):
                    details = {"bucket": bucket, "prefix": f"{name}/", "created_bucket": False}
                    expired.append(Scratch(self.name, name, name, "expired", f"arn:aws:s3:::{bucket}/{name}/", details, tags))
        return expired

    def mark_verified(self, backup: Backup, moment: Any) -> bool:
        return tag_object_verified(self.client, backup.details["backup_bucket"], backup.details["manifest_key"], moment)
