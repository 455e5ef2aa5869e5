# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: report
type: aggregate
short_description: Write a report of every steward.maintenance task of the run, for people, CI and AWX
version_added: 0.2.0
description:
  - Gathers the result of every C(steward.maintenance.*) task of the run (backups, retention, restore tests,
    rollbacks, rotations, health findings, C(ledger_info) series) and, when the playbook ends, writes to
    O(report_dir) C(report.json) (schema C(steward.maintenance/report/1)), C(report.md), C(report.html) (one
    self-contained page, inline CSS and SVG charts of backup age and RTO over time, readable printed) and
    C(junit.xml) (one test suite per task, one test case per resource or health finding; failures as failures).
  - Enable it in C(ansible.cfg) (C(callbacks_enabled = steward.maintenance.report)) or in AWX's job settings.
  - A O(report_dir) that cannot be written is warned about once; the play never fails because of the report.
  - No secret value reaches the report; it is made of what the modules returned, which never carry one.
author:
  - Steward Maintainers (@steward-maintenance)
options:
  report_dir:
    description: The directory the report files are written to; created if missing.
    type: path
    default: ./steward-report
    env:
      - name: STEWARD_REPORT_DIR
    ini:
      - section: steward_report
        key: report_dir
"""

import os
from typing import Any

from ansible.plugins.callback import CallbackBase

from ansible_collections.steward.maintenance.plugins.module_utils._report import TaskResult, build, render

PREFIX = "steward.maintenance."


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "steward.maintenance.report"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._tasks: list[TaskResult] = []
        self._playbook = "playbook"

    def v2_playbook_on_start(self, playbook: Any) -> None:
        self._playbook = os.path.basename(getattr(playbook, "_file_name", "") or "playbook")

    def _gather(self, result: Any, failed: bool) -> None:
        task = result._task
        action = getattr(task, "resolved_action", None) or task.action or ""
        if not action.startswith(PREFIX):
            return
        self._tasks.append(TaskResult(result._host.get_name(), task.get_name(), action[len(PREFIX) :], failed, dict(result._result)))

    def v2_runner_on_ok(self, result: Any) -> None:
        self._gather(result, False)

    def v2_runner_on_failed(self, result: Any, ignore_errors: bool = False) -> None:
        self._gather(result, True)

    def v2_playbook_on_stats(self, stats: Any) -> None:
        if not self._tasks:
            return
        directory = os.path.abspath(os.path.expanduser(self.get_option("report_dir")))
        try:
            os.makedirs(directory, exist_ok=True)
            for name, content in render(build(self._playbook, self._tasks)).items():
                path = os.path.join(directory, name)
                with open(path + ".tmp", "w", encoding="utf-8") as stream:
                    stream.write(content)
                os.replace(path + ".tmp", path)
        except OSError as error:
            self._display.warning(f"steward.maintenance.report: cannot write the report to {directory}: {error.strerror or error}")
            return
        self._display.display(f"steward.maintenance report: {os.path.join(directory, 'report.html')}")
