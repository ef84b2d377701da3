"""Template filters for what a person reads: dates with the Hijri date beside, OMR, +968 phones, names.

``{% load format %}`` then ``{{ permit.expires_on|hijri }}``, ``{{ invoice.amount|omr }}``,
``{{ person.phone|phone }}``, ``{{ person|local_name }}``.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import translation

from manpower.portal.templatetags import manpower as shared

register = template.Library()


@register.filter
def hijri(value: date | datetime | None) -> str:
    """Gregorian with the Hijri date beside it: '3 December 2026 (23 Jumada al-Akhirah 1448 AH)'."""
    return shared.both_calendars(value)


@register.filter
def hijri_only(value: date | datetime | None) -> str:
    """Only the Hijri date, for places that already show the Gregorian one."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return shared.hijri(value)


@register.filter
def omr(value: Decimal | int | str | None) -> str:
    """Omani rials with three decimals, in the page's language: 'OMR 301.000' / '301.000 ر.ع.'."""
    if value is None or value == "":
        return "—"
    return shared.omr(Decimal(value))


@register.filter
def phone(value: str | None) -> str:
    """'+968 9123 4567' for Omani numbers; other numbers as stored."""
    return shared.phone(value or "")


@register.filter
def local_name(obj: object, field: str = "name") -> str:
    """The name in the script of the page's language when both exist (``name_ar`` / ``name_en`` or ``name_latin``)."""
    if obj is None:
        return ""
    if isinstance(obj, dict):
        ar = obj.get(f"{field}_ar") or ""
        en = obj.get(f"{field}_en") or obj.get(f"{field}_latin") or ""
        return (ar or en) if translation.get_language() == "ar" else (en or ar)
    return shared.in_language(obj, field)
