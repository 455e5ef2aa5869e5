"""The throwaway PostgreSQL cluster starts from a checkout in a private (0700) folder, as root and as another user.

A clone in a home directory is out of the ``postgres`` user's reach; the cluster must never live under it.
Each test copies the tracked files of this checkout (as they are in the working tree) into a fresh 0700 folder
and starts the cluster from that copy, in a process of its own.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import sys
from pathlib import Path
sys.path.insert(0, str(Path.cwd() / "demo"))
from pg_server import PgServer
with PgServer() as pg:
    assert not str(pg.root).startswith(str(Path.cwd())), pg.root
    print("ROOT=" + str(pg.root))
    print("ANSWER=" + pg.psql("SELECT 6 * 7"))
"""


def private_checkout() -> Path:
    """A 0700 folder (mkdtemp's mode) holding a copy of every tracked file."""
    folder = Path(tempfile.mkdtemp(prefix="steward-private-"))
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    checkout = folder / "steward"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, checkout / name)
    return checkout


def run_probe(checkout: Path, as_user: str | None = None) -> dict[str, str]:
    command = [sys.executable if as_user is None else "/usr/bin/python3", "-c", PROBE]
    if as_user:
        command = ["runuser", "-u", as_user, "--", *command]
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return dict(line.split("=", 1) for line in done.stdout.splitlines() if "=" in line)


def test_the_cluster_runs_from_a_private_checkout_and_is_removed_afterwards():
    checkout = private_checkout()
    try:
        seen = run_probe(checkout)
        assert seen["ANSWER"] == "42"
        assert not Path(seen["ROOT"]).exists()
    finally:
        shutil.rmtree(checkout.parent)


@pytest.mark.skipif(os.geteuid() != 0 or not Path("/usr/bin/python3").exists(), reason="needs root to act as another user")
def test_an_ordinary_user_runs_the_cluster_as_itself_from_its_own_private_checkout():
    checkout = private_checkout()
    try:
        shutil.chown(checkout.parent, "nobody")
        for path in [checkout, *checkout.rglob("*")]:
            shutil.chown(path, "nobody")
        seen = run_probe(checkout, as_user="nobody")
        assert seen["ANSWER"] == "42"
        assert not Path(seen["ROOT"]).exists()
    finally:
        shutil.rmtree(checkout.parent)
