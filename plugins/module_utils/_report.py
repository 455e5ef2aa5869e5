# Copyright: (c) 2026, steward.maintenance contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The run report: what every steward task of a play did, as JSON, Markdown, HTML and JUnit. Pure, no AWS.

The ``steward.maintenance.report`` callback gathers the task results and calls ``render``; nothing here reads a
service. Charts come from ``ledger_info`` series in the same run (the ``report`` role runs it last).
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from xml.etree import ElementTree

SCHEMA = "steward.maintenance/report/1"
# What a resource's status means for a test case: these fail it.
FAILING = frozenset({"failed", "blocked", "rpo_missed", "no_backups"})
TITLES = {
    "health_check": "Health findings",
    "backup": "Backups",
    "backup_info": "Backup freshness",
    "backup_retention": "Retention",
    "restore_test": "Restore tests",
    "checkpoint": "Checkpoints",
    "rollback": "Rollbacks",
    "secret_rotation": "Secret rotation",
    "access_key_rotation": "Access keys",
    "log_retention": "Log retention",
    "ledger_info": "History (ledger)",
}


@dataclass
class TaskResult:
    """One steward task's result on one host, as the callback saw it."""

    host: str
    task: str
    action: str  # the module's short name, e.g. "backup"
    failed: bool
    result: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        kept = {
            key: self.result.get(key)
            for key in ("msg", "summary", "resources", "findings", "series", "run_id", "ledger", "targets")
            if key in self.result
        }
        return {"host": self.host, "task": self.task, "action": self.action, "failed": self.failed, **kept}


