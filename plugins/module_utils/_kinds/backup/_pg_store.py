# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where PostgreSQL dumps live: a local directory or an S3 prefix, the same layout in both::

    <dump_dir or s3://dump_bucket/dump_prefix>/<host>-<port>/<database>/<backup>.dump    pg_dump's custom format
                                                                        /<backup>.json    the manifest (evidence)

A dump is written first (a local one under a temporary name of its own, linked into place when complete) and its
manifest last: a backup whose manifest exists is complete, which is what listing relies on. Nothing is ever written
over a dump or a manifest that is already there (a local link, like S3's If-None-Match, refuses), so two runs can
never mix their files; ``discard`` removes only what this store wrote.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import uuid
from pathlib import Path
from typing import IO, Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import exists
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._s3_objects import (
    CHUNK,
    sha256_of,
    tag_object_verified,
)
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import put_new_object


class _HashingReader:
    """A file-like view of a stream that hashes and counts what passes through (for streamed uploads).

    With a ``sink`` (a validator's stdin), every chunk is also written there; a sink that stops reading early
    (it found the stream broken) is closed and left alone, and its own verdict says why.
    """

    def __init__(self, stream: IO[bytes], sink: IO[bytes] | None = None) -> None:
        self.stream = stream
        self.sink = sink
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size if size and size > 0 else CHUNK)
        self.digest.update(chunk)
        if len(self.head) < 5:
            self.head += chunk[: 5 - len(self.head)]
        self.size += len(chunk)
        if self.sink is not None and chunk:
            try:
                self.sink.write(chunk)
            except (BrokenPipeError, OSError):
                self.sink = None
        return chunk


def server_label(options: dict[str, Any]) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", f"{options['host']}-{options['port']}")


def open_store(clients: Any, options: dict[str, Any], database: str) -> DumpStore:
    if options.get("dump_bucket"):
        return S3DumpStore(clients.client("s3"), options["dump_bucket"], f"{options['dump_prefix']}/{server_label(options)}/{database}")
    return LocalDumpStore(Path(options["dump_dir"]) / server_label(options) / database)


def known_databases(clients: Any, options: dict[str, Any]) -> list[str]:
    """The databases of this server that earlier dumps in the store name (their folders or prefixes)."""
    if options.get("dump_bucket"):
        paginator = clients.client("s3").get_paginator("list_objects_v2")
        root = f"{options['dump_prefix']}/{server_label(options)}/"
        pages = paginator.paginate(Bucket=options["dump_bucket"], Prefix=root, Delimiter="/")
        return sorted(entry["Prefix"][len(root) : -1] for page in pages for entry in page.get("CommonPrefixes", []))
    root_dir = Path(options["dump_dir"]) / server_label(options)
    return sorted(path.name for path in root_dir.iterdir() if path.is_dir()) if root_dir.is_dir() else []


def reopen_store(clients: Any, reference: dict[str, str]) -> DumpStore:
    """The store a backup's ``store`` reference names (retention and restore tests work from the backup alone)."""
    if reference["type"] == "s3":
        return S3DumpStore(clients.client("s3"), reference["bucket"], reference["prefix"])
    return LocalDumpStore(Path(reference["directory"]))


class DumpStore:
    location: str

    def reference(self) -> dict[str, str]:
        raise NotImplementedError

    def check_writable(self) -> None:
        raise NotImplementedError

    def write_dump(self, name: str, stream: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int, bytes]:
        """Store a dump from a stream (copying it into ``sink`` as it goes); returns its SHA256, size and first bytes."""
        raise NotImplementedError

    def publish_dump(self, name: str) -> None:
        """Make a written dump final (a local one is renamed into place; an S3 upload is final already)."""

    def write_manifest(self, name: str, manifest: dict[str, Any]) -> str:
        raise NotImplementedError

    def manifests(self) -> list[tuple[str, str, int | None]]:
        """(backup name, manifest location, dump size) of every complete backup."""
        raise NotImplementedError

    def read_manifest(self, name: str) -> dict[str, Any]:
        raise NotImplementedError

    def local_dump(self, name: str, scratch_dir: str) -> tuple[str, str]:
        """A local path to the dump (downloaded into ``scratch_dir`` when remote) and the SHA256 of what was read."""
        raise NotImplementedError

    def delete(self, name: str) -> None:
        raise NotImplementedError

    def discard(self, name: str) -> None:
        """Remove what a failed backup may have left (never a manifest: a failed backup has none)."""

    def mark_verified(self, name: str, moment: Any) -> bool:
        return False


def _hash_file(path: str) -> str:
    with open(path, "rb") as handle:
        return sha256_of(handle)


def _place(temporary: Path, final: Path) -> None:
    """Move a complete file into place unless something is there already (a hard link refuses to replace)."""
    try:
        os.link(temporary, final)
    except FileExistsError:
        raise ResourceError(f"{final} already exists; refusing to overwrite what another run wrote", "exists") from None
    finally:
        temporary.unlink(missing_ok=True)


