"""Key derivation on published test vectors, through the whole PSA operation.

Sources:

* HKDF: RFC 5869 appendix A (``KDF/rfc-5869-HKDF-SHA{1,256}.txt`` of the
  ``cryptography_vectors`` package) and Wycheproof ``hkdf_sha{1,256,384,512}_test``
  (including the output sizes above ``255 * HashLen``, which must fail).
* PBKDF2-HMAC: RFC 6070 (SHA-1, ``KDF/rfc-6070-PBKDF2-SHA1.txt``) and Wycheproof
  ``pbkdf2_hmacsha{1,224,256,384,512}_test`` (which carries the RFC 7914 section 11
  PBKDF2-HMAC-SHA-256 vectors); every other HMAC hash is cross-checked against pyca's
  ``PBKDF2HMAC``.
* PBKDF2-AES-CMAC-PRF-128: the PRF on RFC 4615 section 4; the KDF on the PSKc test
  vector of the Thread 1.4 specification, section 8.4.1.2.1 (passphrase
  ``12SECRETPASSWORD34``, network name ``Test Network``, extended PAN ID
  ``0001020304050607``, 16384 iterations).
* TLS 1.2 PRF: the P_SHA256 and P_SHA384 vectors posted to the IETF TLS working group
  (https://www.ietf.org/mail-archive/web/tls/current/msg03416.html), also used by
  BearSSL, Go and others.
* TLS 1.2 PSK-to-MS: the RFC 4279 premaster secret fed to OpenSSL 3.0's own TLS1-PRF
  (``openssl kdf -keylen 48 -kdfopt digest:SHA256 -kdfopt hexsecret:<pms>
  -kdfopt hexseed:<"master secret" || seed> TLS1-PRF``), an implementation independent
  of this one; the expected values below are its output.
* SP 800-108 counter mode: the NIST CAVP KBKDF vectors (``KDF/nist-800-108-KBKDF-CTR.txt``,
  counter before the fixed data, 32-bit counter, HMAC-SHA-1/224/256/384/512 and
  CMAC-AES-128/192/256) for the counter construction; the PSA fixed-data layout is
  cross-checked against pyca's ``KBKDFHMAC``/``KBKDFCMAC``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Iterator
from typing import Any

import cryptography_vectors
import pytest
import wycheproof
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.kdf.kbkdf import (
    KBKDFCMAC,
    KBKDFHMAC,
    CounterLocation,
    Mode,
)
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

# The step names and the input helper of the behaviour tests (tests/ is on sys.path).
from test_key_derivation import (
    CONTEXT,
    COST,
    INFO,
    LABEL,
    OTHER_SECRET,
    PASSWORD,
    SALT,
    SECRET,
    SEED,
    feed,
)

import psacrypto as p
from psacrypto.context import LocalContext
from psacrypto.core.hash import CONSTRUCTORS
from psacrypto.drivers.software import kdf
from psacrypto.drivers.software.primitives.modes import Cmac, PycaBlockCipher
from psacrypto.errors import InsufficientDataError

HASHES = {
    "SHA-1": p.ALG_SHA_1,
    "SHA1": p.ALG_SHA_1,
    "SHA224": p.ALG_SHA_224,
    "SHA-256": p.ALG_SHA_256,
    "SHA256": p.ALG_SHA_256,
    "SHA384": p.ALG_SHA_384,
    "SHA512": p.ALG_SHA_512,
}


def derive(
    ctx: LocalContext,
    alg: int,
    inputs: list[tuple[int, Any]],
    length: int | list[int],
    capacity: int = -1,
) -> bytes:
    """Run one operation: ``inputs`` in order, then one read of ``length`` bytes, or
    successive reads of each length of a list (concatenated)."""
    with ctx.KeyDerivationOperation() as op:
        op.setup(alg)
        if capacity >= 0:
            op.set_capacity(capacity)
        feed(op, inputs)
        reads = length if isinstance(length, list) else [length]
        return b"".join(op.output_bytes(n) for n in reads)


def read_vector_file(path: str) -> Iterator[dict[str, str]]:
    """The cases of a NIST/pyca ``.txt`` vector file: each starts at ``COUNT =`` and
    carries the ``[NAME=value]`` section headers above it."""
    section: dict[str, str] = {}
    block: dict[str, str] = {}
    with cryptography_vectors.open_vector_file(path, "r") as f:
        for raw in f:
            line = raw.strip()
            header = re.fullmatch(r"\[(\w+)=(\w+)\]", line)
            if header:
                section[header.group(1)] = header.group(2)
            elif "=" in line and not line.startswith("#"):
                key, value = (part.strip() for part in line.split("=", 1))
                if key == "COUNT":
                    if block:
                        yield block
                    block = dict(section)
                block[key] = value
    if block:
        yield block


# HKDF ---------------------------------------------------------------------------------------


def rfc5869_cases() -> list[dict[str, str]]:
    cases = []
    for name in ("KDF/rfc-5869-HKDF-SHA1.txt", "KDF/rfc-5869-HKDF-SHA256.txt"):
        cases += [case for case in read_vector_file(name) if "OKM" in case]
    return cases


@pytest.mark.parametrize("case", rfc5869_cases(), ids=lambda c: f"{c['Hash']}-{c['COUNT']}")
def test_hkdf_rfc5869(ctx: LocalContext, case: dict[str, str]) -> None:
    hash_alg = HASHES[case["Hash"]]
    ikm, salt, info = (bytes.fromhex(case[k]) for k in ("IKM", "salt", "info"))
    okm, prk = bytes.fromhex(case["OKM"]), bytes.fromhex(case["PRK"])
    length = int(case["L"])
    assert (
        derive(ctx, p.ALG_HKDF(hash_alg), [(SALT, salt), (SECRET, ikm), (INFO, info)], length)
        == okm
    )
    # The two halves: HKDF-Extract gives the PRK, HKDF-Expand the OKM from it.
    assert derive(ctx, p.ALG_HKDF_EXTRACT(hash_alg), [(SALT, salt), (SECRET, ikm)], len(prk)) == prk
    expand = p.ALG_HKDF_EXPAND(hash_alg)
    assert derive(ctx, expand, [(SECRET, prk), (INFO, info)], length) == okm
    # No salt at all is the empty salt.
    if not salt:
        assert derive(ctx, p.ALG_HKDF(hash_alg), [(SECRET, ikm), (INFO, info)], length) == okm


HKDF_FILES = ["hkdf_sha1_test", "hkdf_sha256_test", "hkdf_sha384_test", "hkdf_sha512_test"]
HKDF_HASH = {"sha1": p.ALG_SHA_1, "sha256": p.ALG_SHA_256, "sha384": p.ALG_SHA_384}
HKDF_HASH["sha512"] = p.ALG_SHA_512


@pytest.mark.parametrize("name", HKDF_FILES)
def test_hkdf_wycheproof(ctx: LocalContext, name: str) -> None:
    hash_alg = HKDF_HASH[name.split("_")[1]]
    count = 0
    for case in wycheproof.cases(name):
        steps = [(SALT, case.hexbytes("salt")), (SECRET, case.hexbytes("ikm"))]
        steps.append((INFO, case.hexbytes("info")))
        size = int(case.get("size"))
        if case.valid:
            got = derive(ctx, p.ALG_HKDF(hash_alg), steps, size)
            assert got == case.hexbytes("okm"), str(case)
        else:
            # The only invalid cases ask for more than 255 blocks: more than the capacity.
            assert "SizeTooLarge" in case.flags, str(case)
            with pytest.raises(InsufficientDataError):
                derive(ctx, p.ALG_HKDF(hash_alg), steps, size)
        count += 1
    assert count > 40


# PBKDF2 -------------------------------------------------------------------------------------


def rfc6070_cases() -> list[dict[str, str]]:
    return [c for c in read_vector_file("KDF/rfc-6070-PBKDF2-SHA1.txt") if "DERIVED_KEY" in c]


def _text(value: str) -> bytes:
    # RFC 6070 writes "pass\0word" as the literal characters of the C string.
    return value.replace("\\0", "\0").encode()


@pytest.mark.parametrize("case", rfc6070_cases(), ids=lambda c: c["COUNT"])
def test_pbkdf2_hmac_sha1_rfc6070(ctx: LocalContext, case: dict[str, str]) -> None:
    iterations = int(case["ITERATIONS"])
    if iterations > 100_000:
        pytest.skip("16777216 iterations: too slow for the unit tests")
    steps: list[tuple[int, Any]] = [(COST, iterations), (SALT, _text(case["SALT"]))]
    steps.append((PASSWORD, _text(case["PASSWORD"])))
    alg = p.ALG_PBKDF2_HMAC(p.ALG_SHA_1)
    assert derive(ctx, alg, steps, int(case["LENGTH"])) == bytes.fromhex(case["DERIVED_KEY"])


PBKDF2_FILES = {
    "pbkdf2_hmacsha1_test": p.ALG_SHA_1,
    "pbkdf2_hmacsha224_test": p.ALG_SHA_224,
    "pbkdf2_hmacsha256_test": p.ALG_SHA_256,
    "pbkdf2_hmacsha384_test": p.ALG_SHA_384,
    "pbkdf2_hmacsha512_test": p.ALG_SHA_512,
}


@pytest.mark.parametrize("name", sorted(PBKDF2_FILES))
def test_pbkdf2_hmac_wycheproof(ctx: LocalContext, name: str) -> None:
    alg = p.ALG_PBKDF2_HMAC(PBKDF2_FILES[name])
    count = 0
    for case in wycheproof.cases(name):
        assert case.valid, str(case)  # these files hold valid vectors only
        iterations = int(case.get("iterationCount"))
        if iterations > 100_000:
            continue  # tcId 64 of the SHA-1 file: 16777216 iterations (too slow here)
        # The salt given in two parts: PBKDF2 concatenates repeated SALT inputs.
        salt = case.hexbytes("salt")
        steps: list[tuple[int, Any]] = [(COST, iterations), (SALT, salt[:3]), (SALT, salt[3:])]
        steps.append((PASSWORD, case.hexbytes("password")))
        assert derive(ctx, alg, steps, int(case.get("dkLen"))) == case.hexbytes("dk"), str(case)
        count += 1
    assert count > 50


PYCA_HASHES = {
    p.ALG_MD5: hashes.MD5(),
    p.ALG_SHA_512_224: hashes.SHA512_224(),
    p.ALG_SHA_512_256: hashes.SHA512_256(),
    p.ALG_SHA3_224: hashes.SHA3_224(),
    p.ALG_SHA3_256: hashes.SHA3_256(),
    p.ALG_SHA3_384: hashes.SHA3_384(),
    p.ALG_SHA3_512: hashes.SHA3_512(),
    p.ALG_SM3: hashes.SM3(),
    p.ALG_BLAKE2S_HASH256: hashes.BLAKE2s(32),
    p.ALG_BLAKE2B_HASH512: hashes.BLAKE2b(64),
}


@pytest.mark.parametrize("hash_alg", sorted(PYCA_HASHES), ids=hex)
def test_pbkdf2_hmac_other_hashes(ctx: LocalContext, hash_alg: int) -> None:
    """Every other HMAC hash, against pyca's PBKDF2HMAC (OpenSSL), over 3 blocks."""
    algorithm = PYCA_HASHES[hash_alg]
    length = 3 * algorithm.digest_size - 5
    expected = PBKDF2HMAC(algorithm, length, b"NaCl-pepper", 77).derive(b"password")
    steps: list[tuple[int, Any]] = [(COST, 77), (SALT, b"NaCl-pepper"), (PASSWORD, b"password")]
    assert derive(ctx, p.ALG_PBKDF2_HMAC(hash_alg), steps, length) == expected


