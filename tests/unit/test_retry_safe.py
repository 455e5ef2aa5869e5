"""_retry_safe: which failed attempts may have been done, adopting what a lost answer made, deletes that find it gone."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import (
    AMBIGUOUS,
    EXISTS,
    FINAL,
    REFUSED,
    create_once,
    delete_once,
    outcome_of,
    put_new_object,
)


def client_error(code: str, status: int = 400, retries: int = 0) -> ClientError:
    response = {"Error": {"Code": code, "Message": code}, "ResponseMetadata": {"HTTPStatusCode": status, "RetryAttempts": retries}}
    return ClientError(response, "CreateBackup")  # type: ignore[arg-type]


LOST = ConnectionClosedError(endpoint_url="http://127.0.0.1:1")


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (client_error("ThrottlingException"), REFUSED),
        (client_error("RequestLimitExceeded", 503), REFUSED),
        (client_error("TooManyRequestsException", 429), REFUSED),
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:1"), REFUSED),
        (LOST, AMBIGUOUS),
        (ReadTimeoutError(endpoint_url="http://127.0.0.1:1"), AMBIGUOUS),
        (client_error("InternalFailure", 500), AMBIGUOUS),
        (client_error("503", 503), AMBIGUOUS),
        (client_error("DBSnapshotAlreadyExists"), EXISTS),
        (client_error("BucketAlreadyOwnedByYou", 409), EXISTS),
        (client_error("ResourceInUseException"), EXISTS),
        (client_error("ResourceExistsException"), EXISTS),
        (client_error("ValidationException"), FINAL),
        (ValueError("a bug"), FINAL),
    ],
)
def test_outcome_of_each_failure(error, expected):
    assert outcome_of(error) == expected


class Script:
    """A create that fails as scripted, then succeeds; records each attempt and what find was asked."""

    def __init__(self, *failures: BaseException, made_by_lost: bool = True) -> None:
        self.failures = list(failures)
        self.attempts = 0
        self.finds = 0
        self.made: list[str] = []
        self.made_by_lost = made_by_lost

    def create(self) -> str:
        self.attempts += 1
        if self.failures:
            failure = self.failures.pop(0)
            if failure is LOST and self.made_by_lost:
                self.made.append(f"made-{self.attempts}")  # the server did it; the answer was lost
            raise failure
        self.made.append(f"made-{self.attempts}")
        return self.made[-1]

    def find(self) -> str | None:
        self.finds += 1
        return self.made[0] if self.made else None


def test_a_lost_answer_is_adopted_never_made_twice():
    script = Script(client_error("ThrottlingException"), LOST)
    assert create_once(script.create, script.find, attempts=5, sleep=lambda _: None) == ("made-2", True)
    assert script.made == ["made-2"] and script.finds == 1


def test_a_request_that_never_arrived_is_made_once_after_a_look():
    script = Script(LOST, made_by_lost=False)
    assert create_once(script.create, script.find, attempts=5, sleep=lambda _: None) == ("made-2", False)
    assert script.made == ["made-2"] and script.finds == 1


def test_throttling_is_retried_without_looking():
    script = Script(client_error("Throttling"), client_error("Throttling"))
    assert create_once(script.create, script.find, attempts=5, sleep=lambda _: None) == ("made-3", False)
    assert script.finds == 0


def test_already_exists_after_a_lost_answer_is_adopted():
    script = Script(LOST, client_error("DBSnapshotAlreadyExists"))
    looks = iter([None, "made-1"])  # not visible on the first look, there on the second
    script.find = lambda: next(looks)  # type: ignore[method-assign]
    assert create_once(script.create, script.find, attempts=5, sleep=lambda _: None) == ("made-1", True)


def test_already_exists_on_a_first_attempt_is_a_clash_not_ours():
    script = Script(client_error("DBSnapshotAlreadyExists"))
    with pytest.raises(ClientError, match="AlreadyExists"):
        create_once(script.create, script.find, attempts=5, sleep=lambda _: None)
    assert script.finds == 0


def test_a_final_error_is_not_retried():
    script = Script(client_error("ValidationException"))
    with pytest.raises(ClientError):
        create_once(script.create, script.find, attempts=5, sleep=lambda _: None)
    assert script.attempts == 1


def test_attempts_run_out():
    script = Script(*[client_error("Throttling")] * 3)
    with pytest.raises(ClientError):
        create_once(script.create, script.find, attempts=3, sleep=lambda _: None)
    assert script.attempts == 3


def test_delete_that_finds_it_gone():
    def gone(retries: int):
        def delete() -> None:
            raise client_error("BackupNotFoundException", retries=retries)

        return delete

    assert delete_once(lambda: None, ("BackupNotFoundException",)) is True
    assert delete_once(gone(1), ("BackupNotFoundException",)) is True  # an earlier attempt of this call removed it
    assert delete_once(gone(0), ("BackupNotFoundException",)) is False  # someone else did
    with pytest.raises(ClientError):
        delete_once(gone(0), ("OtherCode",))


class LostFirstPut:
    """An S3 client whose first PutObject is done but answered as a lost answer botocore retried (412 on the retry)."""

    def __init__(self, stored: bytes | None) -> None:
        self.stored = stored

    def put_object(self, **request: object) -> None:
        raise client_error("PreconditionFailed", 412, retries=1)

    def get_object(self, **request: object) -> dict:
        return {"Body": type("Body", (), {"read": lambda _self: self.stored})()}


def test_put_new_object_adopts_its_own_bytes_only():
    put_new_object(LostFirstPut(b"record"), Bucket="b", Key="k", Body=b"record")
    with pytest.raises(ResourceError, match="refusing to overwrite"):
        put_new_object(LostFirstPut(b"someone else's"), Bucket="b", Key="k", Body=b"record")


def test_single_attempt_client_never_retries(factory):
    assert factory.single_attempt("dynamodb").meta.config.retries["total_max_attempts"] == 1
    assert factory.client("dynamodb").meta.config.retries["total_max_attempts"] == factory.max_attempts
    assert factory.single_attempt("dynamodb") is factory.single_attempt("dynamodb")
