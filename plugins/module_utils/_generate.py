# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""New secret values: the ``generate`` spec, checked before any call, and a value drawn from the OS's CSPRNG. Pure."""

from __future__ import annotations

import json
import re
import secrets
import string
from dataclasses import dataclass
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError, ResourceError

CLASSES = {
    "lowercase": string.ascii_lowercase,
    "uppercase": string.ascii_uppercase,
    "digits": string.digits,
    "punctuation": "!#$%&()*+,-./:;<=>?@[]^_{|}~",  # no quotes, backslash or backtick: safe in shells and SQL tools
}
DEFAULTS = {"length": 32, "lowercase": True, "uppercase": True, "digits": True, "punctuation": False}
FIELDS = (*DEFAULTS, "exclude_characters", "key")


@dataclass(frozen=True)
class GenerateSpec:
    length: int
    alphabets: tuple[str, ...]  # one per character class in use, exclusions removed
    key: str | None = None  # generate this key of a JSON secret, keep the others

    def value(self) -> str:
        """``length`` characters, at least one of each class in use, from ``secrets.SystemRandom``."""
        chooser = secrets.SystemRandom()
        every = "".join(self.alphabets)
        drawn = [chooser.choice(alphabet) for alphabet in self.alphabets]
        drawn += [chooser.choice(every) for _index in range(self.length - len(drawn))]
        chooser.shuffle(drawn)
        return "".join(drawn)

    def new_secret_string(self, current: str | None) -> tuple[str, str]:
        """(the new SecretString, the generated value in it): the whole string, or ``key`` replaced in the JSON."""
        value = self.value()
        if self.key is None:
            return value, value
        try:
            document = json.loads(current or "")
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise ResourceError(f"generate.key={self.key}: the current value is not a JSON object", code="not_json")
        document[self.key] = value
        return json.dumps(document), value


def parse_generate(path: str, raw: Any) -> GenerateSpec:
    raw = {} if raw is None else raw
    if not isinstance(raw, dict):
        raise OptionError(path, raw, "expected a mapping of length, lowercase, uppercase, digits, punctuation, exclude_characters, key")
    unknown = sorted(set(raw) - set(FIELDS))
    if unknown:
        raise OptionError(f"{path}.{unknown[0]}", raw[unknown[0]], f"not a generate option ({', '.join(FIELDS)})")
    spec = {**DEFAULTS, **{key: value for key, value in raw.items() if value is not None}}
    length = spec["length"]
    if isinstance(length, bool) or not isinstance(length, int) or not 1 <= length <= 4096:
        raise OptionError(f"{path}.length", length, "expected a whole number from 1 to 4096")
    for name in CLASSES:
        if not isinstance(spec[name], bool):
            raise OptionError(f"{path}.{name}", spec[name], "expected true or false")
    excluded = spec.get("exclude_characters") or ""
    if not isinstance(excluded, str):
        raise OptionError(f"{path}.exclude_characters", excluded, "expected a string of characters")
    alphabets = tuple("".join(c for c in CLASSES[name] if c not in excluded) for name in CLASSES if spec[name])
    if not alphabets or not all(alphabets):
        raise OptionError(path, raw, "no character left to draw from: enable a class whose characters are not all excluded")
    if length < len(alphabets):
        raise OptionError(f"{path}.length", length, f"too short for one character of each of the {len(alphabets)} classes in use")
    key = spec.get("key")
    if key is not None and (not isinstance(key, str) or not re.match(r"^[A-Za-z0-9_.-]{1,128}$", key)):
        raise OptionError(f"{path}.key", key, "expected a JSON key of letters, digits, '_', '.' or '-'")
    return GenerateSpec(length, alphabets, key)