def test_aes_cmac_prf_128_rfc4615() -> None:
    message = bytes(range(20))
    vectors = {
        "000102030405060708090a0b0c0d0e0fedcb": "84a348a4a45d235babfffc0d2b4da09a",
        "000102030405060708090a0b0c0d0e0f": "980ae87b5f4c9c5214f5b6a8455e4c2d",
        "00010203040506070809": "290d9e112edb09ee141fcf64c0b72f3d",
    }
    for key, prf in vectors.items():
        assert kdf.aes_cmac_prf_128(bytes.fromhex(key), message).hex() == prf


def test_pbkdf2_aes_cmac_prf_128_thread_pskc(ctx: LocalContext) -> None:
    salt = b"Thread" + bytes.fromhex("0001020304050607") + b"Test Network"
    steps: list[tuple[int, Any]] = [(COST, 16384), (SALT, salt), (PASSWORD, b"12SECRETPASSWORD34")]
    out = derive(ctx, p.ALG_PBKDF2_AES_CMAC_PRF_128, steps, 16)
    assert out.hex() == "c3f59368445a1b6106be420a706d4cc9"


def _pbkdf2_cmac_reference(password: bytes, salt: bytes, iterations: int, length: int) -> bytes:
    """RFC 8018 PBKDF2 written out over RFC 4615 (a general CMAC per iteration)."""
    out = b""
    block = 1
    while len(out) < length:
        u = kdf.aes_cmac_prf_128(password, salt + block.to_bytes(4, "big"))
        t = int.from_bytes(u, "big")
        for _ in range(iterations - 1):
            u = kdf.aes_cmac_prf_128(password, u)
            t ^= int.from_bytes(u, "big")
        out += t.to_bytes(16, "big")
        block += 1
    return out[:length]


