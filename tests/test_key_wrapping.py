"""Key wrapping: the KW/KWP driver on its standards' vectors, and ``wrap_key`` /
``unwrap_key`` against the spec's error lists (api/ops/key-wrapping.rst).

Vectors: RFC 3394 section 4 (AES-KW), RFC 5649 section 6 (AES-KWP), Wycheproof
aes_wrap / aes_kwp / aria_wrap / aria_kwp / camellia_wrap (tests/data/wycheproof).
SM4 has no published KW vectors: the generic implementation is proven by the ARIA and
Camellia vectors and by agreeing with pyca on AES, and SM4 is checked by round trip.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import wycheproof
from conftest import key_inventory
from cryptography.hazmat.primitives.ciphers import algorithms

import psacrypto
from psacrypto import constants as c
from psacrypto import macros as m
from psacrypto.attributes import KeyAttributes
from psacrypto.context import LocalContext
from psacrypto.core.session import Quotas
from psacrypto.drivers.software import keywrap, symmetric
from psacrypto.drivers.software.primitives.modes import PycaBlockCipher
from psacrypto.errors import (
    AlreadyExistsError,
    BadStateError,
    InsufficientMemoryError,
    InsufficientStorageError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
)

WRAP_USAGE = c.KEY_USAGE_WRAP | c.KEY_USAGE_UNWRAP


def attrs(
    key_type: int = c.KEY_TYPE_AES,
    bits: int = 0,
    usage: int = c.KEY_USAGE_EXPORT,
    alg: int = c.ALG_NONE,
) -> KeyAttributes:
    return KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)


def wrapping_key(
    ctx: LocalContext,
    alg: int = c.ALG_KW,
    key: bytes = bytes(range(16)),
    key_type: int = c.KEY_TYPE_AES,
    usage: int = WRAP_USAGE,
) -> int:
    return ctx.import_key(attrs(key_type, usage=usage, alg=alg), key)


def raw_key(ctx: LocalContext, data: bytes, usage: int = c.KEY_USAGE_EXPORT) -> int:
    return ctx.import_key(attrs(c.KEY_TYPE_RAW_DATA, usage=usage), data)


# --------------------------------------------------------------------------------------
# RFC vectors (driver)

KEK128 = bytes.fromhex("000102030405060708090A0B0C0D0E0F")
KEK192 = bytes.fromhex("000102030405060708090A0B0C0D0E0F1011121314151617")
KEK256 = bytes.fromhex("000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F")
DATA128 = bytes.fromhex("00112233445566778899AABBCCDDEEFF")
DATA192 = bytes.fromhex("00112233445566778899AABBCCDDEEFF0001020304050607")
DATA256 = bytes.fromhex("00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F")

RFC3394 = [  # section 4.1 to 4.6: (KEK, key data, ciphertext)
    (KEK128, DATA128, "1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"),
    (KEK192, DATA128, "96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"),
    (KEK256, DATA128, "64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"),
    (KEK192, DATA192, "031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"),
    (KEK256, DATA192, "A8F9BC1612C68B3FF6E6F4FBE30E71E4769C8B80A32CB8958CD5D17D6B254DA1"),
    (
        KEK256,
        DATA256,
        "28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21",
    ),
]

RFC5649_KEK = bytes.fromhex("5840df6e29b02af1ab493b705bf16ea1ae8338f4dcc176a8")
RFC5649 = [  # section 6: (key, ciphertext)
    (
        "c37b7e6492584340bed12207808941155068f738",
        "138bdeaa9b8fa7fc61f97742e72248ee5ae6ae5360d1ae6a5f54f373fa543b6a",
    ),
    ("466f7250617369", "afbeb0f07dfbf5419200f2ccb50bb24f"),
]


def generic_aes(key: bytes) -> PycaBlockCipher:
    return PycaBlockCipher(algorithms.AES(key))


@pytest.mark.parametrize(("kek", "data", "ct"), RFC3394)
def test_rfc3394(kek: bytes, data: bytes, ct: str) -> None:
    expected = bytes.fromhex(ct)
    pyca = keywrap.KeyWrapper(c.KEY_TYPE_AES, kek)
    assert pyca.wrap(c.ALG_KW, data) == expected
    assert pyca.unwrap(c.ALG_KW, expected) == data
    assert keywrap.kw_wrap(generic_aes(kek), data) == expected
    assert keywrap.kw_unwrap(generic_aes(kek), expected) == data


@pytest.mark.parametrize(("data", "ct"), RFC5649)
def test_rfc5649(data: str, ct: str) -> None:
    plain, expected = bytes.fromhex(data), bytes.fromhex(ct)
    pyca = keywrap.KeyWrapper(c.KEY_TYPE_AES, RFC5649_KEK)
    assert pyca.wrap(c.ALG_KWP, plain) == expected
    assert pyca.unwrap(c.ALG_KWP, expected) == plain
    assert keywrap.kwp_wrap(generic_aes(RFC5649_KEK), plain) == expected
    assert keywrap.kwp_unwrap(generic_aes(RFC5649_KEK), expected) == plain


def test_generic_agrees_with_pyca() -> None:
    """The generic W over AES equals pyca's AES-KW/KWP on every length up to 80."""
    for size in (16, 24, 32):
        kek = os.urandom(size)
        pyca = keywrap.KeyWrapper(c.KEY_TYPE_AES, kek)
        for length in range(1, 81):
            data = os.urandom(length)
            wrapped = pyca.wrap(c.ALG_KWP, data)
            assert keywrap.kwp_wrap(generic_aes(kek), data) == wrapped
            assert keywrap.kwp_unwrap(generic_aes(kek), wrapped) == data
            if length >= 16 and length % 8 == 0:
                wrapped = pyca.wrap(c.ALG_KW, data)
                assert keywrap.kw_wrap(generic_aes(kek), data) == wrapped
                assert keywrap.kw_unwrap(generic_aes(kek), wrapped) == data


