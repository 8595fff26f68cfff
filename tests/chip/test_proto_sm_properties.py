"""Property tests: APDU encoding round trips and secure messaging between terminal and card for any command."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drivers.emrtd.apdu import CommandApdu
from drivers.emrtd.chip_errors import ProtocolError, SecureMessagingError, StatusWordError
from drivers.emrtd.read_strategy import ReadStrategy
from drivers.emrtd.sm import SecureMessaging

commands = st.builds(
    CommandApdu,
    cla=st.just(0x00),
    ins=st.sampled_from([0xA4, 0xB0, 0xB1, 0x88, 0x86, 0x22]),
    p1=st.integers(0, 255),
    p2=st.integers(0, 255),
    data=st.binary(max_size=600),
    le=st.one_of(st.none(), st.integers(1, 65536)),
)


@given(commands)
def test_apdu_round_trip(cmd: CommandApdu) -> None:
    parsed, extended = CommandApdu.parse(cmd.encode())
    assert parsed == cmd
    assert extended == cmd.needs_extended


@settings(max_examples=60)
@given(cmd=commands, response=st.binary(max_size=400), sw=st.sampled_from([0x9000, 0x6282, 0x6A82, 0x6982]),
       cipher=st.sampled_from(["3des", "aes"]), key_bits=st.sampled_from([128, 192, 256]),
       ssc=st.integers(0, 2**64 - 1))
def test_secure_messaging_round_trip(cmd: CommandApdu, response: bytes, sw: int, cipher: str, key_bits: int,
                                     ssc: int) -> None:
    bits = 128 if cipher == "3des" else key_bits
    terminal = SecureMessaging.from_secret(b"shared secret", cipher, bits, ssc=ssc)  # type: ignore[arg-type]
    card = SecureMessaging.from_secret(b"shared secret", cipher, bits, ssc=ssc)  # type: ignore[arg-type]
    plain, _ = card.unprotect_command(terminal.protect(cmd))
    assert (plain.ins, plain.p1, plain.p2, plain.data, plain.le) == (cmd.ins, cmd.p1, cmd.p2, cmd.data, cmd.le)
    wrapped = card.protect_response(response, sw, odd_ins=bool(cmd.ins & 1))
    assert terminal.unprotect(wrapped) == (response, sw)
    assert terminal.ssc == card.ssc == ssc + 2


@settings(max_examples=60)
@given(position=st.integers(0, 200), bit=st.integers(0, 7))
def test_any_altered_response_byte_is_rejected(position: int, bit: int) -> None:
    terminal = SecureMessaging.from_secret(b"k", "aes", 128)
    card = SecureMessaging.from_secret(b"k", "aes", 128)
    card.unprotect_command(terminal.protect(CommandApdu(0x00, 0xB0, 0x81, 0x00, le=64)))
    wrapped = bytearray(card.protect_response(bytes(range(64)), 0x9000))
    body = len(wrapped) - 2
    wrapped[position % body] ^= 1 << bit
    with pytest.raises((SecureMessagingError, ProtocolError)):
        terminal.unprotect(bytes(wrapped))


def test_read_stops_when_the_card_gives_nothing() -> None:
    answers = iter([(bytes.fromhex("6110") + bytes(4), 0x9000), (b"", 0x9000)])
    with pytest.raises(ProtocolError):
        ReadStrategy.fixed_block(6).read(lambda cmd: next(answers), 1)


def test_read_stops_when_the_file_ends_early() -> None:
    answers = iter([(bytes.fromhex("6110") + bytes(4), 0x6282)])
    with pytest.raises(ProtocolError):
        ReadStrategy.fixed_block(6).read(lambda cmd: next(answers), 1)


def test_read_gives_up_when_no_size_is_accepted() -> None:
    strategy = ReadStrategy.adaptive(extended_offered=True)
    with pytest.raises(StatusWordError, match="no read size"):
        strategy.read(lambda cmd: (b"", 0x6700), 1)
