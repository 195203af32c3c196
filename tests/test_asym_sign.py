"""Signatures of the asymmetric software driver: RFC 6979 and RFC 8032 known
answers, Wycheproof (ECDSA r||s, EdDSA, RSA PKCS#1 v1.5 and PSS, PKCS#1
generation), and the error cases of the interface."""

from __future__ import annotations

import hashlib

import pytest
import wycheproof
from asym_vectors import (
    CURVES,
    DETERMINISTIC_ECDSA,
    ECC_KEY_PAIR,
    ECC_PUBLIC_KEY,
    ECDSA,
    HASH_LENGTHS,
    HASHES,
    RSA_PAIR,
    RSA_PKCS1V15_SIGN,
    RSA_PSS,
    RSA_PSS_ANY_SALT,
    RSA_PUBLIC,
    Tally,
    digest,
    rfc_vectors,
    rsa_private_der,
)

from psacrypto import constants as c
from psacrypto.drivers.software import asymmetric as A
from psacrypto.errors import InvalidArgumentError, InvalidSignatureError, NotSupportedError

SECP_R1 = c.ECC_FAMILY_SECP_R1
EDWARDS = c.ECC_FAMILY_TWISTED_EDWARDS
P256_PAIR = ECC_KEY_PAIR(SECP_R1)
P256_PUBLIC = ECC_PUBLIC_KEY(SECP_R1)
ED_PAIR = ECC_KEY_PAIR(EDWARDS)
ED_PUBLIC = ECC_PUBLIC_KEY(EDWARDS)
SHA256 = c.ALG_SHA_256


def _pair(key_type: int, bits: int) -> tuple[object, object, bytes]:
    """(private object, public object, public key data) of a new key pair."""
    material = A.generate_key(key_type, bits)
    public = A.export_public_key(key_type, bits, material)
    public_type = key_type & ~0x3000
    return A.load(key_type, bits, material), A.load(public_type, bits, public), public


@pytest.fixture(scope="module")
def rsa2048() -> tuple[bytes, object, object]:
    material = A.generate_key(RSA_PAIR, 2048)
    public = A.export_public_key(RSA_PAIR, 2048, material)
    return material, A.load(RSA_PAIR, 2048, material), A.load(RSA_PUBLIC, 2048, public)


@pytest.fixture(scope="module")
def rsa1024() -> tuple[bytes, object, object]:
    material = A.generate_key(RSA_PAIR, 1024)
    public = A.export_public_key(RSA_PAIR, 1024, material)
    return material, A.load(RSA_PAIR, 1024, material), A.load(RSA_PUBLIC, 1024, public)


# ---------------------------------------------------------------- known answers


def test_rfc6979_deterministic_ecdsa() -> None:
    vectors = rfc_vectors("rfc6979_ecdsa")
    assert {v["curve"] for v in vectors} >= {"P-256", "P-384"}
    for v in vectors:
        family, bits = CURVES[v["curve"]]
        hash_alg = HASHES[v["hash"]]
        alg = DETERMINISTIC_ECDSA(hash_alg)
        pair_type = ECC_KEY_PAIR(family)
        got_bits, material = A.import_key(pair_type, 0, bytes.fromhex(v["private"]))
        assert got_bits == bits
        key = A.load(pair_type, bits, material)
        message = bytes.fromhex(v["message"])
        expected = bytes.fromhex(v["signature"])
        assert A.sign_message(key, pair_type, bits, alg, message) == expected, v
        hashed = digest(hash_alg, message)
        assert A.sign_hash(key, pair_type, bits, alg, hashed) == expected, v
        public = A.export_public_key(pair_type, bits, material)
        public_type = ECC_PUBLIC_KEY(family)
        public_key = A.load(public_type, bits, public)
        A.verify_message(public_key, public_type, bits, alg, message, expected)
        A.verify_hash(public_key, public_type, bits, ECDSA(hash_alg), hashed, expected)
        A.verify_hash(key, pair_type, bits, alg, hashed, expected)
        with pytest.raises(InvalidSignatureError):
            A.verify_message(public_key, public_type, bits, alg, message + b"!", expected)


