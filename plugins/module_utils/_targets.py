# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of the ``targets`` option shared by every fleet action. Pure, no AWS.

Everything here runs before the first API call, so bad input never half-runs a fleet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError

# The argument_spec every fleet module shares for ``targets``; kind choices are filled in by the module.
SELECTORS = ("names", "arns", "tags")


def targets_argument_spec(kind_choices: list[str]) -> dict[str, Any]:
    return dict(
        type="list",
        elements="dict",
        required=True,
        options=dict(
            kind=dict(type="str", required=True, choices=kind_choices),
            names=dict(type="list", elements="str"),
            arns=dict(type="list", elements="str"),
            tags=dict(type="dict"),
            exclude=dict(type="list", elements="str", default=[]),
            options=dict(type="dict", default={}),
        ),
    )


@dataclass(frozen=True)
class OptionSpec:
    """One kind-specific target option: its type, allowed values, default."""

    type: str = "str"  # str | int | bool | list | dict (a dict is checked further by the kind's check_options)
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    pattern: str | None = None
    minimum: int | None = None
    description: str = ""


@dataclass
class Target:
    kind: str
    selector: str
    names: list[str] = field(default_factory=list)
    arns: list[str] = field(default_factory=list)
    tags: dict[str, list[str]] = field(default_factory=dict)
    exclude: list[str] = field(default_factory=list)
    options: dict[str, Any] = field(default_factory=dict)
    path: str = "targets[0]"

    @property
    def describe(self) -> str:
        if self.selector == "tags":
            wanted = ", ".join(f"{key}={'|'.join(values) or '*'}" for key, values in sorted(self.tags.items()))
            return f"{self.kind} tagged {wanted}"
        return f"{self.kind} by {self.selector}"


def _check_type(path: str, value: Any, spec: OptionSpec) -> Any:
    if spec.type == "bool":
        if not isinstance(value, bool):
            raise OptionError(path, value, "expected true or false")
    elif spec.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            try:
                value = int(str(value), 10)
            except ValueError:
                raise OptionError(path, value, "expected a whole number") from None
        if spec.minimum is not None and value < spec.minimum:
            raise OptionError(path, value, f"expected a whole number of at least {spec.minimum}")
    elif spec.type == "list":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise OptionError(path, value, "expected a list of strings")
    elif spec.type == "dict":
        if not isinstance(value, dict):
            raise OptionError(path, value, "expected a mapping")
    else:
        if not isinstance(value, str) or not value:
            raise OptionError(path, value, "expected a non-empty string")
        if spec.choices and value not in spec.choices:
            raise OptionError(path, value, f"expected one of {', '.join(spec.choices)}")
        if spec.pattern and not re.match(spec.pattern, value):
            raise OptionError(path, value, f"does not match {spec.pattern}")
    return value


def validate_kind_options(
    path: str, kind: str, given: dict[str, Any] | None, spec: dict[str, OptionSpec], field_path: str | None = None
) -> dict[str, Any]:
    """Check a target's ``options`` (or another per-kind mapping at ``field_path``) against a spec and fill defaults."""
    if given is not None and not isinstance(given, dict):
        raise OptionError(field_path or f"{path}.options", given, "expected a mapping of option name to value")
    prefix = field_path or f"{path}.options"
    given = dict(given or {})
    unknown = sorted(set(given) - set(spec))
    if unknown:
        known = ", ".join(sorted(spec)) or "none"
        raise OptionError(f"{prefix}.{unknown[0]}", given[unknown[0]], f"not an option of kind '{kind}' (its options: {known})")
    result: dict[str, Any] = {}
    for name, option in spec.items():
        if given.get(name) is None:
            if option.required:
                raise OptionError(f"{prefix}.{name}", None, f"required for kind '{kind}'")
            result[name] = option.default
            continue
        result[name] = _check_type(f"{prefix}.{name}", given[name], option)
    return result


def _normalise_tag_selector(path: str, tags: Any) -> dict[str, list[str]]:
    if not isinstance(tags, dict) or not tags:
        raise OptionError(path, tags, "expected a non-empty mapping of tag key to value (or list of values)")
    selector: dict[str, list[str]] = {}
    for key, value in tags.items():
        if not isinstance(key, str) or not key:
            raise OptionError(path, key, "tag keys must be non-empty strings")
        if value is None:
            selector[key] = []  # any value
        elif isinstance(value, list):
            if not all(isinstance(item, (str, int)) and not isinstance(item, bool) for item in value):
                raise OptionError(f"{path}.{key}", value, "expected a string or a list of strings")
            selector[key] = [str(item) for item in value]
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            selector[key] = [str(value)]
        else:
            raise OptionError(f"{path}.{key}", value, "expected a string or a list of strings")
    return selector


