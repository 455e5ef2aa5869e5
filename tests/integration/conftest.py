"""Integration harness: a moto server on 127.0.0.1 per test module, playbooks run the way AWX runs them (ansible-runner)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ansible_runner
import pytest
from fleet import clients
from moto_server import MotoServer, aws_env

ROOT = Path(__file__).resolve().parents[2]
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"


@dataclass
class PlayRun:
    rc: int
    status: str
    results: dict[str, dict[str, Any]] = field(default_factory=dict)  # task name -> module result
    stdout: str = ""
    report_dir: Path | None = None  # where the steward.maintenance.report callback wrote the run's report
    artifact: dict[str, Any] = field(default_factory=dict)  # set_stats data, as AWX keeps it
    failures: dict[str, str] = field(default_factory=dict)  # host -> message of the task that failed it
    job_dir: Path | None = None  # ansible-runner's artifacts/<ident>/ (what AWX keeps of a job)
    ran: list[tuple[str, dict[str, Any]]] = field(default_factory=list)  # (module's FQCN, its result) of every task that ran

    def result(self, task: str) -> dict[str, Any]:
        return self.results[task]


@pytest.fixture(scope="module")
def moto(tmp_path_factory):
    """One server per test module (moto never returns memory on reset), reset before every test."""
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with MotoServer(log=log) as server:
        yield server


@pytest.fixture
def endpoint(moto):
    moto.reset()
    return moto.url


@pytest.fixture
def api(endpoint):
    return clients(endpoint)


# libfaketime (Debian's, installed by `make integration`): the run's clock 13 hours on, past restore_test's default
# scratch_ttl (12h) and every in-flight marker's age, without touching the moto server's clock.
LATER = {"LD_PRELOAD": str(next(Path("/usr/lib").glob("*/faketime/libfaketime.so.1"), "libfaketime.so.1")), "FAKETIME": "+13h"}


def ansible_env(url: str, report_dir: Path) -> dict[str, str]:
    """What every ansible-playbook run of the tests gets: AWS at ``url``, this checkout's collection and roles."""
    return {
        **aws_env(url),
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_ROLES_PATH": str(ROOT / "roles"),
        # Every run writes its report, as AWX with the callback enabled would.
        "ANSIBLE_CALLBACKS_ENABLED": "steward.maintenance.report",
        "STEWARD_REPORT_DIR": str(report_dir),
    }