def test_rfc8032_ed25519() -> None:
    for v in rfc_vectors("rfc8032_ed25519"):
        bits, material = A.import_key(ED_PAIR, 0, bytes.fromhex(v["secret"]))
        assert bits == 255
        public = A.export_public_key(ED_PAIR, bits, material)
        assert public.hex() == v["public"]
        assert A.import_key(ED_PUBLIC, 255, public) == (255, public)
        key = A.load(ED_PAIR, bits, material)
        message = bytes.fromhex(v["message"])
        signature = A.sign_message(key, ED_PAIR, bits, c.ALG_PURE_EDDSA, message)
        assert signature.hex() == v["signature"]
        public_key = A.load(ED_PUBLIC, bits, public)
        A.verify_message(public_key, ED_PUBLIC, bits, c.ALG_PURE_EDDSA, message, signature)
        A.verify_message(key, ED_PAIR, bits, c.ALG_PURE_EDDSA, message, signature)
        bad = bytes([signature[0] ^ 1]) + signature[1:]
        with pytest.raises(InvalidSignatureError):
            A.verify_message(public_key, ED_PUBLIC, bits, c.ALG_PURE_EDDSA, message, bad)


def test_rfc8032_ed448() -> None:
    with_context = 0
    for v in rfc_vectors("rfc8032_ed448"):
        bits, material = A.import_key(ED_PAIR, 0, bytes.fromhex(v["secret"]))
        assert bits == 448
        assert A.export_public_key(ED_PAIR, bits, material).hex() == v["public"]
        key = A.load(ED_PAIR, bits, material)
        message = bytes.fromhex(v["message"])
        context = bytes.fromhex(v["context"])
        if context:
            # Ed448 with a non-empty context (served by pycryptodome).
            with_context += 1
            signature = A.sign_message(key, ED_PAIR, bits, c.ALG_EDDSA_CTX, message, context)
            assert signature.hex() == v["signature"]
            A.verify_message(key, ED_PAIR, bits, c.ALG_EDDSA_CTX, message, signature, context)
            with pytest.raises(InvalidArgumentError):
                A.sign_message(key, ED_PAIR, bits, c.ALG_PURE_EDDSA, message, context)
            continue
        for alg in (c.ALG_PURE_EDDSA, c.ALG_EDDSA_CTX):
            signature = A.sign_message(key, ED_PAIR, bits, alg, message)
            assert signature.hex() == v["signature"]
            A.verify_message(key, ED_PAIR, bits, alg, message, signature)
    assert with_context == 1


# ---------------------------------------------------------------- Wycheproof: ECDSA

ECDSA_FILES = [
    "ecdsa_secp192r1_sha256_p1363_test",
    "ecdsa_secp224r1_sha224_p1363_test",
    "ecdsa_secp256r1_sha256_p1363_test",
    "ecdsa_secp256r1_shake128_p1363_test",
    "ecdsa_secp384r1_sha384_p1363_test",
    "ecdsa_secp384r1_sha512_p1363_test",
    "ecdsa_secp521r1_sha512_p1363_test",
    "ecdsa_secp256k1_sha256_p1363_test",
    "ecdsa_brainpoolP256r1_sha256_p1363_test",
    "ecdsa_brainpoolP384r1_sha384_p1363_test",
    "ecdsa_brainpoolP512r1_sha512_p1363_test",
    # the curves computed by python-ecdsa (secp224k1: key_bits 225)
    "ecdsa_secp192k1_sha256_p1363_test",
    "ecdsa_secp224k1_sha224_p1363_test",
    "ecdsa_secp224k1_sha256_p1363_test",
    "ecdsa_brainpoolP224r1_sha224_p1363_test",
    "ecdsa_brainpoolP320r1_sha384_p1363_test",
]


def _verify_outcome(fn: object, *args: object) -> bool:
    try:
        fn(*args)  # type: ignore[operator]
    except InvalidSignatureError:
        return False
    return True


