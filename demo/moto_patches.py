"""Small patches that make moto behave as AWS ends up behaving, where moto never gets there on its own.

ECS: moto's update_service changes the service's task definition but never starts a deployment on it (see
../shared/notes/moto-server.md), so "wait until the primary deployment runs the target revision" would never
settle. With the patch, each update that names a task definition ends as AWS's does once a rollout has finished:
one PRIMARY deployment on the new revision (as an ARN), rollout COMPLETED, running = desired. The waiting itself
(IN_PROGRESS, FAILED, timeouts) is tested with botocore's Stubber, not here.
"""

from __future__ import annotations

from typing import Any


def settle_ecs_deployments() -> None:
    from moto.core.utils import utcnow
    from moto.ecs import models
    from moto.moto_api._internal import mock_random

    backend_class = models.EC2ContainerServiceBackend
    if getattr(backend_class.update_service, "_steward_settles", False):
        return
    original = backend_class.update_service

    def update_service(self: Any, service_properties: dict[str, Any]) -> Any:
        named = service_properties.get("task_definition")
        service = original(self, service_properties)
        if named:
            service.task_definition = self.describe_task_definition(named).arn
            now = utcnow()
            service.deployments = [
                {
                    "id": f"ecs-svc/{mock_random.randint(0, 32**12)}",
                    "status": "PRIMARY",
                    "taskDefinition": service.task_definition,
                    "desiredCount": service.desired_count,
                    "runningCount": service.desired_count,
                    "pendingCount": 0,
                    "failedTasks": 0,
                    "rolloutState": "COMPLETED",
                    "rolloutStateReason": "ECS deployment completed.",
                    "launchType": service.launch_type,
                    "createdAt": now,
                    "updatedAt": now,
                }
            ]
            service.running_count = service.desired_count
        return service

    update_service._steward_settles = True  # type: ignore[attr-defined]
    backend_class.update_service = update_service


def secret_version_dates() -> None:
    """Secrets Manager: list_secret_version_ids reports every version's CreatedDate as "now" (AWS reports each
    version's own), so a secret's age could never be read. Report the date moto stored when the version was made."""
    from moto.secretsmanager import models

    backend_class = models.SecretsManagerBackend
    if getattr(backend_class.list_secret_version_ids, "_steward_dates", False):
        return
    original = backend_class.list_secret_version_ids

    def list_secret_version_ids(self: Any, secret_id: str) -> str:
        import json

        answer = json.loads(original(self, secret_id))
        secret = self.secrets[secret_id]
        for version in answer.get("Versions", []):
            stored = secret.versions.get(version["VersionId"], {})
            version["CreatedDate"] = stored.get("createdate", version["CreatedDate"])
        return json.dumps(answer)

    list_secret_version_ids._steward_dates = True  # type: ignore[attr-defined]
    backend_class.list_secret_version_ids = list_secret_version_ids


def sign_empty_payloads() -> None:
    """IAM enforcement (the least-privilege tests): moto recomputes a request's signature over ``body or params``, so
    a REST call without a body (Lambda's GetAlias, GetFunctionConfiguration, ListAliases) is checked against a
    payload it never had and refused with SignatureDoesNotMatch. AWS signs the payload sent: an empty one here."""
    from moto.iam import access_control

    request_class = access_control.IAMRequestBase
    if getattr(request_class._create_aws_request, "_steward_signs", False):
        return
    original = request_class._create_aws_request

    def _create_aws_request(self: Any) -> Any:
        request = original(self)
        if not self._body and self._method in ("GET", "HEAD", "DELETE"):
            request.data = b""
        return request

    _create_aws_request._steward_signs = True  # type: ignore[attr-defined]
    request_class._create_aws_request = _create_aws_request
