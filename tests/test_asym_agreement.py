"""Raw key agreement of the asymmetric software driver: Wycheproof ECDH (point
and ASN.1 encodings), X25519/X448, RFC 7748 known answers, FFDH over the RFC 7919
and RFC 3526 groups, and the error cases."""

from __future__ import annotations

import pytest
import wycheproof
from asym_vectors import (
    CURVES,
    DH_KEY_PAIR,
    DH_PUBLIC_KEY,
    ECC_KEY_PAIR,
    ECC_PUBLIC_KEY,
    HKDF,
    Tally,
    rfc_vectors,
    spki_point,
)
from cryptography.hazmat.primitives.asymmetric import ec
from ecdsa import curves as ecdsa_curves

from psacrypto import constants as c
from psacrypto.drivers.software import asymmetric as A
from psacrypto.drivers.software.asymmetric import dh as dh_module
from psacrypto.errors import InvalidArgumentError, NotSupportedError

MONTGOMERY = c.ECC_FAMILY_MONTGOMERY
X_PAIR = ECC_KEY_PAIR(MONTGOMERY)

# Flags of ASN.1-encoded cases whose defect is in the encoding or the curve
# parameters: the PSA peer-key format (a bare point) cannot express them.
_ENCODING_FLAGS = frozenset(
    {
        "InvalidAsn",
        "UnnamedCurve",
        "ModifiedGroup",
        "ModifiedPrime",
        "ModifiedCofactor",
        "LargeCofactor",
        "NegativeCofactor",
        "NoCofactor",
        "ModifiedGenerator",
        "ModifiedCurveParameter",
        "WrongOrder",
        "UnusedParam",
        "IsomorphicPublicKey",
        "WeakPublicKey",
    }
)


def _agree(key_type: int, bits: int, private: bytes, peer: bytes) -> bytes | None:
    """The shared secret, or None when the driver rejects the peer key."""
    _, material = A.import_key(key_type, bits, private)
    key = A.load(key_type, bits, material)
    try:
        return A.raw_key_agreement(key, key_type, bits, c.ALG_ECDH, peer)
    except InvalidArgumentError:
        return None


def _judge(tally: Tally, case: wycheproof.Case, shared: bytes | None) -> None:
    expected = case.hexbytes("shared")
    if shared is not None and shared != expected:
        tally.fail(case, f"wrong shared secret {shared.hex()}")
    elif case.valid and shared is None:
        tally.fail(case, "valid peer key rejected")
    elif case.invalid and shared is not None:
        tally.fail(case, "invalid peer key accepted")
    elif shared is None:
        tally.rejected_ok()
    else:
        tally.ok()


def _on_curve(family: int, bits: int, point: bytes) -> bool:
    """Reference check (pyca, or python-ecdsa for the curves pyca lacks,
    directly): is ``point`` an uncompressed point of the curve?"""
    lib = _LIB_CURVES.get((family, bits))
    if lib is not None:
        n = (lib.curve.p().bit_length() + 7) // 8
        if len(point) != 1 + 2 * n or point[0] != 4:
            return False
        x, y = int.from_bytes(point[1 : 1 + n], "big"), int.from_bytes(point[1 + n :], "big")
        p = lib.curve.p()
        return x < p and y < p and bool(lib.curve.contains_point(x, y))
    curve = {
        (c.ECC_FAMILY_SECP_K1, 256): ec.SECP256K1(),
        (c.ECC_FAMILY_BRAINPOOL_P_R1, 256): ec.BrainpoolP256R1(),
    }[(family, bits)]
    if len(point) != 65 or point[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(curve, point)
    except ValueError:
        return False
    return True


def _weierstrass_private(case: wycheproof.Case, bits: int) -> bytes:
    # Wycheproof writes the scalar as a signed big-endian integer (maybe 00-led).
    return int(case.test["private"], 16).to_bytes((bits + 7) // 8, "big")


@pytest.mark.parametrize(
    "name",
    [
        "ecdh_secp224r1_ecpoint_test",
        "ecdh_secp256r1_ecpoint_test",
        "ecdh_secp384r1_ecpoint_test",
        "ecdh_secp521r1_ecpoint_test",
    ],
)
def test_wycheproof_ecdh_ecpoint(name: str) -> None:
    tally = Tally(name)
    for case in wycheproof.cases(name):
        family, bits = CURVES[case.group["curve"]]
        private = _weierstrass_private(case, bits)
        shared = _agree(ECC_KEY_PAIR(family), bits, private, case.hexbytes("public"))
        _judge(tally, case, shared)
    tally.check(300)


_LIB_CURVES = {
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 224): ecdsa_curves.BRAINPOOLP224r1,
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 320): ecdsa_curves.BRAINPOOLP320r1,
}


