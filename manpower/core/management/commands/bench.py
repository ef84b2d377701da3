from __future__ import annotations

import importlib
import json
import pkgutil

from django.core.management.base import BaseCommand, CommandError

import manpower.bench


def available() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules(manpower.bench.__path__) if not m.name.startswith("_"))


class Command(BaseCommand):
    help = "Run a benchmark (`manpower bench NAME`, or `all`); the last line printed is one JSON object."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("name", help="one of: " + ", ".join(available()) + ", or all")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        names = available() if options["name"] == "all" else [options["name"]]
        for name in names:
            if name not in available():
                raise CommandError(f"no benchmark {name!r}; choose from {', '.join(available())}")
            result = importlib.import_module(f"manpower.bench.{name}").run()
            self.stdout.write(json.dumps(result, ensure_ascii=False))
