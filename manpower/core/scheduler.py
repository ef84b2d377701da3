"""Periodic work, run by the worker: the outbox sweep every few seconds, daily jobs once a day.

Daily jobs record the day they last ran (JobRun), so a worker restarted during the day neither skips nor
repeats it, and two workers do not both run it (the update is conditional).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import structlog
from django.db import close_old_connections
from django.utils import timezone

from manpower.core import outbox
from manpower.core.models import JobRun

log = structlog.get_logger("manpower.scheduler")

DAILY_JOBS: dict[str, Callable[[Any], dict[str, Any]]] = {}
ROUND_JOBS: dict[str, Callable[[], Any]] = {}
SWEEP_SECONDS = 5.0


def every_round(name: str) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    """Register work run on every scheduler round (every few seconds), such as asking authorities what is due."""

    def register(function: Callable[[], Any]) -> Callable[[], Any]:
        ROUND_JOBS[name] = function
        return function

    return register


def run_round_jobs() -> None:
    for name, job in ROUND_JOBS.items():
        try:
            job()
        except Exception:
            log.exception("round_job.failed", job=name)


def daily(name: str) -> Callable[[Callable[[Any], dict[str, Any]]], Callable[[Any], dict[str, Any]]]:
    """Register a job run once a day with the day as its argument; it returns a summary to keep."""

    def register(function: Callable[[Any], dict[str, Any]]) -> Callable[[Any], dict[str, Any]]:
        DAILY_JOBS[name] = function
        return function

    return register


def run_daily_jobs(today: Any = None) -> dict[str, dict[str, Any]]:
    today = today or timezone.localdate()
    results = {}
    for name, job in DAILY_JOBS.items():
        run, _ = JobRun.objects.get_or_create(name=name)
        if run.last_run_on == today:
            continue
        claimed = JobRun.objects.filter(pk=run.pk, last_run_on=run.last_run_on).update(last_run_on=today)
        if not claimed:
            continue
        try:
            result = job(today)
        except Exception:
            JobRun.objects.filter(pk=run.pk).update(last_run_on=run.last_run_on)  # try again next round
            log.exception("daily_job.failed", job=name)
            continue
        JobRun.objects.filter(pk=run.pk).update(last_finished_at=timezone.now(), last_result=result)
        results[name] = result
        log.info("daily_job.done", job=name, **result)
    return results


def run_schedule(stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            close_old_connections()
            outbox.deliver_due()
            run_round_jobs()
            run_daily_jobs()
        except Exception:
            log.exception("scheduler.round_failed")
        finally:
            close_old_connections()
        stop.wait(SWEEP_SECONDS)
