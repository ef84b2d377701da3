from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from manpower.identity.models import User
from manpower.identity.tokens import token_create


class Command(BaseCommand):
    help = "Create an API token for a user (printed once; only its digest is kept)."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("email")
        parser.add_argument("--name", default="API")
        parser.add_argument("--days", type=int, default=365, help="validity in days (0: no expiry)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        user = User.objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"no account {options['email']}")
        _, secret = token_create(actor=None, user=user, name=options["name"], valid_days=options["days"] or None)  # type: ignore[arg-type]
        self.stdout.write(secret)
