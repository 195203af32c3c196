"""The Weierstrass curves pyca lacks, served through python-ecdsa (pure Python,
not constant-time): secp192k1, secp224k1 (key_bits 225), brainpoolP160r1,
P192r1, P224r1 and P320r1. Domain parameters, import/export formats, key
derivation, ECDSA (randomized, deterministic, ECDSA_ANY, every hash), ECDH, and
the same through the API. The Wycheproof vectors of these curves run in
tests/test_asym_sign.py and tests/test_asym_agreement.py."""

from __future__ import annotations

import pytest
from asym_vectors import DETERMINISTIC_ECDSA, ECC_KEY_PAIR, ECC_PUBLIC_KEY, ECDSA, digest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from ecdsa import curves as ecdsa_curves
from ecdsa import ellipticcurve

import psacrypto
import psacrypto as p
from psacrypto import constants as c
from psacrypto.drivers.software import asymmetric as A
from psacrypto.drivers.software.asymmetric import ecc as ecc_module
from psacrypto.drivers.software.asymmetric import ecc_ecdsa_lib as soft
from psacrypto.errors import InvalidArgumentError, InvalidSignatureError

K1, BP = c.ECC_FAMILY_SECP_K1, c.ECC_FAMILY_BRAINPOOL_P_R1
# (family, key_bits, name, field bytes)
LIB_CURVES = [
    (K1, 192, "secp192k1", 24),
    (K1, 225, "secp224k1", 28),
    (BP, 160, "brainpoolP160r1", 20),
    (BP, 192, "brainpoolP192r1", 24),
    (BP, 224, "brainpoolP224r1", 28),
    (BP, 320, "brainpoolP320r1", 40),
]
IDS = [name for _, _, name, _ in LIB_CURVES]
HASHES = [
    c.ALG_SHA_1,
    c.ALG_SHA_224,
    c.ALG_SHA_256,
    c.ALG_SHA_384,
    c.ALG_SHA_512,
    c.ALG_SHA_512_224,
    c.ALG_SHA_512_256,
    c.ALG_SHA3_256,
    c.ALG_SHA3_512,
]


def test_sec2_koblitz_domains() -> None:
    """secp192k1/secp224k1 from SEC 2: y^2 = x^3 + b, G on the curve, n*G = O,
    n prime-sized as stated, cofactor 1 (the group order n is within the Hasse
    bound of p + 1)."""
    for name, b, p_bits, n_bits in (("secp192k1", 3, 192, 192), ("secp224k1", 5, 224, 225)):
        lib = soft.curve_by_name(name)
        prime = lib.curve.p()
        assert lib.curve.a() == 0 and lib.curve.b() == b
        assert prime.bit_length() == p_bits and lib.order.bit_length() == n_bits
        g = lib.generator
        assert (g.y() ** 2 - g.x() ** 3 - b) % prime == 0
        assert g * lib.order == ellipticcurve.INFINITY
        assert g * (lib.order - 1) != ellipticcurve.INFINITY
        assert abs(prime + 1 - lib.order) <= 2 * int(prime**0.5) + 1
        assert pow(2, lib.order - 1, lib.order) == 1  # Fermat: n is (probably) prime


def test_curve_table() -> None:
    for family, bits, name, field in LIB_CURVES:
        curve = ecc_module.curve_for(ECC_KEY_PAIR(family), bits)
        assert curve.curve is None and curve.lib is soft.curve_by_name(name)
        assert curve.kind == ecc_module.WEIERSTRASS
        assert curve.field_length == field
        assert curve.private_length == (bits + 7) // 8
        assert curve.public_length == 1 + 2 * field
        assert curve.scalar_length == (curve.order.bit_length() + 7) // 8


def _reference_public(name: str, d: int) -> tuple[int, int]:
    """d*G with python-ecdsa's own curve objects (brainpool), or the SEC 2 one."""
    builtin = {
        "brainpoolP160r1": ecdsa_curves.BRAINPOOLP160r1,
        "brainpoolP192r1": ecdsa_curves.BRAINPOOLP192r1,
        "brainpoolP224r1": ecdsa_curves.BRAINPOOLP224r1,
        "brainpoolP320r1": ecdsa_curves.BRAINPOOLP320r1,
    }.get(name)
    g = builtin.generator if builtin is not None else soft.curve_by_name(name).generator
    point = g * d
    return point.x(), point.y()


