"""Finite-field Diffie-Hellman keys over the RFC 7919 (FFDHE) and RFC 3526
(MODP) groups: group table, import/export formats, generation, loading and
derivation.

The primes are computed from their published definitions rather than pasted:

* RFC 7919:  p = 2^b - 2^(b-64) + (floor(2^(b-130) * e) + X) * 2^64 - 1
* RFC 3526:  p = 2^b - 2^(b-64) - 1 + 2^64 * (floor(2^(b-130) * pi) + X)

with the group's constant X (the smallest making p a safe prime), generator 2.
The tests check each prime against an independent known value and for being a
safe prime.

Key pair format: the private value x, big-endian, as long as p. Public key
format: y = 2^x mod p, big-endian, as long as p.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dh

from .... import constants as c
from ....errors import InvalidArgumentError, NotSupportedError
from . import der
from ._common import Buffer, family_of, int_to_bytes, is_key_pair

_GUARD = 64


def _e_fixed(bits: int) -> int:
    """floor(e * 2^bits), from the series sum of 1/k!."""
    one = 1 << (bits + _GUARD)
    total, term, k = 0, one, 0
    while term:
        total += term
        k += 1
        term //= k
    return total >> _GUARD


def _pi_fixed(bits: int) -> int:
    """floor(pi * 2^bits), from Machin's formula pi = 16 atan(1/5) - 4 atan(1/239)."""
    one = 1 << (bits + _GUARD)

    def atan_inv(x: int) -> int:
        total, power, k, sign = 0, one // x, 1, 1
        while power:
            total += sign * (power // k)
            power //= x * x
            k += 2
            sign = -sign
        return total

    return (16 * atan_inv(5) - 4 * atan_inv(239)) >> _GUARD


def _ffdhe_prime(b: int, x: int) -> int:
    return (1 << b) - (1 << (b - 64)) + ((_e_fixed(b - 130) + x) << 64) - 1


def _modp_prime(b: int, x: int) -> int:
    return (1 << b) - (1 << (b - 64)) - 1 + ((_pi_fixed(b - 130) + x) << 64)


#: The X constant of each group, by family and size (RFC 7919 appendix A,
#: RFC 3526 sections 3 to 7).
_GROUP_CONSTANTS: dict[int, dict[int, int]] = {
    c.DH_FAMILY_RFC7919: {
        2048: 560316,
        3072: 2625351,
        4096: 5736041,
        6144: 15705020,
        8192: 10965728,
    },
    c.DH_FAMILY_RFC3526: {
        2048: 124476,
        3072: 1690314,
        4096: 240904,
        6144: 929484,
        8192: 4743158,
    },
}

_PKCS3_DH_OID = bytes.fromhex("06092a864886f70d010301")  # dhKeyAgreement


@dataclass(frozen=True)
class Group:
    family: int
    bits: int
    p: int
    g: int
    #: pyca parameter numbers, to build peer public keys cheaply.
    numbers: dh.DHParameterNumbers
    #: DER AlgorithmIdentifier of the group, for building PKCS#8 key pairs.
    algorithm_identifier: bytes

    @property
    def length(self) -> int:
        return (self.bits + 7) // 8


_GROUPS: dict[tuple[int, int], Group] = {}


def _make_group(family: int, bits: int) -> Group:
    x = _GROUP_CONSTANTS[family][bits]
    p = _ffdhe_prime(bits, x) if family == c.DH_FAMILY_RFC7919 else _modp_prime(bits, x)
    params = der.encode_sequence(der.encode_uint(p), der.encode_uint(2))
    return Group(
        family, bits, p, 2, dh.DHParameterNumbers(p, 2), der.encode_sequence(_PKCS3_DH_OID, params)
    )


def group_for(key_type: int, bits: int) -> Group:
    family = family_of(key_type)
    sizes = _GROUP_CONSTANTS.get(family)
    if sizes is None:
        raise NotSupportedError(f"DH family 0x{family:02x} is not supported")
    if bits not in sizes:
        raise InvalidArgumentError(f"{bits} bits is not a group of DH family 0x{family:02x}")
    group = _GROUPS.get((family, bits))
    if group is None:
        group = _GROUPS[(family, bits)] = _make_group(family, bits)
    return group


def _group_for_length(key_type: int, bits: int, length: int) -> Group:
    family = family_of(key_type)
    sizes = _GROUP_CONSTANTS.get(family)
    if sizes is None:
        raise NotSupportedError(f"DH family 0x{family:02x} is not supported")
    for size in [bits] if bits else list(sizes):
        if size in sizes and size // 8 == length:
            return group_for(key_type, size)
    raise InvalidArgumentError(f"{length} bytes is not a key of DH family 0x{family:02x}")


def check_public_value(group: Group, data: Buffer) -> int:
    """y of a public key in the import format: exactly as long as p, in [2, p-2].

    For these safe-prime groups the only small subgroup is {1, p-1}, so the
    range check is the validation RFC 7919 asks peers to make.
    """
    if len(data) != group.length:
        raise InvalidArgumentError(f"a DH public key of this group is {group.length} bytes")
    y = int.from_bytes(data, "big")
    if not 2 <= y <= group.p - 2:
        raise InvalidArgumentError("the DH public value is not in [2, p-2]")
    return y


def import_key(key_type: int, bits: int, data: Buffer) -> tuple[int, bytes]:
    raw = bytes(data)
    group = _group_for_length(key_type, bits, len(raw))
    if is_key_pair(key_type):
        x = int.from_bytes(raw, "big")
        if not 1 <= x <= group.p - 1:
            raise InvalidArgumentError("the DH private value is not in [1, p-1]")
    else:
        check_public_value(group, raw)
    return group.bits, raw


def generate_key(key_type: int, bits: int) -> bytes:
    group = group_for(key_type, bits)
    return int_to_bytes(secrets.randbelow(group.p - 2) + 1, group.length)


def load(key_type: int, bits: int, material: bytes) -> Any:
    group = group_for(key_type, bits)
    if not is_key_pair(key_type):
        y = int.from_bytes(material, "big")
        return dh.DHPublicNumbers(y, group.numbers).public_key()
    # A PKCS#8 DER lets OpenSSL compute y = g^x itself (constant time, and far
    # faster than Python's pow for these sizes).
    x = der.encode_uint(int.from_bytes(material, "big"))
    pkcs8 = der.encode_sequence(
        der.encode_uint(0), group.algorithm_identifier, der.encode_octet_string(x)
    )
    return serialization.load_der_private_key(pkcs8, None)


def export_public_key(key_type: int, bits: int, material: bytes) -> bytes:
    if not is_key_pair(key_type):
        return material
    group = group_for(key_type, bits)
    y = load(key_type, bits, material).public_key().public_numbers().y
    return int_to_bytes(y, group.length)


def derive_key(key_type: int, bits: int, read: Callable[[int], bytes]) -> bytes:
    """The spec's derivation of a DH private key (SP 800-56A testing candidates)."""
    group = group_for(key_type, bits)
    m = group.p.bit_length()
    mask = (1 << m) - 1
    while True:
        k = int.from_bytes(read((m + 7) // 8), "big") & mask
        if k <= group.p - 2:
            return int_to_bytes(k + 1, group.length)
