"""Every fault mode of the emulated card gives its typed outcome; a forged or altered card never reads valid."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from drivers.emrtd.chip_errors import AccessDeniedError, ChipError, ProtocolError, SecureMessagingError
from drivers.emrtd.pki import TestPki, TrustStore, make_test_pki
from drivers.emrtd.read_strategy import SHORT_BLOCK, minimum_reads
from drivers.emrtd.reader import AccessKey, ChipReader, ChipReadResult, ReadEvent, ReadOptions
from drivers.sim.emulated_card import EmulatedCard, emulated_card_from_record
from drivers.transport import CardRemovedError, InProcessTransport
from kiosk.identity import Identity
from kiosk.mrz import format_td1

CardFactory = Callable[..., EmulatedCard]
PROTOCOL_COMMANDS = 5 + 1 + 1 + 2  # PACE (MSE + 4 GA), SELECT application, AA, CA (MSE + GA)


def _read(card: EmulatedCard, trust: TrustStore | None, keys: list[AccessKey] | None = None,
          options: ReadOptions | None = None) -> ChipReadResult:
    keys = keys or [AccessKey("can", card.keys.can or "")]
    return ChipReader(InProcessTransport(card), keys, trust=trust, options=options).read()


def _statuses(result: ChipReadResult) -> tuple[str, str, str]:
    v = result.verification
    return v["passive"]["status"], v["active"]["status"], v["chip_authentication"]["status"]


def test_wrong_key_card_denies_access(make_card: CardFactory, chip_trust: TrustStore) -> None:
    card = make_card(faults=["wrong-key"])
    with pytest.raises(AccessDeniedError):
        _read(card, chip_trust)


def test_corrupted_mac_is_a_secure_messaging_error(make_card: CardFactory, chip_trust: TrustStore) -> None:
    with pytest.raises(SecureMessagingError):
        _read(make_card(faults=["corrupted-mac"]), chip_trust)


@pytest.mark.parametrize("fault", ["truncated-response", "malformed-response"])
def test_damaged_responses_are_typed_errors(make_card: CardFactory, chip_trust: TrustStore, fault: str) -> None:
    with pytest.raises((ProtocolError, SecureMessagingError)):
        _read(make_card(faults=[fault]), chip_trust)


@pytest.mark.parametrize(("fault", "reason"), [
    ("tampered-dg", "dg-hash-mismatch"),
    ("bad-sod-signature", "sod-"),
    ("expired-dsc", "dsc-expired"),
])
def test_altered_data_fails_passive_authentication(make_card: CardFactory, chip_trust: TrustStore, fault: str,
                                                   reason: str) -> None:
    result = _read(make_card(faults=[fault]), chip_trust)
    passive = result.verification["passive"]
    assert passive["status"] == "invalid"
    assert passive["reason"].startswith(reason)


def test_tampered_text_is_caught_before_text_ready(make_card: CardFactory, chip_trust: TrustStore) -> None:
    card = make_card(faults=["tampered-dg"])
    events: list[ReadEvent] = []
    ChipReader(InProcessTransport(card), [AccessKey("can", card.keys.can or "")], trust=chip_trust,
               on_event=events.append).read()
    text_ready = [e for e in events if e.kind == "text-ready"]
    assert [e.info["passive"]["status"] for e in text_ready] == ["invalid"]


def test_unknown_csca_is_not_trusted(make_card: CardFactory, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = make_test_pki(tmp_path_factory.mktemp("other-pki"), label="Other")
    assert other.directory is not None
    result = _read(make_card(faults=["unknown-csca"]), TrustStore.from_directory(other.directory))
    assert result.verification["passive"]["status"] in ("no-trust-anchor", "invalid")


def test_active_authentication_failure(make_card: CardFactory, chip_trust: TrustStore) -> None:
    assert _statuses(_read(make_card(faults=["aa-failure"]), chip_trust)) == ("valid", "invalid", "valid")


def test_bac_only_card(make_card: CardFactory, chip_trust: TrustStore, chip_identity: Identity) -> None:
    card = make_card(faults=["bac-only"])
    with pytest.raises(AccessDeniedError):
        _read(card, chip_trust)  # a CAN alone cannot open a card without PACE
    from drivers.sim.emulated_card import mrz_information_from_lines

    key = AccessKey("mrz", mrz_information_from_lines(format_td1(chip_identity)))
    result = _read(make_card(faults=["bac-only"]), chip_trust, [key])
    assert result.access == "bac"
    assert _statuses(result) == ("valid", "valid", "valid")


def test_pace_only_card_with_mrz_key(make_card: CardFactory, chip_trust: TrustStore,
                                     chip_identity: Identity) -> None:
    from drivers.sim.emulated_card import mrz_information_from_lines

    key = AccessKey("mrz", mrz_information_from_lines(format_td1(chip_identity)))
    result = _read(make_card(faults=["pace-only"]), chip_trust, [key])
    assert result.access == "pace"


def _minimum_commands(card: EmulatedCard, block: int) -> int:
    """Commands of a full read when every file takes ceil(size / block) reads."""
    from drivers.emrtd import lds

    files = [lds.FID_CARD_ACCESS, lds.FID_COM, lds.FID_SOD, 0x0101, 0x010D, 0x010E, 0x010F, 0x0102]
    return minimum_reads([len(card.files[f]) for f in files], block) + PROTOCOL_COMMANDS


def test_no_extended_length_uses_short_blocks(make_card: CardFactory, chip_trust: TrustStore) -> None:
    card = make_card(faults=["no-extended"])
    result = _read(card, chip_trust)
    assert _statuses(result) == ("valid", "valid", "valid")
    # One command more: EF.COM's 4-byte header, read before the card has shown how it answers reads past the end.
    assert result.stats.commands == _minimum_commands(card, SHORT_BLOCK) + 1


@pytest.mark.parametrize("faults", [["small-max-read=128"], ["small-max-read=100", "no-extended"]])
def test_small_maximum_read_size_is_found(make_card: CardFactory, chip_trust: TrustStore,
                                          faults: list[str]) -> None:
    card = make_card(faults=faults, dg2_size=20000)
    result = _read(card, chip_trust)
    assert _statuses(result) == ("valid", "valid", "valid")
    assert card.faults.max_read is not None
    assert result.stats.commands <= 1.1 * _minimum_commands(card, card.faults.max_read)


def test_extended_length_reads_each_file_at_once(make_card: CardFactory, chip_trust: TrustStore) -> None:
    card = make_card(dg2_size=20000)
    result = _read(card, chip_trust)
    assert result.stats.commands == _minimum_commands(card, 65536)


def test_slow_link_still_reads(make_card: CardFactory, chip_trust: TrustStore) -> None:
    result = _read(make_card(faults=["slow-link=4240000:0.5"]), chip_trust, options=ReadOptions(read_face=False))
    assert _statuses(result) == ("valid", "valid", "valid")


def _command_count(card: EmulatedCard, trust: TrustStore) -> int:
    return _read(card, trust).stats.commands


@pytest.mark.parametrize("faults", [[], ["no-extended"]])
def test_removal_at_every_command(make_card: CardFactory, chip_trust: TrustStore, faults: list[str]) -> None:
    total = _command_count(make_card(faults=faults, dg2_size=2000), chip_trust)
    assert total > 15
    for index in range(1, total + 1):
        card = make_card(faults=[*faults, f"removed-at={index}"], dg2_size=2000)
        with pytest.raises(CardRemovedError):
            _read(card, chip_trust)
        assert card.state.commands == index
    card = make_card(faults=[*faults, f"removed-at={total + 1}"], dg2_size=2000)
    assert _statuses(_read(card, chip_trust)) == ("valid", "valid", "valid")


def test_unknown_fault_is_refused() -> None:
    from drivers.sim.emulated_card import CardFaults

    with pytest.raises(ValueError):
        CardFaults.parse(["melted"])


def test_chip_errors_carry_codes() -> None:
    assert AccessDeniedError("x").code == "chip-wrong-key"
    assert issubclass(SecureMessagingError, ChipError)


def test_unprotected_file_errors_are_recorded_and_access_restored(make_card: CardFactory,
                                                                   chip_trust: TrustStore) -> None:
    card = make_card(faults=["plain-errors"])
    result = _read(card, chip_trust, options=ReadOptions(extra_groups=(3, 11)))
    assert result.missing == {"DG3": "protected", "DG11": "absent"}
    assert _statuses(result) == ("valid", "valid", "valid")
    # DG3 and DG11 refused bare; each next protected command finds the session gone (6987) and is sent again
    # after a new PACE (MSE + 4 GA + SELECT application).
    assert result.stats.commands == _minimum_commands(card, 65536) + 2 + 2 * (1 + 6)


@pytest.mark.parametrize(("fault", "check"), [("hide-dg15", "active"), ("hide-dg14", "chip_authentication")])
def test_hiding_a_signed_security_group_fails(make_card: CardFactory, chip_trust: TrustStore, fault: str,
                                              check: str) -> None:
    result = _read(make_card(faults=[fault]), chip_trust)
    assert result.verification[check]["status"] == "failed"
    assert result.verification["passive"]["status"] == "valid"


@pytest.mark.parametrize("curve", [ec.SECP256R1(), ec.BrainpoolP256R1()])
def test_ecdsa_active_authentication(chip_pki: TestPki, chip_trust: TrustStore, chip_identity: Identity,
                                     curve: ec.EllipticCurve) -> None:
    card = emulated_card_from_record(chip_identity.to_dict(), chip_pki, format_td1(chip_identity), dg2_size=2000,
                                     aa_private_key=ec.generate_private_key(curve))
    result = _read(card, chip_trust)
    assert _statuses(result) == ("valid", "valid", "valid")
    assert result.stats.commands == _minimum_commands(card, 65536)  # a short Le is enough for ECDSA
