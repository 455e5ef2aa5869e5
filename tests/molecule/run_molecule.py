"""Run every role's molecule scenario (roles/<role>/molecule/default) against moto servers on 127.0.0.1.

Two workers, each with its own moto server (reset before every scenario), so scenarios never see each other's
resources. Each scenario gets its own ledger and report folder. Logs go to .build/molecule/<role>.log; the exit
status is non-zero when any scenario fails. ``run_molecule.py backup rollback`` runs only those roles.
"""

from __future__ import annotations

import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "demo"))

from moto_server import MotoServer, aws_env  # noqa: E402

LOGS = ROOT / ".build" / "molecule"
WORKERS = 2


def scenario_env(server: MotoServer, scratch: Path) -> dict[str, str]:
    bin_dir = Path(sys.executable).parent
    return {
        **os.environ,
        **aws_env(server.url),
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "ANSIBLE_COLLECTIONS_PATH": str(ROOT / ".build" / "collections"),
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "ANSIBLE_CALLBACKS_ENABLED": "steward.maintenance.report",
        "STEWARD_MOLECULE_ENDPOINT": server.url,
        "STEWARD_MOLECULE_LEDGER": str(scratch / "ledger"),
        "STEWARD_REPORT_DIR": str(scratch / "report"),
        "MOLECULE_EPHEMERAL_DIRECTORY": str(scratch / "molecule"),
    }


def worker(roles: queue.Queue[str], results: dict[str, tuple[int, float]]) -> None:
    with MotoServer(log=LOGS / f"moto-{threading.get_ident()}.log") as server:
        while True:
            try:
                role = roles.get_nowait()
            except queue.Empty:
                return
            server.reset()
            scratch = Path(tempfile.mkdtemp(prefix=f"molecule-{role}-"))
            started = time.monotonic()
            with open(LOGS / f"{role}.log", "w") as log:
                done = subprocess.run(
                    [str(Path(sys.executable).parent / "molecule"), "test"],
                    cwd=ROOT / "roles" / role,
                    env=scenario_env(server, scratch),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=900,
                    check=False,
                )
            results[role] = (done.returncode, time.monotonic() - started)
            shutil.rmtree(scratch, ignore_errors=True)
            print(f"molecule {role}: {'passed' if done.returncode == 0 else 'FAILED'} in {results[role][1]:.0f}s", flush=True)


def main(only: list[str]) -> int:
    LOGS.mkdir(parents=True, exist_ok=True)
    roles = sorted(path.parents[2].name for path in (ROOT / "roles").glob("*/molecule/default/molecule.yml"))
    missing = sorted({path.name for path in (ROOT / "roles").iterdir() if path.is_dir()} - set(roles))
    if missing and not only:
        print(f"roles without a molecule scenario: {', '.join(missing)}")
        return 1
    pending: queue.Queue[str] = queue.Queue()
    for role in only or roles:
        pending.put(role)
    results: dict[str, tuple[int, float]] = {}
    threads = [threading.Thread(target=worker, args=(pending, results)) for _worker in range(WORKERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    failed = sorted(role for role, (code, _seconds) in results.items() if code != 0)
    for role in failed:
        print(f"--- {role} (last lines of {LOGS / (role + '.log')}) ---")
        print("\n".join((LOGS / f"{role}.log").read_text().splitlines()[-40:]))
    print(f"molecule: {len(results) - len(failed)} of {len(results)} scenarios passed")
    return 1 if failed or len(results) != len(only or roles) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
