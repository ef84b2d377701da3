"""Real processes for tests: a fresh installation in a directory, the web server and the worker against it.

Each process is started in its own session (process group), so that ``kill()`` reaches granian's worker
processes as well as its master, exactly as a crash or an OOM kill of the whole service would.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import httpx

MANPOWER = [sys.executable, "-m", "manpower.cli"]
# Variables of the test run that must not leak into a server started against another database.
_SCRUBBED = ("DATABASE_URL", "MANPOWER_VAR_DIR", "DJANGO_SETTINGS_MODULE", "PYTEST_XDIST_WORKER", "PYTEST_CURRENT_TEST",
             "MEDIA_ROOT", "PKI_DIR", "PKI_CA_CERT_FILE", "PKI_CA_KEY_FILE", "CREDENTIAL_SIGNING_KEY_FILE", "EMAIL_URL",
             "WEB_WORKERS", "WEB_THREADS", "PORT", "HOST")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Installation:
    """A var directory and a database, as ``manpower setup --demo`` leaves them."""

    var_dir: Path
    database_url: str
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        env.update({"DATABASE_URL": self.database_url, "MANPOWER_VAR_DIR": str(self.var_dir),
                    "MANPOWER_ENV": "development", "PYTHONUNBUFFERED": "1"}, **self.extra_env)
        return env

    @property
    def sqlite_path(self) -> Path:
        assert self.database_url.startswith("sqlite:///"), self.database_url
        return Path(self.database_url.removeprefix("sqlite://"))

    def password(self, email: str) -> str:
        return str(json.loads((self.var_dir / "demo-accounts.json").read_text())[email])

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the SQLite database directly (a separate connection, as an operator would)."""
        connection = sqlite3.connect(self.sqlite_path, timeout=30)
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def scalar(self, sql: str, *params: Any) -> Any:
        return self.query(sql, *params)[0][0]


def install(var_dir: Path, database_url: str | None = None, timeout: float = 120) -> Installation:
    """A fresh installation: migrations, reference lists, demo establishment and accounts."""
    var_dir.mkdir(parents=True, exist_ok=True)
    installation = Installation(var_dir, database_url or f"sqlite:///{var_dir / 'db.sqlite3'}")
    manage(installation, "setup", "--demo", "--quiet", timeout=timeout)
    return installation


def clone(template: Installation, var_dir: Path) -> Installation:
    """A copy of an SQLite installation (cheaper than running setup again)."""
    shutil.copytree(template.var_dir, var_dir, ignore=shutil.ignore_patterns("*.log", "static"))
    return Installation(var_dir, f"sqlite:///{var_dir / template.sqlite_path.name}", dict(template.extra_env))


def manage(installation: Installation, *args: str, timeout: float = 120) -> str:
    completed = subprocess.run([*MANPOWER, *args], env=installation.env, capture_output=True, text=True,
                               timeout=timeout, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"manpower {' '.join(args)} failed ({completed.returncode}):\n{completed.stderr[-4000:]}")
    return completed.stdout


def django_run(installation: Installation, code: str, timeout: float = 120) -> Any:
    """Run Python code with Django set up against the installation; it returns what the code assigns to ``result``."""
    program = (
        "import json, os, django\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'manpower.settings')\n"
        "django.setup()\n"
        "result = None\n"
        f"{code}\n"
        "print('RESULT ' + json.dumps(result, default=str))\n"
    )
    completed = subprocess.run([sys.executable, "-c", program], env=installation.env, capture_output=True, text=True,
                               timeout=timeout, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"django_run failed ({completed.returncode}):\n{completed.stderr[-4000:]}")
    line = next(line for line in reversed(completed.stdout.splitlines()) if line.startswith("RESULT "))
    return json.loads(line.removeprefix("RESULT "))


class Process:
    """A command in its own process group, its output in a log file."""

    def __init__(self, name: str, argv: list[str], installation: Installation, extra_env: dict[str, str] | None = None):
        self.name = name
        self.argv = argv
        self.installation = installation
        self.log_path = installation.var_dir / f"{name}.log"
        self.extra_env = extra_env or {}
        self.popen: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    def start(self) -> Process:
        self._log = self.log_path.open("ab")
        self.popen = subprocess.Popen(self.argv, env={**self.installation.env, **self.extra_env}, stdout=self._log,
                                      stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    @property
    def running(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def _signal_group(self, sig: int) -> None:
        assert self.popen is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, sig)

    def kill(self) -> None:
        """SIGKILL to the whole process group: no clean-up runs, as in a crash."""
        if self.popen is None:
            return
        self._signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)
        self._wait_group_gone()
        self._close_log()

    def stop(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL after ``grace`` seconds; safe to call more than once."""
        if self.popen is None:
            return
        if self.popen.poll() is None:
            self._signal_group(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.popen.wait(timeout=grace)
        self._signal_group(signal.SIGKILL)  # stragglers of the group (granian's workers)
        self.popen.wait(timeout=10)
        self._wait_group_gone()
        self._close_log()

    def _wait_group_gone(self, timeout: float = 10.0) -> None:
        assert self.popen is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                os.killpg(self.popen.pid, 0)
            except ProcessLookupError:
                return
            except PermissionError:
                return
            time.sleep(0.02)

    def _close_log(self) -> None:
        if self._log is not None:
            self._log.close()
            self._log = None

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


class Server(Process):
    """``manpower serve`` (granian, WSGI) on a free port."""

    def __init__(self, installation: Installation, workers: int = 2, port: int | None = None,
                 extra_env: dict[str, str] | None = None):
        self.port = port or free_port()
        self.workers = workers
        super().__init__("serve", [*MANPOWER, "serve", "--port", str(self.port), "--workers", str(workers)], installation,
                         extra_env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> Server:
        super().start()
        self.wait_ready(timeout)
        return self

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.running:
                raise RuntimeError(f"the server exited ({self.popen.returncode if self.popen else '?'}):\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"the server did not become ready in {timeout} s:\n{self.log_tail()}")


class Worker(Process):
    """``manpower worker``: the task queue, the outbox sweep and the daily jobs."""

    def __init__(self, installation: Installation, interval: float = 0.2, extra_env: dict[str, str] | None = None):
        super().__init__("worker", [*MANPOWER, "worker", "--interval", str(interval)], installation, extra_env)


def wait_for(condition: Any, timeout: float, interval: float = 0.05, message: str = "condition") -> Any:
    """Poll ``condition()`` until it returns something truthy; return it."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{message} not reached in {timeout} s")
        time.sleep(interval)


class SandboxServer:
    """``manpower sandbox`` in a subprocess for one simulator (under ``prefix``); its books are files next to
    ``data``, so a restart keeps them, as a real provider's. Subclasses give the environment the simulator reads."""

    prefix = ""
    arguments: tuple[str, ...] = ()

    def __init__(self, data: Path) -> None:
        self.data = data
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}{self.prefix}"
        self.process: subprocess.Popen[bytes] | None = None
        self.log = data.with_suffix(".log")

    def environment(self) -> dict[str, str]:
        return {}

    def start(self) -> None:
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "manpower.settings", "LOG_LEVEL": "WARNING", **self.environment()}
        env.pop("DATABASE_URL", None)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([*MANPOWER, "sandbox", "--port", str(self.port), *self.arguments],
                                            env=env, stdout=log, stderr=log)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=0.5).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError(f"the sandbox did not start: {self.log.read_text()[-2000:]}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None
