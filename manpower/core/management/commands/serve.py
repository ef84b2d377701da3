from __future__ import annotations

import os
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Run the production web server (granian, WSGI) with WEB_WORKERS processes; static files served by it."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=settings.WEB_WORKERS)

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        call_command("collectstatic", interactive=False, verbosity=0)
        argv = [
            sys.executable, "-m", "granian", "--interface", "wsgi", "--host", options["host"],
            "--port", str(options["port"]), "--workers", str(options["workers"]),
            "--blocking-threads", os.environ.get("WEB_THREADS", "1"),
            "--static-path-route", settings.STATIC_URL.rstrip("/"), "--static-path-mount", str(settings.STATIC_ROOT),
            "--no-access-log", "--respawn-failed-workers", "manpower.wsgi:application",
        ]
        os.execv(sys.executable, argv)  # noqa: S606 - replaces this process with the server
