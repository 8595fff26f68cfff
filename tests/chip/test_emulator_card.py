"""The emulated chip's APDU side: application, files, access control, read variants, status words."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from drivers.emrtd import lds, tlv
from drivers.emrtd.apdu import CommandApdu, split_response
from drivers.emrtd.card_access import parse_security_infos
from drivers.emrtd.pace import PaceSuite, pace_authenticate
from drivers.emrtd.read_strategy import ReadStrategy, extended_length_offered
from drivers.emrtd.sm import SecureMessaging
from drivers.sim.emulated_card import EmulatedCard, build_atr
from drivers.transport import InProcessTransport

CardFactory = Callable[..., EmulatedCard]


def _send(card: EmulatedCard, cmd: CommandApdu) -> tuple[bytes, int]:
    return split_response(card.process(cmd.encode()))


def _pace(card: EmulatedCard) -> tuple[InProcessTransport, SecureMessaging]:
    transport = InProcessTransport(card)
    transport.connect()
    suite = PaceSuite.from_info(parse_security_infos(card.files[lds.FID_CARD_ACCESS]).pace[0])
    sm = pace_authenticate(transport.transmit, suite, "can", card.keys.can or "")
    return transport, sm


def _protected(transport: InProcessTransport, sm: SecureMessaging, cmd: CommandApdu) -> tuple[bytes, int]:
    data, sw = transport.transmit(sm.protect(cmd))
    return sm.unprotect(data + sw.to_bytes(2, "big"))


def test_card_access_is_the_only_file_readable_before_authentication(make_card: CardFactory) -> None:
    card = make_card()
    card.power_on()
    data, sw = _send(card, CommandApdu(0x00, 0xB0, 0x9C, 0x00, le=256))
    assert sw == 0x9000
    assert parse_security_infos(data).pace[0].parameter_id == 13
    assert _send(card, CommandApdu(0x00, 0xA4, 0x04, 0x0C, lds.AID_LDS1))[1] == 0x9000
    assert _send(card, CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4))[1] == 0x6982
    assert _send(card, CommandApdu(0x00, 0xA4, 0x04, 0x0C, bytes.fromhex("A0000002471002")))[1] == 0x6A82


def test_files_status_words_under_secure_messaging(make_card: CardFactory) -> None:
    card = make_card()
    transport, sm = _pace(card)
    assert _protected(transport, sm, CommandApdu(0x00, 0xA4, 0x04, 0x0C, lds.AID_LDS1))[1] == 0x9000
    data, sw = _protected(transport, sm, CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4))
    assert (sw, data[:1]) == (0x9000, b"\x61")
    assert _protected(transport, sm, CommandApdu(0x00, 0xB0, 0x83, 0x00, le=4))[1] == 0x6982  # DG3: EAC
    assert _protected(transport, sm, CommandApdu(0x00, 0xB0, 0x8B, 0x00, le=4))[1] == 0x6A82  # DG11 absent
    assert _protected(transport, sm, CommandApdu(0x00, 0xA4, 0x02, 0x0C, b"\x01\x0d"))[1] == 0x9000
    card_dg13 = card.files[0x010D]
    dg13 = _protected(transport, sm, CommandApdu(0x00, 0xB0, 0x00, 0x00, le=65536))[0]
    assert dg13 == card_dg13
    odd, sw = _protected(transport, sm, CommandApdu(0x00, 0xB1, 0x00, 0x00, tlv.encode(0x54, b"\x02"), le=16))
    assert sw == 0x9000
    assert tlv.decode(odd, expected_tag=0x53).value == dg13[2:18]


def test_plain_command_ends_secure_messaging(make_card: CardFactory) -> None:
    card = make_card()
    transport, sm = _pace(card)
    _, sw = transport.transmit(CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4).encode())
    assert sw in (0x6987, 0x6982, 0x6A82)
    with pytest.raises(Exception):  # noqa: B017 - any error: the old session must not work any more
        _protected(transport, sm, CommandApdu(0x00, 0xB0, 0x81, 0x00, le=4))


def test_wrong_mac_gets_6988_and_drops_the_session(make_card: CardFactory) -> None:
    card = make_card()
    transport, sm = _pace(card)
    wrapped = bytearray(sm.protect(CommandApdu(0x00, 0xA4, 0x04, 0x0C, lds.AID_LDS1)))
    wrapped[-2] ^= 0x01
    assert transport.transmit(bytes(wrapped)) == (b"", 0x6988)
    assert card.state.sm is None


def test_atr_announces_extended_length_unless_disabled() -> None:
    assert extended_length_offered(build_atr(True))
    assert not extended_length_offered(build_atr(False))
    assert not extended_length_offered(bytes.fromhex("3B8F8001804F0CA000000306030001000000006A"))


def test_large_file_offsets_use_odd_read_binary(make_card: CardFactory) -> None:
    card = make_card(dg2_size=40000)
    transport, sm = _pace(card)
    assert _protected(transport, sm, CommandApdu(0x00, 0xA4, 0x04, 0x0C, lds.AID_LDS1))[1] == 0x9000
    sent: list[int] = []

    def command(cmd: CommandApdu) -> tuple[bytes, int]:
        sent.append(cmd.ins)
        return _protected(transport, sm, cmd)

    data = ReadStrategy.fixed_block(0xDF).read(command, 2)
    assert data == card.files[0x0102]
    assert len(data) > 0x8000 and 0xB1 in sent and sent[0] == 0xB0


def test_short_answers_with_6cxx_are_followed(make_card: CardFactory) -> None:
    card = make_card(faults=["small-max-read=100", "no-extended"])
    transport, sm = _pace(card)
    _protected(transport, sm, CommandApdu(0x00, 0xA4, 0x04, 0x0C, lds.AID_LDS1))
    strategy = ReadStrategy.adaptive(extended_offered=False)
    data = strategy.read(lambda c: _protected(transport, sm, c), 13)
    assert data == card.files[0x010D]
    assert strategy.block == 100