@pytest.mark.parametrize("name", ECDSA_FILES)
def test_wycheproof_ecdsa_p1363(name: str) -> None:
    tally = Tally(name)
    loaded: dict[str, tuple[int, int, object]] = {}
    for case in wycheproof.cases(name):
        pk = case.group["publicKey"]
        family, bits = CURVES[pk["curve"]]
        public_type = ECC_PUBLIC_KEY(family)
        if pk["uncompressed"] not in loaded:
            got_bits, material = A.import_key(public_type, 0, bytes.fromhex(pk["uncompressed"]))
            assert got_bits == bits
            loaded[pk["uncompressed"]] = (public_type, bits, A.load(public_type, bits, material))
        key_type, bits, key = loaded[pk["uncompressed"]]
        hash_alg = HASHES[case.group["sha"]]
        message, signature = case.hexbytes("msg"), case.hexbytes("sig")
        hashed = digest(hash_alg, message)
        checks = [
            (A.verify_message, ECDSA(hash_alg), message),
            (A.verify_hash, ECDSA(hash_alg), hashed),
            (A.verify_hash, c.ALG_ECDSA_ANY, hashed),
        ]
        if hash_alg not in (c.ALG_SHAKE128_256, c.ALG_SHAKE256_512):
            checks.append((A.verify_message, DETERMINISTIC_ECDSA(hash_alg), message))
        outcomes = {
            _verify_outcome(fn, key, key_type, bits, alg, data, signature)
            for fn, alg, data in checks
        }
        if len(outcomes) != 1:
            tally.fail(case, "the verification functions disagree")
        elif case.valid and outcomes != {True}:
            tally.fail(case, "valid signature rejected")
        elif case.invalid and outcomes != {False}:
            tally.fail(case, "invalid signature accepted")
        elif outcomes == {True}:
            tally.ok()
        else:
            tally.rejected_ok()
    tally.check(100)


def test_ecdsa_sign_verify_every_curve() -> None:
    for family, sizes in (
        (c.ECC_FAMILY_SECP_R1, (192, 224, 256, 384, 521)),
        (c.ECC_FAMILY_SECP_K1, (192, 225, 256)),
        (c.ECC_FAMILY_BRAINPOOL_P_R1, (160, 192, 224, 256, 320, 384, 512)),
    ):
        pair_type, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
        for bits in sizes:
            key, public, _ = _pair(pair_type, bits)
            n_len = (bits + 7) // 8  # the order's bytes (225 bits for secp224k1)
            for hash_alg in (c.ALG_SHA_256, c.ALG_SHA_512, c.ALG_SHA3_256):
                for alg in (ECDSA(hash_alg), DETERMINISTIC_ECDSA(hash_alg)):
                    signature = A.sign_message(key, pair_type, bits, alg, b"message")
                    assert len(signature) == 2 * n_len
                    A.verify_message(public, public_type, bits, alg, b"message", signature)
                    hashed = digest(hash_alg, b"message")
                    signature = A.sign_hash(key, pair_type, bits, alg, hashed)
                    A.verify_hash(public, public_type, bits, ECDSA(hash_alg), hashed, signature)


def test_deterministic_ecdsa_is_deterministic() -> None:
    key, _, _ = _pair(P256_PAIR, 256)
    alg = DETERMINISTIC_ECDSA(SHA256)
    first = A.sign_message(key, P256_PAIR, 256, alg, b"abc")
    assert A.sign_message(key, P256_PAIR, 256, alg, b"abc") == first
    assert A.sign_message(key, P256_PAIR, 256, ECDSA(SHA256), b"abc") != first


