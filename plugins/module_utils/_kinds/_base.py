# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The selection base every kind of every family shares, and the helpers adapters share.

A kind names a resource type (a DynamoDB table, an ECS service); its family (``backup/``, ``deploy/``, …) decides
what is done with it. This base knows only how a kind is selected: by names, ARNs or tags, with ``exclude``, its
per-kind ``options``, its client, and the service's "no such resource" codes, declared once per kind.

Only adapters talk to AWS. An action module calls these methods and never branches on a service.
"""

from __future__ import annotations

import fnmatch
import re
from abc import ABC
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, ClassVar, TypeVar

from ansible_collections.steward.maintenance.plugins.module_utils._clients import ClientFactory
from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import create_once as retry_safe_create
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import delete_once, error_code
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

try:
    from botocore.exceptions import BotoCoreError
except ImportError:  # pragma: no cover - handled by AnsibleAWSModule
    BotoCoreError = Exception  # type: ignore[assignment,misc]

# Every kind's "no such resource" codes (each kind declares its own in ``not_found_codes``; they are gathered here
# as the kinds are defined), so any failure with one of them is reported with the one short code ``not_found``.
NOT_FOUND_CODES = {"ResourceNotFoundException", "NotFound", "404"}
T = TypeVar("T")


class NotApplicable(ResourceError):
    """The resource was selected but this action does not apply to it (reported as skipped, with why)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, code="not_applicable")


class SelectionIncomplete(ResourceError):
    """A target's lookup failed part way (a server that lists its databases is down), yet some resources are known:
    the target is reported failed with the reason, and each known resource is still tried, and reported, on its own."""

    def __init__(self, message: str, known: list[str], code: str = "error") -> None:
        super().__init__(message, code)
        self.known = known


def describe_error(error: BaseException) -> tuple[str, str]:
    """A one-line message and a short code for any failure, AWS or not."""
    if isinstance(error, ResourceError):
        return str(error), error.code
    code = error_code(error)
    if code is not None:
        message = error.response.get("Error", {}).get("Message") or str(error)  # type: ignore[attr-defined]
        operation = getattr(error, "operation_name", "")
        short = "not_found" if code in NOT_FOUND_CODES else code
        return f"{operation}: {code}: {message}" if operation else f"{code}: {message}", short
    if isinstance(error, BotoCoreError):
        return f"{type(error).__name__}: {error}", "botocore"
    return f"{type(error).__name__}: {error}", "error"


