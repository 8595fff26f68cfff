"""ICAO 9303-11 Appendix G.1 worked example (PACE, ECDH generic mapping, brainpoolP256r1, AES-128, MRZ password)
as a known-answer test of the whole terminal-side transcript."""

from __future__ import annotations

from collections.abc import Iterator

from drivers.emrtd.apdu import CommandApdu
from drivers.emrtd.ec import EcDomain
from drivers.emrtd.pace import PaceSuite, mse_set_at, pace_authenticate

H = bytes.fromhex
MRZ_INFO = "T22000129364081251010318"
SUITE = PaceSuite("0.4.0.127.0.7.2.2.4.2.2", 13, "brainpoolP256r1", "aes", 128)
ENCRYPTED_NONCE = H("95A3A016522EE98D01E76CB6B98B42C3")
TERMINAL_MAP_KEY = int("7F4EF07B9EA82FD78AD689B38D0BC78CF21F249D953BC46F4C6E19259C010F99", 16)
TERMINAL_MAP_PUB = H("047ACF3EFC982EC45565A4B155129EFBC74650DCBFA6362D896FC70262E0C2CC5E"
                     "544552DCB6725218799115B55C9BAA6D9F6BC3A9618E70C25AF71777A9C4922D")
CHIP_MAP_PUB = H("04824FBA91C9CBE26BEF53A0EBE7342A3BF178CEA9F45DE0B70AA601651FBA3F57"
                 "30D8C879AAA9C9F73991E61B58F4D52EB87A0A0C709A49DC63719363CCD13C54")
TERMINAL_EPH_KEY = int("A73FB703AC1436A18E0CFA5ABB3F7BEC7A070E7A6788486BEE230C4A22762595", 16)
TERMINAL_EPH_PUB = H("042DB7A64C0355044EC9DF190514C625CBA2CEA48754887122F3A5EF0D5EDD301C"
                     "3556F3B3B186DF10B857B58F6A7EB80F20BA5DC7BE1D43D9BF850149FBB36462")
CHIP_EPH_PUB = H("049E880F842905B8B3181F7AF7CAA9F0EFB743847F44A306D2D28C1D9EC65DF6DB"
                 "7764B22277A2EDDC3C265A9F018F9CB852E111B768B326904B59A0193776F094")
TERMINAL_TOKEN = H("C2B0BD78D94BA866")
CHIP_TOKEN = H("3ABB9674BCE93C08")


def _scalar_bytes(k: int) -> bytes:
    """rng output that ``EcDomain.random_scalar`` turns into exactly ``k``."""
    n_bytes = (EcDomain.named("brainpoolP256r1").order.bit_length() + 7) // 8 + 8
    return (k - 1).to_bytes(n_bytes, "big")


def test_password_key_and_nonce() -> None:
    k_pi = SUITE.password_key("mrz", MRZ_INFO)
    assert k_pi == H("89DED1B26624EC1E634C1989302849DD")
    assert SUITE.block_cipher.decrypt(k_pi, ENCRYPTED_NONCE) == H("3F00C4D39D153F2B2A214A078D899B22")


def test_mse_set_at_layout() -> None:
    """Protocol OID (DO'80'), password reference MRZ = 1 (DO'83'), parameterId 13 (DO'84')."""
    assert mse_set_at(SUITE, "mrz").encode() == H("0022C1A412800A04007F0007020204020283010184010D")
    assert mse_set_at(SUITE, "can").encode()[-4:-3] == b"\x02"


def test_whole_transcript() -> None:
    sent: list[CommandApdu] = []
    answers = iter([
        H("7C12801095A3A016522EE98D01E76CB6B98B42C3"),
        H("7C438241") + CHIP_MAP_PUB,
        H("7C438441") + CHIP_EPH_PUB,
        H("7C0A8608") + CHIP_TOKEN,
    ])

    def transmit(raw: bytes) -> tuple[bytes, int]:
        cmd, _ = CommandApdu.parse(raw)
        sent.append(cmd)
        return (b"", 0x9000) if cmd.ins == 0x22 else (next(answers), 0x9000)

    def rng_values() -> Iterator[bytes]:
        yield _scalar_bytes(TERMINAL_MAP_KEY)
        yield _scalar_bytes(TERMINAL_EPH_KEY)

    values = rng_values()
    sm = pace_authenticate(transmit, SUITE, "mrz", MRZ_INFO, rng=lambda n: next(values))
    assert [c.data for c in sent[1:]] == [
        H("7C00"), H("7C438141") + TERMINAL_MAP_PUB, H("7C438341") + TERMINAL_EPH_PUB, H("7C0A8508") + TERMINAL_TOKEN]
    assert [c.cla for c in sent[1:]] == [0x10, 0x10, 0x10, 0x00]
    assert sm.ks_enc == H("F5F0E35C0D7161EE6724EE513A0D9A7F")
    assert sm.ks_mac == H("FE251C7858B356B24514B3BD5F4297D1")
    assert sm.ssc == 0
