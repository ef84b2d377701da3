from __future__ import annotations

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from manpower.payments.gateway import GatewayUnavailable
from manpower.payments.reconciliation import reconcile
from manpower.payments.services import payments_check_in_flight


class Command(BaseCommand):
    help = ("Reconcile one day's settlement file from the payment gateway with our payments and refunds, and print "
            "the report (unmatched, mismatched and missing items). Exit status 2 when there are discrepancies.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--date", dest="day", help="YYYY-MM-DD (Asia/Muscat); yesterday by default")
        parser.add_argument("--check-in-flight", action="store_true",
                            help="first ask the gateway about every payment and refund still in flight")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        try:
            day = date.fromisoformat(options["day"]) if options["day"] else timezone.localdate() - timedelta(days=1)
        except ValueError:
            raise CommandError("--date must be YYYY-MM-DD") from None
        try:
            if options["check_in_flight"]:
                counts = payments_check_in_flight()
                self.stdout.write(f"in flight: {counts['checked']} checked, {counts['settled']} settled")
            report = reconcile(day=day)
        except GatewayUnavailable as error:
            raise CommandError(f"the payment gateway is not answering ({error}); nothing was changed") from None
        self.stdout.write(f"reconciliation {report.provider} {report.day}: {report.status.upper()}")
        self.stdout.write(f"  lines {report.lines}, matched {report.matched}, confirmed now {report.completed}, "
                          f"net settled OMR {report.total_settled_omr}")
        for item in report.items.all():
            self.stdout.write(f"  {item.kind:<10} {item.record_type:<7} {item.problem:<18} {item.reference or '-':<22} "
                              f"{item.gateway_id or '-':<26} ours={item.expected or '-'} gateway={item.found or '-'}")
        if report.status != "clean":
            raise SystemExit(2)