class Kind(ABC):
    """One resource type as every family selects it. A family's protocol (an abstract base class over this one)
    adds what the family does with it; an adapter missing one of its methods fails when it is built."""

    name: ClassVar[str]
    service: ClassVar[str]
    # One line for the documentation of the family's ``targets[].kind``.
    summary: ClassVar[str] = ""
    # What one of ``targets[].names`` is for this kind (documentation), and the form a name must have, if any.
    names_doc: ClassVar[str] = "name"
    name_pattern: ClassVar[str | None] = None
    # The Resource Groups Tagging API's resource type; None when the service is not in that API (then the kind
    # finds tagged resources its own way, or does not select by tags).
    tagging_type: ClassVar[str | None] = None
    arn_pattern: ClassVar[str]
    option_spec: ClassVar[dict[str, OptionSpec]] = {}
    # How targets may select resources of this kind.
    selectors: ClassVar[tuple[str, ...]] = ("names", "arns", "tags")
    # The service's error codes for "no such resource" (the resource, its backups, its versions), declared once.
    not_found_codes: ClassVar[tuple[str, ...]] = ()
    # A module option whose values are defaults for this kind's target options (postgres: the connection), and its
    # argument spec; the family adds that option to its modules only when one of its kinds has it.
    shared_option: ClassVar[str | None] = None
    shared_option_spec: ClassVar[dict[str, Any]] = {}
    # Its documentation, the YAML of one entry under ``options:`` without the option's name (a doc fragment's).
    shared_option_doc: ClassVar[str] = ""
    # Options taken only from the shared option, which the argument spec marks no_log (a password).
    secret_options: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        NOT_FOUND_CODES.update(cls.__dict__.get("not_found_codes", ()))

    @classmethod
    def check_options(cls, path: str, options: dict[str, Any]) -> None:
        """Checks across a target's options that a per-option spec cannot express (raise OptionError)."""
        return None

    @classmethod
    def check_selection(cls, path: str, selector: str, options: dict[str, Any]) -> None:
        """Checks of a target's options that depend on how it selects (raise OptionError)."""
        return None

    def __init__(self, clients: ClientFactory) -> None:
        self.clients = clients

    @property
    def client(self) -> Any:
        return self.clients.client(self.service)

    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        """Names as the target gave them; a kind may expand a wildcard (postgres: ``*``, every database)."""
        return names

    def id_from_arn(self, arn: str) -> str:
        """The resource id an ARN names; most kinds keep it after the last ':' or '/'."""
        return arn.rsplit(":", 1)[-1].rsplit("/", 1)[-1]

    def select_by_tags(self, selector: dict[str, list[str]], options: dict[str, Any]) -> list[tuple[str, str]]:
        """(id, ARN) of every resource of this kind carrying all the tags in ``selector``."""
        return [(self.id_from_arn(arn), arn) for arn in self.find_by_tags(selector)]

    def find_by_tags(self, selector: dict[str, list[str]]) -> list[str]:
        """ARNs of resources of this kind carrying every tag in ``selector`` (Resource Groups Tagging API)."""
        tagging = self.clients.client("resourcegroupstaggingapi")
        filters = [{"Key": key, "Values": values} if values else {"Key": key} for key, values in sorted(selector.items())]
        arns: list[str] = []
        token = ""
        while True:
            page = tagging.get_resources(TagFilters=filters, ResourceTypeFilters=[self.tagging_type], PaginationToken=token)
            arns.extend(item["ResourceARN"] for item in page.get("ResourceTagMappingList", []))
            token = page.get("PaginationToken") or ""
            if not token:
                return [arn for arn in arns if self.owns_arn(arn)]

    def owns_arn(self, arn: str) -> bool:
        """The tagging API's type filter is coarse (rds:db covers more than this kind wants); kinds refine it."""
        return bool(re.match(self.arn_pattern, arn))

    def missing(self, resource_id: str) -> Any:
        """A context in which the service's "no such resource" codes become one ResourceError code, ``not_found``."""
        return missing_is_not_found(self.name, resource_id, self.not_found_codes)

    def create_once(self, create: Callable[[Any], T], find: Callable[[], T | None], service: str | None = None) -> T:
        """``create(client)`` on a client that never retries, retried by ``_retry_safe.create_once``: after an answer
        that may have been lost, ``find()`` (by the run's unique name or tag) adopts what that attempt made."""
        client = self.clients.single_attempt(service or self.service)
        return retry_safe_create(lambda: create(client), find, self.clients.max_attempts)[0]

    def delete_once(self, delete: Callable[[], Any]) -> bool:
        """``delete()``, where "no such resource" means done: True when this call removed it, False when it was gone."""
        return delete_once(delete, self.not_found_codes)

    def found(self, describe: Callable[[], T]) -> T | None:
        """``describe()``'s answer, or None on this kind's "no such resource" codes (other errors raise)."""
        try:
            return describe()
        except Exception as error:
            if error_code(error) in self.not_found_codes:
                return None
            raise

    def exists(self, describe: Callable[[], Any]) -> bool:
        """Whether ``describe()`` finds its resource: False on this kind's "no such resource" codes."""
        return exists(describe, self.not_found_codes)


_GLOB = re.compile(r"[*?\[]")


def expand_globs(names: list[str], listing: Callable[[str], Iterable[str]]) -> list[str]:
    """Names as given, each glob pattern (``pazpaz/*``) replaced by the names it matches, sorted, repeats dropped.

    ``listing(prefix)`` lists names starting with the pattern's literal prefix; a kind whose API cannot filter by
    prefix may list everything (once: it is asked once per pattern).
    """
    patterns = [name for name in names if _GLOB.search(name)]
    if not patterns:
        return names
    matched: set[str] = set()
    for pattern in patterns:
        matched.update(name for name in listing(_GLOB.split(pattern, 1)[0]) if fnmatch.fnmatchcase(name, pattern))
    return list(dict.fromkeys([name for name in names if name not in patterns] + sorted(matched)))


@contextmanager
def missing_is_not_found(kind: str, resource_id: str, codes: tuple[str, ...]) -> Iterator[None]:
    """Turn the service's own "no such resource" error codes into one ResourceError code, ``not_found``."""
    try:
        yield
    except Exception as error:
        if error_code(error) in codes:
            raise not_found(kind, resource_id) from None
        raise


def exists(describe: Any, missing_codes: tuple[str, ...]) -> bool:
    """Whether ``describe()`` finds its resource: False on the service's "no such resource" codes, other errors raise."""
    try:
        describe()
    except Exception as error:
        if error_code(error) in missing_codes:
            return False
        raise
    return True


def answer_or_error(call: Callable[[Any], T], item: Any) -> T | BaseException:
    """``call(item)``, or the error it raised: a batch form's answer for one resource, whose failure is its own."""
    try:
        return call(item)
    except Exception as error:  # noqa: BLE001 - one resource's failure is its own
        return error


def answer_or_raise(answer: T | BaseException) -> T:
    """The inverse of answer_or_error: a batch form's answer for one resource, or its error raised."""
    if isinstance(answer, BaseException):
        raise answer
    return answer


def chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def not_found(kind: str, resource_id: str) -> ResourceError:
    return ResourceError(f"{kind} '{resource_id}' does not exist (or is not visible with these credentials)", code="not_found")