class LocalDumpStore(DumpStore):
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.location = str(directory)
        self._partials: dict[str, Path] = {}  # this store's own temporary files, by backup name

    def reference(self) -> dict[str, str]:
        return {"type": "local", "directory": self.location}

    def check_writable(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.directory, prefix=".steward-probe-"):
                pass
        except OSError as error:
            raise ResourceError(f"dump_dir '{self.directory}' is not writable: {error.strerror or error}", "dump_dir") from None

    def write_dump(self, name: str, stream: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int, bytes]:
        partial = self._partials.setdefault(name, self.directory / f".{name}.{uuid.uuid4().hex}.partial")
        reader = _HashingReader(stream, sink)
        with open(partial, "wb") as handle:
            for chunk in iter(lambda: reader.read(CHUNK), b""):
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        return reader.digest.hexdigest(), reader.size, reader.head

    def publish_dump(self, name: str) -> None:
        _place(self._partials.pop(name), self.directory / f"{name}.dump")

    def dump_path(self, name: str) -> str:
        return str(self.directory / f"{name}.dump")

    def write_manifest(self, name: str, manifest: dict[str, Any]) -> str:
        temporary = self.directory / f".{name}.{uuid.uuid4().hex}.json.partial"
        temporary.write_text(json.dumps(manifest, sort_keys=True, indent=1))
        _place(temporary, self.directory / f"{name}.json")
        return str(self.directory / f"{name}.json")

    def manifests(self) -> list[tuple[str, str, int | None]]:
        if not self.directory.is_dir():
            return []
        found = []
        for manifest in sorted(self.directory.glob("*.json")):
            dump = manifest.with_suffix(".dump")
            found.append((manifest.stem, str(manifest), dump.stat().st_size if dump.exists() else None))
        return found

    def read_manifest(self, name: str) -> dict[str, Any]:
        return json.loads((self.directory / f"{name}.json").read_text())

    def local_dump(self, name: str, scratch_dir: str) -> tuple[str, str]:
        path = self.dump_path(name)
        if not os.path.isfile(path):
            raise ResourceError(f"dump file {path} is missing", "restore_failed")
        return path, _hash_file(path)

    def delete(self, name: str) -> None:
        # The dump first: if that fails the manifest stays, the backup is still listed, and a rerun retries.
        for path in (self.directory / f"{name}.dump", self.directory / f"{name}.json"):
            path.unlink(missing_ok=True)

    def discard(self, name: str) -> None:
        partial = self._partials.pop(name, None)
        if partial is not None:
            partial.unlink(missing_ok=True)


class S3DumpStore(DumpStore):
    def __init__(self, client: Any, bucket: str, prefix: str) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix
        self.location = f"s3://{bucket}/{prefix}"
        self._uploaded: set[str] = set()  # dumps this store wrote, the only ones discard may remove

    def reference(self) -> dict[str, str]:
        return {"type": "s3", "bucket": self.bucket, "prefix": self.prefix}

    def _key(self, name: str, suffix: str) -> str:
        return f"{self.prefix}/{name}{suffix}"

    def check_writable(self) -> None:
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except Exception as error:  # noqa: BLE001 - any failure means the dumps cannot go there
            raise ResourceError(f"dump_bucket '{self.bucket}' is not usable: {error}", "dump_bucket") from None

    def write_dump(self, name: str, stream: IO[bytes], sink: IO[bytes] | None = None) -> tuple[str, int, bytes]:
        key = self._key(name, ".dump")
        # A head that is refused (403: no s3:ListBucket) cannot tell; the manifest's conditional write still refuses.
        if exists(lambda: self.client.head_object(Bucket=self.bucket, Key=key), ("404", "NoSuchKey", "NotFound", "403")):
            raise ResourceError(f"s3://{self.bucket}/{key} already exists; refusing to overwrite what another run wrote", "exists")
        reader = _HashingReader(stream, sink)
        # Managed transfer: multipart above 8 MiB, so a dump is streamed rather than held in memory.
        self._uploaded.add(name)
        self.client.upload_fileobj(reader, self.bucket, key)
        return reader.digest.hexdigest(), reader.size, reader.head

    def write_manifest(self, name: str, manifest: dict[str, Any]) -> str:
        key = self._key(name, ".json")
        body = json.dumps(manifest, sort_keys=True, indent=1).encode()
        put_new_object(self.client, Bucket=self.bucket, Key=key, Body=body, ContentType="application/json")
        return f"s3://{self.bucket}/{key}"

    def manifests(self) -> list[tuple[str, str, int | None]]:
        sizes: dict[str, int] = {}
        names: list[str] = []
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=f"{self.prefix}/"):
            for item in page.get("Contents", []):
                leaf = item["Key"][len(self.prefix) + 1 :]
                if "/" in leaf:
                    continue
                if leaf.endswith(".json"):
                    names.append(leaf[: -len(".json")])
                elif leaf.endswith(".dump"):
                    sizes[leaf[: -len(".dump")]] = item["Size"]
        return [(name, f"s3://{self.bucket}/{self._key(name, '.json')}", sizes.get(name)) for name in sorted(names)]

    def read_manifest(self, name: str) -> dict[str, Any]:
        return json.loads(self.client.get_object(Bucket=self.bucket, Key=self._key(name, ".json"))["Body"].read())

    def local_dump(self, name: str, scratch_dir: str) -> tuple[str, str]:
        path = os.path.join(scratch_dir, f"{name}.dump")
        body = self.client.get_object(Bucket=self.bucket, Key=self._key(name, ".dump"))["Body"]
        digest = hashlib.sha256()
        with open(path, "wb") as handle:
            for chunk in iter(lambda: body.read(CHUNK), b""):
                digest.update(chunk)
                handle.write(chunk)
        return path, digest.hexdigest()

    def delete(self, name: str) -> None:
        for suffix in (".dump", ".json"):
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name, suffix))

    def discard(self, name: str) -> None:
        if name in self._uploaded:
            self._uploaded.discard(name)
            self.client.delete_object(Bucket=self.bucket, Key=self._key(name, ".dump"))

    def mark_verified(self, name: str, moment: Any) -> bool:
        return tag_object_verified(self.client, self.bucket, self._key(name, ".json"), moment)
