"""The platform's certificate authority and the custody of signers' keys (remote signing).

The CA (EC P-256) issues each verified signer an X.509 certificate; the signer's private key is made
here, sealed at rest with AES-256-GCM and opened only inside this module for the moment of a
signature, so it never leaves the platform's signing service. The key-encryption key is
``SIGNING_KEY_KEK`` (32 bytes, base64) when configured, which production requires; in development it
is derived from ``SECRET_KEY`` with HKDF-SHA256.

In development ``manpower setup`` creates the CA under ``settings.PKI_DIR`` (``var/pki``); in
production the CA certificate and key files are provisioned by the operator and never generated.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import fcntl
import hashlib
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

SEAL_VERSION = b"\x01"
CA_YEARS = 10


@dataclass(frozen=True)
class Authority:
    certificate: x509.Certificate
    key: ec.EllipticCurvePrivateKey

    @property
    def certificate_pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


@dataclass(frozen=True)
class Subject:
    """Who a certificate names: the person, the identity document that proved it, and for whom they act."""

    common_name: str
    serial_number: str  # e.g. "PASSPORT-IN-P8812345" or "CIVILID-10203040"
    country: str | None = None  # nationality, ISO 3166-1 alpha-2
    organization: str | None = None
    email: str | None = None

    def name(self) -> x509.Name:
        attributes = [x509.NameAttribute(NameOID.COMMON_NAME, self.common_name[:64]),
                      x509.NameAttribute(NameOID.SERIAL_NUMBER, self.serial_number[:64])]
        if self.country:
            attributes.append(x509.NameAttribute(NameOID.COUNTRY_NAME, self.country))
        if self.organization:
            attributes.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, self.organization[:64]))
        if self.email:
            attributes.append(x509.NameAttribute(NameOID.EMAIL_ADDRESS, self.email[:128]))
        return x509.Name(attributes)


# --- The certificate authority -------------------------------------------------------------------------


def _pem_files() -> tuple[Path, Path]:
    return Path(settings.PKI_CA_CERT_FILE), Path(settings.PKI_CA_KEY_FILE)


@contextlib.contextmanager
def _creation_lock(folder: Path) -> Iterator[None]:
    """Several processes (web, worker, sandbox, test workers) may start at once: one creates, the others wait."""
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / ".lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _write_private(path: Path, data: bytes) -> None:
    temporary = path.with_suffix(path.suffix + f".{secrets.token_hex(4)}.tmp")
    temporary.write_bytes(data)
    temporary.chmod(0o600)
    os.replace(temporary, path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def ensure_development_ca() -> Path:
    """Create the development CA if it does not exist; in production only check that it was provisioned."""
    cert_path, key_path = _pem_files()
    if cert_path.exists() and key_path.exists():
        return cert_path
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured(f"the signing CA ({cert_path}, {key_path}) does not exist; provision it first "
                                   "(PKI_CA_CERT_FILE, PKI_CA_KEY_FILE)")
    with _creation_lock(key_path.parent):
        if cert_path.exists() and key_path.exists():
            return cert_path
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([
            x509.NameAttribute(NameOID.COUNTRY_NAME, "OM"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Ministry of Labour (development)"),
            x509.NameAttribute(NameOID.COMMON_NAME, "Manpower Signing CA (development)"),
        ])
        now = dt.datetime.now(dt.UTC)
        certificate = (
            x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=365 * CA_YEARS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256())
        )
        _write_private(key_path, _key_pem(key))
        cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    authority.cache_clear()
    return cert_path


@lru_cache(maxsize=1)
def authority() -> Authority:
    cert_path, key_path = _pem_files()
    if not (cert_path.exists() and key_path.exists()):
        ensure_development_ca()
    certificate = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise ImproperlyConfigured("the signing CA key must be an EC key")
    return Authority(certificate, key)


@lru_cache(maxsize=1)
def trust_roots() -> tuple[asn1_x509.Certificate, ...]:
    """The roots a signature on a contract must chain to: our CA, and any configured (an external TSA's)."""
    roots = [as_asn1(authority().certificate)]
    for path in settings.PKI_EXTRA_TRUST_ROOTS:
        for block in Path(path).read_bytes().split(b"-----END CERTIFICATE-----"):
            if b"-----BEGIN CERTIFICATE-----" in block:
                roots.append(as_asn1(x509.load_pem_x509_certificate(block + b"-----END CERTIFICATE-----\n")))
    return tuple(roots)


def as_asn1(certificate: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()


def issue_certificate(subject: Subject, public_key: ec.EllipticCurvePublicKey, *, days: int | None = None,
                      time_stamping: bool = False) -> x509.Certificate:
    """A certificate for a verified signer (or the time-stamping authority), issued by the platform CA."""
    ca = authority()
    now = dt.datetime.now(dt.UTC)
    lifetime = dt.timedelta(days=days or settings.SIGNER_CERTIFICATE_DAYS)
    not_after = min(now + lifetime, ca.certificate.not_valid_after_utc)
    builder = (
        x509.CertificateBuilder().subject_name(subject.name()).issuer_name(ca.certificate.subject)
        .public_key(public_key).serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False)
    )
    if time_stamping:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
    else:
        builder = builder.add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                          encipher_only=False, decipher_only=False), critical=True)
    return builder.sign(ca.key, hashes.SHA256())