def build(playbook: str, tasks: list[TaskResult], generated: datetime | None = None) -> dict[str, Any]:
    """report.json's document: ``schema``, ``playbook``, ``generated``, ``status``, ``totals``, ``tasks``."""
    entries = [task.as_dict() for task in tasks]
    resources = [resource for entry in entries for resource in entry.get("resources") or []]
    findings = [finding for entry in entries for finding in entry.get("findings") or []]
    # Failed when a task failed, a resource failed, or a health finding is critical (a play may report those without
    # failing the task, and decide at its end).
    failed = any(task.failed for task in tasks) or any(resource.get("status") in FAILING for resource in resources)
    failed = failed or any(finding.get("severity") == "critical" for finding in findings)
    return {
        "schema": SCHEMA,
        "playbook": playbook,
        "generated": (generated or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "status": "failed" if failed else "passed",
        "totals": {
            "tasks": len(entries),
            "failed_tasks": sum(1 for task in tasks if task.failed),
            "resources": len(resources),
            "failed_resources": sum(1 for resource in resources if resource.get("status") in FAILING),
            "findings": {
                severity: sum(1 for finding in findings if finding.get("severity") == severity)
                for severity in ("critical", "warning", "info")
            },
        },
        "tasks": entries,
    }


def _cases(entry: dict[str, Any]) -> list[tuple[str, str, str | None]]:
    """(name, detail, failure or None) per resource, or per finding of a health check."""
    if entry.get("findings") is not None:
        return [
            (
                f"{f['kind']}/{f['id']} {f['check']}",
                f"{f['severity']}: {f['message']}",
                f["message"] if f.get("severity") == "critical" else None,
            )
            for f in entry["findings"]
        ]
    cases = []
    for resource in entry.get("resources") or []:
        name = f"{resource.get('kind')}/{resource.get('id')}"
        failure = resource.get("error") or resource.get("message") or resource.get("status") if resource.get("status") in FAILING else None
        cases.append((name, f"{resource.get('status')}: {resource.get('message') or ''}", failure))
    if not cases and entry.get("failed"):
        cases.append((entry["task"], "", entry.get("msg") or "failed"))
    return cases


def junit(document: dict[str, Any]) -> str:
    suites = ElementTree.Element("testsuites", name=document["playbook"])
    for entry in document["tasks"]:
        cases = _cases(entry)
        suite = ElementTree.SubElement(
            suites,
            "testsuite",
            name=f"{entry['action']}: {entry['task']} ({entry['host']})",
            tests=str(len(cases)),
            failures=str(sum(1 for case in cases if case[2])),
            errors="0",
            skipped="0",
        )
        for name, detail, failure in cases:
            case = ElementTree.SubElement(suite, "testcase", classname=f"steward.{entry['action']}", name=name)
            if failure:
                ElementTree.SubElement(case, "failure", message=str(failure)[:500]).text = detail
            else:
                ElementTree.SubElement(case, "system-out").text = detail
    ElementTree.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(suites, encoding="unicode") + "\n"


def markdown(document: dict[str, Any]) -> str:
    totals = document["totals"]
    lines = [
        f"# steward.maintenance report: {document['playbook']}",
        "",
        f"{document['generated']} · **{document['status']}** · {totals['tasks']} tasks ({totals['failed_tasks']} failed) · "
        f"{totals['resources']} resources ({totals['failed_resources']} failed) · findings: "
        + ", ".join(f"{count} {severity}" for severity, count in totals["findings"].items()),
        "",
    ]
    for entry in document["tasks"]:
        lines += [f"## {TITLES.get(entry['action'], entry['action'])}: {entry['task']} ({entry['host']})", ""]
        if entry.get("msg") and entry.get("failed"):
            lines += [f"> **failed**: {entry['msg']}", ""]
        cases = _cases(entry)
        if cases:
            lines += ["| resource | result |", "| --- | --- |"]
            lines += [f"| {name} | {'**FAILED** ' if failure else ''}{_md(detail)} |" for name, detail, failure in cases]
            lines.append("")
        for resource, actions in sorted((entry.get("series") or {}).items()):
            for action, points in actions.items():
                lines.append(f"- {resource} {action}: {len(points)} records, last {points[-1].get('recorded')} {points[-1].get('status')}")
    return "\n".join(lines).rstrip() + "\n"


def _md(text: str) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem;color:#1d2433;max-width:75rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d5dae3;padding-bottom:.25rem}
.meta{color:#5b6475}.tiles{display:flex;gap:.75rem;flex-wrap:wrap;margin:1rem 0}
.tile{border:1px solid #d5dae3;border-radius:6px;padding:.5rem .9rem;min-width:8rem}.tile b{display:block;font-size:1.4rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eceff4;vertical-align:top}
th{background:#f5f7fa}.failed,.critical{color:#b42318;font-weight:600}.warning{color:#b54708;font-weight:600}.ok,.info,.passed{color:#067647}
.chart{margin:.5rem 0 1rem}svg text{font-size:11px;fill:#5b6475}@media print{body{margin:0}.tile{break-inside:avoid}h2{break-after:avoid}}
"""


def _chart(title: str, unit: str, lines: dict[str, list[tuple[str, float]]]) -> str:
    """An inline SVG line chart over time, one line per resource, its legend beside it: no script, no external
    asset, prints as it shows."""
    points = [(when, value) for series in lines.values() for when, value in series if value is not None]
    if not points:
        return ""
    plot, width, height, left, bottom = 560, 900, 240, 56, 28
    moments = {when: _epoch(when) for when, _value in points}
    first, last = min(moments.values()), max(moments.values())
    top = max(value for _when, value in points) or 1.0

    def x(when: str) -> float:
        return left + (plot - left) * ((moments[when] - first) / (last - first) if last > first else 0.5)

    def y(value: float) -> float:
        return height - bottom - (height - bottom - 12) * (value / top)

    palette = ["#1570ef", "#b42318", "#067647", "#b54708", "#6941c6", "#0e9384", "#c11574", "#475467", "#7a5af8", "#3e4784"]
    parts = [f'<svg viewBox="0 0 {width} {height}" width="100%" role="img" aria-label="{html.escape(title)}">']
    parts.append(f'<line x1="{left}" y1="{height - bottom}" x2="{plot}" y2="{height - bottom}" stroke="#98a2b3"/>')
    parts.append(f'<line x1="{left}" y1="12" x2="{left}" y2="{height - bottom}" stroke="#98a2b3"/>')
    parts.append(f'<text x="4" y="16">{top:.3g} {html.escape(unit)}</text><text x="4" y="{height - bottom}">0</text>')
    earliest, latest = min(moments, key=moments.get), max(moments, key=moments.get)
    parts.append(f'<text x="{left}" y="{height - 8}">{html.escape(earliest[:16].replace("T", " "))}</text>')
    parts.append(f'<text x="{plot - 100}" y="{height - 8}">{html.escape(latest[:16].replace("T", " "))}</text>')
    for index, (name, series) in enumerate(sorted(lines.items())[: len(palette)]):
        kept = sorted(((x(when), y(value)) for when, value in series if value is not None), key=lambda point: point[0])
        colour = palette[index]
        drawn = " ".join(f"{px:.1f},{py:.1f}" for px, py in kept)
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{drawn}"/>')
        parts += [f'<circle cx="{px:.1f}" cy="{py:.1f}" r="2.5" fill="{colour}"/>' for px, py in kept]
        parts.append(f'<text x="{plot + 16}" y="{18 + 15 * index}" style="fill:{colour}">{html.escape(name)}</text>')
    if len(lines) > len(palette):
        parts.append(f'<text x="{plot + 16}" y="{18 + 15 * len(palette)}">and {len(lines) - len(palette)} more</text>')
    parts.append("</svg>")
    return f'<div class="chart"><h3>{html.escape(title)}</h3>{"".join(parts)}</div>'


def _epoch(text: str) -> float:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp()
    except (TypeError, ValueError):
        return 0.0


def _charts(document: dict[str, Any]) -> str:
    series: dict[str, dict[str, list[dict[str, Any]]]] = {}
    for entry in document["tasks"]:
        series.update(entry.get("series") or {})
    ages = {
        name: [(p["recorded"], (p.get("age_s_before") or 0) / 3600) for p in actions.get("backup", [])] for name, actions in series.items()
    }
    rto = {name: [(p["recorded"], p.get("rto_s")) for p in actions.get("restore_test", [])] for name, actions in series.items()}
    return _chart("Backup age when each backup run started", "hours", {k: v for k, v in ages.items() if v}) + _chart(
        "Restore-test RTO", "seconds", {k: v for k, v in rto.items() if v}
    )


def page(document: dict[str, Any]) -> str:
    """report.html: one self-contained page (inline CSS and SVG, no script, no external asset), readable printed."""
    totals = document["totals"]
    escape = html.escape
    tiles = [
        ("status", document["status"]),
        ("tasks", f"{totals['tasks']} ({totals['failed_tasks']} failed)"),
        ("resources", f"{totals['resources']} ({totals['failed_resources']} failed)"),
        *[(f"findings {severity}", count) for severity, count in totals["findings"].items()],
    ]
    body = [
        f"<h1>steward.maintenance report: {escape(document['playbook'])}</h1>",
        f'<p class="meta">generated {escape(document["generated"])} · schema {escape(document["schema"])}</p>',
        '<div class="tiles">'
        + "".join(
            f'<div class="tile"><span>{escape(str(k))}</span><b class="{escape(str(v))}">{escape(str(v))}</b></div>' for k, v in tiles
        )
        + "</div>",
        _charts(document),
    ]
    for entry in document["tasks"]:
        if entry["action"] == "ledger_info":
            continue
        title = escape(TITLES.get(entry["action"], entry["action"]))
        body.append(f"<h2>{title}: {escape(entry['task'])} <small>({escape(entry['host'])})</small></h2>")
        if entry.get("failed") and entry.get("msg"):
            body.append(f'<p class="failed">{escape(str(entry["msg"]))}</p>')
        body.append(_table(entry))
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>steward.maintenance report: {escape(document['playbook'])}</title><style>{_CSS}</style></head><body>"
        + "\n".join(body)
        + "</body></html>\n"
    )


def _table(entry: dict[str, Any]) -> str:
    escape = html.escape
    if entry.get("findings") is not None:
        rows = [(f"{f['kind']}/{f['id']}", f["check"], f["severity"], f["message"]) for f in entry["findings"]]
        head = ("resource", "check", "severity", "message")
    else:
        rows = [
            (f"{r.get('kind')}/{r.get('id')}", r.get("status"), _extra(entry["action"], r), r.get("error") or r.get("message") or "")
            for r in entry.get("resources") or []
        ]
        head = ("resource", "status", "facts", "message")
    if not rows:
        return "<p>nothing selected</p>"
    cells = "".join(
        "<tr>"
        + "".join(
            f'<td class="{escape(str(cell))}">{escape(str(cell))}</td>' if index in (1, 2) else f"<td>{escape(str(cell))}</td>"
            for index, cell in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return "<table><thead><tr>" + "".join(f"<th>{h}</th>" for h in head) + f"</tr></thead><tbody>{cells}</tbody></table>"


def _extra(action: str, resource: dict[str, Any]) -> str:
    """The few facts each action's reader wants in the table (RTO/RPO against objectives, gates, deletions, ...)."""
    if action == "restore_test":
        rto = f"RTO {resource.get('rto_s')} s (met: {resource.get('rto_met')})"
        return f"{rto}, RPO {resource.get('rpo_s')} s (met: {resource.get('rpo_met')})"
    if action == "backup_retention":
        return f"{len(resource.get('deleted') or [])} deleted, {len(resource.get('kept') or [])} kept"
    if action == "rollback":
        gates = ", ".join(f"{gate.get('gate')} {gate.get('result')}" for gate in resource.get("gates") or [])
        return f"{(resource.get('target') or {}).get('display')}; gates: {gates or 'none'}; reverted: {resource.get('reverted')}"
    if action == "backup":
        return resource.get("backup_name") or ""
    if action in ("secret_rotation", "access_key_rotation"):
        return resource.get("new_version") or ", ".join(f"{d.get('key')} {d.get('action')}" for d in resource.get("done") or [])
    if action == "log_retention":
        return f"{resource.get('before')} -> {resource.get('after')} days"
    return ""


def render(document: dict[str, Any]) -> dict[str, str]:
    """Every report file's name and content."""
    return {
        "report.json": json.dumps(document, indent=2, sort_keys=True, default=str) + "\n",
        "report.md": markdown(document),
        "report.html": page(document),
        "junit.xml": junit(document),
    }
