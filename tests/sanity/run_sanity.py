"""Run `ansible-test sanity` offline-safe, from a copy of the collection at .../ansible_collections/steward/maintenance.

ansible-test needs three things this machine does not give it by itself:
- the collection under an ``ansible_collections/<namespace>/<name>`` path: we copy the tracked files there;
- amazon.aws beside it in the same tree: we copy the one the ``ansible`` package bundles;
- its pip bootstrap script, which it downloads from a host that is not reachable here: we put pip's wheel
  (from PyPI, which is reachable) and a small stand-in script that installs it into ansible-test's cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TREE = ROOT / ".build" / "sanity" / "ansible_collections"
COPY = TREE / "steward" / "maintenance"
PIP_VERSION = "24.2"
CACHE = Path.home() / ".ansible" / "test" / "cache"
BOOTSTRAP = f'''"""Stand-in for get-pip {PIP_VERSION}: install pip from the wheel beside this file (see tests/sanity/run_sanity.py)."""
import glob
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
wheel = sorted(glob.glob(os.path.join(here, "pip-{PIP_VERSION}-*.whl")))[0]
sys.path.insert(0, wheel)
from pip._internal.cli.main import main  # noqa: E402

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(main(["install", "--upgrade", "--force-reinstall", "--find-links", here, *args]))
'''


def prepare_pip_cache() -> None:
    CACHE.mkdir(parents=True, exist_ok=True)
    if not list(CACHE.glob(f"pip-{PIP_VERSION}-*.whl")):
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", f"pip=={PIP_VERSION}", "--no-deps", "-d", str(CACHE)], check=True
        )
    (CACHE / f"get_pip_{PIP_VERSION.replace('.', '_')}.py").write_text(BOOTSTRAP)


def tracked_files() -> list[str]:
    listing = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT, check=True, capture_output=True
    ).stdout.decode()
    return [name for name in listing.split("\0") if name and (ROOT / name).is_file()]


def build_tree() -> None:
    shutil.rmtree(TREE.parent, ignore_errors=True)
    for name in tracked_files():
        target = COPY / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, target)
    import ansible_collections.amazon.aws as amazon_aws

    source = Path(next(iter(amazon_aws.__path__)))
    shutil.copytree(source, TREE / "amazon" / "aws", ignore=shutil.ignore_patterns("__pycache__", "tests"))
    # ansible-test inspects git metadata when it finds a repository: give the copy its own.
    subprocess.run(["git", "init", "-q"], cwd=COPY, check=True)
    subprocess.run(["git", "add", "-A"], cwd=COPY, check=True)


def main() -> int:
    prepare_pip_cache()
    build_tree()
    env = {key: value for key, value in os.environ.items() if key != "ANSIBLE_COLLECTIONS_PATH"}
    command = [
        str(Path(sys.executable).with_name("ansible-test")),
        "sanity",
        "--local",
        "--python",
        f"{sys.version_info.major}.{sys.version_info.minor}",
        "--color",
        "no",
        *sys.argv[1:],
    ]
    return subprocess.run(command, cwd=COPY, env=env, check=False).returncode


if __name__ == "__main__":
    sys.exit(main())
