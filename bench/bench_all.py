"""`make bench`: every benchmark scenario, side by side, in one command.

Each scenario is run three ways on the same freshly seeded fleet, each way on a moto server of its own on 127.0.0.1
(freshly started and seeded: moto never returns memory, so a side run after another on one server would pay for
the other's garbage):

- **floor**: an 8-thread boto3 loop making only the calls the job needs, no evidence (bench/floors.py, its own
  process: Python's start-up is in its time as Ansible's is in the playbook's);
- **steward**: ``ansible-playbook`` running the collection's task (or the cadence playbook) as a user runs it;
- **amazon.aws loop**, where amazon.aws / community.aws has the module: a playbook with one task per resource in a
  loop, over at most ``--aws-loop-limit`` resources (at Ansible's pace of a task per resource, the full fleet would
  take most of an hour); its cost is compared per resource.

For each: wall time, API calls the server answered (by operation, per resource), peak memory (all the side's
processes together, sampled: see PeakMemory) and the ratios to the floor. Before
any figure is printed the sides' work is compared: the same number of backups made, deleted, restores verified,
services rolled back or secrets rotated, or the benchmark stops.

    python bench/bench_all.py [--only backup daily] [--sizes backup=60,600,3000] [--aws-loop-limit 60] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "demo"))
sys.path.insert(0, str(HERE))

from bench_retention import seed as seed_retention  # noqa: E402
from fleet import clients, create_db_instance, create_restore_network, create_table, create_volume, seed_bench_fleet  # noqa: E402
from history import seed_bench_history, seed_daily_history  # noqa: E402
from moto_server import MotoServer, aws_env  # noqa: E402
from timed_playbook import marginal, playbook_env  # noqa: E402

TARGETS = [{"kind": kind, "tags": {"backup": "bench"}} for kind in ("dynamodb", "rds", "ebs")]
TaskResults = list[tuple[str, dict[str, Any]]]


# ---- seeds: what each scenario starts from, the same for every side ----


def seed_backup(server: MotoServer, n: int) -> None:
    seed_bench_fleet(server.url, n // 3)


def seed_prune(server: MotoServer, n: int) -> None:
    seed_retention(server, n // 23, 30)  # 30 daily snapshots an instance, 23 of them past keep_daily 7


def seed_restore(server: MotoServer, n: int) -> None:
    """``n`` resources (two fifths tables of 50 items, the rest instances and volumes), each with a day-old backup."""
    aws = clients(server.url)
    tables, instances = 2 * n // 5, (n - 2 * n // 5) // 2
    picks = []
    for i in range(tables):
        create_table(aws, f"bench-table-{i:04d}", {"backup": "bench"}, items=50)
        picks.append(("dynamodb", f"bench-table-{i:04d}", {}))
    for i in range(instances):
        create_db_instance(aws, f"bench-db-{i:04d}", {"backup": "bench"})
        picks.append(("rds", f"bench-db-{i:04d}", {}))
    picks += [("ebs", create_volume(aws, f"bench-volume-{i:04d}", {"backup": "bench"}), {}) for i in range(n - tables - instances)]
    create_restore_network(aws)
    seed_daily_history(server, picks, 1, datetime.now(timezone.utc) - timedelta(hours=20))


def seed_daily(server: MotoServer, n: int) -> None:
    """``n`` resources with eight days of dailies: today's run backs each up and prunes past seven dailies."""
    seed_bench_history(server, n // 3, 8)


def seed_rollback(server: MotoServer, n: int) -> None:
    """``n`` ECS services, each on revision 2 of its family (the bad release), revision 1 the one to go back to."""
    ecs = clients(server.url, services=("ecs",))["ecs"]
    ecs.create_cluster(clusterName="bench")

    def service(index: int) -> None:
        family = f"bench-svc-{index:04d}"
        for revision in (1, 2):
            image = f"registry.example/{family}:{revision}"
            ecs.register_task_definition(family=family, containerDefinitions=[{"name": "app", "image": image, "memory": 256}])
        ecs.create_service(
            cluster="bench", serviceName=family, taskDefinition=f"{family}:2", desiredCount=1, tags=[{"key": "backup", "value": "bench"}]
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(service, range(n)))


def seed_rotation(server: MotoServer, n: int) -> None:
    """``n`` secrets, 100 days old: every one is due for the 90-day rotation."""
    client = clients(server.url, services=("secretsmanager",))["secretsmanager"]
    server.travel(datetime.now(timezone.utc) - timedelta(days=100))
    try:
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda i: client.create_secret(Name=f"bench/secret-{i:04d}", SecretString=f"initial-{i}"), range(n)))
    finally:
        server.travel(None)


