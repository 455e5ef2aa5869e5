# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the kinds that keep files do alike: hash a stream, mark a stored object verified."""

from __future__ import annotations

import hashlib
from typing import IO, Any

from ansible_collections.steward.maintenance.plugins.module_utils._naming import TAG_VERIFIED, stamp, tag_dict, tag_list

CHUNK = 1024 * 1024


def sha256_of(stream: IO[bytes] | Any) -> str:
    """The SHA256 of everything left in a file or an S3 body, read a chunk at a time."""
    digest = hashlib.sha256()
    for chunk in iter(lambda: stream.read(CHUNK), b""):
        digest.update(chunk)
    return digest.hexdigest()


def tag_object_verified(client: Any, bucket: str, key: str, moment: Any) -> bool:
    """Add ``steward:verified=<time>`` to an object's tags, keeping the others (S3 replaces the whole tag set)."""
    tags = tag_dict(client.get_object_tagging(Bucket=bucket, Key=key).get("TagSet"))
    tags[TAG_VERIFIED] = stamp(moment)
    client.put_object_tagging(Bucket=bucket, Key=key, Tagging={"TagSet": tag_list(tags)})
    return True
