# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes that a lost answer can neither double nor fail.

botocore retries a call whose answer never came (a closed connection, a read timeout, a 5xx) as if nothing had
happened. For a read that is right; for a create it is not: the first attempt may have been done. DynamoDB's
CreateBackup and EC2's CreateSnapshot then make a second backup, and named creates (RDS snapshots, restores into a
scratch resource) fail with "already exists" although their resource is there.

So a create goes out on a single-attempt client (``ClientFactory.single_attempt``) and ``create_once`` retries it
itself: a refusal that did nothing (throttling, a connection never made) is retried as botocore would; after an
answer that may have been lost, ``find`` looks the resource up by the run's unique name or tag first, and adopts it
when it is there. An "already exists" is adopted the same way, but only after such an attempt of this call: a name
clash with something another run made is still an error. A delete that finds its resource gone is done
(``delete_once``), and says whether this call or someone before it removed it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, TypeVar

try:
    from botocore.exceptions import (
        BotoCoreError,
        ClientError,
        ConnectTimeoutError,
        EndpointConnectionError,
    )
except ImportError:  # pragma: no cover - handled by AnsibleAWSModule's boto3 check
    BotoCoreError = ClientError = ConnectTimeoutError = EndpointConnectionError = Exception  # type: ignore[assignment,misc]

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError

T = TypeVar("T")

# The services' codes for "slow down": the request was refused, not done (botocore's standard retry mode's list).
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottledException",
        "TooManyRequestsException",
        "ProvisionedThroughputExceededException",
        "TransactionInProgressException",
        "RequestLimitExceeded",
        "BandwidthLimitExceeded",
        "LimitExceededException",
        "RequestThrottled",
        "SlowDown",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
    }
)

REFUSED, AMBIGUOUS, EXISTS, FINAL = "refused", "ambiguous", "exists", "final"


def error_code(error: BaseException) -> str | None:
    """The AWS error code of a ClientError, else None (``_kinds._base`` and every adapter use this one)."""
    if isinstance(error, ClientError) and hasattr(error, "response"):
        return error.response.get("Error", {}).get("Code")
    return None


def _status(error: BaseException) -> int:
    return int(getattr(error, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)


def outcome_of(error: BaseException) -> str:
    """What a failed attempt says about the server's state: refused (nothing done), ambiguous (maybe done),
    exists (a resource of that name is there) or final (an answer that retrying cannot change)."""
    if isinstance(error, (EndpointConnectionError, ConnectTimeoutError)):
        return REFUSED  # the connection was never made: the request never reached the server
    if isinstance(error, ClientError):
        code = error_code(error) or ""
        if code in THROTTLING_CODES or _status(error) == 429:
            return REFUSED
        if "AlreadyExists" in code or "AlreadyOwned" in code or code in ("ResourceInUseException", "ResourceExistsException"):
            return EXISTS
        return AMBIGUOUS if _status(error) >= 500 else FINAL
    if isinstance(error, BotoCoreError):
        return AMBIGUOUS  # a closed connection or a read timeout after the request went out
    return FINAL


def backoff(attempt: int) -> float:
    """botocore's standard mode: full jitter, doubling from one second, at most twenty."""
    return random.random() * min(20.0, 2.0 ** (attempt - 1))


def create_once(
    create: Callable[[], T], find: Callable[[], T | None], attempts: int, sleep: Callable[[float], Any] = time.sleep
) -> tuple[T, bool]:
    """``(what create returned or find found, adopted)``; ``create`` must make no retries of its own."""
    maybe_done = False
    for attempt in range(1, attempts + 1):
        try:
            return create(), False
        except Exception as error:
            outcome = outcome_of(error)
            if outcome == FINAL or (outcome == EXISTS and not maybe_done):
                raise
            if outcome in (AMBIGUOUS, EXISTS):
                maybe_done = True
                found = find()
                if found is not None:
                    return found, True
                if outcome == EXISTS:
                    raise  # there, but not ours to adopt
            if attempt == attempts:
                raise
            sleep(backoff(attempt))
    raise AssertionError("unreachable: the last attempt returns or raises")


def retried(error: BaseException) -> bool:
    """Whether botocore sent this call more than once: an earlier attempt, its answer lost, may have done it."""
    return int(getattr(error, "response", {}).get("ResponseMetadata", {}).get("RetryAttempts") or 0) > 0


def put_new_object(client: Any, **request: Any) -> None:
    """PutObject that refuses to replace an object already at that key (a conditional write, If-None-Match: *).

    Nothing a run wrote is ever overwritten by another: a manifest or a ledger record, once there, stays as it was
    written. A retried attempt refused because the key exists finds there the very bytes it sent when an earlier
    attempt's answer was lost: that is this call's write, done.
    """
    try:
        client.put_object(IfNoneMatch="*", **request)
    except ClientError as error:
        if error_code(error) not in ("PreconditionFailed", "412"):
            raise
        body = request["Body"].encode() if isinstance(request["Body"], str) else request["Body"]
        if retried(error) and client.get_object(Bucket=request["Bucket"], Key=request["Key"])["Body"].read() == body:
            return
        raise ResourceError(
            f"s3://{request['Bucket']}/{request['Key']} already exists; refusing to overwrite what another run wrote", "exists"
        ) from None


def delete_once(delete: Callable[[], Any], not_found_codes: tuple[str, ...] | frozenset[str]) -> bool:
    """Run ``delete`` (a call botocore may retry); True when it removed the resource, False when it was gone already.

    A "no such resource" answer to a retried attempt means an earlier attempt of this very call removed it (its
    answer was lost): that counts as this call's deletion. On the first attempt it means someone else did.
    """
    try:
        delete()
    except ClientError as error:
        if error_code(error) not in not_found_codes:
            raise
        return retried(error)
    return True
