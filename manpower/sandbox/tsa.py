"""Time-stamping authority simulator: RFC 3161 over HTTP.

``POST /tsa`` with a DER ``TimeStampReq`` (Content-Type ``application/timestamp-query``) answers a DER
``TimeStampResp`` (``application/timestamp-reply``): a token signed with ECDSA P-256 by the TSA's
certificate, which the platform CA issued for time-stamping only. ``GET /tsa/certificate`` gives that
certificate in PEM. Bad requests get a rejection with the RFC's failure reason, as a real TSA answers.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

from asn1crypto import algos, cms, core, tsp
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

PREFIX = "/tsa"
POLICY = "2.999.968.3161.1"  # under the example arc: a sandbox policy, not a real one
QUERY_TYPE = "application/timestamp-query"
REPLY_TYPE = "application/timestamp-reply"
MAX_QUERY_BYTES = 64 * 1024
DIGESTS = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}
StartResponse = Callable[..., Any]


@lru_cache(maxsize=1)
def _credentials() -> tuple[ec.EllipticCurvePrivateKey, asn1_x509.Certificate, bytes]:
    from manpower.identity.pki import tsa_credentials

    key, certificate = tsa_credentials()
    der = certificate.public_bytes(serialization.Encoding.DER)
    return key, asn1_x509.Certificate.load(der), certificate.public_bytes(serialization.Encoding.PEM)


class _Refusal(core.Sequence):
    """A TimeStampResp without a token (asn1crypto's own type makes the token mandatory; RFC 3161 does not)."""

    _fields = [("status", tsp.PKIStatusInfo)]


@lru_cache(maxsize=1)
def _parts() -> dict[str, bytes]:
    """The parts of every token that never change, encoded once (building them is most of a token's cost)."""
    _, certificate, _ = _credentials()
    return {
        "certificates": cms.CertificateSet([certificate], implicit=0).dump(),
        "sid": cms.SignerIdentifier({"issuer_and_serial_number": cms.IssuerAndSerialNumber({
            "issuer": certificate.issuer, "serial_number": certificate.serial_number})}).dump(),
        "tsa_name": asn1_x509.GeneralName(name="directory_name", value=certificate.subject, explicit=0).dump(),
        "signing_certificate": _attribute("signing_certificate_v2", tsp.SigningCertificateV2({"certs": [
            tsp.ESSCertIDv2({"hash_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
                             "cert_hash": hashlib.sha256(certificate.dump()).digest()})]})).dump(),
    }


def _rejection(reason: str, text: str) -> _Refusal:
    return _Refusal({"status": tsp.PKIStatusInfo({
        "status": "rejection", "status_string": [text], "fail_info": tsp.PKIFailureInfo({reason}),
    })})


def _attribute(kind: str, value: Any) -> cms.CMSAttribute:
    return cms.CMSAttribute({"type": cms.CMSAttributeType(kind), "values": (value,)})


def stamp(query: bytes, now: dt.datetime | None = None) -> tsp.TimeStampResp | _Refusal:
    """Answer one DER time-stamp query."""
    try:
        request = tsp.TimeStampReq.load(query)
        imprint = request["message_imprint"]
        algorithm = imprint["hash_algorithm"]["algorithm"].native
        digest = imprint["hashed_message"].native
        nonce = request["nonce"].native
        policy = request["req_policy"].native
    except (ValueError, TypeError, KeyError):
        return _rejection("bad_data_format", "the request is not a DER TimeStampReq")
    if algorithm not in DIGESTS:
        return _rejection("bad_alg", f"hash algorithm {algorithm} is not accepted; use SHA-256, -384 or -512")
    if len(digest) != DIGESTS[algorithm]().digest_size:
        return _rejection("bad_data_format", "the message imprint has the wrong length for its algorithm")
    if policy is not None and policy != POLICY:
        return _rejection("unaccepted_policy", f"only policy {POLICY} is served")
    key, _certificate, _ = _credentials()
    parts = _parts()
    now = now or dt.datetime.now(dt.UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    info: dict[str, Any] = {
        "version": "v1", "policy": POLICY, "message_imprint": imprint, "serial_number": secrets.randbits(63),
        "gen_time": now, "accuracy": {"seconds": 1}, "ordering": False,
        "tsa": asn1_x509.GeneralName.load(parts["tsa_name"], explicit=0),
    }
    if nonce is not None:
        info["nonce"] = nonce
    tst_info = tsp.TSTInfo(info).dump()
    signed_attributes = cms.CMSAttributes([
        _attribute("content_type", "tst_info"),
        _attribute("signing_time", cms.Time({"utc_time": core.UTCTime(now)})),
        _attribute("message_digest", hashlib.sha256(tst_info).digest()),
        cms.CMSAttribute.load(parts["signing_certificate"]),
    ])
    signature = key.sign(signed_attributes.dump(), ec.ECDSA(hashes.SHA256()))
    signer_info = cms.SignerInfo({
        "version": "v1",
        "sid": cms.SignerIdentifier.load(parts["sid"]),
        "digest_algorithm": algos.DigestAlgorithm({"algorithm": "sha256"}),
        "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": "sha256_ecdsa"}),
        "signed_attrs": signed_attributes,
        "signature": signature,
    })
    signed_data = cms.SignedData({
        "version": "v3",
        "digest_algorithms": [algos.DigestAlgorithm({"algorithm": "sha256"})],
        "encap_content_info": {"content_type": "tst_info", "content": cms.ParsableOctetString(tst_info)},
        "certificates": cms.CertificateSet.load(parts["certificates"], implicit=0) if request["cert_req"].native
        else cms.CertificateSet([], implicit=0),
        "signer_infos": [signer_info],
    })
    token = cms.ContentInfo({"content_type": "signed_data", "content": signed_data})
    return tsp.TimeStampResp({"status": tsp.PKIStatusInfo({"status": "granted"}), "time_stamp_token": token})


def _reply(start_response: StartResponse, status: str, body: bytes, content_type: str = REPLY_TYPE
           ) -> Iterable[bytes]:
    start_response(status, [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    method = environ.get("REQUEST_METHOD", "GET")
    path = environ.get("PATH_INFO", "/")
    if method == "GET" and path == "/certificate":
        return _reply(start_response, "200 OK", _credentials()[2], "application/x-pem-file")
    if path not in ("/", ""):
        return _reply(start_response, "404 Not Found", b"no such resource\n", "text/plain")
    if method != "POST":
        start_response("405 Method Not Allowed", [("Allow", "POST"), ("Content-Type", "text/plain")])
        return [b"POST an RFC 3161 time-stamp query\n"]
    content_type = (environ.get("CONTENT_TYPE") or "").split(";")[0].strip().lower()
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if content_type != QUERY_TYPE:
        return _reply(start_response, "415 Unsupported Media Type",
                      _rejection("bad_request", f"Content-Type must be {QUERY_TYPE}").dump())
    if not 0 < length <= MAX_QUERY_BYTES:
        return _reply(start_response, "400 Bad Request", _rejection("bad_request", "empty or oversized query").dump())
    query = environ["wsgi.input"].read(length)
    return _reply(start_response, "200 OK", stamp(query).dump())
