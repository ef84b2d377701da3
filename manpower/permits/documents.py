"""The permit card as a PDF: Arabic and English, with the QR code carrying the signed credential."""

from __future__ import annotations

import io
from pathlib import Path

import segno
from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from manpower.permits.models import Permit

FONTS_DIR = Path(settings.PACKAGE_DIR) / "static" / "fonts"


def qr_svg(payload: str) -> str:
    """An SVG QR code (error correction M) for the credential, sized by the page's CSS."""
    buffer = io.BytesIO()
    segno.make(payload, error="m", micro=False).save(buffer, kind="svg", scale=1, border=2, xmldecl=False,
                                                     svgns=True, omitsize=True)
    return buffer.getvalue().decode()


def permit_card_pdf(permit: Permit) -> bytes:
    with translation.override("ar"):
        occupation_ar = permit.occupation.name_ar
        nationality_ar = permit.person.nationality.nationality_ar or permit.person.nationality.name_ar
    html = render_to_string("permits/permit_card.html", {
        "permit": permit, "person": permit.person, "establishment": permit.establishment,
        "occupation_ar": occupation_ar, "occupation_en": permit.occupation.name_en,
        "nationality_ar": nationality_ar,
        "nationality_en": permit.person.nationality.nationality_en or permit.person.nationality.name_en,
        "qr": qr_svg(permit.credential), "fonts": FONTS_DIR.as_uri(),
        "verify_url": f"{settings.SITE_URL}/verify",
    })
    return HTML(string=html, base_url=str(FONTS_DIR)).write_pdf(font_config=FontConfiguration())  # type: ignore[no-any-return]
