"""The books a simulator keeps: one SQLite file (so a restarted simulator remembers what it has seen), shared by the
server's threads under one lock, with a table of test faults; and the settings a simulator reads."""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from typing import Any


def setting(name: str, default: str = "") -> str:
    """A platform setting (the sandbox runs with the platform's settings module, as a real provider is configured)."""
    from django.conf import settings

    return str(getattr(settings, name, default) or default)


def data_path(environment_variable: str, file_name: str) -> str:
    """Where a simulator keeps its books: the path in the environment variable, else the file under VAR_DIR."""
    return os.environ.get(environment_variable) or os.path.join(setting("VAR_DIR", "var"), file_name)


class Store:
    """One SQLite file; every operation holds the lock. ``faults`` are test controls with their defaults."""

    def __init__(self, path: str, schema: str, default_faults: dict[str, Any] | None = None) -> None:
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self.default_faults = dict(default_faults or {})
        self.lock = threading.RLock()
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.row_factory = sqlite3.Row
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(schema + "\nCREATE TABLE IF NOT EXISTS faults (key TEXT PRIMARY KEY, value TEXT);")

    def one(self, sql: str, *args: Any) -> sqlite3.Row | None:
        with self.lock:
            return self.db.execute(sql, args).fetchone()  # type: ignore[no-any-return]

    def all(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self.lock:
            return list(self.db.execute(sql, args).fetchall())

    def run(self, sql: str, *args: Any) -> int:
        """Execute one statement; returns the id of the row it inserted, if any."""
        with self.lock:
            return int(self.db.execute(sql, args).lastrowid or 0)

    def faults(self) -> dict[str, Any]:
        values = dict(self.default_faults)
        for row in self.all("SELECT key, value FROM faults"):
            values[row["key"]] = json.loads(row["value"])
        return values

    def set_fault(self, key: str, value: Any) -> None:
        self.run("INSERT OR REPLACE INTO faults (key, value) VALUES (?, ?)", key, json.dumps(value))
