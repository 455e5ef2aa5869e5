# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Secrets Manager secrets: versions and their stages, rotation by the secret's Lambda or by steward's four steps."""

from __future__ import annotations

import functools
import re
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import as_utc
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._generate import parse_generate
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import expand_globs, not_found
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._protocol import (
    Credential,
    CredentialHolder,
    CredentialKind,
)
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.credential._secret_apply import (
    CONNECTION_DOC,
    CONNECTION_OPTIONS,
    CONNECTION_SPEC,
)
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._retry_safe import retried
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec

CURRENT, PENDING, PREVIOUS = "AWSCURRENT", "AWSPENDING", "AWSPREVIOUS"


class SecretKind(CredentialKind):
    name = "secret"
    summary = "Secrets Manager secrets"
    names_doc = "secret name; a glob pattern such as C(pazpaz/*) selects every secret whose name matches"
    service = "secretsmanager"
    tagging_type = "secretsmanager:secret"
    arn_pattern = r"^arn:aws[\w-]*:secretsmanager:[\w-]+:\d{12}:secret:.+$"
    not_found_codes = ("ResourceNotFoundException",)
    shared_option = "postgres"
    shared_option_spec = CONNECTION_SPEC
    shared_option_doc = CONNECTION_DOC
    secret_options = ("password",)
    option_spec = {
        "generate": OptionSpec(
            type="dict",
            description="how a new value is made when the secret has no rotation Lambda: C(length) (32), C(lowercase),"
            " C(uppercase), C(digits) (true), C(punctuation) (false), C(exclude_characters), and C(key) to replace one key of"
            " a JSON secret and keep the others",
        ),
        "apply": OptionSpec(
            default="none",
            choices=("none", "postgres"),
            description="where the new value is applied before it is promoted: nowhere (a value only applications read),"
            " or as the password of C(role) on the server of O(postgres)",
        ),
        "role": OptionSpec(
            pattern=r"^[A-Za-z_][A-Za-z0-9_$-]{0,62}$", description="with C(apply=postgres): the role whose password this is"
        ),
        "database": OptionSpec(
            pattern=r"^\S+$", description="with C(apply=postgres): the database the verifying login opens (C(maintenance_db))"
        ),
        **CONNECTION_OPTIONS,
    }

    @classmethod
    def check_options(cls, path: str, options: dict[str, Any]) -> None:
        parse_generate(f"{path}.generate", options.get("generate"))
        if options.get("apply") == "postgres" and not options.get("role"):
            raise OptionError(f"{path}.role", None, "required with apply=postgres (the role whose password the secret holds)")

    def id_from_arn(self, arn: str) -> str:
        """The secret's name: the ARN's tail without the six characters Secrets Manager appends."""
        return re.sub(r"-[A-Za-z0-9]{6}$", "", arn.split(":secret:", 1)[1])

    def expand_names(self, names: list[str], options: dict[str, Any]) -> list[str]:
        # ListSecrets filters by name only loosely: list every secret once, whatever the patterns.
        every = functools.cache(
            lambda: [item["Name"] for page in self.client.get_paginator("list_secrets").paginate() for item in page.get("SecretList", [])]
        )
        return expand_globs(names, lambda _prefix: every())

    def read(self, selected: Selected) -> CredentialHolder:
        with self.missing(selected.id):
            described = self.client.describe_secret(SecretId=selected.arn or selected.id)
            listed = self._versions(selected.arn or selected.id)
        if described.get("DeletedDate"):
            raise not_found(self.name, selected.id)
        stages = {version_id: tuple(found) for version_id, found in (described.get("VersionIdsToStages") or {}).items()}
        created = {version["VersionId"]: version.get("CreatedDate") for version in listed}
        credentials = [
            Credential(version_id, as_utc(created[version_id]) if created.get(version_id) else None, ",".join(found), stages=found)
            for version_id, found in stages.items()
        ]
        return CredentialHolder(
            self.name,
            described.get("Name", selected.id),
            described.get("ARN"),
            credentials,
            facts={"rotation_lambda": described.get("RotationLambdaARN") if described.get("RotationEnabled") else None},
        )

    def _versions(self, secret: str) -> list[dict[str, Any]]:
        """Every version with its own CreatedDate (boto3 has no paginator for this operation)."""
        versions: list[dict[str, Any]] = []
        token: dict[str, str] = {}
        while True:
            page = self.client.list_secret_version_ids(SecretId=secret, **token)
            versions.extend(page.get("Versions", []))
            if not page.get("NextToken"):
                return versions
            token = {"NextToken": page["NextToken"]}

    def current_value(self, holder: CredentialHolder) -> str:
        """The AWSCURRENT SecretString (always by stage: moto, and a cache, may answer an older one otherwise)."""
        return self.client.get_secret_value(SecretId=holder.arn or holder.id, VersionStage=CURRENT).get("SecretString") or ""

    def version_value(self, holder: CredentialHolder, version_id: str) -> str:
        return self.client.get_secret_value(SecretId=holder.arn or holder.id, VersionId=version_id).get("SecretString") or ""

    def put_pending(self, holder: CredentialHolder, value: str, token: str) -> str:
        """The new value as AWSPENDING; ``token`` (ClientRequestToken) makes a retried call the same version."""
        answer = self.client.put_secret_value(
            SecretId=holder.arn or holder.id, ClientRequestToken=token, SecretString=value, VersionStages=[PENDING]
        )
        return answer["VersionId"]

    def promote(self, holder: CredentialHolder, new_version: str, old_version: str) -> None:
        """AWSCURRENT to the new version (Secrets Manager moves AWSPREVIOUS to the old one), then AWSPENDING off it."""
        secret = holder.arn or holder.id
        self._move_stage(secret, CURRENT, to=new_version, off=old_version)
        self._move_stage(secret, PENDING, off=new_version)

    def retire(self, holder: CredentialHolder, credential: Credential) -> None:
        """A pending version abandoned: its AWSPENDING stage removed (a version with no stage is deprecated by AWS)."""
        self._move_stage(holder.arn or holder.id, PENDING, off=credential.id)

    def _move_stage(self, secret: str, stage: str, to: str | None = None, off: str | None = None) -> None:
        """Move (or remove) a staging label. Retried after a lost answer, the move is refused because it was done (the
        label is no longer on ``off``): then the stages are read, and if they are as this call leaves them, it is done."""
        moves = {key: value for key, value in (("MoveToVersionId", to), ("RemoveFromVersionId", off)) if value}
        try:
            self.client.update_secret_version_stage(SecretId=secret, VersionStage=stage, **moves)
        except Exception as error:
            if not retried(error):
                raise
            stages = self.client.describe_secret(SecretId=secret).get("VersionIdsToStages") or {}
            if (to is not None and stage not in stages.get(to, [])) or (off is not None and stage in stages.get(off, [])):
                raise

    def rotate_with_lambda(self, holder: CredentialHolder, token: str) -> str:
        return self.client.rotate_secret(SecretId=holder.arn or holder.id, ClientRequestToken=token, RotateImmediately=True)["VersionId"]
