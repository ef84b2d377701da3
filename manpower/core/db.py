"""Keeping database connections healthy across deployments."""

from __future__ import annotations

import sys
from typing import Any

from django.db import connections

# PostgreSQL's answer when a prepared statement's result columns changed under it (a migration altered a column
# while this process kept its connection): every later run of that statement on the connection fails the same way.
STALE_PLAN = "cached plan must not change result type"


def close_after_stale_plan(sender: Any = None, **kwargs: Any) -> None:
    """On ``got_request_exception``: a request that failed on a stale prepared statement gets the connection closed
    when it finishes, so the next request connects afresh and prepares again (one failed request, not all of them)."""
    error = sys.exc_info()[1]
    while error is not None:
        if STALE_PLAN in str(error):
            for connection in connections.all(initialized_only=True):
                connection.close_at = 0  # close_if_unusable_or_obsolete() closes it at request_finished
            return
        error = error.__cause__ or error.__context__
