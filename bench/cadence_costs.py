"""API calls and wall time of each cadence playbook per resource, measured at two fleet sizes, and what an estate of
many accounts costs by calculation from them (README#Many accounts and regions, docs/many-accounts.md).

Each size runs on a fresh moto server: a fleet of DynamoDB tables, RDS instances and EBS volumes tagged
``backup=bench`` with 8 days of daily backups, as many secrets and IAM users (one key each) 100 days old, then
daily.yml, weekly.yml (restore tests), monthly.yml (the DR test) and quarterly.yml (every secret and key due) as a
user runs them, counting the calls the server answers by operation. The marginal calls of a resource are
(calls at the large size - calls at the small size) / (resources added); what is left is the run's fixed calls.
For the quarterly, a resource is a credential (a secret or an IAM user's key), all of them due.

    python bench/cadence_costs.py [--sizes 10 30] [--accounts 50] [--resources 10000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "demo"))

sys.path.insert(0, str(ROOT / "bench"))

from fleet import clients, create_restore_network  # noqa: E402
from history import seed_bench_history  # noqa: E402
from moto_server import MotoServer  # noqa: E402
from timed_playbook import playbook_env  # noqa: E402

CADENCES = ("daily", "weekly", "monthly", "quarterly")
TARGETS = [{"kind": kind, "tags": {"backup": "bench"}} for kind in ("dynamodb", "rds", "ebs")]


def run_cadence(cadence: str, url: str, ledger: Path) -> float:
    extravars = {
        "steward_region": "us-east-1",
        "steward_endpoint_url": url,
        "steward_targets": TARGETS,
        "steward_ledger": str(ledger),
        "steward_restore_scratch": {"rds": {"db_subnet_group": "steward-restore-tests"}},
        "steward_dr_rto": "8h",
        "steward_dr_rpo": "30h",
        "steward_secrets": [{"kind": "secret", "names": ["bench/*"], "options": {"generate": {"length": 32}}}],
        "steward_iam_users": [{"kind": "iam_user", "tags": {"backup": "bench"}}],
    }
    env = playbook_env(url)
    playbook = ROOT / "playbooks" / f"{cadence}.yml"
    command = [str(Path(sys.executable).parent / "ansible-playbook"), str(playbook), "-e", json.dumps(extravars)]
    started = time.monotonic()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.monotonic() - started
    if done.returncode != 0:
        sys.exit(f"{cadence} failed:\n{done.stdout[-3000:]}")
    return elapsed


def seed_credentials(server: MotoServer, per_kind: int) -> None:
    """``per_kind`` secrets and ``per_kind`` IAM users with one key each, all 100 days old: every one is due."""
    aws = clients(server.url, services=("secretsmanager", "iam"))
    secretsmanager, iam = aws["secretsmanager"], aws["iam"]
    try:
        server.travel(datetime.now(timezone.utc) - timedelta(days=100))
        for index in range(per_kind):
            secretsmanager.create_secret(Name=f"bench/secret-{index:04d}", SecretString=f"initial-{index}")
            iam.create_user(UserName=f"bench-user-{index:04d}", Tags=[{"Key": "backup", "Value": "bench"}])
            iam.create_access_key(UserName=f"bench-user-{index:04d}")
    finally:
        server.travel(None)


def measure(per_kind: int) -> dict[str, dict]:
    found: dict[str, dict] = {}
    with MotoServer() as server, tempfile.TemporaryDirectory() as scratch:
        picks = seed_bench_history(server, per_kind, 8)
        create_restore_network(clients(server.url))
        seed_credentials(server, per_kind)
        for cadence in CADENCES:
            server.calls(reset=True)
            seconds = run_cadence(cadence, server.url, Path(scratch) / "ledger")
            # The quarterly acts on credentials (a secret and a user per kind's resource), the others on the fleet.
            resources = 2 * per_kind if cadence == "quarterly" else len(picks)
            found[cadence] = {"resources": resources, "seconds": seconds, "calls": server.calls()}
    return found


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs=2, default=(10, 30), help="resources per kind (3 kinds), small and large")
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--resources", type=int, default=10_000)
    args = parser.parse_args()
    small, large = (measure(size) for size in args.sizes)
    per_account = args.resources / args.accounts
    header = f"{'cadence':9} {'calls/resource':>15} {'fixed calls/host':>17} {'s/resource':>11} {'fixed s/host':>13}"
    print(f"{header}  estate: calls, host-hours")
    for cadence in CADENCES:
        added = large[cadence]["resources"] - small[cadence]["resources"]
        calls = [sum(run[cadence]["calls"].values()) for run in (small, large)]
        slope = (calls[1] - calls[0]) / added
        fixed = calls[0] - slope * small[cadence]["resources"]
        seconds = [run[cadence]["seconds"] for run in (small, large)]
        pace = (seconds[1] - seconds[0]) / added
        fixed_seconds = seconds[0] - pace * small[cadence]["resources"]
        estate_calls = args.accounts * (fixed + slope * per_account)
        host_hours = args.accounts * (fixed_seconds + pace * per_account) / 3600
        print(f"{cadence:9} {slope:15.2f} {fixed:17.0f} {pace:11.3f} {fixed_seconds:13.1f}  {estate_calls:,.0f}, {host_hours:.2f}")
        top = sorted(large[cadence]["calls"].items(), key=lambda item: -item[1])[:8]
        print("         " + ", ".join(f"{operation} {count}" for operation, count in top))
    return 0


if __name__ == "__main__":
    sys.exit(main())
