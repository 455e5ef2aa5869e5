"""Make the collection importable as ansible_collections.steward.maintenance, and the demo helpers and the shared
test helpers (tests/bad_values.py) as modules."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
COLLECTIONS = ROOT / ".build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "steward" / "maintenance"

if not LINK.exists():
    LINK.parent.mkdir(parents=True, exist_ok=True)
    LINK.symlink_to(ROOT)
for path in (str(COLLECTIONS), str(ROOT / "demo"), str(ROOT / "tests")):
    if path not in sys.path:
        sys.path.insert(0, path)


@pytest.fixture(scope="session")
def pg_server():
    """A real PostgreSQL cluster (Debian's server, `make postgres` installs it) on 127.0.0.1 for the whole session."""
    from pg_server import PgServer

    with PgServer() as server:
        yield server
