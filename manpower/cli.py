"""The `manpower` command: rule-book tools run without Django; everything else is a Django command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["law"]:
        from manpower.law.cli import main as law_main

        return law_main(args[1:])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manpower.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["manpower", *args])
    return 0


if __name__ == "__main__":
    sys.exit(main())
