from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from manpower.permits.credentials import public_jwks, verify_token


class Command(BaseCommand):
    help = "Check a permit credential (the QR text) offline against the published public key set."

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("token")
        parser.add_argument("--jwks", help="a JWKS file as published at /.well-known/jwks.json (default: this platform's)")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        jwks = json.loads(Path(options["jwks"]).read_text()) if options["jwks"] else public_jwks()
        result = verify_token(options["token"], jwks)
        if not result.valid:
            raise CommandError(f"NOT VALID: {result.problem}")
        claims = result.claims
        self.stdout.write(f"VALID signature (key {result.key_id})")
        for label, key in (("permit", "pn"), ("valid from", "vf"), ("valid until", "vu"), ("employer CR", "cr"),
                           ("occupation", "occ"), ("worker", "name"), ("nationality", "nat"), ("passport ends", "pp4")):
            self.stdout.write(f"  {label:<14} {claims.get(key, '—')}")
        if result.expired_on_its_face:
            self.stdout.write("  note: the validity printed in the credential has passed; check /verify for the live status")
