from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from manpower.audit.services import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools: `manpower audit verify` checks the hash chain."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("action", choices=["verify"])

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        result = verify_chain()
        if not result.ok:
            raise CommandError(f"audit chain broken at event #{result.first_bad_seq}: {result.problem} "
                               f"({result.checked} events verified before it)")
        self.stdout.write(f"audit chain intact: {result.checked} events verified")
