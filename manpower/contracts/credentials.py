"""E-certification of signers: a verified signer gets an X.509 certificate from the platform CA and a
key the platform holds for them. Reissued when it nears its end or the identity it names changes."""

from __future__ import annotations

from datetime import timedelta

from cryptography.hazmat.primitives import serialization
from django.db import IntegrityError, transaction
from django.utils import timezone

from manpower.audit.services import record
from manpower.contracts.models import Contract, SignerCredential
from manpower.identity import pki
from manpower.identity.models import Role, User

RENEW_BEFORE = timedelta(days=1)


def subject_for(user: User, contract: Contract) -> tuple[pki.Subject, str]:
    """Who the certificate names, and how that identity was established."""
    if user.role == Role.WORKER and user.person_id == contract.person_id:
        person = contract.person
        subject = pki.Subject(common_name=person.name_latin, serial_number=f"PASSPORT-{person.passport_country_id}-"
                              f"{person.passport_number}", country=person.nationality_id, email=user.email or None)
        return subject, ("worker account linked to the person record (passport, date of birth and nationality "
                         "matched); one-time code to the contact on file")
    serial = f"CIVILID-{user.civil_id}" if user.civil_id else f"ACCOUNT-{user.pk}"
    subject = pki.Subject(common_name=user.full_name, serial_number=serial, email=user.email or None)
    return subject, (f"employer representative account with the signing permission for CR "
                     f"{contract.establishment.cr_number}; one-time code to the contact on file")


def credential_for(user: User, contract: Contract) -> SignerCredential:
    """The signer's current credential, issued on first use (its own transaction: a certificate issued
    stays issued even if the signature it was made for is then refused)."""
    subject, evidence = subject_for(user, contract)
    now = timezone.now()
    current = SignerCredential.objects.filter(user=user, revoked_at__isnull=True).first()
    if (current is not None and current.not_after > now + RENEW_BEFORE
            and current.subject_serial == subject.serial_number and current.kek_id == pki.kek_id()):
        return current
    key = pki.new_signing_key()
    certificate = pki.issue_certificate(subject, key.public_key())
    serial = format(certificate.serial_number, "x")
    try:
        with transaction.atomic():
            if current is not None:
                SignerCredential.objects.filter(pk=current.pk).update(revoked_at=now)
            credential = SignerCredential.objects.create(
                user=user, common_name=subject.common_name, subject_serial=subject.serial_number,
                certificate_pem=certificate.public_bytes(serialization.Encoding.PEM).decode(), serial=serial,
                sealed_key=pki.seal_private_key(key, context=f"signer-credential:{user.pk}:{serial}"),
                kek_id=pki.kek_id(), evidence=evidence, issued_at=now, not_after=certificate.not_valid_after_utc)
            record(user, "signer.certificate_issued", credential, subject_person_id=user.person_id,
                   after={"serial": serial, "subject_serial": subject.serial_number,
                          "not_after": certificate.not_valid_after_utc},
                   replaced=current.serial if current else None, evidence=evidence)
    except IntegrityError:  # another request issued one at the same moment: use it
        return SignerCredential.objects.get(user=user, revoked_at__isnull=True)
    return credential
