"""The chip failures a person can meet come out as typed errors with plain Vietnamese for the screen, never a
traceback: a wrong key (with the typing path), a card pulled mid-read, an unknown or expired CSCA."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from drivers.emrtd.pki import TestPki, TrustStore, make_certificate
from drivers.sim.card_profiles import BY_NAME, build_profile_card
from drivers.sim.emulated_card import EmulatedCard
from drivers.transport import CardTransport, InProcessTransport
from kiosk.chip_identity import verification_problem
from kiosk.chip_scan import ChipScan
from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.sample_documents import sample_document
from kiosk.scan import AccessKey, ChipEvent


def _passport(pki: TestPki, faults: tuple[str, ...] = ()) -> tuple[EmulatedCard, AccessKey]:
    holder, mrz = sample_document("passport")
    card = build_profile_card(BY_NAME["bac-td3-no-sfi"], holder.to_dict(), mrz, pki, faults=faults)
    assert holder.date_of_birth is not None and holder.expiry_date is not None
    key = AccessKey(document_number=holder.document_number, date_of_birth=holder.date_of_birth.strftime("%y%m%d"),
                    date_of_expiry=holder.expiry_date.strftime("%y%m%d"))
    return card, key


def _scan(card: EmulatedCard, key: AccessKey, trust: TrustStore | None) -> list[ChipEvent]:
    def transport() -> CardTransport:
        return InProcessTransport(card)

    events: list[ChipEvent] = []
    ChipScan(transport, trust=trust)(key, events.append, threading.Event())
    return events


def _final(events: list[ChipEvent]) -> Identity:
    identity = [e for e in events if e.kind == "text"][-1].identity
    assert identity is not None
    return identity


def _vietnamese(text: str) -> bool:
    return any(ch in text for ch in "ăâđêôơưạảấầẩậắặẹẻếềểệịọỏốồổộớờởợụủứừửựỳỵỷỹ")


def test_pulled_mid_read(profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    card, key = _passport(profile_pkis["rsa"], ("removed-at=20",))
    with pytest.raises(KioskError) as caught:
        _scan(card, key, profile_trust)
    assert caught.value.code == "chip-card-removed" and _vietnamese(caught.value.message_vi)


def test_unknown_csca(profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    card, key = _passport(profile_pkis["rsa"], ("unknown-csca",))
    identity = _final(_scan(card, key, profile_trust))
    problem = identity.verification["problem"]
    assert problem["code"] == "chip-csca-unknown" and _vietnamese(problem["message_vi"])
    assert identity.full_name == "ERIKSSON ANNA MARIA"  # the text is still shown, marked unverified


def test_expired_document_signer(profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    card, key = _passport(profile_pkis["rsa"], ("expired-dsc",))
    problem = _final(_scan(card, key, profile_trust)).verification["problem"]
    assert problem["code"] == "chip-certificate-expired" and _vietnamese(problem["message_vi"])


def test_expired_csca() -> None:
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "UT"),
                      x509.NameAttribute(NameOID.COMMON_NAME, "Expired CSCA")])
    csca_key = ec.generate_private_key(ec.BrainpoolP256R1())
    csca = make_certificate(name, csca_key, name, csca_key, ca=True, not_before=now - dt.timedelta(days=4000),
                            not_after=now - dt.timedelta(days=1))
    dsc_key = ec.generate_private_key(ec.BrainpoolP256R1())
    dsc_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "UT"),
                          x509.NameAttribute(NameOID.COMMON_NAME, "Signer")])
    dsc = make_certificate(dsc_name, dsc_key, name, csca_key, ca=False, not_before=now - dt.timedelta(days=3000),
                           not_after=now + dt.timedelta(days=300), issuer_cert=csca)
    card, key = _passport(TestPki(csca_key, csca, dsc_key, dsc))
    events = _scan(card, key, TrustStore(certificates=[csca]))
    verification = _final(events).verification
    assert verification["passive"]["reason"] == "csca-expired"
    assert verification["problem"]["code"] == "chip-certificate-expired"


def test_trusted_read_has_no_problem(profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    card, key = _passport(profile_pkis["rsa"])
    identity = _final(_scan(card, key, profile_trust))
    assert "problem" not in identity.verification
    assert verification_problem(identity.verification) is None
    assert identity.verification["passive"]["status"] == "valid"
