# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Resolve validated targets (names, ARNs, tag selectors, excludes) into the resources to act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import SelectionIncomplete, describe_error
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
        if target.selector == "arns":
            return [(adapter.id_from_arn(arn), arn) for arn in target.arns]
        return adapter.select_by_tags(target.tags, target.options)

    selection = Selection()
    seen: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {}
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
        found = outcome.value or []
        if not outcome.ok:
            report["error"] = describe_error(outcome.error)[0]  # type: ignore[arg-type]
            if not isinstance(outcome.error, SelectionIncomplete):
                continue
            found = [(name, None) for name in outcome.error.known]
        adapter = adapters[target.kind]
        excluded = {adapter.id_from_arn(item) if item.startswith("arn:") else item for item in target.exclude}
        conflicts = []
        for resource_id, arn in found:
            if resource_id in excluded:
                report["excluded"] += 1
                continue
            report["matched"] += 1
            first = seen.get((target.kind, resource_id))
            if first is not None:
                # A resource two targets select is acted on once. With the same options that is what was asked;
                # with other options (a second dump store, say) doing only the first would drop the second silently.
                differing = sorted(key for key in {*first[1], *target.options} if first[1].get(key) != target.options.get(key))
                if differing:
                    conflicts.append(f"{resource_id} (selected by {first[0]} too; {', '.join(differing)} differ)")
                continue
            seen[(target.kind, resource_id)] = (target.path, target.options)
            by_tags = target.selector == "tags"
            selection.selected.append(Selected(target.kind, resource_id, arn, target.options, target.path, found=by_tags))
        if conflicts:
            refused = f"refused for {len(conflicts)} {target.kind} resources another target selects with other options: "
            refusal = refused + "; ".join(conflicts[:10]) + " (one target per resource, or the same options in both)"
            report["error"] = f"{report['error']}; {refusal}" if report.get("error") else refusal
        if report["matched"] == 0:
            report["message"] = f"{target.describe} matched nothing" + (f" ({report['excluded']} excluded)" if report["excluded"] else "")
    return selection
