# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services: their version is the task definition revision the service runs."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import (
    answer_or_error,
    answer_or_raise,
    chunks,
    error_code,
    not_found,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployableKind, DeployState, Settled
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

# DescribeServices takes at most ten services, all of one cluster.
DESCRIBE_BATCH = 10
_TASK_DEFINITION = re.compile(r"^(?:arn:aws[\w-]*:ecs:[\w-]+:\d{12}:task-definition/)?([A-Za-z0-9_-]{1,255}):(\d+)$")


def service_id(arn: str) -> str:
    """``cluster/service``; an ARN in the old format (no cluster) names a service of the default cluster."""
    path = arn.split(":service/", 1)[-1]
    return path if "/" in path else f"default/{path}"


def family_and_revision(task_definition: str) -> tuple[str, int]:
    match = _TASK_DEFINITION.match(task_definition)
    if not match:
        raise ValueError(f"not a task definition ARN or family:revision: {task_definition}")
    return match.group(1), int(match.group(2))


class ECSServiceKind(DeployableKind):
    name = "ecs_service"
    summary = "ECS services (a version is a task definition revision)"
    names_doc = "C(<cluster>/<service>)"
    service = "ecs"
    tagging_type = "ecs:service"
    arn_pattern = r"^arn:aws[\w-]*:ecs:[\w-]+:\d{12}:service/[A-Za-z0-9_-]+(/[A-Za-z0-9_-]+)?$"
    name_pattern = r"^[A-Za-z0-9_-]{1,255}/[A-Za-z0-9_-]{1,255}$"
    not_found_codes = ("ServiceNotFoundException", "ClusterNotFoundException")
    version_option = "task_definition"
    version_noun = "task definition revision"
    describe_batch = DESCRIBE_BATCH
    option_spec = {
        "task_definition": OptionSpec(
            pattern=_TASK_DEFINITION.pattern,
            description="for a rollback with C(to=explicit): the revision to go back to, C(family:revision) or its ARN",
        ),
    }

    def id_from_arn(self, arn: str) -> str:
        return service_id(arn)

    def current(self, selected: Selected) -> DeployState:
        return answer_or_raise(self.current_many([selected])[0])

    def current_many(self, selected: list[Selected]) -> list[DeployState | BaseException]:
        described = self._described([item.id for item in selected])
        return [answer_or_error(lambda item: self._state(item.id, answer_or_raise(described[item.id])), item) for item in selected]

    def _state(self, resource_id: str, service: dict[str, Any]) -> DeployState:
        cluster, service_name = resource_id.split("/", 1)
        deployments = service.get("deployments", [])
        return DeployState(
            self.name,
            resource_id,
            service.get("serviceArn"),
            service["taskDefinition"],
            facts={
                "cluster": cluster,
                "service": service_name,
                "desired_count": service.get("desiredCount"),
                "deployment_configuration": service.get("deploymentConfiguration") or {},
            },
            status={
                "running_count": service.get("runningCount"),
                "deployments": [_deployment(deployment) for deployment in deployments],
            },
        )

    def _described(self, ids: list[str]) -> dict[str, dict[str, Any] | BaseException]:
        """Each ``cluster/service``'s description, ten services of a cluster to a DescribeServices call. A service the
        answer lacks (or reports INACTIVE: deleted) is not_found; a call's own error is each of its services'."""
        by_cluster: dict[str, list[str]] = {}
        for resource_id in ids:
            cluster, service_name = resource_id.split("/", 1)
            by_cluster.setdefault(cluster, []).append(service_name)
        described: dict[str, dict[str, Any] | BaseException] = {}
        for cluster, names in by_cluster.items():
            for batch in chunks(list(dict.fromkeys(names)), DESCRIBE_BATCH):
                try:
                    answer = self.client.describe_services(cluster=cluster, services=batch)
                except Exception as error:  # noqa: BLE001 - each service of the call fails with it
                    gone = error_code(error) in self.not_found_codes  # the cluster
                    described.update({f"{cluster}/{name}": not_found(self.name, f"{cluster}/{name}") if gone else error for name in batch})
                    continue
                services = answer.get("services", [])
                active = {service.get("serviceName"): service for service in services if service.get("status") != "INACTIVE"}
                for name in batch:
                    described[f"{cluster}/{name}"] = active.get(name) or not_found(self.name, f"{cluster}/{name}")
        return described

    def earlier_versions(self, state: DeployState) -> list[str]:
        family, revision = family_and_revision(state.version)
        arns: list[str] = []
        # familyPrefix is a prefix: "api" also lists "api-worker", so the family is compared exactly below.
        for page in self.client.get_paginator("list_task_definitions").paginate(familyPrefix=family, status="ACTIVE", sort="DESC"):
            arns.extend(page.get("taskDefinitionArns", []))
        older = [(family_and_revision(arn)[1], arn) for arn in arns if family_and_revision(arn)[0] == family]
        return [arn for number, arn in sorted(older, reverse=True) if number < revision]

    def resolve_version(self, state: DeployState, given: str, option: str) -> str:
        family = family_and_revision(state.version)[0]
        try:
            described = self.client.describe_task_definition(taskDefinition=given)["taskDefinition"]
        except Exception as error:
            if error_code(error) in ("ClientException", "InvalidParameterException"):
                raise ResourceError(f"{option}={given}: no such task definition", code="no_target") from None
            raise
        if described.get("family") != family:
            raise ResourceError(f"{option}={given}: a revision of family {described.get('family')}, not {family}", code="no_target")
        if described.get("status") != "ACTIVE":
            raise ResourceError(f"{option}={given}: revision is {described.get('status')} (deregistered)", code="no_target")
        return described["taskDefinitionArn"]

    def switch(self, state: DeployState, version: str, weights: dict[str, float] | None = None) -> None:
        with self.missing(state.id):
            self.client.update_service(cluster=state.facts["cluster"], service=state.facts["service"], taskDefinition=version)

    def settled(self, state: DeployState, version: str, weights: dict[str, float] | None = None) -> Settled:
        return answer_or_raise(self.settled_many([(state, version, weights)])[0])

    def settled_many(self, switches: list[tuple[DeployState, str, dict[str, float] | None]]) -> list[Settled | BaseException]:
        described = self._described([state.id for state, _version, _weights in switches])

        def one(switch: tuple[DeployState, str, dict[str, float] | None]) -> Settled:
            state, version, _weights = switch
            service = described[state.id]
            if isinstance(service, BaseException):
                if isinstance(service, ResourceError) and service.code == "not_found":
                    return Settled(False, failed=f"{state.id} disappeared while rolling back")
                raise service
            return _settled(service, version)

        return [answer_or_error(one, switch) for switch in switches]

    def display_version(self, version: str) -> str:
        try:
            family, revision = family_and_revision(version)
        except ValueError:
            return version
        return f"{family}:{revision}"


