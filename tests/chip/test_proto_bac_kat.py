"""ICAO 9303-11 Appendix D worked example (BAC and secure messaging) as known-answer tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from drivers.emrtd.apdu import CommandApdu
from drivers.emrtd.bac import bac_authenticate, bac_keys
from drivers.emrtd.chip_errors import AccessDeniedError, SecureMessagingError
from drivers.emrtd.kdf import BlockCipher, adjust_parity, bac_seed
from drivers.emrtd.sm import SecureMessaging

H = bytes.fromhex
MRZ_INFO = "L898902C<369080619406236"
RND_IC = H("4608F91988702212")
RND_IFD = H("781723860C06C226")
K_IFD = H("0B795240CB7049B01C19B33E32804F0B")
MUTUAL_RESPONSE = H("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449")


def test_key_derivation() -> None:
    assert bac_seed(MRZ_INFO) == H("239AB9CB282DAF66231DC5A4DF6BFBAE")
    k_enc, k_mac = bac_keys(MRZ_INFO)
    assert k_enc == H("AB94FDECF2674FDFB9B391F85D7F76F2")
    assert k_mac == H("7962D9ECE03D1ACD4C76089DCE131543")
    assert adjust_parity(H("AB94FCEDF2664EDFB9B291F85D7F77F2")) == k_enc


def _scripted_card(expected_mutual: bytes) -> tuple[list[bytes], object]:
    sent: list[bytes] = []

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        sent.append(apdu)
        if apdu[1] == 0x84:
            return RND_IC, 0x9000
        assert apdu == expected_mutual
        return MUTUAL_RESPONSE, 0x9000

    return sent, transmit


def _rng() -> Iterator[bytes]:
    yield RND_IFD
    yield K_IFD


def test_mutual_authentication_and_session_keys() -> None:
    e_ifd = H("72C29C2371CC9BDB65B779B8E8D37B29ECC154AA56A8799FAE2F498F76ED92F2")
    expected = H("0082000028") + e_ifd + H("5F1448EEA8AD90A7") + H("28")
    sent, transmit = _scripted_card(expected)
    values = _rng()
    sm = bac_authenticate(transmit, MRZ_INFO, rng=lambda n: next(values))  # type: ignore[arg-type]
    assert sent[0] == H("0084000008")
    assert sm.ks_enc == H("979EC13B1CBFE9DCD01AB0FED307EAE5")
    assert sm.ks_mac == H("F1CB1F1FB5ADF208806B89DC579DC1F8")
    assert sm.ssc == int("887022120C06C226", 16)


def test_wrong_key_is_refused() -> None:
    values = _rng()

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        return (RND_IC, 0x9000) if apdu[1] == 0x84 else (b"", 0x6300)

    with pytest.raises(AccessDeniedError):
        bac_authenticate(transmit, MRZ_INFO, rng=lambda n: next(values))


def _session() -> SecureMessaging:
    return SecureMessaging(BlockCipher("3des"), H("979EC13B1CBFE9DCD01AB0FED307EAE5"),
                           H("F1CB1F1FB5ADF208806B89DC579DC1F8"), int("887022120C06C226", 16))


def test_protected_apdus_match_transcript() -> None:
    sm = _session()
    assert sm.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E"))) == H(
        "0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800")
    assert sm.unprotect(H("990290008E08FA855A5D4C50A8ED9000")) == (b"", 0x9000)
    read4 = CommandApdu(0x00, 0xB0, 0x00, 0x00, le=4)
    assert sm.protect(read4) == H("0CB000000D9701048E08ED6705417E96BA5500")
    resp = H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")
    assert sm.unprotect(resp) == (H("60145F01"), 0x9000)
    read18 = CommandApdu(0x00, 0xB0, 0x00, 0x04, le=0x12)
    assert sm.protect(read18) == H("0CB000040D9701128E082EA28A70F3C7B53500")
    data, sw = sm.unprotect(H("871901FB9235F4E4037F2327DCC8964F1F9B8C30F42C8E2FFF224A990290008E08"
                              "C8B2787EAEA07D749000"))
    assert (data, sw) == (H("04303130365F36063034303030305C026175"), 0x9000)
    assert sm.ssc == int("887022120C06C22C", 16)


def test_card_side_reproduces_transcript() -> None:
    card = _session()
    cmd, extended = card.unprotect_command(H("0CA4020C158709016375432908C044F68E08BF8B92D635FF24F800"))
    assert (cmd.ins, cmd.p1, cmd.p2, cmd.data, cmd.le, extended) == (0xA4, 0x02, 0x0C, H("011E"), None, False)
    assert card.protect_response(b"", 0x9000) == H("990290008E08FA855A5D4C50A8ED9000")
    cmd, _ = card.unprotect_command(H("0CB000000D9701048E08ED6705417E96BA5500"))
    assert cmd.le == 4
    expected = H("8709019FF0EC34F9922651990290008E08AD55CC17140B2DED9000")
    assert card.protect_response(H("60145F01"), 0x9000) == expected


def test_altered_response_mac_is_rejected() -> None:
    sm = _session()
    sm.protect(CommandApdu(0x00, 0xA4, 0x02, 0x0C, H("011E")))
    with pytest.raises(SecureMessagingError):
        sm.unprotect(H("990290008E08FA855A5D4C50A8EE9000"))
