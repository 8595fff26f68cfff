"""Passive authentication (ICAO 9303-11 §5.1): is the data on the chip what the issuing State signed?

1. every data group read is hashed exactly as read and compared with its hash in the LDS security object;
2. the SOD's signed attributes (content type, message digest) and signature are checked with the document
   signer certificate (DSC), using the SignerInfo's algorithm;
3. the DSC is chained to a CSCA of the trust store: issuer name and key identifier, signature, validity
   dates of both, and revocation when the store holds a CRL from that CSCA.

Outcome: ``valid``; ``invalid`` with the reason; ``no-trust-anchor`` when everything on the card is
consistent but no trusted CSCA issued the DSC (or there is no trust store); ``not-performed`` without a SOD.
A forged or altered card never comes out ``valid``.
"""

from __future__ import annotations

import datetime as dt
import hmac
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm

from drivers.emrtd.cms import HASHES, SignatureCheckError, digest, verify_signer
from drivers.emrtd.errors import EmrtdError
from drivers.emrtd.pki import TrustStore
from drivers.emrtd.public_keys import certificate_public_key, verify_certificate_signature
from drivers.emrtd.sod import parse_sod

PassiveStatus = Literal["valid", "invalid", "no-trust-anchor", "not-performed"]
NO_TRUST_STORE = "no trust store is configured"
UNKNOWN_CSCA = "no trusted CSCA issued the document signer"


@dataclass(frozen=True)
class PassiveResult:
    status: PassiveStatus
    reason: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


def _invalid(reason: str, details: dict[str, Any]) -> PassiveResult:
    return PassiveResult("invalid", reason, details)


def verify_passive(
    sod: bytes | None,
    data_groups: dict[int, bytes],
    trust: TrustStore | None,
    *,
    at: dt.datetime | None = None,
) -> PassiveResult:
    """Check ``data_groups`` (number → bytes as read) against ``sod``, and the SOD against ``trust``.

    ``at`` is the time for the validity checks (default: now). Never raises: anything undecodable is
    ``invalid`` with the reason.
    """
    try:
        return _verify_passive(sod, data_groups, trust, at)
    except Exception as exc:  # hostile bytes reach third-party parsers: any failure means "not valid"
        return _invalid("certificate-or-sod-malformed", {"error": type(exc).__name__})


def _verify_passive(
    sod: bytes | None, data_groups: dict[int, bytes], trust: TrustStore | None, at: dt.datetime | None
) -> PassiveResult:
    if not sod:
        return PassiveResult("not-performed", "no EF.SOD was read")
    now = at or dt.datetime.now(dt.UTC)
    details: dict[str, Any] = {}
    try:
        parsed = parse_sod(sod)
    except EmrtdError as exc:
        return _invalid("sod-malformed", {"error": exc.message})
    details["hash_algorithm"] = parsed.hash_algorithm
    details["signature_algorithm"] = parsed.signature_algorithm

    # 1. data group hashes
    if parsed.hash_algorithm not in HASHES:
        return _invalid("sod-hash-algorithm-unsupported", details)
    checks: dict[int, str] = {}
    for number, content in sorted(data_groups.items()):
        expected = parsed.data_group_hashes.get(number)
        if expected is None:
            checks[number] = "not-in-sod"
        else:
            checks[number] = (
                "ok"
                if hmac.compare_digest(digest(parsed.hash_algorithm, content), expected)
                else ("mismatch")
            )
    details["data_groups"] = checks
    bad = [n for n, state in checks.items() if state != "ok"]
    if bad:
        return _invalid(f"dg-hash-{checks[bad[0]]}:DG{bad[0]}", details)

    # 2. SOD signature with the DSC
    dsc = parsed.dsc
    if dsc is None:
        return _invalid("dsc-missing", details)
    details["dsc_serial"] = format(dsc.serial_number, "x")
    details["dsc_issuer"] = dsc.issuer.rfc4514_string()
    try:
        verify_signer(parsed.signed, dsc)
    except SignatureCheckError as exc:
        return _invalid(f"sod-{exc.reason}", details)

    # 3. the DSC chained to a trusted CSCA
    if trust is None or not trust.certificates:
        return PassiveResult("no-trust-anchor", NO_TRUST_STORE, details)
    issuers = trust.issuers_of(dsc)
    if not issuers:
        return PassiveResult("no-trust-anchor", UNKNOWN_CSCA, details)
    verifying = _verifying_issuers(dsc, issuers)
    if not verifying:
        return _invalid("dsc-signature-invalid", details)
    # The same CSCA key may come in several certificates (re-issued, link); prefer one valid now.
    csca = next((c for c in verifying if c.not_valid_before_utc <= now <= c.not_valid_after_utc), verifying[0])
    details["csca_subject"] = csca.subject.rfc4514_string()
    for name, cert in (("dsc", dsc), ("csca", csca)):
        if now < cert.not_valid_before_utc:
            return _invalid(f"{name}-not-yet-valid", details)
        if now > cert.not_valid_after_utc:
            return _invalid(f"{name}-expired", details)
    revocation = _revocation(dsc, csca, trust, now)
    details["revocation"] = revocation
    if revocation == "revoked":
        return _invalid("dsc-revoked", details)
    return PassiveResult("valid", None, details)


def _verifying_issuers(cert: x509.Certificate, issuers: list[x509.Certificate]) -> list[x509.Certificate]:
    """The candidate issuers whose key verifies ``cert``'s signature."""
    verifying = []
    for issuer in issuers:
        try:
            verify_certificate_signature(cert, certificate_public_key(issuer))
        except (InvalidSignature, EmrtdError, ValueError, TypeError, UnsupportedAlgorithm):
            continue
        verifying.append(issuer)
    return verifying


def _revocation(dsc: x509.Certificate, csca: x509.Certificate, trust: TrustStore, now: dt.datetime) -> str:
    """ "revoked", "good" (a valid CRL from the CSCA does not list it) or "unknown" (no usable CRL)."""
    state = "unknown"
    for crl in trust.crls_of(csca):
        try:
            if not crl.is_signature_valid(certificate_public_key(csca)):  # type: ignore[arg-type]
                continue
        except (EmrtdError, TypeError, ValueError):
            continue
        if crl.get_revoked_certificate_by_serial_number(dsc.serial_number) is not None:
            return "revoked"
        next_update = crl.next_update_utc
        if next_update is None or next_update >= now:
            state = "good"
    return state