def test_ecdsa_any_truncates_and_pads() -> None:
    key, public, _ = _pair(P256_PAIR, 256)
    long_input = bytes(range(64))
    signature = A.sign_hash(key, P256_PAIR, 256, c.ALG_ECDSA_ANY, long_input)
    # Only the leftmost 256 bits count: it is the ECDSA signature of the first 32 bytes.
    A.verify_hash(public, P256_PUBLIC, 256, ECDSA(SHA256), long_input[:32], signature)
    A.verify_hash(public, P256_PUBLIC, 256, c.ALG_ECDSA_ANY, long_input, signature)
    short_input = bytes(range(1, 21))
    signature = A.sign_hash(key, P256_PAIR, 256, c.ALG_ECDSA_ANY, short_input)
    padded = bytes(12) + short_input
    A.verify_hash(public, P256_PUBLIC, 256, ECDSA(SHA256), padded, signature)
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, P256_PAIR, 256, c.ALG_ECDSA_ANY, b"")
    # P-521: a SHA-512 digest is shorter than the order, so it is used whole.
    key, public, _ = _pair(P256_PAIR, 521)
    hashed = hashlib.sha512(b"x").digest()
    signature = A.sign_hash(key, P256_PAIR, 521, c.ALG_ECDSA_ANY, hashed)
    A.verify_hash(public, P256_PUBLIC, 521, ECDSA(c.ALG_SHA_512), hashed, signature)
    longer = hashed + hashed
    signature = A.sign_hash(key, P256_PAIR, 521, c.ALG_ECDSA_ANY, longer)
    A.verify_hash(public, P256_PUBLIC, 521, c.ALG_ECDSA_ANY, longer[:66], signature)


# ---------------------------------------------------------------- Wycheproof: EdDSA


@pytest.mark.parametrize("name", ["ed25519_test", "ed448_test"])
def test_wycheproof_eddsa(name: str) -> None:
    tally = Tally(name)
    for case in wycheproof.cases(name):
        raw = bytes.fromhex(case.group["publicKey"]["pk"])
        bits, material = A.import_key(ED_PUBLIC, 0, raw)
        key = A.load(ED_PUBLIC, bits, material)
        message, signature = case.hexbytes("msg"), case.hexbytes("sig")
        ok = _verify_outcome(
            A.verify_message, key, ED_PUBLIC, bits, c.ALG_PURE_EDDSA, message, signature
        )
        if case.valid and not ok:
            tally.fail(case, "valid signature rejected")
        elif case.invalid and ok:
            tally.fail(case, "invalid signature accepted")
        elif ok:
            tally.ok()
        else:
            tally.rejected_ok()
    tally.check(50)


# ---------------------------------------------------------------- Wycheproof: RSA

RSA_PKCS1_FILES = [
    "rsa_signature_2048_sha256_test",
    "rsa_signature_2048_sha3_256_test",
    "rsa_signature_2048_sha512_224_test",
    "rsa_signature_3072_sha384_test",
    "rsa_signature_4096_sha512_test",
]


@pytest.mark.parametrize("name", RSA_PKCS1_FILES)
def test_wycheproof_rsa_pkcs1_verify(name: str) -> None:
    tally = Tally(name)
    for case in wycheproof.cases(name):
        bits, material = A.import_key(RSA_PUBLIC, 0, bytes.fromhex(case.group["publicKeyAsn"]))
        assert bits == case.group["keySize"]
        key = A.load(RSA_PUBLIC, bits, material)
        hash_alg = HASHES[case.group["sha"]]
        alg = RSA_PKCS1V15_SIGN(hash_alg)
        message, signature = case.hexbytes("msg"), case.hexbytes("sig")
        outcomes = {
            _verify_outcome(A.verify_message, key, RSA_PUBLIC, bits, alg, message, signature),
            _verify_outcome(
                A.verify_hash, key, RSA_PUBLIC, bits, alg, digest(hash_alg, message), signature
            ),
        }
        if len(outcomes) != 1:
            tally.fail(case, "message and hash verification disagree")
        elif case.valid and outcomes != {True}:
            tally.fail(case, "valid signature rejected")
        elif case.invalid and outcomes != {False}:
            tally.fail(case, "invalid signature accepted")
        elif outcomes == {True}:
            tally.ok()
        else:
            tally.rejected_ok()
    tally.check(100)


RSA_PSS_FILES = [
    "rsa_pss_2048_sha256_mgf1_32_test",
    "rsa_pss_2048_sha256_mgf1_0_test",
    "rsa_pss_2048_sha384_mgf1_48_test",
    "rsa_pss_2048_sha512_256_mgf1_32_test",
    "rsa_pss_3072_sha256_mgf1_32_test",
    "rsa_pss_4096_sha512_mgf1_64_test",
    "rsa_pss_misc_test",
]