@pytest.mark.parametrize("password", [b"", b"short", bytes(range(16)), bytes(range(40))])
def test_pbkdf2_aes_cmac_prf_128_reference(ctx: LocalContext, password: bytes) -> None:
    """The one-block CMAC shortcut of the driver equals the general CMAC, for every
    password length branch of RFC 4615 (16 bytes used as is, others CMAC'd)."""
    steps: list[tuple[int, Any]] = [(COST, 5), (SALT, b"salt"), (PASSWORD, password)]
    got = derive(ctx, p.ALG_PBKDF2_AES_CMAC_PRF_128, steps, 40)
    assert got == _pbkdf2_cmac_reference(password, b"salt", 5, 40)


# TLS 1.2 ------------------------------------------------------------------------------------

TLS12_PRF_VECTORS = [
    (
        p.ALG_SHA_256,
        "9bbe436ba940f017b17652849a71db35",
        "a0ba9f936cda311827a6f796ffd5198c",
        "e3f229ba727be17b8d122620557cd453c2aab21d07c3d495329b52d4e61edb5a6b301791e90d35c9c9a4"
        "6b4e14baf9af0fa022f7077def17abfd3797c0564bab4fbc91666e9def9b97fce34f796789baa48082d1"
        "22ee42c5a72e5a5110fff70187347b66",
    ),
    (
        p.ALG_SHA_384,
        "b80b733d6ceefcdc71566ea48e5567df",
        "cd665cf6a8447dd6ff8b27555edb7465",
        "7b0c18e9ced410ed1804f2cfa34a336a1c14dffb4900bb5fd7942107e81c83cde9ca0faa60be9fe34f82"
        "b1233c9146a0e534cb400fed2700884f9dc236f80edd8bfa961144c9e8d792eca722a7b32fc3d416d473"
        "ebc2c5fd4abfdad05d9184259b5bf8cd4d90fa0d31e2dec479e4f1a26066f2eea9a69236a3e52655c9e9"
        "aee691c8f3a26854308d5eaa3be85e0990703d73e56f",
    ),
]