@pytest.mark.parametrize(
    "name",
    [
        "ecdh_secp256k1_test",
        "ecdh_brainpoolP256r1_test",
        # computed by python-ecdsa (pyca lacks these curves)
        "ecdh_brainpoolP224r1_test",
        "ecdh_brainpoolP320r1_test",
    ],
)
def test_wycheproof_ecdh_asn(name: str) -> None:
    """SubjectPublicKeyInfo-encoded peers: the point inside is what PSA receives."""
    tally = Tally(name)
    for case in wycheproof.cases(name):
        family, bits = CURVES[case.group["curve"]]
        point = spki_point(case.hexbytes("public"))
        if not case.valid and (point is None or _ENCODING_FLAGS & set(case.flags)):
            tally.skip()
            continue
        if "WrongCurve" in case.flags and point is not None and _on_curve(family, bits, point):
            # Declared on another curve, but the bare point is on this one: the
            # only defect is in the encoding PSA does not use.
            tally.skip()
            continue
        assert point is not None, case
        shared = _agree(ECC_KEY_PAIR(family), bits, _weierstrass_private(case, bits), point)
        _judge(tally, case, shared)
    tally.check(400)


@pytest.mark.parametrize(("name", "bits"), [("x25519_test", 255), ("x448_test", 448)])
def test_wycheproof_xdh(name: str, bits: int) -> None:
    tally = Tally(name)
    for case in wycheproof.cases(name):
        shared = _agree(X_PAIR, bits, case.hexbytes("private"), case.hexbytes("public"))
        if shared is not None and "ZeroSharedSecret" in case.flags:
            tally.fail(case, "an all-zero shared secret was returned")
        else:
            _judge(tally, case, shared)
    tally.check(400)


def test_rfc7748() -> None:
    vectors = rfc_vectors("rfc7748")
    assert {v["curve"] for v in vectors} == {"X25519", "X448"}
    for v in vectors:
        shared = _agree(X_PAIR, v["bits"], bytes.fromhex(v["scalar"]), bytes.fromhex(v["u"]))
        assert shared is not None and shared.hex() == v["output"], v


def test_ecdh_every_curve_agrees() -> None:
    for family, bits in [
        (c.ECC_FAMILY_SECP_R1, 192),
        (c.ECC_FAMILY_SECP_R1, 521),
        (c.ECC_FAMILY_SECP_K1, 256),
        (c.ECC_FAMILY_BRAINPOOL_P_R1, 384),
        (c.ECC_FAMILY_BRAINPOOL_P_R1, 512),
        (MONTGOMERY, 255),
        (MONTGOMERY, 448),
    ]:
        pair = ECC_KEY_PAIR(family)
        a, b = A.generate_key(pair, bits), A.generate_key(pair, bits)
        pub_a, pub_b = A.export_public_key(pair, bits, a), A.export_public_key(pair, bits, b)
        key_a, key_b = A.load(pair, bits, a), A.load(pair, bits, b)
        secret = A.raw_key_agreement(key_a, pair, bits, c.ALG_ECDH, pub_b)
        assert secret == A.raw_key_agreement(key_b, pair, bits, c.ALG_ECDH, memoryview(pub_a))
        assert len(secret) == (bits + 7) // 8
        # The key-agreement part of a combined algorithm is accepted too.
        combined = c.ALG_ECDH | HKDF(c.ALG_SHA_256)
        assert A.raw_key_agreement(key_a, pair, bits, combined, pub_b) == secret


