from __future__ import annotations

import os

from django.core.management.base import BaseCommand

from manpower.sandbox.server import serve


class Command(BaseCommand):
    help = "Run the simulators of external systems (payment gateway, SMS gateway, authorities) as an HTTP server."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=int(os.environ.get("SANDBOX_PORT", "8100")))
        parser.add_argument("--smtp-port", type=int, default=int(os.environ.get("SANDBOX_SMTP_PORT", "0")),
                            help="also receive e-mail on this SMTP port (the mailbox at /mail/); 0: no SMTP")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        serve(options["host"], options["port"], smtp_port=options["smtp_port"])
