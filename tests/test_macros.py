"""The implementation-defined macros and size constants against independent facts.

Lengths and sizes are compared with what hashlib and pyca/cryptography actually
produce, or with values derived from the defining standards (FIPS 203/204/205,
RFC 8554/8391), never with the macros themselves. The ``*_MAX_SIZE`` constants
are checked to be the maximum of their per-algorithm macro over every algorithm
and key size psacrypto supports.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import os
from collections.abc import Callable, Iterator

import pytest
from cryptography.hazmat.decrepit.ciphers import modes as decrepit_modes
from cryptography.hazmat.decrepit.ciphers.algorithms import Camellia, TripleDES
from cryptography.hazmat.primitives import cmac, hashes, keywrap, padding, serialization
from cryptography.hazmat.primitives.asymmetric import (
    ec,
    ed448,
    ed25519,
    mldsa,
    mlkem,
    rsa,
    x448,
    x25519,
)
from cryptography.hazmat.primitives.asymmetric import padding as apadding
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from psacrypto import constants as c
from psacrypto import macros as m

# ---------------------------------------------------------------------------
# Supported algorithm and key space (what the *_MAX_SIZE constants must cover)
# ---------------------------------------------------------------------------

HASHES: list[int] = [
    getattr(c, n) for n in dir(c)
    if n.startswith("ALG_") and m.ALG_IS_HASH(getattr(c, n)) and getattr(c, n) != c.ALG_ANY_HASH
]
RSA_BITS = [1024, 1030, 1536, 2048, 3072, 4096]
WEIERSTRASS_CURVES: dict[int, list[int]] = {
    c.ECC_FAMILY_SECP_R1: [192, 224, 256, 384, 521],
    c.ECC_FAMILY_SECP_K1: [192, 225, 256],
    c.ECC_FAMILY_BRAINPOOL_P_R1: [160, 192, 224, 256, 320, 384, 512],
    c.ECC_FAMILY_FRP: [256],
}
DH_BITS = [2048, 3072, 4096, 6144, 8192]
ML_DSA_BITS = [128, 192, 256]
ML_KEM_BITS = [512, 768, 1024]
SLH_DSA_FAMILIES = [c.SLH_DSA_FAMILY_SHA2_S, c.SLH_DSA_FAMILY_SHA2_F, c.SLH_DSA_FAMILY_SHAKE_S,
                    c.SLH_DSA_FAMILY_SHAKE_F]
SLH_DSA_BITS = [128, 192, 256]


def asymmetric_keys() -> Iterator[tuple[int, int]]:
    """Every (key-pair type, bits) psacrypto supports."""
    for bits in RSA_BITS:
        yield c.KEY_TYPE_RSA_KEY_PAIR, bits
    for family, sizes in WEIERSTRASS_CURVES.items():
        for bits in sizes:
            yield m.KEY_TYPE_ECC_KEY_PAIR(family), bits
            yield m.KEY_TYPE_SPAKE2P_KEY_PAIR(family), bits
    for bits in (255, 448):
        yield m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_MONTGOMERY), bits
        yield m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_TWISTED_EDWARDS), bits
        yield m.KEY_TYPE_SPAKE2P_KEY_PAIR(c.ECC_FAMILY_TWISTED_EDWARDS), bits
    for family in (c.DH_FAMILY_RFC7919, c.DH_FAMILY_RFC3526):
        for bits in DH_BITS:
            yield m.KEY_TYPE_DH_KEY_PAIR(family), bits
    for bits in ML_DSA_BITS:
        yield c.KEY_TYPE_ML_DSA_KEY_PAIR, bits
    for bits in ML_KEM_BITS:
        yield c.KEY_TYPE_ML_KEM_KEY_PAIR, bits
    for family in SLH_DSA_FAMILIES:
        for bits in SLH_DSA_BITS:
            yield m.KEY_TYPE_SLH_DSA_KEY_PAIR(family), bits


def public_only_keys() -> Iterator[tuple[int, int]]:
    for key_type in (c.KEY_TYPE_LMS_PUBLIC_KEY, c.KEY_TYPE_HSS_PUBLIC_KEY,
                     c.KEY_TYPE_XMSS_PUBLIC_KEY, c.KEY_TYPE_XMSS_MT_PUBLIC_KEY):
        for bits in (192, 256):
            yield key_type, bits


SIGN_ALGS: list[int] = [
    *(f(h) for f in (m.ALG_RSA_PKCS1V15_SIGN, m.ALG_RSA_PSS, m.ALG_RSA_PSS_ANY_SALT, m.ALG_ECDSA,
                     m.ALG_DETERMINISTIC_ECDSA, m.ALG_HASH_ML_DSA, m.ALG_HASH_SLH_DSA)
      for h in (c.ALG_SHA_256, c.ALG_SHA_512)),
    c.ALG_RSA_PKCS1V15_SIGN_RAW, c.ALG_ECDSA_ANY, c.ALG_PURE_EDDSA, c.ALG_EDDSA_CTX,
    c.ALG_ED25519PH, c.ALG_ED448PH, c.ALG_ML_DSA, c.ALG_DETERMINISTIC_ML_DSA, c.ALG_SLH_DSA,
    c.ALG_DETERMINISTIC_SLH_DSA,
]

CIPHER_KEY_TYPES = [c.KEY_TYPE_AES, c.KEY_TYPE_ARIA, c.KEY_TYPE_CAMELLIA, c.KEY_TYPE_SM4,
                    c.KEY_TYPE_DES, c.KEY_TYPE_ARC4, c.KEY_TYPE_CHACHA20, c.KEY_TYPE_XCHACHA20,
                    c.KEY_TYPE_ASCON]
CIPHER_ALGS = [c.ALG_STREAM_CIPHER, c.ALG_CTR, c.ALG_CFB, c.ALG_OFB, c.ALG_CCM_STAR_NO_TAG,
               c.ALG_XTS, c.ALG_CBC_NO_PADDING, c.ALG_CBC_PKCS7, c.ALG_ECB_NO_PADDING]
AEAD_ALGS = [
    *(m.ALG_AEAD_WITH_SHORTENED_TAG(c.ALG_CCM, t) for t in (4, 6, 8, 10, 12, 14, 16)),
    *(m.ALG_AEAD_WITH_SHORTENED_TAG(c.ALG_GCM, t) for t in (4, 8, 12, 13, 14, 15, 16)),
    c.ALG_CHACHA20_POLY1305, c.ALG_XCHACHA20_POLY1305,
    *(m.ALG_AEAD_WITH_SHORTENED_TAG(c.ALG_ASCON_AEAD128, t) for t in range(4, 17)),
]
LENGTHS = [0, 1, 7, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 1000]


# ---------------------------------------------------------------------------
# Hashes
# ---------------------------------------------------------------------------

#: (output size, input block size) of every hash, from its defining standard:
#: RFC 1319/1320/1321 (MD2/4/5), ISO 10118-3 (RIPEMD-160), the Zigbee spec (AES-MMO:
#: AES-128 blocks), FIPS 180-4 (SHA-1/2), FIPS 202 (SHA-3, SHAKE: block = rate),
#: GB/T 32905 (SM3), SP 800-232 (Ascon-Hash256: 64-bit rate), RFC 7693 and the
#: BLAKE2 paper (BLAKE2s/sp: 32-byte output, 64-byte blocks; BLAKE2b/bp: 64, 128).
HASH_FACTS: dict[int, tuple[int, int]] = {
    c.ALG_MD2: (16, 16), c.ALG_MD4: (16, 64), c.ALG_MD5: (16, 64), c.ALG_RIPEMD160: (20, 64),
    c.ALG_AES_MMO_ZIGBEE: (16, 16), c.ALG_SHA_1: (20, 64), c.ALG_SHA_224: (28, 64),
    c.ALG_SHA_256: (32, 64), c.ALG_SHA_384: (48, 128), c.ALG_SHA_512: (64, 128),
    c.ALG_SHA_512_224: (28, 128), c.ALG_SHA_512_256: (32, 128), c.ALG_SHA_256_192: (24, 64),
    c.ALG_SHA3_224: (28, 144), c.ALG_SHA3_256: (32, 136), c.ALG_SHA3_384: (48, 104),
    c.ALG_SHA3_512: (64, 72), c.ALG_SM3: (32, 64), c.ALG_SHAKE256_512: (64, 136),
    c.ALG_SHAKE128_256: (32, 168), c.ALG_SHAKE256_192: (24, 136), c.ALG_SHAKE256_256: (32, 136),
    c.ALG_ASCON_HASH256: (32, 8), c.ALG_BLAKE2S_HASH256: (32, 64),
    c.ALG_BLAKE2SP_HASH256: (32, 64), c.ALG_BLAKE2B_HASH512: (64, 128),
    c.ALG_BLAKE2BP_HASH512: (64, 128),
}
#: PSA hash -> (hashlib name, output bytes taken), for the hashes hashlib provides
#: directly or as the function they truncate.
HASHLIB: dict[int, tuple[str, int | None]] = {
    c.ALG_MD5: ("md5", None), c.ALG_RIPEMD160: ("ripemd160", None), c.ALG_SHA_1: ("sha1", None),
    c.ALG_SHA_224: ("sha224", None), c.ALG_SHA_256: ("sha256", None),
    c.ALG_SHA_384: ("sha384", None), c.ALG_SHA_512: ("sha512", None),
    c.ALG_SHA_512_224: ("sha512_224", None), c.ALG_SHA_512_256: ("sha512_256", None),
    c.ALG_SHA_256_192: ("sha256", 24), c.ALG_SHA3_224: ("sha3_224", None),
    c.ALG_SHA3_256: ("sha3_256", None), c.ALG_SHA3_384: ("sha3_384", None),
    c.ALG_SHA3_512: ("sha3_512", None), c.ALG_SM3: ("sm3", None),
    c.ALG_SHAKE128_256: ("shake_128", 32), c.ALG_SHAKE256_192: ("shake_256", 24),
    c.ALG_SHAKE256_256: ("shake_256", 32), c.ALG_SHAKE256_512: ("shake_256", 64),
    c.ALG_BLAKE2S_HASH256: ("blake2s", None), c.ALG_BLAKE2B_HASH512: ("blake2b", None),
}
HASHLIB = {a: v for a, v in HASHLIB.items() if v[0] in hashlib.algorithms_available}


def test_every_hash_has_facts() -> None:
    assert set(HASH_FACTS) == set(HASHES)


@pytest.mark.parametrize("alg", sorted(HASH_FACTS))
def test_hash_sizes_match_standards(alg: int) -> None:
    assert (m.HASH_LENGTH(alg), m.HASH_BLOCK_LENGTH(alg)) == HASH_FACTS[alg]
    assert m.HASH_LENGTH(m.ALG_HMAC(alg)) == HASH_FACTS[alg][0]
    assert m.HASH_LENGTH(m.ALG_TRUNCATED_MAC(m.ALG_HMAC(alg), 4)) == HASH_FACTS[alg][0]


@pytest.mark.parametrize("alg", sorted(HASHLIB))
def test_hash_sizes_match_hashlib(alg: int) -> None:
    name, take = HASHLIB[alg]
    h = hashlib.new(name, b"abc")
    if take is None:
        out = h.digest()
    elif name.startswith("shake"):
        out = h.digest(take)  # type: ignore[call-arg]
    else:
        out = h.digest()[:take]
    assert m.HASH_LENGTH(alg) == len(out)
    assert m.HASH_BLOCK_LENGTH(alg) == h.block_size


def test_hmac_block_sizes_are_the_hash_block_sizes() -> None:
    # The HMAC block size the spec fixes for each hash usable with HMAC.
    hmac_block = {
        c.ALG_AES_MMO_ZIGBEE: 16, c.ALG_MD2: 16, c.ALG_MD4: 64, c.ALG_MD5: 64,
        c.ALG_RIPEMD160: 64, c.ALG_SHA_1: 64, c.ALG_SHA_224: 64, c.ALG_SHA_256: 64,
        c.ALG_SHA_384: 128, c.ALG_SHA_512: 128, c.ALG_SHA_512_224: 128,
        c.ALG_SHA_512_256: 128, c.ALG_SHA3_224: 144, c.ALG_SHA3_256: 136,
        c.ALG_SHA3_384: 104, c.ALG_SHA3_512: 72, c.ALG_SM3: 64,
        c.ALG_BLAKE2S_HASH256: 64, c.ALG_BLAKE2B_HASH512: 128,
    }
    assert {h: m.HASH_BLOCK_LENGTH(h) for h in hmac_block} == hmac_block


def test_hash_length_rejects_non_hashes() -> None:
    for alg in (c.ALG_NONE, c.ALG_CMAC, c.ALG_ANY_HASH, 0x020000FE, c.ALG_SHAKE256,
                m.ALG_HKDF(c.ALG_SHA_256), m.ALG_BLAKE2_MAC(c.ALG_BLAKE2S_HASH256)):
        assert m.HASH_LENGTH(alg) == 0
        assert m.HASH_BLOCK_LENGTH(alg) == 0


def test_hash_max_sizes() -> None:
    assert max(m.HASH_LENGTH(h) for h in HASHES) == m.HASH_MAX_SIZE
    assert max(m.HASH_SUSPEND_OUTPUT_SIZE(h) for h in HASHES) == m.HASH_SUSPEND_OUTPUT_MAX_SIZE


def test_hash_suspend_output_size_layout() -> None:
    # algorithm (4) || input length || state || up to a block minus one of input
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    assert m.HASH_SUSPEND_OUTPUT_SIZE(c.ALG_SHA_256) == 4 + 8 + 32 + sha256.block_size - 1
    assert m.HASH_SUSPEND_OUTPUT_SIZE(c.ALG_SHA_512) == 4 + 16 + 64 + sha512.block_size - 1
    assert m.HASH_SUSPEND_OUTPUT_SIZE(c.ALG_MD2) == 4 + 1 + 64 + 15


# ---------------------------------------------------------------------------
# MAC
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("alg", sorted(a for a, (_, take) in HASHLIB.items() if take is None))
def test_hmac_length(alg: int) -> None:
    size = hmac.new(b"k" * 16, b"msg", HASHLIB[alg][0]).digest_size
    mac = m.ALG_HMAC(alg)
    assert m.MAC_LENGTH(c.KEY_TYPE_HMAC, 128, mac) == size
    for n in (1, 4, size // 2, size):
        assert m.MAC_LENGTH(c.KEY_TYPE_HMAC, 128, m.ALG_TRUNCATED_MAC(mac, n)) == n


def test_blake2_mac_length() -> None:
    for alg, ctor in ((c.ALG_BLAKE2S_HASH256, hashlib.blake2s),
                      (c.ALG_BLAKE2B_HASH512, hashlib.blake2b)):
        size = len(ctor(b"msg", key=b"k" * 16).digest())
        assert m.MAC_LENGTH(c.KEY_TYPE_BLAKE2, 128, m.ALG_BLAKE2_MAC(alg)) == size
    assert m.MAC_LENGTH(c.KEY_TYPE_BLAKE2, 128, m.ALG_BLAKE2_MAC(c.ALG_BLAKE2SP_HASH256)) == 32
    assert m.MAC_LENGTH(c.KEY_TYPE_BLAKE2, 128, m.ALG_BLAKE2_MAC(c.ALG_BLAKE2BP_HASH512)) == 64


def test_cmac_length() -> None:
    for key_type, algorithm in ((c.KEY_TYPE_AES, algorithms.AES(os.urandom(16))),
                                (c.KEY_TYPE_CAMELLIA, Camellia(os.urandom(16))),
                                (c.KEY_TYPE_SM4, algorithms.SM4(os.urandom(16))),
                                (c.KEY_TYPE_DES, TripleDES(os.urandom(24)))):
        ctx = cmac.CMAC(algorithm)
        ctx.update(b"msg")
        size = len(ctx.finalize())
        assert m.MAC_LENGTH(key_type, 128, c.ALG_CMAC) == size
        assert m.MAC_LENGTH(key_type, 128, c.ALG_CBC_MAC) == size  # one cipher block too
        assert m.MAC_LENGTH(key_type, 128, m.ALG_TRUNCATED_MAC(c.ALG_CMAC, 4)) == 4


def test_mac_length_zero_when_unrecognized_or_incompatible() -> None:
    assert m.MAC_LENGTH(c.KEY_TYPE_HMAC, 128, c.ALG_CMAC) == 0
    assert m.MAC_LENGTH(c.KEY_TYPE_CHACHA20, 256, c.ALG_CBC_MAC) == 0
    assert m.MAC_LENGTH(c.KEY_TYPE_HMAC, 128, 0x038000FE) == 0  # HMAC over no known hash
    assert m.MAC_LENGTH(c.KEY_TYPE_AES, 128, c.ALG_SHA_256) == 0
    assert m.MAC_LENGTH(c.KEY_TYPE_BLAKE2, 128, m.ALG_BLAKE2_MAC(c.ALG_SHA_256)) == 0


def test_mac_max_size() -> None:
    macs = [*(m.ALG_HMAC(h) for h in HASHES), c.ALG_CMAC, c.ALG_CBC_MAC,
            *(m.ALG_BLAKE2_MAC(h) for h in HASHES if m.ALG_IS_BLAKE2_HASH(h))]
    lengths = [m.MAC_LENGTH(kt, 128, a) for a in macs
               for kt in (c.KEY_TYPE_HMAC, c.KEY_TYPE_AES, c.KEY_TYPE_DES, c.KEY_TYPE_BLAKE2)]
    assert max(lengths) == m.MAC_MAX_SIZE


# ---------------------------------------------------------------------------
# Unauthenticated ciphers, against pyca
# ---------------------------------------------------------------------------

_PYCA_BLOCK: dict[int, Callable[[int], algorithms.BlockCipherAlgorithm]] = {
    c.KEY_TYPE_AES: lambda bits: algorithms.AES(os.urandom(bits // 8)),
    c.KEY_TYPE_CAMELLIA: lambda bits: Camellia(os.urandom(bits // 8)),
    c.KEY_TYPE_SM4: lambda bits: algorithms.SM4(os.urandom(bits // 8)),
    c.KEY_TYPE_DES: lambda bits: TripleDES(os.urandom(24)),
}
_PYCA_MODE: dict[int, Callable[[bytes], modes.Mode]] = {
    c.ALG_CBC_NO_PADDING: modes.CBC, c.ALG_CBC_PKCS7: modes.CBC, c.ALG_CTR: modes.CTR,
    c.ALG_OFB: decrepit_modes.OFB, c.ALG_CFB: decrepit_modes.CFB,
    c.ALG_ECB_NO_PADDING: lambda iv: modes.ECB(),
}
#: Combinations pyca does not offer.
_PYCA_MISSING = {(c.KEY_TYPE_CAMELLIA, c.ALG_CTR), (c.KEY_TYPE_DES, c.ALG_CTR)}
_PYCA_PAIRS = [p for p in itertools.product(_PYCA_BLOCK, _PYCA_MODE) if p not in _PYCA_MISSING]


def _pyca_encrypt(key_type: int, alg: int, data: bytes) -> tuple[int, bytes]:
    """(IV size pyca needs, ciphertext) for one-shot encryption."""
    cipher_alg = _PYCA_BLOCK[key_type](128)
    block = cipher_alg.block_size // 8
    iv = b"" if alg == c.ALG_ECB_NO_PADDING else os.urandom(block)
    enc = Cipher(cipher_alg, _PYCA_MODE[alg](iv)).encryptor()
    if alg == c.ALG_CBC_PKCS7:
        padder = padding.PKCS7(block * 8).padder()
        data = padder.update(data) + padder.finalize()
    return len(iv), enc.update(data) + enc.finalize()


@pytest.mark.parametrize(("key_type", "alg"), _PYCA_PAIRS)
def test_block_cipher_sizes_match_pyca(key_type: int, alg: int) -> None:
    block = _PYCA_BLOCK[key_type](128).block_size // 8
    assert m.BLOCK_CIPHER_BLOCK_LENGTH(key_type) == block
    for n in LENGTHS:
        if alg in (c.ALG_CBC_NO_PADDING, c.ALG_ECB_NO_PADDING) and n % block:
            continue
        iv_size, ct = _pyca_encrypt(key_type, alg, os.urandom(n))
        assert m.CIPHER_IV_LENGTH(key_type, alg) == iv_size
        assert m.CIPHER_ENCRYPT_OUTPUT_SIZE(key_type, alg, n) == iv_size + len(ct)
        assert m.CIPHER_DECRYPT_OUTPUT_SIZE(key_type, alg, iv_size + len(ct)) >= n


@pytest.mark.parametrize(("key_type", "alg"), _PYCA_PAIRS)
def test_block_cipher_multipart_sizes_bound_pyca(key_type: int, alg: int) -> None:
    # Stream in uneven chunks through pyca (plus PKCS#7 padding); every update and
    # the final call must fit the macros' bounds, both directions.
    cipher_alg = _PYCA_BLOCK[key_type](128)
    block = cipher_alg.block_size // 8
    iv = b"" if alg == c.ALG_ECB_NO_PADDING else os.urandom(block)
    cipher = Cipher(cipher_alg, _PYCA_MODE[alg](iv))
    chunks = [os.urandom(n) for n in (5, 1, 16, 17, 3, 40, 0, 9)]
    total = sum(len(x) for x in chunks)
    if alg in (c.ALG_CBC_NO_PADDING, c.ALG_ECB_NO_PADDING):
        chunks.append(os.urandom(-total % block))
    enc = cipher.encryptor()
    padder = padding.PKCS7(block * 8).padder() if alg == c.ALG_CBC_PKCS7 else None
    ciphertext = b""
    for chunk in chunks:
        out = enc.update(padder.update(chunk) if padder else chunk)
        assert len(out) <= m.CIPHER_UPDATE_OUTPUT_SIZE(key_type, alg, len(chunk))
        assert len(out) <= m.CIPHER_UPDATE_OUTPUT_MAX_SIZE(len(chunk))
        ciphertext += out
    tail = enc.update(padder.finalize()) + enc.finalize() if padder else enc.finalize()
    assert len(tail) <= m.CIPHER_FINISH_OUTPUT_SIZE(key_type, alg)
    assert len(tail) <= m.CIPHER_FINISH_OUTPUT_MAX_SIZE
    ciphertext += tail
    dec = cipher.decryptor()
    unpadder = padding.PKCS7(block * 8).unpadder() if alg == c.ALG_CBC_PKCS7 else None
    pos = 0
    for n in (7, 16, 1, 33, len(ciphertext)):
        chunk = ciphertext[pos:pos + n]
        pos += len(chunk)
        out = dec.update(chunk)
        if unpadder:
            out = unpadder.update(out)
        assert len(out) <= m.CIPHER_UPDATE_OUTPUT_SIZE(key_type, alg, len(chunk))
    tail = dec.finalize()
    if unpadder:
        tail = unpadder.update(tail) + unpadder.finalize()
    assert len(tail) <= m.CIPHER_FINISH_OUTPUT_SIZE(key_type, alg)


def test_xts_sizes_match_pyca() -> None:
    for bits in (256, 512):
        key = os.urandom(bits // 8)
        for n in (16, 17, 31, 32, 100):
            iv = os.urandom(16)
            enc = Cipher(algorithms.AES(key), modes.XTS(iv)).encryptor()
            ct = enc.update(os.urandom(n)) + enc.finalize()
            assert m.CIPHER_IV_LENGTH(c.KEY_TYPE_AES, c.ALG_XTS) == len(iv)
            assert m.CIPHER_ENCRYPT_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_XTS, n) == len(iv) + len(ct)
    # Ciphertext stealing needs the last two blocks: at most 2 blocks at finish.
    assert m.CIPHER_FINISH_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_XTS) == 32


def test_chacha20_stream_cipher_matches_pyca() -> None:
    # pyca takes a 16-byte block (4-byte counter || 12-byte nonce); PSA's default
    # IV is the 12-byte RFC 8439 nonce.
    key = os.urandom(32)
    for n in LENGTHS:
        enc = Cipher(algorithms.ChaCha20(key, bytes(4) + os.urandom(12)), None).encryptor()
        ct = enc.update(os.urandom(n)) + enc.finalize()
        assert m.CIPHER_ENCRYPT_OUTPUT_SIZE(c.KEY_TYPE_CHACHA20, c.ALG_STREAM_CIPHER, n) \
            == 12 + len(ct)
        assert m.CIPHER_UPDATE_OUTPUT_SIZE(c.KEY_TYPE_CHACHA20, c.ALG_STREAM_CIPHER, n) == n
    assert m.CIPHER_IV_LENGTH(c.KEY_TYPE_CHACHA20, c.ALG_STREAM_CIPHER) == 12
    assert m.CIPHER_IV_LENGTH(c.KEY_TYPE_XCHACHA20, c.ALG_STREAM_CIPHER) == 24
    assert m.CIPHER_IV_LENGTH(c.KEY_TYPE_ARC4, c.ALG_STREAM_CIPHER) == 0
    assert m.CIPHER_ENCRYPT_OUTPUT_SIZE(c.KEY_TYPE_ARC4, c.ALG_STREAM_CIPHER, 10) == 10


def test_ccm_star_no_tag_iv() -> None:
    assert m.CIPHER_IV_LENGTH(c.KEY_TYPE_AES, c.ALG_CCM_STAR_NO_TAG) == 13
    assert m.CIPHER_IV_LENGTH(c.KEY_TYPE_DES, c.ALG_CCM_STAR_NO_TAG) == 0  # 64-bit block


def test_cipher_sizes_zero_when_incompatible() -> None:
    for key_type, alg in ((c.KEY_TYPE_CHACHA20, c.ALG_CBC_NO_PADDING),
                          (c.KEY_TYPE_AES, c.ALG_STREAM_CIPHER),
                          (c.KEY_TYPE_HMAC, c.ALG_CTR), (c.KEY_TYPE_AES, c.ALG_GCM),
                          (c.KEY_TYPE_AES, c.ALG_CCM_STAR_ANY_TAG)):
        assert m.CIPHER_IV_LENGTH(key_type, alg) == 0
        assert m.CIPHER_ENCRYPT_OUTPUT_SIZE(key_type, alg, 16) == 0
        assert m.CIPHER_DECRYPT_OUTPUT_SIZE(key_type, alg, 32) == 0
        assert m.CIPHER_UPDATE_OUTPUT_SIZE(key_type, alg, 16) == 0
        assert m.CIPHER_FINISH_OUTPUT_SIZE(key_type, alg) == 0


def test_cipher_max_sizes() -> None:
    pairs = [(kt, a) for kt in CIPHER_KEY_TYPES for a in CIPHER_ALGS
             if m.CIPHER_ENCRYPT_OUTPUT_SIZE(kt, a, 16)]
    assert len(pairs) == 4 * 8 + 7 + 3  # 16-byte block ciphers, DES, stream ciphers
    assert max(m.CIPHER_IV_LENGTH(kt, a) for kt, a in pairs) == m.CIPHER_IV_MAX_SIZE
    assert max(
        m.BLOCK_CIPHER_BLOCK_LENGTH(kt) for kt in CIPHER_KEY_TYPES
    ) == m.BLOCK_CIPHER_BLOCK_MAX_SIZE == algorithms.AES.block_size // 8
    assert max(
        m.CIPHER_FINISH_OUTPUT_SIZE(kt, a) for kt, a in pairs
    ) == m.CIPHER_FINISH_OUTPUT_MAX_SIZE
    for n in LENGTHS:
        assert m.CIPHER_ENCRYPT_OUTPUT_MAX_SIZE(n) >= max(
            m.CIPHER_ENCRYPT_OUTPUT_SIZE(kt, a, n) for kt, a in pairs
        )
        assert m.CIPHER_DECRYPT_OUTPUT_MAX_SIZE(n) >= max(
            m.CIPHER_DECRYPT_OUTPUT_SIZE(kt, a, n) for kt, a in pairs
        )
        assert m.CIPHER_UPDATE_OUTPUT_MAX_SIZE(n) >= max(
            m.CIPHER_UPDATE_OUTPUT_SIZE(kt, a, n) for kt, a in pairs
        )


# ---------------------------------------------------------------------------
# AEAD, against pyca
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("tag", [4, 6, 8, 10, 12, 14, 16])
def test_ccm_sizes_match_pyca(tag: int) -> None:
    alg = m.ALG_AEAD_WITH_SHORTENED_TAG(c.ALG_CCM, tag)
    nonce_size = m.AEAD_NONCE_LENGTH(c.KEY_TYPE_AES, alg)
    assert nonce_size == 13
    aead = AESCCM(AESCCM.generate_key(128), tag_length=tag)
    for n in LENGTHS:
        pt = os.urandom(n)
        ct = aead.encrypt(os.urandom(nonce_size), pt, b"ad")
        assert m.AEAD_TAG_LENGTH(c.KEY_TYPE_AES, 128, alg) == tag
        assert m.AEAD_ENCRYPT_OUTPUT_SIZE(c.KEY_TYPE_AES, alg, n) == len(ct)
        assert m.AEAD_DECRYPT_OUTPUT_SIZE(c.KEY_TYPE_AES, alg, len(ct)) == n


@pytest.mark.parametrize(("key_type", "alg", "make"), [
    (c.KEY_TYPE_AES, c.ALG_GCM, lambda: AESGCM(AESGCM.generate_key(256))),
    (c.KEY_TYPE_CHACHA20, c.ALG_CHACHA20_POLY1305,
     lambda: ChaCha20Poly1305(ChaCha20Poly1305.generate_key())),
])
def test_gcm_and_chacha_sizes_match_pyca(
    key_type: int, alg: int, make: Callable[[], AESGCM | ChaCha20Poly1305]
) -> None:
    aead = make()
    nonce_size = m.AEAD_NONCE_LENGTH(key_type, alg)
    assert nonce_size == 12
    for n in LENGTHS:
        ct = aead.encrypt(os.urandom(nonce_size), os.urandom(n), None)
        assert m.AEAD_ENCRYPT_OUTPUT_SIZE(key_type, alg, n) == len(ct)
        assert m.AEAD_DECRYPT_OUTPUT_SIZE(key_type, alg, len(ct)) == n
        assert m.AEAD_TAG_LENGTH(key_type, 256, alg) == len(ct) - n


def test_gcm_multipart_sizes_bound_pyca() -> None:
    key, iv = os.urandom(16), os.urandom(12)
    enc = Cipher(algorithms.AES(key), modes.GCM(iv)).encryptor()
    for n in (5, 16, 0, 33, 1):
        out = enc.update(os.urandom(n))
        assert len(out) <= m.AEAD_UPDATE_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_GCM, n)
        assert len(out) <= m.AEAD_UPDATE_OUTPUT_MAX_SIZE(n)
    assert len(enc.finalize()) <= m.AEAD_FINISH_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_GCM)
    assert len(enc.tag) == m.AEAD_TAG_LENGTH(c.KEY_TYPE_AES, 128, c.ALG_GCM)


def test_aead_nonce_lengths() -> None:
    assert m.AEAD_NONCE_LENGTH(c.KEY_TYPE_XCHACHA20, c.ALG_XCHACHA20_POLY1305) == 24
    assert m.AEAD_NONCE_LENGTH(c.KEY_TYPE_ASCON, c.ALG_ASCON_AEAD128) == 16
    wildcard = m.ALG_AEAD_WITH_AT_LEAST_THIS_LENGTH_TAG(c.ALG_GCM, 12)
    assert m.AEAD_NONCE_LENGTH(c.KEY_TYPE_ARIA, wildcard) == 12


def test_aead_sizes_zero_when_incompatible() -> None:
    for key_type, alg in ((c.KEY_TYPE_DES, c.ALG_GCM), (c.KEY_TYPE_AES, c.ALG_CHACHA20_POLY1305),
                          (c.KEY_TYPE_CHACHA20, c.ALG_XCHACHA20_POLY1305),
                          (c.KEY_TYPE_AES, c.ALG_CTR), (c.KEY_TYPE_AES, 0x05500300)):
        assert m.AEAD_NONCE_LENGTH(key_type, alg) == 0
        assert m.AEAD_TAG_LENGTH(key_type, 128, alg) == 0
        assert m.AEAD_ENCRYPT_OUTPUT_SIZE(key_type, alg, 10) == 0
        assert m.AEAD_DECRYPT_OUTPUT_SIZE(key_type, alg, 40) == 0
        assert m.AEAD_UPDATE_OUTPUT_SIZE(key_type, alg, 10) == 0
        assert m.AEAD_FINISH_OUTPUT_SIZE(key_type, alg) == 0
        assert m.AEAD_VERIFY_OUTPUT_SIZE(key_type, alg) == 0


def test_aead_max_sizes() -> None:
    pairs = [(kt, a) for kt in CIPHER_KEY_TYPES for a in AEAD_ALGS
             if m.AEAD_NONCE_LENGTH(kt, a)]
    assert len(pairs) == 4 * 14 + 1 + 1 + 13
    assert max(m.AEAD_TAG_LENGTH(kt, 0, a) for kt, a in pairs) == m.AEAD_TAG_MAX_SIZE
    assert max(m.AEAD_NONCE_LENGTH(kt, a) for kt, a in pairs) == m.AEAD_NONCE_MAX_SIZE
    assert max(m.AEAD_FINISH_OUTPUT_SIZE(kt, a) for kt, a in pairs) == m.AEAD_FINISH_OUTPUT_MAX_SIZE
    assert max(m.AEAD_VERIFY_OUTPUT_SIZE(kt, a) for kt, a in pairs) == m.AEAD_VERIFY_OUTPUT_MAX_SIZE
    for n in LENGTHS:
        assert m.AEAD_ENCRYPT_OUTPUT_MAX_SIZE(n) == max(
            m.AEAD_ENCRYPT_OUTPUT_SIZE(kt, a, n) for kt, a in pairs)
        assert m.AEAD_DECRYPT_OUTPUT_MAX_SIZE(n) >= max(
            m.AEAD_DECRYPT_OUTPUT_SIZE(kt, a, n) for kt, a in pairs)
        assert m.AEAD_UPDATE_OUTPUT_MAX_SIZE(n) == max(
            m.AEAD_UPDATE_OUTPUT_SIZE(kt, a, n) for kt, a in pairs)


# ---------------------------------------------------------------------------
# RSA, against pyca
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def rsa_keys() -> dict[int, rsa.RSAPrivateKey]:
    return {bits: rsa.generate_private_key(65537, bits) for bits in (1030, 2048, 4096)}


def test_rsa_export_sizes(rsa_keys: dict[int, rsa.RSAPrivateKey]) -> None:
    for bits, key in rsa_keys.items():
        pair = key.private_bytes(serialization.Encoding.DER,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())
        public = key.public_key().public_bytes(serialization.Encoding.DER,
                                               serialization.PublicFormat.PKCS1)
        pair_size = m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, bits)
        public_size = m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_RSA_PUBLIC_KEY, bits)
        assert len(pair) <= pair_size <= 2 * len(pair)
        assert len(public) <= public_size <= 2 * len(public)
        assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, bits) == public_size


def test_rsa_public_export_size_allows_exponent_as_large_as_modulus(
    rsa_keys: dict[int, rsa.RSAPrivateKey],
) -> None:
    n = rsa_keys[2048].public_key().public_numbers().n
    public = rsa.RSAPublicNumbers(n - 2, n).public_key()  # n is odd, so is n - 2
    der = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    assert len(der) <= m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_RSA_PUBLIC_KEY, 2048)


def test_rsa_signature_sizes(rsa_keys: dict[int, rsa.RSAPrivateKey]) -> None:
    for bits, key in rsa_keys.items():
        for alg, pad in ((m.ALG_RSA_PKCS1V15_SIGN(c.ALG_SHA_256), apadding.PKCS1v15()),
                         (m.ALG_RSA_PSS(c.ALG_SHA_256),
                          apadding.PSS(apadding.MGF1(hashes.SHA256()), 32))):
            sig = key.sign(b"message", pad, hashes.SHA256())
            assert m.SIGN_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, bits, alg) == len(sig)
            assert m.SIGN_OUTPUT_SIZE(c.KEY_TYPE_RSA_PUBLIC_KEY, bits, alg) == len(sig)
        assert m.SIGN_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, bits, c.ALG_RSA_PKCS1V15_SIGN_RAW) \
            == (bits + 7) // 8
        assert m.SIGN_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, bits, c.ALG_ECDSA_ANY) == 0


@pytest.mark.parametrize(("alg", "pad", "hash_size"), [
    (c.ALG_RSA_PKCS1V15_CRYPT, lambda: apadding.PKCS1v15(), 0),
    (m.ALG_RSA_OAEP(c.ALG_SHA_1),
     lambda: apadding.OAEP(apadding.MGF1(hashes.SHA1()), hashes.SHA1(), None), 20),
    (m.ALG_RSA_OAEP(c.ALG_SHA_256),
     lambda: apadding.OAEP(apadding.MGF1(hashes.SHA256()), hashes.SHA256(), None), 32),
])
def test_rsa_encryption_sizes(
    rsa_keys: dict[int, rsa.RSAPrivateKey], alg: int, pad: Callable[[], apadding.AsymmetricPadding],
    hash_size: int,
) -> None:
    for bits, key in rsa_keys.items():
        public = key.public_key()
        largest = m.ASYMMETRIC_DECRYPT_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, bits, alg)
        ct = public.encrypt(os.urandom(largest), pad())
        assert m.ASYMMETRIC_ENCRYPT_OUTPUT_SIZE(c.KEY_TYPE_RSA_PUBLIC_KEY, bits, alg) == len(ct)
        assert len(key.decrypt(ct, pad())) == largest
        with pytest.raises(ValueError):
            public.encrypt(os.urandom(largest + 1), pad())


def test_asymmetric_encryption_zero_when_incompatible() -> None:
    ecc = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    assert m.ASYMMETRIC_ENCRYPT_OUTPUT_SIZE(ecc, 256, c.ALG_RSA_PKCS1V15_CRYPT) == 0
    assert m.ASYMMETRIC_DECRYPT_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, 2048, c.ALG_ECDH) == 0
    assert m.ASYMMETRIC_DECRYPT_OUTPUT_SIZE(c.KEY_TYPE_RSA_KEY_PAIR, 2048, 0x070003FE) == 0


def test_rsa_wrap_size(rsa_keys: dict[int, rsa.RSAPrivateKey]) -> None:
    kek = os.urandom(32)
    for bits, key in rsa_keys.items():
        der = key.private_bytes(serialization.Encoding.DER,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
        wrapped = keywrap.aes_key_wrap_with_padding(kek, der)
        assert len(wrapped) <= m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_KWP,
                                                      c.KEY_TYPE_RSA_KEY_PAIR, bits)


# ---------------------------------------------------------------------------
# Symmetric key export and key wrapping, against pyca
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("bits", [64, 128, 192, 256, 512, 1024])
def test_key_wrap_sizes_match_pyca(bits: int) -> None:
    key = os.urandom(bits // 8)
    kek = os.urandom(16)
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_HMAC, bits) == len(key)
    kwp = keywrap.aes_key_wrap_with_padding(kek, key)
    assert m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_KWP, c.KEY_TYPE_HMAC, bits) == len(kwp)
    if bits >= 128:
        kw = keywrap.aes_key_wrap(kek, key)
        assert m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_KW, c.KEY_TYPE_HMAC, bits) == len(kw)


def test_kwp_pads_odd_lengths() -> None:
    for nbytes in (1, 5, 9, 20, 33):
        wrapped = keywrap.aes_key_wrap_with_padding(os.urandom(16), os.urandom(nbytes))
        assert m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_KWP, c.KEY_TYPE_RAW_DATA,
                                      8 * nbytes) == len(wrapped)


def test_wrap_zero_when_incompatible() -> None:
    assert m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_DES, c.ALG_KW, c.KEY_TYPE_AES, 128) == 0
    assert m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_GCM, c.KEY_TYPE_AES, 128) == 0
    assert m.WRAP_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, c.ALG_KW, c.KEY_TYPE_NONE, 128) == 0


# ---------------------------------------------------------------------------
# Elliptic curves, against pyca
# ---------------------------------------------------------------------------

PYCA_CURVES: list[tuple[int, int, ec.EllipticCurve]] = [
    (c.ECC_FAMILY_SECP_R1, 192, ec.SECP192R1()), (c.ECC_FAMILY_SECP_R1, 224, ec.SECP224R1()),
    (c.ECC_FAMILY_SECP_R1, 256, ec.SECP256R1()), (c.ECC_FAMILY_SECP_R1, 384, ec.SECP384R1()),
    (c.ECC_FAMILY_SECP_R1, 521, ec.SECP521R1()), (c.ECC_FAMILY_SECP_K1, 256, ec.SECP256K1()),
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 256, ec.BrainpoolP256R1()),
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 384, ec.BrainpoolP384R1()),
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 512, ec.BrainpoolP512R1()),
]


@pytest.mark.parametrize(("family", "bits", "curve"), PYCA_CURVES)
def test_weierstrass_sizes_match_pyca(family: int, bits: int, curve: ec.EllipticCurve) -> None:
    key = ec.generate_private_key(curve)
    peer = ec.generate_private_key(curve)
    pair_type = m.KEY_TYPE_ECC_KEY_PAIR(family)
    public_type = m.KEY_TYPE_ECC_PUBLIC_KEY(family)
    order_bytes = (curve.group_order.bit_length() + 7) // 8
    point = key.public_key().public_bytes(serialization.Encoding.X962,
                                          serialization.PublicFormat.UncompressedPoint)
    assert m.EXPORT_KEY_OUTPUT_SIZE(pair_type, bits) == (curve.key_size + 7) // 8
    assert m.EXPORT_KEY_OUTPUT_SIZE(public_type, bits) == len(point)
    assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(pair_type, bits) == len(point)
    r, s = decode_dss_signature(key.sign(b"message", ec.ECDSA(hashes.SHA256())))
    size = m.SIGN_OUTPUT_SIZE(pair_type, bits, m.ALG_ECDSA(c.ALG_SHA_256))
    assert size == 2 * order_bytes
    assert max(r, s).bit_length() <= 8 * size // 2
    shared = key.exchange(ec.ECDH(), peer.public_key())
    assert m.RAW_KEY_AGREEMENT_OUTPUT_SIZE(pair_type, bits) == len(shared)
    assert m.ENCAPSULATE_CIPHERTEXT_SIZE(public_type, bits, c.ALG_ECIES_SEC1) == len(point)
    assert m.PAKE_OUTPUT_SIZE(m.ALG_JPAKE(c.ALG_SHA_256), m.PAKE_PRIMITIVE(
        c.PAKE_PRIMITIVE_TYPE_ECC, family, bits), c.PAKE_STEP_KEY_SHARE) == len(point)


def test_montgomery_sizes_match_pyca() -> None:
    for bits, cls in ((255, x25519.X25519PrivateKey), (448, x448.X448PrivateKey)):
        key, peer = cls.generate(), cls.generate()
        pair_type = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_MONTGOMERY)
        public = key.public_key().public_bytes_raw()
        assert m.EXPORT_KEY_OUTPUT_SIZE(pair_type, bits) == len(key.private_bytes_raw())
        assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(pair_type, bits) == len(public)
        assert m.RAW_KEY_AGREEMENT_OUTPUT_SIZE(pair_type, bits) == len(
            key.exchange(peer.public_key()))
        assert m.ENCAPSULATE_CIPHERTEXT_SIZE(pair_type, bits, c.ALG_ECIES_SEC1) == len(public)
        assert m.SIGN_OUTPUT_SIZE(pair_type, bits, c.ALG_PURE_EDDSA) == 0


def test_edwards_sizes_match_pyca() -> None:
    for bits, cls, ph in ((255, ed25519.Ed25519PrivateKey, c.ALG_ED25519PH),
                          (448, ed448.Ed448PrivateKey, c.ALG_ED448PH)):
        key = cls.generate()
        pair_type = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_TWISTED_EDWARDS)
        sig = key.sign(b"message")
        assert m.EXPORT_KEY_OUTPUT_SIZE(pair_type, bits) == len(key.private_bytes_raw())
        assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(pair_type, bits) == len(
            key.public_key().public_bytes_raw())
        for alg in (c.ALG_PURE_EDDSA, c.ALG_EDDSA_CTX, ph):
            assert m.SIGN_OUTPUT_SIZE(pair_type, bits, alg) == len(sig)
        assert m.SIGN_OUTPUT_SIZE(pair_type, bits, m.ALG_ECDSA(c.ALG_SHA_256)) == 0
        assert m.RAW_KEY_AGREEMENT_OUTPUT_SIZE(pair_type, bits) == 0


# ---------------------------------------------------------------------------
# Post-quantum and stateful-hash keys
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("bits", "cls"), [
    (128, mldsa.MLDSA44PrivateKey), (192, mldsa.MLDSA65PrivateKey),
    (256, mldsa.MLDSA87PrivateKey),
])
def test_ml_dsa_sizes_match_pyca(bits: int, cls: type[mldsa.MLDSA44PrivateKey]) -> None:
    key = cls.generate()
    seed = key.private_bytes_raw()
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_ML_DSA_KEY_PAIR, bits) == len(seed)
    assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(c.KEY_TYPE_ML_DSA_KEY_PAIR, bits) == len(
        key.public_key().public_bytes_raw())
    sig = key.sign(b"message")
    for alg in (c.ALG_ML_DSA, c.ALG_DETERMINISTIC_ML_DSA, m.ALG_HASH_ML_DSA(c.ALG_SHA_512),
                m.ALG_DETERMINISTIC_HASH_ML_DSA(c.ALG_ANY_HASH)):
        assert m.SIGN_OUTPUT_SIZE(c.KEY_TYPE_ML_DSA_KEY_PAIR, bits, alg) == len(sig)


@pytest.mark.parametrize(("bits", "cls"), [
    (768, mlkem.MLKEM768PrivateKey), (1024, mlkem.MLKEM1024PrivateKey),
])
def test_ml_kem_sizes_match_pyca(bits: int, cls: type[mlkem.MLKEM768PrivateKey]) -> None:
    key = cls.generate()
    public = key.public_key()
    _, ciphertext = public.encapsulate()
    seeds = key.private_bytes_raw()
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_ML_KEM_KEY_PAIR, bits) == len(seeds)
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_ML_KEM_PUBLIC_KEY, bits) == len(
        public.public_bytes_raw())
    assert m.ENCAPSULATE_CIPHERTEXT_SIZE(c.KEY_TYPE_ML_KEM_PUBLIC_KEY, bits, c.ALG_ML_KEM) \
        == len(ciphertext)


def test_ml_kem_512_from_fips203() -> None:
    # FIPS 203 table 3 (k = 2): ek = 384k + 32, ciphertext = 32(du k + dv) = 32(10*2 + 4).
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_ML_KEM_PUBLIC_KEY, 512) == 384 * 2 + 32
    assert m.ENCAPSULATE_CIPHERTEXT_SIZE(c.KEY_TYPE_ML_KEM_KEY_PAIR, 512, c.ALG_ML_KEM) \
        == 32 * (10 * 2 + 4)


#: FIPS 205 table 2 parameters: (family kind, bits) -> (n, h, d, a, k).
SLH_DSA_PARAMS: dict[tuple[str, int], tuple[int, int, int, int, int]] = {
    ("s", 128): (16, 63, 7, 12, 14), ("f", 128): (16, 66, 22, 6, 33),
    ("s", 192): (24, 63, 7, 14, 17), ("f", 192): (24, 66, 22, 8, 33),
    ("s", 256): (32, 64, 8, 14, 22), ("f", 256): (32, 68, 17, 9, 35),
}


@pytest.mark.parametrize("family", SLH_DSA_FAMILIES)
@pytest.mark.parametrize("bits", SLH_DSA_BITS)
def test_slh_dsa_sizes_from_fips205(family: int, bits: int) -> None:
    kind = "s" if family in (c.SLH_DSA_FAMILY_SHA2_S, c.SLH_DSA_FAMILY_SHAKE_S) else "f"
    n, h, d, a, k = SLH_DSA_PARAMS[kind, bits]
    wots_len = 2 * n + 3  # lg_w = 4: len1 = 2n, len2 = 3
    signature = n * (1 + k * (1 + a) + h + d * wots_len)  # R, FORS, then d XMSS layers
    pair_type = m.KEY_TYPE_SLH_DSA_KEY_PAIR(family)
    assert m.EXPORT_KEY_OUTPUT_SIZE(pair_type, bits) == 4 * n
    assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(pair_type, bits) == 2 * n
    for alg in (c.ALG_SLH_DSA, c.ALG_DETERMINISTIC_SLH_DSA, m.ALG_HASH_SLH_DSA(c.ALG_SHA_256)):
        assert m.SIGN_OUTPUT_SIZE(pair_type, bits, alg) == signature


def test_stateful_hash_public_key_sizes() -> None:
    # RFC 8554 sec. 5.3: u32 type || u32 otstype || I[16] || T[1][n]; HSS adds u32 L.
    # RFC 8391 B.3 / C.3: u32 OID || root[n] || SEED[n].
    for bits in (192, 256):
        n = bits // 8
        assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_LMS_PUBLIC_KEY, bits) == 4 + 4 + 16 + n
        assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_HSS_PUBLIC_KEY, bits) == 4 + 4 + 4 + 16 + n
        assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_XMSS_PUBLIC_KEY, bits) == 4 + 2 * n
        assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_XMSS_MT_PUBLIC_KEY, bits) == 4 + 2 * n
        for key_type, alg in ((c.KEY_TYPE_LMS_PUBLIC_KEY, c.ALG_LMS),
                              (c.KEY_TYPE_XMSS_PUBLIC_KEY, c.ALG_XMSS)):
            assert m.SIGN_OUTPUT_SIZE(key_type, bits, alg) == 0  # verification only
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_LMS_PUBLIC_KEY | 0x3000, 256) == 0  # no key pair


def test_dh_and_spake2p_and_wpa3_key_sizes() -> None:
    for family in (c.DH_FAMILY_RFC7919, c.DH_FAMILY_RFC3526):
        for bits in DH_BITS:
            pair = m.KEY_TYPE_DH_KEY_PAIR(family)
            assert m.EXPORT_KEY_OUTPUT_SIZE(pair, bits) == bits // 8
            assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(pair, bits) == bits // 8
            assert m.RAW_KEY_AGREEMENT_OUTPUT_SIZE(pair, bits) == bits // 8
        assert m.EXPORT_KEY_OUTPUT_SIZE(m.KEY_TYPE_WPA3_SAE_DH(family), 3072) == 384
    # SPAKE2+ over P-256: w0 || w1 (two 32-byte scalars), w0 || L (32 + 65 bytes).
    p256 = c.ECC_FAMILY_SECP_R1
    assert m.EXPORT_KEY_OUTPUT_SIZE(m.KEY_TYPE_SPAKE2P_KEY_PAIR(p256), 256) == 64
    assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(m.KEY_TYPE_SPAKE2P_KEY_PAIR(p256), 256) == 97
    # WPA3-SAE password token on P-256: x || y.
    assert m.EXPORT_KEY_OUTPUT_SIZE(m.KEY_TYPE_WPA3_SAE_ECC(p256), 256) == 64
    assert m.EXPORT_KEY_OUTPUT_SIZE(c.KEY_TYPE_NONE, 128) == 0
    assert m.EXPORT_PUBLIC_KEY_OUTPUT_SIZE(c.KEY_TYPE_AES, 128) == 0


# ---------------------------------------------------------------------------
# PAKE
# ---------------------------------------------------------------------------


def test_pake_sizes() -> None:
    p256 = m.PAKE_PRIMITIVE(c.PAKE_PRIMITIVE_TYPE_ECC, c.ECC_FAMILY_SECP_R1, 256)
    jpake = m.ALG_JPAKE(c.ALG_SHA_256)
    for size in (m.PAKE_OUTPUT_SIZE, m.PAKE_INPUT_SIZE):
        assert size(jpake, p256, c.PAKE_STEP_KEY_SHARE) == 65
        assert size(jpake, p256, c.PAKE_STEP_ZK_PUBLIC) == 65
        assert size(jpake, p256, c.PAKE_STEP_ZK_PROOF) == 32
        assert size(jpake, p256, c.PAKE_STEP_CONFIRM) == 0
    hmac_len = hmac.new(b"k", b"", "sha256").digest_size
    assert m.PAKE_OUTPUT_SIZE(m.ALG_SPAKE2P_HMAC(c.ALG_SHA_256), p256, c.PAKE_STEP_CONFIRM) \
        == hmac_len
    assert m.PAKE_OUTPUT_SIZE(c.ALG_SPAKE2P_MATTER, p256, c.PAKE_STEP_CONFIRM) == hmac_len
    assert m.PAKE_OUTPUT_SIZE(m.ALG_SPAKE2P_CMAC(c.ALG_SHA_256), p256, c.PAKE_STEP_CONFIRM) == 16
    assert m.PAKE_INPUT_SIZE(c.ALG_SPAKE2P_MATTER, p256, c.PAKE_STEP_KEY_SHARE) == 65
    sae = m.ALG_WPA3_SAE_FIXED(c.ALG_SHA_256)
    assert m.PAKE_OUTPUT_SIZE(sae, p256, c.PAKE_STEP_COMMIT) == 32 + 64  # scalar || x || y
    assert m.PAKE_OUTPUT_SIZE(sae, p256, c.PAKE_STEP_CONFIRM) == 2 + 32
    assert m.PAKE_OUTPUT_SIZE(sae, p256, c.PAKE_STEP_KEY_ID) == 16
    assert m.PAKE_OUTPUT_SIZE(sae, p256, c.PAKE_STEP_SALT) == 0  # input only
    assert m.PAKE_INPUT_SIZE(sae, p256, c.PAKE_STEP_CONFIRM_COUNT) == 2
    assert m.PAKE_INPUT_SIZE(sae, p256, c.PAKE_STEP_SALT) >= 2 * 127
    ffc3072 = m.PAKE_PRIMITIVE(c.PAKE_PRIMITIVE_TYPE_DH, c.DH_FAMILY_RFC3526, 3072)
    assert m.PAKE_OUTPUT_SIZE(m.ALG_WPA3_SAE_GDH(c.ALG_SHA_384), ffc3072,
                              c.PAKE_STEP_COMMIT) == 384 + 384
    assert m.PAKE_OUTPUT_SIZE(jpake, 0, c.PAKE_STEP_KEY_SHARE) == 0


def _pake_primitives() -> Iterator[int]:
    for family, sizes in WEIERSTRASS_CURVES.items():
        for bits in sizes:
            yield m.PAKE_PRIMITIVE(c.PAKE_PRIMITIVE_TYPE_ECC, family, bits)
    for bits in (255, 448):
        yield m.PAKE_PRIMITIVE(c.PAKE_PRIMITIVE_TYPE_ECC, c.ECC_FAMILY_TWISTED_EDWARDS, bits)
        yield m.PAKE_PRIMITIVE(c.PAKE_PRIMITIVE_TYPE_ECC, c.ECC_FAMILY_MONTGOMERY, bits)
    for family in (c.DH_FAMILY_RFC7919, c.DH_FAMILY_RFC3526):
        for bits in DH_BITS:
            yield m.PAKE_PRIMITIVE(c.PAKE_PRIMITIVE_TYPE_DH, family, bits)


def test_pake_max_sizes() -> None:
    algs = [*(f(h) for f in (m.ALG_JPAKE, m.ALG_SPAKE2P_HMAC, m.ALG_SPAKE2P_CMAC,
                             m.ALG_WPA3_SAE_FIXED, m.ALG_WPA3_SAE_GDH)
              for h in (c.ALG_SHA_256, c.ALG_SHA_384, c.ALG_SHA_512)), c.ALG_SPAKE2P_MATTER]
    steps = range(1, 9)
    outputs = [m.PAKE_OUTPUT_SIZE(a, p, s) for a in algs for p in _pake_primitives() for s in steps]
    inputs = [m.PAKE_INPUT_SIZE(a, p, s) for a in algs for p in _pake_primitives() for s in steps]
    assert max(outputs) == m.PAKE_OUTPUT_MAX_SIZE
    assert max(inputs) == m.PAKE_INPUT_MAX_SIZE


# ---------------------------------------------------------------------------
# Contexts and the asymmetric *_MAX_SIZE constants
# ---------------------------------------------------------------------------


def test_sign_supports_context() -> None:
    with_context = [c.ALG_ED25519PH, c.ALG_ED448PH, c.ALG_EDDSA_CTX, c.ALG_SLH_DSA,
                    c.ALG_DETERMINISTIC_SLH_DSA, c.ALG_ML_DSA, c.ALG_DETERMINISTIC_ML_DSA,
                    *(f(h) for f in (m.ALG_HASH_SLH_DSA, m.ALG_DETERMINISTIC_HASH_SLH_DSA,
                                     m.ALG_HASH_ML_DSA, m.ALG_DETERMINISTIC_HASH_ML_DSA)
                      for h in (c.ALG_SHA_256, c.ALG_SHAKE256_512, c.ALG_ANY_HASH))]
    without = [c.ALG_PURE_EDDSA, c.ALG_RSA_PKCS1V15_SIGN_RAW, c.ALG_ECDSA_ANY, c.ALG_LMS,
               c.ALG_HSS, c.ALG_XMSS, c.ALG_XMSS_MT,
               *(f(h) for f in (m.ALG_RSA_PKCS1V15_SIGN, m.ALG_RSA_PSS, m.ALG_RSA_PSS_ANY_SALT,
                                m.ALG_ECDSA, m.ALG_DETERMINISTIC_ECDSA)
                 for h in (c.ALG_SHA_256, c.ALG_ANY_HASH))]
    assert all(m.ALG_SIGN_SUPPORTS_CONTEXT(a) is True for a in with_context)
    assert all(m.ALG_SIGN_SUPPORTS_CONTEXT(a) is False for a in without)


def test_asymmetric_max_sizes() -> None:
    pairs = list(asymmetric_keys())
    publics = [(t & 0xCFFF, b) for t, b in pairs] + list(public_only_keys())
    enc_algs = [c.ALG_RSA_PKCS1V15_CRYPT, *(m.ALG_RSA_OAEP(h) for h in HASHES)]
    assert all(m.EXPORT_KEY_OUTPUT_SIZE(t, b) > 0 for t, b in pairs + publics)
    largest = {
        "EXPORT_KEY_PAIR_MAX_SIZE": max(m.EXPORT_KEY_OUTPUT_SIZE(t, b) for t, b in pairs),
        "EXPORT_PUBLIC_KEY_MAX_SIZE": max(m.EXPORT_KEY_OUTPUT_SIZE(t, b) for t, b in publics),
        "EXPORT_ASYMMETRIC_KEY_MAX_SIZE": max(
            m.EXPORT_KEY_OUTPUT_SIZE(t, b) for t, b in pairs + publics),
        "SIGNATURE_MAX_SIZE": max(
            m.SIGN_OUTPUT_SIZE(t, b, a) for t, b in pairs for a in SIGN_ALGS),
        "ASYMMETRIC_ENCRYPT_OUTPUT_MAX_SIZE": max(
            m.ASYMMETRIC_ENCRYPT_OUTPUT_SIZE(t, b, a) for t, b in pairs for a in enc_algs),
        "ASYMMETRIC_DECRYPT_OUTPUT_MAX_SIZE": max(
            m.ASYMMETRIC_DECRYPT_OUTPUT_SIZE(t, b, a) for t, b in pairs for a in enc_algs),
        "RAW_KEY_AGREEMENT_OUTPUT_MAX_SIZE": max(
            m.RAW_KEY_AGREEMENT_OUTPUT_SIZE(t, b) for t, b in pairs),
        "ENCAPSULATE_CIPHERTEXT_MAX_SIZE": max(
            m.ENCAPSULATE_CIPHERTEXT_SIZE(t, b, a) for t, b in pairs
            for a in (c.ALG_ECIES_SEC1, c.ALG_ML_KEM)),
        "WRAP_KEY_PAIR_MAX_SIZE": max(
            m.WRAP_KEY_OUTPUT_SIZE(w, a, t, b) for t, b in pairs
            for w in (c.KEY_TYPE_AES, c.KEY_TYPE_ARIA) for a in (c.ALG_KW, c.ALG_KWP)),
    }
    assert {name: getattr(m, name) for name in largest} == largest


def test_tls12_psk_to_ms_psk_max_size() -> None:
    # RFC 4279 sec. 5.3: at least 64-byte PSKs must be accepted.
    assert m.TLS12_PSK_TO_MS_PSK_MAX_SIZE >= 64
