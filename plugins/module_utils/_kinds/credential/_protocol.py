# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The credential family's protocol: credentials and their ages, rotate (create / apply / verify / promote), retire.

secret_rotation and access_key_rotation call these methods and never branch on a service. No method returns a
secret value in anything that is reported: new values go back to the action only to be declared secret and
handed to the next step.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._clock import isoformat
from ansible_collections.steward.maintenance.plugins.module_utils._kinds._base import Kind
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected


@dataclass
class Credential:
    """One version of a secret, or one access key: its id, when it was made, its stages or status, its last use."""

    id: str
    created: datetime | None
    state: str  # "AWSCURRENT,AWSPREVIOUS" for a secret version; "Active" / "Inactive" for an access key
    last_used: datetime | None = None
    stages: tuple[str, ...] = ()

    def as_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "id": self.id,
            "state": self.state,
            "created": isoformat(self.created) if self.created else None,
            "age_days": round((now - self.created).total_seconds() / 86400, 1) if self.created else None,
            "last_used": isoformat(self.last_used) if self.last_used else None,
        }


@dataclass
class CredentialHolder:
    """A secret or an IAM user, with its credentials (never their values)."""

    kind: str
    id: str
    arn: str | None
    credentials: list[Credential] = field(default_factory=list)
    facts: dict[str, Any] = field(default_factory=dict)


class CredentialKind(Kind):
    """One kind as the credential family sees it."""

    @abstractmethod
    def read(self, selected: Selected) -> CredentialHolder:
        """The holder and its credentials with their ages; raises ``not_found`` when it does not exist."""

    @abstractmethod
    def retire(self, holder: CredentialHolder, credential: Credential) -> None:
        """Take an old credential out of use (a pending secret version's stage removed; an access key deleted)."""
