"""Nothing a backup wrote is ever overwritten by another run: the stores refuse, as the ledger does."""

from __future__ import annotations

import io

import pytest
from fleet import clients

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.backup._pg_store import LocalDumpStore, S3DumpStore
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import put_new_object


def test_an_s3_object_already_there_is_not_replaced(aws):
    s3 = clients(None)["s3"]
    s3.create_bucket(Bucket="evidence")
    put_new_object(s3, Bucket="evidence", Key="m.json", Body=b"first")
    with pytest.raises(ResourceError) as refused:
        put_new_object(s3, Bucket="evidence", Key="m.json", Body=b"second")
    assert refused.value.code == "exists" and "refusing to overwrite" in str(refused.value)
    assert s3.get_object(Bucket="evidence", Key="m.json")["Body"].read() == b"first"


def test_a_local_dump_and_manifest_already_there_are_not_replaced_and_discard_keeps_them(tmp_path):
    store = LocalDumpStore(tmp_path)
    store.write_dump("b1", io.BytesIO(b"PGDMP first"))
    store.publish_dump("b1")
    store.write_manifest("b1", {"run": 1})
    other = LocalDumpStore(tmp_path)  # another run's store, same name
    other.write_dump("b1", io.BytesIO(b"PGDMP second"))
    with pytest.raises(ResourceError) as refused:
        other.publish_dump("b1")
    assert refused.value.code == "exists"
    with pytest.raises(ResourceError):
        other.write_manifest("b1", {"run": 2})
    other.discard("b1")  # removes only what this store wrote
    assert (tmp_path / "b1.dump").read_bytes() == b"PGDMP first" and store.read_manifest("b1") == {"run": 1}
    assert sorted(path.name for path in tmp_path.iterdir()) == ["b1.dump", "b1.json"]


def test_an_s3_dump_already_there_is_refused_before_uploading_and_not_discarded(aws):
    s3 = clients(None)["s3"]
    s3.create_bucket(Bucket="dumps")
    S3DumpStore(s3, "dumps", "p").write_dump("b1", io.BytesIO(b"PGDMP first"))
    other = S3DumpStore(s3, "dumps", "p")
    with pytest.raises(ResourceError) as refused:
        other.write_dump("b1", io.BytesIO(b"PGDMP second"))
    assert refused.value.code == "exists"
    other.discard("b1")
    assert s3.get_object(Bucket="dumps", Key="p/b1.dump")["Body"].read() == b"PGDMP first"
