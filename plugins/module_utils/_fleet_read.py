# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Read a whole fleet in bulk before acting on it: resources described and backups listed in as few calls as each
kind's API allows, fanned out by batch. Against AWS every call counts towards throttling; one describe and one
listing per resource would make a fleet backup cost three calls a resource instead of about one.

No service-specific code: batching is each kind adapter's (``describe_many``, ``list_backups_many``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ansible_collections.steward.maintenance.plugins.module_utils._fanout import fan_out
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import answer_or_raise, chunks
from ansible_collections.steward.maintenance.plugins.module_utils._model import Backup, Resource, Selected

T = TypeVar("T")


@dataclass
class FleetView:
    """What the bulk read learned; each action asks it per resource, and meets that resource's own error there."""

    resources: dict[tuple[str, str], Resource | BaseException] = field(default_factory=dict)
    backups: dict[tuple[str, str], list[Backup] | BaseException] = field(default_factory=dict)

    def describe(self, selected: Selected) -> Resource:
        return answer_or_raise(self.resources[(selected.kind, selected.id)])

    def list_backups(self, resource: Resource) -> list[Backup]:
        return answer_or_raise(self.backups[(resource.kind, resource.id)])


def read_fleet(adapters: dict[str, Any], selected: list[Selected], concurrency: int, details: bool = True) -> FleetView:
    """Describe every selected resource, then list the backups of every one that exists, each in batches.

    ``details``: the action needs each resource's facts (backup evidence, restore tests); without it a resource the
    tag lookup found is taken as found where its kind says the describe would add nothing (``tag_lookup_suffices``).
    """
    view = FleetView()
    to_describe: list[Selected] = []
    for item in selected:
        adapter = adapters[item.kind]
        if not details and item.found and adapter.tag_lookup_suffices:
            view.resources[(item.kind, item.id)] = adapter.resource_from_selection(item)
        else:
            to_describe.append(item)

    described = read_in_batches(to_describe, _kind, adapters, "describe_batch", _describe_many, concurrency)
    for item, resource in zip(to_describe, described, strict=True):
        view.resources[(item.kind, item.id)] = resource

    existing = [resource for resource in view.resources.values() if isinstance(resource, Resource)]

    def listing(batch: list[Resource]) -> dict[str, list[Backup]]:
        return adapters[batch[0].kind].list_backups_many(batch)

    for outcome in fan_out(batches_by_kind(existing, _kind, adapters, "list_batch"), listing, concurrency):
        for resource in outcome.item:
            found = outcome.value.get(resource.id, []) if outcome.ok and outcome.value is not None else outcome.error
            view.backups[(resource.kind, resource.id)] = found  # type: ignore[assignment]
    return view


def _describe_many(adapter: Any, batch: list[Selected]) -> list[Resource | BaseException]:
    return adapter.describe_many(batch)


def read_in_batches(
    items: list[T],
    kind_of: Callable[[T], str],
    adapters: dict[str, Any],
    size_attribute: str,
    read: Callable[[Any, list[T]], list[Any]],
    concurrency: int,
) -> list[Any]:
    """``read(adapter, batch)`` over the items in batches of their kind's size (``size_attribute``), the batches
    concurrently: one answer (or error) per item, in the items' order; a whole batch's error is each of its items'."""
    batches = batches_by_kind(list(enumerate(items)), lambda pair: kind_of(pair[1]), adapters, size_attribute)
    answers: dict[int, Any] = {}

    def one(batch: list[tuple[int, T]]) -> list[Any]:
        return read(adapters[kind_of(batch[0][1])], [item for _index, item in batch])

    for outcome in fan_out(batches, one, concurrency):
        found = outcome.value if outcome.ok else [outcome.error] * len(outcome.item)
        for (index, _item), answer in zip(outcome.item, found or [], strict=True):
            answers[index] = answer
    return [answers[index] for index in range(len(items))]


def batches_by_kind(items: Iterable[T], kind_of: Callable[[T], str], adapters: dict[str, Any], size_attribute: str) -> list[list[T]]:
    """Items grouped by kind, in batches of the size the kind's adapter declares (``describe_batch``, ``list_batch``,
    ``refresh_batch_size``): one batch is one call of the batched form."""
    by_kind: dict[str, list[T]] = {}
    for item in items:
        by_kind.setdefault(kind_of(item), []).append(item)
    return [batch for kind, group in by_kind.items() for batch in chunks(group, getattr(adapters[kind], size_attribute))]


def _kind(item: Selected | Resource) -> str:
    return item.kind
