"""ICAO 9303-11 Appendix G.2 worked example (PACE, DH generic mapping, RFC 5114 1024-bit group with a 160-bit
subgroup = parameterId 0, AES-128, MRZ password) as a known-answer test of the terminal-side transcript, and the
card side of PACE-DH against the terminal."""

from __future__ import annotations

import pytest

from drivers.emrtd import tlv
from drivers.emrtd.apdu import CommandApdu
from drivers.emrtd.chip_errors import AccessDeniedError, ProtocolError
from drivers.emrtd.dh import DhDomain
from drivers.emrtd.pace import PaceCard, PaceSuite, mse_set_at, pace_authenticate
from tests.chip.conftest import pace_transcript

H = bytes.fromhex
MRZ_INFO = "T22000129364081251010318"
SUITE = PaceSuite("0.4.0.127.0.7.2.2.4.1.2", 0, "modp-1024-160", "aes", 128)
ENCRYPTED_NONCE = H("854D8DF5827FA6852D1A4FA701CDDDCA")
NONCE = H("FA5B7E3E49753A0DB9178B7B9BD898C8")
TERMINAL_MAP_KEY = int("5265030F751F4AD18B08AC565FC7AC952E41618D", 16)
TERMINAL_MAP_PUB = H(
    "23FB3749EA030D2A25B278D2A562047ADE3F01B74F17A15402CB7352CA7D2B3EB71C343DB13D1DEBCE9A3666DBCFC920B49174A602CB4796"
    "5CAA73DC702489A44D41DB914DE9613DC5E98C94160551C0DF86274B9359BC0490D01B03AD54022DCB4F57FAD6322497D7A1E28D46710F46"
    "1AFE710FBBBC5F8BA166F4311975EC6C")
CHIP_MAP_PUB = H(
    "78879F57225AA8080D52ED0FC890A4B25336F699AA89A2D3A189654AF70729E623EA5738B26381E4DA19E004706FACE7B235C2DBF2F38748"
    "312F3C98C2DD4882A41947B324AA1259AC22579DB93F7085655AF30889DBB845D9E6783FE42C9F2449400306254C8AE8EE9DD812A804C0B6"
    "6E8CAFC14F84D8258950A91B44126EE6")
MAPPED_GENERATOR = H(
    "7C9CBFE98F9FBDDA8D143506FA7D9306F4CB17E3C71707AFF5E1C1A12370249684D64EE37AF44B8DBD9D45BF6023919CBAA027AB97ACC771"
    "666C8E98FF483301BFA4872DEDE9034EDFACB70814166B7F360676829B826BEA57291B5AD69FBC84EF1E779032A305803F74341793E86974"
    "2D401325B37EE8565FFCDEE618342DC5")
TERMINAL_EPH_KEY = int("89CCD99B0E8D3B1F11E1296DCA68EC53411CF2CA", 16)
TERMINAL_EPH_PUB = H(
    "907D89E2D425A178AA81AF4A7774EC8E388C115CAE67031E85EECE520BD911551B9AE4D04369F29A02626C86FBC6747CC7BC352645B6161A"
    "2A42D44EDA80A08FA8D61B76D3A154AD8A5A51786B0BC07147057871A922212C5F67F43173172236B7747D1671E6D692A3C7D40A0C3C5CE3"
    "97545D015C175EB5130551EDBC2EE5D4")
CHIP_EPH_PUB = H(
    "075693D9AE941877573E634B6E644F8E60AF17A0076B8B123D9201074D36152BD8B3A213F53820C42ADC79AB5D0AEEC3AEFB91394DA476BD"
    "97B9B14D0A65C1FC71A0E019CB08AF55E1F729005FBA7E3FA5DC41899238A250767A6D46DB974064386CD456743585F8E5D90CC8B4004B1F"
    "6D866C79CE0584E49687FF61BC29AEA1")
SHARED = H(
    "6BABC7B3A72BCD7EA385E4C62DB2625BD8613B24149E146A629311C4CA6698E38B834B6A9E9CD7184BA8834AFF5043D436950C4C1E783236"
    "7C10CB8C314D40E5990B0DF7013E64B4549E2270923D06F08CFF6BD3E977DDE6ABE4C31D55C0FA2E465E553E77BDF75E3193D3834FC26E8E"
    "B1EE2FA1E4FC97C18C3F6CFFFE2607FD")
