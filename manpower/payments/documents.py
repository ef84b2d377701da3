"""The payment receipt as a PDF, in Arabic and English, for every successful payment."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation
from weasyprint import HTML
from weasyprint.text.fonts import FontConfiguration

from manpower.payments.models import Payment
from manpower.portal.templatetags.manpower import hijri

FONTS_DIR = Path(settings.PACKAGE_DIR) / "static" / "fonts"


def receipt_pdf(payment: Payment) -> bytes:
    invoice = payment.invoice
    paid_at = timezone.localtime(payment.succeeded_at or payment.recorded_at)
    with translation.override("ar"):
        hijri_ar = hijri(paid_at.date())
        method_ar = str(payment.get_method_display())
    with translation.override("en"):
        hijri_en = hijri(paid_at.date())
        method_en = str(payment.get_method_display())
    delegate = payment.delegation.delegate if payment.delegation_id else None  # type: ignore[union-attr]
    html = render_to_string("payments/receipt.html", {
        "payment": payment, "invoice": invoice, "establishment": invoice.establishment, "lines": list(invoice.lines.all()),
        "refunds": list(payment.refunds.all()), "paid_at": paid_at, "hijri_ar": hijri_ar, "hijri_en": hijri_en,
        "method_ar": method_ar, "method_en": method_en, "payer": payment.recorded_by if payment.method == "card" else None,
        "delegate": delegate, "fonts": FONTS_DIR.as_uri(),
    })
    return HTML(string=html, base_url=str(FONTS_DIR)).write_pdf(font_config=FontConfiguration())  # type: ignore[no-any-return]
