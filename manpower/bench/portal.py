"""``manpower bench portal``: the server time of the employer's dashboard for an establishment of 5,000 workers.

For each database (PostgreSQL, in a throwaway database ``manpower_bench_<pid>`` on 127.0.0.1:5432; SQLite, in a
temporary file) a fresh installation is made with ``manpower setup`` and seeded in a subprocess
(``python -m manpower.bench.portal seed``: bulk inserts, then ``ANALYZE``): one establishment with 5,000 current
employments (a mix of nationalities, about one in ten Omani, and of ISCO-08 unit groups), an active permit for
each non-Omani worker (some expiring within 30 and 60 days), 150 applications in progress (some referred to an
officer), invoices due and paid, drafts and in-portal notifications; a worker's activity log; a second, smaller
establishment beside it.

``manpower serve`` (granian, WSGI) is then started against it; an employer representative, an officer and a
worker each sign in through ``/sign-in/`` with the CSRF token, and this process times ``/dashboard/`` (Arabic)
and ``/en/dashboard/`` (English): ``REQUESTS`` sequential requests each after a warm-up, p50/p95/p99 in ms
measured at the client over the loopback interface. The other pages people open from there (the applications
list, the invoices, the notifications, the officer's review queue, search and establishment file, the worker's
record and activity log) are timed with fewer requests.

For every page: its size in bytes without fonts (the HTML and the style sheets and scripts it references) and
the number of SQL queries it makes, counted in a subprocess (``python -m manpower.bench.portal queries``) with
Django's test client and ``CaptureQueriesContext`` (the second request of a signed-in session: no first-request
session writes).

Targets (PostgreSQL): dashboard p95 <= 100 ms and page < 150 KB. The machine may be shared: the load average
before and after is reported.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

WORKERS = 5_000
REQUESTS = 200  # sequential dashboard requests per language
WARM_UP = 20
PAGE_REQUESTS = 20  # sequential requests per language for each other page
P95_TARGET_MS = 100.0
SIZE_TARGET_BYTES = 150_000
WEB_WORKERS = 2
CR = "7000001"
OTHER_CR = "7000002"
EMPLOYER = "employer@bench.manpower.om"
OFFICER = "officer@bench.manpower.om"
WORKER = "worker@bench.manpower.om"
MANPOWER = [sys.executable, "-m", "manpower.cli"]

# nationality → weight (about one in ten Omani; more than eight nationalities, so the chart sums the rest)
NATIONALITIES = {"IN": 38, "BD": 22, "PK": 11, "OM": 10, "NP": 6, "PH": 4, "EG": 3, "LK": 2, "SD": 1, "YE": 1,
                 "MM": 1, "UG": 1}
# ISCO-08 unit groups of a construction company → weight
OCCUPATIONS = {"9313": 20, "7112": 12, "7115": 8, "9312": 8, "7126": 6, "7411": 6, "7212": 5, "7131": 5, "8332": 5,
               "8342": 4, "7114": 3, "7121": 3, "7233": 2, "8322": 2, "5414": 2, "9112": 2, "3112": 1, "3123": 1,
               "4110": 1, "4311": 1, "5153": 1, "2142": 1, "2411": 1, "1323": 1, "1321": 1}
GIVEN = [("Arun", "أرون"), ("Mohammed", "محمد"), ("Rahim", "رحيم"), ("Imran", "عمران"), ("Suresh", "سوريش"),
         ("Jose", "خوسيه"), ("Ahmed", "أحمد"), ("Bikash", "بيكاش"), ("Salim", "سالم"), ("Ravi", "رافي"),
         ("Karim", "كريم"), ("Nasser", "ناصر")]
FAMILY = [("Kumar", "كومار"), ("Hossain", "حسين"), ("Khan", "خان"), ("Thapa", "ثابا"), ("Santos", "سانتوس"),
          ("Perera", "بيريرا"), ("Hassan", "حسن"), ("Al Balushi", "البلوشي"), ("Al Harthy", "الحارثي"),
          ("Nair", "ناير"), ("Rahman", "رحمن"), ("Ali", "علي")]
SEARCH = "kumar"  # the officer's name search: many people match, the first 25 are listed


def _pages(worker_seq: int | None = None) -> dict[str, tuple[str, str]]:
    """Page name → (who opens it, path in Arabic; English is the same under /en)."""
    return {
        "dashboard": ("employer", "/dashboard/"),
        "applications": ("employer", "/applications/"),
        "invoices": ("employer", "/payments/"),
        "notifications": ("employer", "/notifications/"),
        "review_queue": ("officer", "/review/"),
        "officer_search": ("officer", f"/officer/search/?q={SEARCH}"),
        "establishment_file": ("officer", f"/officer/establishments/{CR}/"),
        "worker_record": ("worker", "/me/"),
        "worker_activity": ("worker", "/me/activity/"),
    }


def _percentile(samples: list[float], share: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


# --- Seeding (in a subprocess set up against the installation) ------------------------------------------


def _weighted(rng: Any, weights: dict[str, int], count: int) -> list[str]:
    return rng.choices(list(weights), weights=list(weights.values()), k=count)


def seed(workers: int, password: str) -> dict[str, Any]:
    """The establishment, its people and papers, in bulk; returns what the measuring process needs."""
    import random
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from manpower.audit.services import record
    from manpower.core.models import Sequence
    from manpower.core.numbers import format_number
    from manpower.identity.models import EstablishmentPermission, Membership, Role, User
    from manpower.notifications.models import Channel, Message
    from manpower.payments.models import Invoice, InvoiceLine, Payment
    from manpower.permits.models import Application, ApplicationType, Permit, State
    from manpower.portal.activity import ACTIONS
    from manpower.portal.models import ApplicationDraft
    from manpower.registry.models import Activity, Employment, Establishment, Occupation, Person, Wilayat

    started = time.perf_counter()
    rng = random.Random(2026)
    today = timezone.localdate()
    now = timezone.now()
    year = today.year
    wilayat = Wilayat.objects.select_related("governorate").get(code=2)
    activity = Activity.objects.get(code="4100")
    known = set(Occupation.objects.filter(code__in=list(OCCUPATIONS), level="unit").values_list("code", flat=True))
    occupation_weights = {code: weight for code, weight in OCCUPATIONS.items() if code in known}
    counters = {"APP": 0, "WP": 0, "INV": 0}

    def number(prefix: str) -> str:
        counters[prefix] += 1
        return format_number(prefix, year, counters[prefix])

    with transaction.atomic():
        establishment = Establishment.objects.create(
            cr_number=CR, name_ar="شركة القياس للمقاولات", name_en="Bench Contracting LLC", activity=activity,
            governorate=wilayat.governorate, wilayat=wilayat, cr_issued_on=today - timedelta(days=3650),
            cr_expires_on=today + timedelta(days=1000), size_class=Establishment.Size.LARGE)
        other = Establishment.objects.create(
            cr_number=OTHER_CR, name_ar="مؤسسة أخرى", name_en="Another Establishment", activity=activity,
            governorate=wilayat.governorate, wilayat=wilayat, cr_issued_on=today - timedelta(days=2000),
            cr_expires_on=today + timedelta(days=700), size_class=Establishment.Size.LARGE)
        rep = User.objects.create_user(EMPLOYER, password, full_name="Bench Representative", role=Role.EMPLOYER)
        Membership.objects.create(user=rep, establishment=establishment,
                                  permissions=[p.value for p in EstablishmentPermission])
        officer = User.objects.create_user(OFFICER, password, full_name="Bench Officer", role=Role.OFFICER)

        # People: the current workforce, former workers, the other establishment's and applicants not yet employed.
        plan: list[tuple[Establishment, str, bool]] = []  # (establishment, nationality, current)
        plan += [(establishment, n, True) for n in _weighted(rng, NATIONALITIES, workers)]
        plan += [(establishment, n, False) for n in _weighted(rng, NATIONALITIES, workers // 20)]
        plan += [(other, n, True) for n in _weighted(rng, NATIONALITIES, workers // 5)]
        applicants = 100
        nationalities = [n for _, n, _ in plan] + [n for n in _weighted(rng, NATIONALITIES, applicants) if n != "OM"]
        people = []
        for index, nationality in enumerate(nationalities):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            people.append(Person(
                passport_number=f"BP{index:07d}", passport_country_id=nationality, nationality_id=nationality,
                passport_expires_on=today + timedelta(days=rng.randint(200, 3000)),
                name_latin=f"{given[0]} {family[0]} {index}", name_ar=f"{given[1]} {family[1]}",
                date_of_birth=today - timedelta(days=rng.randint(21 * 365, 55 * 365)), sex="M" if rng.random() < 0.93 else "F",
                civil_id=f"{60000000 + index}" if nationality == "OM" else None, medical_fitness="fit",
                created_at=now))
        people = Person.objects.bulk_create(people, batch_size=1000)  # both databases return the new keys

        employments, applications, permits = [], [], []
        for (place, nationality, current), who in zip(plan, people, strict=False):
            occupation = _weighted(rng, occupation_weights, 1)[0]
            start = today - timedelta(days=rng.randint(30, 8 * 365))
            end = None if current else today - timedelta(days=rng.randint(1, 365))
            if end is not None and end < start:
                start, end = end, start
            wage = Decimal(rng.randint(120, 900)) if nationality != "OM" else Decimal(rng.randint(325, 1500))
            employments.append(Employment(person=who, establishment=place, occupation_id=occupation, start_date=start,
                                          end_date=end, basic_wage_omr=wage, is_omani=nationality == "OM"))
            if current and nationality != "OM":
                until = today + timedelta(days=rng.randint(1, 730))
                issued_on = until - timedelta(days=730)
                applications.append(Application(
                    number=number("APP"), type=ApplicationType.NEW_PERMIT, state=State.ISSUED, establishment=place,
                    person=who, occupation_id=occupation, basic_wage_omr=wage, submitted_by=rep,
                    created_at=now - timedelta(days=(today - issued_on).days + 10),
                    state_changed_at=now - timedelta(days=(today - issued_on).days)))
                permits.append((place, who, occupation, issued_on, until))
        Employment.objects.bulk_create(employments, batch_size=1000)
        issued = Application.objects.bulk_create(applications, batch_size=1000)
        permit_rows = Permit.objects.bulk_create([
            Permit(number=number("WP"), person=who, establishment=place, occupation_id=occupation,
                   status=Permit.Status.ACTIVE, valid_from=issued_on, valid_until=until, issued_by_application=app,
                   credential="bench." + secrets.token_urlsafe(180), issued_at=now - timedelta(days=(today - issued_on).days))
            for (place, who, occupation, issued_on, until), app in zip(permits, issued, strict=True)], batch_size=1000)
        ours = [p for p in permit_rows if p.establishment_id == establishment.pk]

        # Applications in progress: new permits for applicants, renewals of permits expiring soon; and a history.
        states = ([State.SUBMITTED] * 20 + [State.AWAITING_VERIFICATION] * 40 + [State.REFERRED] * 30
                  + [State.APPROVED] * 40 + [State.PAID] * 20)
        expiring = sorted(ours, key=lambda p: p.valid_until)[:50]
        open_apps = []
        for index, state in enumerate(states):
            if index < 100:
                who, permit, kind = people[len(plan) + index % (len(people) - len(plan))], None, ApplicationType.NEW_PERMIT
                occupation = _weighted(rng, occupation_weights, 1)[0]
            else:
                permit = expiring[index - 100]
                who, kind, occupation = permit.person, ApplicationType.RENEWAL, permit.occupation_id
            age = timedelta(hours=rng.randint(1, 24 * 20))
            open_apps.append(Application(
                number=number("APP"), type=kind, state=state, establishment=establishment, person=who,
                occupation_id=occupation, basic_wage_omr=Decimal(rng.randint(150, 600)), permit=permit,
                submitted_by=rep, created_at=now - age, state_changed_at=now - age / 2,
                input={"occupation": occupation, "basic_wage": "250.000"}))
        history = [Application(
            number=number("APP"), type=ApplicationType.NEW_PERMIT, state=rng.choice([State.REJECTED, State.WITHDRAWN]),
            establishment=establishment, person=people[len(plan) + n % (len(people) - len(plan))],
            occupation_id="9313", basic_wage_omr=Decimal("180"), submitted_by=rep,
            created_at=now - timedelta(days=40 + n), state_changed_at=now - timedelta(days=39 + n)) for n in range(60)]
        Application.objects.bulk_create(history + open_apps, batch_size=1000)
        referred_elsewhere = [Application(
            number=number("APP"), type=ApplicationType.NEW_PERMIT, state=State.REFERRED, establishment=other,
            person=people[len(plan) + n], occupation_id="9313", basic_wage_omr=Decimal("200"), submitted_by=rep,
            created_at=now - timedelta(days=3), state_changed_at=now - timedelta(days=2)) for n in range(10)]
        Application.objects.bulk_create(referred_elsewhere)

        # Invoices: one due for each approved application and a few other fees; the paid ones of the past.
        approved = [a for a in open_apps if a.state == State.APPROVED]
        invoices = [Invoice(number=number("INV"), establishment=establishment, subject_type="permits.application",
                            subject_id=a.number, total_omr=Decimal("301.000"), status=Invoice.Status.DUE,
                            issued_at=now - timedelta(days=2), due_on=today + timedelta(days=rng.randint(1, 30)))
                    for a in approved]
        invoices += [Invoice(number=number("INV"), establishment=establishment, subject_type="permits.service",
                             subject_id=f"SRV-{n:05d}", total_omr=Decimal("50.000"), status=Invoice.Status.DUE,
                             issued_at=now - timedelta(days=5), due_on=today + timedelta(days=rng.randint(1, 30)))
                     for n in range(20)]
        invoices += [Invoice(number=number("INV"), establishment=establishment, subject_type="permits.application",
                             subject_id=a.number, total_omr=Decimal("301.000"), status=Invoice.Status.PAID,
                             issued_at=a.created_at, due_on=a.created_at.date() + timedelta(days=30),
                             paid_at=a.created_at + timedelta(days=1))
                     for a in issued[-300:] if a.establishment_id == establishment.pk]
        invoices = Invoice.objects.bulk_create(invoices, batch_size=1000)
        lines = []
        for invoice in invoices:
            if invoice.subject_type == "permits.application":
                lines += [InvoiceLine(invoice=invoice, code="permit_fee", label_ar="رسم ترخيص العمل",
                                      label_en="Work permit fee", amount_omr=Decimal("301.000"), citation="MD 602/2025")]
            else:
                lines += [InvoiceLine(invoice=invoice, code="service_fee", label_ar="رسم خدمة", label_en="Service fee",
                                      amount_omr=Decimal("50.000"), citation="MD 602/2025")]
        InvoiceLine.objects.bulk_create(lines, batch_size=1000)
        payments = [Payment(invoice=i, amount_omr=i.total_omr, method=Payment.Method.COUNTER, reference=f"CTR-{i.number}",
                            status=Payment.Status.SUCCESS, recorded_by=officer, recorded_at=i.paid_at or now,
                            succeeded_at=i.paid_at) for i in invoices if i.status == Invoice.Status.PAID]
        payments += [Payment(invoice=i, amount_omr=i.total_omr, method=Payment.Method.CARD, reference=f"PAY-B-{n:05d}",
                             status=Payment.Status.STARTED, recorded_by=rep, provider="sandbox",
                             provider_id=f"chk_bench_{n:05d}")
                     for n, i in enumerate([i for i in invoices if i.status == Invoice.Status.DUE][:5])]
        Payment.objects.bulk_create(payments, batch_size=1000)
        for prefix, value in counters.items():
            Sequence.objects.update_or_create(name=prefix, year=year, defaults={"value": value})

        # The representative's drafts and in-portal notifications.
        ApplicationDraft.objects.bulk_create([
            ApplicationDraft(user=rep, establishment=establishment, data={"name_latin": f"Draft Worker {n}"},
                             step="job", updated_at=now - timedelta(hours=n)) for n in range(3)])
        Message.objects.bulk_create([Message(
            reference=f"MSG-BENCH-{n:05d}", event_key=f"bench:{n}", event="application.decided", kind="applications",
            channel=Channel.INAPP, language="ar", recipient_key=f"user:{rep.pk}", user=rep,
            subject=f"قرار في الطلب {open_apps[n % len(open_apps)].number}",
            body="صدر قرار في طلب ترخيص العمل. افتح الطلب لترى أسبابه.",
            link=f"/applications/{open_apps[n % len(open_apps)].number}/", status=Message.Status.DELIVERED,
            read_at=now if n % 3 else None, created_at=now - timedelta(hours=n)) for n in range(80)])

        # A worker of the establishment with an account, and the log of what was done on their record.
        permit = ours[len(ours) // 2]
        worker = User.objects.create_user(WORKER, password, full_name=permit.person.name_latin, role=Role.WORKER,
                                          person=permit.person)
        actions = [a for a in ACTIONS if not a.startswith("dispute.")]
        for n in range(80):
            record(rep if n % 2 else None, actions[n % len(actions)], permit, subject_person_id=permit.person_id,
                   number=permit.number)
    with connection.cursor() as cursor:  # the planner's statistics, as autovacuum would gather them after a load
        cursor.execute("ANALYZE")
    return {"seed_seconds": round(time.perf_counter() - started, 1), "people": len(people),
            "current_workers": workers, "active_permits": len(ours),
            "expiring_30": sum(1 for p in ours if (p.valid_until - today).days <= 30),
            "expiring_60": sum(1 for p in ours if (p.valid_until - today).days <= 60),
            "applications_in_progress": len(open_apps), "invoices_due": sum(1 for i in invoices if i.status == "due"),
            "worker_user": worker.pk}


def count_queries() -> dict[str, Any]:
    """Each page, in each language, with the test client: SQL queries and status (second request of the session)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from manpower.identity.models import User

    users = {"employer": EMPLOYER, "officer": OFFICER, "worker": WORKER}
    clients: dict[str, Client] = {}
    for role, email in users.items():
        clients[role] = Client(HTTP_HOST="127.0.0.1")
        clients[role].force_login(User.objects.get(email=email))
    out: dict[str, Any] = {}
    for name, (role, path) in _pages().items():
        counts = {}
        for lang, prefix in (("ar", ""), ("en", "/en")):
            clients[role].get(prefix + path)
            with CaptureQueriesContext(connection) as queries:
                response = clients[role].get(prefix + path)
            if response.status_code != 200:
                raise RuntimeError(f"{prefix + path}: {response.status_code}")
            counts[lang] = len(queries)
            if os.environ.get("BENCH_PORTAL_SQL") == name:
                for query in queries.captured_queries:
                    print(query["sql"][:300], file=sys.stderr)
        out[name] = counts
    return out