@pytest.mark.parametrize("vector", TLS12_PRF_VECTORS, ids=["sha256", "sha384"])
def test_tls12_prf(ctx: LocalContext, vector: tuple[int, str, str, str]) -> None:
    hash_alg, secret, seed, expected = vector
    steps = [(SEED, bytes.fromhex(seed)), (SECRET, bytes.fromhex(secret)), (LABEL, b"test label")]
    out = bytes.fromhex(expected)
    assert derive(ctx, p.ALG_TLS12_PRF(hash_alg), steps, len(out)) == out


PSK = bytes.fromhex("0102030405060708090a0b0c0d0e0f10")
PSK_SEED = bytes(range(0x20, 0x60))
PSK_OTHER = bytes(range(0xA0, 0xC0))
PSK_TO_MS_VECTORS = [
    (
        p.ALG_SHA_256,
        None,
        "ec4e5a7b917ed2e801e33aa3205f79ec3d48a26195ccc450395e7f8d3be1a1b4929f14f36df2c672af542bf918a41c03",
    ),
    (
        p.ALG_SHA_384,
        None,
        "ee5fe1c888209a388ba7a8e3569d62e441b0fac1c5f48aad17d39978b0c3cd7eb2c57f225158bee4de526f51972e9db6",
    ),
    (
        p.ALG_SHA_256,
        PSK_OTHER,
        "6d71fd194b0ef1db01046b65bb4399cdc8168722ba2c67e49582b381bcba13d57bef0efb8549f819a8c3047031207bc5",
    ),
    (
        p.ALG_SHA_384,
        PSK_OTHER,
        "75ead25e73958a56e3e75d512f4c649070b635b6564d1ca854020071d9608198f437814fa47b6c897d803ab8d85c38e0",
    ),
]


