"""Key policies: usage flags and permitted-algorithm matching.

The rules live here once, so every family (and ``check_key_usage`` and
``copy_key``) applies exactly the same policy.
"""

from __future__ import annotations

from .. import constants as c
from ..errors import InvalidArgumentError
from .sizes import BLOCK_SIZE, HASH_LENGTH

#: Every usage flag a key may carry.
VALID_USAGE_FLAGS = (
    c.KEY_USAGE_EXPORT
    | c.KEY_USAGE_COPY
    | c.KEY_USAGE_CACHE
    | c.KEY_USAGE_ENCRYPT
    | c.KEY_USAGE_DECRYPT
    | c.KEY_USAGE_SIGN_MESSAGE
    | c.KEY_USAGE_VERIFY_MESSAGE
    | c.KEY_USAGE_SIGN_HASH
    | c.KEY_USAGE_VERIFY_HASH
    | c.KEY_USAGE_DERIVE
    | c.KEY_USAGE_VERIFY_DERIVATION
    | c.KEY_USAGE_WRAP
    | c.KEY_USAGE_UNWRAP
)

KEY_MANAGEMENT_FLAGS = c.KEY_USAGE_EXPORT | c.KEY_USAGE_COPY | c.KEY_USAGE_CACHE

_CATEGORY_MASK = 0x7F000000
_MAC_CATEGORY = 0x03000000
_AEAD_CATEGORY = 0x05000000
_SIGN_CATEGORY = 0x06000000
_KEY_AGREEMENT_CATEGORY = 0x09000000
_LENGTH_MASK = 0x003F0000
_WILDCARD_FLAG = 0x00008000
_HMAC_BASE = 0x03800000
_ECDSA_RANDOMIZED_BASE = 0x06000600
_ECDSA_DETERMINISTIC_BASE = 0x06000700
_RSA_PKCS1V15_ANY_HASH = 0x060002FF
_VERIFY_USAGES = c.KEY_USAGE_VERIFY_HASH | c.KEY_USAGE_VERIFY_MESSAGE


def effective_usage(usage_flags: int) -> int:
    """The usage flags a key really has: SIGN_HASH implies SIGN_MESSAGE, and
    VERIFY_HASH implies VERIFY_MESSAGE."""
    if usage_flags & c.KEY_USAGE_SIGN_HASH:
        usage_flags |= c.KEY_USAGE_SIGN_MESSAGE
    if usage_flags & c.KEY_USAGE_VERIFY_HASH:
        usage_flags |= c.KEY_USAGE_VERIFY_MESSAGE
    return usage_flags


def validate_usage_flags(usage_flags: int) -> None:
    if usage_flags & ~VALID_USAGE_FLAGS or usage_flags < 0:
        raise InvalidArgumentError(f"invalid usage flags 0x{usage_flags:x}")


def _is_hash(alg: int) -> bool:
    return (alg & 0x7FFFFF00) == 0x02000000 and alg & 0xFF not in (0, 0xFF)


def full_mac_length(alg: int, key_type: int) -> int:
    """Length of the untruncated MAC of ``alg`` with a key of ``key_type`` (0 if unknown)."""
    base = alg & ~(_LENGTH_MASK | _WILDCARD_FLAG)
    if (base & 0x7FC0FF00) == _HMAC_BASE:
        return HASH_LENGTH.get(0x02000000 | (base & 0xFF), 0)
    if base in (c.ALG_CMAC, c.ALG_CBC_MAC):
        return BLOCK_SIZE.get(key_type, 0)
    if (base & 0x7FC0FF00) == 0x03C00300 or (base & 0x7FC0FF00) == 0x03800300:
        # BLAKE2 keyed MAC: the output length of the underlying BLAKE2 hash.
        return HASH_LENGTH.get(0x02000000 | (base & 0xFF), 0)
    return 0


def mac_length(alg: int, key_type: int) -> int:
    """Length of the MAC that ``alg`` computes (truncated or full)."""
    n = (alg & _LENGTH_MASK) >> 16
    return n if n else full_mac_length(alg, key_type)


