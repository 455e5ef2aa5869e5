# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Lambda aliases: their version is the published function version the alias points at (never ``$LATEST``)."""

from __future__ import annotations

from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.deploy._protocol import DeployableKind, DeployState, Settled
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

_NAME = r"[A-Za-z0-9_-]{1,140}"
_ALIAS = r"(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}"


class LambdaAliasKind(DeployableKind):
    name = "lambda_alias"
    summary = "Lambda function aliases (a version is a published function version, never C($LATEST))"
    names_doc = "C(<function>:<alias>)"
    tags_doc = "the tags of the function; O(targets[].options) C(alias) names the alias of each function found."
    service = "lambda"
    tagging_type = "lambda:function"
    # An alias ARN; a function's own ARN (as the tagging API returns) is not one.
    arn_pattern = rf"^arn:aws[\w-]*:lambda:[\w-]+:\d{{12}}:function:{_NAME}:{_ALIAS}$"
    name_pattern = rf"^{_NAME}:{_ALIAS}$"
    not_found_codes = ("ResourceNotFoundException",)
    version_option = "version"
    version_noun = "version"
    option_spec = {
        "alias": OptionSpec(pattern=rf"^{_ALIAS}$", description="with O(targets[].tags): the alias of every function found"),
        "version": OptionSpec(pattern=r"^[0-9]+$", description="for a rollback with C(to=explicit): the published version to go back to"),
    }

    @classmethod
    def check_selection(cls, path: str, selector: str, options: dict[str, Any]) -> None:
        if selector == "tags" and not options.get("alias"):
            raise OptionError(f"{path}.options.alias", None, "required when lambda_alias targets select functions by tags")
        if selector != "tags" and options.get("alias"):
            raise OptionError(f"{path}.options.alias", options["alias"], "only with tags; names and ARNs already name the alias")

    def id_from_arn(self, arn: str) -> str:
        function, alias = arn.split(":function:", 1)[1].split(":", 1)
        return f"{function}:{alias}"

    def select_by_tags(self, selector: dict[str, list[str]], options: dict[str, Any]) -> list[tuple[str, str]]:
        functions = self.find_by_tags(selector)
        return [(f"{arn.split(':function:', 1)[1]}:{options['alias']}", f"{arn}:{options['alias']}") for arn in functions]

    def owns_arn(self, arn: str) -> bool:
        """The tagging API returns functions (``...:function:<name>``), not aliases nor versions."""
        return ":function:" in arn and arn.split(":function:", 1)[1].count(":") == 0

    def current(self, selected: Selected) -> DeployState:
        function, alias = selected.id.split(":", 1)
        with self.missing(selected.id):
            answer = self.client.get_alias(FunctionName=function, Name=alias)
        weights = {
            str(version): float(weight)
            for version, weight in ((answer.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}).items()
        }
        return DeployState(
            self.name,
            selected.id,
            answer.get("AliasArn"),
            answer["FunctionVersion"],
            facts={"function": function, "alias": alias},
            weights=weights,
        )

    def earlier_versions(self, state: DeployState) -> list[str]:
        versions: list[int] = []
        with self.missing(state.id):
            for page in self.client.get_paginator("list_versions_by_function").paginate(FunctionName=state.facts["function"]):
                versions.extend(int(item["Version"]) for item in page.get("Versions", []) if item["Version"].isdigit())
        if not state.version.isdigit():
            return []  # an alias on $LATEST has no "previous": name a version
        return [str(number) for number in sorted(set(versions), reverse=True) if number < int(state.version)]

    def resolve_version(self, state: DeployState, given: str, option: str) -> str:
        if not str(given).isdigit():
            raise ResourceError(f"{option}={given}: expected a published version number (never $LATEST)", code="no_target")
        if not self.exists(lambda: self.client.get_function_configuration(FunctionName=state.facts["function"], Qualifier=str(given))):
            raise ResourceError(f"{option}={given}: function {state.facts['function']} has no version {given}", code="no_target")
        return str(given)

    def switch(self, state: DeployState, version: str, weights: dict[str, float] | None = None) -> None:
        with self.missing(state.id):
            self.client.update_alias(
                FunctionName=state.facts["function"],
                Name=state.facts["alias"],
                FunctionVersion=version,
                RoutingConfig={"AdditionalVersionWeights": dict(weights or {})},
            )

    def settled(self, state: DeployState, version: str, weights: dict[str, float] | None = None) -> Settled:
        now = self.current(Selected(self.name, state.id, state.arn, {}, ""))
        if now.version != version:
            return Settled(False, detail=f"alias points at version {now.version}")
        if now.weights != (weights or {}):
            return Settled(False, detail=f"alias routes {now.weights or 'nothing'} to other versions, expected {weights or 'nothing'}")
        return Settled(True, detail=f"alias points at version {version}" + (f", weights {weights}" if weights else ", no weighted routing"))

    def display_version(self, version: str) -> str:
        return f"version {version}"
