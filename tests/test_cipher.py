"""The unauthenticated cipher family through the API: known answers, every key type in
every mode, the errors the spec lists, the operation's state machine, and
check_key_usage agreeing with setup.

Vectors: NIST CAVP AES (CBC, ECB, CFB128, OFB MMT; XTSGen), RFC 3686 AES-CTR, OpenSSL
Camellia, NIST 3DES MMT, draft-ribose SM4, RFC 7539 ChaCha20 and RFC 6229 ARC4 (all from
``cryptography_vectors``); Wycheproof CBC-PKCS5 (AES, ARIA, Camellia) and AES-XTS.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import cryptography_vectors
import pytest
import wycheproof
from cryptography.hazmat.primitives.ciphers.aead import AESCCM

import psacrypto as p
from psacrypto.context import LocalContext
from psacrypto.errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidPaddingError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)

ENC = p.KEY_USAGE_ENCRYPT
DEC = p.KEY_USAGE_DECRYPT

BLOCK_MODES = [
    p.ALG_ECB_NO_PADDING,
    p.ALG_CBC_NO_PADDING,
    p.ALG_CBC_PKCS7,
    p.ALG_CTR,
    p.ALG_CFB,
    p.ALG_OFB,
]
#: (key type, key bits) of every block cipher key size.
BLOCK_KEYS = [
    (p.KEY_TYPE_AES, 128),
    (p.KEY_TYPE_AES, 192),
    (p.KEY_TYPE_AES, 256),
    (p.KEY_TYPE_ARIA, 128),
    (p.KEY_TYPE_ARIA, 256),
    (p.KEY_TYPE_CAMELLIA, 128),
    (p.KEY_TYPE_CAMELLIA, 192),
    (p.KEY_TYPE_SM4, 128),
    (p.KEY_TYPE_DES, 64),
    (p.KEY_TYPE_DES, 128),
    (p.KEY_TYPE_DES, 192),
]


def nist_vectors(path: str) -> Iterator[dict[str, str]]:
    """Records of a NIST-style ``KEY = value`` vector file (blank-line separated)."""
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


def des_parity(key: bytes) -> bytes:
    return bytes((b & 0xFE) | (bin(b >> 1).count("1") % 2 == 0) for b in key)


def new_key(
    ctx: LocalContext, key_type: int, material: bytes, alg: int, usage: int = ENC | DEC
) -> int:
    attrs = p.KeyAttributes(type=key_type, usage_flags=usage, algorithm=alg)
    return ctx.import_key(attrs, material)


def random_key(
    ctx: LocalContext, key_type: int, bits: int, alg: int, usage: int = ENC | DEC
) -> int:
    attrs = p.KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)
    return ctx.generate_key(attrs)


def split(data: bytes, rng: random.Random) -> list[bytes]:
    parts = []
    pos = 0
    while pos < len(data):
        n = rng.choice((0, 1, 3, 7, 8, 15, 16, 17, 33, 64))
        parts.append(data[pos : pos + n])
        pos += n
    return parts


def multipart(
    ctx: LocalContext, key: int, alg: int, iv: bytes, data: bytes, encrypt: bool, rng: random.Random
) -> bytes:
    with ctx.CipherOperation() as op:
        if encrypt:
            op.encrypt_setup(key, alg)
        else:
            op.decrypt_setup(key, alg)
        if iv:
            op.set_iv(iv)
        out = [op.update(part) for part in split(data, rng)]
        out.append(op.finish())
    return b"".join(out)


def check_known_answer(
    ctx: LocalContext,
    key: int,
    alg: int,
    iv: bytes,
    plaintext: bytes,
    ciphertext: bytes,
    rng: random.Random,
) -> None:
    """Multi-part both ways with random splits, and single-part decryption of IV || ct."""
    assert multipart(ctx, key, alg, iv, plaintext, True, rng) == ciphertext
    assert multipart(ctx, key, alg, iv, ciphertext, False, rng) == plaintext
    if len(iv) == p.CIPHER_IV_LENGTH(p.get_key_type(ctx.get_key_attributes(key)), alg):
        assert ctx.cipher_decrypt(key, alg, iv + ciphertext) == plaintext


# --- known answers ----------------------------------------------------------------------

_AES_CAVP = {
    p.ALG_CBC_NO_PADDING: "ciphers/AES/CBC/CBCMMT{}.rsp",
    p.ALG_ECB_NO_PADDING: "ciphers/AES/ECB/ECBMMT{}.rsp",
    p.ALG_CFB: "ciphers/AES/CFB/CFB128MMT{}.rsp",
    p.ALG_OFB: "ciphers/AES/OFB/OFBMMT{}.rsp",
}


@pytest.mark.parametrize("alg", sorted(_AES_CAVP))
@pytest.mark.parametrize("bits", [128, 192, 256])
def test_aes_cavp_mmt(ctx: LocalContext, alg: int, bits: int) -> None:
    rng = random.Random(alg + bits)
    count = 0
    for record in nist_vectors(_AES_CAVP[alg].format(bits)):
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(record["KEY"]), alg)
        iv = bytes.fromhex(record.get("IV", ""))
        pt, ct = bytes.fromhex(record["PLAINTEXT"]), bytes.fromhex(record["CIPHERTEXT"])
        check_known_answer(ctx, key, alg, iv, pt, ct, rng)
        count += 1
    assert count == 20


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_aes_ctr_rfc3686(ctx: LocalContext, bits: int) -> None:
    rng = random.Random(bits)
    for record in nist_vectors(f"ciphers/AES/CTR/aes-{bits}-ctr.txt"):
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(record["KEY"]), p.ALG_CTR)
        iv = bytes.fromhex(record["IV"])
        pt, ct = bytes.fromhex(record["PLAINTEXT"]), bytes.fromhex(record["CIPHERTEXT"])
        check_known_answer(ctx, key, p.ALG_CTR, iv, pt, ct, rng)


@pytest.mark.parametrize("bits", [128, 256])
def test_aes_xts_cavp(ctx: LocalContext, bits: int) -> None:
    rng = random.Random(bits)
    count = 0
    path = f"ciphers/AES/XTS/tweak-128hexstr/XTSGenAES{bits}.rsp"
    for record in nist_vectors(path):
        if int(record["DATAUNITLEN"]) % 8:
            continue  # PSA works on whole bytes
        count += 1
        if count % 10:
            continue  # a tenth of the file keeps the suite fast
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(record["KEY"]), p.ALG_XTS)
        tweak = bytes.fromhex(record["I"])
        pt, ct = bytes.fromhex(record["PT"]), bytes.fromhex(record["CT"])
        check_known_answer(ctx, key, p.ALG_XTS, tweak, pt, ct, rng)
    assert count > 100


_OTHER_KAT = [
    (p.KEY_TYPE_CAMELLIA, p.ALG_CBC_NO_PADDING, "ciphers/Camellia/camellia-cbc.txt"),
    (p.KEY_TYPE_CAMELLIA, p.ALG_CFB, "ciphers/Camellia/camellia-cfb.txt"),
    (p.KEY_TYPE_CAMELLIA, p.ALG_OFB, "ciphers/Camellia/camellia-ofb.txt"),
    (p.KEY_TYPE_SM4, p.ALG_ECB_NO_PADDING, "ciphers/SM4/draft-ribose-cfrg-sm4-10-ecb.txt"),
    (p.KEY_TYPE_SM4, p.ALG_CBC_NO_PADDING, "ciphers/SM4/draft-ribose-cfrg-sm4-10-cbc.txt"),
    (p.KEY_TYPE_SM4, p.ALG_CTR, "ciphers/SM4/draft-ribose-cfrg-sm4-10-ctr.txt"),
    (p.KEY_TYPE_SM4, p.ALG_CFB, "ciphers/SM4/draft-ribose-cfrg-sm4-10-cfb.txt"),
    (p.KEY_TYPE_SM4, p.ALG_OFB, "ciphers/SM4/draft-ribose-cfrg-sm4-10-ofb.txt"),
    (p.KEY_TYPE_DES, p.ALG_CBC_NO_PADDING, "ciphers/3DES/CBC/TCBCMMT3.rsp"),
    (p.KEY_TYPE_DES, p.ALG_CBC_NO_PADDING, "ciphers/3DES/CBC/TCBCMMT2.rsp"),
    (p.KEY_TYPE_DES, p.ALG_ECB_NO_PADDING, "ciphers/3DES/ECB/TECBMMT3.rsp"),
    (p.KEY_TYPE_DES, p.ALG_CFB, "ciphers/3DES/CFB/TCFB64MMT3.rsp"),
    (p.KEY_TYPE_DES, p.ALG_OFB, "ciphers/3DES/OFB/TOFBMMT3.rsp"),
]


@pytest.mark.parametrize(("key_type", "alg", "path"), _OTHER_KAT)
def test_other_ciphers_known_answers(ctx: LocalContext, key_type: int, alg: int, path: str) -> None:
    rng = random.Random(path)
    count = 0
    for record in nist_vectors(path):
        if "KEY" in record:
            material = bytes.fromhex(record["KEY"])
        else:
            material = b"".join(bytes.fromhex(record[k]) for k in ("KEY1", "KEY2", "KEY3"))
            if material[16:] == material[:8]:
                material = material[:16]
            material = des_parity(material)
        key = new_key(ctx, key_type, material, alg)
        iv = bytes.fromhex(record.get("IV", ""))
        pt, ct = bytes.fromhex(record["PLAINTEXT"]), bytes.fromhex(record["CIPHERTEXT"])
        check_known_answer(ctx, key, alg, iv, pt, ct, rng)
        count += 1
    assert count >= 1


def test_chacha20_rfc7539(ctx: LocalContext) -> None:
    rng = random.Random(7539)
    for record in nist_vectors("ciphers/ChaCha20/rfc7539.txt"):
        key = new_key(ctx, p.KEY_TYPE_CHACHA20, bytes.fromhex(record["KEY"]), p.ALG_STREAM_CIPHER)
        nonce = bytes.fromhex(record["NONCE"])
        counter = int(record["INITIAL_BLOCK_COUNTER"])
        pt, ct = bytes.fromhex(record["PLAINTEXT"]), bytes.fromhex(record["CIPHERTEXT"])
        # A 16-byte IV is the counter (little-endian) then the nonce.
        iv16 = counter.to_bytes(4, "little") + nonce
        check_known_answer(ctx, key, p.ALG_STREAM_CIPHER, iv16, pt, ct, rng)
        if counter == 0:  # a 12-byte IV is the nonce, counter 0
            check_known_answer(ctx, key, p.ALG_STREAM_CIPHER, nonce, pt, ct, rng)


@pytest.mark.parametrize("bits", [40, 56, 64, 80, 128, 192, 256])
def test_arc4_rfc6229(ctx: LocalContext, bits: int) -> None:
    by_key: dict[str, list[dict[str, str]]] = {}
    for record in nist_vectors(f"ciphers/ARC4/rfc-6229-{bits}.txt"):
        by_key.setdefault(record["KEY"], []).append(record)
    assert by_key
    for material, records in by_key.items():
        key = new_key(ctx, p.KEY_TYPE_ARC4, bytes.fromhex(material), p.ALG_STREAM_CIPHER)
        end = max(int(r["OFFSET"]) + 16 for r in records)
        stream = ctx.cipher_encrypt(key, p.ALG_STREAM_CIPHER, bytes(end))  # no IV for ARC4
        assert len(stream) == end
        for record in records:
            offset = int(record["OFFSET"])
            assert stream[offset : offset + 16] == bytes.fromhex(record["CIPHERTEXT"])
        assert ctx.cipher_decrypt(key, p.ALG_STREAM_CIPHER, stream) == bytes(end)


def test_xchacha20_matches_the_aead_keystream(ctx: LocalContext) -> None:
    """XChaCha20 with a 32-byte IV (counter 1) is the ciphertext part of XChaCha20-Poly1305."""
    rng = random.Random(20)
    material, nonce, msg = rng.randbytes(32), rng.randbytes(24), rng.randbytes(200)
    stream_key = new_key(ctx, p.KEY_TYPE_XCHACHA20, material, p.ALG_STREAM_CIPHER)
    aead_key = new_key(ctx, p.KEY_TYPE_XCHACHA20, material, p.ALG_XCHACHA20_POLY1305)
    sealed = ctx.aead_encrypt(aead_key, p.ALG_XCHACHA20_POLY1305, nonce, b"", msg)
    iv32 = (1).to_bytes(8, "little") + nonce
    check_known_answer(ctx, stream_key, p.ALG_STREAM_CIPHER, iv32, msg, sealed[:-16], rng)
    out = ctx.cipher_encrypt(stream_key, p.ALG_STREAM_CIPHER, msg)
    assert len(out) == 24 + len(msg)
    assert ctx.cipher_decrypt(stream_key, p.ALG_STREAM_CIPHER, out) == msg


def test_ccm_star_no_tag_is_ccm_encryption(ctx: LocalContext) -> None:
    """CCM* with no tag is CCM's CTR encryption (checked against pyca's AES-CCM)."""
    rng = random.Random(802154)
    material = rng.randbytes(16)
    key = new_key(ctx, p.KEY_TYPE_AES, material, p.ALG_CCM_STAR_NO_TAG)
    for nonce_len in (13, 12, 7):
        nonce, msg = rng.randbytes(nonce_len), rng.randbytes(rng.randint(0, 100))
        expected = AESCCM(material, tag_length=4).encrypt(nonce, msg, None)[:-4]
        check_known_answer(ctx, key, p.ALG_CCM_STAR_NO_TAG, nonce, msg, expected, rng)
    out = ctx.cipher_encrypt(key, p.ALG_CCM_STAR_NO_TAG, b"zigbee frame")
    assert len(out) == 13 + 12  # the default IV is the 13-byte nonce
    assert ctx.cipher_decrypt(key, p.ALG_CCM_STAR_NO_TAG, out) == b"zigbee frame"


_CBC_PKCS5_WYCHEPROOF = {
    "aes_cbc_pkcs5_test": p.KEY_TYPE_AES,
    "aria_cbc_pkcs5_test": p.KEY_TYPE_ARIA,
    "camellia_cbc_pkcs5_test": p.KEY_TYPE_CAMELLIA,
}


@pytest.mark.parametrize("file", sorted(_CBC_PKCS5_WYCHEPROOF))
def test_cbc_pkcs7_wycheproof(ctx: LocalContext, file: str) -> None:
    rng = random.Random(file)
    alg = p.ALG_CBC_PKCS7
    for case in wycheproof.cases(file):
        key = new_key(ctx, _CBC_PKCS5_WYCHEPROOF[file], case.hexbytes("key"), alg)
        iv, msg, ct = case.hexbytes("iv"), case.hexbytes("msg"), case.hexbytes("ct")
        if case.valid:
            check_known_answer(ctx, key, alg, iv, msg, ct, rng)
            continue
        with pytest.raises((InvalidPaddingError, InvalidArgumentError)):
            ctx.cipher_decrypt(key, alg, iv + ct)
        with pytest.raises((InvalidPaddingError, InvalidArgumentError)):
            multipart(ctx, key, alg, iv, ct, False, rng)


def test_xts_wycheproof(ctx: LocalContext) -> None:
    rng = random.Random(1619)
    for case in wycheproof.cases("aes_xts_test"):
        key = new_key(ctx, p.KEY_TYPE_AES, case.hexbytes("key"), p.ALG_XTS)
        tweak = case.hexbytes("iv").ljust(16, b"\0")  # a shorter tweak is a small number
        assert case.valid
        check_known_answer(
            ctx, key, p.ALG_XTS, tweak, case.hexbytes("msg"), case.hexbytes("ct"), rng
        )


# --- every key type in every mode -------------------------------------------------------


@pytest.mark.parametrize(("key_type", "bits"), BLOCK_KEYS)
def test_every_block_mode_roundtrips(ctx: LocalContext, key_type: int, bits: int) -> None:
    rng = random.Random(key_type * bits)
    bs = p.BLOCK_CIPHER_BLOCK_LENGTH(key_type)
    for alg in BLOCK_MODES:
        key = random_key(ctx, key_type, bits, alg)
        for size in (0, bs, 3 * bs, 5 * bs + 3):
            if alg in (p.ALG_ECB_NO_PADDING, p.ALG_CBC_NO_PADDING) and size % bs:
                continue
            msg = rng.randbytes(size)
            sealed = ctx.cipher_encrypt(key, alg, msg)
            iv_len = p.CIPHER_IV_LENGTH(key_type, alg)
            assert iv_len == (0 if alg == p.ALG_ECB_NO_PADDING else bs)
            iv, ct = sealed[:iv_len], sealed[iv_len:]
            expected_len = size + bs - size % bs if alg == p.ALG_CBC_PKCS7 else size
            assert len(ct) == expected_len
            assert ctx.cipher_decrypt(key, alg, sealed) == msg
            check_known_answer(ctx, key, alg, iv, msg, ct, rng)
        if alg not in (p.ALG_ECB_NO_PADDING,):
            # Random IVs: two encryptions differ.
            assert ctx.cipher_encrypt(key, alg, bytes(bs)) != ctx.cipher_encrypt(
                key, alg, bytes(bs)
            )


@pytest.mark.parametrize(
    ("key_type", "bits"),
    [
        (p.KEY_TYPE_AES, 256),
        (p.KEY_TYPE_AES, 384),
        (p.KEY_TYPE_AES, 512),
        (p.KEY_TYPE_ARIA, 256),
        (p.KEY_TYPE_CAMELLIA, 384),
        (p.KEY_TYPE_SM4, 256),
    ],
)
def test_xts_every_cipher(ctx: LocalContext, key_type: int, bits: int) -> None:
    rng = random.Random(bits)
    key = random_key(ctx, key_type, bits, p.ALG_XTS)
    for size in (16, 17, 31, 32, 33, 100):
        msg = rng.randbytes(size)
        sealed = ctx.cipher_encrypt(key, p.ALG_XTS, msg)
        assert len(sealed) == 16 + size
        assert ctx.cipher_decrypt(key, p.ALG_XTS, sealed) == msg
        check_known_answer(ctx, key, p.ALG_XTS, sealed[:16], msg, sealed[16:], rng)
    for short in (b"", bytes(15)):
        with pytest.raises(InvalidArgumentError):
            ctx.cipher_encrypt(key, p.ALG_XTS, short)
        with pytest.raises(InvalidArgumentError):
            ctx.cipher_decrypt(key, p.ALG_XTS, bytes(16) + short)
        with pytest.raises(InvalidArgumentError):
            multipart(ctx, key, p.ALG_XTS, bytes(16), short, True, rng)


def test_xts_key_halves_must_differ(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(32), p.ALG_XTS)
    with pytest.raises(InvalidArgumentError):
        ctx.cipher_encrypt(key, p.ALG_XTS, bytes(16))
    with pytest.raises(InvalidArgumentError):
        ctx.CipherOperation().decrypt_setup(key, p.ALG_XTS)


@pytest.mark.parametrize(
    "key_type", [p.KEY_TYPE_AES, p.KEY_TYPE_ARIA, p.KEY_TYPE_CAMELLIA, p.KEY_TYPE_SM4]
)
def test_ccm_star_every_cipher(ctx: LocalContext, key_type: int) -> None:
    rng = random.Random(key_type)
    key = random_key(ctx, key_type, 128, p.ALG_CCM_STAR_NO_TAG)
    msg = rng.randbytes(50)
    sealed = ctx.cipher_encrypt(key, p.ALG_CCM_STAR_NO_TAG, msg)
    assert ctx.cipher_decrypt(key, p.ALG_CCM_STAR_NO_TAG, sealed) == msg
    check_known_answer(ctx, key, p.ALG_CCM_STAR_NO_TAG, sealed[:13], msg, sealed[13:], rng)
    # With a 13-byte nonce (L = 2) at most 65535 bytes fit.
    with pytest.raises(InvalidArgumentError):
        ctx.cipher_encrypt(key, p.ALG_CCM_STAR_NO_TAG, bytes(65536))
    with ctx.CipherOperation() as op:
        op.encrypt_setup(key, p.ALG_CCM_STAR_NO_TAG)
        op.generate_iv()
        op.update(bytes(65535))
        with pytest.raises(InvalidArgumentError):
            op.update(b"x")


def test_stream_cipher_iv_sizes(ctx: LocalContext) -> None:
    rng = random.Random(8439)
    chacha = random_key(ctx, p.KEY_TYPE_CHACHA20, 256, p.ALG_STREAM_CIPHER)
    xchacha = random_key(ctx, p.KEY_TYPE_XCHACHA20, 256, p.ALG_STREAM_CIPHER)
    msg = rng.randbytes(150)
    for key, good, bad in (
        (chacha, (8, 12, 16), (0, 7, 11, 24, 32)),
        (xchacha, (24, 32), (0, 12, 16, 8)),
    ):
        for n in good:
            iv = rng.randbytes(n)
            ct = multipart(ctx, key, p.ALG_STREAM_CIPHER, iv, msg, True, rng)
            assert multipart(ctx, key, p.ALG_STREAM_CIPHER, iv, ct, False, rng) == msg
        for n in bad:
            op = ctx.CipherOperation()
            op.encrypt_setup(key, p.ALG_STREAM_CIPHER)
            with pytest.raises(InvalidArgumentError):
                op.set_iv(bytes(n))
            with pytest.raises(BadStateError):  # the operation is now in the error state
                op.update(b"")
            op.abort()
    # The 16-byte form with counter 0 equals the 12-byte form; the 8-byte one differs.
    nonce = rng.randbytes(12)
    a = multipart(ctx, chacha, p.ALG_STREAM_CIPHER, nonce, msg, True, rng)
    assert multipart(ctx, chacha, p.ALG_STREAM_CIPHER, bytes(4) + nonce, msg, True, rng) == a
    iv = rng.randbytes(24)
    b = multipart(ctx, xchacha, p.ALG_STREAM_CIPHER, iv, msg, True, rng)
    assert multipart(ctx, xchacha, p.ALG_STREAM_CIPHER, bytes(8) + iv, msg, True, rng) == b
    # Single-part: a 12-byte and a 24-byte random IV.
    assert len(ctx.cipher_encrypt(chacha, p.ALG_STREAM_CIPHER, msg)) == 12 + len(msg)


def test_ctr_iv_lengths(ctx: LocalContext) -> None:
    rng = random.Random(38)
    for key_type, bits in (
        (p.KEY_TYPE_AES, 128),
        (p.KEY_TYPE_CAMELLIA, 128),
        (p.KEY_TYPE_DES, 192),
    ):
        bs = p.BLOCK_CIPHER_BLOCK_LENGTH(key_type)
        key = random_key(ctx, key_type, bits, p.ALG_CTR)
        msg = rng.randbytes(100)
        nonce = rng.randbytes(bs - 4)
        # A short IV is padded with zero bytes up to the block.
        short = multipart(ctx, key, p.ALG_CTR, nonce, msg, True, rng)
        assert multipart(ctx, key, p.ALG_CTR, nonce + bytes(4), msg, True, rng) == short
        # The whole counter block is incremented, carrying across bytes.
        iv = b"\xff" * bs
        wrapped = multipart(ctx, key, p.ALG_CTR, iv, bytes(3 * bs), True, rng)
        assert wrapped[bs:] == multipart(ctx, key, p.ALG_CTR, bytes(bs), bytes(2 * bs), True, rng)
        for n in (0, bs + 1):
            op = ctx.CipherOperation()
            op.decrypt_setup(key, p.ALG_CTR)
            with pytest.raises(InvalidArgumentError):
                op.set_iv(bytes(n))
            op.abort()


# --- padding and lengths ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key_type", "bits"), [(p.KEY_TYPE_AES, 128), (p.KEY_TYPE_DES, 192), (p.KEY_TYPE_ARIA, 128)]
)
def test_lengths_and_padding(ctx: LocalContext, key_type: int, bits: int) -> None:
    bs = p.BLOCK_CIPHER_BLOCK_LENGTH(key_type)
    rng = random.Random(bs)
    for alg in (p.ALG_ECB_NO_PADDING, p.ALG_CBC_NO_PADDING):
        key = random_key(ctx, key_type, bits, alg)
        iv = bytes(p.CIPHER_IV_LENGTH(key_type, alg))
        for size in (1, bs - 1, bs + 1):
            with pytest.raises(InvalidArgumentError):
                ctx.cipher_encrypt(key, alg, bytes(size))
            with pytest.raises(InvalidArgumentError):
                ctx.cipher_decrypt(key, alg, iv + bytes(size))
            for encrypt in (True, False):
                with pytest.raises(InvalidArgumentError):
                    multipart(ctx, key, alg, iv, bytes(size), encrypt, rng)
    material = rng.randbytes(bits // 8)
    if key_type == p.KEY_TYPE_DES:
        material = des_parity(material)
    key = new_key(ctx, key_type, material, p.ALG_CBC_PKCS7)
    raw = new_key(ctx, key_type, material, p.ALG_CBC_NO_PADDING)
    iv = bytes(bs)
    # A ciphertext that is not a positive number of blocks: INVALID_ARGUMENT.
    for size in (0, 1, bs - 1, bs + 1):
        with pytest.raises(InvalidArgumentError):
            ctx.cipher_decrypt(key, p.ALG_CBC_PKCS7, iv + bytes(size))
    # A wrong padding: INVALID_PADDING (single-part and multi-part).
    good = ctx.cipher_encrypt(key, p.ALG_CBC_PKCS7, b"x" * (bs - 3))
    for bad_last in (bytes(bs), bytes(bs - 1) + bytes([bs + 1]), bytes(bs - 2) + b"\x01\x02"):
        sealed = ctx.cipher_encrypt(raw, p.ALG_CBC_NO_PADDING, bytes(bs) + bad_last)
        with pytest.raises(InvalidPaddingError):
            ctx.cipher_decrypt(key, p.ALG_CBC_PKCS7, sealed)
        with pytest.raises(InvalidPaddingError):
            multipart(ctx, key, p.ALG_CBC_PKCS7, sealed[:bs], sealed[bs:], False, rng)
    assert ctx.cipher_decrypt(key, p.ALG_CBC_PKCS7, good) == b"x" * (bs - 3)
    # Decryption holds back the last block until finish (it may be padding).
    with ctx.CipherOperation() as op:
        op.decrypt_setup(key, p.ALG_CBC_PKCS7)
        op.set_iv(good[:bs])
        assert op.update(good[bs:]) == b""
        assert op.finish() == b"x" * (bs - 3)
    # Encryption of a whole number of blocks adds a whole padding block.
    sealed = ctx.cipher_encrypt(key, p.ALG_CBC_PKCS7, bytes(2 * bs))
    assert len(sealed) == 4 * bs
    # Single-part decryption needs at least the IV.
    for alg in (p.ALG_CBC_PKCS7, p.ALG_CTR):
        k = random_key(ctx, key_type, bits, alg)
        with pytest.raises(InvalidArgumentError):
            ctx.cipher_decrypt(k, alg, bytes(bs - 1))


# --- errors of the single-part functions --------------------------------------------------


def test_single_part_errors(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR)
    sealed = ctx.cipher_encrypt(key, p.ALG_CTR, b"abc")
    for bad in (0, key + 1, 0x3FFFFFFF):
        with pytest.raises(InvalidHandleError):
            ctx.cipher_encrypt(bad, p.ALG_CTR, b"abc")
        with pytest.raises(InvalidHandleError):
            ctx.cipher_decrypt(bad, p.ALG_CTR, sealed)
    enc_only = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR, ENC)
    dec_only = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR, DEC)
    assert (
        ctx.cipher_decrypt(dec_only, p.ALG_CTR, ctx.cipher_encrypt(enc_only, p.ALG_CTR, b"a"))
        == b"a"
    )
    with pytest.raises(NotPermittedError):
        ctx.cipher_encrypt(dec_only, p.ALG_CTR, b"a")
    with pytest.raises(NotPermittedError):
        ctx.cipher_decrypt(enc_only, p.ALG_CTR, sealed)
    sign = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR, p.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(NotPermittedError):
        ctx.cipher_encrypt(sign, p.ALG_CTR, b"a")
    for alg in (p.ALG_CBC_NO_PADDING, p.ALG_CFB, p.ALG_GCM):
        with pytest.raises(NotPermittedError):
            ctx.cipher_encrypt(key, alg, bytes(16))
    # INVALID_ARGUMENT: not a cipher, or a key that does not fit (the policy permits it)
    for key_type, material, alg in (
        (p.KEY_TYPE_AES, bytes(16), p.ALG_GCM),
        (p.KEY_TYPE_AES, bytes(16), p.ALG_CMAC),
        (p.KEY_TYPE_AES, bytes(16), p.ALG_STREAM_CIPHER),
        (p.KEY_TYPE_AES, bytes(64), p.ALG_CTR),  # a double-length XTS key
        (p.KEY_TYPE_AES, bytes(48), p.ALG_CBC_NO_PADDING),
        (p.KEY_TYPE_AES, bytes(16), p.ALG_XTS),  # a single-length key for XTS
        (p.KEY_TYPE_SM4, bytes(32), p.ALG_CBC_PKCS7),
        (p.KEY_TYPE_DES, des_parity(bytes(range(8))), p.ALG_CCM_STAR_NO_TAG),
        (p.KEY_TYPE_CHACHA20, bytes(32), p.ALG_CTR),
        (p.KEY_TYPE_HMAC, bytes(16), p.ALG_CBC_NO_PADDING),
        (p.KEY_TYPE_RAW_DATA, bytes(16), p.ALG_ECB_NO_PADDING),
        (p.KEY_TYPE_ARC4, bytes(16), p.ALG_CTR),
    ):
        kid = new_key(ctx, key_type, material, alg)
        with pytest.raises(InvalidArgumentError):
            ctx.cipher_encrypt(kid, alg, bytes(32))
        with pytest.raises(InvalidArgumentError):
            ctx.cipher_decrypt(kid, alg, bytes(32))
    # A wildcard policy is not an algorithm.
    kid = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CCM_STAR_ANY_TAG)
    with pytest.raises(InvalidArgumentError):
        ctx.cipher_encrypt(kid, p.ALG_CCM_STAR_ANY_TAG, bytes(16))
    assert (
        ctx.cipher_decrypt(
            kid, p.ALG_CCM_STAR_NO_TAG, ctx.cipher_encrypt(kid, p.ALG_CCM_STAR_NO_TAG, b"z")
        )
        == b"z"
    )
    # NOT_SUPPORTED
    for key_type, material, alg in (
        (p.KEY_TYPE_DES, des_parity(bytes(range(16))), p.ALG_XTS),
        (p.KEY_TYPE_ARC4, bytes(9), p.ALG_STREAM_CIPHER),
        (p.KEY_TYPE_AES, bytes(16), 0x04C0AA00),  # an unknown cipher mode
    ):
        kid = new_key(ctx, key_type, material, alg)
        with pytest.raises(NotSupportedError):
            ctx.cipher_encrypt(kid, alg, bytes(32))
        with pytest.raises(NotSupportedError):
            ctx.CipherOperation().encrypt_setup(kid, alg)


def test_inputs_may_be_any_bytes_like(ctx: LocalContext) -> None:
    for alg in (p.ALG_CBC_PKCS7, p.ALG_CTR, p.ALG_ECB_NO_PADDING, p.ALG_XTS):
        key = random_key(ctx, p.KEY_TYPE_AES, 256, alg)
        sealed = ctx.cipher_encrypt(key, alg, bytearray(32))
        assert ctx.cipher_decrypt(key, alg, memoryview(b"z" + sealed)[1:]) == bytes(32)
        with ctx.CipherOperation() as op:
            op.encrypt_setup(key, alg)
            if alg != p.ALG_ECB_NO_PADDING:
                op.set_iv(bytearray(16))
            out = op.update(memoryview(bytes(32))) + op.finish()
        assert len(out) >= 32


# --- the operation's state machine --------------------------------------------------------


def _expect_bad_state_then_recover(op: p.CipherOperation, call: object, *args: object) -> None:
    assert callable(call)
    with pytest.raises(BadStateError):
        call(*args)
    with pytest.raises(BadStateError):  # the error state holds...
        op.update(b"")
    op.abort()  # ...until abort
    assert not op.active


def test_operation_bad_state(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CBC_NO_PADDING)
    iv = bytes(16)
    op = ctx.CipherOperation()
    # Inactive.
    for call, args in (
        (op.generate_iv, ()),
        (op.set_iv, (iv,)),
        (op.update, (b"",)),
        (op.finish, ()),
    ):
        _expect_bad_state_then_recover(op, call, *args)
    op.abort()
    # Setting up an active operation.
    for setup in (op.encrypt_setup, op.decrypt_setup):
        setup(key, p.ALG_CBC_NO_PADDING)
        _expect_bad_state_then_recover(op, op.encrypt_setup, key, p.ALG_CBC_NO_PADDING)
    # update/finish before the IV.
    for step, args in ((op.update, (bytes(16),)), (op.finish, ())):
        op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
        _expect_bad_state_then_recover(op, step, *args)
    # A second IV, in either order.
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    op.set_iv(iv)
    _expect_bad_state_then_recover(op, op.set_iv, iv)
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    op.generate_iv()
    _expect_bad_state_then_recover(op, op.generate_iv)
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    op.generate_iv()
    _expect_bad_state_then_recover(op, op.set_iv, iv)
    # An IV after data.
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    op.set_iv(iv)
    op.update(bytes(16))
    _expect_bad_state_then_recover(op, op.set_iv, iv)
    # generate_iv is for encryption.
    op.decrypt_setup(key, p.ALG_CBC_NO_PADDING)
    _expect_bad_state_then_recover(op, op.generate_iv)
    # Algorithms without an IV: generate_iv and set_iv are BAD_STATE.
    ecb = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_ECB_NO_PADDING)
    arc4 = new_key(ctx, p.KEY_TYPE_ARC4, bytes(16), p.ALG_STREAM_CIPHER)
    for k, alg in ((ecb, p.ALG_ECB_NO_PADDING), (arc4, p.ALG_STREAM_CIPHER)):
        op.encrypt_setup(k, alg)
        _expect_bad_state_then_recover(op, op.generate_iv)
        op.decrypt_setup(k, alg)
        _expect_bad_state_then_recover(op, op.set_iv, bytes(16))
        op.encrypt_setup(k, alg)
        assert len(op.update(bytes(16)) + op.finish()) == 16
    # After finish: inactive.
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    op.set_iv(iv)
    op.finish()
    _expect_bad_state_then_recover(op, op.update, b"")
    # An error during update/finish enters the error state.
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    op.set_iv(iv)
    op.update(bytes(5))
    with pytest.raises(InvalidArgumentError):
        op.finish()
    _expect_bad_state_then_recover(op, op.finish)
    # A wrong IV length: INVALID_ARGUMENT, then the error state.
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    with pytest.raises(InvalidArgumentError):
        op.set_iv(bytes(15))
    _expect_bad_state_then_recover(op, op.set_iv, iv)
    # A failed setup leaves the operation inactive and reusable.
    with pytest.raises(InvalidHandleError):
        op.encrypt_setup(0, p.ALG_CBC_NO_PADDING)
    with pytest.raises(NotPermittedError):
        op.encrypt_setup(key, p.ALG_CTR)
    op.encrypt_setup(key, p.ALG_CBC_NO_PADDING)
    iv = op.generate_iv()
    assert len(iv) == 16
    ct = op.update(bytes(20)) + op.update(bytes(12)) + op.finish()
    assert ctx.cipher_decrypt(key, p.ALG_CBC_NO_PADDING, iv + ct) == bytes(32)


def test_operation_flat_functions_and_destroyed_key(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR)
    op = ctx.CipherOperation()
    ctx.cipher_encrypt_setup(op, key, p.ALG_CTR)
    iv = ctx.cipher_generate_iv(op)
    ct = ctx.cipher_update(op, b"hello") + ctx.cipher_finish(op)
    ctx.cipher_decrypt_setup(op, key, p.ALG_CTR)
    ctx.cipher_set_iv(op, iv)
    assert ctx.cipher_update(op, ct) + ctx.cipher_finish(op) == b"hello"
    ctx.cipher_abort(op)
    ctx.cipher_encrypt_setup(op, key, p.ALG_CTR)
    ctx.cipher_set_iv(op, iv)
    ctx.destroy_key(key)
    with pytest.raises(BadStateError):
        ctx.cipher_update(op, b"x")
    ctx.cipher_abort(op)
    with pytest.raises(InvalidHandleError):
        ctx.cipher_encrypt(key, p.ALG_CTR, b"x")


# --- check_key_usage agrees with setup ----------------------------------------------------

_MATRIX_ALGS = [*BLOCK_MODES, p.ALG_XTS, p.ALG_CCM_STAR_NO_TAG, p.ALG_STREAM_CIPHER, 0x04C0AA00]
_MATRIX_KEYS = [
    *BLOCK_KEYS,
    (p.KEY_TYPE_AES, 512),
    (p.KEY_TYPE_AES, 384),
    (p.KEY_TYPE_SM4, 256),
    (p.KEY_TYPE_CHACHA20, 256),
    (p.KEY_TYPE_XCHACHA20, 256),
    (p.KEY_TYPE_ARC4, 128),
    (p.KEY_TYPE_ARC4, 72),
    (p.KEY_TYPE_HMAC, 128),
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
    for alg in _MATRIX_ALGS:
        for usage in (ENC, DEC):
            kid = random_key(ctx, key_type, bits, alg, usage)
            expected = _outcome(ctx.check_key_usage, kid, alg, usage)
            op = ctx.CipherOperation()
            setup = op.encrypt_setup if usage == ENC else op.decrypt_setup
            assert _outcome(setup, kid, alg) == expected, (hex(key_type), bits, hex(alg))
            op.abort()
            if expected is None:
                if usage == ENC:
                    assert _outcome(ctx.cipher_encrypt, kid, alg, bytes(32)) is None
            else:
                single = ctx.cipher_encrypt if usage == ENC else ctx.cipher_decrypt
                assert _outcome(single, kid, alg, bytes(48)) == expected


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
    """Encryption needs KEY_USAGE_ENCRYPT, decryption KEY_USAGE_DECRYPT; nothing else."""
    sealed = bytes(16) + b"ciphertext"
    for usage in _ALL_USAGES:
        kid = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR, usage)
        for needed, calls in (
            (
                ENC,
                (
                    lambda kid=kid: ctx.cipher_encrypt(kid, p.ALG_CTR, b"m"),
                    lambda kid=kid: ctx.CipherOperation().encrypt_setup(kid, p.ALG_CTR),
                ),
            ),
            (
                DEC,
                (
                    lambda kid=kid: ctx.cipher_decrypt(kid, p.ALG_CTR, sealed),
                    lambda kid=kid: ctx.CipherOperation().decrypt_setup(kid, p.ALG_CTR),
                ),
            ),
        ):
            for call in calls:
                if usage == needed:
                    call()
                else:
                    with pytest.raises(NotPermittedError):
                        call()
