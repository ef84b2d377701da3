"""The rule book stands alone: no Django, no database, no clock, no network, nothing else of the platform."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import manpower.law

LAW = Path(manpower.law.__file__).parent
FORBIDDEN_MODULES = ("django", "socket", "urllib", "http", "httpx", "requests", "sqlite3", "psycopg", "time",
                     "random", "asyncio", "subprocess")
CLOCK_CALLS = ("today", "now", "utcnow", "time", "monotonic", "perf_counter")


def _modules() -> list[Path]:
    return sorted(LAW.rglob("*.py"))


def test_no_module_imports_django_the_platform_or_the_network() -> None:
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                root = name.split(".")[0]
                assert root not in FORBIDDEN_MODULES, f"{path.name} imports {name}"
                if root == "manpower":
                    assert name == "manpower.law" or name.startswith("manpower.law."), f"{path.name} imports {name}"


def test_no_module_reads_the_clock() -> None:
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                assert node.func.attr not in CLOCK_CALLS, f"{path.name}:{node.lineno} calls .{node.func.attr}()"


def test_deciding_loads_nothing_else_of_the_platform() -> None:
    script = (
        "import sys, json, datetime\n"
        "from manpower.law import evaluate, facts_from_dict\n"
        "from manpower.law.cli import main\n"
        "doc = json.load(open('docs/law/examples/new_permit.json'))\n"
        "evaluate('new_permit', facts_from_dict('new_permit', doc['facts']), datetime.date(2025, 11, 2))\n"
        "bad = [m for m in sys.modules if m.startswith('django') or (m.startswith('manpower.') and not "
        "m.startswith('manpower.law'))]\n"
        "print(bad)\n")
    root = LAW.parents[1]
    result = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
