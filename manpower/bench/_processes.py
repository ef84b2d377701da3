"""What the benchmarks share: free ports, commands run in their own process group, a throwaway PostgreSQL
database beside the server on 127.0.0.1:5432 (trust authentication, as on the machines we measure on)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import IO

PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Service:
    """A command in its own process group, so that stopping it stops its children too (granian's workers)."""

    def __init__(self, argv: list[str], env: dict[str, str], log: Path):
        self.argv, self.env, self.log_path = argv, env, log
        self.popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> Service:
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.argv, env=self.env, stdout=self._log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def stop(self, grace: float = 10.0) -> None:
        if self.popen is None:
            return
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10.0)):
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=wait)
                break
        if self._log is not None:
            self._log.close()
            self._log = None
        self.popen = None

    def tail(self, chars: int = 2000) -> str:
        with contextlib.suppress(OSError):
            return self.log_path.read_text(errors="replace")[-chars:]
        return ""


def psql(sql: str, database: str = "postgres") -> subprocess.CompletedProcess[str]:
    return subprocess.run(["psql", "-h", PG_HOST, "-p", str(PG_PORT), "-U", PG_USER, "-d", database, "-v",
                           "ON_ERROR_STOP=1", "-qAtc", sql], capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "PGCONNECT_TIMEOUT": "3"})


def postgres_unavailable() -> str | None:
    """Why PostgreSQL cannot be used, or None."""
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=2):
            pass
    except OSError:
        return f"no PostgreSQL server answers on {PG_HOST}:{PG_PORT}"
    if shutil.which("psql") is None:
        return "psql is not installed"
    answer = psql("SELECT 1")
    if answer.returncode != 0:
        return f"psql could not connect as {PG_USER}: {answer.stderr.strip()[:200]}"
    return None


@contextlib.contextmanager
def throwaway_database(name: str) -> Iterator[str]:
    """A fresh PostgreSQL database for one run (its URL), dropped afterwards."""
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    created = psql(f"CREATE DATABASE {name}")
    if created.returncode != 0:
        raise RuntimeError(f"could not create {name}: {created.stderr.strip()}")
    try:
        yield f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def cpu_seconds_by_role() -> dict[str, float] | None:
    """CPU time (user + system) consumed so far by the web server's processes (granian), PostgreSQL's processes
    and this process, read from /proc; None where there is no /proc. The difference of two readings around a
    load, divided by its requests, says where each request's CPU goes."""
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        return None
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"web": 0.0, "postgres": 0.0, "client": 0.0}
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        role = ("client" if int(entry.name) == os.getpid() else "web" if "granian" in command
                else "postgres" if command.startswith("postgres") else None)
        if role:
            totals[role] += (int(fields[11]) + int(fields[12])) / tick
    return totals
