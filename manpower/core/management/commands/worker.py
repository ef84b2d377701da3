from __future__ import annotations

import threading
import time

import structlog
from django.core.management import call_command
from django.core.management.base import BaseCommand

from manpower.core.scheduler import run_schedule

log = structlog.get_logger("manpower.worker")


class Command(BaseCommand):
    help = "Run the background worker: queued tasks, the outbox sweep and the daily jobs. Ctrl-C stops it."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls of the task queue")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        stop = threading.Event()
        scheduler = threading.Thread(target=run_schedule, args=(stop,), name="scheduler", daemon=True)
        scheduler.start()
        from manpower.notifications.tasks import run_sender

        sender = threading.Thread(target=run_sender, args=(stop,), name="notifications", daemon=True)
        sender.start()
        log.info("worker.started")
        try:
            call_command("db_worker", interval=options["interval"], no_startup_delay=False, reload=False)
        finally:
            stop.set()
            scheduler.join(timeout=5)
            sender.join(timeout=5)
            time.sleep(0)
            log.info("worker.stopped")
