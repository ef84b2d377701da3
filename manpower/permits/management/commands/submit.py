from __future__ import annotations

import csv
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from manpower.api.permits import MAX_BULK_ROWS, submit_rows
from manpower.core.errors import DomainError
from manpower.identity.models import User
from manpower.permits.inputs import KEY_LENGTH


class Command(BaseCommand):
    help = "Submit applications from a CSV or JSON file (one application per row); prints a result per row."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("file", help="CSV with a header row, or JSON: a list of objects (fields as in the API)")
        parser.add_argument("--cr", required=True, help="the establishment's CR number")
        parser.add_argument("--as", dest="email", required=True, help="the submitting representative's e-mail")
        parser.add_argument("--key", help="batch key: sending the same file again with it gives the same result")
        parser.add_argument("--lang", default="en", choices=["ar", "en"])
        parser.add_argument("--json", action="store_true", help="print the results as JSON")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        try:
            if path.suffix.lower() == ".json":
                rows = json.loads(path.read_text(encoding="utf-8"))
                if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
                    raise CommandError(f"{path}: expected a JSON list of objects")
            else:
                with path.open(encoding="utf-8-sig", newline="") as handle:
                    rows = [dict(row) for row in csv.DictReader(handle)]
        except (UnicodeDecodeError, json.JSONDecodeError, csv.Error) as error:
            raise CommandError(f"{path}: cannot be read ({error})") from None
        actor = User.objects.filter(email__iexact=options["email"]).first()
        if actor is None:
            raise CommandError(f"no account {options['email']}")
        results: list[dict] = []
        key = (options["key"] or "").strip()
        if key:
            # Each row's key is "<key>:<row of the file>": the same file sent again gives the same results.
            longest = KEY_LENGTH - len(f":{len(rows)}")
            if len(key) > longest:
                raise CommandError(f"--key: at most {longest} characters for a file of {len(rows)} rows")
            rows = [{**row, "idempotency_key": row.get("idempotency_key") or f"{key}:{index}"}
                    for index, row in enumerate(rows, start=1)]
        try:
            for start in range(0, len(rows), MAX_BULK_ROWS):
                chunk = submit_rows(actor, options["cr"], rows[start:start + MAX_BULK_ROWS], None, options["lang"])
                for result in chunk["results"]:
                    result["row"] += start
                results.extend(chunk["results"])
        except DomainError as error:
            raise CommandError(error.message(options["lang"])) from None
        if options["json"]:
            self.stdout.write(json.dumps(results, ensure_ascii=False, indent=2))
        else:
            for result in results:
                if result["accepted"]:
                    self.stdout.write(f"row {result['row']:>4}: accepted {result['number']} ({result['state']})")
                else:
                    errors = "; ".join(f"{e['field'] or '-'}: {e['message']}" for e in result["errors"])
                    self.stdout.write(f"row {result['row']:>4}: refused — {errors}")
        accepted = sum(1 for r in results if r["accepted"])
        self.stderr.write(f"{accepted} accepted, {len(results) - accepted} refused")
        if results and not accepted:
            raise CommandError("no row was accepted")
