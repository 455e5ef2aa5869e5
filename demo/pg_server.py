"""A throwaway PostgreSQL cluster on 127.0.0.1 for the tests and the demo: Debian's real server, its own data
directory and port, password authentication, stopped (and its data removed) afterwards.

Run as root (CI containers), the server runs as the ``postgres`` system user that Debian's package creates,
because PostgreSQL refuses to run as root; run as anyone else, it runs as that user. Its files never live under
the checkout: a clone in a private folder (a 0700 home directory) is out of the ``postgres`` user's reach. They
live in a fresh directory of their own under the first temporary folder the server's user can traverse, owned
by that user, and are removed afterwards.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

SUPERUSER = "steward"
PASSWORD = "steward-test-password"  # a throwaway cluster's, on loopback only


def bin_dir() -> Path:
    """The newest installed server's binaries (Debian keeps them under /usr/lib/postgresql/<major>/bin)."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda path: int(Path(path).parts[-3]))
    if not candidates:
        raise RuntimeError("PostgreSQL server binaries not found: run `make postgres` (installs Debian's postgresql)")
    return Path(candidates[-1]).parent


def _server_user_can_traverse(folder: str) -> bool:
    if os.geteuid() != 0:
        return os.access(folder, os.W_OK | os.X_OK)
    probe = subprocess.run(["runuser", "-u", "postgres", "--", "test", "-x", folder], capture_output=True, check=False)
    return probe.returncode == 0 and os.access(folder, os.W_OK)


def cluster_base() -> str:
    """A temporary folder the server's user can reach: $TMPDIR when it can, else /tmp or /var/tmp."""
    for folder in (tempfile.gettempdir(), "/tmp", "/var/tmp"):
        if os.path.isdir(folder) and _server_user_can_traverse(folder):
            return folder
    raise RuntimeError("no temporary folder the PostgreSQL server's user can reach (tried $TMPDIR, /tmp, /var/tmp)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PgServer:
    """``with PgServer() as pg:`` gives a running cluster; ``pg.dsn(dbname)`` and ``pg.connection`` to use it.

    ``pg.root`` (its data, socket and log) exists from ``__enter__`` to ``__exit__``.
    """

    def __init__(self, port: int | None = None) -> None:
        self.root = Path()
        self.port = port or free_port()
        self.bin = bin_dir()
        self.host = "127.0.0.1"
        self.user = SUPERUSER
        self.password = PASSWORD

    @property
    def connection(self) -> dict[str, object]:
        """The steward ``postgres`` module option for this cluster."""
        return {"host": self.host, "port": self.port, "user": self.user, "password": self.password, "sslmode": "disable"}

    def dsn(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} password={self.password} dbname={dbname} sslmode=disable"

    def _as_owner(self, *command: str) -> list[str]:
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def socket_dir(self) -> Path:
        return self.root / "socket"

    @property
    def log(self) -> Path:
        return self.root / "server.log"

    def __enter__(self) -> PgServer:
        self.root = Path(tempfile.mkdtemp(prefix="steward-pg-", dir=cluster_base()))
        self.socket_dir.mkdir()
        password_file = self.root / "pwfile"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
            shutil.chown(self.socket_dir, "postgres", "postgres")
            shutil.chown(password_file, "postgres", "postgres")
        subprocess.run(
            self._as_owner(
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-U",
                self.user,
                f"--pwfile={password_file}",
                "--auth=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        password_file.unlink()
        options = f"-c listen_addresses={self.host} -c port={self.port} -c unix_socket_directories={self.socket_dir} -c fsync=off"
        subprocess.run(
            self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "start"),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while (
            subprocess.run(
                [str(self.bin / "pg_isready"), "-h", self.host, "-p", str(self.port)], capture_output=True, check=False
            ).returncode
            != 0
        ):
            if time.monotonic() > deadline:
                raise RuntimeError(f"PostgreSQL did not start; see {self.log}")
            time.sleep(0.2)
        return self

    def __exit__(self, *exc: object) -> None:
        subprocess.run(
            self._as_owner(str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.root, ignore_errors=True)

    def scratch_databases(self) -> list[str]:
        """Restore tests' scratch databases still on the server."""
        return self.psql("SELECT datname FROM pg_database WHERE datname LIKE 'steward\\_rt\\_%' ORDER BY 1").split()

    def psql(self, sql: str, dbname: str = "postgres") -> str:
        """Run SQL with the server's own psql (tests and seeding only)."""
        env = {**os.environ, "PGPASSWORD": self.password}
        command = [str(self.bin / "psql"), "-h", self.host, "-p", str(self.port), "-U", self.user, "-d", dbname]
        done = subprocess.run([*command, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql], env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()