def parse_targets(raw: Any, kinds: dict[str, Any], module_params: dict[str, Any] | None = None) -> list[Target]:
    """Turn the ``targets`` option into Targets; ``kinds`` maps kind name to its adapter class.

    A kind with a ``shared_option`` (postgres: the ``postgres`` connection option) takes that module option's
    values as defaults for its targets' options; its ``secret_options`` (a password) come only from there, where
    the argument spec marks them no_log, never from ``targets[].options``.
    """
    if not isinstance(raw, list) or not raw:
        raise OptionError("targets", raw, "expected a non-empty list of {kind, names | arns | tags}")
    _check_shared_options(kinds, module_params or {})
    targets = []
    for index, entry in enumerate(raw):
        path = f"targets[{index}]"
        if not isinstance(entry, dict):
            raise OptionError(path, entry, "expected a mapping with kind and one of names, arns, tags")
        kind = entry.get("kind")
        if kind not in kinds:
            raise OptionError(f"{path}.kind", kind, f"expected one of {', '.join(sorted(kinds))}")
        adapter = kinds[kind]
        chosen = [name for name in SELECTORS if entry.get(name) not in (None, [], {})]
        if len(chosen) != 1:
            raise OptionError(
                path,
                {k: entry.get(k) for k in SELECTORS if entry.get(k) is not None},
                "give exactly one of names, arns or tags, and not an empty one",
            )
        selector = chosen[0]
        if selector not in adapter.selectors:
            raise OptionError(f"{path}.{selector}", entry[selector], f"kind '{kind}' selects by {' or '.join(adapter.selectors)} only")
        target = Target(kind=kind, selector=selector, path=path)
        if selector == "names":
            target.names = _string_list(f"{path}.names", entry["names"])
            for position, name in enumerate(target.names):
                if adapter.name_pattern and not re.match(adapter.name_pattern, name):
                    raise OptionError(f"{path}.names[{position}]", name, f"a name of kind '{kind}' is {_plain(adapter.names_doc)}")
        elif selector == "arns":
            target.arns = _string_list(f"{path}.arns", entry["arns"])
            for position, arn in enumerate(target.arns):
                if not re.match(adapter.arn_pattern, arn):
                    raise OptionError(f"{path}.arns[{position}]", arn, f"not an ARN of kind '{kind}'")
        else:
            target.tags = _normalise_tag_selector(f"{path}.tags", entry["tags"])
        target.exclude = _string_list(f"{path}.exclude", entry.get("exclude") or [])
        shared = ((module_params or {}).get(adapter.shared_option) if adapter.shared_option else None) or {}
        given = entry.get("options") or {}
        for secret in adapter.secret_options:
            if isinstance(given, dict) and secret in given:
                raise OptionError(f"{path}.options.{secret}", "********", f"give it in the {adapter.shared_option} option, which hides it")
        defaults = {key: value for key, value in shared.items() if key in adapter.option_spec and value is not None}
        target.options = validate_kind_options(path, kind, {**defaults, **given} if isinstance(given, dict) else given, adapter.option_spec)
        adapter.check_options(f"{path}.options", target.options)
        adapter.check_selection(path, selector, target.options)
        target.options.update({secret: shared.get(secret) for secret in adapter.secret_options})
        targets.append(target)
    return targets


def _check_shared_options(kinds: dict[str, Any], module_params: dict[str, Any]) -> None:
    """A shared option (the ``postgres`` connection) is checked as given, whether or not a target of its kind is
    selected: a bad port fails the run before any call, not the night a PostgreSQL target is added."""
    for kind, adapter in kinds.items():
        shared = module_params.get(adapter.shared_option) if adapter.shared_option else None
        if isinstance(shared, dict):
            given = {key: value for key, value in shared.items() if key in adapter.option_spec and value is not None}
            checked = validate_kind_options(adapter.shared_option, kind, given, adapter.option_spec, field_path=adapter.shared_option)
            if given.keys() & {"dump_dir", "dump_bucket"}:
                adapter.check_options(adapter.shared_option, checked)


def _plain(doc: str) -> str:
    """Documentation markup (C(x), V(x)) as plain text for a message."""
    return re.sub(r"\b[CVOI]\(([^)]*)\)", r"\1", doc)


def _string_list(path: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) and item for item in value):
        raise OptionError(path, value, "expected a list of non-empty strings")
    return list(dict.fromkeys(value))  # keep order, drop repeats


def parse_concurrency(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 or value > 64:
        raise OptionError("concurrency", value, "expected a whole number from 1 to 64")
    return value
