"""Showing dates, money and phone numbers the way people in Oman read them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django import template
from django.utils import timezone, translation
from django.utils.formats import date_format
from hijridate import Gregorian

from manpower.registry.validators import format_phone

register = template.Library()

HIJRI_MONTHS_AR = ["محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة", "رجب", "شعبان",
                   "رمضان", "شوال", "ذو القعدة", "ذو الحجة"]
HIJRI_MONTHS_EN = ["Muharram", "Safar", "Rabi al-Awwal", "Rabi al-Thani", "Jumada al-Ula", "Jumada al-Akhirah",
                   "Rajab", "Shaban", "Ramadan", "Shawwal", "Dhu al-Qadah", "Dhu al-Hijjah"]


def hijri(value: date) -> str:
    try:
        h = Gregorian(value.year, value.month, value.day).to_hijri()
    except (OverflowError, ValueError):
        return ""
    if translation.get_language() == "ar":
        return f"{h.day} {HIJRI_MONTHS_AR[h.month - 1]} {h.year} هـ"
    return f"{h.day} {HIJRI_MONTHS_EN[h.month - 1]} {h.year} AH"


@register.filter
def both_calendars(value: date | datetime | None) -> str:
    """'3 December 2026 (23 Jumada al-Akhirah 1448 AH)' — Gregorian with the Hijri date beside it."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    hijri_text = hijri(value)
    gregorian = date_format(value, "j F Y")
    return f"{gregorian} ({hijri_text})" if hijri_text else gregorian


@register.filter
def omr(value: Decimal | None) -> str:
    """Omani rials with three decimals: 'OMR 301.000' / '301.000 ر.ع.'."""
    if value is None:
        return "—"
    amount = f"{Decimal(value).quantize(Decimal('0.001')):,.3f}"
    return f"{amount} ر.ع." if translation.get_language() == "ar" else f"OMR {amount}"


@register.filter
def phone(value: str) -> str:
    return format_phone(value or "")


@register.filter
def in_language(obj: object, field: str = "name") -> str:
    """``obj.<field>_ar`` on Arabic pages, ``obj.<field>_en`` (or ``_latin``) on English ones, with fallback."""
    ar = getattr(obj, f"{field}_ar", "") or ""
    en = getattr(obj, f"{field}_en", "") or getattr(obj, f"{field}_latin", "") or ""
    return (ar or en) if translation.get_language() == "ar" else (en or ar)
