"""What this cryptoprocessor supports, found by asking the code itself.

The implementation profile (docs/profile.md) and the service's capability call
are both built from these functions, so they can never disagree with what the
operations really do: an algorithm is supported when some family registered a
checker for it (core/compat.py) that accepts a supported key type, and a key type
is supported when the key-type layer accepts it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from .. import constants as c
from .. import macros as m
from ..errors import PsaError
from . import compat, keytypes

#: Every hash algorithm the spec defines (the parameter of hash-based algorithms).
SPEC_HASHES: tuple[int, ...] = tuple(
    sorted(
        v
        for n, v in vars(c).items()
        if n.startswith("ALG_") and (v & 0x7FFFFF00) == 0x02000000 and v != c.ALG_ANY_HASH
    )
)

_HASH_BUILDERS = (
    m.ALG_HMAC,
    m.ALG_BLAKE2_MAC,
    m.ALG_RSA_PKCS1V15_SIGN,
    m.ALG_RSA_PSS,
    m.ALG_RSA_PSS_ANY_SALT,
    m.ALG_RSA_OAEP,
    m.ALG_ECDSA,
    m.ALG_DETERMINISTIC_ECDSA,
    m.ALG_HASH_ML_DSA,
    m.ALG_DETERMINISTIC_HASH_ML_DSA,
    m.ALG_HASH_SLH_DSA,
    m.ALG_DETERMINISTIC_HASH_SLH_DSA,
    m.ALG_HKDF,
    m.ALG_HKDF_EXTRACT,
    m.ALG_HKDF_EXPAND,
    m.ALG_TLS12_PRF,
    m.ALG_TLS12_PSK_TO_MS,
    m.ALG_PBKDF2_HMAC,
    m.ALG_SP800_108_COUNTER_HMAC,
    m.ALG_JPAKE,
    m.ALG_SPAKE2P_HMAC,
    m.ALG_SPAKE2P_CMAC,
    m.ALG_WPA3_SAE_FIXED,
    m.ALG_WPA3_SAE_H2E,
    m.ALG_WPA3_SAE_GDH,
)

#: The ECC families and DH groups with the sizes the spec lists for each.
ECC_SIZES: dict[int, tuple[int, ...]] = {
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
DH_SIZES: dict[int, tuple[int, ...]] = {
    c.DH_FAMILY_RFC7919: (2048, 3072, 4096, 6144, 8192),
    c.DH_FAMILY_RFC3526: (2048, 3072, 4096, 6144, 8192),
}

_UNSTRUCTURED: tuple[tuple[int, tuple[int, ...]], ...] = (
    (c.KEY_TYPE_RAW_DATA, (8, 256, 4096)),
    (c.KEY_TYPE_HMAC, (256,)),
    (c.KEY_TYPE_DERIVE, (256, 520)),  # 520: the EC J-PAKE-to-PMS secret
    (c.KEY_TYPE_PASSWORD, (256,)),
    (c.KEY_TYPE_PASSWORD_HASH, (256,)),
    (c.KEY_TYPE_PEPPER, (256,)),
    (c.KEY_TYPE_AES, (128, 192, 256, 384, 512)),
    (c.KEY_TYPE_ARIA, (128, 192, 256, 384, 512)),
    (c.KEY_TYPE_CAMELLIA, (128, 192, 256, 384, 512)),
    (c.KEY_TYPE_SM4, (128, 256)),
    (c.KEY_TYPE_DES, (64, 128, 192)),
    (c.KEY_TYPE_ARC4, (40, 128, 2048)),
    (c.KEY_TYPE_CHACHA20, (256,)),
    (c.KEY_TYPE_XCHACHA20, (256,)),
    (c.KEY_TYPE_ASCON, (128,)),
    (c.KEY_TYPE_BLAKE2, (256, 512)),
)


def candidate_key_types() -> Iterator[tuple[int, int]]:
    """Every (key type, size) the spec defines that psacrypto might support."""
    for key_type, sizes in _UNSTRUCTURED:
        for bits in sizes:
            yield key_type, bits
    for bits in (1024, 2048, 3072, 4096):
        yield c.KEY_TYPE_RSA_KEY_PAIR, bits
        yield c.KEY_TYPE_RSA_PUBLIC_KEY, bits
    for family, sizes in ECC_SIZES.items():
        for bits in sizes:
            yield m.KEY_TYPE_ECC_KEY_PAIR(family), bits
            yield m.KEY_TYPE_ECC_PUBLIC_KEY(family), bits
    for family, sizes in DH_SIZES.items():
        for bits in sizes:
            yield m.KEY_TYPE_DH_KEY_PAIR(family), bits
            yield m.KEY_TYPE_DH_PUBLIC_KEY(family), bits
    for family, sizes in ECC_SIZES.items():
        for bits in sizes:
            yield m.KEY_TYPE_SPAKE2P_KEY_PAIR(family), bits
            yield m.KEY_TYPE_SPAKE2P_PUBLIC_KEY(family), bits
    for pair, public, sizes in (
        (c.KEY_TYPE_ML_DSA_KEY_PAIR, c.KEY_TYPE_ML_DSA_PUBLIC_KEY, (128, 192, 256)),
        (c.KEY_TYPE_ML_KEM_KEY_PAIR, c.KEY_TYPE_ML_KEM_PUBLIC_KEY, (512, 768, 1024)),
    ):
        for bits in sizes:
            yield pair, bits
            yield public, bits
    for family in (c.SLH_DSA_FAMILY_SHA2_S, c.SLH_DSA_FAMILY_SHA2_F,
                   c.SLH_DSA_FAMILY_SHAKE_S, c.SLH_DSA_FAMILY_SHAKE_F):
        for bits in (128, 192, 256):
            yield m.KEY_TYPE_SLH_DSA_KEY_PAIR(family), bits
            yield m.KEY_TYPE_SLH_DSA_PUBLIC_KEY(family), bits
    for key_type in (c.KEY_TYPE_LMS_PUBLIC_KEY, c.KEY_TYPE_HSS_PUBLIC_KEY,
                     c.KEY_TYPE_XMSS_PUBLIC_KEY, c.KEY_TYPE_XMSS_MT_PUBLIC_KEY):
        yield key_type, 256


@functools.cache
def key_type_supported(key_type: int, bits: int) -> bool:
    """Whether keys of this type and size can be created (imported or generated)."""
    if keytypes.is_unstructured(key_type):
        try:
            keytypes.check_size(key_type, bits)
        except PsaError:
            return False
        return True
    try:
        return keytypes.asymmetric_supported(key_type, bits)
    except PsaError:
        return False


def candidate_algorithms() -> Iterator[int]:
    """Every specific (non-wildcard) algorithm the spec defines, with each hash."""
    seen: set[int] = set()
    for name, value in sorted(vars(c).items()):
        if (
            name.startswith("ALG_")
            and value not in seen
            and value != c.ALG_NONE
            and not m.ALG_IS_WILDCARD(value)
        ):
            seen.add(value)
            yield value
    for builder in _HASH_BUILDERS:
        for h in SPEC_HASHES:
            value = builder(h)
            if value not in seen:
                seen.add(value)
                yield value
    for ka in (c.ALG_ECDH, c.ALG_FFDH):
        for kdf in (m.ALG_HKDF(c.ALG_SHA_256), m.ALG_TLS12_PRF(c.ALG_SHA_256)):
            value = m.ALG_KEY_AGREEMENT(ka, kdf)
            if value not in seen:
                seen.add(value)
                yield value


_ROLES = (
    c.KEY_USAGE_ENCRYPT,
    c.KEY_USAGE_DECRYPT,
    c.KEY_USAGE_SIGN_MESSAGE,
    c.KEY_USAGE_VERIFY_MESSAGE,
    c.KEY_USAGE_SIGN_HASH,
    c.KEY_USAGE_VERIFY_HASH,
    c.KEY_USAGE_DERIVE,
    c.KEY_USAGE_WRAP,
    c.KEY_USAGE_UNWRAP,
)


@functools.cache
def algorithm_supported(alg: int) -> bool:
    """Whether some supported key can run ``alg`` in some role.

    Hash and XOF algorithms need no key: they are supported when a hash (or XOF)
    object can be made for them.
    """
    category = alg & 0x7F000000
    if category == 0x02000000:
        from .hash import CONSTRUCTORS

        return alg in CONSTRUCTORS
    if category == 0x0D000000:
        checker = compat.find(0, alg)
        return checker is not None
    for usage in _ROLES:
        checker = compat.find(usage, alg)
        if checker is None:
            continue
        for key_type, bits in candidate_key_types():
            if not key_type_supported(key_type, bits):
                continue
            try:
                checker(key_type, bits, alg)
            except PsaError:
                continue
            return True
    return False


def supported_algorithms() -> list[int]:
    return sorted(a for a in candidate_algorithms() if algorithm_supported(a))


def supported_key_types() -> list[tuple[int, int]]:
    return sorted(kt for kt in candidate_key_types() if key_type_supported(*kt))
