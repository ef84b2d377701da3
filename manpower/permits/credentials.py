"""The signed credential a permit's QR code carries: a compact JWS (ES256) with the platform's key id.

It holds what a checker needs to match the permit to the person in front of them and nothing more: the
permit number, validity, employer's CR number, occupation code, the worker's name as in the passport,
nationality and the last four characters of the passport number. Anyone can check it offline with the
public key published at ``/.well-known/jwks.json``; the live status is at ``/verify``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet

from manpower.identity.ca import credential_key_id, credential_private_key_pem, credential_public_key_pem

CREDENTIAL_TYPE = "manpower-permit+jws"


def claims_for(permit: Any) -> dict[str, Any]:
    person = permit.person
    return {
        "iss": settings.SITE_URL,
        "typ": "work-permit",
        "pn": permit.number,
        "vf": permit.valid_from.isoformat(),
        "vu": permit.valid_until.isoformat(),
        "cr": permit.establishment.cr_number,
        "occ": permit.occupation_id,
        "name": person.name_latin,
        "nat": person.nationality_id,
        "pp4": person.passport_number[-4:],
    }


def sign_permit(permit: Any) -> str:
    key = ECKey.import_key(credential_private_key_pem())
    header = {"alg": "ES256", "kid": credential_key_id(), "typ": CREDENTIAL_TYPE}
    payload = json.dumps(claims_for(permit), separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode()
    return jws.serialize_compact(header, payload, key, algorithms=["ES256"])


def public_jwks() -> dict[str, Any]:
    key = ECKey.import_key(credential_public_key_pem())
    return {"keys": [key.as_dict(private=False, kid=credential_key_id(), use="sig", alg="ES256")]}


@dataclass(frozen=True)
class Verified:
    valid: bool
    claims: dict[str, Any]
    problem: str = ""
    key_id: str = ""

    @property
    def expired_on_its_face(self) -> bool:
        return bool(self.claims) and date.fromisoformat(self.claims["vu"]) < date.today()


def verify_token(token: str, jwks: dict[str, Any] | None = None) -> Verified:
    """Check the signature against the published keys (offline); say why when it fails."""
    token = (token or "").strip()
    try:
        key_set = KeySet.import_key_set(jwks or public_jwks())  # type: ignore[arg-type]
        obj = jws.deserialize_compact(token, key_set, algorithms=["ES256"])
    except JoseError as error:
        return Verified(False, {}, f"signature not valid ({error.error})")
    except (ValueError, TypeError) as error:
        return Verified(False, {}, f"not a permit credential ({type(error).__name__})")
    header = obj.protected
    if header.get("typ") != CREDENTIAL_TYPE:
        return Verified(False, {}, "not a permit credential")
    try:
        claims = json.loads(obj.payload)
    except ValueError:
        return Verified(False, {}, "the credential's content is not readable")
    return Verified(True, claims, key_id=str(header.get("kid", "")))


def token_in(text: str) -> str | None:
    """The compact credential in what a checker pasted: the token itself, or the QR's link with ``?token=``."""
    from urllib.parse import parse_qs, urlsplit

    text = "".join((text or "").split())
    if "token=" in text:
        values = parse_qs(urlsplit(text).query).get("token") or parse_qs(text.partition("?")[2]).get("token")
        text = values[0] if values else ""
    parts = text.split(".")
    return text if len(parts) == 3 and all(parts) else None
