"""The AEAD family through the API: known answers, every key type, the errors the spec
lists, the operation's state machine (lengths, nonces, ordering), and check_key_usage
agreeing with setup.

Vectors: NIST CAVP GCM (gcmEncryptExtIV, gcmDecrypt) and CCM (VADT, VNT, VPT, VTT,
DVPT), OpenSSL's ChaCha20-Poly1305 (all from ``cryptography_vectors``, a subset of the
larger files); Wycheproof AES/ARIA/Camellia/SM4 GCM and CCM, ChaCha20-Poly1305 and
XChaCha20-Poly1305 (tests/data/wycheproof).
"""

from __future__ import annotations

import random
from collections.abc import Iterator

import cryptography_vectors
import pytest
import wycheproof
from conftest import vector_stride
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305

import psacrypto as p
from psacrypto.context import LocalContext
from psacrypto.errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)

ENC = p.KEY_USAGE_ENCRYPT
DEC = p.KEY_USAGE_DECRYPT
GCM_TAGS = (4, 8, 12, 13, 14, 15, 16)
CCM_TAGS = (4, 6, 8, 10, 12, 14, 16)


def shortened(alg: int, tag_length: int) -> int:
    return p.ALG_AEAD_WITH_SHORTENED_TAG(alg, tag_length)


def rsp_records(path: str) -> Iterator[dict[str, str]]:
    """Records of a CAVP ``.rsp`` file; group parameters (``[Name = v]`` lines and values
    before the first ``Count``) are carried into every record of the group."""
    record_only = ("FAIL", "RESULT", "PAYLOAD", "PT", "TAG", "CT", "ADATA", "AAD", "PLAINTEXT")
    state: dict[str, str] = {}
    in_record = False
    with cryptography_vectors.open_vector_file(path, "r") as f:
        for raw in f:
            line = raw.strip()
            if line.startswith("["):
                for part in line.strip("[]").split(","):
                    name, sep, value = part.partition("=")
                    if sep:
                        state[name.strip().upper()] = value.strip()
                continue
            if not line or line.startswith("#"):
                if in_record:
                    yield dict(state)
                    in_record = False
                continue
            name, _, value = line.partition("=")
            name = name.strip().upper()
            if name == "COUNT":
                in_record = True
                for k in record_only:
                    state.pop(k, None)
            state[name] = value.strip()
    if in_record:
        yield dict(state)


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
        n = rng.choice((0, 1, 5, 15, 16, 17, 31, 64))
        parts.append(data[pos : pos + n])
        pos += n
    return parts


def multipart_encrypt(
    ctx: LocalContext, key: int, alg: int, nonce: bytes, ad: bytes, pt: bytes, rng: random.Random
) -> bytes:
    with ctx.AeadOperation() as op:
        op.encrypt_setup(key, alg)
        if rng.random() < 0.5 or (alg & ~0x003F8000) == (p.ALG_CCM & ~0x003F8000):
            op.set_lengths(len(ad), len(pt))
        op.set_nonce(nonce)
        for part in split(ad, rng):
            op.update_ad(part)
        out = [op.update(part) for part in split(pt, rng)]
        tail, tag = op.finish()
    return b"".join(out) + tail + tag


def multipart_decrypt(
    ctx: LocalContext,
    key: int,
    alg: int,
    nonce: bytes,
    ad: bytes,
    ct: bytes,
    tag: bytes,
    rng: random.Random,
) -> bytes:
    with ctx.AeadOperation() as op:
        op.decrypt_setup(key, alg)
        if rng.random() < 0.5 or (alg & ~0x003F8000) == (p.ALG_CCM & ~0x003F8000):
            op.set_lengths(len(ad), len(ct))
        op.set_nonce(nonce)
        for part in split(ad, rng):
            op.update_ad(part)
        out = [op.update(part) for part in split(ct, rng)]
        out.append(op.verify(tag))
    return b"".join(out)


def check_known_answer(
    ctx: LocalContext,
    key: int,
    alg: int,
    nonce: bytes,
    ad: bytes,
    pt: bytes,
    ct: bytes,
    tag: bytes,
    rng: random.Random,
) -> None:
    """Single-part and multi-part, both ways, give the expected results."""
    assert ctx.aead_encrypt(key, alg, nonce, ad, pt) == ct + tag
    assert ctx.aead_decrypt(key, alg, nonce, ad, ct + tag) == pt
    assert multipart_encrypt(ctx, key, alg, nonce, ad, pt, rng) == ct + tag
    assert multipart_decrypt(ctx, key, alg, nonce, ad, ct, tag, rng) == pt


def check_rejected(
    ctx: LocalContext,
    key: int,
    alg: int,
    nonce: bytes,
    ad: bytes,
    ct: bytes,
    tag: bytes,
    rng: random.Random,
) -> None:
    with pytest.raises(InvalidSignatureError):
        ctx.aead_decrypt(key, alg, nonce, ad, ct + tag)
    with pytest.raises(InvalidSignatureError):
        multipart_decrypt(ctx, key, alg, nonce, ad, ct, tag, rng)


# --- known answers ----------------------------------------------------------------------


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_gcm_cavp(ctx: LocalContext, bits: int) -> None:
    rng = random.Random(bits)
    count = 0
    stride = vector_stride(ctx, 3)  # remote: a representative subset (conftest)
    for i, r in enumerate(rsp_records(f"ciphers/AES/GCM/gcmEncryptExtIV{bits}.rsp")):
        if i % (47 * stride):
            continue
        tag = bytes.fromhex(r["TAG"])
        alg = shortened(p.ALG_GCM, len(tag))
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(r["KEY"]), alg)
        args = (bytes.fromhex(r["IV"]), bytes.fromhex(r["AAD"]))
        check_known_answer(
            ctx, key, alg, *args, bytes.fromhex(r["PT"]), bytes.fromhex(r["CT"]), tag, rng
        )
        count += 1
    assert count > 150 // stride
    failures = 0
    for i, r in enumerate(rsp_records(f"ciphers/AES/GCM/gcmDecrypt{bits}.rsp")):
        if i % (47 * stride):
            continue
        tag = bytes.fromhex(r["TAG"])
        alg = shortened(p.ALG_GCM, len(tag))
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(r["KEY"]), alg)
        nonce, ad, ct = bytes.fromhex(r["IV"]), bytes.fromhex(r["AAD"]), bytes.fromhex(r["CT"])
        if "FAIL" in r:
            check_rejected(ctx, key, alg, nonce, ad, ct, tag, rng)
            failures += 1
        else:
            pt = bytes.fromhex(r["PT"])
            check_known_answer(ctx, key, alg, nonce, ad, pt, ct, tag, rng)
    assert failures > 10 // stride