@pytest.mark.parametrize("name", RSA_PSS_FILES)
def test_wycheproof_rsa_pss_verify(name: str) -> None:
    """ANY_SALT accepts exactly the valid signatures; the standard-salt variant
    accepts them only when their salt is the hash length."""
    tally = Tally(name)
    for case in wycheproof.cases(name):
        group = case.group
        if group["mgf"] != "MGF1" or group["mgfSha"] != group["sha"]:
            tally.skip()  # PSA's PSS uses MGF1 with the message hash
            continue
        hash_alg = HASHES[group["sha"]]
        bits, material = A.import_key(RSA_PUBLIC, 0, bytes.fromhex(group["publicKeyAsn"]))
        key = A.load(RSA_PUBLIC, bits, material)
        message, signature = case.hexbytes("msg"), case.hexbytes("sig")
        hashed = digest(hash_alg, message)
        any_salt = {
            _verify_outcome(fn, key, RSA_PUBLIC, bits, RSA_PSS_ANY_SALT(hash_alg), data, signature)
            for fn, data in ((A.verify_message, message), (A.verify_hash, hashed))
        }
        standard = {
            _verify_outcome(fn, key, RSA_PUBLIC, bits, RSA_PSS(hash_alg), data, signature)
            for fn, data in ((A.verify_message, message), (A.verify_hash, hashed))
        }
        standard_salt = group["sLen"] == HASH_LENGTHS[hash_alg]
        if len(any_salt) != 1 or len(standard) != 1:
            tally.fail(case, "message and hash verification disagree")
        elif case.valid and any_salt != {True}:
            tally.fail(case, "valid signature rejected by PSS_ANY_SALT")
        elif case.valid and standard != {standard_salt}:
            tally.fail(case, f"PSS with salt {group['sLen']}: standard-salt outcome {standard}")
        elif case.invalid and case.comment.startswith("s_len changed to "):
            # A well-formed signature with another salt length: ANY_SALT must
            # accept it, the standard-salt variant only if that is the hash length.
            salt = int(case.comment.rsplit(" ", 1)[1])
            if any_salt != {True}:
                tally.fail(case, "PSS_ANY_SALT rejected a signature with another salt length")
            elif standard != {salt == HASH_LENGTHS[hash_alg]}:
                tally.fail(case, f"standard-salt PSS outcome {standard} for salt {salt}")
            else:
                tally.rejected_ok()
        elif case.invalid and (standard != {False} or any_salt != {False}):
            tally.fail(case, "invalid signature accepted")
        elif any_salt == {True}:
            tally.ok()
        else:
            tally.rejected_ok()
    tally.check(20)


@pytest.mark.parametrize("name", ["rsa_pkcs1_1024_sig_gen_test", "rsa_pkcs1_2048_sig_gen_test"])
def test_wycheproof_rsa_pkcs1_generate(name: str) -> None:
    """PKCS#1 v1.5 signatures are deterministic: hashed, and the raw variant over
    the DigestInfo, must give the expected signature."""
    tally = Tally(name)
    keys: dict[str, tuple[int, object]] = {}
    for case in wycheproof.cases(name):
        hash_alg = HASHES[case.group["sha"]]
        pkcs8 = case.group["privateKeyPkcs8"]
        if pkcs8 not in keys:
            bits, material = A.import_key(RSA_PAIR, 0, rsa_private_der(case.group))
            keys[pkcs8] = (bits, A.load(RSA_PAIR, bits, material))
        bits, key = keys[pkcs8]
        message, expected = case.hexbytes("msg"), case.hexbytes("sig")
        alg = RSA_PKCS1V15_SIGN(hash_alg)
        if A.sign_message(key, RSA_PAIR, bits, alg, message) != expected:
            tally.fail(case, "sign_message differs")
            continue
        hashed = digest(hash_alg, message)
        if A.sign_hash(key, RSA_PAIR, bits, alg, hashed) != expected:
            tally.fail(case, "sign_hash differs")
            continue
        digest_info = _digest_info(hash_alg, hashed)
        raw = c.ALG_RSA_PKCS1V15_SIGN_RAW
        if A.sign_hash(key, RSA_PAIR, bits, raw, digest_info) != expected:
            tally.fail(case, "raw signature differs")
            continue
        A.verify_hash(key, RSA_PAIR, bits, raw, digest_info, expected)
        tally.ok()
    tally.check(10)


