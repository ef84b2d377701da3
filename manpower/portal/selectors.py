"""Reads for the employer's pages: the dashboard's figures in a fixed number of queries, drafts, users."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import translation
from django.utils.translation import gettext as _

from manpower.identity.models import Membership, User
from manpower.law import NEW_PERMIT, CheckResult, law_on
from manpower.law.facts import Establishment as EstablishmentFacts
from manpower.law.facts import _read as read_facts
from manpower.law.omanisation import MET, NOT_PRESCRIBED, omanisation_status, prescribed_target
from manpower.law.rulebook import rules_in_force
from manpower.payments.models import Invoice
from manpower.permits.facts import establishment_facts
from manpower.permits.models import OPEN_STATES, Application, Permit
from manpower.portal.models import ApplicationDraft
from manpower.registry.models import Country, Employment, Establishment, Occupation

# The rule book's checks that concern the establishment itself rather than one worker: when one fails, it
# stops a service for the whole establishment until the cause is cleared.
ESTABLISHMENT_RULES = ("cr-valid", "no-unpaid-dues", "services-not-suspended", "no-wps-breach", "omanisation-met",
                       "one-omani-per-cr")
TOP = 8  # bars shown per chart; the rest are summed as "other"
LIST_LIMIT = 20


def _lang() -> str:
    return "en" if (translation.get_language() or "ar").startswith("en") else "ar"


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    share: Decimal  # percent of the total, two places


@dataclass(frozen=True)
class Block:
    rule_id: str
    title: str
    message: str
    fix: str
    citation: str
    status: str


@dataclass
class Dashboard:
    establishment: Establishment
    headcount: int
    omani: int
    non_omani: int
    ratio: Decimal
    target: Decimal | None
    omanisation: str  # met / not_met / not_prescribed
    fee_modifier: Decimal | None
    by_nationality: list[Bar]
    by_occupation: list[Bar]
    active_permits: int
    expiring_30: int
    expiring_60: int
    expiring: list[Permit]
    in_progress: int
    applications: list[Application]
    invoices_due: int
    invoices_due_total: Decimal
    invoices: list[Invoice]
    blocks: list[Block] = field(default_factory=list)

    @property
    def gap(self) -> Decimal | None:
        """Percentage points still missing to reach the target (None when no target or it is met)."""
        if self.target is None or self.ratio >= self.target:
            return None
        return (self.target - self.ratio).quantize(Decimal("0.01"))

    @property
    def omanis_needed(self) -> int:
        """How many more Omani employees would meet the target, with the non-Omani workforce unchanged."""
        if self.target is None or self.target >= 100 or self.ratio >= self.target:
            return 0
        # omani + n >= target/100 * (headcount + n)  →  n >= (target*headcount - 100*omani) / (100 - target)
        needed = (self.target * self.headcount - 100 * self.omani) / (100 - self.target)
        return max(0, int(needed.to_integral_value(rounding="ROUND_CEILING")))


def share_of(count: int, total: int) -> Decimal:
    return (Decimal(count * 100) / total).quantize(Decimal("0.01")) if total else Decimal("0.00")


def _bars(rows: list[tuple[str, int]], total: int, other_label: str) -> list[Bar]:
    rows = sorted(rows, key=lambda row: (-row[1], row[0]))
    shown, rest = rows[:TOP], rows[TOP:]
    if rest:
        shown.append((other_label, sum(count for _, count in rest)))
    return [Bar(label, count, share_of(count, total)) for label, count in shown]


def _blocks(today: date, p: Any, law_establishment: EstablishmentFacts) -> list[Block]:
    checks, _fees = rules_in_force(NEW_PERMIT, today)
    facts = SimpleNamespace(establishment=law_establishment)
    lang = _lang()
    blocks = []
    for rule in checks:
        if rule.id not in ESTABLISHMENT_RULES:
            continue
        check = rule.fn(facts, p)
        if check is None or check.status not in {"failed", "refer", "unknown"}:
            continue
        result = CheckResult(rule, check)
        blocks.append(Block(rule.id, result.title(lang), result.message(lang), result.fix(lang), result.citation_in(lang),
                            check.status))
    return blocks


def employer_dashboard(establishment: Establishment, today: date) -> Dashboard:
    """Everything the employer's dashboard shows for one establishment, in a fixed number of queries."""
    lang = _lang()
    # The workforce counted once by nationality and occupation together, on the keys only; the names of the few
    # countries and occupations found are read after (joining the names into the count costs more than both).
    workforce = (Employment.objects.current(today).filter(establishment=establishment).order_by()
                 .values_list("is_omani", "person__nationality_id", "occupation_id").annotate(n=Count("id")))
    by_country: Counter[tuple[bool, str]] = Counter()
    by_occupation: Counter[str] = Counter()
    for is_omani, nationality, occupation, n in workforce:
        by_country[(is_omani, nationality)] += n
        by_occupation[occupation] += n
    headcount = sum(by_country.values())
    omani = sum(n for (is_omani, _code), n in by_country.items() if is_omani)
    country_names = dict(Country.objects.filter(code__in={code for _omani, code in by_country}).order_by()
                         .values_list("code", "name_ar" if lang == "ar" else "name_en"))
    occupation_names = {code: (ar if lang == "ar" else "") or en for code, ar, en in
                        Occupation.objects.filter(code__in=by_occupation).order_by().values_list("code", "name_ar", "name_en")}

    facts = establishment_facts(establishment, today)
    facts["omani_employees"], facts["non_omani_employees"] = omani, headcount - omani
    law_establishment = read_facts(EstablishmentFacts, facts, "establishment.")
    p = law_on(today)
    status = omanisation_status(law_establishment, p)
    target = prescribed_target(law_establishment, p)
    modifiers = getattr(p.fees, "omanisation_modifier", None)
    fee_status = MET if status == NOT_PRESCRIBED and p.omanisation.unprescribed_fee_status == "met" else status
    fee_modifier = Decimal(str(modifiers[fee_status])) if modifiers and fee_status in modifiers else None

    permits = Permit.objects.filter(establishment=establishment, status=Permit.Status.ACTIVE)
    counts = permits.aggregate(active=Count("id"),
                               expiring_30=Count("id", filter=Q(valid_until__lte=today + timedelta(days=30))),
                               expiring_60=Count("id", filter=Q(valid_until__lte=today + timedelta(days=60))))
    expiring = list(permits.filter(valid_until__lte=today + timedelta(days=60)).select_related("person")
                    .order_by("valid_until", "id")[:LIST_LIMIT])
    open_applications = Application.objects.filter(establishment=establishment, state__in=OPEN_STATES)
    applications = list(open_applications.select_related("person").order_by("-id")[:LIST_LIMIT])
    in_progress = open_applications.count()  # always: the page makes the same queries however many rows there are
    due = Invoice.objects.filter(establishment=establishment, status=Invoice.Status.DUE)
    due_totals = due.aggregate(n=Count("id"), total=Sum("total_omr"))
    other = _("Other")
    return Dashboard(
        establishment=establishment, headcount=headcount, omani=omani, non_omani=headcount - omani,
        ratio=share_of(omani, headcount), target=target, omanisation=status, fee_modifier=fee_modifier,
        by_nationality=_bars([(country_names.get(code) or code, n) for (_omani, code), n in by_country.items()],
                             headcount, other),
        by_occupation=_bars([(occupation_names.get(code, ""), n) for code, n in by_occupation.items()], headcount, other),
        active_permits=counts["active"], expiring_30=counts["expiring_30"], expiring_60=counts["expiring_60"],
        expiring=expiring,
        in_progress=in_progress,
        applications=applications,
        invoices_due=due_totals["n"] or 0, invoices_due_total=due_totals["total"] or Decimal("0.000"),
        invoices=list(due.order_by("due_on", "id")[:LIST_LIMIT]),
        blocks=_blocks(today, p, law_establishment),
    )


def drafts_for(user: User) -> QuerySet[ApplicationDraft]:
    """The user's own drafts not yet submitted, newest first."""
    return (ApplicationDraft.objects.filter(user=user, submitted_application__isnull=True)
            .select_related("establishment").order_by("-updated_at"))


def draft_get(user: User, public_id: Any) -> ApplicationDraft | None:
    return drafts_for(user).filter(public_id=public_id).first()


def submitted_draft_number(user: User, public_id: Any) -> str | None:
    """The number of the application the user's draft became, once submitted (a second click on Submit finds it)."""
    return (ApplicationDraft.objects.filter(user=user, public_id=public_id, submitted_application__isnull=False)
            .values_list("submitted_application__number", flat=True).first())


def establishment_members(establishment: Establishment) -> QuerySet[Membership]:
    return Membership.objects.filter(establishment=establishment).select_related("user").order_by("user__full_name")
