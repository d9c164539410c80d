"""A real PostgreSQL server for the tests, started in a temporary folder and stopped after.

Debian's server binaries (``/usr/lib/postgresql/<version>/bin``; `make test` installs the
``postgresql`` package) run a throwaway cluster: trust authentication on 127.0.0.1 only, a free
port, no unix socket, ``fsync=off``. PostgreSQL refuses to run as root, so under root (CI) the
cluster belongs to the ``postgres`` system user and its commands run as that user (`runuser`).
Each pytest-xdist worker starts its own server (a second or two), so no worker waits on
another's, and none can stop a server another still uses. Each test takes a fresh database.
"""

from __future__ import annotations

import contextlib
import glob
import itertools
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import psycopg
import pytest

from tests.net import free_port

#: Where Debian puts each server version's binaries.
BIN_GLOB = "/usr/lib/postgresql/*/bin"
SUPERUSER = "trialscout"
_START_ATTEMPTS = 3


class PostgresMissing(RuntimeError):
    """No PostgreSQL server binaries on this machine."""


def server_binaries() -> Path:
    """The newest installed server's bin folder (the one with initdb and pg_ctl)."""
    found = [Path(p) for p in glob.glob(BIN_GLOB) if (Path(p) / "initdb").is_file()]
    if not found:
        on_path = shutil.which("initdb")
        if on_path and shutil.which("pg_ctl"):
            return Path(on_path).parent
        raise PostgresMissing(
            "the PostgreSQL store tests need a PostgreSQL server, and there is none here"
            f" (no {BIN_GLOB}/initdb, no initdb on PATH): run `make test` (it installs Debian's"
            " postgresql package), or `apt-get install --no-install-recommends postgresql`"
        )

    def version(path: Path) -> tuple[int, ...]:
        return tuple(int(part) for part in path.parent.name.split(".") if part.isdigit())

    return max(found, key=version)


class PostgresServer:
    """One throwaway cluster; `database()` gives each test a database of its own."""

    def __init__(
        self,
        *,
        durable: bool = False,
        settings: Mapping[str, str] | None = None,
        folder: Path | None = None,
    ) -> None:
        """``durable``: fsync and synchronous commit on, as a deployment runs (benchmarks); the
        tests turn them off. ``settings``: more server settings (``shared_buffers``: ``512MB``).
        ``folder``: keep the cluster there and reuse it when it is already there (a benchmark's
        registry-scale load, made once); without it, a temporary folder removed by `stop`."""
        self.bin = server_binaries()
        self.durable = durable
        self.settings = dict(settings or {})
        self.as_root = os.geteuid() == 0
        self.kept = folder is not None
        if folder is None:
            self.folder = Path(tempfile.mkdtemp(prefix="trialscout-pg-"))
        else:
            self.folder = folder
            folder.mkdir(parents=True, exist_ok=True)
        self.data = self.folder / "data"
        self.log = self.folder / "server.log"
        self.port = 0
        self._names = itertools.count(1)
        self._started = False
        try:
            if self.as_root:
                owner = pwd.getpwnam("postgres")
                os.chown(self.folder, owner.pw_uid, owner.pw_gid)
            if self.kept and (self.data / "PG_VERSION").exists():
                self._start()
                return
            self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                SUPERUSER,
                "--auth=trust",
                "--encoding=UTF8",
                "--locale=C",
                "--no-sync",
            )
            self._start()
        except BaseException:
            self.stop()
            raise

    def _command(self, tool: str, *args: str) -> list[str]:
        command = [str(self.bin / tool), *args]
        return ["runuser", "-u", "postgres", "--", *command] if self.as_root else command

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(self._command(tool, *args), capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"{tool} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")

    def _start(self, port: int | None = None) -> None:
        """Start the server: on ``port``, or on a free port (another process may take it first)."""
        for attempt in range(_START_ATTEMPTS):
            self.port = port or free_port()
            options = (
                f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories=''"
                " -c max_connections=200"
            )
            if not self.durable:
                options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            options += "".join(f" -c {name}={value}" for name, value in self.settings.items())
            try:
                self._run(
                    "pg_ctl",
                    "-D",
                    str(self.data),
                    "-l",
                    str(self.log),
                    "-o",
                    options,
                    "-w",
                    "-t",
                    "60",
                    "start",
                )
            except RuntimeError:
                if attempt == _START_ATTEMPTS - 1:
                    log = self.log.read_text(errors="replace") if self.log.exists() else ""
                    raise RuntimeError(f"the test PostgreSQL server did not start; its log:\n{log}") from None
                time.sleep(0.2)
                continue
            self._started = True
            return

    def stop_server(self) -> None:
        """Stop the server as an administrator does (``pg_ctl stop -m fast``: open sessions are
        ended), keeping its data and port for `start_server`."""
        if self._started:
            self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "60", "stop")
            self._started = False

    def start_server(self) -> None:
        """Start the stopped server again, on the same port with the same data."""
        if not self._started:
            self._start(self.port)

    def restart(self, down_s: float = 0.0) -> None:
        """Stop the server, leave it down ``down_s`` seconds, and start it again."""
        self.stop_server()
        time.sleep(down_s)
        self.start_server()

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def version(self) -> str:
        """The server's version ("15.14")."""
        with psycopg.connect(self.url(), autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]).split()[0] if row else "unknown"

    def database(self) -> str:
        """A new, empty database; its URL."""
        name = f"test_{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def drop(self, url: str) -> None:
        name = url.rsplit("/", 1)[1]
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        """Stop the server and remove its temporary folder; a kept cluster is shut down cleanly
        and kept."""
        if self._started:
            self._started = False
            subprocess.run(
                self._command(
                    "pg_ctl", "-D", str(self.data), "-m", "fast" if self.kept else "immediate", "-w", "stop"
                ),
                capture_output=True,
                check=False,
            )
        if not self.kept:
            shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def running_server() -> Iterator[PostgresServer]:
    """A `PostgresServer` for the block, stopped after it. A test fixture fails (never skips)
    where PostgreSQL is not installed: `make test` installs it."""
    try:
        server = PostgresServer()
    except PostgresMissing as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        yield server
    finally:
        server.stop()