_OIDS = {
    c.ALG_SHA_1: "2b0e03021a",
    c.ALG_SHA_224: "608648016503040204",
    c.ALG_SHA_256: "608648016503040201",
    c.ALG_SHA_384: "608648016503040202",
    c.ALG_SHA_512: "608648016503040203",
}


def _digest_info(hash_alg: int, hashed: bytes) -> bytes:
    oid = bytes.fromhex(_OIDS[hash_alg])
    algorithm = b"\x30" + bytes((len(oid) + 4,)) + b"\x06" + bytes((len(oid),)) + oid + b"\x05\x00"
    octets = b"\x04" + bytes((len(hashed),)) + hashed
    return b"\x30" + bytes((len(algorithm) + len(octets),)) + algorithm + octets


# ---------------------------------------------------------------- RSA behaviour


def test_rsa_sign_verify_schemes(rsa2048: tuple[bytes, object, object]) -> None:
    _, key, public = rsa2048
    for hash_alg in (c.ALG_SHA_1, c.ALG_SHA_256, c.ALG_SHA_512, c.ALG_SHA3_256):
        hashed = digest(hash_alg, b"text")
        for alg in (RSA_PKCS1V15_SIGN(hash_alg), RSA_PSS(hash_alg), RSA_PSS_ANY_SALT(hash_alg)):
            signature = A.sign_hash(key, RSA_PAIR, 2048, alg, hashed)
            assert len(signature) == 256
            A.verify_hash(public, RSA_PUBLIC, 2048, alg, hashed, signature)
            A.verify_hash(key, RSA_PAIR, 2048, alg, hashed, signature)
            A.verify_message(public, RSA_PUBLIC, 2048, alg, b"text", signature)
            signature = A.sign_message(key, RSA_PAIR, 2048, alg, b"text")
            A.verify_hash(public, RSA_PUBLIC, 2048, alg, hashed, signature)
            with pytest.raises(InvalidSignatureError):
                A.verify_message(public, RSA_PUBLIC, 2048, alg, b"texT", signature)
    # PSS and PSS_ANY_SALT sign alike: each verifies the other's signature.
    hashed = digest(SHA256, b"x")
    signature = A.sign_hash(key, RSA_PAIR, 2048, RSA_PSS_ANY_SALT(SHA256), hashed)
    A.verify_hash(public, RSA_PUBLIC, 2048, RSA_PSS(SHA256), hashed, signature)


def test_rsa_pss_salt_capped_by_small_key(rsa1024: tuple[bytes, object, object]) -> None:
    # 1024-bit key with SHA-512: the salt is 128 - 64 - 2 = 62 bytes, not 64.
    _, key, public = rsa1024
    alg = RSA_PSS(c.ALG_SHA_512)
    hashed = digest(c.ALG_SHA_512, b"m")
    signature = A.sign_hash(key, RSA_PAIR, 1024, alg, hashed)
    A.verify_hash(public, RSA_PUBLIC, 1024, alg, hashed, signature)
    A.verify_hash(public, RSA_PUBLIC, 1024, RSA_PSS_ANY_SALT(c.ALG_SHA_512), hashed, signature)


def test_rsa_raw(rsa2048: tuple[bytes, object, object]) -> None:
    _, key, public = rsa2048
    raw = c.ALG_RSA_PKCS1V15_SIGN_RAW
    hashed = digest(SHA256, b"abc")
    expected = A.sign_hash(key, RSA_PAIR, 2048, RSA_PKCS1V15_SIGN(SHA256), hashed)
    info = _digest_info(SHA256, hashed)
    assert A.sign_hash(key, RSA_PAIR, 2048, raw, info) == expected
    # Any byte string up to k - 11 bytes, e.g. the TLS 1.0 MD5+SHA-1 concatenation.
    tls = hashlib.md5(b"abc").digest() + hashlib.sha1(b"abc").digest()
    signature = A.sign_hash(key, RSA_PAIR, 2048, raw, tls)
    A.verify_hash(public, RSA_PUBLIC, 2048, raw, tls, signature)
    A.verify_hash(public, RSA_PUBLIC, 2048, raw, memoryview(tls), bytearray(signature))
    for bad_input, bad_signature in (
        (tls[:-1], signature),
        (tls, signature[:-1]),
        (b"", signature),
    ):
        with pytest.raises(InvalidSignatureError):
            A.verify_hash(public, RSA_PUBLIC, 2048, raw, bad_input, bad_signature)
    A.sign_hash(key, RSA_PAIR, 2048, raw, bytes(256 - 11))
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, RSA_PAIR, 2048, raw, bytes(256 - 10))
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, RSA_PAIR, 2048, raw, b"abc")