@pytest.mark.parametrize(("family", "bits", "name", "field"), LIB_CURVES, ids=IDS)
def test_formats(family: int, bits: int, name: str, field: int) -> None:
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    length = (bits + 7) // 8
    material = A.generate_key(pair, bits)
    assert len(material) == length
    assert A.import_key(pair, 0, material) == (bits, material)
    assert A.import_key(pair, bits, bytearray(material)) == (bits, material)
    public = A.export_public_key(pair, bits, material)
    assert len(public) == 1 + 2 * field and public[0] == 4
    x, y = _reference_public(name, int.from_bytes(material, "big"))
    assert public == b"\x04" + x.to_bytes(field, "big") + y.to_bytes(field, "big")
    assert A.import_key(public_type, 0, public) == (bits, public)
    assert A.import_key(public_type, bits, public) == (bits, public)
    assert A.export_public_key(public_type, bits, public) == public
    # Range of the scalar: [1, n-1].
    n = soft.curve_by_name(name).order
    for bad in (0, n, n + 1, (1 << (8 * length)) - 1):
        if bad < 1 << (8 * length):
            with pytest.raises(InvalidArgumentError):
                A.import_key(pair, 0, bad.to_bytes(length, "big"))
    assert A.import_key(pair, 0, (n - 1).to_bytes(length, "big"))[0] == bits
    assert A.import_key(pair, 0, (1).to_bytes(length, "big"))[0] == bits
    for bad_data in (material[1:], material + b"\0"):
        with pytest.raises(InvalidArgumentError):
            A.import_key(pair, 0, bad_data)
    # Public keys: uncompressed only, on the curve, reduced, exact length.
    compressed = bytes((2 + (public[-1] & 1),)) + public[1 : 1 + field]
    off_curve = public[:-1] + bytes((public[-1] ^ 1,))
    prime = soft.curve_by_name(name).curve.p()
    unreduced = b"\x04" + public[1 : 1 + field] + (y + prime).to_bytes(field + 1, "big")[1:]
    for bad_data in (compressed, off_curve, public[:-1], public + b"\0", b"\x04", b"\x00"):
        with pytest.raises(InvalidArgumentError):
            A.import_key(public_type, bits, bad_data)
    for bad_data in (off_curve, b"\x05" + public[1:], unreduced):
        with pytest.raises(InvalidArgumentError):
            A.import_key(public_type, 0, bad_data)
    # Derivation: importable keys, and the spec's procedure.
    derived = A.derive_key(pair, bits, lambda k: b"\x42" * k)
    assert A.import_key(pair, 0, derived) == (bits, derived)
    ones = A.derive_key(pair, bits, lambda k: b"\x00" * k)
    assert int.from_bytes(ones, "big") == 1
    # The loaded objects.
    key = A.load(pair, bits, material)
    assert isinstance(key, soft.SoftPrivateKey)
    assert key.public_key().encoded == public
    assert A.load(public_type, bits, public).encoded == public


