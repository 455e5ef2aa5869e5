# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP health endpoints: status, latency limit, optional body pattern. Not AWS: selected by URL only."""

from __future__ import annotations

import re
from typing import Any

from ansible_collections.steward.maintenance.plugins.module_utils import _http_probe
from ansible_collections.steward.maintenance.plugins.module_utils._errors import OptionError
from ansible_collections.steward.maintenance.plugins.module_utils._kinds.probe._protocol import (
    CRITICAL,
    INFO,
    WARNING,
    Finding,
    HealthProbe,
    Thresholds,
)
from ansible_collections.steward.maintenance.plugins.module_utils._model import Selected
from ansible_collections.steward.maintenance.plugins.module_utils._targets import OptionSpec


class HttpProbe(HealthProbe):
    name = "http"
    summary = "HTTP endpoints (status, latency, body)"
    names_doc = "an C(http://) or C(https://) URL"
    service = "none"
    arn_pattern = r"(?!)"
    name_pattern = r"^https?://[^\s/?#]+[^\s]*$"
    selectors = ("names",)
    option_spec = {
        "status": OptionSpec(type="int", default=200, minimum=100, description="the status expected"),
        "timeout": OptionSpec(type="int", default=5, minimum=1, description="seconds to wait for the answer"),
        "max_latency_ms": OptionSpec(type="int", minimum=1, description="an answer slower than this is a warning"),
        "body_regex": OptionSpec(description="a regular expression the body must match"),
    }

    @classmethod
    def check_options(cls, path: str, options: dict[str, Any]) -> None:
        if options.get("body_regex"):
            try:
                re.compile(options["body_regex"])
            except re.error as error:
                raise OptionError(f"{path}.body_regex", options["body_regex"], f"not a regular expression ({error})") from None

    @property
    def client(self) -> Any:  # an HTTP probe has no AWS client
        raise AttributeError("http probes make no AWS call")

    def probe(self, selected: list[Selected], thresholds: Thresholds) -> list[Finding]:
        findings = []
        for item in selected:
            options = item.options
            answer = _http_probe.request(item.id, "GET", options["timeout"], options.get("body_regex"))
            if answer.error:
                findings.append(Finding(self.name, item.id, "status", CRITICAL, answer.error, None))
                continue
            status_ok = answer.status == options["status"]
            message = f"status {answer.status} (expected {options['status']}) in {answer.latency_ms} ms"
            findings.append(Finding(self.name, item.id, "status", INFO if status_ok else CRITICAL, message, answer.status))
            limit = options.get("max_latency_ms")
            if limit:
                slow = answer.latency_ms > limit
                findings.append(
                    Finding(
                        self.name,
                        item.id,
                        "latency",
                        WARNING if slow else INFO,
                        f"{answer.latency_ms} ms (limit {limit} ms)",
                        answer.latency_ms,
                    )
                )
            if answer.body_matched is not None:
                severity = INFO if answer.body_matched else CRITICAL
                findings.append(
                    Finding(
                        self.name,
                        item.id,
                        "body",
                        severity,
                        f"body {'matches' if answer.body_matched else 'does not match'} {options['body_regex']!r}",
                        answer.body_matched,
                    )
                )
        return findings