#: Default (full) tag length of each AEAD base algorithm.
_AEAD_DEFAULT_TAG = {
    c.ALG_CCM & ~_LENGTH_MASK: 16,
    c.ALG_GCM & ~_LENGTH_MASK: 16,
    c.ALG_CHACHA20_POLY1305 & ~_LENGTH_MASK: 16,
    c.ALG_XCHACHA20_POLY1305 & ~_LENGTH_MASK: 16,
    c.ALG_ASCON_AEAD128 & ~_LENGTH_MASK: 16,
}


def aead_tag_length(alg: int) -> int:
    """Tag length of an AEAD algorithm, whether shortened or default."""
    return (alg & _LENGTH_MASK) >> 16


def _ccm_star_permits(alg: int) -> bool:
    if alg == c.ALG_CCM_STAR_NO_TAG:
        return True
    if (alg & ~_LENGTH_MASK) == (c.ALG_CCM & ~_LENGTH_MASK):
        return aead_tag_length(alg) in (4, 8, 16)
    return False


_WPA3_SAE_FIXED_BASE = 0x0A000800
_WPA3_SAE_GDH_BASE = 0x0A000900
_WPA3_SAE_H2E_BASE = 0x08800400


def _wpa3_sae_permits(alg: int, key_type: int) -> bool:
    """``ALG_WPA3_SAE_ANY``: with a password key, every WPA3-SAE-FIXED PAKE and
    WPA3-SAE-H2E derivation; with a password-token key, every WPA3-SAE-FIXED and
    WPA3-SAE-GDH PAKE (any specific hash)."""
    if not _is_hash(0x02000000 | (alg & 0xFF)):
        return False
    base = alg & ~0xFF
    if key_type == c.KEY_TYPE_PASSWORD:
        return base in (_WPA3_SAE_FIXED_BASE, _WPA3_SAE_H2E_BASE)
    if (key_type & 0xFF80) in (0x3280, 0x3300):  # WPA3-SAE ECC / DH password tokens
        return base in (_WPA3_SAE_FIXED_BASE, _WPA3_SAE_GDH_BASE)
    return False


#: ML-DSA and SLH-DSA algorithm bases (pure and pre-hashed), whose hedged and
#: deterministic variants differ only in this bit.
_HEDGED_PAIR_BASES = frozenset((0x06004000, 0x06004200, 0x06004400, 0x06004600))
_DETERMINISTIC_BIT = 0x100


def _is_hedged_pair(alg: int) -> bool:
    return (alg & 0xFFFFFE00) in _HEDGED_PAIR_BASES


