"""Elliptic-curve arithmetic for PACE generic mapping.

Every scalar multiplication on a curve's own generator, and every ECDH with a peer's point on the curve's own
domain, runs in ``cryptography`` (OpenSSL, constant time): the public keys k·G, the nonce's s·G, and the mapping
secret H = k·Y (``cryptography`` gives its x-coordinate; of the two points with that x, H is the one for which
x(H + k·G) = x(k·(Y + G)), a second constant-time ECDH; Y + G and the additions are on public points or add
two points without a scalar). What ``cryptography`` cannot do is work with a generator that is not the curve's
own (Ĝ = s·G + H): the key agreement on the mapped generator uses the ``ecdsa`` package's point arithmetic, as
does any curve ``cryptography`` lacks (brainpoolP192r1).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ec
from ecdsa import curves as _curves
from ecdsa.ellipticcurve import INFINITY, CurveFp, PointJacobi
from ecdsa.numbertheory import square_root_mod_prime

from drivers.emrtd.chip_errors import ProtocolError

_BY_NAME = {
    "secp192r1": _curves.NIST192p, "secp224r1": _curves.NIST224p, "secp256r1": _curves.NIST256p,
    "secp384r1": _curves.NIST384p, "secp521r1": _curves.NIST521p,
    "brainpoolP192r1": _curves.BRAINPOOLP192r1, "brainpoolP224r1": _curves.BRAINPOOLP224r1,
    "brainpoolP256r1": _curves.BRAINPOOLP256r1, "brainpoolP320r1": _curves.BRAINPOOLP320r1,
    "brainpoolP384r1": _curves.BRAINPOOLP384r1, "brainpoolP512r1": _curves.BRAINPOOLP512r1,
}

CURVE_NAMES: tuple[str, ...] = tuple(_BY_NAME)
_CONSTANT_TIME: dict[str, type[ec.EllipticCurve]] = {
    "secp192r1": ec.SECP192R1, "secp224r1": ec.SECP224R1, "secp256r1": ec.SECP256R1, "secp384r1": ec.SECP384R1,
    "secp521r1": ec.SECP521R1, "brainpoolP224r1": ec.BrainpoolP224R1, "brainpoolP256r1": ec.BrainpoolP256R1,
    "brainpoolP320r1": ec.BrainpoolP320R1, "brainpoolP384r1": ec.BrainpoolP384R1,
    "brainpoolP512r1": ec.BrainpoolP512R1,
}


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
    mapped: bool = False  # the generator is not the curve's own

    @classmethod
    def named(cls, name: str) -> EcDomain:
        try:
            c = _BY_NAME[name]
        except KeyError:
            raise ProtocolError(f"unsupported curve {name}") from None
        return cls(name, c.curve, c.generator, c.order)

    @property
    def modulus(self) -> int:
        return int(self.curve.p())

    @property
    def size(self) -> int:
        """Bytes of one field element."""
        return (self.curve.p().bit_length() + 7) // 8

    def with_generator(self, generator: PointJacobi) -> EcDomain:
        return EcDomain(self.name, self.curve, generator, self.order, mapped=True)

    @property
    def _openssl_curve(self) -> ec.EllipticCurve | None:
        kind = None if self.mapped else _CONSTANT_TIME.get(self.name)
        return kind() if kind is not None else None

    def public_point(self, k: int) -> PointJacobi:
        """k·G of this domain's generator."""
        curve = self._openssl_curve
        if curve is None:
            return self.multiply(self.generator, k)
        numbers = ec.derive_private_key(k % self.order, curve).public_key().public_numbers()
        return PointJacobi(self.curve, numbers.x, numbers.y, 1, self.order)

    def agree_point(self, k: int, peer: PointJacobi) -> PointJacobi:
        """The whole point k·peer (generic mapping needs y as well as x)."""
        curve = self._openssl_curve
        if curve is None:
            return self.multiply(peer, k)
        x = self._ecdh_x(curve, k, peer)
        p = self.curve.p()
        y = square_root_mod_prime((x ** 3 + self.curve.a() * x + self.curve.b()) % p, p)
        check = self._ecdh_x(curve, k, peer + self.generator)  # x(k·Y + k·G)
        k_g = self.public_point(k)
        for candidate in (PointJacobi(self.curve, x, y, 1, self.order),
                          PointJacobi(self.curve, x, (p - y) % p, 1, self.order)):
            total = candidate + k_g
            if total != INFINITY and total.x() == check:
                return candidate
        raise ProtocolError("mapping secret could not be recovered")

    def _ecdh_x(self, curve: ec.EllipticCurve, k: int, peer: PointJacobi) -> int:
        if peer == INFINITY:
            raise ProtocolError("public point is the point at infinity")
        public = ec.EllipticCurvePublicNumbers(peer.x(), peer.y(), curve).public_key()
        return int.from_bytes(ec.derive_private_key(k % self.order, curve).exchange(ec.ECDH(), public), "big")

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
        mapped = self.public_point(nonce) + shared
        if mapped == INFINITY:
            raise ProtocolError("generic mapping gave the point at infinity")
        return mapped

    def encode_to_group(self, t: int) -> PointJacobi:
        """Integrated mapping's f_G: the point encoding of ICAO 9303-11 Appendix B (Brier et al., affine form) for
        p ≡ 3 mod 4; every r1 curve PACE names has cofactor 1. Only public values: t is derived from both nonces."""
        p, a, b = self.curve.p(), self.curve.a(), self.curve.b()
        if p % 4 != 3:
            raise ProtocolError(f"integrated mapping needs p ≡ 3 mod 4, not so on {self.name}")
        alpha = -t * t % p
        sum_ = (alpha + alpha * alpha) % p
        x2 = -b * (1 + sum_) * pow(a * sum_ % p, p - 2, p) % p
        x3 = alpha * x2 % p
        h2 = (x2 ** 3 + a * x2 + b) % p
        u = pow(t, 3, p) * h2 % p
        root = pow(h2, p - 1 - (p + 1) // 4, p)
        x, y = (x2, root * h2 % p) if root * root * h2 % p == 1 else (x3, root * u % p)
        if not self.curve.contains_point(x, y):
            raise ProtocolError("integrated mapping gave a point off the curve")
        return PointJacobi(self.curve, x, y, 1, self.order)

    def shared_x(self, private: int, public: PointJacobi) -> bytes:
        """ECDH shared secret: the x-coordinate of private·public, as a field element."""
        return self.multiply(public, private).x().to_bytes(self.size, "big")
