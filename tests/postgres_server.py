"""A real PostgreSQL server on loopback for tests and benchmarks, from the Debian packages.

:class:`PostgresServer` runs ``initdb`` into a fresh temporary directory and ``pg_ctl start``
on a free port (as the ``postgres`` user when running as root, which PostgreSQL refuses),
hands out fresh databases, and removes everything on :meth:`stop`.
:meth:`pause` and :meth:`resume` stop and restart it mid-test (fault tests).
:class:`PostgresUnavailable` says why a server cannot be started here.
"""

from __future__ import annotations

import glob
import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

import psycopg


class PostgresUnavailable(Exception):
    """No PostgreSQL server can be started on this machine; the message says why."""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _bin_dir() -> Path:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    if versions:
        return Path(versions[-1]).parent
    raise PostgresUnavailable(
        "PostgreSQL server binaries (initdb, pg_ctl) not found: install the Debian package "
        "'postgresql' (scripts/test.sh does)"
    )


class PostgresServer:
    def __init__(self) -> None:
        bin_dir = _bin_dir()
        self._run_as: list[str] = []
        self._root = Path(tempfile.mkdtemp(prefix="aigc-pg-"))
        if os.geteuid() == 0:
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root and there is no 'postgres' user"
                ) from None
            os.chown(self._root, account.pw_uid, account.pw_gid)
            self._run_as = ["runuser", "-u", "postgres", "--"]
        self._data = self._root / "data"
        self._pg_ctl = str(bin_dir / "pg_ctl")
        self.port = _free_port()
        self._names = itertools.count(1)
        try:
            self._run(
                str(bin_dir / "initdb"),
                "-D",
                str(self._data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            )
            self.resume()
        except (OSError, subprocess.CalledProcessError) as exc:
            shutil.rmtree(self._root, ignore_errors=True)
            detail = getattr(exc, "stderr", "") or str(exc)
            raise PostgresUnavailable(f"cannot start PostgreSQL: {detail.strip()}") from exc

    def resume(self) -> None:
        """Start the server (again, after :meth:`pause`) on the same port and data."""
        self._run(
            self._pg_ctl,
            "-D",
            str(self._data),
            "-l",
            str(self._root / "server.log"),
            "-w",
            "-o",
            f"-p {self.port} -k {self._root} -c listen_addresses=127.0.0.1",
            "start",
        )

    def pause(self) -> None:
        """Stop the server at once, as a crash would (``immediate``), keeping its data."""
        self._run(self._pg_ctl, "-D", str(self._data), "-m", "immediate", "stop")

    def _run(self, *command: str) -> None:
        subprocess.run(
            [*self._run_as, *command], check=True, capture_output=True, text=True, timeout=120
        )

    def dsn(self, database: str = "postgres") -> str:
        return f"host=127.0.0.1 port={self.port} user=postgres dbname={database}"

    def create_database(self) -> str:
        """A new empty database; returns its connection string."""
        name = f"audit_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.dsn(), autocommit=True) as connection:
            connection.execute(f"CREATE DATABASE {name}")
        return self.dsn(name)

    def stop(self) -> None:
        try:
            self._run(self._pg_ctl, "-D", str(self._data), "-m", "fast", "stop")
        finally:
            shutil.rmtree(self._root, ignore_errors=True)
