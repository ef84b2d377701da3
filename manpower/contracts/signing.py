"""PDF signatures on contracts with pyHanko: the two signature fields, the employer's certifying
signature, the worker's approval signature as an incremental update, each time-stamped (RFC 3161) by
the time-stamping authority; and the validation of any uploaded contract against our trust roots.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import io
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from asn1crypto import tsp
from django.conf import settings
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.fields import MDPPerm, SigSeedSubFilter
from pyhanko.sign.general import SigningError
from pyhanko.sign.timestamps.api import TimeStamper
from pyhanko.sign.timestamps.common_utils import TimestampRequestError, set_tsp_headers
from pyhanko.sign.validation import EmbeddedPdfSignature, async_validate_pdf_signature
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator import ValidationContext

from manpower.identity import pki

EMPLOYER_FIELD = "EmployerSignature"
WORKER_FIELD = "WorkerSignature"
FIELDS = (EMPLOYER_FIELD, WORKER_FIELD)
# Room for the CMS signature: ECDSA, two certificates and the time-stamp token fit in about 4 KB. Giving the
# size saves pyHanko a trial signature to measure it.
SIGNATURE_BYTES = 12 * 1024

STAMP = TextStampStyle(
    stamp_text="Digitally signed - %(role)s\n%(signer)s\n%(ts)s",
    timestamp_format="%Y-%m-%d %H:%M %Z",
    text_box_style=TextBoxStyle(font_size=7),
    border_width=0,
)


class TimestampUnavailable(Exception):
    """The time-stamping authority could not be reached or refused; nothing was signed."""


class HttpxTimeStamper(TimeStamper):
    """RFC 3161 over HTTP with httpx (pyHanko ships a client for ``requests``, which we do not use)."""

    def __init__(self, url: str, timeout: float) -> None:
        super().__init__()
        self.url = url
        self.client = httpx.Client(timeout=timeout, headers=set_tsp_headers({}))

    async def async_request_tsa_response(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        return self.request(req)

    def request(self, req: tsp.TimeStampReq) -> tsp.TimeStampResp:
        try:
            response = self.client.post(self.url, content=req.dump())
        except httpx.HTTPError as error:
            raise TimestampRequestError(f"time-stamping authority unreachable: {error}") from error
        if response.headers.get("Content-Type", "").split(";")[0] != "application/timestamp-reply":
            raise TimestampRequestError(f"time-stamping authority answered HTTP {response.status_code}")
        return tsp.TimeStampResp.load(response.content)


@lru_cache(maxsize=4)
def _timestamper(url: str, timeout: float) -> HttpxTimeStamper:
    # One instance per URL, kept: its HTTP client is reused, and pyHanko asks the TSA once for a sample token
    # to size the signature, then reuses it.
    return HttpxTimeStamper(url, timeout)


def timestamper() -> HttpxTimeStamper:
    return _timestamper(settings.TSA_URL, settings.TSA_TIMEOUT_SECONDS)


# --- Making and signing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldBox:
    """Where a signature field sits: page index and box in PDF points (lower-left x, y, upper-right x, y)."""

    page: int
    box: tuple[int, int, int, int]


def add_signature_fields(pdf: bytes, boxes: dict[str, FieldBox]) -> bytes:
    """The contract as made: both empty signature fields, so each signature only fills its own."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    for name in FIELDS:
        spot = boxes.get(name)
        fields.append_signature_field(writer, fields.SigFieldSpec(
            sig_field_name=name, on_page=spot.page if spot else -1, box=spot.box if spot else None))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def sign(pdf: bytes, *, field_name: str, sealed_key: bytes, certificate_pem: bytes, key_context: str,
         certify: bool, reason: str, location: str, signer_label: str, role_label: str) -> bytes:
    """Apply one signature in an incremental update; the employer's certifies and allows the worker's."""
    signer = pki.pdf_signer(sealed_key, certificate_pem, context=key_context)
    meta = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256", subfilter=SigSeedSubFilter.PADES,
        certify=certify, docmdp_permissions=MDPPerm.FILL_FORMS,
        reason=reason, location=location, name=signer_label,
    )
    pdf_signer = signers.PdfSigner(meta, signer=signer, timestamper=timestamper(), stamp_style=STAMP)
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    try:
        out = pdf_signer.sign_pdf(writer, existing_fields_only=True, bytes_reserved=SIGNATURE_BYTES,
                                  appearance_text_params={"signer": signer_label, "role": role_label})
    except (TimestampRequestError, OSError) as error:
        raise TimestampUnavailable(str(error)) from error
    except SigningError as error:
        if isinstance(error.__cause__, TimestampRequestError | OSError):
            raise TimestampUnavailable(str(error)) from error
        raise
    return out.getvalue()  # type: ignore[no-any-return]


