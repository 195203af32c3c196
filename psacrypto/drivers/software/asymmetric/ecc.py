"""Elliptic curve keys: the curve table, import/export formats, generation,
loading and derivation.

Three kinds of curve, with different formats (see the ECC key types):

* Weierstrass: key pair = private scalar, big-endian, ``ceil(bits/8)`` bytes, in
  ``[1, n-1]``; public key = ``0x04 || x || y`` (uncompressed SEC1 point).
* Montgomery (X25519, X448): RFC 7748 scalars and u-coordinates, little-endian.
* Twisted Edwards (Ed25519, Ed448): RFC 8032 private and public keys.

The Weierstrass curves pyca does not offer (secp192k1, secp224k1,
brainpoolP160r1/P192r1/P224r1/P320r1) have ``lib`` set instead of ``curve``:
their arithmetic is done by the pure-Python ``ecdsa`` package, which is **not
constant-time** (see ``ecc_ecdsa_lib``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, x448, x25519

from .... import constants as c
from ....errors import InvalidArgumentError, NotSupportedError
from . import ecc_ecdsa_lib as soft
from ._common import Buffer, family_of, int_to_bytes, is_key_pair

WEIERSTRASS = "weierstrass"
MONTGOMERY = "montgomery"
EDWARDS = "edwards"

#: Every curve size the spec defines, per family (``key_bits`` values).
SPEC_SIZES: dict[int, tuple[int, ...]] = {
    c.ECC_FAMILY_SECP_K1: (192, 225, 256),
    c.ECC_FAMILY_SECP_R1: (192, 224, 256, 384, 521),
    c.ECC_FAMILY_SECP_R2: (160,),
    c.ECC_FAMILY_SECT_K1: (163, 233, 239, 283, 409, 571),
    c.ECC_FAMILY_SECT_R1: (163, 233, 283, 409, 571),
    c.ECC_FAMILY_SECT_R2: (163,),
    c.ECC_FAMILY_BRAINPOOL_P_R1: (160, 192, 224, 256, 320, 384, 512),
    c.ECC_FAMILY_FRP: (256,),
    c.ECC_FAMILY_MONTGOMERY: (255, 448),
    c.ECC_FAMILY_TWISTED_EDWARDS: (255, 448),
}


@dataclass(frozen=True, slots=True)
class Curve:
    family: int
    bits: int
    kind: str
    #: pyca curve object (Weierstrass curves only).
    curve: ec.EllipticCurve | None
    #: Order of the base point (Weierstrass curves only; 0 otherwise).
    order: int
    #: Length of a private key in the import format.
    private_length: int
    #: Length of a public key in the import format.
    public_length: int
    #: python-ecdsa curve, for a Weierstrass curve pyca lacks (not constant-time).
    lib: soft.LibCurve | None = None

    @property
    def field_length(self) -> int:
        """``ceil(m/8)``, m the bit size of the field: one coordinate, and the
        ECDH shared secret (``ceil(bits/8)`` except for secp224k1)."""
        if self.kind == WEIERSTRASS:
            return (self.public_length - 1) // 2
        return (self.bits + 7) // 8

    @property
    def scalar_length(self) -> int:
        """Length of one of ``r`` and ``s`` in an ECDSA signature."""
        return (self.order.bit_length() + 7) // 8


def _weierstrass(family: int, bits: int, curve: ec.EllipticCurve) -> Curve:
    length = (bits + 7) // 8
    return Curve(family, bits, WEIERSTRASS, curve, curve.group_order, length, 1 + 2 * length)


def _weierstrass_lib(family: int, bits: int, name: str) -> Curve:
    """A Weierstrass curve computed by python-ecdsa (pyca lacks it)."""
    lib = soft.curve_by_name(name)
    length = (bits + 7) // 8
    return Curve(family, bits, WEIERSTRASS, None, lib.order, length, 1 + 2 * lib.field_length, lib)


CURVES: dict[tuple[int, int], Curve] = {
    (cv.family, cv.bits): cv
    for cv in (
        _weierstrass(c.ECC_FAMILY_SECP_R1, 192, ec.SECP192R1()),
        _weierstrass(c.ECC_FAMILY_SECP_R1, 224, ec.SECP224R1()),
        _weierstrass(c.ECC_FAMILY_SECP_R1, 256, ec.SECP256R1()),
        _weierstrass(c.ECC_FAMILY_SECP_R1, 384, ec.SECP384R1()),
        _weierstrass(c.ECC_FAMILY_SECP_R1, 521, ec.SECP521R1()),
        _weierstrass(c.ECC_FAMILY_SECP_K1, 256, ec.SECP256K1()),
        _weierstrass(c.ECC_FAMILY_BRAINPOOL_P_R1, 256, ec.BrainpoolP256R1()),
        _weierstrass(c.ECC_FAMILY_BRAINPOOL_P_R1, 384, ec.BrainpoolP384R1()),
        _weierstrass(c.ECC_FAMILY_BRAINPOOL_P_R1, 512, ec.BrainpoolP512R1()),
        # Not constant-time: python-ecdsa, pure Python (ecc_ecdsa_lib).
        _weierstrass_lib(c.ECC_FAMILY_SECP_K1, 192, "secp192k1"),
        _weierstrass_lib(c.ECC_FAMILY_SECP_K1, 225, "secp224k1"),
        _weierstrass_lib(c.ECC_FAMILY_BRAINPOOL_P_R1, 160, "brainpoolP160r1"),
        _weierstrass_lib(c.ECC_FAMILY_BRAINPOOL_P_R1, 192, "brainpoolP192r1"),
        _weierstrass_lib(c.ECC_FAMILY_BRAINPOOL_P_R1, 224, "brainpoolP224r1"),
        _weierstrass_lib(c.ECC_FAMILY_BRAINPOOL_P_R1, 320, "brainpoolP320r1"),
        Curve(c.ECC_FAMILY_MONTGOMERY, 255, MONTGOMERY, None, 0, 32, 32),
        Curve(c.ECC_FAMILY_MONTGOMERY, 448, MONTGOMERY, None, 0, 56, 56),
        Curve(c.ECC_FAMILY_TWISTED_EDWARDS, 255, EDWARDS, None, 0, 32, 32),
        Curve(c.ECC_FAMILY_TWISTED_EDWARDS, 448, EDWARDS, None, 0, 57, 57),
    )
}


def curve_for(key_type: int, bits: int) -> Curve:
    """The curve of an ECC key type and size: ``InvalidArgumentError`` for a size
    the family does not define, ``NotSupportedError`` for one not implemented."""
    family = family_of(key_type)
    sizes = SPEC_SIZES.get(family)
    if sizes is None:
        raise NotSupportedError(f"ECC family 0x{family:02x} is not supported")
    if bits not in sizes:
        raise InvalidArgumentError(f"{bits} bits is not a curve of ECC family 0x{family:02x}")
    curve = CURVES.get((family, bits))
    if curve is None:
        raise NotSupportedError(f"the {bits}-bit curve of ECC family 0x{family:02x} is unsupported")
    return curve


def _curve_for_length(key_type: int, bits: int, length: int) -> Curve:
    """The curve whose import format has ``length`` bytes (``bits`` 0: any size)."""
    family = family_of(key_type)
    sizes = SPEC_SIZES.get(family)
    if sizes is None:
        raise NotSupportedError(f"ECC family 0x{family:02x} is not supported")
    pair = is_key_pair(key_type)
    candidates = [bits] if bits else list(sizes)
    for size in candidates:
        if size not in sizes:
            break
        if _format_length(family, size, pair) == length:
            return curve_for(key_type, size)
    raise InvalidArgumentError(
        f"{length} bytes is not a {'key pair' if pair else 'public key'}"
        f" of ECC family 0x{family:02x}" + (f" with {bits} bits" if bits else "")
    )


def _format_length(family: int, bits: int, pair: bool) -> int:
    length = (bits + 7) // 8
    if family == c.ECC_FAMILY_MONTGOMERY:
        return length
    if family == c.ECC_FAMILY_TWISTED_EDWARDS:
        return 57 if bits == 448 else 32
    if pair:
        return length
    # A coordinate has ceil(m/8) bytes, m the bit size of the field: 224 bits
    # for secp224k1, whose key_bits (225) is the bit size of the order.
    if family == c.ECC_FAMILY_SECP_K1 and bits == 225:
        length = 28
    return 1 + 2 * length


# ---------------------------------------------------------------- formats


def clamp_montgomery(scalar: bytes) -> bytes:
    """Force the bits RFC 7748 ``decodeScalar25519``/``decodeScalar448`` fix."""
    k = bytearray(scalar)
    if len(k) == 32:
        k[0] &= 0xF8
        k[31] = (k[31] & 0x7F) | 0x40
    else:
        k[0] &= 0xFC
        k[55] |= 0x80
    return bytes(k)


_ED25519_P = 2**255 - 19
_ED25519_D = -121665 * pow(121666, -1, _ED25519_P) % _ED25519_P
_ED448_P = 2**448 - 2**224 - 1
_ED448_D = -39081 % _ED448_P


def edwards_point_decodes(data: bytes) -> bool:
    """Whether ``data`` decodes to a curve point (RFC 8032 §5.1.3 / §5.2.3 steps 1-4).

    Only field arithmetic: y must be canonical (below p), and the x² the curve
    equation gives must be a square, with x = 0 only if the sign bit is clear.
    """
    value = int.from_bytes(data, "little")
    top = len(data) * 8 - 1
    sign = value >> top
    y = value & ((1 << top) - 1)
    if len(data) == 32:
        p = _ED25519_P
        u, v = y * y - 1, _ED25519_D * y * y + 1
    else:
        p = _ED448_P
        u, v = y * y - 1, _ED448_D * y * y - 1
    if y >= p:
        return False
    x2 = u * pow(v, -1, p) % p
    if x2 == 0:
        return sign == 0
    return pow(x2, (p - 1) // 2, p) == 1


def import_key(key_type: int, bits: int, data: Buffer) -> tuple[int, bytes]:
    raw = bytes(data)
    curve = _curve_for_length(key_type, bits, len(raw))
    if is_key_pair(key_type):
        if curve.kind == WEIERSTRASS:
            d = int.from_bytes(raw, "big")
            if not 1 <= d < curve.order:
                raise InvalidArgumentError("the private scalar is not in [1, n-1]")
        elif curve.kind == MONTGOMERY:
            raw = clamp_montgomery(raw)
        return curve.bits, raw
    if curve.kind == WEIERSTRASS:
        if raw[0] != 0x04:
            raise InvalidArgumentError("a public key must be an uncompressed point (0x04 ...)")
        if curve.lib is not None:
            soft.decode_point(curve.lib, raw)
            return curve.bits, raw
        assert curve.curve is not None
        try:
            ec.EllipticCurvePublicKey.from_encoded_point(curve.curve, raw)
        except ValueError:
            raise InvalidArgumentError("the point is not on the curve") from None
    elif curve.kind == EDWARDS and not edwards_point_decodes(raw):
        raise InvalidArgumentError("the data does not encode a point of the curve")
    return curve.bits, raw


_PRIVATE_CLASSES: dict[tuple[int, int], Any] = {
    (c.ECC_FAMILY_MONTGOMERY, 255): x25519.X25519PrivateKey,
    (c.ECC_FAMILY_MONTGOMERY, 448): x448.X448PrivateKey,
    (c.ECC_FAMILY_TWISTED_EDWARDS, 255): ed25519.Ed25519PrivateKey,
    (c.ECC_FAMILY_TWISTED_EDWARDS, 448): ed448.Ed448PrivateKey,
}
_PUBLIC_CLASSES: dict[tuple[int, int], Any] = {
    (c.ECC_FAMILY_MONTGOMERY, 255): x25519.X25519PublicKey,
    (c.ECC_FAMILY_MONTGOMERY, 448): x448.X448PublicKey,
    (c.ECC_FAMILY_TWISTED_EDWARDS, 255): ed25519.Ed25519PublicKey,
    (c.ECC_FAMILY_TWISTED_EDWARDS, 448): ed448.Ed448PublicKey,
}


def generate_key(key_type: int, bits: int) -> bytes:
    curve = curve_for(key_type, bits)
    if curve.kind == WEIERSTRASS:
        if curve.lib is not None:
            return int_to_bytes(soft.generate_scalar(curve.lib), curve.private_length)
        assert curve.curve is not None
        key = ec.generate_private_key(curve.curve)
        return int_to_bytes(key.private_numbers().private_value, curve.private_length)
    raw: bytes = _PRIVATE_CLASSES[(curve.family, curve.bits)].generate().private_bytes_raw()
    return clamp_montgomery(raw) if curve.kind == MONTGOMERY else raw


def load(key_type: int, bits: int, material: bytes) -> Any:
    curve = curve_for(key_type, bits)
    if curve.kind == WEIERSTRASS:
        if curve.lib is not None:
            if is_key_pair(key_type):
                return soft.load_private(curve.lib, material)
            return soft.load_public(curve.lib, material)
        assert curve.curve is not None
        if is_key_pair(key_type):
            return ec.derive_private_key(int.from_bytes(material, "big"), curve.curve)
        return ec.EllipticCurvePublicKey.from_encoded_point(curve.curve, material)
    classes = _PRIVATE_CLASSES if is_key_pair(key_type) else _PUBLIC_CLASSES
    if is_key_pair(key_type):
        return classes[(curve.family, curve.bits)].from_private_bytes(material)
    return classes[(curve.family, curve.bits)].from_public_bytes(material)


def encode_public(curve: Curve, public_key: Any) -> bytes:
    if isinstance(public_key, soft.SoftPublicKey):
        return public_key.encoded
    if curve.kind == WEIERSTRASS:
        encoded: bytes = public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return encoded
    raw: bytes = public_key.public_bytes_raw()
    return raw


def export_public_key(key_type: int, bits: int, material: bytes) -> bytes:
    if not is_key_pair(key_type):
        return material
    curve = curve_for(key_type, bits)
    return encode_public(curve, load(key_type, bits, material).public_key())


def derive_key(key_type: int, bits: int, read: Callable[[int], bytes]) -> bytes:
    """The spec's derivation of an ECC private key from the KDF output stream."""
    curve = curve_for(key_type, bits)
    if curve.kind == MONTGOMERY:
        return clamp_montgomery(read(curve.private_length))
    if curve.kind == EDWARDS:
        return read(curve.private_length)
    # Weierstrass: draw ceil(m/8) bytes (m = bit size of n), mask the excess top
    # bits, reject values above n - 2, and use k + 1.
    n = curve.order
    m = n.bit_length()
    length = (m + 7) // 8
    mask = (1 << m) - 1
    while True:
        k = int.from_bytes(read(length), "big") & mask
        if k <= n - 2:
            return int_to_bytes(k + 1, curve.private_length)