def backup_ids(url: str) -> dict[str, Any]:
    aws = clients(url)
    volumes = aws["ec2"].describe_volumes(Filters=[{"Name": "tag:backup", "Values": ["bench"]}])["Volumes"]
    instances = aws["rds"].describe_db_instances()["DBInstances"]
    return {"bench_volumes": [v["VolumeId"] for v in volumes], "bench_instances": [i["DBInstanceIdentifier"] for i in instances]}


# ---- what the steward side did, from its tasks' results ----


def named(name: str, task: str) -> bool:
    """A task's name as the json callback gives it: a role's tasks carry the role's name first (``role : task``)."""
    return name == task or name.endswith(f" : {task}")


def summary_of(results: TaskResults, task: str) -> dict[str, Any]:
    return next(result for name, result in results if named(name, task))["summary"]


def steward_backups(results: TaskResults) -> int:
    return summary_of(results, "Back up every resource tagged backup=bench")["created"]


def pruned(results: TaskResults) -> int:
    return summary_of(results, "Keep seven dailies of every instance tagged backup=bench")["deleted_backups"]


def steward_restores(results: TaskResults) -> int:
    return summary_of(results, "Restore-test the newest backup of every resource tagged backup=bench")["passed"]


def steward_daily(results: TaskResults) -> int:
    deleted = sum(result["summary"]["deleted_backups"] for name, result in results if named(name, "Apply the calendar retention policy"))
    return summary_of(results, "Back up the selected fleet")["created"] + deleted


def steward_rollbacks(results: TaskResults) -> int:
    return summary_of(results, "Roll every service tagged backup=bench back to its previous revision")["rolled_back"]


def steward_rotations(results: TaskResults) -> int:
    return summary_of(results, "Rotate every bench/ secret older than 90 days")["rotated"]


@dataclass(frozen=True)
class Scenario:
    name: str
    what: str  # "{n}" is the size
    sizes: tuple[int, ...]
    seed: Callable[[MotoServer, int], None]
    playbook: Path
    done: Callable[[TaskResults], int]
    extravars: Callable[[int], dict[str, Any]] = lambda _n: {}
    aws_loop: Path | None = None
    aws_loop_items: Callable[[int, int], int] | None = None  # (size, limit) -> resources the loop acts on
    aws_loop_vars: Callable[[str], dict[str, Any]] = lambda _url: {}  # read before its clock starts


SCENARIOS = {
    scenario.name: scenario
    for scenario in (
        Scenario(
            "backup",
            "backup of {n} resources (DynamoDB tables, RDS instances, EBS volumes)",
            (60, 600, 3000),
            seed_backup,
            HERE / "backup_fleet.yml",
            steward_backups,
            aws_loop=HERE / "aws_loop_backup.yml",
            aws_loop_items=lambda n, limit: 2 * min(n // 3, limit),
            aws_loop_vars=backup_ids,
        ),
        Scenario("prune", "prune of {n} backups (RDS snapshots past 7 dailies)", (1150,), seed_prune, HERE / "retention_fleet.yml", pruned),
        Scenario("restore", "restore tests of {n} resources", (50,), seed_restore, HERE / "restore_fleet.yml", steward_restores),
        Scenario(
            "daily",
            "the daily cadence over {n} resources (backup, calendar retention, freshness, report)",
            (60, 600),
            seed_daily,
            ROOT / "playbooks" / "daily.yml",
            steward_daily,
            extravars=lambda _n: {"steward_region": "us-east-1", "steward_targets": TARGETS},
        ),
        Scenario(
            "rollback",
            "a rollback of {n} ECS services",
            (50,),
            seed_rollback,
            HERE / "rollback_fleet.yml",
            steward_rollbacks,
            aws_loop=HERE / "aws_loop_rollback.yml",
            aws_loop_items=min,
        ),
        Scenario(
            "rotation",
            "rotation of {n} secrets",
            (100,),
            seed_rotation,
            HERE / "rotation_fleet.yml",
            steward_rotations,
            aws_loop=HERE / "aws_loop_rotation.yml",
            aws_loop_items=min,
        ),
    )
}


# ---- running one side ----


@dataclass
class Side:
    seconds: float
    peak_mib: float
    calls: dict[str, int]
    done: int
    items: int  # resources this side acted on (the amazon.aws loop may act on fewer than the fleet)
    # CPU seconds the moto server spent answering this side: moto answers one request at a time (the GIL), so its
    # CPU time is a floor under the side's wall time.
    server_cpu_s: float = 0.0

    @property
    def total_calls(self) -> int:
        return sum(self.calls.values())


class PeakMemory(threading.Thread):
    """The peak of a process tree's memory, all its processes together: their proportional set sizes (PSS, so pages
    that Ansible's forked workers share are counted once) summed every 100 ms. Not ``ru_maxrss``: a child forked from
    this (large) process inherits its high-water mark, which would make every side look as big as the benchmark."""

    def __init__(self, root: int) -> None:
        super().__init__(daemon=True)
        self.root, self.peak_kib, self._stop_event = root, 0, threading.Event()

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.peak_kib = max(self.peak_kib, sum(pss_kib(pid) for pid in tree(self.root)))
            self._stop_event.wait(0.1)

    def stop(self) -> float:
        self._stop_event.set()
        self.join()
        return self.peak_kib / 1024


def tree(root: int) -> list[int]:
    """``root`` and its descendants, from each process's parent in /proc/<pid>/stat."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = [root], [root]
    while frontier:
        frontier = [pid for pid, parent in parents.items() if parent in frontier]
        found += frontier
    return found


def pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass  # exited, or not ours to read
    return 0


def cpu_seconds(pid: int) -> float:
    """User and system CPU time of a process so far (Linux's /proc; 0 where there is none)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measured(command: list[str], env: dict[str, str], scratch: Path) -> tuple[float, float, str]:
    """Run ``command``; (wall seconds, peak memory of it and its children in MiB, its stdout). Exits on failure."""
    out, err = scratch / "stdout", scratch / "stderr"
    with out.open("w") as stdout, err.open("w") as stderr:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=stdout, stderr=stderr)
        memory = PeakMemory(process.pid)
        memory.start()
        process.wait()
        seconds = time.perf_counter() - started
        peak = memory.stop()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command[:3])} failed ({process.returncode}):\n{out.read_text()[-3000:]}\n{err.read_text()[-2000:]}")
    return seconds, peak, out.read_text()


