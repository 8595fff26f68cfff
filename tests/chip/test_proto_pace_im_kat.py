"""ICAO 9303-11 Appendix H.1 worked example (PACE, ECDH integrated mapping, brainpoolP256r1, AES-128) as known
answers: the pseudo-random mapping R_p(s, t), the point encoding f_G, the session keys and tokens; and card and
terminal agreeing with integrated mapping over ECDH and DH."""

from __future__ import annotations

import pytest

from drivers.emrtd import tlv
from drivers.emrtd.apdu import CommandApdu
from drivers.emrtd.chip_errors import AccessDeniedError
from drivers.emrtd.kdf import ENC, MAC, derive_key
from drivers.emrtd.pace import PaceCard, PaceSuite, pace_authenticate, pseudo_random
from tests.chip.test_proto_pace_kat import TERMINAL_EPH_KEY  # Appendix H.1 reuses G.1's ephemeral key

H = bytes.fromhex
SUITE = PaceSuite("0.4.0.127.0.7.2.2.4.4.2", 13, "brainpoolP256r1", "aes", 128, "IM")
K_PI = H("591468CDA83D65219CCCB8560233600F")
ENCRYPTED_NONCE = H("143DC40C08C8E891FBED7DEDB92B64AD")
NONCE = H("2923BE84E16CD6AE529049F1F1BBE9EB")
TERMINAL_NONCE = H("5DD4CBFC96F5453B130D890A1CDBAE32")
R = H("E4447E2DFB3586BAC05DDB00156B57FBB2179A3949294C97254189800C517BAA8DA0FF397ED8C445D3E421E4FEB57322")
R_P = int("A2F8FF2DF50E52C6599F386ADCB595D229F6A167ADE2BE5F2C3296ADD5B7430E", 16)
MAPPED = (int("8E82D31559ED0FDE92A4D0498ADD3C23BABA94FB77691E31E90AEA77FB17D427", 16),
          int("4C1AE14BD0C3DBAC0C871B7F3608169364437CA30AC243A089D3F266C1E60FAD", 16))
TERMINAL_EPH_PUB = H("0489CBA23FFE96AA18D824627C3E934E54A9FD0B87A95D1471DC1C0ABFDCD640D46755DE9B7B778280B6BEBD57"
                     "439ADFEB0E21FD4ED6DF42578C13418A59B34C37")
CHIP_EPH_PUB = H("0467F78E5F7F7686082B293E8D087E056916D0F74BC01A5F8957D0DE45691E51E8932B69A962B52A0985AD2C0A27"
                 "1EE6A13A8ADDDCD1A3A994B9DED257F4D22753")
SHARED = H("4F150FDE1D4F0E38E95017B891BAE17133A0DF45B0D3E18B60BA7BEAFDC2C713")


def test_nonce_and_pseudo_random_mapping() -> None:
    assert SUITE.block_cipher.decrypt(K_PI, ENCRYPTED_NONCE) == NONCE
    p = SUITE.domain.modulus
    assert int.from_bytes(R, "big") % p == R_P
    assert pseudo_random(SUITE.block_cipher, 16, NONCE, TERMINAL_NONCE, p) == R_P


def test_point_encoding_and_key_agreement() -> None:
    generator = SUITE.integrated_generator(NONCE, TERMINAL_NONCE)
    assert (generator.x(), generator.y()) == MAPPED
    mapped = SUITE.domain.with_generator(generator)
    assert mapped.encode(mapped.multiply(mapped.generator, TERMINAL_EPH_KEY)) == TERMINAL_EPH_PUB
    shared = mapped.shared_x(TERMINAL_EPH_KEY, mapped.decode(CHIP_EPH_PUB))
    assert shared == SHARED
    ks_mac = derive_key(shared, MAC, "aes", 128)
    assert derive_key(shared, ENC, "aes", 128) == H("0D3FEB33251A6370893D62AE8DAAF51B")
    assert ks_mac == H("B01E89E3D9E8719E586B50B4A7506E0B")
    assert SUITE.token(ks_mac, CHIP_EPH_PUB) == H("450F02B86F6A0909")
    assert SUITE.token(ks_mac, TERMINAL_EPH_PUB) == H("75D4D96E8D5B0308")


@pytest.mark.parametrize(("oid", "parameter_id", "name"), [
    ("0.4.0.127.0.7.2.2.4.4.2", 13, "brainpoolP256r1"),
    ("0.4.0.127.0.7.2.2.4.4.2", 12, "secp256r1"),
    ("0.4.0.127.0.7.2.2.4.3.2", 2, "modp-2048-256"),
    ("0.4.0.127.0.7.2.2.4.4.4", 16, "brainpoolP384r1"),
])
def test_card_and_terminal_agree(oid: str, parameter_id: int, name: str) -> None:
    bits = 256 if oid.endswith(".4") else 128
    suite = PaceSuite(oid, parameter_id, name, "aes", bits, "IM")
    card = PaceCard([suite], {"mrz": "L898902C<369080619406236"})
    sent: list[CommandApdu] = []

    def transmit(raw: bytes) -> tuple[bytes, int]:
        cmd, _ = CommandApdu.parse(raw)
        sent.append(cmd)
        if cmd.ins == 0x22:
            return b"", card.set_at(cmd.data)
        data, sw, _ = card.general_authenticate(cmd.data)
        return data, sw

    sm = pace_authenticate(transmit, suite, "mrz", "L898902C<369080619406236")
    assert len(sm.ks_enc) == bits // 8
    terminal_nonce = tlv.decode(sent[2].data).find(0x81)
    assert terminal_nonce is not None and len(terminal_nonce.value) == bits // 8  # the nonce t
    with pytest.raises(AccessDeniedError):
        pace_authenticate(transmit, suite, "mrz", "L898902C<369080619406237")
