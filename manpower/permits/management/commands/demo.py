from __future__ import annotations

import random
import statistics
import time
from collections import Counter

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from tqdm import tqdm

from manpower.core import outbox
from manpower.core.errors import DomainError, InputErrors
from manpower.identity.models import EstablishmentPermission, Membership, Role, User
from manpower.payments.models import Invoice
from manpower.payments.services import invoice_record_payment
from manpower.permits import population, services
from manpower.permits.inputs import parse_application
from manpower.permits.models import Application
from manpower.registry.models import Person


class Command(BaseCommand):
    help = ("Build a realistic population from the real code lists and published workforce figures, run a stream of "
            "applications through the whole pipeline, and print the outcomes and timings.")

    def add_arguments(self, parser):  # type: ignore[no-untyped-def]
        parser.add_argument("--establishments", type=int, default=50)
        parser.add_argument("--workers", type=int, default=500)
        parser.add_argument("--applications", type=int, default=None, help="default: a tenth of the workers")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--quiet", action="store_true")

    def handle(self, *args, **options):  # type: ignore[no-untyped-def]
        today = timezone.localdate()
        quiet = options["quiet"]
        started = time.perf_counter()
        pop = population.build(establishments=options["establishments"], workers=options["workers"], today=today,
                               seed=options["seed"], cr_start=3000000 + options["seed"] * 100000)
        built = time.perf_counter() - started
        self.stdout.write(f"population: {len(pop.establishments)} establishments, {pop.workers} workers "
                          f"in {built:.1f} s")
        if not pop.establishments:
            self.stdout.write("nothing new to run (this seed's population exists already; use another --seed)")
            return
        finance, _ = User.objects.get_or_create(
            email="finance.desk@demo.manpower.om",
            defaults={"full_name": "مكتب التحصيل", "role": Role.OFFICER, "password": "!"})
        reps = {}
        for est in pop.establishments:
            rep, _ = User.objects.get_or_create(email=f"rep.{est.cr_number}@demo.manpower.om",
                                                defaults={"full_name": f"Representative {est.cr_number}",
                                                          "role": Role.EMPLOYER, "password": "!"})
            Membership.objects.get_or_create(user=rep, establishment=est,
                                             defaults={"permissions": [p.value for p in EstablishmentPermission]})
            reps[est.pk] = rep
        count = options["applications"] or max(1, options["workers"] // 10)
        rng = random.Random(options["seed"])
        timings, refused = [], Counter()
        submitted: list[Application] = []
        stream = population.application_stream(pop, count, today=today, seed=options["seed"])
        for est, row in tqdm(stream, total=count, desc="applications", disable=quiet):
            began = time.perf_counter()
            try:
                application = services.application_submit(actor=reps[est.pk], establishment=est,
                                                          data=parse_application(row))
            except InputErrors as errors:
                refused.update(e.code for e in errors.errors)
                continue
            except DomainError as error:
                refused[error.code] += 1
                continue
            finally:
                timings.append(time.perf_counter() - began)
            submitted.append(application)
        # The health authority reports the medical examinations; most workers are fit.
        waiting = [a for a in submitted if a.state == "awaiting_verification"]
        for application in tqdm(waiting, desc="medical results", disable=quiet):
            Person.objects.filter(pk=application.person_id).update(medical_fitness="fit" if rng.random() > 0.04 else "unfit")
            services.application_redecide(application=application, on=today)
        # Employers pay most approved invoices at once.
        paid = 0
        for invoice in tqdm(list(Invoice.objects.filter(status="due", subject_id__in=[a.number for a in submitted])),
                            desc="payments", disable=quiet):
            if rng.random() < 0.9:
                with transaction.atomic():
                    invoice_record_payment(actor=finance, invoice=invoice, amount=invoice.total_omr, method="counter",
                                           reference=f"DEMO-{invoice.number}")
                paid += 1
        outbox.deliver_due(limit=100000)
        self._report(submitted, refused, timings, paid, time.perf_counter() - started)

    def _report(self, submitted, refused, timings, paid, elapsed):  # type: ignore[no-untyped-def]
        states = Counter()
        reasons = Counter()
        for application in Application.objects.filter(pk__in=[a.pk for a in submitted]).prefetch_related("decisions"):
            states[application.state] += 1
            if application.state == "rejected":
                latest = max(application.decisions.all(), key=lambda d: d.seq)
                reasons.update(c["id"] for c in latest.checks if c["status"] == "failed")
        lines = ["", f"{'outcome':<34}{'applications':>12}", "-" * 46]
        for state in ("issued", "approved", "awaiting_verification", "referred", "rejected", "lapsed", "withdrawn"):
            if states[state]:
                lines.append(f"{state:<34}{states[state]:>12}")
        for reason, n in reasons.most_common():
            lines.append(f"  rejected: {reason:<23}{n:>12}")
        for code, n in refused.most_common():
            lines.append(f"refused at submission: {code:<11}{n:>12}")
        if timings:
            ordered = sorted(timings)
            p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
            lines += ["-" * 46,
                      f"submission (validate, decide, persist): p50 {statistics.median(ordered) * 1000:.1f} ms, "
                      f"p99 {p99 * 1000:.1f} ms",
                      f"paid at the counter: {paid}; whole run {elapsed:.1f} s"]
        self.stdout.write("\n".join(lines))