def test_ecdh_errors() -> None:
    pair = ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    material = A.generate_key(pair, 256)
    key = A.load(pair, 256, material)
    public = A.export_public_key(pair, 256, material)
    compressed = bytes((2 + (public[-1] & 1),)) + public[1:33]
    for bad in (public[:-1], public + b"\0", compressed, b"\x05" + public[1:], b""):
        with pytest.raises(InvalidArgumentError):
            A.raw_key_agreement(key, pair, 256, c.ALG_ECDH, bad)
    other = A.export_public_key(pair, 384, A.generate_key(pair, 384))
    with pytest.raises(InvalidArgumentError):  # a point of another curve
        A.raw_key_agreement(key, pair, 256, c.ALG_ECDH, other)
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(key, pair, 256, c.ALG_FFDH, public)
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(key, pair, 256, c.ALG_SHA_256, public)
    with pytest.raises(NotSupportedError):  # a key agreement this driver lacks
        A.raw_key_agreement(key, pair, 256, 0x09030000, public)
    public_type = ECC_PUBLIC_KEY(c.ECC_FAMILY_SECP_R1)
    public_key = A.load(public_type, 256, public)
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(public_key, public_type, 256, c.ALG_ECDH, public)
    edwards = ECC_KEY_PAIR(c.ECC_FAMILY_TWISTED_EDWARDS)
    ed_key = A.load(edwards, 255, A.generate_key(edwards, 255))
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(ed_key, edwards, 255, c.ALG_ECDH, bytes(32))
    x_key = A.load(X_PAIR, 255, A.generate_key(X_PAIR, 255))
    for bad in (bytes(31), bytes(33), bytes(32)):  # bytes(32): the zero point
        with pytest.raises(InvalidArgumentError):
            A.raw_key_agreement(x_key, X_PAIR, 255, c.ALG_ECDH, bad)


@pytest.mark.parametrize("family", [c.DH_FAMILY_RFC7919, c.DH_FAMILY_RFC3526])
@pytest.mark.parametrize("bits", [2048, 3072])
def test_ffdh(family: int, bits: int) -> None:
    pair = DH_KEY_PAIR(family)
    group = dh_module.group_for(pair, bits)
    a, b = A.generate_key(pair, bits), A.generate_key(pair, bits)
    pub_a, pub_b = A.export_public_key(pair, bits, a), A.export_public_key(pair, bits, b)
    key_a, key_b = A.load(pair, bits, a), A.load(pair, bits, b)
    secret = A.raw_key_agreement(key_a, pair, bits, c.ALG_FFDH, pub_b)
    assert secret == A.raw_key_agreement(key_b, pair, bits, c.ALG_FFDH, pub_a)
    expected = pow(int.from_bytes(pub_b, "big"), int.from_bytes(a, "big"), group.p)
    assert secret == expected.to_bytes(bits // 8, "big")
    # A peer value of 2 (the generator, a valid public key) gives 2^a mod p.
    two = (2).to_bytes(bits // 8, "big")
    assert A.raw_key_agreement(key_a, pair, bits, c.ALG_FFDH, two) == pub_a
    p = group.p
    for bad in (0, 1, p - 1, p, 2**bits - 1):
        with pytest.raises(InvalidArgumentError):
            A.raw_key_agreement(key_a, pair, bits, c.ALG_FFDH, bad.to_bytes(bits // 8, "big"))
    for bad_bytes in (pub_b[1:], b"\0" + pub_b, b""):
        with pytest.raises(InvalidArgumentError):
            A.raw_key_agreement(key_a, pair, bits, c.ALG_FFDH, bad_bytes)
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(key_a, pair, bits, c.ALG_ECDH, pub_b)
    public_type = DH_PUBLIC_KEY(family)
    with pytest.raises(InvalidArgumentError):
        A.raw_key_agreement(A.load(public_type, bits, pub_a), public_type, bits, c.ALG_FFDH, pub_b)


def test_ffdh_shared_secret_is_left_padded() -> None:
    """A secret below 2^(8(L-1)) keeps its leading zero bytes (x = 1: secret = peer)."""
    pair = DH_KEY_PAIR(c.DH_FAMILY_RFC7919)
    _, one = A.import_key(pair, 0, (1).to_bytes(256, "big"))
    key = A.load(pair, 2048, one)
    peer = (3).to_bytes(256, "big")
    assert A.raw_key_agreement(key, pair, 2048, c.ALG_FFDH, peer) == peer