# --- Measuring (this process) ---------------------------------------------------------------------------


def _subprocess(installation: Any, *args: str) -> dict[str, Any]:
    completed = subprocess.run([sys.executable, "-m", "manpower.bench.portal", *args], env=installation.env,
                               capture_output=True, text=True, timeout=900, check=False)
    if completed.returncode != 0:
        raise RuntimeError(f"manpower.bench.portal {args[0]} failed: {completed.stderr[-3000:]}")
    return dict(json.loads(completed.stdout.strip().splitlines()[-1]))


ASSET = re.compile(r"<link\b[^>]*\brel=\"stylesheet\"[^>]*\bhref=\"([^\"]+)\"|<script\b[^>]*\bsrc=\"([^\"]+)\"")


def _size(client: Any, html: bytes, assets: dict[str, int]) -> dict[str, int]:
    """The HTML, and the style sheets and scripts it references (fetched once each); fonts are not counted."""
    total = 0
    for stylesheet, script in ASSET.findall(html.decode()):
        url = (stylesheet or script).replace("&amp;", "&")
        if url not in assets:
            response = client.get(url)
            response.raise_for_status()
            assets[url] = len(response.content)
        total += assets[url]
    return {"html_bytes": len(html), "bytes": len(html) + total}


def _time(client: Any, path: str, count: int, warm_up: int) -> list[float]:
    for _ in range(warm_up):
        client.get(path).raise_for_status()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        response = client.get(path)
        samples.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{path}: {response.status_code}")
    return samples


