"""A throw-away PostgreSQL cluster: initdb in a temporary directory, a Unix socket, no TCP.

The tests and bench/log_pg.py run against a real server, started from
Debian's binaries (package postgresql) and removed afterwards. It listens
only on a socket inside its own directory (mode 0700), so nothing else on the
machine can reach it, and it trusts whoever can.

initdb and postgres refuse to run as root, so when the tests run as root the
cluster runs as the ``postgres`` user Debian's package creates (or ``nobody``),
and the directory is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import stat
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg

SUPERUSER = "firsthand"
PORT = 5432  # names the socket file only: there is no TCP listener
# Longest Unix socket path (sun_path is 108 bytes with its NUL) less ".s.PGSQL.5432".
_MAX_SOCKET_DIR = 107 - len("/.s.PGSQL.5432")


class ClusterUnavailable(RuntimeError):
    """PostgreSQL's server programs (initdb, pg_ctl) are not installed."""


def server_binaries() -> Path:
    """The directory holding initdb, pg_ctl and postgres: Debian's, or the newest on PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
        reverse=True,
    )
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(str(Path(os.path.realpath(on_path)).parent))
    for directory in candidates:
        if all(os.access(Path(directory, p), os.X_OK) for p in ("initdb", "pg_ctl", "postgres")):
            return Path(directory)
    raise ClusterUnavailable(
        "PostgreSQL's server programs (initdb, pg_ctl, postgres) are not installed; "
        "on Debian: apt-get install postgresql"
    )


@dataclass(frozen=True)
class _RunAs:
    uid: int
    gid: int


def _run_as() -> _RunAs | None:
    """None when not root; else the unprivileged user the server runs as."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            user = pwd.getpwnam(name)
        except KeyError:
            continue
        return _RunAs(user.pw_uid, user.pw_gid)
    raise ClusterUnavailable("running as root, and there is no 'postgres' or 'nobody' user")


def _others_can_enter(path: Path) -> bool:
    return all(p.stat().st_mode & stat.S_IXOTH for p in [path, *path.parents])


def _base_directory(run_as: _RunAs | None) -> str:
    """Where the cluster's directory goes: the temp dir, unless the server could not reach it."""
    base = Path(tempfile.gettempdir())
    unreachable = run_as is not None and not _others_can_enter(base)
    if unreachable or len(str(base)) > _MAX_SOCKET_DIR - 24:
        return "/tmp"
    return str(base)


class ThrowawayCluster:
    """A PostgreSQL server of our own, from initdb to rm -rf.

    ``durable=False`` (tests) turns fsync off, which is safe for data nobody
    keeps and saves seconds; the benchmark keeps PostgreSQL's durable defaults.
    """

    def __init__(self, *, durable: bool = False, max_connections: int = 100) -> None:
        self.durable = durable
        self.max_connections = max_connections
        self.binaries = server_binaries()
        self._run_as = _run_as()
        self.directory = Path(
            tempfile.mkdtemp(prefix="firsthand-pg-", dir=_base_directory(self._run_as))
        )
        self.data = self.directory / "data"
        self.log = self.directory / "server.log"
        self.started = False

    def _run(self, *argv: str) -> None:
        kwargs: dict[str, object] = {}
        if self._run_as is not None:
            kwargs = {"user": self._run_as.uid, "group": self._run_as.gid, "extra_groups": []}
        done = subprocess.run(
            [str(self.binaries / argv[0]), *argv[1:]],
            cwd=self.directory,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
            **kwargs,  # type: ignore[call-overload]
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
            raise RuntimeError(
                f"{argv[0]} failed ({done.returncode}): {done.stderr.strip()}\n{log}".strip()
            )

    def start(self) -> None:
        if self._run_as is not None:
            os.chown(self.directory, self._run_as.uid, self._run_as.gid)
        self._run(
            "initdb",
            "--pgdata",
            str(self.data),
            "--username",
            SUPERUSER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
        )
        settings = [
            "listen_addresses = ''",
            f"unix_socket_directories = '{self.directory}'",
            f"port = {PORT}",
            f"max_connections = {self.max_connections}",
        ]
        if not self.durable:
            settings += ["fsync = off", "full_page_writes = off"]
        with (self.data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# firsthand's throw-away cluster\n" + "\n".join(settings) + "\n")
        self._run("pg_ctl", "--pgdata", str(self.data), "--log", str(self.log), "-w", "start")
        self.started = True

    def url(self, database: str = "postgres", schema: str | None = None) -> str:
        url = f"postgresql:///{database}?host={quote(str(self.directory))}&user={SUPERUSER}"
        if schema is not None:
            url += f"&options={quote(f'-csearch_path={schema}')}"
        return url

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url(), autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def create_schema(self, database: str, name: str) -> str:
        with psycopg.connect(self.url(database), autocommit=True) as db:
            db.execute(f'CREATE SCHEMA "{name}"')
        return self.url(database, schema=name)

    def stop(self) -> None:
        """Stop the server and remove everything it wrote."""
        try:
            if self.started:
                self._run("pg_ctl", "--pgdata", str(self.data), "-m", "fast", "-w", "stop")
                self.started = False
        finally:
            shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> ThrowawayCluster:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
