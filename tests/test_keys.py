"""Key management of symmetric keys against the error lists of the spec
(api/keys/management.rst, ids.rst, lifetimes.rst, types.rst).

Asymmetric key types are covered with their driver elsewhere.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import is_remote

import psacrypto
from psacrypto import constants as c
from psacrypto.attributes import CustomKeyParameters, KeyAttributes
from psacrypto.context import LocalContext
from psacrypto.core.session import KEY_ID_VOLATILE_MAX, KEY_ID_VOLATILE_MIN
from psacrypto.errors import (
    AlreadyExistsError,
    DoesNotExistError,
    InvalidArgumentError,
    InvalidHandleError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)

LIFETIME_PERSISTENT = c.KEY_LIFETIME_PERSISTENT


def attrs(
    key_type: int = c.KEY_TYPE_AES,
    bits: int = 0,
    usage: int = c.KEY_USAGE_EXPORT,
    alg: int = c.ALG_NONE,
    key_id: int | None = None,
    lifetime: int | None = None,
) -> KeyAttributes:
    a = KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)
    if lifetime is not None:
        a.set_lifetime(lifetime)
    if key_id is not None:
        a.id = key_id
    return a


def persistent(key_id: int, **kw: Any) -> KeyAttributes:
    return attrs(key_id=key_id, lifetime=LIFETIME_PERSISTENT, **kw)


def lifetime(persistence: int, location: int = 0) -> int:
    return (location << 8) | persistence


def _store_unchanged(ctx: Any) -> Callable[[], None]:
    """Snapshot of the key table and store; calling the result asserts no change.

    Locally: the key table and the store themselves. Through a service: the
    client's key inventory (``list_keys``: its volatile and persistent keys)."""
    if is_remote(ctx):
        before = ctx.list_keys()

        def check_remote() -> None:
            assert ctx.list_keys() == before

        return check_remote
    before_volatile = dict(ctx._keys)
    before_store = sorted(ctx.core.store.list_ids(ctx.owner))

    def check() -> None:
        assert dict(ctx._keys) == before_volatile
        assert sorted(ctx.core.store.list_ids(ctx.owner)) == before_store

    return check


# --------------------------------------------------------------------------------------
# import_key


SYMMETRIC_SIZES = [
    (c.KEY_TYPE_AES, [128, 192, 256]),
    (c.KEY_TYPE_ARIA, [128, 192, 256]),
    (c.KEY_TYPE_CAMELLIA, [128, 192, 256]),
    (c.KEY_TYPE_SM4, [128]),
    (c.KEY_TYPE_CHACHA20, [256]),
    (c.KEY_TYPE_XCHACHA20, [256]),
    (c.KEY_TYPE_HMAC, [8, 128, 256, 1024, 4096]),
    (c.KEY_TYPE_DERIVE, [8, 256, 2048]),
    (c.KEY_TYPE_RAW_DATA, [8, 16, 24, 512]),
    (c.KEY_TYPE_PASSWORD, [8, 64]),
    (c.KEY_TYPE_PASSWORD_HASH, [128, 256]),
    (c.KEY_TYPE_PEPPER, [128]),
]