def test_kwp_zero_length_indicator_rejected() -> None:
    """A KWP block claiming a 0-byte key does not authenticate (a key of size 0 is
    never unwrapped)."""
    cipher = generic_aes(KEK128)
    forged = cipher.encryptor()(keywrap.ICV2 + bytes(4) + bytes(8))
    with pytest.raises(InvalidSignatureError):
        keywrap.kwp_unwrap(cipher, forged)
    with pytest.raises(InvalidSignatureError):
        keywrap.KeyWrapper(c.KEY_TYPE_AES, KEK128).unwrap(c.ALG_KWP, forged)


@pytest.mark.parametrize("key_type", [c.KEY_TYPE_SM4, c.KEY_TYPE_ARIA, c.KEY_TYPE_CAMELLIA])
def test_generic_round_trip_and_tamper(key_type: int) -> None:
    wrapper = keywrap.KeyWrapper(key_type, os.urandom(16))
    for alg, lengths in ((c.ALG_KW, (16, 24, 40)), (c.ALG_KWP, (1, 7, 8, 9, 33))):
        for length in lengths:
            data = os.urandom(length)
            wrapped = wrapper.wrap(alg, data)
            assert len(wrapped) == (length + 7) // 8 * 8 + 8
            assert wrapper.unwrap(alg, wrapped) == data
            for i in (0, len(wrapped) // 2, len(wrapped) - 1):
                bad = bytearray(wrapped)
                bad[i] ^= 0x01
                with pytest.raises(InvalidSignatureError):
                    wrapper.unwrap(alg, bytes(bad))


def test_driver_rejects_non_128_bit_block_ciphers() -> None:
    with pytest.raises(InvalidArgumentError):
        keywrap.KeyWrapper(c.KEY_TYPE_DES, os.urandom(24))
    des = symmetric.block_cipher(c.KEY_TYPE_DES, os.urandom(24))
    with pytest.raises(InvalidArgumentError):
        keywrap.kw_wrap(des, bytes(16))


# --------------------------------------------------------------------------------------
# Wycheproof (driver and API)

WYCHEPROOF = [
    ("aes_wrap_test", c.KEY_TYPE_AES, c.ALG_KW),
    ("aes_kwp_test", c.KEY_TYPE_AES, c.ALG_KWP),
    ("aria_wrap_test", c.KEY_TYPE_ARIA, c.ALG_KW),
    ("aria_kwp_test", c.KEY_TYPE_ARIA, c.ALG_KWP),
    ("camellia_wrap_test", c.KEY_TYPE_CAMELLIA, c.ALG_KW),
]


def _length_ok(alg: int, length: int) -> bool:
    minimum = 24 if alg == c.ALG_KW else 16
    return length >= minimum and length % 8 == 0


def _input_ok(alg: int, length: int) -> bool:
    if alg == c.ALG_KW:
        return length >= 16 and length % 8 == 0
    return length >= 1


def _wrappers(key_type: int, key: bytes) -> Iterator[keywrap.KeyWrapper | PycaBlockCipher]:
    yield keywrap.KeyWrapper(key_type, key)
    if key_type == c.KEY_TYPE_AES:
        yield generic_aes(key)


def _wrap(w: keywrap.KeyWrapper | PycaBlockCipher, alg: int, data: bytes) -> bytes:
    if isinstance(w, keywrap.KeyWrapper):
        return w.wrap(alg, data)
    return keywrap.kw_wrap(w, data) if alg == c.ALG_KW else keywrap.kwp_wrap(w, data)


def _unwrap(w: keywrap.KeyWrapper | PycaBlockCipher, alg: int, data: bytes) -> bytes:
    if isinstance(w, keywrap.KeyWrapper):
        return w.unwrap(alg, data)
    return keywrap.kw_unwrap(w, data) if alg == c.ALG_KW else keywrap.kwp_unwrap(w, data)


@pytest.mark.parametrize(("name", "key_type", "alg"), WYCHEPROOF, ids=[w[0] for w in WYCHEPROOF])
def test_wycheproof_driver(name: str, key_type: int, alg: int) -> None:
    count = 0
    for case in wycheproof.cases(name):
        key, msg, ct = case.hexbytes("key"), case.hexbytes("msg"), case.hexbytes("ct")
        for w in _wrappers(key_type, key):
            if case.valid:
                assert _wrap(w, alg, msg) == ct, case
                assert _unwrap(w, alg, ct) == msg, case
            else:
                # invalid, or acceptable (8-byte KW keys, which psacrypto refuses)
                expected = (
                    InvalidSignatureError if _length_ok(alg, len(ct)) else InvalidArgumentError
                )
                with pytest.raises(expected):
                    _unwrap(w, alg, ct)
                if _input_ok(alg, len(msg)):
                    assert _wrap(w, alg, msg) != ct, case
                else:
                    with pytest.raises(InvalidArgumentError):
                        _wrap(w, alg, msg)
        count += 1
    assert count > 150


@pytest.mark.parametrize(("name", "key_type", "alg"), WYCHEPROOF, ids=[w[0] for w in WYCHEPROOF])
def test_wycheproof_api(ctx: LocalContext, name: str, key_type: int, alg: int) -> None:
    """Every case through import_key / wrap_key / unwrap_key on RAW_DATA keys."""
    kek_cache: dict[bytes, int] = {}
    for case in wycheproof.cases(name):
        key, msg, ct = case.hexbytes("key"), case.hexbytes("msg"), case.hexbytes("ct")
        kek = kek_cache.get(key)
        if kek is None:
            kek = kek_cache[key] = wrapping_key(ctx, alg, key, key_type)
        if case.valid:
            assert ctx.wrap_key(kek, alg, raw_key(ctx, msg)) == ct, case
            new = ctx.unwrap_key(attrs(c.KEY_TYPE_RAW_DATA), kek, alg, ct)
            assert ctx.export_key(new) == msg
            got = ctx.get_key_attributes(new)
            assert got.bits == 8 * len(msg)
            ctx.destroy_key(new)
        else:
            expected = InvalidSignatureError if _length_ok(alg, len(ct)) else InvalidArgumentError
            with pytest.raises(expected):
                ctx.unwrap_key(attrs(c.KEY_TYPE_RAW_DATA), kek, alg, ct)
            if msg and not _input_ok(alg, len(msg)):
                with pytest.raises(InvalidArgumentError):
                    ctx.wrap_key(kek, alg, raw_key(ctx, msg))


# --------------------------------------------------------------------------------------
# wrap_key / unwrap_key round trips


@pytest.mark.parametrize(
    ("key_type", "bits"),
    [
        (c.KEY_TYPE_AES, 128),
        (c.KEY_TYPE_AES, 192),
        (c.KEY_TYPE_AES, 256),
        (c.KEY_TYPE_ARIA, 256),
        (c.KEY_TYPE_CAMELLIA, 192),
        (c.KEY_TYPE_SM4, 128),
    ],
)
@pytest.mark.parametrize("alg", [c.ALG_KW, c.ALG_KWP])
def test_round_trip_every_wrapping_key(
    ctx: LocalContext, key_type: int, bits: int, alg: int
) -> None:
    kek = wrapping_key(ctx, alg, os.urandom(bits // 8), key_type)
    secret = os.urandom(32)
    key = ctx.import_key(
        attrs(
            c.KEY_TYPE_HMAC,
            usage=c.KEY_USAGE_EXPORT | c.KEY_USAGE_SIGN_MESSAGE,
            alg=m.ALG_HMAC(c.ALG_SHA_256),
        ),
        secret,
    )
    blob = ctx.wrap_key(kek, alg, key)
    assert len(blob) == m.WRAP_KEY_OUTPUT_SIZE(key_type, alg, c.KEY_TYPE_HMAC, 256) == 40
    new = ctx.unwrap_key(
        attrs(c.KEY_TYPE_HMAC, usage=c.KEY_USAGE_SIGN_MESSAGE, alg=m.ALG_HMAC(c.ALG_SHA_256)),
        kek,
        alg,
        blob,
    )
    got = ctx.get_key_attributes(new)
    assert (got.type, got.bits, got.usage_flags) == (c.KEY_TYPE_HMAC, 256, c.KEY_USAGE_SIGN_MESSAGE)
    assert ctx.mac_compute(new, m.ALG_HMAC(c.ALG_SHA_256), b"x") == ctx.mac_compute(
        key, m.ALG_HMAC(c.ALG_SHA_256), b"x"
    )


def test_key_pairs(ctx: LocalContext) -> None:
    """Key pairs are wrapped in their export format and unwrap to a key pair."""
    kek = wrapping_key(ctx, c.ALG_KWP)
    ecc = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    pair = ctx.generate_key(KeyAttributes(type=ecc, bits=256, usage_flags=c.KEY_USAGE_EXPORT))
    blob = ctx.wrap_key(kek, c.ALG_KWP, pair)
    new = ctx.unwrap_key(
        KeyAttributes(type=ecc, usage_flags=c.KEY_USAGE_EXPORT), kek, c.ALG_KWP, blob
    )
    assert ctx.get_key_attributes(new).bits == 256
    assert ctx.export_public_key(new) == ctx.export_public_key(pair)
    # 32 bytes: KW works too.
    kw = wrapping_key(ctx, c.ALG_KW)
    assert len(ctx.wrap_key(kw, c.ALG_KW, pair)) == 40
    # The same data as another type: the import rules of that type apply.
    with pytest.raises(InvalidArgumentError):
        ctx.unwrap_key(attrs(c.KEY_TYPE_AES, bits=128), kek, c.ALG_KWP, blob)
    rsa = ctx.generate_key(
        KeyAttributes(type=c.KEY_TYPE_RSA_KEY_PAIR, bits=1024, usage_flags=c.KEY_USAGE_EXPORT)
    )
    blob = ctx.wrap_key(kek, c.ALG_KWP, rsa)
    assert len(blob) <= m.WRAP_KEY_PAIR_MAX_SIZE
    new = ctx.unwrap_key(
        KeyAttributes(type=c.KEY_TYPE_RSA_KEY_PAIR, usage_flags=c.KEY_USAGE_EXPORT),
        kek,
        c.ALG_KWP,
        blob,
    )
    assert ctx.export_key(new) == ctx.export_key(rsa)


def test_persistent_unwrap(store_opener: Callable[[], Any]) -> None:
    with store_opener() as ctx:
        kek = wrapping_key(ctx, c.ALG_KW)
        blob = ctx.wrap_key(kek, c.ALG_KW, raw_key(ctx, bytes(range(16))))
        target = attrs(c.KEY_TYPE_AES)
        target.set_lifetime(c.KEY_LIFETIME_PERSISTENT)
        target.id = 77
        assert ctx.unwrap_key(target, kek, c.ALG_KW, blob) == 77
        with pytest.raises(AlreadyExistsError):
            ctx.unwrap_key(target, kek, c.ALG_KW, blob)
    with store_opener() as ctx:
        assert ctx.export_key(77) == bytes(range(16))


def test_bytes_like_inputs(ctx: LocalContext) -> None:
    kek = wrapping_key(ctx, c.ALG_KWP)
    blob = ctx.wrap_key(kek, c.ALG_KWP, raw_key(ctx, b"abc"))
    for data in (bytearray(blob), memoryview(blob)):
        new = ctx.unwrap_key(attrs(c.KEY_TYPE_RAW_DATA), kek, c.ALG_KWP, data)  # type: ignore[arg-type]
        assert ctx.export_key(new) == b"abc"


# --------------------------------------------------------------------------------------
# The spec's errors: wrap_key


def test_wrap_key_errors(ctx: LocalContext) -> None:
    kek = wrapping_key(ctx, c.ALG_KW)
    key = raw_key(ctx, bytes(16))
    assert ctx.wrap_key(kek, c.ALG_KW, key)
    # INVALID_HANDLE: either key
    with pytest.raises(InvalidHandleError):
        ctx.wrap_key(0x4000_0001, c.ALG_KW, key)
    with pytest.raises(InvalidHandleError):
        ctx.wrap_key(kek, c.ALG_KW, 0x4000_0001)
    with pytest.raises(InvalidHandleError):
        ctx.wrap_key(c.KEY_ID_NULL, c.ALG_KW, key)
    # NOT_PERMITTED: no WRAP flag; policy does not permit alg; key without EXPORT
    only_unwrap = wrapping_key(ctx, c.ALG_KW, usage=c.KEY_USAGE_UNWRAP)
    with pytest.raises(NotPermittedError):
        ctx.wrap_key(only_unwrap, c.ALG_KW, key)
    with pytest.raises(NotPermittedError):
        ctx.wrap_key(kek, c.ALG_KWP, key)
    no_export = raw_key(ctx, bytes(16), usage=c.KEY_USAGE_COPY)
    with pytest.raises(NotPermittedError):
        ctx.wrap_key(kek, c.ALG_KW, no_export)
    ecc = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    pair = ctx.generate_key(KeyAttributes(type=ecc, bits=256))
    public = ctx.import_key(
        KeyAttributes(type=m.KEY_TYPE_PUBLIC_KEY_OF_KEY_PAIR(ecc)), ctx.export_public_key(pair)
    )
    with pytest.raises(NotPermittedError):  # wrapping needs the EXPORT flag, also here
        ctx.wrap_key(kek, c.ALG_KW, public)
    # INVALID_ARGUMENT: alg is not key wrapping; wrapping key incompatible; bad size
    with pytest.raises(InvalidArgumentError):
        ctx.wrap_key(kek, c.ALG_CTR, key)
    with pytest.raises(InvalidArgumentError):
        ctx.wrap_key(kek, c.ALG_NONE, key)
    hmac_kek = ctx.import_key(attrs(c.KEY_TYPE_HMAC, usage=WRAP_USAGE, alg=c.ALG_KW), bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.wrap_key(hmac_kek, c.ALG_KW, key)
    des_kek = wrapping_key(
        ctx,
        c.ALG_KW,
        bytes.fromhex("01010101010101010bf2f2f2f2f2f2f23e3e3e3e3e3e3e3e"),
        c.KEY_TYPE_DES,
    )
    with pytest.raises(InvalidArgumentError):
        ctx.wrap_key(des_kek, c.ALG_KW, key)
    xts_size = wrapping_key(ctx, c.ALG_KW, bytes(64))
    with pytest.raises(InvalidArgumentError):
        ctx.wrap_key(xts_size, c.ALG_KW, key)
    for size in (1, 8, 15, 17, 20):
        with pytest.raises(InvalidArgumentError):
            ctx.wrap_key(kek, c.ALG_KW, raw_key(ctx, bytes(size)))
    # NOT_SUPPORTED: a key-wrapping algorithm value psacrypto does not implement
    unknown_wrap = 0x0B400300
    assert m.ALG_IS_KEY_WRAP(unknown_wrap)
    with pytest.raises(NotSupportedError):
        ctx.wrap_key(kek, unknown_wrap, key)


# --------------------------------------------------------------------------------------
# The spec's errors: unwrap_key


def _blob(ctx: LocalContext, kek: int, alg: int = c.ALG_KW, data: bytes = bytes(16)) -> bytes:
    return ctx.wrap_key(kek, alg, raw_key(ctx, data))


def test_unwrap_key_errors(ctx: LocalContext) -> None:
    kek = wrapping_key(ctx, c.ALG_KW)
    blob = _blob(ctx, kek)
    good = attrs(c.KEY_TYPE_AES)

    def fails(exc: type[Exception], a: KeyAttributes, key: int, alg: int, data: bytes) -> None:
        before = len(key_inventory(ctx))
        with pytest.raises(exc):
            ctx.unwrap_key(a, key, alg, data)
        assert len(key_inventory(ctx)) == before  # nothing created

    # INVALID_SIGNATURE: tampered data, other wrapping key
    for i in range(len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 0x80
        fails(InvalidSignatureError, good, kek, c.ALG_KW, bytes(bad))
    other = wrapping_key(ctx, c.ALG_KW, bytes(16))
    fails(InvalidSignatureError, good, other, c.ALG_KW, blob)
    # INVALID_HANDLE
    fails(InvalidHandleError, good, 0x4000_0001, c.ALG_KW, blob)
    # NOT_PERMITTED: no UNWRAP; policy does not permit alg
    only_wrap = wrapping_key(ctx, c.ALG_KW, usage=c.KEY_USAGE_WRAP)
    fails(NotPermittedError, good, only_wrap, c.ALG_KW, blob)
    fails(NotPermittedError, good, kek, c.ALG_KWP, blob)
    # NOT_SUPPORTED: unknown key-wrapping algorithm
    fails(NotSupportedError, good, kek, 0x0B400300, blob)
    # INVALID_ARGUMENT: alg not key wrapping; incompatible wrapping key
    fails(InvalidArgumentError, good, kek, c.ALG_ECB_NO_PADDING, blob)
    hmac_kek = ctx.import_key(attrs(c.KEY_TYPE_HMAC, usage=WRAP_USAGE, alg=c.ALG_KW), bytes(16))
    fails(InvalidArgumentError, good, hmac_kek, c.ALG_KW, blob)
    # INVALID_ARGUMENT: the attributes (each as import_key would reject them)
    fails(InvalidArgumentError, attrs(c.KEY_TYPE_NONE), kek, c.ALG_KW, blob)
    fails(InvalidArgumentError, attrs(c.KEY_TYPE_AES, bits=256), kek, c.ALG_KW, blob)
    read_only = attrs()
    read_only.set_lifetime(c.KEY_PERSISTENCE_READ_ONLY)
    read_only.id = 5
    fails(InvalidArgumentError, read_only, kek, c.ALG_KW, blob)
    bad_location = attrs()
    bad_location.set_lifetime((9 << 8) | c.KEY_PERSISTENCE_VOLATILE)
    fails(InvalidArgumentError, bad_location, kek, c.ALG_KW, blob)
    volatile_with_id = attrs()
    volatile_with_id.id = 5
    fails(InvalidArgumentError, volatile_with_id, kek, c.ALG_KW, blob)
    persistent_without_id = attrs()
    persistent_without_id.set_lifetime(c.KEY_LIFETIME_PERSISTENT)
    persistent_without_id.id = c.KEY_ID_NULL
    fails(InvalidArgumentError, persistent_without_id, kek, c.ALG_KW, blob)
    fails(InvalidArgumentError, attrs(usage=0x8000_0000), kek, c.ALG_KW, blob)
    # INVALID_ARGUMENT: data not in the type's format (20 bytes for AES; a DES key
    # with wrong parity; an ECC private key out of range)
    kwp = wrapping_key(ctx, c.ALG_KWP)
    fails(InvalidArgumentError, good, kwp, c.ALG_KWP, _blob(ctx, kwp, c.ALG_KWP, bytes(20)))
    fails(
        InvalidArgumentError,
        attrs(c.KEY_TYPE_DES),
        kwp,
        c.ALG_KWP,
        _blob(ctx, kwp, c.ALG_KWP, bytes(8)),
    )
    ecc = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    fails(
        InvalidArgumentError, attrs(ecc), kwp, c.ALG_KWP, _blob(ctx, kwp, c.ALG_KWP, b"\xff" * 32)
    )
    # INVALID_ARGUMENT: wrapped data of a length the algorithm cannot produce
    for length in (0, 8, 16, 25, 31):
        fails(InvalidArgumentError, good, kek, c.ALG_KW, bytes(length))
    for length in (0, 8, 15, 17):
        fails(InvalidArgumentError, good, kwp, c.ALG_KWP, bytes(length))


def test_unwrap_key_already_exists_and_no_storage(tmp_path: Path) -> None:
    with psacrypto.open_local(tmp_path / "ks.db") as ctx:
        kek = wrapping_key(ctx, c.ALG_KW)
        blob = _blob(ctx, kek)
        ctx.import_key(
            KeyAttributes(type=c.KEY_TYPE_AES, lifetime=c.KEY_LIFETIME_PERSISTENT, id=9), bytes(16)
        )
        target = KeyAttributes(type=c.KEY_TYPE_AES, lifetime=c.KEY_LIFETIME_PERSISTENT, id=9)
        with pytest.raises(AlreadyExistsError):
            ctx.unwrap_key(target, kek, c.ALG_KW, blob)
    with psacrypto.open_local("none") as ctx:  # no key storage: NOT_SUPPORTED
        kek = wrapping_key(ctx, c.ALG_KW)
        blob = _blob(ctx, kek)
        with pytest.raises(NotSupportedError):
            ctx.unwrap_key(target, kek, c.ALG_KW, blob)


def test_bad_state_after_close(ctx: Any) -> None:
    kek = wrapping_key(ctx, c.ALG_KW)
    blob = _blob(ctx, kek)
    key = raw_key(ctx, bytes(16))
    ctx.close()
    with pytest.raises(BadStateError):
        ctx.unwrap_key(attrs(), kek, c.ALG_KW, blob)
    with pytest.raises(BadStateError):
        ctx.wrap_key(kek, c.ALG_KW, key)


def test_quotas(tmp_path: Path) -> None:
    """INSUFFICIENT_MEMORY / INSUFFICIENT_STORAGE: the new key does not fit the quota."""
    with psacrypto.open_local("memory", quotas=Quotas(max_keys=3)) as ctx:
        kek = wrapping_key(ctx, c.ALG_KW)
        blob = _blob(ctx, kek)  # second key
        ctx.unwrap_key(attrs(), kek, c.ALG_KW, blob)  # third key
        with pytest.raises(InsufficientMemoryError):
            ctx.unwrap_key(attrs(), kek, c.ALG_KW, blob)
    quotas = Quotas(max_storage_bytes=8)
    with psacrypto.open_local(tmp_path / "ks.db", quotas=quotas) as ctx:
        kek = wrapping_key(ctx, c.ALG_KW)
        blob = _blob(ctx, kek)
        target = KeyAttributes(type=c.KEY_TYPE_AES, lifetime=c.KEY_LIFETIME_PERSISTENT, id=4)
        with pytest.raises(InsufficientStorageError):
            ctx.unwrap_key(target, kek, c.ALG_KW, blob)


def test_destroyed_wrapping_key(ctx: LocalContext) -> None:
    kek = wrapping_key(ctx, c.ALG_KW)
    blob = _blob(ctx, kek)
    ctx.destroy_key(kek)
    with pytest.raises(InvalidHandleError):
        ctx.unwrap_key(attrs(), kek, c.ALG_KW, blob)


# --------------------------------------------------------------------------------------
# check_key_usage agrees


def test_check_key_usage(ctx: LocalContext) -> None:
    kek = wrapping_key(ctx, c.ALG_KW)
    ctx.check_key_usage(kek, c.ALG_KW, c.KEY_USAGE_WRAP)
    ctx.check_key_usage(kek, c.ALG_KW, c.KEY_USAGE_UNWRAP)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(kek, c.ALG_KWP, c.KEY_USAGE_WRAP)
    with pytest.raises(NotPermittedError):
        ctx.check_key_usage(
            wrapping_key(ctx, c.ALG_KW, usage=c.KEY_USAGE_WRAP), c.ALG_KW, c.KEY_USAGE_UNWRAP
        )
    hmac_kek = ctx.import_key(attrs(c.KEY_TYPE_HMAC, usage=WRAP_USAGE, alg=c.ALG_KW), bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.check_key_usage(hmac_kek, c.ALG_KW, c.KEY_USAGE_WRAP)
    with pytest.raises(InvalidArgumentError):  # not a role of a cipher algorithm
        ctx.check_key_usage(kek, c.ALG_CTR, c.KEY_USAGE_WRAP)
    with pytest.raises(NotSupportedError):
        ctx.check_key_usage(kek, 0x0B400300, c.KEY_USAGE_WRAP)
    sm4 = wrapping_key(ctx, c.ALG_KWP, bytes(16), c.KEY_TYPE_SM4)
    ctx.check_key_usage(sm4, c.ALG_KWP, c.KEY_USAGE_WRAP)
