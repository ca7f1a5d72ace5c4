"""A throwaway PostgreSQL server for the tests: initdb into a temporary folder, listen on a free
localhost port (and a unix socket in that folder), stop and delete it at the end.

Binaries come from ``/usr/lib/postgresql/*/bin`` (Debian's ``postgresql`` package; ``make postgres``
installs it) or from ``pg_config --bindir``. As root, the server runs as the ``postgres`` OS user
(PostgreSQL refuses to run as root). Durability settings are off: the data is thrown away anyway.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg

DRIVER_USER = "postgres"


class ServerUnavailable(Exception):
    """No PostgreSQL binaries here, or the server would not start (the message says which)."""


def find_bindir() -> Path | None:
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _major(p), reverse=True)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "postgres").is_file():
            return folder
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False).stdout
        folder = Path(out.strip())
        if (folder / "initdb").is_file():
            return folder
    return None


def _major(folder: Path) -> int:
    name = folder.parent.name
    return int(name) if name.isdigit() else 0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    bindir: Path
    root: Path
    port: int
    process: subprocess.Popen[bytes]
    _counter: int = 0
    _shared: str | None = None

    @property
    def admin_url(self) -> str:
        return f"postgresql://{DRIVER_USER}@127.0.0.1:{self.port}/postgres"

    def url(self, database: str) -> str:
        return f"postgresql://{DRIVER_USER}@127.0.0.1:{self.port}/{database}"

    def create_database(self, prefix: str = "t") -> str:
        """A new empty database; returns its URL."""
        self._counter += 1
        name = f"{prefix}_{os.getpid()}_{self._counter}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')  # name is ours: letters, digits, underscores
        return self.url(name)

    def create_schema(self) -> str:
        """A URL whose connections see only a new empty schema (``search_path``) of one shared test
        database: as isolated as a new database for the store, and ~20x quicker to make."""
        if self._shared is None:
            self._shared = self.create_database("shared")
        self._counter += 1
        name = f"s_{self._counter}"
        with psycopg.connect(self._shared, autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{name}"')  # name is ours: letters, digits, underscores
        return f"{self._shared}?options=-csearch_path%3D{name}"

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # "fast" shutdown: clients are disconnected
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.root, ignore_errors=True)


def start_server(timeout: float = 60.0) -> PostgresServer:
    bindir = find_bindir()
    if bindir is None:
        raise ServerUnavailable(
            "no PostgreSQL server binaries (looked in /usr/lib/postgresql/*/bin and pg_config); "
            "run `make postgres` (Debian/Ubuntu, as root) or install PostgreSQL"
        )
    # As root the server runs as `postgres`, which must reach the folder: /tmp, not a private $TMPDIR.
    parent = "/tmp" if os.geteuid() == 0 and Path("/tmp").is_dir() else None
    root = Path(tempfile.mkdtemp(prefix="newsbot-pg-", dir=parent))
    data = root / "data"
    user: int | None = None
    group: int | None = None
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError as exc:
            shutil.rmtree(root, ignore_errors=True)
            raise ServerUnavailable(
                "running as root but there is no `postgres` OS user to run the server"
            ) from exc
        os.chown(root, account.pw_uid, account.pw_gid)
        user, group = account.pw_uid, account.pw_gid
    env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
    init = subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            DRIVER_USER,
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ],
        capture_output=True,
        text=True,
        env=env,
        cwd=root,  # the postgres user may not be allowed into the caller's folder
        check=False,
        user=user,
        group=group,
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise ServerUnavailable(f"initdb failed ({init.returncode}): {init.stderr.strip()[-2000:]}")
    port = _free_port()
    log = root / "server.log"
    with log.open("wb") as out:
        if user is not None and group is not None:
            os.chown(log, user, group)
        process = subprocess.Popen(
            [
                str(bindir / "postgres"),
                "-D",
                str(data),
                "-p",
                str(port),
                "-k",
                str(root),
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "synchronous_commit=off",
                "-c",
                "full_page_writes=off",
                "-c",
                "max_connections=200",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=root,
            start_new_session=True,
            user=user,
            group=group,
        )
    server = PostgresServer(bindir, root, port, process)
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            text = log.read_text(errors="replace")[-2000:]
            shutil.rmtree(root, ignore_errors=True)
            raise ServerUnavailable(f"postgres exited with {process.returncode}: {text}")
        try:
            psycopg.connect(server.admin_url, connect_timeout=2).close()
            return server
        except psycopg.OperationalError as exc:
            last = exc
            time.sleep(0.05)
    server.stop()
    raise ServerUnavailable(f"postgres did not accept connections within {timeout:.0f}s: {last}")