@pytest.mark.parametrize(("key_type", "sizes"), SYMMETRIC_SIZES)
def test_import_export_round_trip(ctx: LocalContext, key_type: int, sizes: list[int]) -> None:
    for bits in sizes:
        data = os.urandom(bits // 8)
        for requested in (0, bits):
            key = ctx.import_key(attrs(key_type, requested), data)
            got = ctx.get_key_attributes(key)
            assert (got.type, got.bits, got.lifetime) == (key_type, bits, c.KEY_LIFETIME_VOLATILE)
            assert got.id == key
            assert ctx.export_key(key) == data
            ctx.destroy_key(key)


@pytest.mark.parametrize(
    ("key_type", "bad_lengths"),
    [
        (c.KEY_TYPE_AES, [1, 8, 15, 17, 20, 31, 33]),
        (c.KEY_TYPE_ARIA, [8, 20]),
        (c.KEY_TYPE_CAMELLIA, [8, 20]),
        (c.KEY_TYPE_CHACHA20, [16, 31, 33]),
        (c.KEY_TYPE_XCHACHA20, [16]),
        (c.KEY_TYPE_DES, [7, 9, 16 + 1, 32]),
    ],
)
def test_import_wrong_size(ctx: LocalContext, key_type: int, bad_lengths: list[int]) -> None:
    unchanged = _store_unchanged(ctx)
    for n in bad_lengths:
        with pytest.raises(InvalidArgumentError):
            ctx.import_key(attrs(key_type), b"\x01" * n)
    unchanged()


def test_import_size_mismatch_and_zero(ctx: LocalContext) -> None:
    with pytest.raises(InvalidArgumentError):
        ctx.import_key(attrs(c.KEY_TYPE_AES, 256), bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.import_key(attrs(c.KEY_TYPE_HMAC, 129), bytes(16))
    for key_type in (c.KEY_TYPE_AES, c.KEY_TYPE_HMAC, c.KEY_TYPE_RAW_DATA, c.KEY_TYPE_DERIVE):
        with pytest.raises(InvalidArgumentError):  # a key of size 0 must be rejected
            ctx.import_key(attrs(key_type), b"")


def test_import_invalid_type(ctx: LocalContext) -> None:
    with pytest.raises(InvalidArgumentError):
        ctx.import_key(attrs(c.KEY_TYPE_NONE), bytes(16))
    with pytest.raises((InvalidArgumentError, NotSupportedError)):
        ctx.import_key(attrs(0x1FFF), bytes(16))


def test_import_des_parity(ctx: LocalContext) -> None:
    good = bytes.fromhex("0123456789abcdef")  # every byte has odd parity
    key = ctx.import_key(attrs(c.KEY_TYPE_DES), good)
    assert ctx.get_key_attributes(key).bits == 64
    for data in (good * 2, good * 3):
        assert (
            ctx.get_key_attributes(ctx.import_key(attrs(c.KEY_TYPE_DES), data)).bits
            == len(data) * 8
        )
    for bad in (bytes.fromhex("0023456789abcdef"), good + bytes(8), good[:7] + b"\xee" + good):
        with pytest.raises(InvalidArgumentError):
            ctx.import_key(attrs(c.KEY_TYPE_DES), bad)


def test_import_bytes_like(ctx: LocalContext) -> None:
    for data in (bytearray(range(16)), memoryview(bytes(range(16)))):
        key = ctx.import_key(attrs(), data)
        assert ctx.export_key(key) == bytes(range(16))


def test_material_is_copied(ctx: LocalContext) -> None:
    data = bytearray(16)
    key = ctx.import_key(attrs(), data)
    data[0] = 1
    assert ctx.export_key(key) == bytes(16)


def test_attributes_are_copied(ctx: LocalContext) -> None:
    a = attrs()
    key = ctx.import_key(a, bytes(16))
    a.usage_flags = 0
    got = ctx.get_key_attributes(key)
    got.usage_flags = 0
    assert ctx.get_key_attributes(key).usage_flags == c.KEY_USAGE_EXPORT
    assert a.id == c.KEY_ID_NULL  # the caller's attributes are not written


# --------------------------------------------------------------------------------------
# Lifetimes and identifiers


def test_volatile_with_id_is_invalid(ctx: LocalContext) -> None:
    a = attrs()
    a.id = 5  # volatile lifetime with an id: direct field write, not set_key_id
    with pytest.raises(InvalidArgumentError):
        ctx.import_key(a, bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key(attrs(bits=128, key_id=5))


@pytest.mark.parametrize(
    "key_id",
    [
        c.KEY_ID_NULL,
        c.KEY_ID_USER_MAX + 1,
        c.KEY_ID_VENDOR_MIN,
        c.KEY_ID_VENDOR_MAX,
        KEY_ID_VOLATILE_MIN,
        0x80000000,
        0xFFFFFFFF,
    ],
)
def test_persistent_id_outside_user_range(ctx: LocalContext, key_id: int) -> None:
    unchanged = _store_unchanged(ctx)
    with pytest.raises(InvalidArgumentError):
        ctx.import_key(persistent(key_id), bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key(persistent(key_id, bits=128))
    unchanged()


def test_user_range_bounds(ctx: LocalContext) -> None:
    for key_id in (c.KEY_ID_USER_MIN, c.KEY_ID_USER_MAX):
        assert ctx.import_key(persistent(key_id), bytes(16)) == key_id
        assert ctx.get_key_attributes(key_id).lifetime == LIFETIME_PERSISTENT


@pytest.mark.parametrize(
    "bad_lifetime",
    [
        lifetime(c.KEY_PERSISTENCE_READ_ONLY),  # read-only keys cannot be created
        lifetime(c.KEY_PERSISTENCE_DEFAULT, 1),  # no cryptoprocessor at location 1
        lifetime(c.KEY_PERSISTENCE_VOLATILE, 0x800001),  # vendor location not configured
        1 << 32,
        -1,
    ],
)
def test_invalid_lifetimes(ctx: LocalContext, bad_lifetime: int) -> None:
    a = attrs()
    a.lifetime = bad_lifetime
    if (bad_lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE:
        a.id = 7
    unchanged = _store_unchanged(ctx)
    with pytest.raises(InvalidArgumentError):
        ctx.import_key(a, bytes(16))
    b = a.copy()
    b.bits = 128
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key(b)
    unchanged()


def test_set_key_id_and_lifetime_accessors() -> None:
    a = KeyAttributes()
    psacrypto.set_key_id(a, 9)
    assert a.lifetime == c.KEY_LIFETIME_PERSISTENT
    psacrypto.set_key_lifetime(a, c.KEY_LIFETIME_VOLATILE)
    assert a.id == c.KEY_ID_NULL
    b = KeyAttributes(lifetime=lifetime(c.KEY_PERSISTENCE_VOLATILE, 3))
    b.set_id(4)
    assert b.lifetime == lifetime(c.KEY_PERSISTENCE_DEFAULT, 3)  # location kept


def test_volatile_ids_are_random_and_not_reused(ctx: LocalContext) -> None:
    ids = [ctx.import_key(attrs(), bytes(16)) for _ in range(200)]
    assert len(set(ids)) == len(ids)
    assert all(KEY_ID_VOLATILE_MIN <= k <= KEY_ID_VOLATILE_MAX for k in ids)
    assert all(c.KEY_ID_VENDOR_MIN <= k <= c.KEY_ID_VENDOR_MAX for k in ids)
    # Not sequential: consecutive differences vary and are mostly large.
    diffs = [b - a for a, b in itertools.pairwise(ids)]
    assert len(set(diffs)) > 150
    assert sum(abs(d) > 1000 for d in diffs) > 190
    # A destroyed id is not handed out again soon.
    destroyed = set(ids[:100])
    for k in ids[:100]:
        ctx.destroy_key(k)
    for _ in range(300):
        assert ctx.import_key(attrs(), bytes(16)) not in destroyed


def test_destroyed_volatile_id_is_invalid(ctx: LocalContext) -> None:
    key = ctx.import_key(attrs(), bytes(16))
    ctx.destroy_key(key)
    for call in (
        lambda: ctx.export_key(key),
        lambda: ctx.get_key_attributes(key),
        lambda: ctx.destroy_key(key),
        lambda: ctx.purge_key(key),
        lambda: ctx.copy_key(key, attrs()),
    ):
        with pytest.raises(InvalidHandleError):
            call()


@pytest.mark.parametrize(
    "key_id", [1, 0x3FFFFFFF, 0x40000000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, -1, 1 << 32]
)
def test_unknown_ids_are_invalid_handles(ctx: LocalContext, key_id: int) -> None:
    for call in (
        ctx.export_key,
        ctx.export_public_key,
        ctx.get_key_attributes,
        ctx.destroy_key,
        ctx.purge_key,
    ):
        with pytest.raises(InvalidHandleError):
            call(key_id)
    with pytest.raises(InvalidHandleError):
        ctx.copy_key(key_id, attrs())
    with pytest.raises(InvalidHandleError):
        ctx.check_key_usage(key_id, c.ALG_NONE, c.KEY_USAGE_EXPORT)


def test_key_id_null(ctx: LocalContext) -> None:
    ctx.destroy_key(c.KEY_ID_NULL)  # a no-op that succeeds
    ctx.destroy_key(c.KEY_ID_NULL)
    for call in (ctx.export_key, ctx.get_key_attributes, ctx.purge_key):
        with pytest.raises(InvalidHandleError):
            call(c.KEY_ID_NULL)


# --------------------------------------------------------------------------------------
# Usage flags and permitted algorithm at creation


def test_invalid_usage_flags(ctx: LocalContext) -> None:
    for usage in (0x00000008, 0x00040000, 0x80000000, c.KEY_USAGE_EXPORT | 0x10):
        with pytest.raises(InvalidArgumentError):
            ctx.import_key(attrs(usage=usage), bytes(16))
        with pytest.raises(InvalidArgumentError):
            ctx.generate_key(attrs(bits=128, usage=usage))


def test_implied_usage_flags(ctx: LocalContext) -> None:
    key = ctx.import_key(attrs(c.KEY_TYPE_HMAC, usage=c.KEY_USAGE_SIGN_HASH), bytes(16))
    usage = ctx.get_key_attributes(key).usage_flags
    assert usage == c.KEY_USAGE_SIGN_HASH | c.KEY_USAGE_SIGN_MESSAGE
    key = ctx.import_key(attrs(c.KEY_TYPE_HMAC, usage=c.KEY_USAGE_VERIFY_HASH), bytes(16))
    usage = ctx.get_key_attributes(key).usage_flags
    assert usage == c.KEY_USAGE_VERIFY_HASH | c.KEY_USAGE_VERIFY_MESSAGE
    # The converse is not implied.
    key = ctx.import_key(attrs(c.KEY_TYPE_HMAC, usage=c.KEY_USAGE_SIGN_MESSAGE), bytes(16))
    assert ctx.get_key_attributes(key).usage_flags == c.KEY_USAGE_SIGN_MESSAGE


def test_cache_flag_is_preserved(ctx: LocalContext) -> None:
    for a in (attrs(usage=c.KEY_USAGE_CACHE), persistent(3, usage=c.KEY_USAGE_CACHE)):
        key = ctx.import_key(a, bytes(16))
        assert ctx.get_key_attributes(key).usage_flags == c.KEY_USAGE_CACHE


def test_invalid_permitted_algorithm(ctx: LocalContext) -> None:
    for alg in (-1, 1 << 32):
        with pytest.raises(InvalidArgumentError):
            ctx.import_key(attrs(alg=alg), bytes(16))


# --------------------------------------------------------------------------------------
# generate_key / generate_key_custom


@pytest.mark.parametrize(("key_type", "sizes"), SYMMETRIC_SIZES)
def test_generate(ctx: LocalContext, key_type: int, sizes: list[int]) -> None:
    seen = set()
    for bits in sizes:
        key = ctx.generate_key(attrs(key_type, bits))
        got = ctx.get_key_attributes(key)
        assert (got.type, got.bits) == (key_type, bits)
        material = ctx.export_key(key)
        assert len(material) == bits // 8
        seen.add(material)
    assert len(seen) == len(sizes)


def test_generate_des_has_parity_and_is_not_weak(ctx: LocalContext) -> None:
    for bits in (64, 128, 192):
        for _ in range(20):
            material = ctx.export_key(ctx.generate_key(attrs(c.KEY_TYPE_DES, bits)))
            assert len(material) == bits // 8
            assert all(bin(b).count("1") % 2 == 1 for b in material)
            assert bytes.fromhex("0101010101010101") not in {
                material[i : i + 8] for i in range(0, len(material), 8)
            }


@pytest.mark.parametrize(
    ("key_type", "bits"),
    [
        (c.KEY_TYPE_AES, 0),  # size 0 must be rejected
        (c.KEY_TYPE_HMAC, 0),
        (c.KEY_TYPE_RAW_DATA, 0),
        (c.KEY_TYPE_AES, 64),
        (c.KEY_TYPE_AES, 129),
        (c.KEY_TYPE_CHACHA20, 128),
        (c.KEY_TYPE_DES, 56),
        (c.KEY_TYPE_DES, 256),
        (c.KEY_TYPE_HMAC, 12),  # not a whole number of bytes
        (c.KEY_TYPE_NONE, 128),
    ],
)
def test_generate_invalid_size_or_type(ctx: LocalContext, key_type: int, bits: int) -> None:
    unchanged = _store_unchanged(ctx)
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key(attrs(key_type, bits))
    unchanged()


def test_generate_custom(ctx: LocalContext) -> None:
    key = ctx.generate_key_custom(attrs(bits=128), CustomKeyParameters(), b"")
    assert ctx.get_key_attributes(key).bits == 128
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key_custom(attrs(bits=128), CustomKeyParameters(flags=1), b"")
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key_custom(attrs(bits=128), CustomKeyParameters(), b"\x01")
    with pytest.raises(InvalidArgumentError):
        ctx.generate_key_custom(attrs(bits=0), CustomKeyParameters(), b"")


def test_generate_persistent_already_exists(store_ctx: LocalContext) -> None:
    store_ctx.generate_key(persistent(10, bits=128))
    with pytest.raises(AlreadyExistsError):
        store_ctx.generate_key(persistent(10, bits=256))
    with pytest.raises(AlreadyExistsError):
        store_ctx.import_key(persistent(10), bytes(32))
    assert store_ctx.get_key_attributes(10).bits == 128


def test_already_exists_with_cached_key(store_ctx: LocalContext) -> None:
    store_ctx.import_key(persistent(11, usage=c.KEY_USAGE_CACHE), bytes(16))
    with pytest.raises(AlreadyExistsError):
        store_ctx.import_key(persistent(11), bytes(16))


# --------------------------------------------------------------------------------------
# export_key / export_public_key


def test_export_requires_export_flag(ctx: LocalContext) -> None:
    for usage in (0, c.KEY_USAGE_COPY, c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT):
        key = ctx.import_key(attrs(usage=usage), bytes(16))
        with pytest.raises(NotPermittedError):
            ctx.export_key(key)
        assert ctx.get_key_attributes(key).bits == 128  # metadata is always readable


def test_export_public_key_of_symmetric_key(ctx: LocalContext) -> None:
    key = ctx.import_key(attrs(), bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.export_public_key(key)


# --------------------------------------------------------------------------------------
# copy_key


def test_copy_requires_copy_flag(ctx: LocalContext) -> None:
    key = ctx.import_key(attrs(usage=c.KEY_USAGE_EXPORT), bytes(16))
    with pytest.raises(NotPermittedError):
        ctx.copy_key(key, attrs(key_type=c.KEY_TYPE_NONE))


def test_copy_basics(ctx: LocalContext) -> None:
    source = ctx.import_key(
        attrs(usage=c.KEY_USAGE_COPY | c.KEY_USAGE_EXPORT | c.KEY_USAGE_ENCRYPT, alg=c.ALG_CTR),
        b"k" * 16,
    )
    target = ctx.copy_key(
        source, attrs(key_type=c.KEY_TYPE_NONE, usage=c.KEY_USAGE_EXPORT, alg=c.ALG_CTR)
    )
    got = ctx.get_key_attributes(target)
    assert (got.type, got.bits, got.usage_flags, got.algorithm) == (
        c.KEY_TYPE_AES,
        128,
        c.KEY_USAGE_EXPORT,
        c.ALG_CTR,
    )
    assert ctx.export_key(target) == b"k" * 16
    # Type and size may be given if they match the source; otherwise invalid.
    ctx.copy_key(source, attrs(key_type=c.KEY_TYPE_AES, bits=128, alg=c.ALG_CTR))
    for bad in (attrs(key_type=c.KEY_TYPE_HMAC), attrs(bits=256), attrs(c.KEY_TYPE_ARIA, 128)):
        bad.algorithm = c.ALG_CTR
        with pytest.raises(InvalidArgumentError):
            ctx.copy_key(source, bad)
    # Usage flags are intersected: asking for more than the source has gives less.
    target = ctx.copy_key(
        source, attrs(usage=c.KEY_USAGE_DECRYPT | c.KEY_USAGE_ENCRYPT, alg=c.ALG_CTR)
    )
    assert ctx.get_key_attributes(target).usage_flags == c.KEY_USAGE_ENCRYPT
    with pytest.raises(NotPermittedError):
        ctx.export_key(target)


def test_copy_to_persistent_and_errors(store_ctx: Any, store_opener: Callable[[], Any]) -> None:
    source = store_ctx.import_key(attrs(usage=c.KEY_USAGE_COPY | c.KEY_USAGE_EXPORT), b"s" * 32)
    copy = store_ctx.copy_key(source, persistent(20, usage=c.KEY_USAGE_EXPORT))
    assert copy == 20
    with pytest.raises(AlreadyExistsError):
        store_ctx.copy_key(source, persistent(20, usage=c.KEY_USAGE_EXPORT))
    for bad_id in (c.KEY_ID_VENDOR_MIN, c.KEY_ID_NULL):
        with pytest.raises(InvalidArgumentError):
            store_ctx.copy_key(source, persistent(bad_id))
    bad = attrs()
    bad.id = 21  # volatile with an id
    with pytest.raises(InvalidArgumentError):
        store_ctx.copy_key(source, bad)
    with pytest.raises(InvalidArgumentError):
        store_ctx.copy_key(source, attrs(lifetime=lifetime(c.KEY_PERSISTENCE_READ_ONLY)))
    store_ctx.close()
    with store_opener() as again:
        assert again.export_key(20) == b"s" * 32
        with pytest.raises(InvalidHandleError):
            again.get_key_attributes(source)  # the volatile source is gone


def test_copy_persistent_source(store_ctx: LocalContext) -> None:
    store_ctx.import_key(persistent(30, usage=c.KEY_USAGE_COPY | c.KEY_USAGE_EXPORT), b"p" * 16)
    volatile = store_ctx.copy_key(30, attrs(usage=c.KEY_USAGE_EXPORT))
    assert store_ctx.export_key(volatile) == b"p" * 16
    assert store_ctx.get_key_attributes(volatile).lifetime == c.KEY_LIFETIME_VOLATILE


def test_copy_policy_incompatible(ctx: LocalContext) -> None:
    source = ctx.import_key(attrs(usage=c.KEY_USAGE_COPY, alg=c.ALG_CTR), bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.copy_key(source, attrs(alg=c.ALG_CBC_NO_PADDING))


# --------------------------------------------------------------------------------------
# destroy_key / purge_key / persistence


def test_persistent_keys_survive_reopen(store_opener: Callable[[], Any]) -> None:
    with store_opener() as first:
        for i, key_type in enumerate((c.KEY_TYPE_AES, c.KEY_TYPE_HMAC, c.KEY_TYPE_DERIVE)):
            first.import_key(
                persistent(100 + i, key_type=key_type, usage=c.KEY_USAGE_EXPORT, alg=c.ALG_CTR),
                bytes([i]) * 16,
            )
        first.generate_key(persistent(200, bits=256, usage=c.KEY_USAGE_EXPORT))
        generated = first.export_key(200)
        volatile = first.import_key(attrs(), bytes(16))
    with store_opener() as second:
        for i, key_type in enumerate((c.KEY_TYPE_AES, c.KEY_TYPE_HMAC, c.KEY_TYPE_DERIVE)):
            got = second.get_key_attributes(100 + i)
            assert (got.type, got.bits, got.id, got.algorithm) == (
                key_type,
                128,
                100 + i,
                c.ALG_CTR,
            )
            assert got.lifetime == LIFETIME_PERSISTENT
            assert second.export_key(100 + i) == bytes([i]) * 16
        assert second.export_key(200) == generated
        with pytest.raises(InvalidHandleError):
            second.get_key_attributes(volatile)
        second.destroy_key(101)
    with store_opener() as third:
        with pytest.raises(InvalidHandleError):
            third.get_key_attributes(101)
        assert third.export_key(100) == bytes(16)


def test_destroy_is_atomic_with_state(store_ctx: LocalContext) -> None:
    store_ctx.import_key(persistent(5, usage=c.KEY_USAGE_CACHE | c.KEY_USAGE_EXPORT), bytes(16))
    store_ctx.destroy_key(5)
    with pytest.raises(InvalidHandleError):
        store_ctx.export_key(5)
    with pytest.raises(InvalidHandleError):
        store_ctx.destroy_key(5)
    # The id can be used again for a new persistent key (it is the application's name).
    store_ctx.import_key(persistent(5, usage=c.KEY_USAGE_EXPORT), b"n" * 16)
    assert store_ctx.export_key(5) == b"n" * 16


@pytest.mark.local_only  # puts a read-only slot straight into the key table
def test_read_only_key_cannot_be_destroyed(ctx: LocalContext) -> None:
    """A read-only key (as provided by the implementation, e.g. a built-in key)."""
    from psacrypto.core.slots import KeySlot

    a = attrs(usage=0)
    a.lifetime = lifetime(c.KEY_PERSISTENCE_READ_ONLY)
    a.id = 0x7FFF0001
    ctx._keys[a.id] = KeySlot(a, bytes(16))
    with pytest.raises(NotPermittedError):
        ctx.destroy_key(a.id)
    assert ctx.get_key_attributes(a.id).lifetime == a.lifetime


@pytest.mark.local_only  # counts the store's loads and looks into the key table
def test_cache_semantics(store_ctx: LocalContext) -> None:
    """Without KEY_USAGE_CACHE a persistent key is not kept in memory: every use
    loads it from storage. With it, the key is cached until purge_key."""
    store_ctx.import_key(persistent(40, usage=c.KEY_USAGE_EXPORT), b"a" * 16)
    store_ctx.import_key(persistent(41, usage=c.KEY_USAGE_EXPORT | c.KEY_USAGE_CACHE), b"b" * 16)
    loads: list[int] = []
    store = store_ctx.core.store
    original = store.load

    def counting_load(owner: str, key_id: int) -> Any:
        loads.append(key_id)
        return original(owner, key_id)

    store.load = counting_load  # type: ignore[method-assign]
    try:
        for _ in range(3):
            assert store_ctx.export_key(40) == b"a" * 16
            assert store_ctx.export_key(41) == b"b" * 16
        assert loads.count(40) == 3
        assert loads.count(41) == 0  # cached since creation
        assert 40 not in store_ctx._keys
        assert 41 in store_ctx._keys
        store_ctx.purge_key(41)
        assert 41 not in store_ctx._keys
        assert store_ctx.export_key(41) == b"b" * 16  # reloaded from storage
        assert loads.count(41) == 1
        store_ctx.purge_key(40)  # purging an uncached key is harmless
        volatile = store_ctx.import_key(attrs(), b"v" * 16)
        store_ctx.purge_key(volatile)  # volatile keys stay (they live only in memory)
        assert store_ctx.export_key(volatile) == b"v" * 16
    finally:
        store.load = original  # type: ignore[method-assign]
    with pytest.raises(InvalidHandleError):
        store_ctx.purge_key(42)


def test_destroy_by_another_context_on_same_store(store_opener: Callable[[], Any]) -> None:
    with store_opener() as a, store_opener() as b:
        a.import_key(persistent(50, usage=c.KEY_USAGE_EXPORT | c.KEY_USAGE_CACHE), b"x" * 16)
        a.import_key(persistent(51, usage=c.KEY_USAGE_EXPORT), b"y" * 16)
        assert a.export_key(50) == b"x" * 16  # cached in a
        assert b.export_key(50) == b"x" * 16  # cached in b too
        assert b.export_key(51) == b"y" * 16
        b.destroy_key(50)
        b.destroy_key(51)
        for key in (50, 51):
            with pytest.raises(InvalidHandleError):
                a.export_key(key)
            with pytest.raises(InvalidHandleError):
                a.get_key_attributes(key)
        # A key created by b appears in a.
        b.import_key(persistent(52, usage=c.KEY_USAGE_EXPORT), b"z" * 16)
        assert a.export_key(52) == b"z" * 16


def test_destroy_by_another_context_then_recreate(store_opener: Callable[[], Any]) -> None:
    """A cached key replaced under the same id by another process is not served stale."""
    with store_opener() as a, store_opener() as b:
        a.import_key(persistent(60, usage=c.KEY_USAGE_EXPORT | c.KEY_USAGE_CACHE), b"1" * 16)
        assert a.export_key(60) == b"1" * 16
        b.destroy_key(60)
        b.import_key(persistent(60, usage=c.KEY_USAGE_EXPORT | c.KEY_USAGE_CACHE), b"2" * 32)
        assert a.export_key(60) == b"2" * 32
        assert a.get_key_attributes(60).bits == 256


def test_owners_are_isolated(store_path: Path) -> None:
    from psacrypto.core.session import Core
    from psacrypto.keystore import open_keystore

    core = Core(open_keystore(str(store_path)))
    try:
        alice, bob = core.session("alice"), core.session("bob")
        alice.import_key(persistent(7, usage=c.KEY_USAGE_EXPORT), b"a" * 16)
        bob.import_key(persistent(7, usage=c.KEY_USAGE_EXPORT), b"b" * 16)
        assert alice.export_key(7) == b"a" * 16
        assert bob.export_key(7) == b"b" * 16
        volatile = alice.import_key(attrs(), bytes(16))
        with pytest.raises(InvalidHandleError):
            bob.export_key(volatile)
        with pytest.raises(InvalidHandleError):
            bob.destroy_key(volatile)
        bob.destroy_key(7)
        assert alice.export_key(7) == b"a" * 16
    finally:
        core.close()


def test_no_keystore_rejects_persistent(tmp_path: Path) -> None:
    with psacrypto.open_local("none") as ctx:
        with pytest.raises(PsaError) as info:
            ctx.import_key(persistent(1), bytes(16))
        assert isinstance(info.value, (NotSupportedError, InvalidArgumentError))
        ctx.import_key(attrs(), bytes(16))  # volatile keys still work


# --------------------------------------------------------------------------------------
# attach_key


def test_attach_key(ctx: LocalContext) -> None:
    with pytest.raises(DoesNotExistError):
        ctx.attach_key(attrs(), b"no-such-label")
    with pytest.raises(InvalidArgumentError):  # non-volatile persistence
        ctx.attach_key(persistent(3), b"label")
    with pytest.raises(InvalidArgumentError):  # invalid location
        ctx.attach_key(attrs(lifetime=lifetime(c.KEY_PERSISTENCE_VOLATILE, 9)), b"label")


@pytest.mark.local_only  # installs an attach_key provider on the core
def test_attach_key_with_provider(ctx: LocalContext) -> None:
    def provider(owner: str, attributes: KeyAttributes, label: bytes) -> Any:
        if label != b"huk":
            raise DoesNotExistError("no such key")
        final = attributes.copy()
        final.type = final.type or c.KEY_TYPE_DERIVE
        if final.bits not in (0, 256):
            raise InvalidArgumentError("size mismatch")
        final.bits = 256
        return final, b"\x42" * 32

    ctx.core.attach_provider = provider  # type: ignore[attr-defined]
    key = ctx.attach_key(attrs(c.KEY_TYPE_NONE, usage=c.KEY_USAGE_DERIVE), b"huk")
    got = ctx.get_key_attributes(key)
    assert (got.type, got.bits, got.lifetime) == (c.KEY_TYPE_DERIVE, 256, c.KEY_LIFETIME_VOLATILE)
    assert KEY_ID_VOLATILE_MIN <= key <= KEY_ID_VOLATILE_MAX
    with pytest.raises(NotPermittedError):
        ctx.export_key(key)
    ctx.destroy_key(key)  # detaches
    with pytest.raises(InvalidHandleError):
        ctx.get_key_attributes(key)
    with pytest.raises(InvalidArgumentError):
        ctx.attach_key(attrs(c.KEY_TYPE_DERIVE, 128), b"huk")
    with pytest.raises(DoesNotExistError):
        ctx.attach_key(attrs(), b"other")


# --------------------------------------------------------------------------------------
# Nothing is created on error


def test_failed_creation_leaves_nothing(store_ctx: LocalContext) -> None:
    unchanged = _store_unchanged(store_ctx)
    failures: list[Callable[[], object]] = [
        lambda: store_ctx.import_key(persistent(8, bits=256), bytes(16)),
        lambda: store_ctx.import_key(persistent(8, usage=0x8), bytes(16)),
        lambda: store_ctx.import_key(persistent(8, key_type=c.KEY_TYPE_DES), bytes(8)),
        lambda: store_ctx.generate_key(persistent(8, bits=100)),
        lambda: store_ctx.generate_key(persistent(c.KEY_ID_VENDOR_MIN, bits=128)),
    ]
    for call in failures:
        with pytest.raises(PsaError):
            call()
    unchanged()
    with pytest.raises(InvalidHandleError):
        store_ctx.get_key_attributes(8)
