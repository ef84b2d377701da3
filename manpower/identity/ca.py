"""The platform's own keys: the permit-credential signing key (EC P-256).

In development ``manpower setup`` creates the key under ``var/keys/``; in production the key file is
provisioned by the operator and its path given in CREDENTIAL_SIGNING_KEY_FILE.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


def ensure_platform_keys() -> Path:
    path = Path(settings.CREDENTIAL_SIGNING_KEY_FILE)
    if path.exists():
        return path
    if settings.IS_PRODUCTION:
        raise ImproperlyConfigured(f"the credential signing key {path} does not exist; provision it first")
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


@lru_cache(maxsize=1)
def credential_private_key_pem() -> bytes:
    return ensure_platform_keys().read_bytes()


def credential_public_key_pem() -> bytes:
    key = serialization.load_pem_private_key(credential_private_key_pem(), password=None)
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo)


def credential_key_id() -> str:
    """The key id published with the key: the first 16 hex digits of the SHA-256 of the public key."""
    return hashlib.sha256(credential_public_key_pem()).hexdigest()[:16]
