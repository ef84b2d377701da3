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
        parser.add_argument("--sandbox-port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8100")))
        parser.add_argument("--sandbox-smtp-port", type=int, default=int(os.environ.get("SANDBOX_SMTP_PORT", "8125")))

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        port = options["port"]
        manpower = [sys.executable, "-m", "manpower.cli"]
        # The simulators of outside systems run beside us; the payment gateway is ours unless one is configured.
        sandbox_port = options["sandbox_port"]
        env = dict(os.environ)
        env.setdefault("PAYMENT_GATEWAY_URL", f"http://127.0.0.1:{sandbox_port}/pay")
        env.setdefault("SITE_URL", f"http://127.0.0.1:{port}")
        # E-mail goes to the sandbox mailbox (read at /mail/ on the sandbox) unless a mail server is configured.
        smtp_port = options["sandbox_smtp_port"] if "EMAIL_URL" not in os.environ else 0
        if smtp_port:
            env["EMAIL_URL"] = f"smtp://127.0.0.1:{smtp_port}"
        processes = [
            subprocess.Popen([*manpower, "sandbox", "--port", str(sandbox_port), "--smtp-port", str(smtp_port)],
                             env=env),
            subprocess.Popen([*manpower, "serve", "--port", str(port)], env=env),
            subprocess.Popen([*manpower, "worker"], env=env),
        ]
        self._print_welcome(port, sandbox_port, smtp_port)

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

    def _print_welcome(self, port: int, sandbox_port: int, smtp_port: int) -> None:
        from manpower.registry.demo import ACCOUNTS, passwords_file

        url = f"http://127.0.0.1:{port}"
        lines = ["", f"  Manpower is running at {url}/  (English: {url}/en/)", f"  API documentation: {url}/api/docs", ""]
        path = passwords_file()
        if path.exists():
            passwords = json.loads(path.read_text())
            lines.append(f"  Demo accounts (passwords are kept in {path}):")
            for account in ACCOUNTS:
                lines.append(f"    {account.key:<9} {account.email:<28} {passwords.get(account.email, '?')}")
        sandbox = f"http://127.0.0.1:{sandbox_port}"
        lines += ["", f"  Text messages the platform sends: {sandbox}/sms/"]
        if smtp_port:
            lines.append(f"  E-mails the platform sends:        {sandbox}/mail/")
        lines += ["", "  Press Ctrl-C to stop.", ""]
        self.stdout.write("\n".join(lines))
        self.stdout.flush()