_CCM_FILES = ["VADT", "VNT", "VPT", "VTT"]


@pytest.mark.parametrize("kind", _CCM_FILES)
@pytest.mark.parametrize("bits", [128, 192, 256])
def test_ccm_cavp(ctx: LocalContext, kind: str, bits: int) -> None:
    rng = random.Random(kind + str(bits))
    step = 1 if kind in ("VNT", "VTT") else 7
    count = 0
    for i, r in enumerate(rsp_records(f"ciphers/AES/CCM/{kind}{bits}.rsp")):
        if i % step:
            continue
        tlen, alen, plen = int(r["TLEN"]), int(r["ALEN"]), int(r["PLEN"])
        alg = shortened(p.ALG_CCM, tlen)
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(r["KEY"]), alg)
        ad, pt = bytes.fromhex(r["ADATA"])[:alen], bytes.fromhex(r["PAYLOAD"])[:plen]
        sealed = bytes.fromhex(r["CT"])
        check_known_answer(
            ctx, key, alg, bytes.fromhex(r["NONCE"]), ad, pt, sealed[:plen], sealed[plen:], rng
        )
        count += 1
    assert count >= 10


@pytest.mark.parametrize("bits", [128, 256])
def test_ccm_cavp_decryption(ctx: LocalContext, bits: int) -> None:
    rng = random.Random(bits)
    passes = fails = 0
    for i, r in enumerate(rsp_records(f"ciphers/AES/CCM/DVPT{bits}.rsp")):
        if i % 5:
            continue
        tlen, alen, plen = int(r["TLEN"]), int(r["ALEN"]), int(r["PLEN"])
        alg = shortened(p.ALG_CCM, tlen)
        key = new_key(ctx, p.KEY_TYPE_AES, bytes.fromhex(r["KEY"]), alg)
        nonce, ad, sealed = (
            bytes.fromhex(r["NONCE"]),
            bytes.fromhex(r["ADATA"])[:alen],
            bytes.fromhex(r["CT"]),
        )
        ct, tag = sealed[:plen], sealed[plen:]
        if r["RESULT"].lower().startswith("pass"):
            pt = bytes.fromhex(r["PAYLOAD"])[:plen]
            check_known_answer(ctx, key, alg, nonce, ad, pt, ct, tag, rng)
            passes += 1
        else:
            check_rejected(ctx, key, alg, nonce, ad, ct, tag, rng)
            fails += 1
    assert passes > 5 and fails > 5


def test_chacha20_poly1305_openssl_vectors(ctx: LocalContext) -> None:
    rng = random.Random(8439)
    count = 0
    for r in rsp_records("ciphers/ChaCha20Poly1305/openssl.txt"):
        nonce, tag = bytes.fromhex(r["IV"]), bytes.fromhex(r["TAG"])
        key = new_key(ctx, p.KEY_TYPE_CHACHA20, bytes.fromhex(r["KEY"]), p.ALG_CHACHA20_POLY1305)
        ad, pt, ct = (bytes.fromhex(r[k]) for k in ("AAD", "PLAINTEXT", "CIPHERTEXT"))
        if len(nonce) != 12 or len(tag) != 16:
            continue
        if "RESULT" in r:
            check_rejected(ctx, key, p.ALG_CHACHA20_POLY1305, nonce, ad, ct, tag, rng)
        else:
            check_known_answer(ctx, key, p.ALG_CHACHA20_POLY1305, nonce, ad, pt, ct, tag, rng)
        count += 1
    assert count >= 3


_WYCHEPROOF = {
    "aes_gcm_test": (p.KEY_TYPE_AES, p.ALG_GCM),
    "aria_gcm_test": (p.KEY_TYPE_ARIA, p.ALG_GCM),
    "sm4_gcm_test": (p.KEY_TYPE_SM4, p.ALG_GCM),
    "aes_ccm_test": (p.KEY_TYPE_AES, p.ALG_CCM),
    "aria_ccm_test": (p.KEY_TYPE_ARIA, p.ALG_CCM),
    "camellia_ccm_test": (p.KEY_TYPE_CAMELLIA, p.ALG_CCM),
    "sm4_ccm_test": (p.KEY_TYPE_SM4, p.ALG_CCM),
    "chacha20_poly1305_test": (p.KEY_TYPE_CHACHA20, p.ALG_CHACHA20_POLY1305),
    "xchacha20_poly1305_test": (p.KEY_TYPE_XCHACHA20, p.ALG_XCHACHA20_POLY1305),
    "ascon_sp800_232_aead128_test": (p.KEY_TYPE_ASCON, p.ALG_ASCON_AEAD128),
}


def _nonce_error(base: int, n: int) -> type[PsaError] | None:
    """The error psacrypto gives for a nonce of ``n`` bytes (None: accepted)."""
    if base == p.ALG_GCM:
        return InvalidArgumentError if n == 0 else NotSupportedError if n > 128 else None
    if base == p.ALG_CCM:
        return None if 7 <= n <= 13 else InvalidArgumentError
    if base == p.ALG_CHACHA20_POLY1305:
        return None if n == 12 else NotSupportedError if n == 8 else InvalidArgumentError
    if base == p.ALG_XCHACHA20_POLY1305:
        return None if n == 24 else InvalidArgumentError
    return None if n == 16 else InvalidArgumentError


