"""Run one benchmark playbook against a moto server and time it, Ansible's start-up included."""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "demo"))

from moto_server import MotoServer, aws_env  # noqa: E402


def playbook_env(url: str) -> dict[str, str]:
    """ansible-playbook's environment against the moto server at ``url``: this checkout's collection, the venv's
    programs, results as JSON on stdout."""
    return {
        **os.environ,
        **aws_env(url),
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"),
        "ANSIBLE_STDOUT_CALLBACK": "json",
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def timed_playbook(playbook: Path, url: str, concurrency: int, ledger: Path) -> tuple[float, dict]:
    """Wall time of ``ansible-playbook`` and the first task's summary; exits naming the failure if it failed."""
    env = playbook_env(url)
    command = [
        str(Path(sys.executable).with_name("ansible-playbook")),
        "-i", "localhost,",
        "-e", json.dumps({"steward_endpoint_url": url, "steward_concurrency": concurrency, "steward_ledger": str(ledger)}),
        str(playbook),
    ]  # fmt: skip
    started = time.perf_counter()
    completed = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    try:
        result = json.loads(completed.stdout)["plays"][0]["tasks"][0]["hosts"]["localhost"]
    except (ValueError, LookupError):
        raise SystemExit(f"playbook failed:\n{completed.stdout[-3000:]}\n{completed.stderr[-3000:]}") from None
    if completed.returncode != 0:
        raise SystemExit(f"playbook failed: {result.get('msg')}")
    return elapsed, result["summary"]


def calls_per_resource(calls: dict[str, int], resources: int) -> str:
    """``total (per resource)`` then each operation's count, most frequent first."""
    total = sum(calls.values())
    parts = ", ".join(f"{operation} {count}" for operation, count in sorted(calls.items(), key=lambda item: (-item[1], item[0])))
    return f"{total} calls, {total / resources:.2f} per resource: {parts}"


def marginal(small: tuple[int, float], large: tuple[int, float]) -> float:
    """Seconds one more resource costs, from two runs of different sizes (start-up and fixed costs cancel out)."""
    return (large[1] - small[1]) / (large[0] - small[0])


def side_by_side(
    seed: Callable[[Any], None],
    loop: Callable[[str], int],
    playbook: Path,
    concurrency: int,
    ledger: Path,
    log: Path,
    repeat: int = 1,
) -> dict:
    """The loop, then the playbook, each against a moto server of its own, freshly started and seeded, calls counted.

    A fresh server per side, because moto never returns memory on reset: a side run after others on one server would
    pay for their garbage. The sides alternate ``repeat`` times and each time is the median of its runs: this machine
    is shared, and one run can be twice as slow as the next. Returns both times and call counts, what the loop
    reported (its count of backups made or deleted) and the playbook's first task's summary, for the caller to check
    the two did the same work.
    """
    measured: dict[str, Any] = {}
    times: dict[str, list[float]] = {"loop": [], "play": []}
    for attempt in range(repeat):
        for side in ("loop", "play"):
            with MotoServer(log=log) as server:
                seed(server)
                server.calls(reset=True)
                started = time.perf_counter()
                if side == "loop":
                    measured["loop_done"] = loop(server.url)
                    times["loop"].append(time.perf_counter() - started)
                else:
                    shutil.rmtree(ledger, ignore_errors=True)
                    play_s, measured["summary"] = timed_playbook(playbook, server.url, concurrency, ledger)
                    times["play"].append(play_s)
                measured[f"{side}_calls"] = server.calls(reset=True)
        print(f"  run {attempt + 1}: loop {times['loop'][-1]:.2f} s, playbook {times['play'][-1]:.2f} s", flush=True)
    measured["loop_s"], measured["play_s"] = statistics.median(times["loop"]), statistics.median(times["play"])
    return measured
