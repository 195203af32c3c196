"""The SPAKE2+ key types (``KEY_TYPE_SPAKE2P_KEY_PAIR`` / ``_PUBLIC_KEY``).

* Key pair: ``w0 || w1``, each a scalar in ``[1, n-1]`` in the curve's private-key
  format (big-endian, the group order's length).
* Public key (the registration record): ``w0 || L`` with ``L = w1*P`` uncompressed.
* Derivation (the spec's procedure, RFC 9383 section 3.2 / Matter): read
  ``ceil(log2(n)/8) + 8`` bytes for ``w0s``, then as many for ``w1s``;
  ``w0 = w0s mod n``, ``w1 = w1s mod n``.
* Generation is not defined by the spec (a key pair comes from a password, by
  derivation): ``NotSupportedError``.

Supported curves: secp256r1, secp384r1, secp521r1.
"""

from __future__ import annotations

from collections.abc import Callable

from ....errors import InvalidArgumentError, NotSupportedError
from .group import Group, ecc_group, supported_curve


def is_spake2p(key_type: int) -> bool:
    return (key_type & 0xCF80) == 0x4400


def is_pair(key_type: int) -> bool:
    return (key_type & 0x7000) == 0x7000


def family_of(key_type: int) -> int:
    return key_type & 0x7F


def key_type_supported(key_type: int, bits: int) -> bool:
    return is_spake2p(key_type) and supported_curve(family_of(key_type), bits)


def _bits_from_length(key_type: int, length: int) -> int:
    family = family_of(key_type)
    for bits in (256, 384, 521):
        if supported_curve(family, bits):
            scalar = (bits + 7) // 8
            want = 2 * scalar if is_pair(key_type) else scalar + 1 + 2 * scalar
            if length == want:
                return bits
    raise InvalidArgumentError("the data has the length of no supported SPAKE2+ key")


def group_for(key_type: int, bits: int) -> Group:
    if not is_spake2p(key_type):
        raise InvalidArgumentError(f"0x{key_type:04x} is not a SPAKE2+ key type")
    return ecc_group(family_of(key_type), bits)


def split(key_type: int, bits: int, material: bytes) -> tuple[Group, int, int | None, bytes]:
    """``(group, w0, w1 or None, encoded L or b"")`` of stored material."""
    g = group_for(key_type, bits)
    n = g.scalar_len
    w0 = int.from_bytes(material[:n], "big")
    if is_pair(key_type):
        return g, w0, int.from_bytes(material[n : 2 * n], "big"), b""
    return g, w0, None, material[n:]


def import_key(key_type: int, bits: int, data: bytes) -> tuple[int, bytes]:
    data = bytes(data)
    if not is_spake2p(key_type):
        raise NotSupportedError(f"0x{key_type:04x} is not a SPAKE2+ key type")
    if bits == 0:
        bits = _bits_from_length(key_type, len(data))
    g = group_for(key_type, bits)
    n = g.scalar_len
    if is_pair(key_type):
        if len(data) != 2 * n:
            raise InvalidArgumentError("a SPAKE2+ key pair is w0 || w1")
        g.decode_scalar(data[:n])
        g.decode_scalar(data[n:])
    else:
        if len(data) != n + g.element_len:
            raise InvalidArgumentError("a SPAKE2+ public key is w0 || L")
        g.decode_scalar(data[:n])
        g.decode(data[n:])
    return bits, data


def export_public_key(key_type: int, bits: int, material: bytes) -> bytes:
    g, w0, w1, _ = split(key_type, bits, material)
    if w1 is None:
        return bytes(material)
    return g.encode_scalar(w0) + g.encode(g.base_mul(w1))


def derive_key(key_type: int, bits: int, read: Callable[[int], bytes]) -> bytes:
    if not is_pair(key_type):
        raise InvalidArgumentError("only a SPAKE2+ key pair can be derived")
    g = group_for(key_type, bits)
    size = (g.order.bit_length() + 7) // 8 + 8
    w0 = int.from_bytes(read(size), "big") % g.order
    w1 = int.from_bytes(read(size), "big") % g.order
    if w0 == 0 or w1 == 0:  # probability about 2^-256: the derivation output is broken
        raise InvalidArgumentError("the derived SPAKE2+ scalar is zero")
    return g.encode_scalar(w0) + g.encode_scalar(w1)


def generate_key(key_type: int, bits: int, custom_data: bytes = b"") -> bytes:
    raise NotSupportedError("SPAKE2+ keys are derived from a password (key derivation) or imported")


def load(key_type: int, bits: int, material: bytes) -> bytes:
    """SPAKE2+ keys have no library key object; the PAKE operation reads the material."""
    return material