@pytest.mark.parametrize("file", sorted(_WYCHEPROOF))
def test_wycheproof(ctx: LocalContext, file: str) -> None:
    rng = random.Random(file)
    key_type, base = _WYCHEPROOF[file]
    valid_tags = GCM_TAGS if base == p.ALG_GCM else CCM_TAGS if base == p.ALG_CCM else (16,)
    checked = 0
    stride = vector_stride(ctx)  # remote: a representative subset (conftest)
    for i, case in enumerate(wycheproof.cases(file)):
        if i % stride:
            continue
        tag_len = case.group["tagSize"] // 8
        if tag_len not in valid_tags:
            continue  # not a valid PSA algorithm (tested separately)
        alg = shortened(base, tag_len)
        try:
            key = new_key(ctx, key_type, case.hexbytes("key"), alg)
        except InvalidArgumentError:
            assert not case.valid, str(case)
            continue
        nonce, ad = case.hexbytes("iv"), case.hexbytes("aad")
        msg, ct, tag = case.hexbytes("msg"), case.hexbytes("ct"), case.hexbytes("tag")
        error = _nonce_error(base, len(nonce))
        if error is not None:
            with pytest.raises(error):
                ctx.aead_decrypt(key, alg, nonce, ad, ct + tag)
            with pytest.raises(error):
                ctx.aead_encrypt(key, alg, nonce, ad, msg)
            continue
        if case.valid or case.acceptable:
            check_known_answer(ctx, key, alg, nonce, ad, msg, ct, tag, rng)
        else:
            with pytest.raises((InvalidSignatureError, InvalidArgumentError)):
                ctx.aead_decrypt(key, alg, nonce, ad, ct + tag)
        checked += 1
    assert checked > 50 // stride


# --- every key type, tag length and nonce length -----------------------------------------

_BLOCK16 = [
    (p.KEY_TYPE_AES, 128),
    (p.KEY_TYPE_AES, 192),
    (p.KEY_TYPE_AES, 256),
    (p.KEY_TYPE_ARIA, 128),
    (p.KEY_TYPE_ARIA, 256),
    (p.KEY_TYPE_CAMELLIA, 128),
    (p.KEY_TYPE_CAMELLIA, 256),
    (p.KEY_TYPE_SM4, 128),
]


@pytest.mark.parametrize(("key_type", "bits"), _BLOCK16)
def test_gcm_and_ccm_every_cipher_and_tag(ctx: LocalContext, key_type: int, bits: int) -> None:
    rng = random.Random(key_type + bits)
    for base, tags, nonce_lens in (
        (p.ALG_GCM, GCM_TAGS, (12, 1, 7, 8, 16, 60)),
        (p.ALG_CCM, CCM_TAGS, (13, 7, 10)),
    ):
        for tag_len in tags:
            alg = shortened(base, tag_len)
            key = random_key(ctx, key_type, bits, alg)
            for n in nonce_lens:
                nonce, ad, pt = (
                    rng.randbytes(n),
                    rng.randbytes(rng.randint(0, 40)),
                    rng.randbytes(rng.randint(0, 70)),
                )
                sealed = ctx.aead_encrypt(key, alg, nonce, ad, pt)
                assert len(sealed) == len(pt) + tag_len
                check_known_answer(
                    ctx, key, alg, nonce, ad, pt, sealed[: len(pt)], sealed[len(pt) :], rng
                )
                bad = bytes([sealed[-1] ^ 1])
                check_rejected(
                    ctx, key, alg, nonce, ad, sealed[: len(pt)], sealed[len(pt) : -1] + bad, rng
                )


def test_gcm_shortened_tags_are_truncations(ctx: LocalContext) -> None:
    material, nonce, msg = bytes(range(32)), bytes(12), b"message"
    full = AESGCM(material).encrypt(nonce, msg, b"ad")
    for tag_len in GCM_TAGS:
        alg = shortened(p.ALG_GCM, tag_len)
        key = new_key(ctx, p.KEY_TYPE_AES, material, alg)
        assert ctx.aead_encrypt(key, alg, nonce, b"ad", msg) == full[: len(msg) + tag_len]
        assert ctx.aead_decrypt(key, alg, nonce, b"ad", full[: len(msg) + tag_len]) == msg


def test_chacha_family(ctx: LocalContext) -> None:
    rng = random.Random(1305)
    material = rng.randbytes(32)
    key = new_key(ctx, p.KEY_TYPE_CHACHA20, material, p.ALG_CHACHA20_POLY1305)
    nonce, ad, msg = rng.randbytes(12), rng.randbytes(20), rng.randbytes(100)
    expected = ChaCha20Poly1305(material).encrypt(nonce, msg, ad)
    check_known_answer(
        ctx, key, p.ALG_CHACHA20_POLY1305, nonce, ad, msg, expected[:-16], expected[-16:], rng
    )
    xkey = new_key(ctx, p.KEY_TYPE_XCHACHA20, material, p.ALG_XCHACHA20_POLY1305)
    xnonce = rng.randbytes(24)
    sealed = ctx.aead_encrypt(xkey, p.ALG_XCHACHA20_POLY1305, xnonce, ad, msg)
    check_known_answer(
        ctx, xkey, p.ALG_XCHACHA20_POLY1305, xnonce, ad, msg, sealed[:-16], sealed[-16:], rng
    )


# --- errors of the single-part functions --------------------------------------------------


