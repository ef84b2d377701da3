"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse


def healthz(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


def readyz(request: HttpRequest) -> JsonResponse:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as error:
        return JsonResponse({"status": "unavailable", "database": f"unreachable: {type(error).__name__}"}, status=503)
    if pending:
        return JsonResponse({"status": "unavailable", "database": "ok", "pending_migrations": len(pending)}, status=503)
    return JsonResponse({"status": "ok", "database": "ok", "migrations": "applied"})
