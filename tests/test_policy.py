"""Key policies (api/keys/policy.rst): usage flags, permitted-algorithm matching
with every wildcard, copy_key policy intersection, check_key_usage.

The algorithm builders are spelled out here from the spec's encodings, so the
tests do not depend on psacrypto.macros.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from psacrypto import constants as c
from psacrypto.attributes import KeyAttributes
from psacrypto.context import LocalContext
from psacrypto.core import compat, policy
from psacrypto.errors import (
    InvalidArgumentError,
    InvalidHandleError,
    NotPermittedError,
    NotSupportedError,
)

SHA_1, SHA_256, SHA_384, SHA_512 = c.ALG_SHA_1, c.ALG_SHA_256, c.ALG_SHA_384, c.ALG_SHA_512
ANY_HASH = c.ALG_ANY_HASH
_LEN = 0x003F0000
_WILD = 0x00008000


def HMAC(h: int) -> int:
    return 0x03800000 | (h & 0xFF)


def TRUNCATED_MAC(mac: int, n: int) -> int:
    return (mac & ~(_LEN | _WILD)) | (n << 16)


def AT_LEAST_THIS_LENGTH_MAC(mac: int, n: int) -> int:
    return TRUNCATED_MAC(mac, n) | _WILD


def SHORTENED_TAG(aead: int, n: int) -> int:
    return (aead & ~(_LEN | _WILD)) | (n << 16)


def AT_LEAST_TAG(aead: int, n: int) -> int:
    return SHORTENED_TAG(aead, n) | _WILD


def ECDSA(h: int) -> int:
    return 0x06000600 | (h & 0xFF)


def DETERMINISTIC_ECDSA(h: int) -> int:
    return 0x06000700 | (h & 0xFF)


def RSA_PKCS1V15_SIGN(h: int) -> int:
    return 0x06000200 | (h & 0xFF)


def RSA_PSS(h: int) -> int:
    return 0x06000300 | (h & 0xFF)


def HKDF(h: int) -> int:
    return 0x08000100 | (h & 0xFF)


def PBKDF2_HMAC(h: int) -> int:
    return 0x08800100 | (h & 0xFF)


def KEY_AGREEMENT(ka: int, kdf: int) -> int:
    return ka | kdf


RSA_PKCS1V15_SIGN_RAW = 0x06000200
SIGN = c.KEY_USAGE_SIGN_HASH
VERIFY = c.KEY_USAGE_VERIFY_HASH
AES = c.KEY_TYPE_AES
WPA3_SAE_FIXED = 0x0A000800
WPA3_SAE_GDH = 0x0A000900
WPA3_SAE_H2E = 0x08800400


def test_builders_match_spec_constants() -> None:
    """Sanity of the local builders against values the spec fixes."""
    assert SHORTENED_TAG(c.ALG_CCM, 16) == c.ALG_CCM
    assert SHORTENED_TAG(c.ALG_GCM, 16) == c.ALG_GCM
    assert c.ALG_CCM_STAR_ANY_TAG == 0x04C09300
    assert RSA_PKCS1V15_SIGN(ANY_HASH) == 0x060002FF


# --------------------------------------------------------------------------------------
# Usage flags


def test_effective_usage() -> None:
    assert policy.effective_usage(SIGN) == SIGN | c.KEY_USAGE_SIGN_MESSAGE
    assert policy.effective_usage(VERIFY) == VERIFY | c.KEY_USAGE_VERIFY_MESSAGE
    assert policy.effective_usage(c.KEY_USAGE_SIGN_MESSAGE) == c.KEY_USAGE_SIGN_MESSAGE
    assert policy.effective_usage(0) == 0


def test_valid_usage_flags() -> None:
    every = (
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
    policy.validate_usage_flags(every)
    for bad in (0x8, 0x10, 0x40, 0x40000, 1 << 31, -1):
        with pytest.raises(InvalidArgumentError):
            policy.validate_usage_flags(bad)
    # DERIVE_PUBLIC is a query flag for check_key_usage, not a key usage.
    with pytest.raises(InvalidArgumentError):
        policy.validate_usage_flags(c.KEY_USAGE_DERIVE_PUBLIC)


# --------------------------------------------------------------------------------------
# Permitted-algorithm matching


def test_exact_and_none() -> None:
    assert policy.permits(c.ALG_CTR, c.ALG_CTR, c.KEY_USAGE_ENCRYPT, AES)
    assert not policy.permits(c.ALG_CTR, c.ALG_CBC_NO_PADDING, c.KEY_USAGE_ENCRYPT, AES)
    assert not policy.permits(c.ALG_NONE, c.ALG_CTR, c.KEY_USAGE_ENCRYPT, AES)
    assert not policy.permits(c.ALG_NONE, c.ALG_NONE, c.KEY_USAGE_ENCRYPT, AES)
    assert not policy.permits(c.ALG_CTR, c.ALG_NONE, c.KEY_USAGE_ENCRYPT, AES)


@pytest.mark.parametrize("scheme", [ECDSA, DETERMINISTIC_ECDSA, RSA_PSS, RSA_PKCS1V15_SIGN])
def test_any_hash_sign_wildcard(scheme: object) -> None:
    build = scheme  # type: ignore[assignment]
    wildcard = build(ANY_HASH)  # type: ignore[operator]
    for usage in (SIGN, VERIFY, c.KEY_USAGE_SIGN_MESSAGE, c.KEY_USAGE_VERIFY_MESSAGE):
        for h in (SHA_1, SHA_256, SHA_512, c.ALG_SHA3_256):
            assert policy.permits(wildcard, build(h), usage, 0x7112)  # type: ignore[operator]
        # Not another scheme, not the wildcard itself as a request, not a non-hash.
        assert not policy.permits(wildcard, HMAC(SHA_256), usage, 0x7112)
        if build is not RSA_PKCS1V15_SIGN:  # whose hash-less form is SIGN_RAW, see below
            assert not policy.permits(wildcard, build(0), usage, 0x7112)  # type: ignore[operator]
    other = RSA_PSS if build is not RSA_PSS else RSA_PKCS1V15_SIGN
    assert not policy.permits(wildcard, other(SHA_256), SIGN, 0x7001)


def test_pkcs1v15_any_hash_permits_raw() -> None:
    assert policy.permits(RSA_PKCS1V15_SIGN(ANY_HASH), RSA_PKCS1V15_SIGN_RAW, SIGN, 0x7001)
    assert not policy.permits(RSA_PKCS1V15_SIGN(SHA_256), RSA_PKCS1V15_SIGN_RAW, SIGN, 0x7001)
    assert not policy.permits(RSA_PSS(ANY_HASH), RSA_PKCS1V15_SIGN_RAW, SIGN, 0x7001)


def test_ecdsa_and_deterministic_ecdsa_equivalent_for_verification_only() -> None:
    for a, b in ((ECDSA, DETERMINISTIC_ECDSA), (DETERMINISTIC_ECDSA, ECDSA)):
        for pol_hash in (SHA_256, ANY_HASH):
            pol = a(pol_hash)
            for usage in (VERIFY, c.KEY_USAGE_VERIFY_MESSAGE):
                assert policy.permits(pol, b(SHA_256), usage, 0x7112)
            for usage in (SIGN, c.KEY_USAGE_SIGN_MESSAGE):
                assert not policy.permits(pol, b(SHA_256), usage, 0x7112)
        # The hash must still match a specific-hash policy.
        assert not policy.permits(a(SHA_256), b(SHA_384), VERIFY, 0x7112)


def test_at_least_this_length_mac() -> None:
    hmac = HMAC(SHA_256)
    wildcard = AT_LEAST_THIS_LENGTH_MAC(hmac, 20)
    usage = c.KEY_USAGE_SIGN_MESSAGE
    ht = c.KEY_TYPE_HMAC
    assert policy.permits(wildcard, hmac, usage, ht)  # full length: 32 >= 20
    assert policy.permits(wildcard, TRUNCATED_MAC(hmac, 20), usage, ht)
    assert policy.permits(wildcard, TRUNCATED_MAC(hmac, 32), usage, ht)
    assert not policy.permits(wildcard, TRUNCATED_MAC(hmac, 19), usage, ht)
    assert not policy.permits(wildcard, HMAC(SHA_512), usage, ht)  # other base
    assert not policy.permits(wildcard, AT_LEAST_THIS_LENGTH_MAC(hmac, 24), usage, ht)
    # CMAC: the full length is the cipher block size of the key type.
    cmac_wild = AT_LEAST_THIS_LENGTH_MAC(c.ALG_CMAC, 10)
    assert policy.permits(cmac_wild, c.ALG_CMAC, usage, AES)
    assert policy.permits(cmac_wild, TRUNCATED_MAC(c.ALG_CMAC, 10), usage, AES)
    assert not policy.permits(cmac_wild, TRUNCATED_MAC(c.ALG_CMAC, 8), usage, AES)
    assert not policy.permits(cmac_wild, c.ALG_CBC_MAC, usage, AES)
    # A truncated MAC policy permits exactly that length only.
    assert not policy.permits(TRUNCATED_MAC(hmac, 20), TRUNCATED_MAC(hmac, 24), usage, ht)
    assert not policy.permits(TRUNCATED_MAC(hmac, 20), hmac, usage, ht)
    assert not policy.permits(hmac, TRUNCATED_MAC(hmac, 20), usage, ht)


def test_at_least_this_length_aead() -> None:
    usage = c.KEY_USAGE_ENCRYPT
    for base in (c.ALG_CCM, c.ALG_GCM, c.ALG_CHACHA20_POLY1305):
        wildcard = AT_LEAST_TAG(base, 12)
        assert policy.permits(wildcard, base, usage, AES)  # default tag 16 >= 12
        assert policy.permits(wildcard, SHORTENED_TAG(base, 12), usage, AES)
        assert policy.permits(wildcard, SHORTENED_TAG(base, 14), usage, AES)
        assert not policy.permits(wildcard, SHORTENED_TAG(base, 8), usage, AES)
        assert not policy.permits(wildcard, AT_LEAST_TAG(base, 16), usage, AES)
        assert not policy.permits(SHORTENED_TAG(base, 12), base, usage, AES)
    assert not policy.permits(AT_LEAST_TAG(c.ALG_CCM, 8), c.ALG_GCM, usage, AES)


def test_ccm_star_any_tag() -> None:
    wildcard = c.ALG_CCM_STAR_ANY_TAG
    for usage in (c.KEY_USAGE_ENCRYPT, c.KEY_USAGE_DECRYPT):
        assert policy.permits(wildcard, c.ALG_CCM_STAR_NO_TAG, usage, AES)
        assert policy.permits(wildcard, c.ALG_CCM, usage, AES)
        for n in (4, 8, 16):
            assert policy.permits(wildcard, SHORTENED_TAG(c.ALG_CCM, n), usage, AES)
        for n in (6, 10, 12, 14):
            assert not policy.permits(wildcard, SHORTENED_TAG(c.ALG_CCM, n), usage, AES)
        assert not policy.permits(wildcard, c.ALG_GCM, usage, AES)
        assert not policy.permits(wildcard, c.ALG_CTR, usage, AES)


def test_standalone_key_agreement_permits_any_kdf() -> None:
    for ka in (c.ALG_ECDH, c.ALG_FFDH):
        for kdf in (HKDF(SHA_256), HKDF(SHA_512), PBKDF2_HMAC(SHA_256)):
            assert policy.permits(ka, KEY_AGREEMENT(ka, kdf), c.KEY_USAGE_DERIVE, 0x7112)
        # Not the other key agreement; a combined policy does not permit the raw one.
        other = c.ALG_FFDH if ka == c.ALG_ECDH else c.ALG_ECDH
        assert not policy.permits(ka, KEY_AGREEMENT(other, HKDF(SHA_256)), c.KEY_USAGE_DERIVE, 0)
        combined = KEY_AGREEMENT(ka, HKDF(SHA_256))
        assert not policy.permits(combined, ka, c.KEY_USAGE_DERIVE, 0x7112)
        assert not policy.permits(combined, KEY_AGREEMENT(ka, HKDF(SHA_512)), c.KEY_USAGE_DERIVE, 0)


def test_wpa3_sae_any() -> None:
    wildcard = c.ALG_WPA3_SAE_ANY
    password, token_ecc, token_dh = c.KEY_TYPE_PASSWORD, 0x3292, 0x3303
    d = c.KEY_USAGE_DERIVE
    for h in (SHA_256, SHA_512):
        assert policy.permits(wildcard, WPA3_SAE_FIXED | (h & 0xFF), d, password)
        assert policy.permits(wildcard, WPA3_SAE_H2E | (h & 0xFF), d, password)
        assert not policy.permits(wildcard, WPA3_SAE_GDH | (h & 0xFF), d, password)
        for token in (token_ecc, token_dh):
            assert policy.permits(wildcard, WPA3_SAE_FIXED | (h & 0xFF), d, token)
            assert policy.permits(wildcard, WPA3_SAE_GDH | (h & 0xFF), d, token)
            assert not policy.permits(wildcard, WPA3_SAE_H2E | (h & 0xFF), d, token)
    assert not policy.permits(wildcard, WPA3_SAE_FIXED | (SHA_256 & 0xFF), d, AES)
    assert not policy.permits(wildcard, HKDF(SHA_256), d, password)


def test_is_wildcard() -> None:
    wildcards = [
        ECDSA(ANY_HASH),
        RSA_PSS(ANY_HASH),
        RSA_PKCS1V15_SIGN(ANY_HASH),
        HMAC(ANY_HASH),
        HKDF(ANY_HASH),
        AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16),
        AT_LEAST_THIS_LENGTH_MAC(c.ALG_CMAC, 4),
        AT_LEAST_TAG(c.ALG_GCM, 12),
        c.ALG_CCM_STAR_ANY_TAG,
        c.ALG_WPA3_SAE_ANY,
        ANY_HASH,
    ]
    for alg in wildcards:
        assert policy.is_wildcard(alg), hex(alg)
    specific = [
        c.ALG_NONE,
        SHA_256,
        ECDSA(SHA_256),
        HMAC(SHA_256),
        TRUNCATED_MAC(HMAC(SHA_256), 16),
        SHORTENED_TAG(c.ALG_GCM, 12),
        c.ALG_CCM_STAR_NO_TAG,
        c.ALG_CTR,
        c.ALG_ECDH,
        RSA_PKCS1V15_SIGN_RAW,
    ]
    for alg in specific:
        assert not policy.is_wildcard(alg), hex(alg)


# --------------------------------------------------------------------------------------
# copy_key: policy intersection


@pytest.mark.parametrize(
    ("source", "requested", "expected"),
    [
        (c.ALG_CTR, c.ALG_CTR, c.ALG_CTR),
        (ECDSA(ANY_HASH), ECDSA(SHA_256), ECDSA(SHA_256)),
        (ECDSA(SHA_256), ECDSA(ANY_HASH), ECDSA(SHA_256)),
        (ECDSA(ANY_HASH), ECDSA(ANY_HASH), ECDSA(ANY_HASH)),
        (RSA_PKCS1V15_SIGN(ANY_HASH), RSA_PKCS1V15_SIGN_RAW, RSA_PKCS1V15_SIGN_RAW),
        (AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16), HMAC(SHA_256), HMAC(SHA_256)),
        (
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16),
            TRUNCATED_MAC(HMAC(SHA_256), 20),
            TRUNCATED_MAC(HMAC(SHA_256), 20),
        ),
        (
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16),
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 24),
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 24),
        ),
        (
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 24),
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16),
            AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 24),
        ),
        (AT_LEAST_TAG(c.ALG_GCM, 12), c.ALG_GCM, c.ALG_GCM),
        (c.ALG_GCM, AT_LEAST_TAG(c.ALG_GCM, 12), c.ALG_GCM),
        (AT_LEAST_TAG(c.ALG_CCM, 8), AT_LEAST_TAG(c.ALG_CCM, 12), AT_LEAST_TAG(c.ALG_CCM, 12)),
        (c.ALG_CCM_STAR_ANY_TAG, c.ALG_CCM_STAR_NO_TAG, c.ALG_CCM_STAR_NO_TAG),
        (c.ALG_CCM_STAR_ANY_TAG, SHORTENED_TAG(c.ALG_CCM, 8), SHORTENED_TAG(c.ALG_CCM, 8)),
        (
            c.ALG_ECDH,
            KEY_AGREEMENT(c.ALG_ECDH, HKDF(SHA_256)),
            KEY_AGREEMENT(c.ALG_ECDH, HKDF(SHA_256)),
        ),
        # A policy of ALG_NONE on either side: the copy permits no algorithm.
        (c.ALG_CTR, c.ALG_NONE, c.ALG_NONE),
        (c.ALG_NONE, c.ALG_CTR, c.ALG_NONE),
    ],
)
def test_intersection(source: int, requested: int, expected: int) -> None:
    key_type = c.KEY_TYPE_HMAC if (source & 0x7F000000) == 0x03000000 else AES
    assert policy.intersect_algorithms(source, requested, key_type) == expected


@pytest.mark.parametrize(
    ("source", "requested"),
    [
        (c.ALG_CTR, c.ALG_CBC_NO_PADDING),
        (ECDSA(SHA_256), ECDSA(SHA_384)),
        (ECDSA(ANY_HASH), RSA_PSS(SHA_256)),
        # ECDSA and deterministic ECDSA are only equivalent for verification.
        (ECDSA(SHA_256), DETERMINISTIC_ECDSA(SHA_256)),
        (AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 24), TRUNCATED_MAC(HMAC(SHA_256), 20)),
        (AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16), HMAC(SHA_512)),
        (TRUNCATED_MAC(HMAC(SHA_256), 16), TRUNCATED_MAC(HMAC(SHA_256), 20)),
        (AT_LEAST_TAG(c.ALG_GCM, 12), SHORTENED_TAG(c.ALG_GCM, 8)),
        (AT_LEAST_TAG(c.ALG_GCM, 12), AT_LEAST_TAG(c.ALG_CCM, 12)),
        (c.ALG_CCM_STAR_ANY_TAG, SHORTENED_TAG(c.ALG_CCM, 12)),
        (c.ALG_CCM_STAR_ANY_TAG, c.ALG_GCM),
    ],
)
def test_intersection_empty(source: int, requested: int) -> None:
    key_type = c.KEY_TYPE_HMAC if (source & 0x7F000000) == 0x03000000 else AES
    with pytest.raises(InvalidArgumentError):
        policy.intersect_algorithms(source, requested, key_type)
    with pytest.raises(InvalidArgumentError):
        policy.intersect_algorithms(requested, source, key_type)


def _key(ctx: LocalContext, usage: int, alg: int, key_type: int = AES, n: int = 16) -> int:
    return ctx.import_key(
        KeyAttributes(type=key_type, usage_flags=usage, algorithm=alg), bytes(range(n))
    )


def test_copy_key_intersects_policy(ctx: LocalContext) -> None:
    source = _key(
        ctx,
        c.KEY_USAGE_COPY | c.KEY_USAGE_SIGN_MESSAGE | c.KEY_USAGE_VERIFY_MESSAGE,
        AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16),
        c.KEY_TYPE_HMAC,
        32,
    )
    target = ctx.copy_key(
        source,
        KeyAttributes(
            usage_flags=c.KEY_USAGE_VERIFY_MESSAGE | c.KEY_USAGE_EXPORT,
            algorithm=TRUNCATED_MAC(HMAC(SHA_256), 20),
        ),
    )
    got = ctx.get_key_attributes(target)
    assert got.usage_flags == c.KEY_USAGE_VERIFY_MESSAGE
    assert got.algorithm == TRUNCATED_MAC(HMAC(SHA_256), 20)
    with pytest.raises(InvalidArgumentError):
        ctx.copy_key(
            source,
            KeyAttributes(usage_flags=c.KEY_USAGE_VERIFY_MESSAGE, algorithm=HMAC(SHA_512)),
        )


def test_copy_key_implied_flags(ctx: LocalContext) -> None:
    """Requested SIGN_HASH implies SIGN_MESSAGE before the intersection."""
    source = _key(ctx, c.KEY_USAGE_COPY | c.KEY_USAGE_SIGN_MESSAGE, HMAC(SHA_256), c.KEY_TYPE_HMAC)
    target = ctx.copy_key(source, KeyAttributes(usage_flags=SIGN, algorithm=HMAC(SHA_256)))
    assert ctx.get_key_attributes(target).usage_flags == c.KEY_USAGE_SIGN_MESSAGE


def test_copy_key_cannot_widen(ctx: LocalContext) -> None:
    source = _key(ctx, c.KEY_USAGE_COPY | c.KEY_USAGE_ENCRYPT, c.ALG_CTR)
    target = ctx.copy_key(
        source,
        KeyAttributes(
            usage_flags=c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT | c.KEY_USAGE_EXPORT,
            algorithm=c.ALG_CTR,
        ),
    )
    assert ctx.get_key_attributes(target).usage_flags == c.KEY_USAGE_ENCRYPT
    with pytest.raises(NotPermittedError):
        ctx.export_key(target)
    with pytest.raises(NotPermittedError):  # COPY was not requested, so not granted
        ctx.copy_key(target, KeyAttributes(algorithm=c.ALG_CTR))


# --------------------------------------------------------------------------------------
# Enforcement: the core's key lookup for operations (Session._use_key)

CRYPTO_USAGES = [
    c.KEY_USAGE_ENCRYPT,
    c.KEY_USAGE_DECRYPT,
    c.KEY_USAGE_SIGN_MESSAGE,
    c.KEY_USAGE_VERIFY_MESSAGE,
    c.KEY_USAGE_SIGN_HASH,
    c.KEY_USAGE_VERIFY_HASH,
    c.KEY_USAGE_DERIVE,
    c.KEY_USAGE_VERIFY_DERIVATION,
    c.KEY_USAGE_WRAP,
    c.KEY_USAGE_UNWRAP,
]


@pytest.mark.local_only  # Session._use_key is the core's internal lookup
@pytest.mark.parametrize("usage", CRYPTO_USAGES)
def test_use_key_enforces_every_usage_flag(ctx: LocalContext, usage: int) -> None:
    alg = c.ALG_CTR
    granted = _key(ctx, usage, alg)
    assert ctx._use_key(granted, usage, alg).type == AES
    with pytest.raises(NotPermittedError):
        ctx._use_key(granted, usage, c.ALG_CBC_NO_PADDING)  # other algorithm
    for other in CRYPTO_USAGES:
        implied = policy.effective_usage(usage) & other
        if other != usage and not implied:
            with pytest.raises(NotPermittedError):
                ctx._use_key(granted, other, alg)
    none = _key(ctx, usage, c.ALG_NONE)
    with pytest.raises(NotPermittedError):
        ctx._use_key(none, usage, alg)
    everything_but = _key(
        ctx, policy.VALID_USAGE_FLAGS & ~policy.effective_usage(usage) & ~usage, alg
    )
    if usage not in (c.KEY_USAGE_SIGN_MESSAGE, c.KEY_USAGE_VERIFY_MESSAGE):
        with pytest.raises(NotPermittedError):
            ctx._use_key(everything_but, usage, alg)
    with pytest.raises(InvalidHandleError):
        ctx._use_key(0x7FFEFFFE, usage, alg)


@pytest.mark.local_only  # Session._use_key is the core's internal lookup
def test_sign_hash_implies_sign_message_in_use(ctx: LocalContext) -> None:
    key = _key(ctx, SIGN, HMAC(SHA_256), c.KEY_TYPE_HMAC)
    ctx._use_key(key, c.KEY_USAGE_SIGN_MESSAGE, HMAC(SHA_256))
    key = _key(ctx, VERIFY, HMAC(SHA_256), c.KEY_TYPE_HMAC)
    ctx._use_key(key, c.KEY_USAGE_VERIFY_MESSAGE, HMAC(SHA_256))
    key = _key(ctx, c.KEY_USAGE_SIGN_MESSAGE, HMAC(SHA_256), c.KEY_TYPE_HMAC)
    with pytest.raises(NotPermittedError):
        ctx._use_key(key, SIGN, HMAC(SHA_256))


@pytest.mark.local_only  # Session._use_key is the core's internal lookup
def test_use_key_with_wildcard_policies(ctx: LocalContext) -> None:
    mac_key = _key(
        ctx,
        c.KEY_USAGE_SIGN_MESSAGE,
        AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16),
        c.KEY_TYPE_HMAC,
        32,
    )
    ctx._use_key(mac_key, c.KEY_USAGE_SIGN_MESSAGE, HMAC(SHA_256))
    ctx._use_key(mac_key, c.KEY_USAGE_SIGN_MESSAGE, TRUNCATED_MAC(HMAC(SHA_256), 16))
    with pytest.raises(NotPermittedError):
        ctx._use_key(mac_key, c.KEY_USAGE_SIGN_MESSAGE, TRUNCATED_MAC(HMAC(SHA_256), 8))
    ccm_key = _key(ctx, c.KEY_USAGE_ENCRYPT, c.ALG_CCM_STAR_ANY_TAG)
    ctx._use_key(ccm_key, c.KEY_USAGE_ENCRYPT, c.ALG_CCM_STAR_NO_TAG)
    ctx._use_key(ccm_key, c.KEY_USAGE_ENCRYPT, SHORTENED_TAG(c.ALG_CCM, 4))
    with pytest.raises(NotPermittedError):
        ctx._use_key(ccm_key, c.KEY_USAGE_ENCRYPT, SHORTENED_TAG(c.ALG_CCM, 6))


# --------------------------------------------------------------------------------------
# check_key_usage


@pytest.fixture
def fake_checkers(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[int, int, int]]]:
    """Register checkers as the families will: CTR for AES keys (encrypt/decrypt),
    HMAC-SHA-256 for HMAC keys (sign/verify message), ECDH (derive / derive-public)
    for ECC keys. Each records its calls."""
    calls: list[tuple[int, int, int]] = []

    def needs(types: tuple[int, ...]) -> compat.Checker:
        def check(key_type: int, bits: int, alg: int) -> None:
            calls.append((key_type, bits, alg))
            if key_type not in types:
                raise InvalidArgumentError("key type does not fit")

        return check

    monkeypatch.setattr(compat, "_REGISTRY", {})
    compat.register(
        c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT, lambda a: a == c.ALG_CTR, needs((AES,))
    )
    compat.register(
        c.KEY_USAGE_SIGN_MESSAGE | c.KEY_USAGE_VERIFY_MESSAGE,
        lambda a: (a & 0x7FC0FF00) == 0x03800000,
        needs((c.KEY_TYPE_HMAC,)),
    )
    compat.register(
        c.KEY_USAGE_DERIVE | c.KEY_USAGE_DERIVE_PUBLIC,
        lambda a: a == c.ALG_ECDH,
        needs((c.KEY_TYPE_RAW_DATA,)),  # stands in for an ECC key type
    )

    def unsupported(key_type: int, bits: int, alg: int) -> None:
        raise NotSupportedError("not implemented")

    compat.register(c.KEY_USAGE_ENCRYPT, lambda a: a == c.ALG_XTS, unsupported)
    yield calls


def test_check_key_usage_key_management(ctx: LocalContext) -> None:
    key = _key(ctx, c.KEY_USAGE_EXPORT | c.KEY_USAGE_CACHE, c.ALG_CTR)
    ctx.check_key_usage(key, c.ALG_NONE, c.KEY_USAGE_EXPORT)
    ctx.check_key_usage(key, c.ALG_NONE, c.KEY_USAGE_CACHE)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(key, c.ALG_NONE, c.KEY_USAGE_COPY)
    with pytest.raises(InvalidArgumentError):  # key-management usage takes ALG_NONE
        ctx.check_key_usage(key, c.ALG_CTR, c.KEY_USAGE_EXPORT)
    with pytest.raises(InvalidHandleError):
        ctx.check_key_usage(0x7FFEFFFE, c.ALG_NONE, c.KEY_USAGE_EXPORT)


def test_check_key_usage_usage_argument(ctx: LocalContext) -> None:
    key = _key(ctx, c.KEY_USAGE_EXPORT | c.KEY_USAGE_ENCRYPT, c.ALG_CTR)
    for usage in (
        0,
        c.KEY_USAGE_EXPORT | c.KEY_USAGE_COPY,
        c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT,
    ):
        with pytest.raises(InvalidArgumentError):
            ctx.check_key_usage(key, c.ALG_NONE, usage)
        with pytest.raises(InvalidArgumentError):
            ctx.check_key_usage(key, c.ALG_CTR, usage)
    for unknown in (0x8, 0x40000, 1 << 31):
        with pytest.raises(InvalidArgumentError):
            ctx.check_key_usage(key, c.ALG_CTR, unknown)


@pytest.mark.local_only  # fake_checkers monkeypatches the compatibility registry
def test_check_key_usage_crypto(
    ctx: LocalContext, fake_checkers: list[tuple[int, int, int]]
) -> None:
    key = _key(ctx, c.KEY_USAGE_ENCRYPT, c.ALG_CTR)
    ctx.check_key_usage(key, c.ALG_CTR, c.KEY_USAGE_ENCRYPT)
    assert fake_checkers[-1] == (AES, 128, c.ALG_CTR)
    with pytest.raises(NotPermittedError):  # the role exists but the key lacks the flag
        ctx.check_key_usage(key, c.ALG_CTR, c.KEY_USAGE_DECRYPT)
    with pytest.raises(InvalidArgumentError):  # ALG_NONE is not a specific algorithm
        ctx.check_key_usage(key, c.ALG_NONE, c.KEY_USAGE_ENCRYPT)
    for wildcard in (c.ALG_CCM_STAR_ANY_TAG, AT_LEAST_TAG(c.ALG_GCM, 8), ECDSA(ANY_HASH)):
        with pytest.raises(InvalidArgumentError):
            ctx.check_key_usage(key, wildcard, c.KEY_USAGE_ENCRYPT)
    with pytest.raises(InvalidArgumentError):  # not a role of CTR
        ctx.check_key_usage(key, c.ALG_CTR, c.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(NotSupportedError):  # a role psacrypto does not implement
        ctx.check_key_usage(key, c.ALG_XTS, c.KEY_USAGE_ENCRYPT)
    # Key not compatible with the algorithm: invalid argument before permissions.
    hmac_key = _key(ctx, c.KEY_USAGE_ENCRYPT, c.ALG_CTR, c.KEY_TYPE_HMAC)
    with pytest.raises(InvalidArgumentError):
        ctx.check_key_usage(hmac_key, c.ALG_CTR, c.KEY_USAGE_ENCRYPT)
    # Permitted algorithm mismatch.
    other = _key(ctx, c.KEY_USAGE_SIGN_MESSAGE, HMAC(SHA_256), c.KEY_TYPE_HMAC)
    ctx.check_key_usage(other, HMAC(SHA_256), c.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(other, HMAC(SHA_512), c.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(InvalidHandleError):
        ctx.check_key_usage(0x7FFEFFFE, c.ALG_CTR, c.KEY_USAGE_ENCRYPT)


@pytest.mark.local_only  # fake_checkers monkeypatches the compatibility registry
def test_check_key_usage_implied_and_wildcard_policy(
    ctx: LocalContext, fake_checkers: list[tuple[int, int, int]]
) -> None:
    key = _key(ctx, SIGN, AT_LEAST_THIS_LENGTH_MAC(HMAC(SHA_256), 16), c.KEY_TYPE_HMAC, 32)
    ctx.check_key_usage(key, HMAC(SHA_256), c.KEY_USAGE_SIGN_MESSAGE)  # implied by SIGN_HASH
    ctx.check_key_usage(key, TRUNCATED_MAC(HMAC(SHA_256), 20), c.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(key, TRUNCATED_MAC(HMAC(SHA_256), 10), c.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(key, HMAC(SHA_256), c.KEY_USAGE_VERIFY_MESSAGE)


@pytest.mark.local_only  # fake_checkers monkeypatches the compatibility registry
def test_check_key_usage_derive_public(
    ctx: LocalContext, fake_checkers: list[tuple[int, int, int]]
) -> None:
    """DERIVE_PUBLIC needs a compatible key but no permission."""
    key = _key(ctx, 0, c.ALG_NONE, c.KEY_TYPE_RAW_DATA)
    ctx.check_key_usage(key, c.ALG_ECDH, c.KEY_USAGE_DERIVE_PUBLIC)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(key, c.ALG_ECDH, c.KEY_USAGE_DERIVE)
    aes = _key(ctx, c.KEY_USAGE_DERIVE, c.ALG_ECDH)
    with pytest.raises(InvalidArgumentError):
        ctx.check_key_usage(aes, c.ALG_ECDH, c.KEY_USAGE_DERIVE_PUBLIC)
    with pytest.raises(InvalidArgumentError):  # no public role in CTR
        ctx.check_key_usage(aes, c.ALG_CTR, c.KEY_USAGE_DERIVE_PUBLIC)