def test_single_part_errors(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_GCM)
    nonce = bytes(12)
    sealed = ctx.aead_encrypt(key, p.ALG_GCM, nonce, b"", b"msg")
    for bad in (0, key + 1, 0x3FFFFFFF):
        with pytest.raises(InvalidHandleError):
            ctx.aead_encrypt(bad, p.ALG_GCM, nonce, b"", b"msg")
        with pytest.raises(InvalidHandleError):
            ctx.aead_decrypt(bad, p.ALG_GCM, nonce, b"", sealed)
    enc_only = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_GCM, ENC)
    dec_only = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_GCM, DEC)
    assert (
        ctx.aead_decrypt(
            dec_only, p.ALG_GCM, nonce, b"", ctx.aead_encrypt(enc_only, p.ALG_GCM, nonce, b"", b"m")
        )
        == b"m"
    )
    with pytest.raises(NotPermittedError):
        ctx.aead_encrypt(dec_only, p.ALG_GCM, nonce, b"", b"m")
    with pytest.raises(NotPermittedError):
        ctx.aead_decrypt(enc_only, p.ALG_GCM, nonce, b"", sealed)
    for alg in (p.ALG_CCM, shortened(p.ALG_GCM, 12), p.ALG_CTR):
        with pytest.raises(NotPermittedError):
            ctx.aead_encrypt(key, alg, bytes(13), b"", b"m")
    # INVALID_ARGUMENT: not an AEAD, a key that does not fit, an invalid tag length
    for key_type, material, alg in (
        (p.KEY_TYPE_AES, bytes(16), p.ALG_CTR),
        (p.KEY_TYPE_AES, bytes(16), p.ALG_CMAC),
        (p.KEY_TYPE_AES, bytes(64), p.ALG_GCM),  # an XTS-size key
        (p.KEY_TYPE_DES, bytes.fromhex("0101010101010102") * 3, p.ALG_GCM),
        (p.KEY_TYPE_SM4, bytes(32), p.ALG_CCM),
        (p.KEY_TYPE_CHACHA20, bytes(32), p.ALG_GCM),
        (p.KEY_TYPE_XCHACHA20, bytes(32), p.ALG_CHACHA20_POLY1305),
        (p.KEY_TYPE_CHACHA20, bytes(32), p.ALG_XCHACHA20_POLY1305),
        (p.KEY_TYPE_AES, bytes(16), p.ALG_CHACHA20_POLY1305),
        (p.KEY_TYPE_HMAC, bytes(16), p.ALG_GCM),
        (p.KEY_TYPE_AES, bytes(16), shortened(p.ALG_GCM, 9)),
        (p.KEY_TYPE_AES, bytes(16), shortened(p.ALG_GCM, 0)),
        (p.KEY_TYPE_AES, bytes(16), shortened(p.ALG_CCM, 5)),
        (p.KEY_TYPE_AES, bytes(16), shortened(p.ALG_CCM, 2)),
        (p.KEY_TYPE_AES, bytes(16), shortened(p.ALG_GCM, 17)),
        (p.KEY_TYPE_CHACHA20, bytes(32), shortened(p.ALG_CHACHA20_POLY1305, 0)),
        (p.KEY_TYPE_AES, bytes(16), p.ALG_ASCON_AEAD128),
    ):
        kid = new_key(ctx, key_type, material, alg)
        with pytest.raises(InvalidArgumentError):
            ctx.aead_encrypt(kid, alg, bytes(12), b"", b"m")
        with pytest.raises(InvalidArgumentError):
            ctx.aead_decrypt(kid, alg, bytes(12), b"", bytes(32))
    # A wildcard policy is not an algorithm.
    policy = p.ALG_AEAD_WITH_AT_LEAST_THIS_LENGTH_TAG(p.ALG_GCM, 8)
    kid = new_key(ctx, p.KEY_TYPE_AES, bytes(16), policy)
    with pytest.raises(InvalidArgumentError):
        ctx.aead_encrypt(kid, policy, nonce, b"", b"m")
    # Nonce lengths.
    for alg, key_type, size, bad, unsupported in (
        (p.ALG_GCM, p.KEY_TYPE_AES, 16, (0,), (129, 300)),
        (p.ALG_CCM, p.KEY_TYPE_AES, 16, (0, 6, 14, 16), ()),
        (p.ALG_CHACHA20_POLY1305, p.KEY_TYPE_CHACHA20, 32, (0, 11, 13, 16, 24), (8,)),
        (p.ALG_XCHACHA20_POLY1305, p.KEY_TYPE_XCHACHA20, 32, (0, 12, 23, 25), ()),
    ):
        kid = new_key(ctx, key_type, bytes(size), alg)
        for n in bad:
            with pytest.raises(InvalidArgumentError):
                ctx.aead_encrypt(kid, alg, bytes(n), b"", b"m")
            with pytest.raises(InvalidArgumentError):
                ctx.aead_decrypt(kid, alg, bytes(n), b"", bytes(20))
        for n in unsupported:
            with pytest.raises(NotSupportedError):
                ctx.aead_encrypt(kid, alg, bytes(n), b"", b"m")
            with pytest.raises(NotSupportedError):
                ctx.aead_decrypt(kid, alg, bytes(n), b"", bytes(20))
    # NOT_SUPPORTED algorithms
    for key_type, material, alg in (
        (p.KEY_TYPE_CHACHA20, bytes(32), shortened(p.ALG_CHACHA20_POLY1305, 12)),
        (p.KEY_TYPE_XCHACHA20, bytes(32), shortened(p.ALG_XCHACHA20_POLY1305, 8)),
        (p.KEY_TYPE_ASCON, bytes(16), shortened(p.ALG_ASCON_AEAD128, 8)),
        (p.KEY_TYPE_AES, bytes(16), 0x05407700),  # an unknown AEAD
    ):
        kid = new_key(ctx, key_type, material, alg)
        with pytest.raises(NotSupportedError):
            ctx.aead_encrypt(kid, alg, bytes(12), b"", b"m")
        with pytest.raises(NotSupportedError):
            ctx.AeadOperation().decrypt_setup(kid, alg)
    # CCM: the plaintext length must fit in 15 - nonce_length bytes.
    ccm = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CCM)
    with pytest.raises(InvalidArgumentError):
        ctx.aead_encrypt(ccm, p.ALG_CCM, bytes(13), b"", bytes(65536))
    assert len(ctx.aead_encrypt(ccm, p.ALG_CCM, bytes(12), b"", bytes(65536))) == 65536 + 16
    for size in (65536, 65537, 70000):
        with pytest.raises(InvalidArgumentError):
            ctx.aead_decrypt(ccm, p.ALG_CCM, bytes(13), b"", bytes(size + 16))
        with pytest.raises(InvalidArgumentError):
            ctx.aead_encrypt(ccm, p.ALG_CCM, bytes(13), b"", bytes(size))
    # INVALID_SIGNATURE; INVALID_ARGUMENT for an input shorter than the tag.
    chacha = new_key(ctx, p.KEY_TYPE_CHACHA20, bytes(32), p.ALG_CHACHA20_POLY1305)
    xchacha = new_key(ctx, p.KEY_TYPE_XCHACHA20, bytes(32), p.ALG_XCHACHA20_POLY1305)
    aria = new_key(ctx, p.KEY_TYPE_ARIA, bytes(16), p.ALG_GCM)
    camellia = new_key(ctx, p.KEY_TYPE_CAMELLIA, bytes(16), p.ALG_CCM)
    for kid, alg, n in (
        (key, p.ALG_GCM, 12),
        (ccm, p.ALG_CCM, 13),
        (chacha, p.ALG_CHACHA20_POLY1305, 12),
        (xchacha, p.ALG_XCHACHA20_POLY1305, 24),
        (aria, p.ALG_GCM, 12),
        (camellia, p.ALG_CCM, 13),
    ):
        good = ctx.aead_encrypt(kid, alg, bytes(n), b"ad", b"plaintext")
        for wrong_nonce, wrong_ad, wrong in (
            (bytes(n), b"ad", good[:-1] + bytes([good[-1] ^ 1])),
            (bytes(n), b"ad", bytes([good[0] ^ 1]) + good[1:]),
            (bytes(n), b"ax", good),
            (bytes(n), b"", good),
            (b"\1" + bytes(n - 1), b"ad", good),
            (bytes(n), b"ad", good[1:]),
        ):
            with pytest.raises(InvalidSignatureError):
                ctx.aead_decrypt(kid, alg, wrong_nonce, wrong_ad, wrong)
        for short in (b"", bytes(15)):
            with pytest.raises(InvalidArgumentError):
                ctx.aead_decrypt(kid, alg, bytes(n), b"", short)