def permits(policy: int, alg: int, usage: int, key_type: int) -> bool:
    """Whether a key whose permitted algorithm is ``policy`` may run ``alg`` for ``usage``.

    ``alg`` is the specific algorithm requested by an operation (never a wildcard).
    """
    if policy == alg:
        return policy != c.ALG_NONE
    if policy == c.ALG_NONE or alg == c.ALG_NONE:
        return False
    category = policy & _CATEGORY_MASK
    if category == _SIGN_CATEGORY:
        if usage & _VERIFY_USAGES and _is_hedged_pair(policy) and _is_hedged_pair(alg):
            # ML-DSA / SLH-DSA: hedged and deterministic verify the same signatures.
            as_policy = alg ^ ((alg ^ policy) & _DETERMINISTIC_BIT)
            if as_policy != alg:
                return permits(policy, as_policy, usage, key_type)
        if (policy & 0xFF) == 0xFF:
            # Hash wildcard: the same scheme with any specific hash.
            if (alg & ~0xFF) == (policy & ~0xFF) and _is_hash(0x02000000 | (alg & 0xFF)):
                return True
            if policy == _RSA_PKCS1V15_ANY_HASH and alg == c.ALG_RSA_PKCS1V15_SIGN_RAW:
                return True
            if usage & _VERIFY_USAGES and (policy & ~0xFF) == _ECDSA_RANDOMIZED_BASE:
                return (alg & ~0xFF) == _ECDSA_DETERMINISTIC_BASE and _is_hash(
                    0x02000000 | (alg & 0xFF)
                )
            if usage & _VERIFY_USAGES and (policy & ~0xFF) == _ECDSA_DETERMINISTIC_BASE:
                return (alg & ~0xFF) == _ECDSA_RANDOMIZED_BASE and _is_hash(
                    0x02000000 | (alg & 0xFF)
                )
            return False
        # Randomized and deterministic ECDSA verify the same signatures.
        if usage & _VERIFY_USAGES and (policy & ~0xFF) in (
            _ECDSA_RANDOMIZED_BASE,
            _ECDSA_DETERMINISTIC_BASE,
        ):
            return (alg & ~0xFF) in (
                _ECDSA_RANDOMIZED_BASE,
                _ECDSA_DETERMINISTIC_BASE,
            ) and (alg & 0xFF) == (policy & 0xFF)
        return False
    if category == _MAC_CATEGORY:
        if not policy & _WILDCARD_FLAG or alg & _WILDCARD_FLAG:
            return False
        if (policy & ~(_LENGTH_MASK | _WILDCARD_FLAG)) != (alg & ~_LENGTH_MASK):
            return False
        return mac_length(alg, key_type) >= (policy & _LENGTH_MASK) >> 16
    if category == _AEAD_CATEGORY:
        if not policy & _WILDCARD_FLAG or alg & _WILDCARD_FLAG:
            return False
        if (policy & ~(_LENGTH_MASK | _WILDCARD_FLAG)) != (alg & ~_LENGTH_MASK):
            return False
        return aead_tag_length(alg) >= (policy & _LENGTH_MASK) >> 16
    if policy == c.ALG_CCM_STAR_ANY_TAG:
        return _ccm_star_permits(alg)
    if policy == c.ALG_WPA3_SAE_ANY:
        return _wpa3_sae_permits(alg, key_type)
    if category == _KEY_AGREEMENT_CATEGORY:
        # A standalone key agreement (ALG_IS_STANDALONE_KEY_AGREEMENT) permits its
        # combination with any KDF (ALG_KEY_AGREEMENT_GET_BASE(alg) == policy).
        return (policy & 0x7F00FFFF) == 0x09000000 and (alg & 0xFF7F0000) == policy
    return False


def is_wildcard(alg: int) -> bool:
    """``ALG_IS_WILDCARD``, on the hot path of ``copy_key`` and ``check_key_usage``.

    As the spec's definition: any algorithm whose hash field is ``ALG_ANY_HASH``
    (so also ``ALG_WPA3_SAE_ANY``), the at-least-this-length MAC and AEAD
    algorithms, and ``ALG_CCM_STAR_ANY_TAG``.
    """
    return (
        (alg & 0xFF) == 0xFF
        or (alg & 0x7F008000) == 0x03008000
        or (alg & 0x7F008000) == 0x05008000
        or alg == c.ALG_CCM_STAR_ANY_TAG
    )


def intersect_algorithms(a: int, b: int, key_type: int) -> int:
    """The permitted algorithm of a copy whose source permits ``a`` and whose
    requested policy permits ``b``; ``InvalidArgumentError`` if they share nothing."""
    if a == b:
        return a
    if a == c.ALG_NONE or b == c.ALG_NONE:
        return c.ALG_NONE
    usages = c.KEY_USAGE_SIGN_HASH  # matching for creation, not verification
    if not is_wildcard(b) and permits(a, b, usages, key_type):
        return b
    if not is_wildcard(a) and permits(b, a, usages, key_type):
        return a
    # Two length wildcards of the same MAC/AEAD base: the stricter one.
    for category in (_MAC_CATEGORY, _AEAD_CATEGORY):
        if (
            (a & _CATEGORY_MASK) == category
            and (b & _CATEGORY_MASK) == category
            and a & _WILDCARD_FLAG
            and b & _WILDCARD_FLAG
            and (a & ~(_LENGTH_MASK)) == (b & ~(_LENGTH_MASK))
        ):
            return a if (a & _LENGTH_MASK) >= (b & _LENGTH_MASK) else b
    # A length wildcard and a specific-length algorithm of the same base.
    if a == c.ALG_CCM_STAR_ANY_TAG and _ccm_star_permits(b):
        return b
    if b == c.ALG_CCM_STAR_ANY_TAG and _ccm_star_permits(a):
        return a
    raise InvalidArgumentError("the two policies permit no algorithm in common")