def task_results(stdout: str) -> TaskResults:
    document = json.loads(stdout)
    return [(task["task"]["name"], task["hosts"].get("localhost", {})) for play in document["plays"] for task in play["tasks"]]


def run_side(side: str, scenario: Scenario, n: int, scratch: Path, aws_loop_limit: int) -> Side:
    with MotoServer(log=scratch / "moto.log") as server:
        scenario.seed(server, n)
        server.calls(reset=True)
        server_cpu = cpu_seconds(server.process.pid)
        if side == "floor":
            seconds, peak, stdout = measured(
                [sys.executable, str(HERE / "floors.py"), scenario.name, server.url], {**os.environ, **aws_env(server.url)}, scratch
            )
            done, items = json.loads(stdout)["done"], n
        else:
            playbook = scenario.playbook if side == "steward" else scenario.aws_loop
            ledger = scratch / f"ledger-{scenario.name}-{n}-{time.monotonic_ns()}"
            extravars = {"steward_endpoint_url": server.url, "steward_concurrency": 8, "steward_ledger": str(ledger)}
            if side == "steward":
                extravars |= scenario.extravars(n)
            else:
                extravars |= {"aws_loop_limit": aws_loop_limit, "bench_size": n, **scenario.aws_loop_vars(server.url)}
                server.calls(reset=True)
                server_cpu = cpu_seconds(server.process.pid)
            ansible_playbook = str(Path(sys.executable).with_name("ansible-playbook"))
            command = [ansible_playbook, "-i", "localhost,", "-e", json.dumps(extravars), str(playbook)]
            seconds, peak, stdout = measured(command, playbook_env(server.url), scratch)
            results = task_results(stdout)
            if side == "steward":
                done, items = scenario.done(results), n
            else:
                items = scenario.aws_loop_items(n, aws_loop_limit)  # type: ignore[misc]
                done = sum(len(result.get("results", [])) for _name, result in results if "results" in result)
        return Side(seconds, peak, server.calls(), done, items, cpu_seconds(server.process.pid) - server_cpu)


# ---- the report ----


def by_operation(calls: dict[str, int], items: int) -> str:
    """Each operation's calls per resource, most first; the fleet-wide ones (fewer than one per hundred) as counts."""
    ordered = sorted(calls.items(), key=lambda item: (-item[1], item[0]))
    shown = (f"{operation} {count / items:.2f}" if count >= items / 100 else f"{operation} x{count}" for operation, count in ordered)
    return ", ".join(shown)


LABELS = {"floor": "boto3 floor, 8 threads", "steward": "steward (ansible-playbook)"}


