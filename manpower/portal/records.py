"""Reads behind the worker's and the officer's pages: a person's activity log, search, an establishment's file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Lower, Replace
from django.utils import timezone

from manpower.audit.models import AuditEvent
from manpower.core.errors import NotFound, PermissionDenied
from manpower.identity.models import Role, User
from manpower.law.rulebook import RULES, _load_rules, render
from manpower.permits.models import Application, Permit
from manpower.permits.selectors import establishment_summary
from manpower.registry.models import Establishment, Person
from manpower.registry.selectors import establishment_workforce

SEARCHERS = {Role.OFFICER, Role.ADMIN, Role.SUPPORT}
SEARCH_LIMIT = 25

# Arabic letters written in more than one way are compared in one form: the alef with hamza or madda as
# a bare alef, ta marbuta as ha, alef maqsura as ya, hamza on waw or ya as the bare letter; harakat and
# the tatweel are dropped.
ARABIC_FOLDS = (("أ", "ا"), ("إ", "ا"), ("آ", "ا"), ("ٱ", "ا"), ("ة", "ه"), ("ى", "ي"), ("ؤ", "و"), ("ئ", "ي"),
                ("ـ", ""), *((chr(mark), "") for mark in range(0x064B, 0x0653)))
ARABIC_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def normalise_name(text: str) -> str:
    """A name as compared in search: folded Arabic letters, lower-case Latin, single spaces."""
    for written, folded in ARABIC_FOLDS:
        text = text.replace(written, folded)
    return " ".join(text.lower().split())


def _folded(column: str) -> Any:
    expression: Any = Lower(F(column))
    for written, folded in ARABIC_FOLDS:
        expression = Replace(expression, Value(written), Value(folded))
    return expression


# --------------------------------------------------------------------------------------- activity log
def activity_for(user: User, person_id: int) -> QuerySet[AuditEvent]:
    """Every event on a person's record, newest first: for the person themself and for ministry staff."""
    if user.role == Role.WORKER and user.person_id == person_id:
        pass
    elif user.role not in SEARCHERS:
        raise PermissionDenied()
    return (AuditEvent.objects.filter(subject_person_id=person_id).select_related("actor")
            .prefetch_related("disputes").order_by("-seq"))


def activity_event(user: User, seq: int) -> AuditEvent:
    if not user.person_id:
        raise NotFound()
    event = AuditEvent.objects.filter(seq=seq, subject_person_id=user.person_id).first()
    if event is None:
        raise NotFound()
    return event


# ---------------------------------------------------------------------------------------------- search
@dataclass
class SearchResults:
    query: str
    kind: str
    people: list[Person] = field(default_factory=list)
    permits: list[Permit] = field(default_factory=list)
    applications: list[Application] = field(default_factory=list)
    establishments: list[Establishment] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.people) + len(self.permits) + len(self.applications) + len(self.establishments)


PERMIT_NUMBER = re.compile(r"^WP-\d{4}-\d{7}-\d$")
APPLICATION_NUMBER = re.compile(r"^[A-Z]{2,3}-\d{4}-\d{7}-\d$")
PASSPORT = re.compile(r"^(?=.*[A-Z])[A-Z0-9]{6,9}$")


def search(user: User, query: str) -> SearchResults:
    """Find people, permits, applications and establishments by number, passport, civil ID, CR or name."""
    if user.role not in SEARCHERS:
        raise PermissionDenied()
    text = " ".join((query or "").translate(ARABIC_DIGITS).split())
    upper = text.upper().replace(" ", "")
    if not text:
        return SearchResults(query="", kind="empty")
    people = Person.objects.select_related("nationality")
    permits = Permit.objects.select_related("person", "establishment", "occupation")
    applications = Application.objects.select_related("person", "establishment")
    if PERMIT_NUMBER.match(upper):
        return SearchResults(text, "permit", permits=list(permits.filter(number=upper)[:SEARCH_LIMIT]))
    if APPLICATION_NUMBER.match(upper):
        return SearchResults(text, "application",
                             applications=list(applications.filter(number=upper)[:SEARCH_LIMIT]))
    if upper.isdigit():
        # 7 or 8 digits can be a CR number or a civil ID; 9 a civil ID: look for both.
        return SearchResults(text, "number",
                             people=list(people.filter(civil_id=upper)[:SEARCH_LIMIT]),
                             establishments=list(Establishment.objects.filter(cr_number=upper)[:SEARCH_LIMIT]))
    if PASSPORT.match(upper) and any(c.isdigit() for c in upper):
        found = list(people.filter(passport_number=upper)[:SEARCH_LIMIT])
        if found:
            return SearchResults(text, "passport", people=found)
    needle = normalise_name(text)
    matched = (people.annotate(ar=_folded("name_ar"), latin=Lower("name_latin"))
               .filter(Q(ar__contains=needle) | Q(latin__contains=needle)).order_by("name_latin")[:SEARCH_LIMIT])
    companies = (Establishment.objects.annotate(ar=_folded("name_ar"), en=Lower("name_en"))
                 .filter(Q(ar__contains=needle) | Q(en__contains=needle)).order_by("cr_number")[:SEARCH_LIMIT])
    return SearchResults(text, "name", people=list(matched), establishments=list(companies))


