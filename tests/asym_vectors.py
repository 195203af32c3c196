"""Helpers shared by the asymmetric driver tests (tests/test_asym_*.py).

* Algorithm and key-type constructors (the spec's macros, written out here so the
  tests do not depend on psacrypto.macros).
* Wycheproof naming (curves, hashes) mapped to PSA values; Wycheproof files are read
  with tests/wycheproof.py.
* The RFC test vectors in tests/data/asym/ (see the README there).
* ``Tally``: runs every case of a vector file, collecting failures, so one test per
  file reports all mismatches at once.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization

from psacrypto import constants as c

DATA = Path(__file__).parent / "data" / "asym"

# ---------------------------------------------------------------- algorithms


def ECDSA(hash_alg: int) -> int:
    return 0x06000600 | (hash_alg & 0xFF)


def DETERMINISTIC_ECDSA(hash_alg: int) -> int:
    return 0x06000700 | (hash_alg & 0xFF)


def RSA_PKCS1V15_SIGN(hash_alg: int) -> int:
    return 0x06000200 | (hash_alg & 0xFF)


def RSA_PSS(hash_alg: int) -> int:
    return 0x06000300 | (hash_alg & 0xFF)


def RSA_PSS_ANY_SALT(hash_alg: int) -> int:
    return 0x06001300 | (hash_alg & 0xFF)


def RSA_OAEP(hash_alg: int) -> int:
    return 0x07000300 | (hash_alg & 0xFF)


def HKDF(hash_alg: int) -> int:
    return 0x08000100 | (hash_alg & 0xFF)


def ECC_KEY_PAIR(family: int) -> int:
    return 0x7100 | family


def ECC_PUBLIC_KEY(family: int) -> int:
    return 0x4100 | family


def DH_KEY_PAIR(family: int) -> int:
    return 0x7200 | family


def DH_PUBLIC_KEY(family: int) -> int:
    return 0x4200 | family


RSA_PAIR = c.KEY_TYPE_RSA_KEY_PAIR
RSA_PUBLIC = c.KEY_TYPE_RSA_PUBLIC_KEY

# ---------------------------------------------------------------- Wycheproof naming

HASHES: dict[str, int] = {
    "SHA-1": c.ALG_SHA_1,
    "SHA-224": c.ALG_SHA_224,
    "SHA-256": c.ALG_SHA_256,
    "SHA-384": c.ALG_SHA_384,
    "SHA-512": c.ALG_SHA_512,
    "SHA-512/224": c.ALG_SHA_512_224,
    "SHA-512/256": c.ALG_SHA_512_256,
    "SHA3-224": c.ALG_SHA3_224,
    "SHA3-256": c.ALG_SHA3_256,
    "SHA3-384": c.ALG_SHA3_384,
    "SHA3-512": c.ALG_SHA3_512,
    "SHAKE128": c.ALG_SHAKE128_256,
    "SHAKE256": c.ALG_SHAKE256_512,
    # RFC 6979 vector names
    "SHA1": c.ALG_SHA_1,
    "SHA224": c.ALG_SHA_224,
    "SHA256": c.ALG_SHA_256,
    "SHA384": c.ALG_SHA_384,
    "SHA512": c.ALG_SHA_512,
}

HASH_LENGTHS: dict[int, int] = {
    c.ALG_SHA_1: 20,
    c.ALG_SHA_224: 28,
    c.ALG_SHA_256: 32,
    c.ALG_SHA_384: 48,
    c.ALG_SHA_512: 64,
    c.ALG_SHA_512_224: 28,
    c.ALG_SHA_512_256: 32,
    c.ALG_SHA3_224: 28,
    c.ALG_SHA3_256: 32,
    c.ALG_SHA3_384: 48,
    c.ALG_SHA3_512: 64,
    c.ALG_SHAKE128_256: 32,
    c.ALG_SHAKE256_512: 64,
}

CURVES: dict[str, tuple[int, int]] = {
    "secp192r1": (c.ECC_FAMILY_SECP_R1, 192),
    "secp224r1": (c.ECC_FAMILY_SECP_R1, 224),
    "secp256r1": (c.ECC_FAMILY_SECP_R1, 256),
    "secp384r1": (c.ECC_FAMILY_SECP_R1, 384),
    "secp521r1": (c.ECC_FAMILY_SECP_R1, 521),
    "secp256k1": (c.ECC_FAMILY_SECP_K1, 256),
    "brainpoolP256r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 256),
    "brainpoolP384r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 384),
    "brainpoolP512r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 512),
    # served by python-ecdsa (pyca lacks them)
    "secp192k1": (c.ECC_FAMILY_SECP_K1, 192),
    "secp224k1": (c.ECC_FAMILY_SECP_K1, 225),
    "brainpoolP160r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 160),
    "brainpoolP192r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 192),
    "brainpoolP224r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 224),
    "brainpoolP320r1": (c.ECC_FAMILY_BRAINPOOL_P_R1, 320),
    "P-192": (c.ECC_FAMILY_SECP_R1, 192),
    "P-224": (c.ECC_FAMILY_SECP_R1, 224),
    "P-256": (c.ECC_FAMILY_SECP_R1, 256),
    "P-384": (c.ECC_FAMILY_SECP_R1, 384),
    "P-521": (c.ECC_FAMILY_SECP_R1, 521),
}


def digest(hash_alg: int, message: bytes) -> bytes:
    """The digest of ``message`` with a PSA hash algorithm (test-side reference)."""
    import hashlib

    names = {
        c.ALG_SHA_1: "sha1",
        c.ALG_SHA_224: "sha224",
        c.ALG_SHA_256: "sha256",
        c.ALG_SHA_384: "sha384",
        c.ALG_SHA_512: "sha512",
        c.ALG_SHA_512_224: "sha512_224",
        c.ALG_SHA_512_256: "sha512_256",
        c.ALG_SHA3_224: "sha3_224",
        c.ALG_SHA3_256: "sha3_256",
        c.ALG_SHA3_384: "sha3_384",
        c.ALG_SHA3_512: "sha3_512",
    }
    if hash_alg == c.ALG_SHAKE128_256:
        return hashlib.shake_128(message).digest(32)
    if hash_alg == c.ALG_SHAKE256_512:
        return hashlib.shake_256(message).digest(64)
    return hashlib.new(names[hash_alg], message).digest()


def rsa_private_der(group: dict[str, Any]) -> bytes:
    """The RSAPrivateKey DER (the PSA import format) of a Wycheproof group's key."""
    pkcs8 = bytes.fromhex(group["privateKeyPkcs8"])
    # Only a change of encoding: the driver's import does the key check.
    key = serialization.load_der_private_key(pkcs8, None, unsafe_skip_rsa_key_validation=True)
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def spki_point(der: bytes) -> bytes | None:
    """The subjectPublicKey bits of a DER SubjectPublicKeyInfo, or None when the
    structure cannot be walked (a broken ASN.1 encoding)."""

    def tlv(data: bytes, pos: int) -> tuple[int, int, int] | None:
        if pos + 2 > len(data):
            return None
        tag, first = data[pos], data[pos + 1]
        pos += 2
        if first & 0x80:
            count = first & 0x7F
            if count == 0 or pos + count > len(data):
                return None
            length = int.from_bytes(data[pos : pos + count], "big")
            pos += count
        else:
            length = first
        if pos + length > len(data):
            return None
        return tag, pos, pos + length

    outer = tlv(der, 0)
    if outer is None or outer[0] != 0x30 or outer[2] != len(der):
        return None
    algorithm = tlv(der, outer[1])
    if algorithm is None or algorithm[0] != 0x30:
        return None
    bits = tlv(der, algorithm[2])
    if bits is None or bits[0] != 0x03 or bits[2] != outer[2] or bits[2] - bits[1] < 1:
        return None
    if der[bits[1]] != 0:
        return None
    return der[bits[1] + 1 : bits[2]]