def test_tag_length_policies(ctx: LocalContext) -> None:
    policy = p.ALG_AEAD_WITH_AT_LEAST_THIS_LENGTH_TAG(p.ALG_GCM, 12)
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), policy)
    for tag_len in (12, 13, 16):
        alg = shortened(p.ALG_GCM, tag_len)
        assert len(ctx.aead_encrypt(key, alg, bytes(12), b"", b"")) == tag_len
        ctx.check_key_usage(key, alg, ENC)
    for alg in (shortened(p.ALG_GCM, 8), p.ALG_CCM):
        with pytest.raises(NotPermittedError):
            ctx.aead_encrypt(key, alg, bytes(12), b"", b"")
        with pytest.raises(NotPermittedError):
            ctx.AeadOperation().encrypt_setup(key, alg)
    # CCM* any tag: CCM with 4, 8 or 16-byte tags, and the tagless cipher.
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CCM_STAR_ANY_TAG)
    for tag_len in (4, 8, 16):
        alg = shortened(p.ALG_CCM, tag_len)
        sealed = ctx.aead_encrypt(key, alg, bytes(13), b"", b"z")
        assert ctx.aead_decrypt(key, alg, bytes(13), b"", sealed) == b"z"
    with pytest.raises(NotPermittedError):
        ctx.aead_encrypt(key, shortened(p.ALG_CCM, 6), bytes(13), b"", b"z")


def test_inputs_may_be_any_bytes_like(ctx: LocalContext) -> None:
    for key_type, size, alg, n in (
        (p.KEY_TYPE_AES, 16, p.ALG_GCM, 12),
        (p.KEY_TYPE_AES, 16, p.ALG_CCM, 13),
        (p.KEY_TYPE_CHACHA20, 32, p.ALG_CHACHA20_POLY1305, 12),
        (p.KEY_TYPE_XCHACHA20, 32, p.ALG_XCHACHA20_POLY1305, 24),
        (p.KEY_TYPE_ARIA, 16, p.ALG_GCM, 12),
    ):
        key = new_key(ctx, key_type, bytes(size), alg)
        sealed = ctx.aead_encrypt(key, alg, bytes(n), b"ad", b"message")
        assert (
            ctx.aead_encrypt(key, alg, bytearray(n), bytearray(b"ad"), memoryview(b"message"))
            == sealed
        )
        assert (
            ctx.aead_decrypt(key, alg, memoryview(bytes(n)), memoryview(b"ad"), bytearray(sealed))
            == b"message"
        )
        with ctx.AeadOperation() as op:
            op.decrypt_setup(key, alg)
            op.set_lengths(2, 7)
            op.set_nonce(bytearray(n))
            op.update_ad(memoryview(b"ad"))
            out = op.update(bytearray(sealed[:7]))
            out += op.verify(memoryview(sealed[7:]))
        assert out == b"message"


def test_persistent_key(store_ctx: LocalContext) -> None:
    attrs = p.KeyAttributes(
        type=p.KEY_TYPE_AES, usage_flags=ENC | DEC, algorithm=p.ALG_GCM,
        lifetime=p.KEY_LIFETIME_PERSISTENT, id=0x4242,
    )  # fmt: skip
    key = store_ctx.import_key(attrs, bytes(range(32)))
    expected = AESGCM(bytes(range(32))).encrypt(bytes(12), b"m", None)
    for _ in range(2):
        assert store_ctx.aead_encrypt(key, p.ALG_GCM, bytes(12), b"", b"m") == expected
        assert store_ctx.aead_decrypt(key, p.ALG_GCM, bytes(12), b"", expected) == b"m"


# --- the operation's state machine --------------------------------------------------------


def _expect_bad_state_then_recover(op: p.AeadOperation, call: object, *args: object) -> None:
    assert callable(call)
    with pytest.raises(BadStateError):
        call(*args)
    with pytest.raises(BadStateError):  # the error state holds...
        op.update(b"")
    op.abort()  # ...until abort
    assert not op.active


def _expect_error_state(
    op: p.AeadOperation, error: type[PsaError], call: object, *args: object
) -> None:
    assert callable(call)
    with pytest.raises(error):
        call(*args)
    with pytest.raises(BadStateError):
        op.update_ad(b"")
    op.abort()


