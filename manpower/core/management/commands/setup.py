from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from tqdm import tqdm

from manpower.registry.reference import SOURCES, MalformedFile, load_source


class Command(BaseCommand):
    help = "Apply migrations, load the reference code lists and, with --demo, the demo data. Safe to run again."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--demo", action="store_true", help="also load the demo establishment and accounts")
        parser.add_argument("--no-migrate", action="store_true")
        parser.add_argument("--quiet", action="store_true", help="no progress bars")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        if not options["no_migrate"]:
            call_command("migrate", interactive=False, verbosity=0)
        quiet = options["quiet"]

        def progress(iterator, total, name):  # type: ignore[no-untyped-def]
            return tqdm(iterator, total=total, desc=f"{name:<24}", unit=" rows", disable=quiet, leave=False)

        failures = []
        for source in SOURCES:
            try:
                result = load_source(source, progress)
            except MalformedFile as error:
                failures.append(str(error))
                self.stderr.write(f"not loaded: {error}")
                continue
            state = "unchanged" if result.skipped else f"{result.created} new, {result.updated} updated"
            self.stdout.write(f"{result.file:<24} {result.rows:>5} rows  ({state})")
        if failures:
            raise CommandError(f"{len(failures)} reference file(s) not loaded")
        from manpower.identity.ca import ensure_platform_keys
        from manpower.identity.pki import ensure_development_ca

        ensure_platform_keys()
        ensure_development_ca()
        from manpower.notifications.services import templates_seed

        seeded = templates_seed()
        self.stdout.write(f"{'message templates':<24} ({seeded['created']} new, {seeded['updated']} updated)")
        if options["demo"]:
            from manpower.permits.demo import load_demo_applications
            from manpower.registry.demo import load_demo

            created = load_demo(timezone.localdate())
            created["applications"] = load_demo_applications(timezone.localdate())
            from manpower.notifications.demo import load_demo_contacts

            created["verified contact details"] = load_demo_contacts()
            self.stdout.write("demo data: " + ", ".join(f"{n} {k}" for k, n in created.items()) + " created")
