# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The result schema every fleet action returns: ``resources`` (one entry each) and ``summary``. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FAILED = "failed"


@dataclass
class ResourceResult:
    kind: str
    id: str
    status: str
    action: str
    arn: str | None = None
    message: str = ""
    error: str | None = None
    error_code: str | None = None
    duration_s: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)
    # Action-specific top-level fields, e.g. backup_id and backup_arn for ``backup``.
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.kind}/{self.id}"

    def as_dict(self) -> dict[str, Any]:
        result = {
            "kind": self.kind,
            "id": self.id,
            "arn": self.arn,
            "status": self.status,
            "action": self.action,
            "message": self.message,
            "error": self.error,
            "error_code": self.error_code,
            "duration_s": round(self.duration_s, 3),
            "details": self.details,
        }
        result.update(self.extra)
        return result


def summarise(results: list[ResourceResult], statuses: tuple[str, ...], targets: list[dict[str, Any]]) -> dict[str, Any]:
    """Counts per status (every status the action can report, zeros included) and per kind."""
    summary: dict[str, Any] = {"total": len(results)}
    for status in statuses:
        summary[status] = sum(1 for result in results if result.status == status)
    by_kind: dict[str, dict[str, int]] = {}
    for result in results:
        counts = by_kind.setdefault(result.kind, {})
        counts[result.status] = counts.get(result.status, 0) + 1
    summary["by_kind"] = by_kind
    summary["targets_matching_nothing"] = sum(1 for target in targets if target.get("matched") == 0 and not target.get("error"))
    summary["targets_failed"] = sum(1 for target in targets if target.get("error"))
    return summary


def failure_message(action: str, results: list[ResourceResult], targets: list[dict[str, Any]]) -> str | None:
    """Why the task fails, naming what failed; None when nothing did."""
    failed = [result for result in results if result.status == FAILED]
    failed_targets = [target for target in targets if target.get("error")]
    if not failed and not failed_targets:
        return None
    parts = []
    if failed:
        names = ", ".join(f"{result.key} ({result.error})" for result in failed[:10])
        more = f" and {len(failed) - 10} more" if len(failed) > 10 else ""
        parts.append(f"{action} failed for {len(failed)} of {len(results)} resources: {names}{more}")
    if failed_targets:
        parts.append("target lookup failed: " + "; ".join(f"{target['target']}: {target['error']}" for target in failed_targets))
    return ". ".join(parts)