def test_rsa_errors(rsa2048: tuple[bytes, object, object]) -> None:
    _, key, public = rsa2048
    hashed = digest(SHA256, b"abc")
    with pytest.raises(InvalidArgumentError):  # wrong hash length
        A.sign_hash(key, RSA_PAIR, 2048, RSA_PSS(SHA256), hashed[:-1])
    with pytest.raises(InvalidArgumentError):
        A.verify_hash(public, RSA_PUBLIC, 2048, RSA_PSS(SHA256), hashed + b"\0", bytes(256))
    with pytest.raises(InvalidArgumentError):  # signing needs the private key
        A.sign_hash(public, RSA_PUBLIC, 2048, RSA_PSS(SHA256), hashed)
    with pytest.raises(InvalidArgumentError):  # ECDSA with an RSA key
        A.sign_hash(key, RSA_PAIR, 2048, ECDSA(SHA256), hashed)
    with pytest.raises(InvalidArgumentError):  # a wildcard is only for policies
        A.sign_hash(key, RSA_PAIR, 2048, RSA_PSS(c.ALG_ANY_HASH), hashed)
    with pytest.raises(InvalidArgumentError):  # not a signature algorithm
        A.sign_hash(key, RSA_PAIR, 2048, c.ALG_RSA_PKCS1V15_CRYPT, hashed)
    with pytest.raises(NotSupportedError):
        A.sign_hash(key, RSA_PAIR, 2048, RSA_PSS(c.ALG_MD2), bytes(16))
    with pytest.raises(InvalidArgumentError):  # RSA has no context
        A.sign_hash(key, RSA_PAIR, 2048, RSA_PSS(SHA256), hashed, b"ctx")
    signature = A.sign_hash(key, RSA_PAIR, 2048, RSA_PSS(SHA256), hashed)
    for bad in (signature[:-1], signature + b"\0", bytes(256), b""):
        with pytest.raises(InvalidSignatureError):
            A.verify_hash(public, RSA_PUBLIC, 2048, RSA_PSS(SHA256), hashed, bad)


# ---------------------------------------------------------------- ECC errors


def test_ecdsa_errors() -> None:
    key, public, _ = _pair(P256_PAIR, 256)
    hashed = digest(SHA256, b"abc")
    alg = ECDSA(SHA256)
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, P256_PAIR, 256, alg, hashed[:31])
    with pytest.raises(InvalidArgumentError):
        A.verify_hash(public, P256_PUBLIC, 256, alg, hashed[:31], bytes(64))
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(public, P256_PUBLIC, 256, alg, hashed)
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, P256_PAIR, 256, c.ALG_ECDSA_ANY, b"abc")
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, P256_PAIR, 256, RSA_PSS(SHA256), hashed)
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, P256_PAIR, 256, c.ALG_PURE_EDDSA, b"abc")
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, P256_PAIR, 256, ECDSA(c.ALG_ANY_HASH), hashed)
    with pytest.raises(NotSupportedError):
        A.sign_hash(key, P256_PAIR, 256, ECDSA(c.ALG_MD4), bytes(16))
    with pytest.raises(NotSupportedError):  # RFC 6979 needs HMAC: no SHAKE
        A.sign_message(key, P256_PAIR, 256, DETERMINISTIC_ECDSA(c.ALG_SHAKE256_512), b"abc")
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, P256_PAIR, 256, alg, hashed, b"context")
    signature = A.sign_hash(key, P256_PAIR, 256, alg, hashed)
    A.verify_hash(public, P256_PUBLIC, 256, alg, hashed, signature, b"")
    n = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
    r = signature[:32]
    for bad in (
        signature[:-1],
        signature + b"\0",
        bytes(64),
        r + bytes(32),
        r + n.to_bytes(32, "big"),
        r + (int.from_bytes(signature[32:], "big") + n).to_bytes(33, "big")[1:],
    ):
        with pytest.raises(InvalidSignatureError):
            A.verify_hash(public, P256_PUBLIC, 256, alg, hashed, bad)
    # Any bytes-like input.
    A.verify_hash(public, P256_PUBLIC, 256, alg, bytearray(hashed), memoryview(signature))
    A.sign_hash(key, P256_PAIR, 256, alg, memoryview(hashed))