@pytest.mark.parametrize(("family", "bits", "name", "field"), LIB_CURVES, ids=IDS)
def test_ecdsa_every_hash(family: int, bits: int, name: str, field: int) -> None:
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    material = A.generate_key(pair, bits)
    key = A.load(pair, bits, material)
    public = A.load(public_type, bits, A.export_public_key(pair, bits, material))
    n_len = (soft.curve_by_name(name).order.bit_length() + 7) // 8
    message = b"message"
    for hash_alg in HASHES:
        hashed = digest(hash_alg, message)
        for alg in (ECDSA(hash_alg), DETERMINISTIC_ECDSA(hash_alg)):
            signature = A.sign_message(key, pair, bits, alg, message)
            assert len(signature) == 2 * n_len
            A.verify_message(public, public_type, bits, ECDSA(hash_alg), message, signature)
            A.verify_message(key, pair, bits, alg, message, signature)
            A.verify_hash(public, public_type, bits, alg, hashed, signature)
            A.verify_hash(public, public_type, bits, c.ALG_ECDSA_ANY, hashed, signature)
            signature = A.sign_hash(key, pair, bits, alg, hashed)
            A.verify_message(public, public_type, bits, alg, message, signature)
            with pytest.raises(InvalidSignatureError):
                A.verify_message(public, public_type, bits, alg, b"other", signature)
            with pytest.raises(InvalidArgumentError):
                A.sign_hash(key, pair, bits, alg, hashed[1:])
        # Deterministic: the same signature each time, unlike the randomized one.
        alg = DETERMINISTIC_ECDSA(hash_alg)
        first = A.sign_message(key, pair, bits, alg, message)
        assert A.sign_message(key, pair, bits, alg, message) == first
        assert A.sign_hash(key, pair, bits, alg, hashed) == first
        assert A.sign_message(key, pair, bits, ECDSA(hash_alg), message) != first
    # Malformed signatures.
    signature = A.sign_message(key, pair, bits, ECDSA(c.ALG_SHA_256), message)
    order = soft.curve_by_name(name).order
    zero_s = signature[:n_len] + bytes(n_len)
    big_r = order.to_bytes(n_len, "big") + signature[n_len:]
    for bad in (signature[:-1], signature + b"\0", zero_s, big_r, bytes(2 * n_len)):
        with pytest.raises(InvalidSignatureError):
            A.verify_message(public, public_type, bits, ECDSA(c.ALG_SHA_256), message, bad)


@pytest.mark.parametrize(("family", "bits", "name", "field"), LIB_CURVES, ids=IDS)
def test_ecdsa_any_truncates(family: int, bits: int, name: str, field: int) -> None:
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    material = A.generate_key(pair, bits)
    key = A.load(pair, bits, material)
    public = A.load(public_type, bits, A.export_public_key(pair, bits, material))
    long_input = bytes(range(1, 65))
    signature = A.sign_hash(key, pair, bits, c.ALG_ECDSA_ANY, long_input)
    # SHA-512 is 64 bytes: ECDSA(SHA-512) truncates it the same way.
    A.verify_hash(public, public_type, bits, ECDSA(c.ALG_SHA_512), long_input, signature)
    A.verify_hash(public, public_type, bits, c.ALG_ECDSA_ANY, long_input, signature)
    short_input = bytes(range(1, 17))
    signature = A.sign_hash(key, pair, bits, c.ALG_ECDSA_ANY, short_input)
    A.verify_hash(public, public_type, bits, c.ALG_ECDSA_ANY, bytes(4) + short_input, signature)
    with pytest.raises(InvalidArgumentError):
        A.sign_hash(key, pair, bits, c.ALG_ECDSA_ANY, b"")
    with pytest.raises(InvalidArgumentError):
        A.sign_message(key, pair, bits, c.ALG_ECDSA_ANY, b"m")


def test_hash_truncation_rule() -> None:
    # secp224k1: n has 225 bits; a 256-bit hash keeps its leftmost 225 bits.
    lib = soft.curve_by_name("secp224k1")
    h = bytes(range(32))
    assert soft.hash_to_int(lib, h) == int.from_bytes(h, "big") >> 31
    assert soft.hash_to_int(lib, h[:28]) == int.from_bytes(h[:28], "big")


def test_rfc6979_nonces_match_pyca() -> None:
    """The RFC 6979 nonce code, run on P-256 (python-ecdsa's NIST256p), gives
    pyca's deterministic signatures bit for bit, with several hashes."""
    nist = ecdsa_curves.NIST256p
    lib = soft.LibCurve("P-256", nist.curve, nist.generator, nist.order, 32)
    private = ec.generate_private_key(ec.SECP256R1())
    d = private.private_numbers().private_value
    key = soft.load_private(lib, d.to_bytes(32, "big"))
    for algorithm in (hashes.SHA256(), hashes.SHA512(), hashes.SHA224(), hashes.SHA3_256()):
        for message in (b"sample", b"test", b""):
            expected = private.sign(message, ec.ECDSA(algorithm, deterministic_signing=True))
            r, s = decode_dss_signature(expected)
            got = soft.sign_digest(key, soft.digest_of(algorithm, message), algorithm)
            assert got == r.to_bytes(32, "big") + s.to_bytes(32, "big")