def _figures(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": round(_percentile(samples, 0.50), 1), "p95_ms": round(_percentile(samples, 0.95), 1),
            "p99_ms": round(_percentile(samples, 0.99), 1)}


def _measure(installation: Any, requests: int) -> dict[str, Any]:
    import logging

    import httpx

    from manpower.bench._processes import free_port as _free_port
    from manpower.bench.submit import _session, _wait_ready

    logging.getLogger("httpx").setLevel(logging.WARNING)
    result: dict[str, Any] = {}
    started = time.perf_counter()
    installation.manage("setup", "--quiet")
    result["setup_seconds"] = round(time.perf_counter() - started, 1)
    password = secrets.token_urlsafe(18)
    result["seeded"] = _subprocess(installation, "seed", str(WORKERS), password)
    queries = _subprocess(installation, "queries")

    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    server = installation.start("serve", "serve", "--port", str(port), "--workers", str(WEB_WORKERS))
    try:
        _wait_ready(url, server)
        cookies = {role: _session(url, email, password)
                   for role, email in (("employer", EMPLOYER), ("officer", OFFICER), ("worker", WORKER))}
        assets: dict[str, int] = {}
        pages: dict[str, Any] = {}
        clients = {role: httpx.Client(base_url=url, cookies=jar, timeout=60) for role, jar in cookies.items()}
        try:
            for name, (role, path) in _pages().items():
                client = clients[role]
                page: dict[str, Any] = {"queries": queries[name]}
                for lang, prefix in (("ar", ""), ("en", "/en")):
                    response = client.get(prefix + path)
                    if response.status_code != 200:
                        raise RuntimeError(f"{prefix + path}: {response.status_code} {response.text[:300]}")
                    page[lang] = _size(client, response.content, assets)
                    if name == "dashboard":
                        samples = _time(client, prefix + path, requests, WARM_UP)
                        page[lang].update(_figures(samples), requests=len(samples))
                        if f">{WORKERS}<" not in response.text:
                            raise RuntimeError(f"{prefix + path} does not show the {WORKERS} workers")
                    else:
                        page[lang].update(_figures(_time(client, prefix + path, PAGE_REQUESTS, 3)),
                                          requests=PAGE_REQUESTS)
                pages[name] = page
        finally:
            for client in clients.values():
                client.close()
        result["pages"] = pages
        result["assets"] = assets
    finally:
        server.stop()
        installation.services.remove(server)
    dashboard = result["pages"]["dashboard"]
    result["dashboard"] = {lang: {key: dashboard[lang][key] for key in ("p50_ms", "p95_ms", "p99_ms", "bytes")}
                           | {"queries": dashboard["queries"][lang]} for lang in ("ar", "en")}
    return result