def test_eddsa_variants() -> None:
    key, public, _ = _pair(ED_PAIR, 255)
    with pytest.raises(InvalidArgumentError):  # PureEdDSA signs messages only
        A.sign_hash(key, ED_PAIR, 255, c.ALG_PURE_EDDSA, bytes(64))
    with pytest.raises(InvalidArgumentError):  # the Ed25519ph prehash is 64 bytes
        A.sign_hash(key, ED_PAIR, 255, c.ALG_ED25519PH, bytes(32))
    ph_signature = A.sign_message(key, ED_PAIR, 255, c.ALG_ED25519PH, b"abc")
    A.verify_message(public, ED_PUBLIC, 255, c.ALG_ED25519PH, b"abc", ph_signature)
    with pytest.raises(InvalidSignatureError):
        A.verify_message(public, ED_PUBLIC, 255, c.ALG_ED25519PH, b"abc", bytes(64))
    with pytest.raises(InvalidArgumentError):  # Ed448ph needs an Edwards448 key
        A.sign_hash(key, ED_PAIR, 255, c.ALG_ED448PH, bytes(64))
    with pytest.raises(NotSupportedError):  # Ed25519ctx with an empty context
        A.sign_message(key, ED_PAIR, 255, c.ALG_EDDSA_CTX, b"abc")
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, ED_PAIR, 255, ECDSA(SHA256), b"abc")
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, ED_PAIR, 255, c.ALG_PURE_EDDSA, b"abc", b"ctx")
    signature = A.sign_message(key, ED_PAIR, 255, c.ALG_PURE_EDDSA, memoryview(b"abc"))
    for bad in (signature[:-1], signature + b"\0", bytes(64)):
        with pytest.raises(InvalidSignatureError):
            A.verify_message(public, ED_PUBLIC, 255, c.ALG_PURE_EDDSA, b"abc", bad)
    key448, public448, _ = _pair(ED_PAIR, 448)
    ph448 = A.sign_hash(key448, ED_PAIR, 448, c.ALG_ED448PH, bytes(64))
    A.verify_hash(public448, ED_PUBLIC, 448, c.ALG_ED448PH, bytes(64), ph448)
    with pytest.raises(InvalidArgumentError):  # contexts are at most 255 bytes
        A.sign_message(key448, ED_PAIR, 448, c.ALG_EDDSA_CTX, b"abc", bytes(256))
    with_ctx = A.sign_message(key448, ED_PAIR, 448, c.ALG_EDDSA_CTX, b"abc", b"ctx")
    with pytest.raises(InvalidSignatureError):  # the context is part of the signature
        A.verify_message(public448, ED_PUBLIC, 448, c.ALG_EDDSA_CTX, b"abc", with_ctx)
    signature = A.sign_message(key448, ED_PAIR, 448, c.ALG_EDDSA_CTX, b"abc")
    assert len(signature) == 114
    A.verify_message(public448, ED_PUBLIC, 448, c.ALG_PURE_EDDSA, b"abc", signature)


def test_montgomery_and_dh_keys_cannot_sign() -> None:
    mont = ECC_KEY_PAIR(c.ECC_FAMILY_MONTGOMERY)
    key = A.load(mont, 255, A.generate_key(mont, 255))
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, mont, 255, c.ALG_PURE_EDDSA, b"abc")
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, mont, 255, ECDSA(SHA256), bytes(32))
