# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The AWS health probes of the morning check: alarms, DynamoDB tables, Lambda functions, RDS instances, Aurora
clusters, ECS services, ACM certificates. Each reads a batch in as few calls as its API allows; none writes."""

from __future__ import annotations

import fnmatch
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import chunks, error_code, expand_globs
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy.ecs_service import ECSServiceKind, service_id
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe._protocol import (
    CRITICAL,
    INFO,
    WARNING,
    Finding,
    HealthProbe,
    Thresholds,
    missing,
)
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected


class AlarmProbe(HealthProbe):
    name = "alarm"
    summary = "CloudWatch alarms (in ALARM is critical, INSUFFICIENT_DATA a warning)"
    names_doc = "alarm name; a glob pattern such as C(pazpaz-prod-*) selects every alarm whose name matches"
    service = "cloudwatch"
    tagging_type = "cloudwatch:alarm"
    arn_pattern = r"^arn:aws[\w-]*:cloudwatch:[\w-]+:\d{12}:alarm:.+$"
    batch = 100

    def id_from_arn(self, arn: str) -> str:
        return arn.split(":alarm:", 1)[1]

    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        return expand_globs(names, lambda prefix: [alarm["AlarmName"] for alarm in self._describe(AlarmNamePrefix=prefix)])

    def read(self, names: list[str], prefix: str | None) -> tuple[list[dict[str, Any]], list[str]]:
        """The alarms named (100 a call) or starting with ``prefix``, by name, and the names that do not exist: what
        rollback's alarm gate judges."""
        requests: list[dict[str, Any]] = [{"AlarmNames": batch} for batch in chunks(sorted(set(names)), self.batch)]
        if prefix:
            requests.append({"AlarmNamePrefix": prefix})
        found = {alarm["AlarmName"]: alarm for request in requests for alarm in self._describe(**request)}
        return [found[name] for name in sorted(found)], sorted(name for name in set(names) if name not in found)

    def _describe(self, **kwargs: Any) -> list[dict[str, Any]]:
        pages = self.client.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm", "CompositeAlarm"], **kwargs)
        return [alarm for page in pages for alarm in page.get("MetricAlarms", []) + page.get("CompositeAlarms", [])]

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        found = {alarm["AlarmName"]: alarm for alarm in self._describe(AlarmNames=[item.id for item in selected])}
        findings = []
        for item in selected:
            alarm = found.get(item.id)
            if alarm is None:
                findings.append(Finding(self.name, item.id, "state", WARNING, f"alarm '{item.id}' does not exist"))
                continue
            state = alarm.get("StateValue")
            severity = {"ALARM": CRITICAL, "INSUFFICIENT_DATA": WARNING}.get(state, INFO)
            since = alarm.get("StateUpdatedTimestamp")
            when = f" since {as_utc(since):%Y-%m-%d %H:%M} UTC" if since else ""
            findings.append(Finding(self.name, item.id, "state", severity, f"{state}{when}: {alarm.get('StateReason', '')}".strip(), state))
        return findings


class TableProbe(HealthProbe):
    name = "dynamodb"
    summary = "DynamoDB tables (status ACTIVE)"
    names_doc = "table name"
    service = "dynamodb"
    tagging_type = "dynamodb:table"
    arn_pattern = r"^arn:aws[\w-]*:dynamodb:[\w-]+:\d{12}:table/[A-Za-z0-9_.-]+$"
    not_found_codes = ("ResourceNotFoundException",)

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        findings = []
        for item in selected:
            try:
                table = self.client.describe_table(TableName=item.id)["Table"]
            except Exception as error:
                if error_code(error) not in self.not_found_codes:
                    raise
                findings.append(missing(self.name, item.id))
                continue
            status = table.get("TableStatus")
            severity = INFO if status == "ACTIVE" else WARNING if status in ("CREATING", "UPDATING") else CRITICAL
            findings.append(Finding(self.name, item.id, "status", severity, f"table status {status}", status))
        return findings


