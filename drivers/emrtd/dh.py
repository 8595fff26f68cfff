"""Finite-field Diffie-Hellman for PACE generic mapping over DH (ICAO 9303-11 §4.4.3.3.1, BSI TR-03110 A.3.4).

The standardized DH domain parameters of PACE are the three MODP groups with prime-order subgroups of RFC 5114
(parameterId 0, 1 and 2 in ICAO 9303-11 §9.5.1). Generic mapping needs a generator that is not the group's own
(g̃ = g^s · h mod p); the ``cryptography`` package's finite-field DH is deprecated and takes no injected random
source, so the modular arithmetic here is Python's ``pow`` on the 1024/2048-bit group. Every public value received
is checked to lie in the prime-order subgroup (1 < y < p − 1 and y^q = 1 mod p) before it is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from drivers.emrtd.chip_errors import ProtocolError
from drivers.emrtd.ec import random_scalar


@dataclass(frozen=True)
class DhGroup:
    name: str
    p: int
    g: int
    q: int


@dataclass(frozen=True)
class DhDomain:
    """A DH group with a generator (its own or a mapped one); the same interface as ``EcDomain`` for PACE."""

    name: str
    p: int
    generator: int
    order: int

    @classmethod
    def named(cls, name: str) -> DhDomain:
        group = RFC5114_GROUPS.get(name)
        if group is None:
            raise ProtocolError(f"unsupported DH group {name}")
        return cls(name, group.p, group.g, group.q)

    @property
    def modulus(self) -> int:
        return self.p

    @property
    def size(self) -> int:
        return (self.p.bit_length() + 7) // 8  # bytes of one group element

    def with_generator(self, generator: int) -> DhDomain:
        return DhDomain(self.name, self.p, generator, self.order)

    def random_scalar(self, rng: Callable[[int], bytes] = os.urandom) -> int:
        return random_scalar(self.order, rng)

    def encode(self, element: int) -> bytes:
        return element.to_bytes(self.size, "big")

    def decode(self, data: bytes) -> int:
        """A received public value, checked to be in the prime-order subgroup."""
        if not data or len(data) > self.size:
            raise ProtocolError("DH public value has the wrong length")
        value = int.from_bytes(data, "big")
        if not 1 < value < self.p - 1 or pow(value, self.order, self.p) != 1:
            raise ProtocolError("DH public value is not in the group")
        return value

    def multiply(self, element: int, k: int) -> int:
        """element^k mod p (the group is written multiplicatively; the name matches ``EcDomain``)."""
        result = pow(element, k, self.p)
        if result == 1:
            raise ProtocolError("exponentiation gave the identity")
        return result

    def public_point(self, k: int) -> int:
        return self.multiply(self.generator, k)

    def agree_point(self, k: int, peer: int) -> int:
        return self.multiply(peer, k)

    def shared_x(self, private: int, public: int) -> bytes:
        """The shared secret K = public^private mod p, as an octet string of the length of p."""
        return self.encode(self.multiply(public, private))

    def encode_to_group(self, value: int) -> int:
        """Integrated mapping's f_g: x^((p−1)/q) mod p, never 1."""
        mapped = pow(value, (self.p - 1) // self.order, self.p)
        if mapped == 1:
            raise ProtocolError("integrated mapping gave the identity")
        return mapped

    def map_generator(self, nonce: int, shared: int) -> int:
        """Generic mapping: g̃ = g^s · h mod p."""
        mapped = pow(self.generator, nonce, self.p) * shared % self.p
        if mapped in (0, 1):
            raise ProtocolError("generic mapping gave a degenerate generator")
        return mapped


RFC5114_GROUPS: dict[str, DhGroup] = {
    "modp-1024-160": DhGroup(
        "modp-1024-160",
        int(
            "B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C0"
            "13ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0"
            "A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371",
            16,
        ),
        int(
            "A4D1CBD5C3FD34126765A442EFB99905F8104DD258AC507FD6406CFF14266D31266FEA1E5C41564B777E690F5504F213"
            "160217B4B01B886A5E91547F9E2749F4D7FBD7D3B9A92EE1909D0D2263F80A76A6A24C087A091F531DBF0A0169B6A28A"
            "D662A4D18E73AFA32D779D5918D08BC8858F4DCEF97C2A24855E6EEB22B3B2E5",
            16,
        ),
        int(
            "F518AA8781A8DF278ABA4E7D64B7CB9D49462353",
            16,
        ),
    ),
    "modp-2048-224": DhGroup(
        "modp-2048-224",
        int(
            "AD107E1E9123A9D0D660FAA79559C51FA20D64E5683B9FD1B54B1597B61D0A75E6FA141DF95A56DBAF9A3C407BA1DF15"
            "EB3D688A309C180E1DE6B85A1274A0A66D3F8152AD6AC2129037C9EDEFDA4DF8D91E8FEF55B7394B7AD5B7D0B6C12207"
            "C9F98D11ED34DBF6C6BA0B2C8BBC27BE6A00E0A0B9C49708B3BF8A317091883681286130BC8985DB1602E714415D9330"
            "278273C7DE31EFDC7310F7121FD5A07415987D9ADC0A486DCDF93ACC44328387315D75E198C641A480CD86A1B9E587E8"
            "BE60E69CC928B2B9C52172E413042E9B23F10B0E16E79763C9B53DCF4BA80A29E3FB73C16B8E75B97EF363E2FFA31F71"
            "CF9DE5384E71B81C0AC4DFFE0C10E64F",
            16,
        ),
        int(
            "AC4032EF4F2D9AE39DF30B5C8FFDAC506CDEBE7B89998CAF74866A08CFE4FFE3A6824A4E10B9A6F0DD921F01A70C4AFA"
            "AB739D7700C29F52C57DB17C620A8652BE5E9001A8D66AD7C17669101999024AF4D027275AC1348BB8A762D0521BC98A"
            "E247150422EA1ED409939D54DA7460CDB5F6C6B250717CBEF180EB34118E98D119529A45D6F834566E3025E316A330EF"
            "BB77A86F0C1AB15B051AE3D428C8F8ACB70A8137150B8EEB10E183EDD19963DDD9E263E4770589EF6AA21E7F5F2FF381"
            "B539CCE3409D13CD566AFBB48D6C019181E1BCFE94B30269EDFE72FE9B6AA4BD7B5A0F1C71CFFF4C19C418E1F6EC0179"
            "81BC087F2A7065B384B890D3191F2BFA",
            16,
        ),
        int(
            "801C0D34C58D93FE997177101F80535A4738CEBCBF389A99B36371EB",
            16,
        ),
    ),
    "modp-2048-256": DhGroup(
        "modp-2048-256",
        int(
            "87A8E61DB4B6663CFFBBD19C651959998CEEF608660DD0F25D2CEED4435E3B00E00DF8F1D61957D4FAF7DF4561B2AA30"
            "16C3D91134096FAA3BF4296D830E9A7C209E0C6497517ABD5A8A9D306BCF67ED91F9E6725B4758C022E0B1EF4275BF7B"
            "6C5BFC11D45F9088B941F54EB1E59BB8BC39A0BF12307F5C4FDB70C581B23F76B63ACAE1CAA6B7902D52526735488A0E"
            "F13C6D9A51BFA4AB3AD8347796524D8EF6A167B5A41825D967E144E5140564251CCACB83E6B486F6B3CA3F7971506026"
            "C0B857F689962856DED4010ABD0BE621C3A3960A54E710C375F26375D7014103A4B54330C198AF126116D2276E11715F"
            "693877FAD7EF09CADB094AE91E1A1597",
            16,
        ),
        int(
            "3FB32C9B73134D0B2E77506660EDBD484CA7B18F21EF205407F4793A1A0BA12510DBC15077BE463FFF4FED4AAC0BB555"
            "BE3A6C1B0C6B47B1BC3773BF7E8C6F62901228F8C28CBB18A55AE31341000A650196F931C77A57F2DDF463E5E9EC144B"
            "777DE62AAAB8A8628AC376D282D6ED3864E67982428EBC831D14348F6F2F9193B5045AF2767164E1DFC967C1FB3F2E55"
            "A4BD1BFFE83B9C80D052B985D182EA0ADB2A3B7313D3FE14C8484B1E052588B9B7D2BBD2DF016199ECD06E1557CD0915"
            "B3353BBB64E0EC377FD028370DF92B52C7891428CDC67EB6184B523D1DB246C32F63078490F00EF8D647D148D4795451"
            "5E2327CFEF98C582664B4C0F6CC41659",
            16,
        ),
        int(
            "8CF83642A709A097B447997640129DA299B1A47D1EB3750BA308B0FE64F5FBD3",
            16,
        ),
    ),
}
