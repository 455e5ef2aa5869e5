# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The deployable family's protocol: what every deployable kind (ecs_service, lambda_alias) implements.

checkpoint and rollback call these methods and never branch on a service. A deployable resource runs one
*version* at a time (an ECS task definition revision, a Lambda function version); rollback switches it to another
and waits until the service says the switch has settled.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from typing import Any, ClassVar

from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import Kind, answer_or_error
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected


@dataclass
class DeployState:
    """What a deployable resource runs now: the facts a checkpoint records and a rollback compares."""

    kind: str
    id: str
    arn: str | None
    version: str  # the task definition ARN, the Lambda version number
    # The stable facts (what a checkpoint records): cluster, service, desired count, deployment configuration; or
    # function, alias, routing config. Two states with the same version and facts are the same state.
    facts: dict[str, Any] = field(default_factory=dict)
    # Extra weights a Lambda alias sends to other versions; a rollback always clears them.
    weights: dict[str, float] = field(default_factory=dict)
    # Volatile facts shown in results but never compared (running counts, deployments in progress).
    status: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"version": self.version, **self.facts, "weights": dict(self.weights)}

    def same_as(self, recorded: dict[str, Any] | None) -> bool:
        return recorded is not None and {key: recorded.get(key) for key in self.as_dict()} == self.as_dict()


@dataclass
class Settled:
    """One poll of a switch: done, still going, or failed (and why); ``detail`` says what was seen."""

    done: bool
    failed: str | None = None
    detail: str = ""


class DeployableKind(Kind):
    """One resource kind as the deployable family sees it: checkpoint and rollback."""

    # The target option naming an explicit version (``targets[].options.task_definition`` / ``.version``).
    version_option: ClassVar[str]
    # What a version is called in messages ("task definition revision", "version").
    version_noun: ClassVar[str]
    # Resources one read of their state covers (ECS: ten services of a cluster to a DescribeServices); 1: one by one.
    describe_batch: ClassVar[int] = 1

    @abstractmethod
    def current(self, selected: Selected) -> DeployState:
        """The resource's state now; raises ``not_found`` when it does not exist."""

    @abstractmethod
    def earlier_versions(self, state: DeployState) -> list[str]:
        """Versions the resource could go back to, newest first: older than its current one, still usable."""

    @abstractmethod
    def resolve_version(self, state: DeployState, given: str, option: str) -> str:
        """An explicitly named version (an option, a checkpoint), checked to exist and be usable, in the form the
        service reports (a task definition ARN); raises ResourceError naming ``option`` and the value if not."""

    @abstractmethod
    def switch(self, state: DeployState, version: str, weights: dict[str, float] | None = None) -> None:
        """Point the resource at ``version`` with no weighted routing, or (a revert) with the ``weights`` it had."""

    @abstractmethod
    def settled(self, state: DeployState, version: str, weights: dict[str, float] | None = None) -> Settled:
        """Whether the switch to ``version`` (with ``weights``, a revert's) has settled: the service runs it as it should."""

    def current_many(self, selected: list[Selected]) -> list[DeployState | BaseException]:
        """Batch form of current, one entry per resource in order: its state, or why it could not be read.

        Kinds whose API reads many resources in one call override it and raise ``describe_batch``.
        """
        return [answer_or_error(self.current, item) for item in selected]

    def settled_many(self, switches: list[tuple[DeployState, str, dict[str, float] | None]]) -> list[Settled | BaseException]:
        """Batch form of settled over ``(state, version, weights)`` switches, one entry per switch in order."""
        return [answer_or_error(lambda switch: self.settled(*switch), switch) for switch in switches]

    def display_version(self, version: str) -> str:
        """A version as people read it (``pazpaz-backend:7`` rather than the whole ARN)."""
        return version