def _settled(service: dict[str, Any], version: str) -> Settled:
    """Whether ``service`` runs ``version`` as it should: one PRIMARY deployment of it, rolled out, all tasks running."""
    deployments = service.get("deployments", [])
    primary = next((deployment for deployment in deployments if deployment.get("status") == "PRIMARY"), None)
    if primary is None or primary.get("taskDefinition") != version:
        return Settled(False, detail="the new deployment has not started")
    rollout = primary.get("rolloutState")
    counts = f"{primary.get('runningCount')}/{primary.get('desiredCount')} running"
    if rollout == "FAILED":
        return Settled(False, failed=f"deployment {primary.get('id')} FAILED: {primary.get('rolloutStateReason') or 'no reason given'}")
    others = [deployment for deployment in deployments if deployment is not primary]
    all_running = primary.get("runningCount") == primary.get("desiredCount") == service.get("desiredCount")
    done = rollout in (None, "COMPLETED") and not others and all_running
    return Settled(done, detail=f"rollout {rollout or 'n/a'}, {counts}, {len(others)} older deployments")


def _deployment(deployment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": deployment.get("id"),
        "status": deployment.get("status"),
        "task_definition": deployment.get("taskDefinition"),
        "rollout_state": deployment.get("rolloutState"),
        "running_count": deployment.get("runningCount"),
        "desired_count": deployment.get("desiredCount"),
    }