# --- Custody of signers' keys --------------------------------------------------------------------------


def _kek() -> bytes:
    configured = settings.SIGNING_KEY_KEK
    if configured:
        key = base64.b64decode(configured)
        if len(key) != 32:
            raise ImproperlyConfigured("SIGNING_KEY_KEK must be 32 bytes, base64-encoded")
        return key
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured("SIGNING_KEY_KEK must be set in production to hold signers' keys")
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"manpower", info=b"signer-key-encryption v1"
                ).derive(settings.SECRET_KEY.encode())


def kek_id() -> str:
    """Names the key-encryption key in use (not the key), so that a rotation can find what to re-seal."""
    return hashlib.sha256(b"kek-id" + _kek()).hexdigest()[:16]


def new_signing_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def seal_private_key(key: ec.EllipticCurvePrivateKey, *, context: str) -> bytes:
    """The key encrypted for storage; ``context`` (the credential's identity) is bound to it as associated data."""
    der = key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    nonce = secrets.token_bytes(12)
    return SEAL_VERSION + nonce + AESGCM(_kek()).encrypt(nonce, der, context.encode())


def _unseal(sealed: bytes, *, context: str) -> bytes:
    if sealed[:1] != SEAL_VERSION:
        raise ValueError("unknown sealed key format")
    return AESGCM(_kek()).decrypt(sealed[1:13], sealed[13:], context.encode())


def public_key_of(sealed: bytes, *, context: str) -> ec.EllipticCurvePublicKey:
    key = serialization.load_der_private_key(_unseal(sealed, context=context), password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return key.public_key()


def pdf_signer(sealed: bytes, certificate_pem: bytes, *, context: str):  # type: ignore[no-untyped-def]
    """A pyHanko signer holding the opened key for one signature; the caller discards it afterwards."""
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    certificate = asn1_x509.Certificate.load(x509.load_pem_x509_certificate(certificate_pem).public_bytes(
        serialization.Encoding.DER))
    private = asn1_keys.PrivateKeyInfo.load(_unseal(sealed, context=context))
    return signers.SimpleSigner(signing_cert=certificate, signing_key=private,
                                cert_registry=SimpleCertificateStore.from_certs([as_asn1(authority().certificate)]))


# --- The time-stamping authority's credentials (the sandbox's TSA in development) ------------------------


def tsa_credentials() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The development TSA's key and certificate, issued by the platform CA, created on first use."""
    folder = Path(settings.PKI_DIR)
    key_path, cert_path = folder / "tsa-key.pem", folder / "tsa-cert.pem"
    if not (key_path.exists() and cert_path.exists()) or not _issued_by_our_ca(cert_path):
        if settings.IS_PRODUCTION:
            raise ImproperlyConfigured("the sandbox time-stamping authority does not run in production")
        ensure_development_ca()
        with _creation_lock(folder):
            if not (key_path.exists() and cert_path.exists()) or not _issued_by_our_ca(cert_path):
                key = new_signing_key()
                certificate = issue_certificate(
                    Subject(common_name="Manpower Sandbox Time-Stamping Authority", serial_number="TSA-1",
                            country="OM", organization="Ministry of Labour (development)"),
                    key.public_key(), days=365 * 5, time_stamping=True)
                _write_private(key_path, _key_pem(key))
                cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    loaded = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(loaded, ec.EllipticCurvePrivateKey)
    return loaded, x509.load_pem_x509_certificate(cert_path.read_bytes())


def _issued_by_our_ca(cert_path: Path) -> bool:
    """A development CA made again (var/ cleared) makes the old TSA certificate worthless."""
    if not cert_path.exists():
        return False
    try:
        x509.load_pem_x509_certificate(cert_path.read_bytes()).verify_directly_issued_by(authority().certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True