def test_operation_bad_state(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_GCM)
    nonce = bytes(12)
    op = ctx.AeadOperation()
    # Inactive: every step but abort is BAD_STATE.
    for call, args in (
        (op.set_lengths, (0, 0)),
        (op.generate_nonce, ()),
        (op.set_nonce, (nonce,)),
        (op.update_ad, (b"",)),
        (op.update, (b"",)),
        (op.finish, ()),
        (op.verify, (bytes(16),)),
    ):
        _expect_bad_state_then_recover(op, call, *args)
    op.abort()
    # Setup on an active operation.
    op.encrypt_setup(key, p.ALG_GCM)
    _expect_bad_state_then_recover(op, op.decrypt_setup, key, p.ALG_GCM)
    # Steps that need the nonce first.
    for setup in (op.encrypt_setup, op.decrypt_setup):
        for call, args in (
            (op.update_ad, (b"a",)),
            (op.update, (b"a",)),
            (op.finish, ()),
            (op.verify, (bytes(16),)),
        ):
            setup(key, p.ALG_GCM)
            _expect_bad_state_then_recover(op, call, *args)
    # A second nonce; set_lengths after the nonce, or twice.
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    _expect_bad_state_then_recover(op, op.set_nonce, nonce)
    op.encrypt_setup(key, p.ALG_GCM)
    op.generate_nonce()
    _expect_bad_state_then_recover(op, op.generate_nonce)
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    _expect_bad_state_then_recover(op, op.set_lengths, 0, 0)
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_lengths(0, 0)
    _expect_bad_state_then_recover(op, op.set_lengths, 0, 0)
    # generate_nonce is for encryption.
    op.decrypt_setup(key, p.ALG_GCM)
    _expect_bad_state_then_recover(op, op.generate_nonce)
    # Additional data after the message.
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    op.update(b"m")
    _expect_bad_state_then_recover(op, op.update_ad, b"a")
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    op.update(b"")  # even an empty update starts the message
    _expect_bad_state_then_recover(op, op.update_ad, b"a")
    # finish on a decryption, verify on an encryption.
    op.decrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    _expect_bad_state_then_recover(op, op.finish)
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    _expect_bad_state_then_recover(op, op.verify, bytes(16))
    # After finish/verify the operation is inactive.
    op.encrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    ct = op.update(b"msg")
    tail, tag = op.finish()
    assert tail == b"" and ctx.aead_encrypt(key, p.ALG_GCM, nonce, b"", b"msg") == ct + tag
    _expect_bad_state_then_recover(op, op.update, b"")
    op.decrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    assert op.update(ct) == b"msg"
    assert op.verify(tag) == b""
    _expect_bad_state_then_recover(op, op.verify, tag)
    # A failed verification enters the error state.
    op.decrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    op.update(ct)
    _expect_error_state(op, InvalidSignatureError, op.verify, bytes(16))
    op.decrypt_setup(key, p.ALG_GCM)
    op.set_nonce(nonce)
    op.update(ct)
    _expect_error_state(op, InvalidSignatureError, op.verify, tag[:12])
    # A bad nonce: INVALID_ARGUMENT and the error state.
    op.encrypt_setup(key, p.ALG_GCM)
    _expect_error_state(op, InvalidArgumentError, op.set_nonce, b"")
    # Failed setups leave the operation inactive and reusable.
    with pytest.raises(InvalidHandleError):
        op.encrypt_setup(0, p.ALG_GCM)
    with pytest.raises(NotPermittedError):
        op.encrypt_setup(key, p.ALG_CCM)
    with pytest.raises(InvalidArgumentError):
        op.encrypt_setup(new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CTR), p.ALG_CTR)
    op.encrypt_setup(key, p.ALG_GCM)
    assert len(op.generate_nonce()) == 12
    op.abort()


def test_ccm_needs_lengths_first(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_CCM)
    op = ctx.AeadOperation()
    op.encrypt_setup(key, p.ALG_CCM)
    _expect_bad_state_then_recover(op, op.generate_nonce)
    op.encrypt_setup(key, p.ALG_CCM)
    _expect_bad_state_then_recover(op, op.set_nonce, bytes(13))
    op.decrypt_setup(key, p.ALG_CCM)
    _expect_bad_state_then_recover(op, op.set_nonce, bytes(13))
    # generate_nonce: the longest nonce whose L still encodes the plaintext length.
    for plaintext_length, nonce_length in (
        (0, 13),
        (65535, 13),
        (65536, 12),
        (1 << 24, 11),
        (1 << 32, 10),
    ):
        op.encrypt_setup(key, p.ALG_CCM)
        op.set_lengths(0, plaintext_length)
        assert len(op.generate_nonce()) == nonce_length
        op.abort()
    # set_nonce: the declared length must fit the nonce's L.
    op.encrypt_setup(key, p.ALG_CCM)
    op.set_lengths(0, 65536)
    _expect_error_state(op, InvalidArgumentError, op.set_nonce, bytes(13))
    op.encrypt_setup(key, p.ALG_CCM)
    op.set_lengths(3, 5)
    nonce = op.generate_nonce()
    op.update_ad(b"abc")
    ct = op.update(b"he") + op.update(b"llo")
    tail, tag = op.finish()
    assert ct + tail + tag == ctx.aead_encrypt(key, p.ALG_CCM, nonce, b"abc", b"hello")


