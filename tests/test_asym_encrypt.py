"""RSA encryption of the asymmetric software driver: Wycheproof OAEP and PKCS#1
v1.5 decryption, round trips, length limits and the error cases."""

from __future__ import annotations

import pytest
import wycheproof
from asym_vectors import (
    ECC_KEY_PAIR,
    HASH_LENGTHS,
    HASHES,
    RSA_OAEP,
    RSA_PAIR,
    RSA_PUBLIC,
    Tally,
    rsa_private_der,
)

from psacrypto import constants as c
from psacrypto.drivers.software import asymmetric as A
from psacrypto.errors import InvalidArgumentError, InvalidPaddingError, NotSupportedError

PKCS1 = c.ALG_RSA_PKCS1V15_CRYPT
OAEP_SUPPORTED = {c.ALG_SHA_1, c.ALG_SHA_224, c.ALG_SHA_256, c.ALG_SHA_384, c.ALG_SHA_512}


@pytest.fixture(scope="module")
def rsa2048() -> tuple[object, object]:
    material = A.generate_key(RSA_PAIR, 2048)
    public = A.export_public_key(RSA_PAIR, 2048, material)
    return A.load(RSA_PAIR, 2048, material), A.load(RSA_PUBLIC, 2048, public)


def _load_group_key(
    cache: dict[str, tuple[int, object]], group: dict[str, object]
) -> tuple[int, object]:
    pkcs8 = str(group["privateKeyPkcs8"])
    if pkcs8 not in cache:
        bits, material = A.import_key(RSA_PAIR, 0, rsa_private_der(group))  # type: ignore[arg-type]
        cache[pkcs8] = (bits, A.load(RSA_PAIR, bits, material))
    return cache[pkcs8]


OAEP_FILES = [
    "rsa_oaep_2048_sha1_mgf1sha1_test",
    "rsa_oaep_2048_sha224_mgf1sha224_test",
    "rsa_oaep_2048_sha256_mgf1sha256_test",
    "rsa_oaep_2048_sha384_mgf1sha384_test",
    "rsa_oaep_2048_sha512_mgf1sha512_test",
    "rsa_oaep_3072_sha512_mgf1sha512_test",
    "rsa_oaep_4096_sha256_mgf1sha256_test",
    "rsa_oaep_misc_test",
]


@pytest.mark.parametrize("name", OAEP_FILES)
def test_wycheproof_oaep(name: str) -> None:
    tally = Tally(name)
    keys: dict[str, tuple[int, object]] = {}
    for case in wycheproof.cases(name):
        group = case.group
        hash_alg = HASHES[group["sha"]]
        if group["mgf"] != "MGF1" or group["mgfSha"] != group["sha"]:
            tally.skip()  # PSA's OAEP uses MGF1 with the label hash
            continue
        if group["keySize"] > 4096:
            with pytest.raises(NotSupportedError):
                A.import_key(RSA_PAIR, 0, rsa_private_der(group))
            tally.skip()
            continue
        bits, key = _load_group_key(keys, group)
        alg = RSA_OAEP(hash_alg)
        ciphertext, label = case.hexbytes("ct"), case.hexbytes("label")
        k = (bits + 7) // 8
        try:
            plaintext: bytes | None = A.asymmetric_decrypt(
                key, RSA_PAIR, bits, alg, ciphertext, label
            )
            error: type[Exception] | None = None
        except (InvalidPaddingError, InvalidArgumentError) as exc:
            plaintext, error = None, type(exc)
        if plaintext is not None:
            if plaintext != case.hexbytes("msg"):
                tally.fail(case, "wrong plaintext")
            elif case.invalid:
                tally.fail(case, "invalid ciphertext accepted")
            else:
                tally.ok()
                # Our own encryption of the message decrypts back.
                again = A.asymmetric_encrypt(key, RSA_PAIR, bits, alg, plaintext, label)
                assert A.asymmetric_decrypt(key, RSA_PAIR, bits, alg, again, label) == plaintext
        elif case.valid:
            tally.fail(case, f"valid ciphertext rejected ({error})")
        else:
            expected = InvalidArgumentError if len(ciphertext) != k else InvalidPaddingError
            if error is not expected:
                tally.fail(case, f"rejected with {error}, expected {expected}")
            else:
                tally.rejected_ok()
    tally.check(15)


def test_wycheproof_oaep_unsupported_hash() -> None:
    """OAEP with SHA-512/224 (or SHA-3): pyca offers OAEP with SHA-1/SHA-2 only."""
    for case in wycheproof.cases("rsa_oaep_2048_sha512_224_mgf1sha512_224_test"):
        bits, material = A.import_key(RSA_PAIR, 0, rsa_private_der(case.group))
        key = A.load(RSA_PAIR, bits, material)
        with pytest.raises(NotSupportedError):
            A.asymmetric_decrypt(
                key, RSA_PAIR, bits, RSA_OAEP(c.ALG_SHA_512_224), case.hexbytes("ct")
            )
        break


