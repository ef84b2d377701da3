from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Start the web server and the background worker together; Ctrl-C stops both."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        port = options["port"]
        manpower = [sys.executable, "-m", "manpower.cli"]
        processes = [
            subprocess.Popen([*manpower, "serve", "--port", str(port)]),
            subprocess.Popen([*manpower, "worker"]),
        ]
        self._print_welcome(port)

        def stop(signum: int, frame: object) -> None:
            for process in processes:
                if process.poll() is None:
                    process.send_signal(signal.SIGTERM)

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        try:
            while all(process.poll() is None for process in processes):
                time.sleep(0.5)
        finally:
            stop(signal.SIGTERM, None)
            for process in processes:
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
        self.stdout.write("stopped")

    def _print_welcome(self, port: int) -> None:
        from manpower.registry.demo import ACCOUNTS, passwords_file

        url = f"http://127.0.0.1:{port}"
        lines = ["", f"  Manpower is running at {url}/  (English: {url}/en/)", f"  API documentation: {url}/api/docs", ""]
        path = passwords_file()
        if path.exists():
            passwords = json.loads(path.read_text())
            lines.append("  Demo accounts (passwords are kept in var/demo-accounts.json):")
            for account in ACCOUNTS:
                lines.append(f"    {account.key:<9} {account.email:<28} {passwords.get(account.email, '?')}")
        lines += ["", "  Press Ctrl-C to stop.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
