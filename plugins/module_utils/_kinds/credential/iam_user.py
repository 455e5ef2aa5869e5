# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IAM users and their access keys; a new key's secret goes straight into a Secrets Manager secret.

IAM is not in the Resource Groups Tagging API: tags select users through IAM's own listing (ListUsers under
``options.path``, then ListUserTags per user).
"""

from __future__ import annotations

import functools
import json
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import error_code, expand_globs
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._protocol import (
    Credential,
    CredentialHolder,
    CredentialKind,
)
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

ACTIVE, INACTIVE = "Active", "Inactive"
# On the user while a rotation of ours is between CreateAccessKey and the new key stored: a run killed there leaves
# it behind, and the next run knows the unstored key is ours to delete.
ROTATING_TAG = "steward:rotating"


class IAMUserKind(CredentialKind):
    name = "iam_user"
    summary = "IAM users (their access keys)"
    names_doc = "user name; a glob pattern such as C(*) or C(svc-*) selects every user under C(options.path) whose name matches"
    tags_doc = "IAM is not in the tagging API: users under C(options.path) are listed and their tags read."
    service = "iam"
    arn_pattern = r"^arn:aws[\w-]*:iam::\d{12}:user/.+$"
    not_found_codes = ("NoSuchEntity",)
    rotating_tag = ROTATING_TAG
    option_spec = {
        "path": OptionSpec(
            default="/", pattern=r"^/([\x21-\x7e]*/)?$", description="IAM path prefix the listing (patterns, tags) looks under"
        ),
    }

    def _users(self, path: str) -> list[dict[str, Any]]:
        return [user for page in self.client.get_paginator("list_users").paginate(PathPrefix=path) for user in page.get("Users", [])]

    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        every = functools.cache(lambda: [user["UserName"] for user in self._users(options["path"])])  # one ListUsers, any patterns
        return expand_globs(names, lambda _prefix: every())

    def select_by_tags(self, selector: dict[str, list[str]], options: dict[str, Any]) -> list[tuple[str, str]]:
        found = []
        for user in self._users(options["path"]):
            pages = self.client.get_paginator("list_user_tags").paginate(UserName=user["UserName"])
            tags = {tag["Key"]: tag["Value"] for page in pages for tag in page.get("Tags", [])}
            if all(key in tags and (not values or tags[key] in values) for key, values in selector.items()):
                found.append((user["UserName"], user["Arn"]))
        return found

    def read(self, selected: Selected) -> CredentialHolder:
        with self.missing(selected.id):
            user = self.client.get_user(UserName=selected.id)["User"]
            keys = [
                key
                for page in self.client.get_paginator("list_access_keys").paginate(UserName=selected.id)
                for key in page["AccessKeyMetadata"]
            ]
            credentials = []
            for key in keys:
                used = self.client.get_access_key_last_used(AccessKeyId=key["AccessKeyId"]).get("AccessKeyLastUsed") or {}
                last_used = as_utc(used["LastUsedDate"]) if used.get("LastUsedDate") else None
                credentials.append(Credential(key["AccessKeyId"], as_utc(key["CreateDate"]), key["Status"], last_used))
        tags = {tag["Key"]: tag["Value"] for tag in user.get("Tags") or []}
        return CredentialHolder(self.name, selected.id, user.get("Arn"), credentials, {"rotating": tags.get(ROTATING_TAG)})

    def mark_rotating(self, holder: CredentialHolder, marker: str) -> None:
        """Say on the user that a new key is being made and stored (``marker``: the run and the time)."""
        self.client.tag_user(UserName=holder.id, Tags=[{"Key": ROTATING_TAG, "Value": marker}])

    def unmark_rotating(self, holder: CredentialHolder) -> None:
        self.client.untag_user(UserName=holder.id, TagKeys=[ROTATING_TAG])

    def stored_key_ids(self, secret_name: str) -> set[str]:
        """Every key id ``store`` put into the secret, from its versions' tokens (none when there is no such secret)."""
        try:
            described = self.clients.client("secretsmanager").describe_secret(SecretId=secret_name)
        except Exception as error:
            if error_code(error) == "ResourceNotFoundException":
                return set()
            raise
        prefix = "steward-access-key-"
        return {token.removeprefix(prefix) for token in described.get("VersionIdsToStages") or {} if token.startswith(prefix)}

    def create_key(self, holder: CredentialHolder) -> tuple[str, str]:
        """(the new key's id, its secret): the secret only ever goes to ``store`` and the run's secret values."""
        known = {credential.id for credential in holder.credentials}

        def remove_lost_keys() -> None:
            """A key made by an attempt whose answer was lost is useless (its secret never arrived): delete it, so the
            retry makes the one key the user gets. Only keys this run had not seen when it read the user qualify."""
            for page in self.client.get_paginator("list_access_keys").paginate(UserName=holder.id):
                for key in page["AccessKeyMetadata"]:
                    if key["AccessKeyId"] not in known:
                        self.delete_once(lambda key=key: self.client.delete_access_key(UserName=holder.id, AccessKeyId=key["AccessKeyId"]))

        key = self.create_once(lambda client: client.create_access_key(UserName=holder.id)["AccessKey"], remove_lost_keys)
        return key["AccessKeyId"], key["SecretAccessKey"]

    def store(self, holder: CredentialHolder, secret_name: str, key_id: str, key_secret: str) -> dict[str, str]:
        """The key in the secret ``secret_name`` (made if missing) as its new AWSCURRENT version; its ARN and version."""
        secrets = self.clients.client("secretsmanager")
        value = json.dumps({"UserName": holder.id, "AccessKeyId": key_id, "SecretAccessKey": key_secret})
        try:
            answer = secrets.put_secret_value(SecretId=secret_name, SecretString=value, ClientRequestToken=f"steward-access-key-{key_id}")
        except Exception as error:
            if error_code(error) != "ResourceNotFoundException":
                raise
            token = f"steward-access-key-{key_id}"
            answer = self.create_once(
                lambda client: client.create_secret(
                    Name=secret_name,
                    SecretString=value,
                    ClientRequestToken=token,
                    Description=f"Access key of IAM user {holder.id}, kept by steward.maintenance.access_key_rotation",
                    Tags=[{"Key": "steward:managed", "Value": "true"}, {"Key": "steward:source", "Value": holder.arn or holder.id}],
                ),
                # Made by an attempt whose answer was lost: the secret's version named by the token holds this key.
                lambda: self._secret_version(secrets, secret_name, token),
                service="secretsmanager",
            )
        return {"secret": answer["ARN"], "version": answer["VersionId"]}

    @staticmethod
    def _secret_version(secrets: Any, secret_name: str, token: str) -> dict[str, str] | None:
        try:
            described = secrets.describe_secret(SecretId=secret_name)
        except Exception as error:
            if error_code(error) == "ResourceNotFoundException":
                return None
            raise
        return {"ARN": described["ARN"], "VersionId": token} if token in (described.get("VersionIdsToStages") or {}) else None

    def deactivate(self, holder: CredentialHolder, credential: Credential) -> None:
        self.client.update_access_key(UserName=holder.id, AccessKeyId=credential.id, Status=INACTIVE)

    def retire(self, holder: CredentialHolder, credential: Credential) -> None:
        self.delete_once(lambda: self.client.delete_access_key(UserName=holder.id, AccessKeyId=credential.id))