@pytest.mark.parametrize(("family", "bits", "name", "field"), LIB_CURVES, ids=IDS)
def test_ecdh(family: int, bits: int, name: str, field: int) -> None:
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    a, b = A.generate_key(pair, bits), A.generate_key(pair, bits)
    pub_a, pub_b = A.export_public_key(pair, bits, a), A.export_public_key(pair, bits, b)
    key_a, key_b = A.load(pair, bits, a), A.load(pair, bits, b)
    secret = A.raw_key_agreement(key_a, pair, bits, c.ALG_ECDH, pub_b)
    assert secret == A.raw_key_agreement(key_b, pair, bits, c.ALG_ECDH, memoryview(pub_a))
    assert len(secret) == field
    x, _ = _reference_public(name, int.from_bytes(a, "big") * int.from_bytes(b, "big"))
    assert secret == x.to_bytes(field, "big")
    off_curve = pub_b[:-1] + bytes((pub_b[-1] ^ 1,))
    for bad in (off_curve, pub_b[:-1], b"\x02" + pub_b[1 : 1 + field], bytes(len(pub_b))):
        with pytest.raises(InvalidArgumentError):
            A.raw_key_agreement(key_a, pair, bits, c.ALG_ECDH, bad)
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(key_a, pair, bits, c.ALG_FFDH, pub_b)
    with pytest.raises(InvalidArgumentError):
        A.sign_message(
            A.load(public_type, bits, pub_a), public_type, bits, ECDSA(c.ALG_SHA_256), b""
        )


@pytest.mark.parametrize(("family", "bits", "name", "field"), LIB_CURVES, ids=IDS)
def test_through_the_api(family: int, bits: int, name: str, field: int) -> None:
    ctx = psacrypto.open_local("memory")
    try:
        usage = (
            p.KEY_USAGE_SIGN_MESSAGE
            | p.KEY_USAGE_VERIFY_MESSAGE
            | p.KEY_USAGE_SIGN_HASH
            | p.KEY_USAGE_VERIFY_HASH
            | p.KEY_USAGE_EXPORT
        )
        for alg in (
            p.ALG_ECDSA(p.ALG_SHA_256),
            p.ALG_DETERMINISTIC_ECDSA(p.ALG_SHA_384),
            p.ALG_ECDSA(p.ALG_ANY_HASH),
        ):
            attrs = p.KeyAttributes(
                type=p.KEY_TYPE_ECC_KEY_PAIR(family), bits=bits, usage_flags=usage, algorithm=alg
            )
            key = ctx.generate_key(attrs)
            sign_alg = p.ALG_ECDSA(p.ALG_SHA_256) if alg == p.ALG_ECDSA(p.ALG_ANY_HASH) else alg
            signature = ctx.sign_message(key, sign_alg, b"hello")
            ctx.verify_message(key, sign_alg, b"hello", signature)
            public = ctx.export_public_key(key)
            assert len(public) == 1 + 2 * field
            pub_key = ctx.import_key(
                p.KeyAttributes(
                    type=p.KEY_TYPE_ECC_PUBLIC_KEY(family),
                    usage_flags=p.KEY_USAGE_VERIFY_MESSAGE,
                    algorithm=alg,
                ),
                public,
            )
            ctx.verify_message(pub_key, sign_alg, b"hello", signature)
            with pytest.raises(p.InvalidSignatureError):
                ctx.verify_message(pub_key, sign_alg, b"hellO", signature)
            if p.ALG_IS_DETERMINISTIC_ECDSA(alg):
                assert ctx.sign_message(key, sign_alg, b"hello") == signature
            material = ctx.export_key(key)
            assert len(material) == (bits + 7) // 8
        # ECDH through the API.
        agree = p.KeyAttributes(
            type=p.KEY_TYPE_ECC_KEY_PAIR(family),
            bits=bits,
            usage_flags=p.KEY_USAGE_DERIVE,
            algorithm=p.ALG_ECDH,
        )
        a, b = ctx.generate_key(agree), ctx.generate_key(agree)
        secret = ctx.raw_key_agreement(p.ALG_ECDH, a, ctx.export_public_key(b))
        assert secret == ctx.raw_key_agreement(p.ALG_ECDH, b, ctx.export_public_key(a))
        assert len(secret) == field
        with pytest.raises(p.InvalidArgumentError):
            ctx.raw_key_agreement(p.ALG_ECDH, a, b"\x04" + bytes(2 * field))
    finally:
        ctx.close()
