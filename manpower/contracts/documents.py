"""The contract as a PDF: Arabic (the authoritative text) and English side by side, with the shipped
Arabic-capable font, and both signature fields placed where the document shows the signature boxes."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from manpower.contracts import signing
from manpower.contracts.models import ContractVersion
from manpower.portal.templatetags.manpower import hijri

FONTS_DIR = Path(settings.PACKAGE_DIR) / "static" / "fonts"
CSS_PX_TO_PT = 0.75
_fonts = threading.local()
CHANGE_WORDS = {"wage": ("تعديل الأجر", "wage change"), "occupation": ("تغيير المهنة", "occupation change"),
                "extension": ("تمديد المدة", "extension"), "other": ("تعديل آخر", "other change")}


def _font_config() -> FontConfiguration:
    # Reused per thread: WeasyPrint decodes each WOFF2 font once per configuration, which is most of the cost
    # of a first render.
    config = getattr(_fonts, "config", None)
    if config is None:
        config = _fonts.config = FontConfiguration()
    return config


def _dates(value: date | None) -> dict[str, str]:
    if value is None:
        return {"ar": "—", "en": "—"}
    with translation.override("ar"):
        hijri_ar = hijri(value)
    with translation.override("en"):
        hijri_en = hijri(value)
    return {"ar": f"{value.isoformat()} ({hijri_ar})", "en": f"{value:%-d %B %Y} ({hijri_en})"}


def _money(value: Decimal) -> dict[str, str]:
    amount = f"{Decimal(value).quantize(Decimal('0.001')):,.3f}"
    return {"ar": f"{amount} ر.ع.", "en": f"OMR {amount}"}


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}"


def contract_context(version: ContractVersion) -> dict[str, Any]:
    contract = version.contract
    establishment, person = contract.establishment, contract.person
    nationality = person.nationality
    wilayat, governorate = establishment.wilayat, establishment.governorate
    return {
        "version": version, "contract": contract, "establishment": establishment, "person": person,
        "fonts": FONTS_DIR.as_uri(),
        "address": {"ar": f"{wilayat.name_ar}، {governorate.name_ar}", "en": f"{wilayat.name_en}, {governorate.name_en}"},
        "nationality": {"ar": nationality.nationality_ar or nationality.name_ar, "en": nationality.nationality_en or nationality.name_en},
        "occupation": {"ar": version.occupation.name_ar or version.occupation.name_en, "en": version.occupation.name_en},
        "born": _dates(person.date_of_birth), "start": _dates(version.start_date), "end": _dates(version.end_date),
        "basic": _money(version.basic_wage), "housing": _money(version.housing_allowance),
        "transport": _money(version.transport_allowance), "other": _money(version.other_allowances),
        "gross": _money(version.gross_wage), "daily_hours": _hours(version.daily_hours),
        "weekly_hours": _hours(version.weekly_hours), "employer_field": signing.EMPLOYER_FIELD,
        "worker_field": signing.WORKER_FIELD,
        "change": dict(zip(("ar", "en"), CHANGE_WORDS.get(version.change, ("", "")), strict=True)), "verify_url": f"{settings.SITE_URL}/verify/contract",
    }


def contract_html(version: ContractVersion) -> str:
    with translation.override("ar"):
        return render_to_string("contracts/contract_pdf.html", contract_context(version))


def render(version: ContractVersion) -> bytes:
    """The unsigned contract PDF with its two empty signature fields."""
    document = HTML(string=contract_html(version), base_url=str(FONTS_DIR)).render(font_config=_font_config(),
                                                                                    full_fonts=True)
    boxes: dict[str, signing.FieldBox] = {}
    for index, page in enumerate(document.pages):
        for name, (left, top, right, bottom) in page.anchors.items():
            if name in signing.FIELDS:
                height = page.height
                boxes[name] = signing.FieldBox(index, (
                    round(left * CSS_PX_TO_PT), round((height - bottom) * CSS_PX_TO_PT),
                    round(right * CSS_PX_TO_PT), round((height - top) * CSS_PX_TO_PT)))
    pdf = document.write_pdf(full_fonts=True)
    return signing.add_signature_fields(pdf, boxes)
