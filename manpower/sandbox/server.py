"""The sandbox HTTP server: one process, one port, each simulator mounted under its own path prefix.

A simulator is a module with ``PREFIX`` (e.g. "/pay") and ``app(environ, start_response)``, a WSGI
callable that sees paths below its prefix. Add a module name to ``SIMULATORS`` to mount it.
"""

from __future__ import annotations

import importlib
import json
import logging
import threading
import time
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

SIMULATORS: list[str] = [  # module names under manpower.sandbox, e.g. "payments"
    "tsa",
    "payments",
    "sms",
    "moh",
    "mail",
]

log = logging.getLogger("manpower.sandbox")
StartResponse = Callable[..., Any]


def json_response(start_response: StartResponse, status: int, body: Any, headers: list[tuple[str, str]] | None = None
                  ) -> Iterable[bytes]:
    data = json.dumps(body, ensure_ascii=False).encode()
    reason = {200: "OK", 201: "Created", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
              409: "Conflict", 422: "Unprocessable Entity", 500: "Internal Server Error",
              503: "Service Unavailable"}.get(status, "OK")
    start_response(f"{status} {reason}", [("Content-Type", "application/json; charset=utf-8"),
                                          ("Content-Length", str(len(data))), *(headers or [])])
    return [data]


def read_body(environ: dict[str, Any]) -> bytes:
    """The request body, as long as its Content-Length says (nothing when it is missing or not a number)."""
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    return bytes(environ["wsgi.input"].read(length)) if length > 0 else b""


_running: set[str] = set()
_running_lock = threading.Lock()


def keep_running(name: str, step: Callable[[], None], every: float = 0.1) -> None:
    """A simulator's clock: repeat ``step`` in a daemon thread (started once per name in this process); a failing
    round is logged and the next one runs as usual."""
    with _running_lock:
        if name in _running:
            return
        _running.add(name)

    def loop() -> None:
        while True:
            try:
                step()
            except Exception:
                log.exception("sandbox %s: background round failed", name)
            time.sleep(every)

    threading.Thread(target=loop, name=name, daemon=True).start()


class Sandbox:
    def __init__(self, modules: Iterable[str] = ()) -> None:
        self.mounts: list[tuple[str, Callable[..., Iterable[bytes]]]] = []
        for name in modules:
            module = importlib.import_module(f"manpower.sandbox.{name}")
            self.mounts.append((module.PREFIX.rstrip("/"), module.app))
        self.mounts.sort(key=lambda mount: -len(mount[0]))

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "/")
        if path == "/health":
            return json_response(start_response, 200, {"status": "ok", "simulators": [p for p, _ in self.mounts]})
        for prefix, app in self.mounts:
            if path == prefix or path.startswith(prefix + "/"):
                environ = dict(environ, SCRIPT_NAME=environ.get("SCRIPT_NAME", "") + prefix,
                               PATH_INFO=path[len(prefix):] or "/")
                return app(environ, start_response)
        return json_response(start_response, 404, {"error": "no simulator at this path"})


class ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        log.debug("sandbox %s", format % args)


def serve(host: str = "127.0.0.1", port: int = 8100, modules: Iterable[str] | None = None,
          ready: threading.Event | None = None, smtp_port: int = 0) -> None:
    """Serve the simulators; with ``smtp_port`` the sandbox mailbox also listens for e-mail (SMTP)."""
    if smtp_port:
        from manpower.sandbox.mail import start_smtp

        start_smtp(host, smtp_port)
    server = make_server(host, port, Sandbox(SIMULATORS if modules is None else modules),
                         server_class=ThreadingServer, handler_class=QuietHandler)
    print(f"sandbox listening on http://{host}:{server.server_port}", flush=True)
    if ready is not None:
        ready.set()
    server.serve_forever()
