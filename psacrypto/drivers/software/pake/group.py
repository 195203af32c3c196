"""Prime-order elliptic-curve groups for the PAKE protocols, on pycryptodome's
``EccPoint`` (constant-time scalar multiplication in C): encoding and strict
decoding of elements and scalars in the formats the PSA spec fixes for PAKE steps
(an element as an uncompressed SEC1 point, a scalar as a big-endian integer).

Nothing here does field arithmetic itself; pycryptodome checks that a decoded
point is on the curve.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from Crypto.PublicKey import ECC
from Crypto.PublicKey._point import EccPoint, _curves

from .... import constants as c
from ....errors import InvalidArgumentError, NotSupportedError

Point = Any  #: an ``EccPoint`` (pycryptodome has no type hints)

#: (ECC family, bits) -> pycryptodome curve name, for the curves PAKEs run on here.
_CURVES: dict[tuple[int, int], str] = {
    (c.ECC_FAMILY_SECP_R1, 256): "p256",
    (c.ECC_FAMILY_SECP_R1, 384): "p384",
    (c.ECC_FAMILY_SECP_R1, 521): "p521",
}


@dataclass(frozen=True, slots=True)
class Group:
    """A short-Weierstrass curve group of prime order (cofactor 1)."""

    name: str
    family: int
    bits: int
    order: int  #: n, the order of the generator
    prime: int  #: p, the field size
    field_len: int  #: bytes of a coordinate
    scalar_len: int  #: bytes of a scalar (the spec's private-key format)
    generator: Point

    @property
    def element_len(self) -> int:
        return 1 + 2 * self.field_len

    def point(self, x: int, y: int) -> Point:
        return EccPoint(x, y, self.name)

    def encode(self, point: Point) -> bytes:
        """Uncompressed SEC1 encoding ``04 || x || y``."""
        if point.is_point_at_infinity():
            raise InvalidArgumentError("the identity element has no encoding")
        x, y = point.xy
        n = self.field_len
        return b"\x04" + int(x).to_bytes(n, "big") + int(y).to_bytes(n, "big")

    def decode(self, data: bytes) -> Point:
        """A group element from its uncompressed encoding: on the curve, not the
        identity (``InvalidArgumentError`` otherwise)."""
        n = self.field_len
        if len(data) != 1 + 2 * n or data[0] != 4:
            raise InvalidArgumentError("a group element is an uncompressed point")
        x = int.from_bytes(data[1 : 1 + n], "big")
        y = int.from_bytes(data[1 + n :], "big")
        if x >= self.prime or y >= self.prime:
            raise InvalidArgumentError("a coordinate is not a field element")
        try:
            point = EccPoint(x, y, self.name)
        except ValueError:
            raise InvalidArgumentError("the point is not on the curve") from None
        if point.is_point_at_infinity():
            raise InvalidArgumentError("the point is the identity element")
        return point

    def decompress(self, data: bytes) -> Point:
        """A point from its compressed SEC1 encoding (the SPAKE2+ constants)."""
        return ECC.import_key(data, curve_name=self.name).pointQ

    def encode_scalar(self, k: int) -> bytes:
        return k.to_bytes(self.scalar_len, "big")

    def decode_scalar(self, data: bytes, *, nonzero: bool = True) -> int:
        """A scalar in ``[1, n-1]`` (``[0, n-1]`` if not ``nonzero``) from big-endian
        bytes, leading zeros allowed up to the scalar length."""
        if not 0 < len(data) <= self.scalar_len:
            raise InvalidArgumentError("a scalar has the length of the group order")
        k = int.from_bytes(data, "big")
        if k >= self.order or (nonzero and k == 0):
            raise InvalidArgumentError("the scalar is out of range")
        return k

    def base_mul(self, k: int) -> Point:
        return self.generator * k


def random_scalar(order: int) -> int:
    """A uniformly random scalar in ``[1, order-1]`` from the OS CSPRNG.

    Every ephemeral secret of the PAKE drivers comes from here (tests replace it
    to replay published transcripts)."""
    return secrets.randbelow(order - 1) + 1


_GROUPS: dict[tuple[int, int], Group] = {}


def ecc_group(family: int, bits: int) -> Group:
    """The group of ECC ``family``/``bits`` (``NotSupportedError`` if unsupported)."""
    group = _GROUPS.get((family, bits))
    if group is None:
        name = _CURVES.get((family, bits))
        if name is None:
            raise NotSupportedError(f"ECC family 0x{family:02x} with {bits} bits is not supported")
        curve = _curves[name]
        order, prime = int(curve.order), int(curve.p)
        size = (bits + 7) // 8
        group = Group(name, family, bits, order, prime, size, size, curve.G)
        _GROUPS[(family, bits)] = group
    return group


def supported_curve(family: int, bits: int) -> bool:
    return (family, bits) in _CURVES
