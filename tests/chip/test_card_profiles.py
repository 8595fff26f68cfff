"""Every card profile of the simulated twin reads with the expected identity and verification, in at most 1.1 times
its minimum number of commands, in process and through the real pcscd + vpcd; a wrong key is "wrong key"; no
present file is reported absent."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from drivers.emrtd import lds
from drivers.emrtd.chip_errors import AccessDeniedError
from drivers.emrtd.pki import TestPki, TrustStore, make_test_pki
from drivers.emrtd.reader import AccessKey, ChipReader, ChipReadResult
from drivers.pcsc import PcscTransport
from drivers.sim.card_profiles import BY_NAME, PROFILES, CardProfile, build_profile_card, minimum_commands
from drivers.sim.card_service import CardService
from drivers.sim.emulated_card import EmulatedCard
from drivers.transport import CardRemovedError, CardTransport, InProcessTransport
from kiosk.chip_identity import identity_from_chip
from kiosk.chip_keys import access_keys
from kiosk.chip_scan import ChipScan
from kiosk.errors import KioskError
from kiosk.identity import Identity
from kiosk.sample_documents import sample_document
from kiosk.scan import AccessKey as ScanKey
from kiosk.scan import ChipEvent
from tests.chip.conftest import PORT, READER, Served

NAMES = [profile.name for profile in PROFILES]
# What each profile's full read verifies: (access, passive, active, chip authentication).
EXPECTED = {
    "cccd-2021": ("pace", "valid", "valid", "valid"),
    "can-cuoc-2024": ("pace", "valid", "valid", "valid"),
    "bac-td3-no-sfi": ("bac", "valid", "valid", "not-available"),
    "pace-dh": ("pace", "valid", "not-available", "valid"),
    "pace-im": ("pace", "valid", "valid", "valid"),
    "short-le": ("pace", "valid", "valid", "valid"),
    "plain-missing": ("pace", "valid", "valid", "valid"),
    "td1-foreign-id": ("pace", "valid", "valid", "valid"),
}
CARD_TYPES = {"cccd-2021": "cccd-2021", "can-cuoc-2024": "can-cuoc-2024", "passport": "passport",
              "foreign-id": "unknown"}


def _card(profile: CardProfile, pkis: dict[str, TestPki], faults: tuple[str, ...] = ()) -> EmulatedCard:
    holder, mrz = sample_document(profile.document)
    return build_profile_card(profile, holder.to_dict(), mrz, pkis[profile.pki], faults=faults)


def _keys(profile: CardProfile, card: EmulatedCard) -> list[AccessKey]:
    if profile.access_key == "can":
        return [AccessKey("can", card.keys.can or "", "qr")]
    return access_keys(mrz_lines=sample_document(profile.document)[1])


def _check(profile: CardProfile, card: EmulatedCard, result: ChipReadResult) -> None:
    _check_identity(profile, card, result)
    minimum = minimum_commands(profile, card)
    assert result.stats.commands <= 1.1 * minimum, (result.stats.commands, minimum)


def _check_identity(profile: CardProfile, card: EmulatedCard, result: ChipReadResult) -> None:
    v = result.verification
    statuses = (v["access"], v["passive"]["status"], v["active"]["status"], v["chip_authentication"]["status"])
    assert statuses == EXPECTED[profile.name]
    holder = sample_document(profile.document)[0]
    identity = identity_from_chip(result.data_groups, v)
    assert identity.card_type == CARD_TYPES[profile.document]
    assert identity.date_of_birth == holder.date_of_birth
    assert identity.full_name == holder.full_name
    assert identity.id_number == holder.id_number
    present = {ef.name for ef in (lds.COM, lds.SOD) if ef.fid in card.files}
    present |= {f"DG{lds.dg_number_for_fid(fid)}" for fid in card.files if lds.dg_number_for_fid(fid)}
    assert not present & set(result.missing), result.missing
    for number, data in result.data_groups.items():
        assert data == card.files[lds.dg_fid(number)]


@pytest.mark.parametrize("name", NAMES)
def test_profile_reads_in_process(name: str, profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    profile = BY_NAME[name]
    card = _card(profile, profile_pkis)
    result = ChipReader(InProcessTransport(card), _keys(profile, card), trust=profile_trust).read()
    _check(profile, card, result)
    assert card.state.commands == result.stats.commands


@pytest.mark.parametrize("name", NAMES)
def test_wrong_key_is_wrong_key(name: str, profile_pkis: dict[str, TestPki]) -> None:
    profile = BY_NAME[name]
    card = _card(profile, profile_pkis, faults=("wrong-key",))
    with pytest.raises(AccessDeniedError):
        ChipReader(InProcessTransport(card), _keys(profile, card)).read()


@pytest.mark.parametrize("name", ["bac-td3-no-sfi", "td1-foreign-id"])
def test_wrong_key_reaches_the_person_as_the_typing_path(name: str, profile_pkis: dict[str, TestPki]) -> None:
    """The chip scan turns the wrong key into its typed error, which offers typing the details printed on the card."""
    profile = BY_NAME[name]
    card = _card(profile, profile_pkis, faults=("wrong-key",))
    holder, _ = sample_document(profile.document)
    key = ScanKey(document_number=holder.document_number, date_of_birth=(holder.date_of_birth or 0) and
                  holder.date_of_birth.strftime("%y%m%d"),
                  date_of_expiry=holder.expiry_date.strftime("%y%m%d") if holder.expiry_date else None)

    def transport() -> CardTransport:
        return InProcessTransport(card)

    events: list[ChipEvent] = []
    with pytest.raises(KioskError) as caught:
        ChipScan(transport)(key, events.append, threading.Event())
    assert caught.value.code == "chip-wrong-key"
    assert "nhập thông tin in trên thẻ" in caught.value.message_vi  # the typing path


def test_minimum_counts_what_the_profile_demands(profile_pkis: dict[str, TestPki]) -> None:
    """The yardstick itself: a bare over-read card costs a header read per file, a card without SFI a SELECT."""
    bac = BY_NAME["bac-td3-no-sfi"]
    card = _card(bac, profile_pkis)
    files = [fid for fid in card.files if fid != lds.FID_CARD_ACCESS]
    reads = sum(1 + -(-(len(card.files[fid]) - 4) // 0xDF) for fid in files)
    assert minimum_commands(bac, card) == 1 + 3 + reads + len(files) + 1  # CardAccess, BAC, reads, SELECTs, AA


@pytest.mark.pcscd
@pytest.mark.usefixtures("pcscd")
@pytest.mark.parametrize("name", NAMES)
def test_profile_reads_through_pcscd(name: str, profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    profile = BY_NAME[name]
    card = _card(profile, profile_pkis)
    transport = PcscTransport(READER)
    try:
        with Served(card) as served:
            assert transport.wait_for_card(10)
            result = ChipReader(transport, _keys(profile, card), trust=profile_trust).read()
            assert served.server.commands == result.stats.commands
    finally:
        transport.disconnect()
    _check(profile, card, result)


def test_the_result_is_typed_lds_files(profile_pkis: dict[str, TestPki], profile_trust: TrustStore) -> None:
    """The reader hands back typed files whose text is parsed in the LDS layer (MRZ fields and check digits)."""
    profile = BY_NAME["bac-td3-no-sfi"]
    card = _card(profile, profile_pkis)
    files = ChipReader(InProcessTransport(card), _keys(profile, card), trust=profile_trust).read().files
    assert files.dg1 is not None and files.dg1.fields is not None
    assert (files.dg1.fields.format, files.dg1.fields.document_number, files.dg1.fields.birth) == (
        "TD3", "L898902C3", "740812")
    assert files.dg11 is not None and files.dg11.full_name == "ERIKSSON<<ANNA<MARIA"
    assert files.dg12 is not None and files.dg12.issuing_authority
    assert files.dg7 is not None and files.dg7.images[0][:3] == b"\xff\xd8\xff"
    assert files.dg2 is not None and files.dg15 is not None and files.sod is not None
    assert set(files.sod.data_group_hashes) == {1, 2, 7, 11, 12, 15} and not files.errors


def test_sample_documents_are_consistent() -> None:
    for kind in ("cccd-2021", "can-cuoc-2024", "passport", "foreign-id"):
        holder, mrz = sample_document(kind)
        assert isinstance(holder, Identity) and len(mrz) in (2, 3)


@pytest.mark.parametrize(("name", "removed_at"), [("bac-td3-no-sfi", 40), ("short-le", 30), ("pace-im", 12)])
def test_a_lifted_card_resumes_where_it_stopped(name: str, removed_at: int, profile_pkis: dict[str, TestPki],
                                               profile_trust: TrustStore) -> None:
    """Lifted mid-file and put back: the same reader re-authenticates, checks DG1 and reads only what is missing,
    selecting the interrupted file again where the card does not read by SFI."""
    profile = BY_NAME[name]
    card = _card(profile, profile_pkis, faults=(f"removed-at={removed_at}",))
    transport = InProcessTransport(card)
    reader = ChipReader(transport, _keys(profile, card), trust=profile_trust)
    with pytest.raises(CardRemovedError):
        reader.read()
    card.present_again()
    transport.insert(card)
    result = reader.read()
    _check_identity(profile, card, result)
    # Nothing read twice but DG1 (the same-card check): EF.CardAccess, access control, DG1, a SELECT.
    assert result.stats.commands <= minimum_commands(profile, card) + 14


@pytest.mark.pcscd
@pytest.mark.usefixtures("pcscd")
def test_the_card_service_serves_a_profile(tmp_path: Path) -> None:
    """The simulated kiosk's card process can put a foreign passport on the reader (for the foreign-guest path)."""
    make_test_pki(tmp_path)
    holder, mrz = sample_document("passport")
    service = CardService(tmp_path, bit_rate=4_000_000, port=PORT)
    transport = PcscTransport(READER)
    try:
        service.prepare(1, holder.to_dict(), mrz, 3000, profile="bac-td3-no-sfi")
        service.insert(1)
        assert transport.wait_for_card(20)
        result = ChipReader(transport, access_keys(mrz_lines=mrz), trust=TrustStore.from_directory(tmp_path)).read()
    finally:
        transport.disconnect()
        service.close()
        PcscTransport(READER).wait_for_removal(5)
    assert (result.access, result.verification["passive"]["status"]) == ("bac", "valid")
    assert identity_from_chip(result.data_groups, result.verification).full_name == holder.full_name
