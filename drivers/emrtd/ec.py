"""Elliptic-curve point arithmetic for PACE generic mapping and chip authentication.

PACE generic mapping needs arithmetic on a generator that is not the curve's own (Ĝ = s·G + H), which the
``cryptography`` package does not expose. The standard curves (NIST P-192…P-521, brainpool r1 curves)
and their Jacobian point arithmetic come from the ``ecdsa`` package.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from ecdsa import curves as _curves
from ecdsa.ellipticcurve import INFINITY, CurveFp, PointJacobi

from drivers.emrtd.chip_errors import ProtocolError

_BY_NAME = {
    "secp192r1": _curves.NIST192p, "secp224r1": _curves.NIST224p, "secp256r1": _curves.NIST256p,
    "secp384r1": _curves.NIST384p, "secp521r1": _curves.NIST521p,
    "brainpoolP192r1": _curves.BRAINPOOLP192r1, "brainpoolP224r1": _curves.BRAINPOOLP224r1,
    "brainpoolP256r1": _curves.BRAINPOOLP256r1, "brainpoolP320r1": _curves.BRAINPOOLP320r1,
    "brainpoolP384r1": _curves.BRAINPOOLP384r1, "brainpoolP512r1": _curves.BRAINPOOLP512r1,
}

CURVE_NAMES: tuple[str, ...] = tuple(_BY_NAME)


def random_scalar(order: int, rng: Callable[[int], bytes] = os.urandom) -> int:
    """A private key in [1, order − 1], from 8 bytes more than the order needs (negligible bias)."""
    n_bytes = (order.bit_length() + 7) // 8 + 8
    return int.from_bytes(rng(n_bytes), "big") % (order - 1) + 1


@dataclass(frozen=True)
class EcDomain:
    """A prime curve with a generator (its own or a mapped one) and the order of that generator."""

    name: str
    curve: CurveFp
    generator: PointJacobi
    order: int

    @classmethod
    def named(cls, name: str) -> EcDomain:
        try:
            c = _BY_NAME[name]
        except KeyError:
            raise ProtocolError(f"unsupported curve {name}") from None
        return cls(name, c.curve, c.generator, c.order)

    @property
    def size(self) -> int:
        """Bytes of one field element."""
        return (self.curve.p().bit_length() + 7) // 8

    def with_generator(self, generator: PointJacobi) -> EcDomain:
        return EcDomain(self.name, self.curve, generator, self.order)

    def random_scalar(self, rng: Callable[[int], bytes] = os.urandom) -> int:
        return random_scalar(self.order, rng)

    def encode(self, point: PointJacobi) -> bytes:
        """Uncompressed encoding 04 ‖ x ‖ y."""
        if point == INFINITY:
            raise ProtocolError("point at infinity has no encoding")
        return b"\x04" + point.x().to_bytes(self.size, "big") + point.y().to_bytes(self.size, "big")

    def decode(self, data: bytes) -> PointJacobi:
        """Decode and validate an uncompressed point (on the curve, not the point at infinity)."""
        if len(data) != 1 + 2 * self.size or data[0] != 0x04:
            raise ProtocolError("public point is not an uncompressed point of the expected size")
        x = int.from_bytes(data[1:1 + self.size], "big")
        y = int.from_bytes(data[1 + self.size:], "big")
        p = self.curve.p()
        if x >= p or y >= p or not self.curve.contains_point(x, y):
            raise ProtocolError("public point is not on the curve")
        return PointJacobi(self.curve, x, y, 1, self.order)

    def multiply(self, point: PointJacobi, k: int) -> PointJacobi:
        result = point * k
        if result == INFINITY:
            raise ProtocolError("scalar multiplication gave the point at infinity")
        return result

    def map_generator(self, nonce: int, shared: PointJacobi) -> PointJacobi:
        """Generic mapping: Ĝ = s·G + H."""
        mapped = self.generator * nonce + shared
        if mapped == INFINITY:
            raise ProtocolError("generic mapping gave the point at infinity")
        return mapped

    def shared_x(self, private: int, public: PointJacobi) -> bytes:
        """ECDH shared secret: the x-coordinate of private·public, as a field element."""
        return self.multiply(public, private).x().to_bytes(self.size, "big")