# ------------------------------------------------------------------------------------ establishment file
@dataclass(frozen=True)
class Sanction:
    """A block on the establishment: what it is, the rule and its legal basis, what it blocks, how to lift it."""

    rule_id: str
    title: str
    message: str
    fix: str
    citation: str
    blocks: list[str]


# establishment condition → (rule, message code) in the rule book, whose words explain it
_SANCTION_RULES = {
    "cr_suspended": "cr-valid", "cr_closed": "cr-valid", "cr_expired": "cr-valid",
    "unpaid_dues": "no-unpaid-dues", "wps_breach": "no-wps-breach", "services_suspended": "services-not-suspended",
}


def sanctions(establishment: Establishment, lang: str, today: date | None = None) -> list[Sanction]:
    today = today or timezone.localdate()
    found: list[tuple[str, dict[str, Any]]] = []
    params: dict[str, Any] = {"cr_number": establishment.cr_number}
    if establishment.status == Establishment.Status.SUSPENDED:
        found.append(("cr_suspended", params))
    elif establishment.status == Establishment.Status.CLOSED:
        found.append(("cr_closed", params))
    elif establishment.cr_expires_on < today:
        found.append(("cr_expired", {**params, "expiry": establishment.cr_expires_on}))
    if establishment.unpaid_dues_omr > Decimal("0"):
        found.append(("unpaid_dues", params))
    if establishment.wps_breach:
        found.append(("wps_breach", params))
    if establishment.services_suspended:
        found.append(("services_suspended", params))
    _load_rules()
    out = []
    for code, values in found:
        rule = RULES[_SANCTION_RULES[code]]
        spec = rule.messages()[code]
        out.append(Sanction(rule_id=rule.id, title=rule.title(lang), message=render(spec[lang], values, lang),
                            fix=render(spec.get(f"fix_{lang}", ""), values, lang),
                            citation=rule.cites_ar if lang == "ar" else rule.cites, blocks=sorted(rule.applies_to)))
    return out


def establishment_file(user: User, cr_number: str, lang: str) -> dict[str, Any]:
    """Everything an officer reads about an establishment, in a fixed number of queries."""
    if user.role not in SEARCHERS:
        raise PermissionDenied()
    establishment = (Establishment.objects.select_related("activity", "governorate", "wilayat")
                     .filter(cr_number=(cr_number or "").strip()).first())
    if establishment is None:
        raise NotFound(field="cr_number")
    today = timezone.localdate()
    applications = list(Application.objects.filter(establishment=establishment).select_related("person")
                        .order_by("-id")[:50])
    permits = list(Permit.objects.filter(establishment=establishment).select_related("person", "occupation")
                   .order_by("-id")[:50])
    application_ids = [str(a.pk) for a in applications]
    events = list(AuditEvent.objects.filter(
        Q(object_type="registry.Establishment", object_id=str(establishment.pk))
        | Q(object_type="permits.Application", object_id__in=application_ids)).select_related("actor")
        .order_by("-seq")[:50])
    return {"establishment": establishment, "workforce": establishment_workforce(establishment, today),
            "summary": establishment_summary(establishment.pk, today), "applications": applications,
            "permits": permits, "events": events, "sanctions": sanctions(establishment, lang, today)}