TERMINAL_TOKEN = H("B46DD9BD4D98381F")
CHIP_TOKEN = H("917F37B5C0E6D8D1")
DOMAIN = DhDomain.named("modp-1024-160")


def test_nonce_mapping_and_shared_secret() -> None:
    k_pi = SUITE.password_key("mrz", MRZ_INFO)
    assert SUITE.block_cipher.decrypt(k_pi, ENCRYPTED_NONCE) == NONCE
    assert DOMAIN.encode(DOMAIN.multiply(DOMAIN.generator, TERMINAL_MAP_KEY)) == TERMINAL_MAP_PUB
    h = DOMAIN.multiply(DOMAIN.decode(CHIP_MAP_PUB), TERMINAL_MAP_KEY)
    mapped = DOMAIN.with_generator(DOMAIN.map_generator(int.from_bytes(NONCE, "big"), h))
    assert DOMAIN.encode(mapped.generator) == MAPPED_GENERATOR
    assert mapped.encode(mapped.multiply(mapped.generator, TERMINAL_EPH_KEY)) == TERMINAL_EPH_PUB
    assert mapped.shared_x(TERMINAL_EPH_KEY, mapped.decode(CHIP_EPH_PUB)) == SHARED


def test_tokens_use_the_dh_public_value_tag() -> None:
    assert tlv.decode(SUITE.public_key_object(CHIP_EPH_PUB)).find(0x84) is not None


def test_whole_transcript() -> None:
    sent, sm = pace_transcript(SUITE, MRZ_INFO, [
        tlv.encode(0x7C, tlv.encode(0x80, ENCRYPTED_NONCE)),
        tlv.encode(0x7C, tlv.encode(0x82, CHIP_MAP_PUB)),
        tlv.encode(0x7C, tlv.encode(0x84, CHIP_EPH_PUB)),
        tlv.encode(0x7C, tlv.encode(0x86, CHIP_TOKEN)),
    ], [TERMINAL_MAP_KEY, TERMINAL_EPH_KEY])
    assert sent[0].encode() == mse_set_at(SUITE, "mrz").encode()
    assert sent[0].data[:12] == H("800A04007F00070202040102")  # id-PACE-DH-GM-AES-CBC-CMAC-128
    assert [c.data for c in sent[1:]] == [
        H("7C00"), tlv.encode(0x7C, tlv.encode(0x81, TERMINAL_MAP_PUB)),
        tlv.encode(0x7C, tlv.encode(0x83, TERMINAL_EPH_PUB)), H("7C0A8508") + TERMINAL_TOKEN]
    assert sm.ks_enc == H("2F7F46ADCC9E7E521B45D192FAFA9126")
    assert sm.ks_mac == H("805A1D27D45A5116F73C54469462B7D8")


@pytest.mark.parametrize("name", ["modp-1024-160", "modp-2048-224", "modp-2048-256"])
def test_card_and_terminal_agree(name: str) -> None:
    suite = PaceSuite("0.4.0.127.0.7.2.2.4.1.2", {"modp-1024-160": 0, "modp-2048-224": 1, "modp-2048-256": 2}[name],
                      name, "aes", 128)
    card = PaceCard([suite], {"can": "123456"})

    def transmit(raw: bytes) -> tuple[bytes, int]:
        cmd, _ = CommandApdu.parse(raw)
        if cmd.ins == 0x22:
            return b"", card.set_at(cmd.data)
        data, sw, _ = card.general_authenticate(cmd.data)
        return data, sw

    sm = pace_authenticate(transmit, suite, "can", "123456")
    assert len(sm.ks_enc) == 16
    with pytest.raises(AccessDeniedError):
        pace_authenticate(transmit, suite, "can", "654321")


def test_public_values_outside_the_subgroup_are_refused() -> None:
    for value in (1, 2, DOMAIN.p - 1):
        with pytest.raises(ProtocolError):
            DOMAIN.decode(value.to_bytes(DOMAIN.size, "big"))