@pytest.mark.parametrize(
    "vector", PSK_TO_MS_VECTORS, ids=["sha256-psk", "sha384-psk", "sha256-other", "sha384-other"]
)
def test_tls12_psk_to_ms(ctx: LocalContext, vector: tuple[int, bytes | None, str]) -> None:
    hash_alg, other, expected = vector
    steps: list[tuple[int, Any]] = [(SEED, PSK_SEED)]
    if other is not None:
        steps.append((OTHER_SECRET, other))
    steps += [(SECRET, PSK), (LABEL, b"master secret")]
    assert derive(ctx, p.ALG_TLS12_PSK_TO_MS(hash_alg), steps, 48).hex() == expected


def test_tls12_ecjpake_to_pms(ctx: LocalContext) -> None:
    # The P-256 base point as the "shared point": the PMS is SHA-256 of its x.
    x = bytes.fromhex("6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296")
    y = bytes.fromhex("4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5")
    out = derive(ctx, p.ALG_TLS12_ECJPAKE_TO_PMS, [(SECRET, b"\x04" + x + y)], 32)
    assert out == hashlib.sha256(x).digest()


# Every HMAC hash, against the standards written out over the standard library's hmac ---------


def _hmac(ctor: Callable[..., Any], key: bytes, message: bytes) -> bytes:
    return hmac.new(key, message, ctor).digest()


def _hkdf_reference(ctor: Any, salt: bytes, ikm: bytes, info: bytes, length: int) -> bytes:
    prk, t, out, i = _hmac(ctor, salt, ikm), b"", b"", 1
    while len(out) < length:
        t = _hmac(ctor, prk, t + info + bytes((i,)))
        out, i = out + t, i + 1
    return out[:length]


def _p_hash_reference(ctor: Any, secret: bytes, seed: bytes, length: int) -> bytes:
    a, out = seed, b""
    while len(out) < length:
        a = _hmac(ctor, secret, a)
        out += _hmac(ctor, secret, a + seed)
    return out[:length]


