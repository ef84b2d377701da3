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


def entry() -> int:
    """The console script: a reader that stops early (``manpower law rules | head``) ends the output quietly."""
    try:
        return main()
    except BrokenPipeError:
        # Point stdout at nothing so that the interpreter's final flush does not fail again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # 128 + SIGPIPE, as a shell reports a command stopped by a closed pipe


if __name__ == "__main__":
    sys.exit(entry())
