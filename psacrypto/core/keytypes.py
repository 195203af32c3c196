"""Key types: which sizes are valid, the import/export format, generation and
derivation of key material.

Unstructured (symmetric) types are handled here; asymmetric types are delegated
to the software driver's asymmetric package. Material is always kept in the
spec's export format, so export is a copy and the key store needs no other format.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from .. import constants as c
from ..errors import InvalidArgumentError, NotSupportedError

#: Largest unstructured key psacrypto accepts (RAW_DATA, HMAC, DERIVE, passwords).
MAX_UNSTRUCTURED_BITS = 65536

_BLOCK_CIPHER_SIZES = frozenset((128, 192, 256, 384, 512))  # 256/384/512 also for XTS

_FIXED_SIZES: dict[int, frozenset[int]] = {
    c.KEY_TYPE_AES: _BLOCK_CIPHER_SIZES,
    c.KEY_TYPE_ARIA: _BLOCK_CIPHER_SIZES,
    c.KEY_TYPE_CAMELLIA: _BLOCK_CIPHER_SIZES,
    c.KEY_TYPE_SM4: frozenset((128, 256)),
    c.KEY_TYPE_DES: frozenset((64, 128, 192)),
    c.KEY_TYPE_CHACHA20: frozenset((256,)),
    c.KEY_TYPE_XCHACHA20: frozenset((256,)),
    c.KEY_TYPE_ASCON: frozenset((128,)),
}

_FREE_SIZE_TYPES = frozenset(
    (
        c.KEY_TYPE_RAW_DATA,
        c.KEY_TYPE_HMAC,
        c.KEY_TYPE_DERIVE,
        c.KEY_TYPE_PASSWORD,
        c.KEY_TYPE_PASSWORD_HASH,
        c.KEY_TYPE_PEPPER,
    )
)

# The 4 weak and 12 semi-weak DES keys (FIPS 74), with correct parity.
_DES_WEAK_KEYS = frozenset(
    bytes.fromhex(h)
    for h in (
        "0101010101010101", "fefefefefefefefe", "e0e0e0e0f1f1f1f1", "1f1f1f1f0e0e0e0e",
        "011f011f010e010e", "1f011f010e010e01", "01e001e001f101f1", "e001e001f101f101",
        "01fe01fe01fe01fe", "fe01fe01fe01fe01", "1fe01fe00ef10ef1", "e01fe01ff10ef10e",
        "1ffe1ffe0efe0efe", "fe1ffe1ffe0efe0e", "e0fee0fef1fef1fe", "fee0fee0fef1fef1",
    )
)


def is_unstructured(key_type: int) -> bool:
    """Raw-byte key types (the spec's 'unstructured' category)."""
    return (key_type & 0x7000) in (0x1000, 0x2000)


def is_asymmetric(key_type: int) -> bool:
    return (key_type & 0x4000) == 0x4000


def is_public_key(key_type: int) -> bool:
    return (key_type & 0x7000) == 0x4000


def check_size(key_type: int, bits: int) -> None:
    """Raise unless ``bits`` is a valid size for an unstructured ``key_type``."""
    if bits <= 0 or bits % 8:
        raise InvalidArgumentError(f"invalid key size {bits} for key type 0x{key_type:04x}")
    if key_type in _FREE_SIZE_TYPES:
        if bits > MAX_UNSTRUCTURED_BITS:
            raise NotSupportedError(f"keys larger than {MAX_UNSTRUCTURED_BITS} bits")
        return
    sizes = _FIXED_SIZES.get(key_type)
    if sizes is not None:
        if bits not in sizes:
            raise InvalidArgumentError(f"invalid key size {bits} for key type 0x{key_type:04x}")
        return
    if key_type == c.KEY_TYPE_ARC4:
        if not 40 <= bits <= 2048:
            raise InvalidArgumentError("ARC4 keys are 40 to 2048 bits")
        return
    if key_type == c.KEY_TYPE_BLAKE2:
        if bits > 512:
            raise InvalidArgumentError("BLAKE2 keys are at most 512 bits")
        return
    raise NotSupportedError(f"key type 0x{key_type:04x} is not supported")


def _des_parity_ok(data: bytes) -> bool:
    return all(bin(b).count("1") % 2 == 1 for b in data)


def _set_des_parity(data: bytes) -> bytes:
    return bytes((b & 0xFE) | (bin(b & 0xFE).count("1") % 2 == 0) for b in data)


def _driver() -> Any:
    try:
        from ..drivers.software import asymmetric
    except ImportError as exc:  # pragma: no cover - until the asymmetric driver lands
        raise NotSupportedError("asymmetric keys are not supported yet") from exc
    return asymmetric


def _driver_for(key_type: int) -> Any:
    """The driver owning an asymmetric key type: the post-quantum one (ML-KEM,
    ML-DSA, hash-based signatures) or the classic one (RSA, ECC, DH)."""
    from ..drivers.software import pqc

    if pqc.is_pqc_key_type(key_type):
        return pqc
    if (key_type & 0xCF80) == 0x4400:  # SPAKE2+ keys: the PAKE driver
        from ..drivers.software.pake import keys as spake2p_keys

        return spake2p_keys
    return _driver()


def asymmetric_supported(key_type: int, bits: int) -> bool:
    """Whether the asymmetric driver can hold keys of this type and size."""
    driver = _driver_for(key_type)
    probe = getattr(driver, "key_type_supported", None)
    if probe is not None:
        return bool(probe(key_type, bits))
    from ..drivers.software.asymmetric import dh, ecc, rsa
    from ..drivers.software.asymmetric._common import is_dh, is_ecc, is_rsa

    if is_rsa(key_type):
        return rsa.MIN_BITS <= bits <= rsa.MAX_BITS and bits % 8 == 0
    if is_ecc(key_type):
        ecc.curve_for(key_type, bits)
        return True
    if is_dh(key_type):
        dh.group_for(key_type, bits)
        return True
    return False


def import_material(key_type: int, bits: int, data: bytes) -> tuple[int, bytes]:
    """Validate ``data`` in the spec's import format; return (bits, material)."""
    if key_type == c.KEY_TYPE_NONE:
        raise InvalidArgumentError("the key type is not set")
    if is_asymmetric(key_type):
        result: tuple[int, bytes] = _driver_for(key_type).import_key(key_type, bits, bytes(data))
        return result
    if not is_unstructured(key_type):
        raise NotSupportedError(f"key type 0x{key_type:04x} is not supported")
    data = bytes(data)
    actual = len(data) * 8
    if actual == 0:
        raise InvalidArgumentError("a key cannot be empty")
    if bits and bits != actual:
        raise InvalidArgumentError(f"key size {bits} does not match the {actual}-bit data")
    check_size(key_type, actual)
    if key_type == c.KEY_TYPE_DES and not _des_parity_ok(data):
        raise InvalidArgumentError("DES key parity bits are wrong")
    return actual, data


def generate_material(key_type: int, bits: int, custom_flags: int, custom_data: bytes) -> bytes:
    """Random material for a new key of ``key_type`` and ``bits``."""
    if key_type == c.KEY_TYPE_NONE:
        raise InvalidArgumentError("the key type is not set")
    if is_public_key(key_type):
        raise InvalidArgumentError("a public key cannot be generated; generate the key pair")
    if is_asymmetric(key_type):
        if custom_flags:
            raise InvalidArgumentError("custom key production flags must be 0")
        material: bytes = _driver_for(key_type).generate_key(key_type, bits, bytes(custom_data))
        return material
    if custom_flags or custom_data:
        raise InvalidArgumentError("this key type takes no custom production parameters")
    if not is_unstructured(key_type):
        raise NotSupportedError(f"key type 0x{key_type:04x} is not supported")
    check_size(key_type, bits)
    if key_type == c.KEY_TYPE_DES:
        return derive_material(key_type, bits, os.urandom)
    return os.urandom(bits // 8)


def derive_material(key_type: int, bits: int, read: Callable[[int], bytes]) -> bytes:
    """Material for ``psa_key_derivation_output_key``: the spec's procedure per type.

    ``read(n)`` draws the next ``n`` bytes of the derivation output.
    """
    if is_asymmetric(key_type):
        if is_public_key(key_type):
            raise InvalidArgumentError("a public key cannot be derived")
        material: bytes = _driver_for(key_type).derive_key(key_type, bits, read)
        return material
    if not is_unstructured(key_type):
        raise NotSupportedError(f"key type 0x{key_type:04x} is not supported")
    check_size(key_type, bits)
    if key_type != c.KEY_TYPE_DES:
        return read(bits // 8)
    parts = []
    for _ in range(bits // 64):
        while True:
            part = _set_des_parity(read(8))
            if part not in _DES_WEAK_KEYS:
                break
        parts.append(part)
    return b"".join(parts)


def export_public(key_type: int, bits: int, material: bytes) -> bytes:
    """The public part of an asymmetric key, in the spec's public-key format."""
    if not is_asymmetric(key_type):
        raise InvalidArgumentError("only asymmetric keys have a public part")
    if is_public_key(key_type):
        return material
    public: bytes = _driver_for(key_type).export_public_key(key_type, bits, material)
    return public


def public_type_of(key_type: int) -> int:
    """``KEY_TYPE_PUBLIC_KEY_OF_KEY_PAIR``."""
    return key_type & ~0x3000