# --- Validation -------------------------------------------------------------------------------------------


@dataclass
class SignatureReport:
    field: str
    signer: str
    signer_serial: str
    issuer: str
    certificate_serial: str
    signed_at: dt.datetime | None  # as the signer's software claims
    timestamp: dt.datetime | None  # from the time-stamping authority
    timestamp_valid: bool
    intact: bool  # the signed bytes are unchanged
    trusted: bool  # the certificate chains to our trust roots and was valid when signed
    certifying: bool
    coverage: str  # "entire_file", "entire_revision" or "partial"
    modification: str  # what was changed after this signature: none, form_filling, annotations, other
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def valid(self) -> bool:
        return self.intact and self.trusted and self.timestamp_valid and self.modification != "other"

    @property
    def changed_after_signing(self) -> bool:
        return self.modification == "other" or not self.intact


@dataclass
class Report:
    readable: bool
    signatures: list[SignatureReport]
    problem: str = ""  # why the file could not be read

    @property
    def valid(self) -> bool:
        return self.readable and bool(self.signatures) and all(s.valid for s in self.signatures)

    @property
    def changed_after_signing(self) -> bool:
        return any(s.changed_after_signing for s in self.signatures)


def validation_context() -> ValidationContext:
    """Explicit trust roots only (our CA and any configured); no fetching, no operating-system store."""
    return ValidationContext(trust_roots=list(pki.trust_roots()), allow_fetching=False,
                             revocation_mode="soft-fail")


_MODIFICATION = {
    ModificationLevel.NONE: "none",
    ModificationLevel.LTA_UPDATES: "none",
    ModificationLevel.FORM_FILLING: "form_filling",
    ModificationLevel.ANNOTATIONS: "annotations",
    ModificationLevel.OTHER: "other",
}


def _name(cert: Any) -> tuple[str, str]:
    subject = cert.subject.native
    return str(subject.get("common_name", "")), str(subject.get("serial_number", ""))


async def _validate_one(embedded: EmbeddedPdfSignature) -> SignatureReport:
    problems: list[str] = []
    status = await async_validate_pdf_signature(embedded, validation_context(), validation_context())
    cert = embedded.signer_cert
    name, serial = _name(cert)
    ts_validity = status.timestamp_validity
    timestamp_ok = ts_validity is not None and ts_validity.intact and ts_validity.valid and ts_validity.trusted
    if ts_validity is None:
        problems.append("no_timestamp")
    elif not timestamp_ok:
        problems.append("timestamp_invalid")
    if not status.intact:
        problems.append("digest_mismatch")
    elif not status.valid:
        problems.append("signature_invalid")
    if not status.trusted:
        problems.append("untrusted_certificate")
    level = _MODIFICATION.get(status.modification_level, "other") if status.modification_level is not None else "none"
    coverage = status.coverage.name.lower() if status.coverage is not None else "partial"
    if status.modification_level is None and coverage != "entire_file":
        level = "other"
    if level == "other":
        problems.append("modified_after_signing")
    if status.docmdp_ok is False:
        problems.append("certification_permissions_violated")
        level = "other"
    return SignatureReport(
        field=embedded.field_name, signer=name, signer_serial=serial,
        issuer=str(cert.issuer.native.get("common_name", "")), certificate_serial=format(cert.serial_number, "x"),
        signed_at=status.signer_reported_dt, timestamp=ts_validity.timestamp if ts_validity is not None else None,
        timestamp_valid=timestamp_ok, intact=status.intact, trusted=bool(status.trusted),
        certifying=embedded.docmdp_level is not None, coverage=coverage, modification=level,
        problems=problems,
    )


def validate(pdf: bytes) -> Report:
    """Every signature in the file: intact, trusted, time-stamped, and what changed after it."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_regular_signatures)
    except (PdfError, ValueError, KeyError, TypeError, IndexError) as error:
        return Report(False, [], problem=f"not_a_pdf: {error}")

    async def run() -> list[SignatureReport]:
        return [await _validate_one(signature) for signature in embedded]

    try:
        reports = asyncio.run(run())
    except (PdfError, ValueError, KeyError, TypeError) as error:
        return Report(False, [], problem=f"unreadable_signature: {error}")
    return Report(True, reports)


def timestamp_of(pdf: bytes, field_name: str) -> dt.datetime | None:
    """The time the TSA certified for the signature in ``field_name``, read back from the signed file."""
    for embedded in PdfFileReader(io.BytesIO(pdf)).embedded_regular_signatures:
        if embedded.field_name != field_name:
            continue
        for attribute in embedded.signer_info["unsigned_attrs"] or ():
            if attribute["type"].native == "signature_time_stamp_token":
                token = attribute["values"][0]["content"]
                return token["encap_content_info"]["content"].parsed["gen_time"].native  # type: ignore[no-any-return]
    return None
