"""PACE generic mapping: the K_π vector and round trips between the terminal and the card side."""

from __future__ import annotations

import pytest

from drivers.emrtd.apdu import CommandApdu, join_response
from drivers.emrtd.card_access import PaceInfo, parse_security_infos
from drivers.emrtd.chip_errors import AccessDeniedError
from drivers.emrtd.ec import CURVE_NAMES, EcDomain
from drivers.emrtd.pace import PaceCard, PaceSuite, pace_authenticate
from drivers.emrtd.sm import SecureMessaging

CCCD_CARD_ACCESS = bytes.fromhex(
    "3134300D060804007F0007020202020101300F060A04007F00070202030202020101"
    "3012060A04007F0007020204020202010202010D")


def _suite(cipher_arc: int, parameter_id: int) -> PaceSuite:
    oid = f"0.4.0.127.0.7.2.2.4.2.{cipher_arc}"
    cipher = "3DES" if cipher_arc == 1 else "AES"
    bits = {1: 112, 2: 128, 3: 192, 4: 256}[cipher_arc]
    return PaceSuite.from_info(PaceInfo(oid, b"", 2, parameter_id, "ECDH", "GM", cipher, bits))


def test_k_pi_vector_for_can() -> None:
    suite = _suite(2, 13)
    assert suite.password_key("can", "123456") == bytes.fromhex("591468cda83d65219cccb8560233600f")


def test_cccd_card_access_selects_brainpool_aes128() -> None:
    infos = parse_security_infos(CCCD_CARD_ACCESS)
    suite = PaceSuite.from_info(infos.pace[0])
    assert (suite.curve, suite.cipher, suite.key_bits) == ("brainpoolP256r1", "aes", 128)


def _card_transmit(card: PaceCard, sessions: list[SecureMessaging]) -> object:
    def transmit(raw: bytes) -> tuple[bytes, int]:
        cmd, _ = CommandApdu.parse(raw)
        if cmd.ins == 0x22:
            return b"", card.set_at(cmd.data)
        data, sw, sm = card.general_authenticate(cmd.data)
        if sm is not None:
            sessions.append(sm)
        return data, sw
    return transmit


def _round_trip(suite: PaceSuite, kind: str, password: str) -> tuple[SecureMessaging, SecureMessaging]:
    card = PaceCard([suite], {"can": "123456", "mrz": "L898902C<369080619406236"})
    sessions: list[SecureMessaging] = []
    terminal = pace_authenticate(_card_transmit(card, sessions), suite, kind, password)  # type: ignore[arg-type]
    return terminal, sessions[0]


@pytest.mark.parametrize(("cipher_arc", "parameter_id"), [
    (2, 13), (1, 13), (3, 13), (4, 13), (2, 8), (2, 9), (2, 10), (2, 11), (2, 12), (2, 14), (2, 15), (2, 16),
    (4, 17), (4, 18),
])
def test_round_trip_every_curve_and_cipher(cipher_arc: int, parameter_id: int) -> None:
    terminal, card = _round_trip(_suite(cipher_arc, parameter_id), "can", "123456")
    assert (terminal.ks_enc, terminal.ks_mac, terminal.ssc) == (card.ks_enc, card.ks_mac, 0)
    wrapped = terminal.protect(CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4))
    cmd, _ = card.unprotect_command(wrapped)
    assert cmd.le == 4
    body = b"\x60\x14\x5f\x01"
    assert terminal.unprotect(card.protect_response(body, 0x9000)) == (body, 0x9000)


def test_mrz_password() -> None:
    terminal, card = _round_trip(_suite(2, 13), "mrz", "L898902C<369080619406236")
    assert terminal.ks_enc == card.ks_enc


@pytest.mark.parametrize(("kind", "password"), [("can", "123457"), ("mrz", "L898902C<369080619406237")])
def test_wrong_password_is_refused(kind: str, password: str) -> None:
    with pytest.raises(AccessDeniedError):
        _round_trip(_suite(2, 13), kind, password)


def test_sessions_differ_between_runs() -> None:
    first, _ = _round_trip(_suite(2, 13), "can", "123456")
    second, _ = _round_trip(_suite(2, 13), "can", "123456")
    assert first.ks_enc != second.ks_enc
    assert join_response(b"", 0x9000) == b"\x90\x00"


@pytest.mark.parametrize("name", CURVE_NAMES)
def test_constant_time_mapping_step_agrees_with_point_arithmetic(name: str) -> None:
    """k·G and the whole point k·Y from OpenSSL's ECDH (y recovered) equal the plain point arithmetic."""
    domain = EcDomain.named(name)
    k, other = domain.random_scalar(), domain.random_scalar()
    peer = domain.multiply(domain.generator, other)
    assert domain.public_point(k) == domain.multiply(domain.generator, k)
    assert domain.agree_point(k, peer) == domain.multiply(peer, k)
    mapped = domain.with_generator(domain.map_generator(k, peer))
    assert mapped.public_point(other) == mapped.multiply(mapped.generator, other)  # mapped: never OpenSSL