def report(scenario: Scenario, n: int, sides: dict[str, Side]) -> dict[str, Any]:
    floor = sides["floor"]
    print(f"\n{scenario.what.format(n=f'{n:,}')}")
    print(
        f"  {'side':34} {'wall s':>8} {'per res. ms':>11} {'API calls':>9} {'per res.':>8} {'moto CPU s':>10} {'peak MiB':>8}"
        f" {'time / floor':>12}"
    )
    figures: dict[str, Any] = {"scenario": scenario.name, "n": n, "sides": {}}
    for name, side in sides.items():
        per_resource_ms = 1000 * side.seconds / side.items
        ratio = per_resource_ms / (1000 * floor.seconds / floor.items)
        label = LABELS.get(name, f"amazon.aws loop ({side.items} res.)")
        print(
            f"  {label:34} {side.seconds:8.2f} {per_resource_ms:11.1f} {side.total_calls:9d} {side.total_calls / side.items:8.2f}"
            f" {side.server_cpu_s:10.2f} {side.peak_mib:8.0f} {ratio:11.2f}x"
        )
        figures["sides"][name] = {
            "seconds": round(side.seconds, 3),
            "items": side.items,
            "done": side.done,
            "calls": side.calls,
            "peak_mib": round(side.peak_mib, 1),
            "server_cpu_s": round(side.server_cpu_s, 2),
            "time_ratio_to_floor": round(ratio, 3),
        }
    for name, side in sides.items():
        print(f"  calls per resource, {name}: {by_operation(side.calls, side.items)}")
    return figures


def report_marginal(small: tuple[int, dict[str, Side]], large: tuple[int, dict[str, Side]]) -> dict[str, Any]:
    """What one more resource costs each side between two fleet sizes: start-up and every fixed cost cancel out."""
    (n_small, at_small), (n_large, at_large) = small, large
    cost = {name: 1000 * marginal((n_small, at_small[name].seconds), (n_large, at_large[name].seconds)) for name in ("floor", "steward")}
    ratio = cost["steward"] / cost["floor"]
    print(
        f"  marginal cost of a resource from {n_small:,} to {n_large:,}: floor {cost['floor']:.1f} ms,"
        f" steward {cost['steward']:.1f} ms, {ratio:.2f}x"
    )
    return {"from": n_small, "floor_ms": round(cost["floor"], 2), "steward_ms": round(cost["steward"], 2), "ratio": round(ratio, 3)}


def sizes_from(arguments: list[str]) -> dict[str, tuple[int, ...]]:
    sizes: dict[str, tuple[int, ...]] = {}
    for argument in arguments:
        name, _equals, values = argument.partition("=")
        counts = values.split(",")
        if name not in SCENARIOS or not all(count.isdigit() and int(count) > 0 for count in counts):
            raise SystemExit(f"--sizes {argument}: expected <scenario>=<n>[,<n>...] with a scenario of {sorted(SCENARIOS)}")
        sizes[name] = tuple(int(count) for count in counts)
    return sizes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="+", choices=sorted(SCENARIOS), default=list(SCENARIOS))
    parser.add_argument("--sizes", nargs="+", default=[], help="fleet sizes of a scenario, e.g. backup=60,600,3000")
    parser.add_argument("--aws-loop-limit", type=int, default=60, help="resources of each kind the amazon.aws loop acts on")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--no-aws-loop", action="store_true", help="only the floor and steward (the loops take most of the time)")
    args = parser.parse_args()
    sizes = sizes_from(args.sizes)
    every: list[dict[str, Any]] = []
    print("each side on a fresh moto server on 127.0.0.1, seeded the same; time per resource compared to the floor")
    with tempfile.TemporaryDirectory(prefix="steward-bench-") as scratch:
        for name in args.only:
            scenario = SCENARIOS[name]
            smaller: tuple[int, dict[str, Side]] | None = None
            for n in sizes.get(name, scenario.sizes):
                sides = {side: run_side(side, scenario, n, Path(scratch), args.aws_loop_limit) for side in ("floor", "steward")}
                floor, steward = sides["floor"].done, sides["steward"].done
                if floor != steward:
                    raise SystemExit(f"{name} at {n}: the floor did {floor}, steward {steward}: not the same work")
                if scenario.aws_loop and not args.no_aws_loop:
                    sides["aws loop"] = run_side("aws loop", scenario, n, Path(scratch), args.aws_loop_limit)
                figures = report(scenario, n, sides)
                if smaller is not None:
                    figures["marginal"] = report_marginal(smaller, (n, sides))
                every.append(figures)
                smaller = (n, sides)
    if args.json:
        args.json.write_text(json.dumps(every, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