class FunctionProbe(HealthProbe):
    name = "lambda"
    summary = "Lambda functions (state Active, last update Successful)"
    names_doc = "function name"
    service = "lambda"
    tagging_type = "lambda:function"
    arn_pattern = r"^arn:aws[\w-]*:lambda:[\w-]+:\d{12}:function:[A-Za-z0-9_-]+$"
    not_found_codes = ("ResourceNotFoundException",)

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        findings = []
        for item in selected:
            try:
                config = self.client.get_function_configuration(FunctionName=item.id)
            except Exception as error:
                if error_code(error) not in self.not_found_codes:
                    raise
                findings.append(missing(self.name, item.id))
                continue
            state, update = config.get("State", "Active"), config.get("LastUpdateStatus", "Successful")
            if state == "Failed" or update == "Failed":
                severity = CRITICAL
            elif state in ("Pending", "Inactive") or update == "InProgress":
                severity = WARNING
            else:
                severity = INFO
            reason = config.get("StateReason") or config.get("LastUpdateStatusReason") or ""
            findings.append(Finding(self.name, item.id, "state", severity, f"state {state}, last update {update} {reason}".strip(), state))
        return findings


_DB_CRITICAL = ("failed", "stopped", "storage-full", "inaccessible-encryption-credentials", "incompatible-network", "incompatible-restore")
_DB_INFO = ("available",)


def _db_severity(status: str) -> str:
    if status in _DB_INFO:
        return INFO
    return CRITICAL if status in _DB_CRITICAL or status.startswith("incompatible") else WARNING


class _DatabaseProbe(HealthProbe):
    """RDS instances and Aurora clusters: one filtered describe for up to 100, judged by status alike."""

    service = "rds"
    batch = 100
    # (operation, filter name, list key, id field, status field, noun) of the describe call
    describe: tuple[str, str, str, str, str, str]

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        operation, filter_name, list_key, id_field, status_field, noun = self.describe
        pages = self.client.get_paginator(operation).paginate(Filters=[{"Name": filter_name, "Values": [item.id for item in selected]}])
        found = {db[id_field]: db for page in pages for db in page.get(list_key, [])}
        findings = []
        for item in selected:
            if item.id not in found:
                findings.append(missing(self.name, item.id))
                continue
            status = found[item.id].get(status_field, "")
            findings.append(Finding(self.name, item.id, "status", _db_severity(status), f"{noun} status {status}", status))
        return findings


class InstanceProbe(_DatabaseProbe):
    name = "rds"
    summary = "RDS DB instances (status available)"
    names_doc = "DB instance identifier"
    tagging_type = "rds:db"
    arn_pattern = r"^arn:aws[\w-]*:rds:[\w-]+:\d{12}:db:[a-z][a-z0-9-]*$"
    describe = ("describe_db_instances", "db-instance-id", "DBInstances", "DBInstanceIdentifier", "DBInstanceStatus", "instance")


class ClusterProbe(_DatabaseProbe):
    name = "aurora"
    summary = "Aurora DB clusters (status available)"
    names_doc = "DB cluster identifier"
    tagging_type = "rds:cluster"
    arn_pattern = r"^arn:aws[\w-]*:rds:[\w-]+:\d{12}:cluster:[a-z][a-z0-9-]*$"
    describe = ("describe_db_clusters", "db-cluster-id", "DBClusters", "DBClusterIdentifier", "Status", "cluster")


class ServiceProbe(HealthProbe):
    name = "ecs_service"
    summary = "ECS services (running = desired, the newest deployment's rollout not FAILED)"
    names_doc = "C(<cluster>/<service>)"
    service = "ecs"
    tagging_type = "ecs:service"
    arn_pattern = ECSServiceKind.arn_pattern
    name_pattern = ECSServiceKind.name_pattern
    batch = 10  # DescribeServices takes ten services of one cluster

    def id_from_arn(self, arn: str) -> str:
        return service_id(arn)

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        by_cluster: dict[str, list[Selected]] = {}
        for item in selected:
            by_cluster.setdefault(item.id.split("/", 1)[0], []).append(item)
        findings = []
        for cluster, items in by_cluster.items():
            for batch in chunks(items, 10):
                try:
                    answer = self.client.describe_services(cluster=cluster, services=[item.id.split("/", 1)[1] for item in batch])
                except Exception as error:
                    if error_code(error) != "ClusterNotFoundException":
                        raise
                    answer = {"services": []}
                found = {service["serviceName"]: service for service in answer.get("services", []) if service.get("status") != "INACTIVE"}
                for item in batch:
                    service = found.get(item.id.split("/", 1)[1])
                    findings += [missing(self.name, item.id)] if service is None else _service_findings(self.name, item.id, service)
        return findings