def _descendants(pid: int) -> list[int]:
    """Every process below ``pid``: Ansible's workers call setsid(), so killing the run's process group misses them."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        below = children.get(todo.pop(), [])
        found += below
        todo += below
    return found


@pytest.fixture
def kill_play(tmp_path):
    """Run a playbook through a FaultProxy and SIGKILL it, with every process it started, the moment a request for
    which ``matches(operation, body)`` is true reaches the proxy: that request never reaches AWS. Returns the run's
    output up to then."""

    def run(
        playbook: Path, extravars: dict[str, Any], proxy: Any, matches: Any, env: dict[str, str] | None = None, timeout: float = 600
    ) -> str:
        held = proxy.hold(matches)
        variables = tmp_path / f"killed-{len(list(tmp_path.glob('killed-*')))}.json"
        variables.write_text(json.dumps({"steward_endpoint_url": proxy.url, "steward_region": "us-east-1", **extravars}))
        output = variables.with_suffix(".log")
        command = [str(Path(sys.executable).with_name("ansible-playbook")), "-i", "localhost,", "-c", "local", "-e", f"@{variables}"]
        with output.open("w") as log:
            process = subprocess.Popen(
                [*command, str(playbook)],
                env={**os.environ, **ansible_env(proxy.url, tmp_path / "killed-report"), **(env or {})},
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            try:
                if not held.wait(timeout):
                    raise AssertionError(f"the run never reached the request to kill it at: {output.read_text()[-3000:]}")
                assert process.poll() is None, f"the run ended before it was killed: {output.read_text()[-3000:]}"
            finally:
                for pid in [process.pid, *_descendants(process.pid)]:  # gathered first: a dead parent's children move to init
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.wait()
                proxy.release()
        return output.read_text()

    return run


@pytest.fixture
def play(endpoint, tmp_path):
    """Run a playbook through ansible-runner against the test's moto server; returns PlayRun."""

    def run(
        playbook: str | Path,
        extravars: dict[str, Any] | None = None,
        check: bool = False,
        diff: bool = False,
        verbosity: int = 0,
        report_dir: Path | None = None,
        inventory: dict[str, Any] | str | None = None,
        via: str | None = None,
        env: dict[str, str] | None = None,
    ) -> PlayRun:
        """``via``: the URL every AWS call goes to instead of the server's own (a fault-injecting proxy in front of it);
        ``env``: more environment for ansible-playbook (``LATER`` runs it with its clock moved on)."""
        url = via or endpoint
        private = tmp_path / f"runner-{len(list(tmp_path.glob('runner-*')))}"
        (private / "project").mkdir(parents=True)
        source = Path(playbook) if Path(playbook).is_absolute() else PLAYBOOKS / playbook
        shutil.copy(source, private / "project" / source.name)
        envvars = {**ansible_env(url, report_dir or private / "report"), **(env or {})}
        flags = " ".join(flag for flag, wanted in (("--check", check), ("--diff", diff)) if wanted)
        runner = ansible_runner.run(
            private_data_dir=str(private),
            playbook=source.name,
            inventory=inventory or {"all": {"hosts": {"localhost": {"ansible_connection": "local"}}}},
            # With an inventory of its own (a mapping, or an inventory folder's path with its group_vars), each host
            # brings its region (extra vars would override it).
            extravars={"steward_endpoint_url": url, **({} if inventory else {"steward_region": "us-east-1"}), **(extravars or {})},
            envvars=envvars,
            cmdline=flags or None,
            quiet=True,
            verbosity=verbosity or None,
        )
        outcome = PlayRun(runner.rc, runner.status, stdout=runner.stdout.read(), report_dir=report_dir or private / "report")
        outcome.job_dir = Path(runner.config.artifact_dir)
        for event in runner.events:
            if event.get("event") in ("runner_on_ok", "runner_on_failed"):
                data = event["event_data"]
                outcome.results[data["task"]] = data["res"]
                outcome.ran.append((data.get("resolved_action") or data["task_action"], data["res"]))
                if event["event"] == "runner_on_failed" and not data.get("ignore_errors"):
                    outcome.failures[data["host"]] = str(data["res"].get("msg", ""))
            elif event.get("event") == "playbook_on_stats":
                outcome.artifact = event["event_data"].get("artifact_data") or {}
        return outcome

    return run


@pytest.fixture
def demo_vars(pg_server, tmp_path):
    """demo/vars.yml as the demo runs it: with the pazpaz database seeded and steward_postgres pointing at it."""
    import yaml
    from fleet import seed_demo_database

    seed_demo_database(pg_server)
    loaded = yaml.safe_load((ROOT / "demo" / "vars.yml").read_text())
    # The morning check probes the demo's deployables and health page; test_health_playbooks.py seeds those itself.
    loaded.pop("steward_health_targets")
    return {**loaded, "steward_postgres": {**pg_server.connection, "dump_dir": str(tmp_path / "dumps")}}


def assert_awx_job(run: PlayRun, summaries: set[str]) -> None:
    """The run left what AWX keeps of a job (its rc, status, stdout and events under the private data dir's artifacts)
    and, as the job's artifact, the report role's set_stats: exactly these results' summaries, each with counts."""
    assert run.job_dir is not None and run.job_dir.is_relative_to(run.job_dir.parents[1])
    assert (run.job_dir / "rc").read_text().strip() == str(run.rc)
    assert (run.job_dir / "status").read_text().strip() == run.status
    assert (run.job_dir / "stdout").exists() and any((run.job_dir / "job_events").iterdir())
    report = run.artifact.get("steward_report")
    assert isinstance(report, dict), run.artifact
    assert set(report) == summaries, sorted(report)
    assert all(isinstance(summary, dict) and summary for summary in report.values()), report


def ledger_records(directory: Path) -> list[dict[str, Any]]:
    return [json.loads(path.read_text()) for path in sorted(directory.rglob("*.json"))]
