"""`make bench` keeps working: every scenario of bench/bench_all.py at a tiny size, each side on its own moto server.

This times nothing (figures at these sizes mean nothing); it proves that each scenario's seed, floor, steward
playbook and amazon.aws loop still run, and that the floor and steward did the same work — bench_all.py stops
otherwise, and the figures it writes are checked here against the sizes asked for.
"""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import ROOT

SIZES = {"backup": 6, "prune": 46, "restore": 5, "daily": 6, "rollback": 3, "rotation": 3}


def test_every_benchmark_scenario_runs_and_its_sides_do_the_same_work(tmp_path):
    figures = tmp_path / "bench.json"
    command = [sys.executable, str(ROOT / "bench" / "bench_all.py"), "--aws-loop-limit", "2", "--json", str(figures), "--sizes"]
    command += [f"{name}={size}" for name, size in SIZES.items() if name != "backup"] + ["backup=3,6"]
    run = subprocess.run(command, capture_output=True, text=True, check=False, timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    measured = {entry["scenario"]: entry for entry in json.loads(figures.read_text())}
    assert set(measured) == set(SIZES)
    expected_done = {"backup": 6, "prune": 46, "restore": 5, "daily": 6 + 6, "rollback": 3, "rotation": 3}
    for name, entry in measured.items():
        sides = entry["sides"]
        assert sides["floor"]["done"] == sides["steward"]["done"] == expected_done[name], (name, sides)
        assert sides["floor"]["calls"] and sides["steward"]["calls"] and sides["steward"]["peak_mib"] > 0, name
    # Two sizes of a scenario: the marginal cost of a resource between them, each side's and their ratio.
    marginal = measured["backup"]["marginal"]
    assert marginal["from"] == 3 and {"floor_ms", "steward_ms", "ratio"} <= set(marginal), marginal
    # The amazon.aws loops made one write per resource they were given.
    assert measured["backup"]["sides"]["aws loop"]["calls"].get("ec2:CreateSnapshot") == 2
    assert measured["rotation"]["sides"]["aws loop"]["done"] == 2 and measured["rollback"]["sides"]["aws loop"]["done"] == 2