@pytest.mark.parametrize(
    ("key_type", "size", "alg"),
    [
        (p.KEY_TYPE_AES, 16, p.ALG_GCM),
        (p.KEY_TYPE_AES, 16, p.ALG_CCM),
        (p.KEY_TYPE_CAMELLIA, 16, p.ALG_GCM),
        (p.KEY_TYPE_CHACHA20, 32, p.ALG_CHACHA20_POLY1305),
        (p.KEY_TYPE_XCHACHA20, 32, p.ALG_XCHACHA20_POLY1305),
        (p.KEY_TYPE_ASCON, 16, p.ALG_ASCON_AEAD128),
    ],
)
def test_declared_lengths_are_enforced(
    ctx: LocalContext, key_type: int, size: int, alg: int
) -> None:
    key = new_key(ctx, key_type, bytes(size), alg)
    op = ctx.AeadOperation()

    def started(ad_length: int, plaintext_length: int, encrypt: bool = True) -> None:
        (op.encrypt_setup if encrypt else op.decrypt_setup)(key, alg)
        op.set_lengths(ad_length, plaintext_length)
        if encrypt:
            op.generate_nonce()
        else:
            op.set_nonce(bytes(p.AEAD_NONCE_LENGTH(key_type, alg)))

    started(2, 2)
    _expect_error_state(op, InvalidArgumentError, op.update_ad, b"abc")  # too much AD
    started(2, 2)
    op.update_ad(b"a")
    _expect_error_state(op, InvalidArgumentError, op.update, b"x")  # AD incomplete
    started(0, 2)
    _expect_error_state(op, InvalidArgumentError, op.update, b"abc")  # too much message
    started(0, 2)
    op.update(b"a")
    _expect_error_state(op, InvalidArgumentError, op.finish)  # message incomplete
    started(1, 0)
    _expect_error_state(op, InvalidArgumentError, op.finish)  # AD incomplete
    started(0, 2, encrypt=False)
    op.update(b"a")
    _expect_error_state(op, InvalidArgumentError, op.verify, bytes(16))
    # Lengths beyond the algorithm's limits.
    op.encrypt_setup(key, alg)
    limits = {
        p.ALG_GCM: (1 << 36) - 32,
        p.ALG_CCM: (1 << 64) - 1,
        p.ALG_ASCON_AEAD128: (1 << 61) - 1,
    }
    limit = limits.get(alg, (1 << 38) - 64)
    _expect_error_state(op, InvalidArgumentError, op.set_lengths, 0, limit + 1)
    op.encrypt_setup(key, alg)
    op.set_lengths(0, limit)
    op.abort()
    # Exactly the declared lengths work, over several calls.
    started(3, 4)
    op.update_ad(b"a")
    op.update_ad(b"bc")
    out = op.update(b"de") + op.update(b"fg")
    tail, tag = op.finish()
    assert len(out + tail) == 4 and len(tag) == 16


def test_generate_nonce_lengths(ctx: LocalContext) -> None:
    for key_type, size, alg, n in (
        (p.KEY_TYPE_AES, 16, p.ALG_GCM, 12),
        (p.KEY_TYPE_SM4, 16, shortened(p.ALG_GCM, 8), 12),
        (p.KEY_TYPE_CHACHA20, 32, p.ALG_CHACHA20_POLY1305, 12),
        (p.KEY_TYPE_XCHACHA20, 32, p.ALG_XCHACHA20_POLY1305, 24),
        (p.KEY_TYPE_ASCON, 16, p.ALG_ASCON_AEAD128, 16),
    ):
        key = new_key(ctx, key_type, bytes(size), alg)
        op = ctx.AeadOperation()
        op.encrypt_setup(key, alg)
        nonce = op.generate_nonce()
        assert len(nonce) == n == p.AEAD_NONCE_LENGTH(key_type, alg)
        op.update_ad(b"ad")
        ct = op.update(b"message")
        tail, tag = op.finish()
        assert ctx.aead_decrypt(key, alg, nonce, b"ad", ct + tail + tag) == b"message"
        op2 = ctx.AeadOperation()
        op2.encrypt_setup(key, alg)
        assert op2.generate_nonce() != nonce
        op2.abort()


def test_flat_functions_and_destroyed_key(ctx: LocalContext) -> None:
    key = new_key(ctx, p.KEY_TYPE_AES, bytes(16), p.ALG_GCM)
    op = ctx.AeadOperation()
    ctx.aead_encrypt_setup(op, key, p.ALG_GCM)
    ctx.aead_set_lengths(op, 1, 2)
    nonce = ctx.aead_generate_nonce(op)
    ctx.aead_update_ad(op, b"a")
    ct = ctx.aead_update(op, b"hi")
    tail, tag = ctx.aead_finish(op)
    ctx.aead_decrypt_setup(op, key, p.ALG_GCM)
    ctx.aead_set_nonce(op, nonce)
    ctx.aead_update_ad(op, b"a")
    assert ctx.aead_update(op, ct + tail) + ctx.aead_verify(op, tag) == b"hi"
    ctx.aead_abort(op)
    ctx.aead_encrypt_setup(op, key, p.ALG_GCM)
    ctx.aead_generate_nonce(op)
    ctx.destroy_key(key)
    with pytest.raises(BadStateError):
        ctx.aead_update(op, b"x")
    ctx.aead_abort(op)
    with pytest.raises(InvalidHandleError):
        ctx.aead_encrypt(key, p.ALG_GCM, nonce, b"", b"")


# --- check_key_usage agrees with setup ----------------------------------------------------