def test_wycheproof_pkcs1_decrypt() -> None:
    """Valid ciphertexts decrypt to the message. Invalid padding is answered by
    implicit rejection (a deterministic pseudo-random message, never the padding
    error), except for inputs that are not ciphertexts of this key at all."""
    name = "rsa_pkcs1_2048_test"
    tally = Tally(name)
    keys: dict[str, tuple[int, object]] = {}
    for case in wycheproof.cases(name):
        bits, key = _load_group_key(keys, case.group)
        ciphertext = case.hexbytes("ct")
        k = (bits + 7) // 8
        try:
            plaintext: bytes | None = A.asymmetric_decrypt(key, RSA_PAIR, bits, PKCS1, ciphertext)
            error: type[Exception] | None = None
        except (InvalidPaddingError, InvalidArgumentError) as exc:
            plaintext, error = None, type(exc)
        if case.valid:
            if plaintext != case.hexbytes("msg"):
                tally.fail(case, f"valid ciphertext: {plaintext!r} ({error})")
            else:
                tally.ok()
        elif plaintext is not None:
            again = A.asymmetric_decrypt(key, RSA_PAIR, bits, PKCS1, ciphertext)
            if again != plaintext or (case.test["msg"] and plaintext == case.hexbytes("msg")):
                tally.fail(case, "implicit rejection is not deterministic")
            else:
                tally.rejected_ok()
        elif len(ciphertext) != k:
            if error is not InvalidArgumentError:
                tally.fail(case, f"wrong-length ciphertext gave {error}")
            else:
                tally.rejected_ok()
        elif int.from_bytes(ciphertext, "big") < _modulus(key):
            tally.fail(case, f"a ciphertext below n was refused with {error}")
        else:
            tally.rejected_ok()  # c >= n is not a ciphertext of this key
    tally.check(60)


def _modulus(key: object) -> int:
    n: int = key.private_numbers().public_numbers.n  # type: ignore[attr-defined]
    return n


def test_round_trips(rsa2048: tuple[object, object]) -> None:
    key, public = rsa2048
    k = 256
    for alg, max_len in [(PKCS1, k - 11)] + [
        (RSA_OAEP(h), k - 2 * HASH_LENGTHS[h] - 2) for h in sorted(OAEP_SUPPORTED)
    ]:
        labels = [b""] if alg == PKCS1 else [b"", b"label", bytes(300)]
        for label in labels:
            for message in (b"", b"m", bytes(range(256))[:max_len]):
                ciphertext = A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, alg, message, label)
                assert len(ciphertext) == k
                again = A.asymmetric_encrypt(key, RSA_PAIR, 2048, alg, bytearray(message), label)
                assert again != ciphertext  # randomized padding
                plain = A.asymmetric_decrypt(
                    key, RSA_PAIR, 2048, alg, memoryview(ciphertext), label
                )
                assert plain == message
        with pytest.raises(InvalidArgumentError):
            A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, alg, bytes(max_len + 1), b"")


def test_errors(rsa2048: tuple[object, object]) -> None:
    key, public = rsa2048
    oaep = RSA_OAEP(c.ALG_SHA_256)
    ciphertext = A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, oaep, b"secret", b"L")
    with pytest.raises(InvalidPaddingError):  # wrong label
        A.asymmetric_decrypt(key, RSA_PAIR, 2048, oaep, ciphertext, b"M")
    with pytest.raises(InvalidPaddingError):  # corrupted
        A.asymmetric_decrypt(
            key, RSA_PAIR, 2048, oaep, ciphertext[:-1] + bytes((ciphertext[-1] ^ 1,)), b"L"
        )
    with pytest.raises(InvalidArgumentError):  # wrong length
        A.asymmetric_decrypt(key, RSA_PAIR, 2048, oaep, ciphertext[1:], b"L")
    with pytest.raises(InvalidArgumentError):  # decryption needs the private key
        A.asymmetric_decrypt(public, RSA_PUBLIC, 2048, oaep, ciphertext, b"L")
    with pytest.raises(InvalidArgumentError):  # PKCS#1 v1.5 takes no salt
        A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, PKCS1, b"x", b"salt")
    pkcs1_ct = A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, PKCS1, b"x", b"")
    with pytest.raises(InvalidArgumentError):
        A.asymmetric_decrypt(key, RSA_PAIR, 2048, PKCS1, pkcs1_ct, b"salt")
    with pytest.raises(InvalidArgumentError):  # not an encryption algorithm
        A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, c.ALG_RSA_PKCS1V15_SIGN_RAW, b"x", b"")
    with pytest.raises(InvalidArgumentError):  # wildcard
        A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, RSA_OAEP(c.ALG_ANY_HASH), b"x", b"")
    for hash_alg in (c.ALG_SHA3_256, c.ALG_SHA_512_256, c.ALG_MD5):
        with pytest.raises(NotSupportedError):
            A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, RSA_OAEP(hash_alg), b"x", b"")
    with pytest.raises(NotSupportedError):  # an encryption algorithm this driver lacks
        A.asymmetric_encrypt(public, RSA_PUBLIC, 2048, 0x07000400, b"x", b"")
    ecc = ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    ecc_key = A.load(ecc, 256, A.generate_key(ecc, 256))
    with pytest.raises(InvalidArgumentError):
        A.asymmetric_encrypt(ecc_key, ecc, 256, oaep, b"x", b"")
    # Implicit rejection: a corrupted PKCS#1 v1.5 ciphertext decrypts to a fixed
    # pseudo-random message, not to an error.
    corrupted = pkcs1_ct[:-1] + bytes((pkcs1_ct[-1] ^ 1,))
    first = A.asymmetric_decrypt(key, RSA_PAIR, 2048, PKCS1, corrupted)
    assert first == A.asymmetric_decrypt(key, RSA_PAIR, 2048, PKCS1, corrupted)
