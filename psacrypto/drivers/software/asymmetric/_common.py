"""Shared helpers of the asymmetric driver: key-type and algorithm encodings.

The encodings are the spec's bit fields (appendix "Algorithm and key type
encoding"), written out locally so that this package depends on nothing but the
constants and the errors.
"""

from __future__ import annotations

from typing import TypeAlias

from .... import constants as c
from ....errors import InvalidArgumentError

#: Inputs may be any bytes-like object.
Buffer: TypeAlias = bytes | bytearray | memoryview

# ---------------------------------------------------------------- key types


def is_key_pair(key_type: int) -> bool:
    return (key_type & 0x7000) == 0x7000


def is_public_key(key_type: int) -> bool:
    return (key_type & 0x7000) == 0x4000


def public_type_of(key_type: int) -> int:
    return key_type & ~0x3000


def is_rsa(key_type: int) -> bool:
    return public_type_of(key_type) == c.KEY_TYPE_RSA_PUBLIC_KEY


def is_ecc(key_type: int) -> bool:
    return (public_type_of(key_type) & 0xFF80) == 0x4100


def is_dh(key_type: int) -> bool:
    return (public_type_of(key_type) & 0xFF80) == 0x4200


def family_of(key_type: int) -> int:
    """The ECC curve family or the DH group family of an ECC or DH key type."""
    return key_type & 0x007F


def ecc_key_pair(family: int) -> int:
    return 0x7100 | (family & 0x7F)


def ecc_public_key(family: int) -> int:
    return 0x4100 | (family & 0x7F)


def dh_key_pair(family: int) -> int:
    return 0x7200 | (family & 0x7F)


def dh_public_key(family: int) -> int:
    return 0x4200 | (family & 0x7F)


# ---------------------------------------------------------------- algorithms


def get_hash(alg: int) -> int:
    """``PSA_ALG_GET_HASH``: the hash of a hash-and-sign or OAEP algorithm, else 0."""
    return 0x02000000 | (alg & 0xFF) if alg & 0xFF else c.ALG_NONE


def is_sign(alg: int) -> bool:
    return (alg & 0x7F000000) == 0x06000000


def is_asymmetric_encryption(alg: int) -> bool:
    return (alg & 0x7F000000) == 0x07000000


def is_key_agreement(alg: int) -> bool:
    return (alg & 0x7F000000) == 0x09000000


def key_agreement_base(alg: int) -> int:
    """``PSA_ALG_KEY_AGREEMENT_GET_BASE``."""
    return alg & 0xFF7F0000


def is_rsa_pkcs1v15_sign(alg: int) -> bool:
    """Hashed PKCS#1 v1.5 signature, or the raw variant (hash field 0)."""
    return (alg & ~0xFF) == 0x06000200


def is_rsa_pss(alg: int) -> bool:
    """Either PSS variant (standard salt or any salt)."""
    return (alg & ~0x10FF) == 0x06000300


def is_rsa_pss_any_salt(alg: int) -> bool:
    return (alg & ~0xFF) == 0x06001300


def is_ecdsa(alg: int) -> bool:
    """Randomized or deterministic ECDSA, including ``ECDSA_ANY``."""
    return (alg & ~0x1FF) == 0x06000600


def is_deterministic_ecdsa(alg: int) -> bool:
    return (alg & ~0xFF) == 0x06000700


def is_hash_eddsa(alg: int) -> bool:
    return (alg & ~0xFF) == 0x06000900


def is_rsa_oaep(alg: int) -> bool:
    return (alg & ~0xFF) == 0x07000300


ALG_ECDSA_ANY = c.ALG_ECDSA_ANY
ALG_RSA_PKCS1V15_SIGN_RAW = c.ALG_RSA_PKCS1V15_SIGN_RAW


# ---------------------------------------------------------------- integers


def int_to_bytes(value: int, length: int) -> bytes:
    return value.to_bytes(length, "big")


def check_bits(bits: int, actual: int) -> None:
    """Reject a nonzero requested size that differs from the size of the data."""
    if bits and bits != actual:
        raise InvalidArgumentError(f"key size {bits} does not match the {actual}-bit key data")
