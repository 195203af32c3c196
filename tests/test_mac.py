"""The MAC family through the API: known answers, every error the spec lists for the
MAC functions, the operation's state machine, and check_key_usage agreeing with setup.

Vectors: RFC 2202/2286/4231 HMAC and NIST SP 800-38B CMAC (``cryptography_vectors``),
Wycheproof HMAC and AES/ARIA/Camellia CMAC (tests/data/wycheproof), cross-checks of
CBC-MAC and BLAKE2 MAC against pyca/hashlib computed here.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections.abc import Iterator

import cryptography_vectors
import pytest
import wycheproof
from conftest import vector_stride
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

import psacrypto as p
from psacrypto.context import LocalContext
from psacrypto.core import mac as core_mac
from psacrypto.errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)

SIGN = p.KEY_USAGE_SIGN_MESSAGE
VERIFY = p.KEY_USAGE_VERIFY_MESSAGE
HMAC_SHA256 = p.ALG_HMAC(p.ALG_SHA_256)


def nist_vectors(path: str) -> Iterator[dict[str, str]]:
    """Records of a NIST/RFC ``KEY = value`` vector file (blank-line separated)."""
    with cryptography_vectors.open_vector_file(path, "r") as f:
        record: dict[str, str] = {}
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", "[")):
                if record and not line:
                    yield record
                    record = {}
                continue
            name, _, value = line.partition("=")
            record[name.strip().upper()] = value.strip()
        if record:
            yield record


def new_key(
    ctx: LocalContext,
    key_type: int,
    material: bytes,
    alg: int,
    usage: int = SIGN | VERIFY,
) -> int:
    attrs = p.KeyAttributes(type=key_type, usage_flags=usage, algorithm=alg)
    return ctx.import_key(attrs, material)


def split(data: bytes, rng: random.Random) -> list[bytes]:
    parts = []
    pos = 0
    while pos < len(data):
        n = rng.randint(0, 40)
        parts.append(data[pos : pos + n])
        pos += n
    parts.insert(rng.randint(0, len(parts)), b"")
    return parts


def check_all_ways(
    ctx: LocalContext, key: int, alg: int, msg: bytes, expected: bytes, rng: random.Random
) -> None:
    """compute, verify, and the multi-part sign and verify operations all agree."""
    assert ctx.mac_compute(key, alg, msg) == expected
    ctx.mac_verify(key, alg, msg, expected)
    with ctx.MacOperation() as op:
        op.sign_setup(key, alg)
        for part in split(msg, rng):
            op.update(part)
        assert op.sign_finish() == expected
    op = ctx.MacOperation()
    ctx.mac_verify_setup(op, key, alg)
    for part in split(msg, rng):
        ctx.mac_update(op, part)
    ctx.mac_verify_finish(op, expected)


# --- known answers ----------------------------------------------------------------------

_HMAC_FILES = {
    "HMAC/rfc-2202-md5.txt": p.ALG_MD5,
    "HMAC/rfc-2202-sha1.txt": p.ALG_SHA_1,
    "HMAC/rfc-2286-ripemd160.txt": p.ALG_RIPEMD160,
    "HMAC/rfc-4231-sha224.txt": p.ALG_SHA_224,
    "HMAC/rfc-4231-sha256.txt": p.ALG_SHA_256,
    "HMAC/rfc-4231-sha384.txt": p.ALG_SHA_384,
    "HMAC/rfc-4231-sha512.txt": p.ALG_SHA_512,
}


@pytest.mark.parametrize("path", sorted(_HMAC_FILES))
def test_hmac_rfc_vectors(ctx: LocalContext, path: str) -> None:
    rng = random.Random(path)
    base = p.ALG_HMAC(_HMAC_FILES[path])
    count = 0
    for record in nist_vectors(path):
        key, msg = bytes.fromhex(record["KEY"]), bytes.fromhex(record["MSG"])
        md = bytes.fromhex(record["MD"])
        full = p.HASH_LENGTH(_HMAC_FILES[path])
        alg = base if len(md) == full else p.ALG_TRUNCATED_MAC(base, len(md))
        kid = new_key(ctx, p.KEY_TYPE_HMAC, key, alg)
        check_all_ways(ctx, kid, alg, msg, md, rng)
        count += 1
    assert count >= 5


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_cmac_aes_sp800_38b(ctx: LocalContext, bits: int) -> None:
    rng = random.Random(bits)
    records = list(nist_vectors(f"CMAC/nist-800-38b-aes{bits}.txt"))
    assert len(records) == 4
    for record in records:
        kid = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(record["KEY"]), p.ALG_CMAC)
        msg = bytes.fromhex(record["MESSAGE"])
        check_all_ways(ctx, kid, p.ALG_CMAC, msg, bytes.fromhex(record["OUTPUT"]), rng)


def test_cmac_3des_sp800_38b(ctx: LocalContext) -> None:
    rng = random.Random(3)
    records = list(nist_vectors("CMAC/nist-800-38b-3des.txt"))
    assert len(records) == 8
    for record in records:
        key = b"".join(bytes.fromhex(record[k]) for k in ("KEY1", "KEY2", "KEY3"))
        if key[16:] == key[:8]:
            key = key[:16]  # two-key 3DES
        key = bytes((b & 0xFE) | (bin(b >> 1).count("1") % 2 == 0) for b in key)
        kid = new_key(ctx, p.KEY_TYPE_DES, key, p.ALG_CMAC)
        msg = bytes.fromhex(record["MESSAGE"])
        check_all_ways(ctx, kid, p.ALG_CMAC, msg, bytes.fromhex(record["OUTPUT"]), rng)


_CMAC_WYCHEPROOF = {
    "aes_cmac_test": p.KEY_TYPE_AES,
    "aria_cmac_test": p.KEY_TYPE_ARIA,
    "camellia_cmac_test": p.KEY_TYPE_CAMELLIA,
}


@pytest.mark.parametrize("file", sorted(_CMAC_WYCHEPROOF))
def test_cmac_wycheproof(ctx: LocalContext, file: str) -> None:
    rng = random.Random(file)
    checked = 0
    for case in wycheproof.cases(file):
        tag_len = case.group["tagSize"] // 8
        alg = p.ALG_CMAC if tag_len == 16 else p.ALG_TRUNCATED_MAC(p.ALG_CMAC, tag_len)
        try:
            kid = new_key(ctx, _CMAC_WYCHEPROOF[file], case.hexbytes("key"), alg)
        except InvalidArgumentError:
            assert not case.valid, str(case)
            continue
        msg, tag = case.hexbytes("msg"), case.hexbytes("tag")
        if case.valid:
            check_all_ways(ctx, kid, alg, msg, tag, rng)
        else:
            with pytest.raises(InvalidSignatureError):
                ctx.mac_verify(kid, alg, msg, tag)
        checked += 1
    assert checked > 100


_HMAC_WYCHEPROOF = {
    "hmac_sha1_test": p.ALG_SHA_1,
    "hmac_sha224_test": p.ALG_SHA_224,
    "hmac_sha256_test": p.ALG_SHA_256,
    "hmac_sha384_test": p.ALG_SHA_384,
    "hmac_sha512_test": p.ALG_SHA_512,
    "hmac_sha512_224_test": p.ALG_SHA_512_224,
    "hmac_sha512_256_test": p.ALG_SHA_512_256,
    "hmac_sha3_224_test": p.ALG_SHA3_224,
    "hmac_sha3_256_test": p.ALG_SHA3_256,
    "hmac_sha3_384_test": p.ALG_SHA3_384,
    "hmac_sha3_512_test": p.ALG_SHA3_512,
    "hmac_sm3_test": p.ALG_SM3,
}


@pytest.mark.parametrize("file", sorted(_HMAC_WYCHEPROOF))
def test_hmac_wycheproof(ctx: LocalContext, file: str) -> None:
    rng = random.Random(file)
    hash_alg = _HMAC_WYCHEPROOF[file]
    full = p.HASH_LENGTH(hash_alg)
    checked = 0
    stride = vector_stride(ctx)  # remote: a representative subset (conftest)
    for i, case in enumerate(wycheproof.cases(file)):
        if i % stride:
            continue
        tag_len = case.group["tagSize"] // 8
        base = p.ALG_HMAC(hash_alg)
        alg = base if tag_len == full else p.ALG_TRUNCATED_MAC(base, tag_len)
        key = case.hexbytes("key")
        if not key:
            continue  # PSA keys are never empty
        kid = new_key(ctx, p.KEY_TYPE_HMAC, key, alg)
        msg, tag = case.hexbytes("msg"), case.hexbytes("tag")
        if case.valid:
            check_all_ways(ctx, kid, alg, msg, tag, rng)
        else:
            with pytest.raises(InvalidSignatureError):
                ctx.mac_verify(kid, alg, msg, tag)
        checked += 1
    assert checked > 50 // stride


def test_hmac_every_supported_hash(ctx: LocalContext) -> None:
    """HMAC over each hash of the spec's HMAC table psacrypto has, against Python's hmac."""
    rng = random.Random(5)
    names = {
        p.ALG_MD5: "md5",
        p.ALG_SHA_1: "sha1",
        p.ALG_SHA_224: "sha224",
        p.ALG_SHA_256: "sha256",
        p.ALG_SHA_384: "sha384",
        p.ALG_SHA_512: "sha512",
        p.ALG_SHA3_224: "sha3_224",
        p.ALG_SHA3_256: "sha3_256",
        p.ALG_SHA3_384: "sha3_384",
        p.ALG_SHA3_512: "sha3_512",
        p.ALG_BLAKE2S_HASH256: "blake2s",
        p.ALG_BLAKE2B_HASH512: "blake2b",
        p.ALG_SHA_512_224: "sha512_224",
        p.ALG_SHA_512_256: "sha512_256",
        p.ALG_RIPEMD160: "ripemd160",
        p.ALG_SM3: "sm3",
    }
    for hash_alg, name in names.items():
        alg = p.ALG_HMAC(hash_alg)
        for key_len in (1, 20, 64, 200):  # longer than every block size too
            key, msg = rng.randbytes(key_len), rng.randbytes(rng.randint(0, 300))
            kid = new_key(ctx, p.KEY_TYPE_HMAC, key, alg)
            digestmod = getattr(hashlib, name, None) or name
            check_all_ways(ctx, kid, alg, msg, hmac.new(key, msg, digestmod).digest(), rng)


def test_hmac_aes_mmo_zigbee_matches_python_hmac(ctx: LocalContext) -> None:
    from psacrypto.core.hash import CONSTRUCTORS

    alg = p.ALG_HMAC(p.ALG_AES_MMO_ZIGBEE)
    key, msg = bytes(range(16)), b"zigbee message"
    kid = new_key(ctx, p.KEY_TYPE_HMAC, key, alg)
    expected = hmac.new(key, msg, CONSTRUCTORS[p.ALG_AES_MMO_ZIGBEE]).digest()
    assert len(expected) == 16
    check_all_ways(ctx, kid, alg, msg, expected, random.Random(0))


def _cbc_mac(algorithm: algorithms.AES, msg: bytes, bs: int) -> bytes:
    padded = msg + bytes(-len(msg) % bs) if msg else bytes(bs)
    enc = Cipher(algorithm, modes.CBC(bytes(bs))).encryptor()
    return (enc.update(padded) + enc.finalize())[-bs:]


def test_cbc_mac_is_iso9797_alg1_with_zero_padding(ctx: LocalContext) -> None:
    rng = random.Random(97971)
    key = rng.randbytes(16)
    kid = new_key(ctx, p.KEY_TYPE_AES, key, p.ALG_CBC_MAC)
    for size in (0, 1, 15, 16, 17, 32, 100):
        msg = rng.randbytes(size)
        expected = _cbc_mac(algorithms.AES(key), msg, 16)
        check_all_ways(ctx, kid, p.ALG_CBC_MAC, msg, expected, rng)
    alg = p.ALG_TRUNCATED_MAC(p.ALG_CBC_MAC, 8)
    kid = new_key(ctx, p.KEY_TYPE_AES, key, alg)
    msg = rng.randbytes(40)
    check_all_ways(ctx, kid, alg, msg, _cbc_mac(algorithms.AES(key), msg, 16)[:8], rng)


@pytest.mark.parametrize(
    ("key_type", "key_len"),
    [
        (p.KEY_TYPE_ARIA, 16),
        (p.KEY_TYPE_CAMELLIA, 32),
        (p.KEY_TYPE_SM4, 16),
        (p.KEY_TYPE_DES, 24),
        (p.KEY_TYPE_DES, 8),
    ],
)
def test_block_macs_every_cipher(ctx: LocalContext, key_type: int, key_len: int) -> None:
    """CMAC and CBC-MAC run with every block cipher and agree across all entry points."""
    rng = random.Random(key_type + key_len)
    key = rng.randbytes(key_len)
    if key_type == p.KEY_TYPE_DES:
        key = bytes((b & 0xFE) | (bin(b >> 1).count("1") % 2 == 0) for b in key)
    for alg in (p.ALG_CMAC, p.ALG_CBC_MAC):
        kid = new_key(ctx, key_type, key, alg)
        msg = rng.randbytes(77)
        mac = ctx.mac_compute(kid, alg, msg)
        assert len(mac) == p.BLOCK_CIPHER_BLOCK_LENGTH(key_type)
        check_all_ways(ctx, kid, alg, msg, mac, rng)


def test_blake2_mac(ctx: LocalContext) -> None:
    rng = random.Random(7693)
    for hash_alg, ctor, max_len in (
        (p.ALG_BLAKE2S_HASH256, hashlib.blake2s, 32),
        (p.ALG_BLAKE2B_HASH512, hashlib.blake2b, 64),
    ):
        base = p.ALG_BLAKE2_MAC(hash_alg)
        key, msg = rng.randbytes(max_len), rng.randbytes(99)
        kid = new_key(ctx, p.KEY_TYPE_BLAKE2, key, base)
        check_all_ways(ctx, kid, base, msg, ctor(msg, key=key).digest(), rng)
        for length in (1, 16):  # BLAKE2's own output length, down to one byte
            alg = p.ALG_TRUNCATED_MAC(base, length)
            kid = new_key(ctx, p.KEY_TYPE_BLAKE2, key, alg)
            expected = ctor(msg, key=key, digest_size=length).digest()
            check_all_ways(ctx, kid, alg, msg, expected, rng)
        if max_len < 64:  # BLAKE2 keys of more than 64 bytes do not even import
            too_long = new_key(ctx, p.KEY_TYPE_BLAKE2, rng.randbytes(max_len + 1), base)
            with pytest.raises(InvalidArgumentError):
                ctx.mac_compute(too_long, base, msg)
    kid = new_key(ctx, p.KEY_TYPE_BLAKE2, bytes(16), p.ALG_BLAKE2_MAC(p.ALG_BLAKE2SP_HASH256))
    with pytest.raises(NotSupportedError):
        ctx.mac_compute(kid, p.ALG_BLAKE2_MAC(p.ALG_BLAKE2SP_HASH256), b"")


# --- truncation and length policies -----------------------------------------------------


def test_truncated_mac_lengths(ctx: LocalContext) -> None:
    key, msg = bytes(range(32)), b"message"
    full = hmac.new(key, msg, "sha256").digest()
    for length in (4, 10, 31, 32):
        alg = p.ALG_TRUNCATED_MAC(HMAC_SHA256, length)
        kid = new_key(ctx, p.KEY_TYPE_HMAC, key, alg)
        assert ctx.mac_compute(kid, alg, msg) == full[:length]
        ctx.mac_verify(kid, alg, msg, full[:length])
        if length < 32:
            with pytest.raises(InvalidSignatureError):
                ctx.mac_verify(kid, alg, msg, full)  # the full MAC is not the truncated one
    for length, error in (
        (33, InvalidArgumentError),
        (3, NotSupportedError),
        (1, NotSupportedError),
    ):
        alg = p.ALG_TRUNCATED_MAC(HMAC_SHA256, length)
        kid = new_key(ctx, p.KEY_TYPE_HMAC, key, alg)
        with pytest.raises(error):
            ctx.mac_compute(kid, alg, msg)
        with pytest.raises(error):
            ctx.MacOperation().sign_setup(kid, alg)
        with pytest.raises(error):
            ctx.check_key_usage(kid, alg, SIGN)
    # CMAC: at most the block size.
    kid = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_TRUNCATED_MAC(p.ALG_CMAC, 17))
    with pytest.raises(InvalidArgumentError):
        ctx.mac_compute(kid, p.ALG_TRUNCATED_MAC(p.ALG_CMAC, 17), msg)


def test_at_least_this_length_policy(ctx: LocalContext) -> None:
    key, msg = bytes(range(32)), b"message"
    policy = p.ALG_AT_LEAST_THIS_LENGTH_MAC(HMAC_SHA256, 20)
    kid = new_key(ctx, p.KEY_TYPE_HMAC, key, policy)
    full = hmac.new(key, msg, "sha256").digest()
    assert ctx.mac_compute(kid, HMAC_SHA256, msg) == full
    for length in (20, 25, 32):
        alg = p.ALG_TRUNCATED_MAC(HMAC_SHA256, length)
        assert ctx.mac_compute(kid, alg, msg) == full[:length]
        ctx.check_key_usage(kid, alg, SIGN)
    for alg in (p.ALG_TRUNCATED_MAC(HMAC_SHA256, 19), p.ALG_HMAC(p.ALG_SHA_512)):
        with pytest.raises(NotPermittedError):
            ctx.mac_compute(kid, alg, msg)
        with pytest.raises(NotPermittedError):
            ctx.MacOperation().verify_setup(kid, alg)
    # The wildcard itself is a policy, not an algorithm.
    with pytest.raises(InvalidArgumentError):
        ctx.mac_compute(kid, policy, msg)
    # A minimum below every possible length permits all lengths psacrypto computes.
    kid = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_AT_LEAST_THIS_LENGTH_MAC(p.ALG_CMAC, 1))
    assert len(ctx.mac_compute(kid, p.ALG_TRUNCATED_MAC(p.ALG_CMAC, 4), msg)) == 4


# --- errors of the single-part functions --------------------------------------------------


def test_single_part_errors(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    msg = b"abc"
    mac = ctx.mac_compute(key, HMAC_SHA256, msg)
    # INVALID_HANDLE
    for bad in (0, 0x7FFFFFFF, key + 1):
        with pytest.raises(InvalidHandleError):
            ctx.mac_compute(bad, HMAC_SHA256, msg)
        with pytest.raises(InvalidHandleError):
            ctx.mac_verify(bad, HMAC_SHA256, msg, mac)
    # NOT_PERMITTED: usage flags
    sign_only = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256, SIGN)
    verify_only = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256, VERIFY)
    ctx.mac_compute(sign_only, HMAC_SHA256, msg)
    ctx.mac_verify(verify_only, HMAC_SHA256, msg, mac)
    with pytest.raises(NotPermittedError):
        ctx.mac_verify(sign_only, HMAC_SHA256, msg, mac)
    with pytest.raises(NotPermittedError):
        ctx.mac_compute(verify_only, HMAC_SHA256, msg)
    other = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256, p.KEY_USAGE_ENCRYPT)
    with pytest.raises(NotPermittedError):
        ctx.mac_compute(other, HMAC_SHA256, msg)
    # SIGN_HASH implies SIGN_MESSAGE, VERIFY_HASH implies VERIFY_MESSAGE.
    implied = new_key(
        ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256,
        p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH,
    )  # fmt: skip
    ctx.mac_verify(implied, HMAC_SHA256, msg, ctx.mac_compute(implied, HMAC_SHA256, msg))
    # NOT_PERMITTED: algorithm policy
    with pytest.raises(NotPermittedError):
        ctx.mac_compute(key, p.ALG_HMAC(p.ALG_SHA_384), msg)
    with pytest.raises(NotPermittedError):
        ctx.mac_compute(key, p.ALG_TRUNCATED_MAC(HMAC_SHA256, 16), msg)
    # INVALID_ARGUMENT: not a MAC / key not compatible (the policy permits the request)
    for key_type, material, alg in (
        (p.KEY_TYPE_AES, bytes(16), p.ALG_GCM),
        (p.KEY_TYPE_HMAC, bytes(32), p.ALG_SHA_256),
        (p.KEY_TYPE_AES, bytes(16), HMAC_SHA256),
        (p.KEY_TYPE_HMAC, bytes(16), p.ALG_CMAC),
        (p.KEY_TYPE_RAW_DATA, bytes(16), p.ALG_CMAC),
        (p.KEY_TYPE_CHACHA20, bytes(32), p.ALG_CMAC),
        (p.KEY_TYPE_AES, bytes(64), p.ALG_CMAC),  # an XTS-size AES key
        (p.KEY_TYPE_HMAC, bytes(32), p.ALG_HMAC(p.ALG_ANY_HASH)),
        (p.KEY_TYPE_HMAC, bytes(32), p.ALG_BLAKE2_MAC(p.ALG_BLAKE2S_HASH256)),
    ):
        kid = new_key(ctx, key_type, material, alg)
        with pytest.raises(InvalidArgumentError):
            ctx.mac_compute(kid, alg, msg)
        with pytest.raises(InvalidArgumentError):
            ctx.mac_verify(kid, alg, msg, mac)
    # NOT_SUPPORTED: hashes outside the HMAC table, or that psacrypto lacks
    for hash_alg in (p.ALG_MD2, p.ALG_MD4, p.ALG_SHAKE256_512, p.ALG_ASCON_HASH256):
        alg = p.ALG_HMAC(hash_alg)
        kid = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), alg)
        with pytest.raises(NotSupportedError):
            ctx.mac_compute(kid, alg, msg)
    kid = new_key(ctx, p.KEY_TYPE_AES, bytes(16), 0x03C07F00)  # an unknown block-cipher MAC
    with pytest.raises(NotSupportedError):
        ctx.mac_compute(kid, 0x03C07F00, msg)
    # INVALID_SIGNATURE: wrong, truncated, extended, empty MAC
    for wrong in (bytes(32), mac[:-1], mac + b"\0", b"", bytes([mac[0] ^ 1]) + mac[1:]):
        with pytest.raises(InvalidSignatureError):
            ctx.mac_verify(key, HMAC_SHA256, msg, wrong)
    with pytest.raises(InvalidSignatureError):
        ctx.mac_verify(key, HMAC_SHA256, msg + b"x", mac)


def test_inputs_may_be_any_bytes_like(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    mac = ctx.mac_compute(key, HMAC_SHA256, b"abc")
    assert ctx.mac_compute(key, HMAC_SHA256, bytearray(b"abc")) == mac
    assert ctx.mac_compute(key, HMAC_SHA256, memoryview(b"xabc")[1:]) == mac
    ctx.mac_verify(key, HMAC_SHA256, memoryview(b"abc"), bytearray(mac))
    cmac_key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CMAC)
    assert ctx.mac_compute(cmac_key, p.ALG_CMAC, bytearray(b"abc")) == ctx.mac_compute(
        cmac_key, p.ALG_CMAC, b"abc"
    )


def test_destroyed_key_is_invalid_handle(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    ctx.mac_compute(key, HMAC_SHA256, b"")  # cached
    ctx.destroy_key(key)
    with pytest.raises(InvalidHandleError):
        ctx.mac_compute(key, HMAC_SHA256, b"")
    with pytest.raises(InvalidHandleError):
        ctx.MacOperation().sign_setup(key, HMAC_SHA256)


def test_persistent_keys(store_ctx: LocalContext) -> None:
    for usage in (SIGN | VERIFY, SIGN | VERIFY | p.KEY_USAGE_CACHE):
        attrs = p.KeyAttributes(
            type=p.KEY_TYPE_HMAC, usage_flags=usage, algorithm=HMAC_SHA256,
            lifetime=p.KEY_LIFETIME_PERSISTENT, id=0x100 + usage,
        )  # fmt: skip
        kid = store_ctx.import_key(attrs, b"k" * 32)
        mac = hmac.new(b"k" * 32, b"msg", "sha256").digest()
        for _ in range(2):
            assert store_ctx.mac_compute(kid, HMAC_SHA256, b"msg") == mac
            store_ctx.mac_verify(kid, HMAC_SHA256, b"msg", mac)
        store_ctx.destroy_key(kid)
        with pytest.raises(InvalidHandleError):
            store_ctx.mac_compute(kid, HMAC_SHA256, b"msg")


# --- the operation's state machine --------------------------------------------------------


def test_operation_errors_at_setup_leave_it_inactive(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    op = ctx.MacOperation()
    for setup, args, error in (
        (op.sign_setup, (0, HMAC_SHA256), InvalidHandleError),
        (op.sign_setup, (key, p.ALG_HMAC(p.ALG_SHA_1)), NotPermittedError),
        (op.verify_setup, (key, p.ALG_CMAC), NotPermittedError),
    ):
        with pytest.raises(error):
            setup(*args)
        assert not op.active
    sign_only = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256, SIGN)
    with pytest.raises(NotPermittedError):
        op.verify_setup(sign_only, HMAC_SHA256)
    aes = new_key(ctx, p.KEY_TYPE_AES, bytes(16), HMAC_SHA256)
    with pytest.raises(InvalidArgumentError):
        op.sign_setup(aes, HMAC_SHA256)
    # After all those failures the object still works.
    op.sign_setup(key, HMAC_SHA256)
    op.update(b"abc")
    assert op.sign_finish() == hmac.new(bytes(32), b"abc", "sha256").digest()


def _expect_bad_state_then_recover(op: p.MacOperation, call: object, *args: object) -> None:
    assert callable(call)
    with pytest.raises(BadStateError):
        call(*args)
    # In the error state, everything but abort fails.
    with pytest.raises(BadStateError):
        op.update(b"")
    op.abort()
    assert not op.active


def test_operation_bad_state(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    mac = ctx.mac_compute(key, HMAC_SHA256, b"")
    op = ctx.MacOperation()
    # Inactive: every step but abort is BAD_STATE.
    for call, args in (
        (op.update, (b"x",)),
        (op.sign_finish, ()),
        (op.verify_finish, (mac,)),
    ):
        _expect_bad_state_then_recover(op, call, *args)
    op.abort()
    op.abort()  # abort is always allowed
    # Setting up an active operation again.
    for first, second in ((op.sign_setup, op.verify_setup), (op.verify_setup, op.sign_setup)):
        first(key, HMAC_SHA256)
        _expect_bad_state_then_recover(op, second, key, HMAC_SHA256)
        first(key, HMAC_SHA256)
        _expect_bad_state_then_recover(op, first, key, HMAC_SHA256)
    # Finishing the wrong way.
    op.sign_setup(key, HMAC_SHA256)
    _expect_bad_state_then_recover(op, op.verify_finish, mac)
    op.verify_setup(key, HMAC_SHA256)
    _expect_bad_state_then_recover(op, op.sign_finish)
    # After a successful finish the operation is inactive again.
    op.sign_setup(key, HMAC_SHA256)
    assert op.sign_finish() == mac
    _expect_bad_state_then_recover(op, op.update, b"")
    op.verify_setup(key, HMAC_SHA256)
    op.verify_finish(mac)
    _expect_bad_state_then_recover(op, op.verify_finish, mac)
    # A failed verification enters the error state.
    op.verify_setup(key, HMAC_SHA256)
    with pytest.raises(InvalidSignatureError):
        op.verify_finish(bytes(32))
    _expect_bad_state_then_recover(op, op.verify_finish, mac)
    # The error state holds until abort; then a new operation can start.
    op.sign_setup(key, HMAC_SHA256)
    with pytest.raises(BadStateError):
        op.sign_setup(key, HMAC_SHA256)
    with pytest.raises(BadStateError):
        op.sign_finish()
    op.abort()
    op.sign_setup(key, HMAC_SHA256)
    assert op.sign_finish() == mac


def test_operation_context_manager_and_flat_functions(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    with ctx.MacOperation() as op:
        ctx.mac_sign_setup(op, key, HMAC_SHA256)
        ctx.mac_update(op, b"a")
        ctx.mac_update(op, b"bc")
        mac = ctx.mac_sign_finish(op)
        ctx.mac_verify_setup(op, key, HMAC_SHA256)
    assert not op.active  # left by the with block, aborted
    assert mac == ctx.mac_compute(key, HMAC_SHA256, b"abc")
    ctx.mac_abort(op)
    ctx.mac_verify_setup(op, key, HMAC_SHA256)
    ctx.mac_update(op, b"abc")
    ctx.mac_verify_finish(op, mac)


def test_destroying_the_key_fails_the_operation(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    op = ctx.MacOperation()
    op.sign_setup(key, HMAC_SHA256)
    op.update(b"abc")
    ctx.destroy_key(key)
    with pytest.raises(BadStateError):
        op.update(b"abc")
    with pytest.raises(BadStateError):
        op.sign_finish()
    op.abort()


def test_operations_are_independent(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    ops = [ctx.MacOperation() for _ in range(3)]
    for i, op in enumerate(ops):
        op.sign_setup(key, HMAC_SHA256)
        op.update(bytes([i]))
    for i, op in enumerate(ops):
        assert op.sign_finish() == ctx.mac_compute(key, HMAC_SHA256, bytes([i]))


# --- check_key_usage agrees with setup ----------------------------------------------------

_MATRIX_KEYS = [
    (p.KEY_TYPE_HMAC, 256),
    (p.KEY_TYPE_AES, 128),
    (p.KEY_TYPE_AES, 512),
    (p.KEY_TYPE_ARIA, 192),
    (p.KEY_TYPE_CAMELLIA, 256),
    (p.KEY_TYPE_SM4, 128),
    (p.KEY_TYPE_DES, 192),
    (p.KEY_TYPE_CHACHA20, 256),
    (p.KEY_TYPE_BLAKE2, 256),
    (p.KEY_TYPE_BLAKE2, 512),
    (p.KEY_TYPE_RAW_DATA, 128),
]
_MATRIX_ALGS = [
    HMAC_SHA256,
    p.ALG_HMAC(p.ALG_MD4),
    p.ALG_HMAC(p.ALG_SHAKE256_512),
    p.ALG_TRUNCATED_MAC(HMAC_SHA256, 3),
    p.ALG_TRUNCATED_MAC(HMAC_SHA256, 16),
    p.ALG_TRUNCATED_MAC(HMAC_SHA256, 40),
    p.ALG_CMAC,
    p.ALG_CBC_MAC,
    p.ALG_TRUNCATED_MAC(p.ALG_CMAC, 8),
    p.ALG_TRUNCATED_MAC(p.ALG_CMAC, 16),
    p.ALG_BLAKE2_MAC(p.ALG_BLAKE2S_HASH256),
    p.ALG_BLAKE2_MAC(p.ALG_BLAKE2B_HASH512),
    p.ALG_TRUNCATED_MAC(p.ALG_BLAKE2_MAC(p.ALG_BLAKE2S_HASH256), 2),
    p.ALG_GCM,
]


def _outcome(call: object, *args: object) -> type[PsaError] | None:
    assert callable(call)
    try:
        call(*args)
    except PsaError as e:
        return type(e)
    return None


@pytest.mark.parametrize(("key_type", "bits"), _MATRIX_KEYS)
def test_check_key_usage_agrees_with_setup(ctx: LocalContext, key_type: int, bits: int) -> None:
    rng = random.Random(bits)
    for alg in _MATRIX_ALGS:
        for usage in (SIGN, VERIFY):
            attrs = p.KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)
            kid = ctx.generate_key(attrs)
            expected = _outcome(ctx.check_key_usage, kid, alg, usage)
            op = ctx.MacOperation()
            setup = op.sign_setup if usage == SIGN else op.verify_setup
            assert _outcome(setup, kid, alg) == expected, (key_type, bits, hex(alg), usage)
            if usage == SIGN:
                assert _outcome(ctx.mac_compute, kid, alg, b"m") == expected
            else:
                outcome = _outcome(ctx.mac_verify, kid, alg, b"m", rng.randbytes(16))
                assert outcome == (expected or InvalidSignatureError)
            op.abort()
            # The other usage is never permitted by these keys.
            other = VERIFY if usage == SIGN else SIGN
            assert _outcome(ctx.check_key_usage, kid, alg, other) in (
                NotPermittedError, expected, InvalidArgumentError,
            )  # fmt: skip


def test_check_key_usage_roles(ctx: LocalContext) -> None:
    kid = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256)
    ctx.check_key_usage(kid, HMAC_SHA256, SIGN)
    ctx.check_key_usage(kid, HMAC_SHA256, VERIFY)
    for usage in (p.KEY_USAGE_SIGN_HASH, p.KEY_USAGE_ENCRYPT, p.KEY_USAGE_DERIVE):
        with pytest.raises(InvalidArgumentError):
            ctx.check_key_usage(kid, HMAC_SHA256, usage)


def test_mac_parameters_table() -> None:
    """The documented support table, for the profile."""
    assert core_mac.mac_parameters(p.KEY_TYPE_HMAC, 8, HMAC_SHA256) == (core_mac.HMAC, 32)
    assert core_mac.mac_parameters(p.KEY_TYPE_DES, 64, p.ALG_CMAC) == (core_mac.CMAC, 8)
    assert core_mac.mac_parameters(p.KEY_TYPE_ARIA, 256, p.ALG_CBC_MAC) == (core_mac.CBC_MAC, 16)
    blake = p.ALG_TRUNCATED_MAC(p.ALG_BLAKE2_MAC(p.ALG_BLAKE2B_HASH512), 1)
    assert core_mac.mac_parameters(p.KEY_TYPE_BLAKE2, 8, blake) == (core_mac.BLAKE2_MAC, 1)


_ALL_USAGES = [
    p.KEY_USAGE_EXPORT,
    p.KEY_USAGE_COPY,
    p.KEY_USAGE_CACHE,
    p.KEY_USAGE_ENCRYPT,
    p.KEY_USAGE_DECRYPT,
    p.KEY_USAGE_SIGN_MESSAGE,
    p.KEY_USAGE_VERIFY_MESSAGE,
    p.KEY_USAGE_SIGN_HASH,
    p.KEY_USAGE_VERIFY_HASH,
    p.KEY_USAGE_DERIVE,
    p.KEY_USAGE_VERIFY_DERIVATION,
    p.KEY_USAGE_WRAP,
    p.KEY_USAGE_UNWRAP,
]


def test_every_usage_flag(ctx: LocalContext) -> None:
    """Each entry point needs its own usage flag (or the flag that implies it)."""
    msg = b"message"
    full = hmac.new(bytes(32), msg, "sha256").digest()
    for usage in _ALL_USAGES:
        kid = new_key(ctx, p.KEY_TYPE_HMAC, bytes(32), HMAC_SHA256, usage)
        can_sign = bool(usage & (SIGN | p.KEY_USAGE_SIGN_HASH))
        can_verify = bool(usage & (VERIFY | p.KEY_USAGE_VERIFY_HASH))
        sign_calls = (
            lambda kid=kid: ctx.mac_compute(kid, HMAC_SHA256, msg),
            lambda kid=kid: ctx.MacOperation().sign_setup(kid, HMAC_SHA256),
        )
        verify_calls = (
            lambda kid=kid: ctx.mac_verify(kid, HMAC_SHA256, msg, full),
            lambda kid=kid: ctx.MacOperation().verify_setup(kid, HMAC_SHA256),
        )
        for allowed, calls in ((can_sign, sign_calls), (can_verify, verify_calls)):
            for call in calls:
                if allowed:
                    call()
                else:
                    with pytest.raises(NotPermittedError):
                        call()