def _pbkdf2_reference(ctor: Any, password: bytes, salt: bytes, count: int, length: int) -> bytes:
    out, block = b"", 1
    while len(out) < length:
        u = _hmac(ctor, password, salt + block.to_bytes(4, "big"))
        t = int.from_bytes(u, "big")
        for _ in range(count - 1):
            u = _hmac(ctor, password, u)
            t ^= int.from_bytes(u, "big")
        out, block = out + t.to_bytes(len(u), "big"), block + 1
    return out[:length]


def _kbkdf_reference(ctor: Any, key: bytes, label: bytes, context: bytes, length: int) -> bytes:
    fixed = label + b"\0" + context + (8 * length).to_bytes(4, "big")
    out, i = b"", 1
    while len(out) < length:
        out, i = out + _hmac(ctor, key, i.to_bytes(4, "big") + fixed), i + 1
    return out[:length]


HMAC_HASHES = sorted(
    h
    for h in (
        p.ALG_MD5,
        p.ALG_RIPEMD160,
        p.ALG_SHA_1,
        p.ALG_SHA_224,
        p.ALG_SHA_256,
        p.ALG_SHA_384,
        p.ALG_SHA_512,
        p.ALG_SHA_512_224,
        p.ALG_SHA_512_256,
        p.ALG_SHA3_224,
        p.ALG_SHA3_256,
        p.ALG_SHA3_384,
        p.ALG_SHA3_512,
        p.ALG_SM3,
        p.ALG_BLAKE2S_HASH256,
        p.ALG_BLAKE2B_HASH512,
        p.ALG_AES_MMO_ZIGBEE,
    )
    if h in CONSTRUCTORS
)


@pytest.mark.parametrize("hash_alg", HMAC_HASHES, ids=hex)
def test_every_hmac_hash(ctx: LocalContext, hash_alg: int) -> None:
    """HKDF, HKDF-Expand, TLS 1.2 PRF, PBKDF2 and SP 800-108 with each hash of the
    spec's HMAC table (block sizes included: 16 for AES-MMO, 144 for SHA3-224, ...),
    each read in pieces across block boundaries, against references built on
    ``hmac.new``; the keys are longer than some block sizes, so they get hashed."""
    ctor = CONSTRUCTORS[hash_alg]
    size = ctor().digest_size
    n = 3 * size + 3
    ikm, salt, info = b"K" * 150, b"S" * 20, b"info"

    def pieces(alg: int, inputs: list[tuple[int, Any]], capacity: int = -1) -> bytes:
        return derive(ctx, alg, inputs, [size - 1, n - size + 1], capacity)

    hkdf_in = [(SALT, salt), (SECRET, ikm), (INFO, info)]
    assert pieces(p.ALG_HKDF(hash_alg), hkdf_in) == _hkdf_reference(ctor, salt, ikm, info, n)
    prk = _hmac(ctor, salt, ikm)
    expand_in = [(SECRET, prk), (INFO, info)]
    assert pieces(p.ALG_HKDF_EXPAND(hash_alg), expand_in) == _hkdf_reference(
        ctor, salt, ikm, info, n
    )
    prf_in = [(SEED, b"seed"), (SECRET, ikm), (LABEL, b"label")]
    assert pieces(p.ALG_TLS12_PRF(hash_alg), prf_in) == _p_hash_reference(
        ctor, ikm, b"labelseed", n
    )
    pbkdf2_in: list[tuple[int, Any]] = [(COST, 3), (SALT, salt), (PASSWORD, ikm)]
    assert pieces(p.ALG_PBKDF2_HMAC(hash_alg), pbkdf2_in) == _pbkdf2_reference(
        ctor, ikm, salt, 3, n
    )
    kbkdf_in = [(SECRET, ikm), (LABEL, b"label"), (CONTEXT, b"ctx")]
    assert pieces(p.ALG_SP800_108_COUNTER_HMAC(hash_alg), kbkdf_in, n) == _kbkdf_reference(
        ctor, ikm, b"label", b"ctx", n
    )


