# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""ECS services: their version is the task definition revision the service runs."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import error_code, not_found
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployableKind, DeployState, Settled
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

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
    option_spec = {
        "task_definition": OptionSpec(
            pattern=_TASK_DEFINITION.pattern,
            description="for a rollback with C(to=explicit): the revision to go back to, C(family:revision) or its ARN",
        ),
    }

    def id_from_arn(self, arn: str) -> str:
        return service_id(arn)

    def current(self, selected: Selected) -> DeployState:
        cluster, service_name = selected.id.split("/", 1)
        with self.missing(selected.id):
            answer = self.client.describe_services(cluster=cluster, services=[service_name])
        services = [service for service in answer.get("services", []) if service.get("status") != "INACTIVE"]
        if not services:
            raise not_found(self.name, selected.id)
        service = services[0]
        deployments = service.get("deployments", [])
        return DeployState(
            self.name,
            selected.id,
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
        with self.missing(state.id):
            answer = self.client.describe_services(cluster=state.facts["cluster"], services=[state.facts["service"]])
        services = answer.get("services", [])
        if not services:
            return Settled(False, failed=f"{state.id} disappeared while rolling back")
        service = services[0]
        deployments = service.get("deployments", [])
        primary = next((deployment for deployment in deployments if deployment.get("status") == "PRIMARY"), None)
        if primary is None or primary.get("taskDefinition") != version:
            return Settled(False, detail="the new deployment has not started")
        rollout = primary.get("rolloutState")
        counts = f"{primary.get('runningCount')}/{primary.get('desiredCount')} running"
        if rollout == "FAILED":
            return Settled(False, failed=f"deployment {primary.get('id')} FAILED: {primary.get('rolloutStateReason') or 'no reason given'}")
        others = [deployment for deployment in deployments if deployment is not primary]
        done = (
            (rollout in (None, "COMPLETED"))
            and not others
            and primary.get("runningCount") == primary.get("desiredCount") == service.get("desiredCount")
        )
        return Settled(done, detail=f"rollout {rollout or 'n/a'}, {counts}, {len(others)} older deployments")

    def display_version(self, version: str) -> str:
        try:
            family, revision = family_and_revision(version)
        except ValueError:
            return version
        return f"{family}:{revision}"


def _deployment(deployment: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": deployment.get("id"),
        "status": deployment.get("status"),
        "task_definition": deployment.get("taskDefinition"),
        "rollout_state": deployment.get("rolloutState"),
        "running_count": deployment.get("runningCount"),
        "desired_count": deployment.get("desiredCount"),
    }