def _service_findings(kind: str, resource_id: str, service: dict[str, Any]) -> list[Finding]:
    running, desired = service.get("runningCount", 0), service.get("desiredCount", 0)
    if running >= desired:
        tasks = Finding(kind, resource_id, "tasks", INFO, f"{running}/{desired} tasks running", running)
    else:
        tasks = Finding(
            kind, resource_id, "tasks", CRITICAL if running == 0 else WARNING, f"only {running}/{desired} tasks running", running
        )
    deployments = sorted(service.get("deployments", []), key=lambda deployment: str(deployment.get("createdAt", "")), reverse=True)
    newest = deployments[0] if deployments else {}
    rollout = newest.get("rolloutState")
    severity = CRITICAL if rollout == "FAILED" else WARNING if rollout == "IN_PROGRESS" else INFO
    reason = newest.get("rolloutStateReason") or ""
    return [
        tasks,
        Finding(kind, resource_id, "rollout", severity, f"newest deployment rollout {rollout or 'n/a'} {reason}".strip(), rollout),
    ]


class CertificateProbe(HealthProbe):
    name = "certificate"
    summary = "ACM certificates (days to expiry against O(certificates.warn_days) and O(certificates.critical_days))"
    names_doc = "the certificate's domain name"
    service = "acm"
    tagging_type = "acm:certificate"
    arn_pattern = r"^arn:aws[\w-]*:acm:[\w-]+:\d{12}:certificate/[0-9a-f-]+$"
    not_found_codes = ("ResourceNotFoundException",)

    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        """Domain names become the ARNs of the certificates issued for them (a name matches none: it stays, and fails)."""
        pages = self.client.get_paginator("list_certificates").paginate()
        listed = [(item["DomainName"], item["CertificateArn"]) for page in pages for item in page.get("CertificateSummaryList", [])]
        expanded: list[str] = []
        for name in names:
            arns = [arn for domain, arn in listed if fnmatch.fnmatchcase(domain, name)]
            expanded += arns or [name]
        return list(dict.fromkeys(expanded))

    def id_from_arn(self, arn: str) -> str:
        return arn

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        findings = []
        for item in selected:
            if not item.id.startswith("arn:"):
                findings.append(Finding(self.name, item.id, "exists", CRITICAL, f"no certificate for domain '{item.id}'"))
                continue
            try:
                certificate = self.client.describe_certificate(CertificateArn=item.id)["Certificate"]
            except Exception as error:
                if error_code(error) not in self.not_found_codes:
                    raise
                findings.append(missing(self.name, item.id))
                continue
            findings.append(_expiry(self.name, item.id, certificate, thresholds))
        return findings


def _expiry(kind: str, arn: str, certificate: dict[str, Any], thresholds: Thresholds) -> Finding:
    domain = certificate.get("DomainName", arn)
    not_after = certificate.get("NotAfter")
    if certificate.get("Status") == "EXPIRED" or not_after is None:
        return Finding(kind, arn, "expiry", CRITICAL, f"{domain}: status {certificate.get('Status')}", None)
    days = int((as_utc(not_after) - thresholds.now).total_seconds() // 86400)
    severity = CRITICAL if days < thresholds.critical_days else WARNING if days < thresholds.warn_days else INFO
    return Finding(kind, arn, "expiry", severity, f"{domain} expires in {days} days ({as_utc(not_after):%Y-%m-%d})", days)
