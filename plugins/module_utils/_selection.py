# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve validated targets (names, ARNs, tag selectors, excludes) into the resources to act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import describe_error
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._targets import Target


@dataclass
class Selection:
    selected: list[Selected] = field(default_factory=list)
    # One entry per target: what it asked for, how many it matched, whether its lookup failed.
    targets: list[dict[str, Any]] = field(default_factory=list)

    @property
    def failed_targets(self) -> list[dict[str, Any]]:
        return [target for target in self.targets if target.get("error")]


def select(targets: list[Target], adapters: dict[str, Any], concurrency: int) -> Selection:
    """Tag lookups run concurrently (one call chain per target); names and ARNs need no call at all."""

    def resolve(target: Target) -> list[tuple[str, str | None]]:
        adapter = adapters[target.kind]
        if target.selector == "names":
            return [(name, None) for name in adapter.expand_names(target.names, target.options)]
        arns = target.arns if target.selector == "arns" else adapter.find_by_tags(target.tags)
        return [(adapter.id_from_arn(arn), arn) for arn in arns]

    selection = Selection()
    seen: set[tuple[str, str]] = set()
    for outcome in fan_out(targets, resolve, concurrency):
        target = outcome.item
        report: dict[str, Any] = {
            "target": target.path,
            "kind": target.kind,
            "selector": target.describe,
            "matched": 0,
            "excluded": 0,
        }
        selection.targets.append(report)
        if not outcome.ok:
            report["error"] = describe_error(outcome.error)[0]  # type: ignore[arg-type]
            continue
        adapter = adapters[target.kind]
        excluded = {adapter.id_from_arn(item) if item.startswith("arn:") else item for item in target.exclude}
        for resource_id, arn in outcome.value or []:
            if resource_id in excluded:
                report["excluded"] += 1
                continue
            report["matched"] += 1
            if (target.kind, resource_id) in seen:
                continue  # a resource two targets select is acted on once, with the first target's options
            seen.add((target.kind, resource_id))
            found = target.selector == "tags"
            selection.selected.append(Selected(target.kind, resource_id, arn, target.options, target.path, found=found))
        if report["matched"] == 0:
            report["message"] = f"{target.describe} matched nothing" + (f" ({report['excluded']} excluded)" if report["excluded"] else "")
    return selection