def run(requests: int = REQUESTS, databases: tuple[str, ...] = ("postgresql", "sqlite")) -> dict[str, Any]:
    """Measure on both databases; every process and the PostgreSQL database are removed, even on error."""
    from manpower.bench._processes import postgres_unavailable as _postgres_unavailable
    from manpower.bench.submit import _database

    result: dict[str, Any] = {"bench": "portal", "workers": WORKERS, "cpu_count": os.cpu_count(),
                              "load_average_before": round(os.getloadavg()[0], 2)}
    root = Path(tempfile.mkdtemp(prefix="manpower-bench-portal-"))
    try:
        for name in databases:
            if name == "postgresql" and (reason := _postgres_unavailable()):
                result[name] = {"skipped": reason}
                continue
            try:
                with _database(name, root) as installation:
                    try:
                        result[name] = _measure(installation, requests)
                    finally:
                        installation.stop_all()
            except Exception as error:
                result[name] = {"failed": f"{type(error).__name__}: {error}"[:3000]}
    finally:
        shutil.rmtree(root, ignore_errors=True)
    target = result.get("postgresql", {}).get("dashboard")
    if target:
        result["dashboard_p95_ms"] = max(target[lang]["p95_ms"] for lang in ("ar", "en"))
        result["dashboard_bytes"] = max(target[lang]["bytes"] for lang in ("ar", "en"))
        result["dashboard_queries"] = max(target[lang]["queries"] for lang in ("ar", "en"))
        result["dashboard_target_met"] = (result["dashboard_p95_ms"] <= P95_TARGET_MS
                                          and result["dashboard_bytes"] < SIZE_TARGET_BYTES)
    result["load_average_after"] = round(os.getloadavg()[0], 2)
    return result


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "manpower.settings")
    import django

    django.setup()
    if sys.argv[1:2] == ["seed"]:
        print(json.dumps(seed(int(sys.argv[2]), sys.argv[3])))
    elif sys.argv[1:2] == ["queries"]:
        print(json.dumps(count_queries()))
    else:
        print(json.dumps(run()))