_MATRIX_KEYS = [
    *_BLOCK16,
    (p.KEY_TYPE_AES, 512),
    (p.KEY_TYPE_SM4, 256),
    (p.KEY_TYPE_DES, 192),
    (p.KEY_TYPE_CHACHA20, 256),
    (p.KEY_TYPE_XCHACHA20, 256),
    (p.KEY_TYPE_ASCON, 128),
    (p.KEY_TYPE_RAW_DATA, 128),
]
_MATRIX_ALGS = [
    p.ALG_GCM,
    p.ALG_CCM,
    *(shortened(p.ALG_GCM, n) for n in (4, 9, 12)),
    *(shortened(p.ALG_CCM, n) for n in (4, 5, 14)),
    p.ALG_CHACHA20_POLY1305,
    shortened(p.ALG_CHACHA20_POLY1305, 8),
    p.ALG_XCHACHA20_POLY1305,
    p.ALG_ASCON_AEAD128,
    shortened(p.ALG_ASCON_AEAD128, 8),
    0x05407700,
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
            op = ctx.AeadOperation()
            setup = op.encrypt_setup if usage == ENC else op.decrypt_setup
            assert _outcome(setup, kid, alg) == expected, (hex(key_type), bits, hex(alg))
            op.abort()
            if expected is not None:
                single = ctx.aead_encrypt if usage == ENC else ctx.aead_decrypt
                assert _outcome(single, kid, alg, bytes(12), b"", bytes(32)) == expected


# --- keys held by an opaque driver ----------------------------------------------------------


@pytest.mark.local_only  # registers a driver on the context's core
def test_opaque_location_binds_through_its_driver(ctx: LocalContext) -> None:
    """For a key in another location the families ask that location's driver for the
    engine (never the key material); what the driver cannot do is NOT_SUPPORTED."""
    from psacrypto.attributes import KeyAttributes
    from psacrypto.drivers.base import OpaqueDriver
    from psacrypto.drivers.software import symmetric

    class Toy(OpaqueDriver):
        """Holds AES keys 'inside' (the reference is the material, reversed)."""

        name = "toy"

        def supports_key(self, key_type: int, bits: int) -> bool:
            return key_type == p.KEY_TYPE_AES

        def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
            return key_type == p.KEY_TYPE_AES and alg in (p.ALG_GCM, p.ALG_CTR)

        def import_key(self, attributes: KeyAttributes, material: bytes) -> bytes:
            return material[::-1]

        def aead_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> object:
            return symmetric.gcm_key(attributes.type, reference[::-1], 16)

        def cipher_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> object:
            return symmetric.cipher_key(attributes.type, reference[::-1], alg)

    ctx.core.locations.register(0x7F0001, Toy())
    lifetime = p.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(p.KEY_PERSISTENCE_VOLATILE, 0x7F0001)
    material = bytes(range(16))
    usage = ENC | DEC | p.KEY_USAGE_SIGN_MESSAGE
    keys = {}
    for alg in (p.ALG_GCM, p.ALG_CTR, p.ALG_CMAC, p.ALG_CCM, p.ALG_CHACHA20_POLY1305):
        attrs = p.KeyAttributes(type=p.KEY_TYPE_AES, usage_flags=usage, algorithm=alg)
        attrs.lifetime = lifetime
        keys[alg] = ctx.import_key(attrs, material)
    expected = AESGCM(material).encrypt(bytes(12), b"msg", b"ad")
    for _ in range(2):  # bound once, then from the slot's cache
        assert ctx.aead_encrypt(keys[p.ALG_GCM], p.ALG_GCM, bytes(12), b"ad", b"msg") == expected
        assert ctx.aead_decrypt(keys[p.ALG_GCM], p.ALG_GCM, bytes(12), b"ad", expected) == b"msg"
    sealed = ctx.cipher_encrypt(keys[p.ALG_CTR], p.ALG_CTR, b"stream")
    assert ctx.cipher_decrypt(keys[p.ALG_CTR], p.ALG_CTR, sealed) == b"stream"
    # The toy cannot do CMAC or CCM: NOT_SUPPORTED, not a software fallback.
    with pytest.raises(NotSupportedError):
        ctx.mac_compute(keys[p.ALG_CMAC], p.ALG_CMAC, b"m")
    with pytest.raises(NotSupportedError):
        ctx.aead_encrypt(keys[p.ALG_CCM], p.ALG_CCM, bytes(13), b"", b"m")
    # The spec's compatibility rules still come first.
    with pytest.raises(InvalidArgumentError):
        ctx.aead_encrypt(
            keys[p.ALG_CHACHA20_POLY1305], p.ALG_CHACHA20_POLY1305, bytes(12), b"", b"m"
        )


@pytest.mark.parametrize(
    "key_type", [p.KEY_TYPE_AES, p.KEY_TYPE_SM4, p.KEY_TYPE_CAMELLIA, p.KEY_TYPE_ARIA]
)
def test_ccm_streaming_matches_the_generic_mode(ctx: LocalContext, key_type: int) -> None:
    """Multi-part CCM (on pyca's CBC and CTR where pyca has the cipher) against the
    generic single-part CCM of the primitives package, for random parameters."""
    from psacrypto.drivers.software import symmetric
    from psacrypto.drivers.software.primitives.modes import Ccm

    rng = random.Random(key_type)
    for _ in range(12):
        material = rng.randbytes(16)
        tag_len = rng.choice(CCM_TAGS)
        alg = shortened(p.ALG_CCM, tag_len)
        key = new_key(ctx, key_type, material, alg)
        nonce = rng.randbytes(rng.randint(7, 13))
        ad, pt = (
            rng.randbytes(rng.choice((0, 1, 15, 16, 17, 300))),
            rng.randbytes(rng.randint(0, 100)),
        )
        expected = Ccm(symmetric.block_cipher(key_type, material)).encrypt(nonce, pt, ad, tag_len)
        cut = len(pt)
        check_known_answer(ctx, key, alg, nonce, ad, pt, expected[:cut], expected[cut:], rng)


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
    material = bytes(16)
    sealed = AESGCM(material).encrypt(bytes(12), b"m", None)
    for usage in _ALL_USAGES:
        kid = new_key(ctx, p.KEY_TYPE_AES, material, p.ALG_GCM, usage)
        for needed, calls in (
            (
                ENC,
                (
                    lambda kid=kid: ctx.aead_encrypt(kid, p.ALG_GCM, bytes(12), b"", b"m"),
                    lambda kid=kid: ctx.AeadOperation().encrypt_setup(kid, p.ALG_GCM),
                ),
            ),
            (
                DEC,
                (
                    lambda kid=kid: ctx.aead_decrypt(kid, p.ALG_GCM, bytes(12), b"", sealed),
                    lambda kid=kid: ctx.AeadOperation().decrypt_setup(kid, p.ALG_GCM),
                ),
            ),
        ):
            for call in calls:
                if usage == needed:
                    call()
                else:
                    with pytest.raises(NotPermittedError):
                        call()


def test_threads_share_the_bound_engines(ctx: LocalContext) -> None:
    """First uses racing in several threads all bind correctly (the slot cache is
    filled idempotently); every thread gets the right answers."""
    import threading

    material = bytes(range(32))
    key = new_key(ctx, p.KEY_TYPE_AES, material, p.ALG_GCM)
    expected = AESGCM(material).encrypt(bytes(12), b"m" * 100, None)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(200):
                assert ctx.aead_encrypt(key, p.ALG_GCM, bytes(12), b"", b"m" * 100) == expected
                assert ctx.aead_decrypt(key, p.ALG_GCM, bytes(12), b"", expected) == b"m" * 100
        except BaseException as e:  # pragma: no cover - reported below
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