# ---------------------------------------------------------------- RFC vectors


@functools.cache
def rfc_vectors(name: str) -> list[dict[str, Any]]:
    with (DATA / f"{name}.json").open(encoding="utf-8") as f:
        vectors: list[dict[str, Any]] = json.load(f)["vectors"]
    return vectors


# ---------------------------------------------------------------- tallying


@dataclass
class Tally:
    """Outcome counts of one vector file; ``failures`` lists every mismatch."""

    name: str
    passed: int = 0
    rejected: int = 0
    skipped: int = 0
    failures: list[str] = field(default_factory=list)

    def ok(self) -> None:
        self.passed += 1

    def rejected_ok(self) -> None:
        self.rejected += 1

    def skip(self) -> None:
        self.skipped += 1

    def fail(self, case: object, why: str) -> None:
        self.failures.append(f"{case}: {why}")

    def check(self, minimum: int = 1) -> None:
        """Fail the test on any mismatch, or if fewer than ``minimum`` cases ran."""
        assert not self.failures, f"{self.name}: {len(self.failures)} failures\n" + "\n".join(
            self.failures[:30]
        )
        assert self.passed + self.rejected >= minimum, (
            f"{self.name}: only {self.passed + self.rejected} cases ran ({self.skipped} skipped)"
        )