# SP 800-108 ---------------------------------------------------------------------------------

CAVP_HMAC = {
    "HMAC_SHA1": hashlib.sha1,
    "HMAC_SHA224": hashlib.sha224,
    "HMAC_SHA256": hashlib.sha256,
    "HMAC_SHA384": hashlib.sha384,
    "HMAC_SHA512": hashlib.sha512,
}


def kbkdf_cases() -> list[dict[str, str]]:
    return [
        case
        for case in read_vector_file("KDF/nist-800-108-KBKDF-CTR.txt")
        if case.get("CTRLOCATION") == "BEFORE_FIXED"
        and case.get("RLEN") == "32_BITS"
        and (case["PRF"] in CAVP_HMAC or case["PRF"].startswith("CMAC_AES"))
        and "KO" in case
    ]


def test_sp800_108_counter_cavp() -> None:
    """The counter construction of the driver on every applicable CAVP vector."""
    cases = kbkdf_cases()
    assert len(cases) == 8 * 40
    for case in cases:
        key = bytes.fromhex(case["KI"])
        prf: Callable[[bytes], bytes]
        if case["PRF"] in CAVP_HMAC:
            prf = kdf.Hmac(CAVP_HMAC[case["PRF"]], key).mac
        else:
            prf = Cmac(PycaBlockCipher(algorithms.AES(key))).mac
        stream = kdf.CounterKdf(prf, bytes.fromhex(case["FixedInputData"]))
        length = int(case["L"]) // 8
        first = stream.read(length // 3)
        assert first + stream.read(length - len(first)) == bytes.fromhex(case["KO"]), case


def _kbkdf_hmac(algorithm: hashes.HashAlgorithm, length: int, label: bytes, context: bytes) -> Any:
    return KBKDFHMAC(
        algorithm, Mode.CounterMode, length, 4, 4, CounterLocation.BeforeFixed, label, context, None
    )


@pytest.mark.parametrize("length", [1, 32, 45, 200])
def test_sp800_108_counter_hmac_layout(ctx: LocalContext, length: int) -> None:
    """PSA's ``Label || 0 || Context || [L]_4`` with L from the capacity = pyca's KBKDF."""
    key, label, context = b"K" * 32, b"a label", b"some context"
    steps = [(SECRET, key), (LABEL, label), (CONTEXT, context)]
    alg = p.ALG_SP800_108_COUNTER_HMAC(p.ALG_SHA_256)
    expected = _kbkdf_hmac(hashes.SHA256(), length, label, context).derive(key)
    assert derive(ctx, alg, steps, length, capacity=length) == expected


def test_sp800_108_counter_cmac_layout(ctx: LocalContext) -> None:
    """PSA's CMAC variant appends ``K_0 = CMAC(Label || 0 || Context || [L]_4)``."""
    key, label, context, length = bytes(range(16)), b"label", b"ctx", 40
    fixed = label + b"\0" + context + (8 * length).to_bytes(4, "big")
    k0 = Cmac(PycaBlockCipher(algorithms.AES(key))).mac(fixed)
    reference = KBKDFCMAC(
        algorithms.AES,
        Mode.CounterMode,
        length,
        4,
        None,
        CounterLocation.BeforeFixed,
        None,
        None,
        fixed + k0,
    )
    attributes = p.KeyAttributes(
        type=p.KEY_TYPE_AES,
        usage_flags=p.KEY_USAGE_DERIVE,
        algorithm=p.ALG_SP800_108_COUNTER_CMAC,
    )
    key_id = ctx.import_key(attributes, key)
    with ctx.KeyDerivationOperation() as op:
        op.setup(p.ALG_SP800_108_COUNTER_CMAC)
        op.set_capacity(length)
        op.input_key(SECRET, key_id)
        op.input_bytes(LABEL, label)
        op.input_bytes(CONTEXT, context)
        assert op.output_bytes(length) == reference.derive(key)
