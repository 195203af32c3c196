"""Key material of the asymmetric software driver: import formats and their
validation, export of public keys, generation (RSA custom exponent), loading,
the spec's derivation procedures, and the DH group constants."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from asym_vectors import (
    DH_KEY_PAIR,
    DH_PUBLIC_KEY,
    ECC_KEY_PAIR,
    ECC_PUBLIC_KEY,
    RSA_PAIR,
    RSA_PUBLIC,
)
from cryptography.hazmat.primitives.asymmetric import ec

from psacrypto import constants as c
from psacrypto.drivers.software import asymmetric as A
from psacrypto.drivers.software.asymmetric import dh as dh_module
from psacrypto.drivers.software.asymmetric import ecc as ecc_module
from psacrypto.errors import InvalidArgumentError, NotSupportedError

SUPPORTED_WEIERSTRASS = [
    (c.ECC_FAMILY_SECP_R1, 192),
    (c.ECC_FAMILY_SECP_R1, 224),
    (c.ECC_FAMILY_SECP_R1, 256),
    (c.ECC_FAMILY_SECP_R1, 384),
    (c.ECC_FAMILY_SECP_R1, 521),
    (c.ECC_FAMILY_SECP_K1, 256),
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 256),
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 384),
    (c.ECC_FAMILY_BRAINPOOL_P_R1, 512),
]
# secp192k1, secp224k1 and brainpoolP160r1-P224r1/P320r1 are served by
# python-ecdsa: see tests/test_asym_ecdsa_lib.py.
UNSUPPORTED_CURVES = [
    (c.ECC_FAMILY_SECP_R2, 160),
    (c.ECC_FAMILY_SECT_K1, 163),
    (c.ECC_FAMILY_SECT_R1, 233),
    (c.ECC_FAMILY_SECT_R2, 163),
    (c.ECC_FAMILY_FRP, 256),
]
MONTGOMERY = c.ECC_FAMILY_MONTGOMERY
EDWARDS = c.ECC_FAMILY_TWISTED_EDWARDS


def _stream(*chunks: bytes) -> Callable[[int], bytes]:
    """A ``read(n)`` that returns the given chunks in order, checking each size."""
    pending = list(chunks)

    def read(n: int) -> bytes:
        chunk = pending.pop(0)
        assert len(chunk) == n, (len(chunk), n)
        return chunk

    return read


# ---------------------------------------------------------------- ECC


@pytest.mark.parametrize(("family", "bits"), SUPPORTED_WEIERSTRASS)
def test_weierstrass_formats(family: int, bits: int) -> None:
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    length = (bits + 7) // 8
    material = A.generate_key(pair, bits)
    assert len(material) == length
    assert A.import_key(pair, 0, material) == (bits, material)
    assert A.import_key(pair, bits, bytearray(material)) == (bits, material)
    public = A.export_public_key(pair, bits, material)
    assert len(public) == 1 + 2 * length and public[0] == 4
    assert A.import_key(public_type, 0, public) == (bits, public)
    assert A.export_public_key(public_type, bits, public) == public
    # The public key matches pyca's own derivation from the scalar.
    curve = ecc_module.curve_for(pair, bits).curve
    assert curve is not None
    point = ec.derive_private_key(int.from_bytes(material, "big"), curve).public_key()
    assert point.public_numbers().x == int.from_bytes(public[1 : 1 + length], "big")
    # Range of the scalar: [1, n-1].
    n = curve.group_order
    for bad in (0, n, n + 1, (1 << (8 * length)) - 1):
        if bad < 1 << (8 * length):
            with pytest.raises(InvalidArgumentError):
                A.import_key(pair, 0, bad.to_bytes(length, "big"))
    assert A.import_key(pair, 0, (n - 1).to_bytes(length, "big"))[0] == bits
    assert A.import_key(pair, 0, (1).to_bytes(length, "big"))[0] == bits
    # Sizes: wrong length, wrong declared size.
    for bad_data in (material[1:], material + b"\0"):
        with pytest.raises(InvalidArgumentError):
            A.import_key(pair, 0, bad_data)
    with pytest.raises(InvalidArgumentError):
        A.import_key(pair, bits + 8, material)
    # Public keys: uncompressed only, on the curve, exact length.
    compressed = bytes((2 + (public[-1] & 1),)) + public[1 : 1 + length]
    off_curve = public[:-1] + bytes((public[-1] ^ 1,))
    for bad_data in (compressed, off_curve, public[:-1], public + b"\0", b"\x04", b"\x00"):
        with pytest.raises(InvalidArgumentError):
            A.import_key(public_type, bits, bad_data)
    for bad_data in (off_curve, b"\x05" + public[1:]):
        with pytest.raises(InvalidArgumentError):
            A.import_key(public_type, 0, bad_data)


def test_weierstrass_public_coordinates_must_be_reduced() -> None:
    # brainpoolP256r1: p is far enough below 2^256 for x + p to fit in 32 bytes.
    family = c.ECC_FAMILY_BRAINPOOL_P_R1
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    p = 0xA9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377
    for _ in range(64):  # find a key whose x + p still fits in 32 bytes
        public = A.export_public_key(pair, 256, A.generate_key(pair, 256))
        x = int.from_bytes(public[1:33], "big")
        if x + p < 2**256:
            bad = b"\x04" + (x + p).to_bytes(32, "big") + public[33:]
            with pytest.raises(InvalidArgumentError):
                A.import_key(public_type, 0, bad)
            return
    pytest.fail("no suitable key found")


@pytest.mark.parametrize(("family", "bits"), UNSUPPORTED_CURVES)
def test_unsupported_curves(family: int, bits: int) -> None:
    pair, public_type = ECC_KEY_PAIR(family), ECC_PUBLIC_KEY(family)
    length = (bits + 7) // 8
    with pytest.raises(NotSupportedError):
        A.generate_key(pair, bits)
    with pytest.raises(NotSupportedError):
        A.import_key(pair, 0, b"\x01" * length)
    with pytest.raises(NotSupportedError):
        A.import_key(public_type, bits, b"\x04" + b"\x01" * (2 * length))
    with pytest.raises(NotSupportedError):
        A.derive_key(pair, bits, _stream(b"\x01" * length))


def test_invalid_curve_sizes() -> None:
    pair = ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    for bits in (0, 255, 257, 512):
        with pytest.raises(InvalidArgumentError):
            A.generate_key(pair, bits)
    with pytest.raises(InvalidArgumentError):
        A.import_key(pair, 0, bytes(20))
    with pytest.raises(NotSupportedError):  # not an ECC family this API defines
        A.generate_key(ECC_KEY_PAIR(0x7E), 256)
    with pytest.raises(InvalidArgumentError):
        A.generate_key(ECC_PUBLIC_KEY(c.ECC_FAMILY_SECP_R1), 256)
    with pytest.raises(InvalidArgumentError):
        A.generate_key(pair, 256, b"\x03")
    with pytest.raises(InvalidArgumentError):
        A.import_key(pair, 0, b"")


@pytest.mark.parametrize("bits", [255, 448])
def test_montgomery_formats(bits: int) -> None:
    pair, public_type = ECC_KEY_PAIR(MONTGOMERY), ECC_PUBLIC_KEY(MONTGOMERY)
    length = 32 if bits == 255 else 56
    material = A.generate_key(pair, bits)
    assert len(material) == length
    assert A.import_key(pair, 0, material) == (bits, material)  # already clamped
    # Import forces the RFC 7748 bits; the clamped key is the same X25519/X448 key.
    bits_out, clamped = A.import_key(pair, 0, b"\xff" * length)
    assert bits_out == bits
    if bits == 255:
        assert clamped == b"\xf8" + b"\xff" * 30 + b"\x7f"
    else:
        assert clamped == b"\xfc" + b"\xff" * 55
    public = A.export_public_key(pair, bits, material)
    assert len(public) == length
    assert A.import_key(public_type, 0, public) == (bits, public)
    assert A.import_key(public_type, bits, bytes(length)) == (bits, bytes(length))
    for bad in (material[1:], material + b"\0"):
        with pytest.raises(InvalidArgumentError):
            A.import_key(pair, 0, bad)
    with pytest.raises(InvalidArgumentError):
        A.import_key(pair, 448 if bits == 255 else 255, material)


def _edwards_is_point(encoded: bytes) -> bool:
    """Independent reference: decode per RFC 8032 5.1.3/5.2.3 by computing x."""
    value = int.from_bytes(encoded, "little")
    top = len(encoded) * 8 - 1
    y, sign = value & ((1 << top) - 1), value >> top
    if len(encoded) == 32:
        p = 2**255 - 19
        d = (-121665 * pow(121666, p - 2, p)) % p
        u, v = (y * y - 1) % p, (d * y * y + 1) % p
        if y >= p:
            return False
        x = (u * pow(v, 3, p)) * pow(u * pow(v, 7, p), (p - 5) // 8, p) % p
        if v * x * x % p == (-u) % p:
            x = x * pow(2, (p - 1) // 4, p) % p
        if v * x * x % p != u:
            return False
    else:
        p = 2**448 - 2**224 - 1
        d = p - 39081
        u, v = (y * y - 1) % p, (d * y * y - 1) % p
        if y >= p:
            return False
        x = pow(u, 3, p) * v % p * pow(pow(u, 5, p) * pow(v, 3, p) % p, (p - 3) // 4, p) % p
        if v * x * x % p != u:
            return False
    return not (x == 0 and sign == 1)


@pytest.mark.parametrize("bits", [255, 448])
def test_edwards_formats(bits: int) -> None:
    pair, public_type = ECC_KEY_PAIR(EDWARDS), ECC_PUBLIC_KEY(EDWARDS)
    length = 32 if bits == 255 else 57
    material = A.generate_key(pair, bits)
    assert len(material) == length
    assert A.import_key(pair, 0, material) == (bits, material)
    public = A.export_public_key(pair, bits, material)
    assert A.import_key(public_type, 0, public) == (bits, public)
    # Encodings that are not points are refused, in agreement with a reference decoder.
    accepted = rejected = 0
    for y in itertools.chain(range(40), [2**255 - 19, 2**255 - 1]):
        for sign in (0, 1):
            value = y | (sign << (8 * length - 1))
            encoded = value.to_bytes(length, "little")
            if _edwards_is_point(encoded):
                assert A.import_key(public_type, 0, encoded)[0] == bits
                accepted += 1
            else:
                with pytest.raises(InvalidArgumentError):
                    A.import_key(public_type, 0, encoded)
                rejected += 1
    assert accepted and rejected
    with pytest.raises(InvalidArgumentError):
        A.import_key(pair, 0, material[1:])


def test_ecc_derivation_procedure() -> None:
    pair = ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)
    # P-256: 2^256-1 > n-2 is rejected, the next draw k gives d = k + 1.
    out = A.derive_key(pair, 256, _stream(b"\xff" * 32, bytes(31) + b"\x05"))
    assert out == bytes(31) + b"\x06"
    n = ec.SECP256R1().group_order
    out = A.derive_key(pair, 256, _stream((n - 2).to_bytes(32, "big")))
    assert out == (n - 1).to_bytes(32, "big")
    out = A.derive_key(pair, 256, _stream((n - 1).to_bytes(32, "big"), bytes(32)))
    assert out == bytes(31) + b"\x01"
    # P-521: 66 bytes drawn, the top 7 bits masked off.
    n521 = ec.SECP521R1().group_order
    drawn = b"\xff" + (n521 - 3).to_bytes(66, "big")[1:]
    out = A.derive_key(pair, 521, _stream(drawn))
    assert out == (n521 - 2).to_bytes(66, "big")
    # Montgomery: the drawn string, clamped. Edwards: the drawn string.
    mont = ECC_KEY_PAIR(MONTGOMERY)
    assert A.derive_key(mont, 255, _stream(b"\xff" * 32)) == b"\xf8" + b"\xff" * 30 + b"\x7f"
    assert A.derive_key(mont, 448, _stream(bytes(56))) == bytes(55) + b"\x80"
    edwards = ECC_KEY_PAIR(EDWARDS)
    assert A.derive_key(edwards, 448, _stream(b"\x07" * 57)) == b"\x07" * 57
    with pytest.raises(InvalidArgumentError):
        A.derive_key(ECC_PUBLIC_KEY(c.ECC_FAMILY_SECP_R1), 256, _stream())
    # Every derived key is importable.
    for family, bits in SUPPORTED_WEIERSTRASS:
        derived = A.derive_key(ECC_KEY_PAIR(family), bits, lambda n: b"\x42" * n)
        assert A.import_key(ECC_KEY_PAIR(family), 0, derived) == (bits, derived)


def test_load_objects() -> None:
    for family, bits in [*SUPPORTED_WEIERSTRASS, (MONTGOMERY, 255), (EDWARDS, 448)]:
        pair = ECC_KEY_PAIR(family)
        material = A.generate_key(pair, bits)
        key = A.load(pair, bits, material)
        assert hasattr(key, "public_key")
        public = A.export_public_key(pair, bits, material)
        assert A.load(ECC_PUBLIC_KEY(family), bits, public) is not None


# ---------------------------------------------------------------- RSA


@pytest.fixture(scope="module")
def rsa_material() -> bytes:
    return A.generate_key(RSA_PAIR, 1024)


def _der_int(value: int) -> bytes:
    body = value.to_bytes(value.bit_length() // 8 + 1, "big")
    return b"\x02" + _der_len(len(body)) + body


def _der_len(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def _der_seq(*parts: bytes) -> bytes:
    body = b"".join(parts)
    return b"\x30" + _der_len(len(body)) + body


def test_rsa_formats(rsa_material: bytes) -> None:
    bits, material = A.import_key(RSA_PAIR, 0, rsa_material)
    assert (bits, material) == (1024, rsa_material)
    public = A.export_public_key(RSA_PAIR, 1024, rsa_material)
    assert A.import_key(RSA_PUBLIC, 1024, public) == (1024, public)
    assert A.export_public_key(RSA_PUBLIC, 1024, public) == public
    numbers = A.load(RSA_PAIR, 1024, rsa_material).private_numbers()
    pub = numbers.public_numbers
    assert public == _der_seq(_der_int(pub.n), _der_int(pub.e))
    fields = [0, pub.n, pub.e, numbers.d, numbers.p, numbers.q]
    fields += [numbers.dmp1, numbers.dmq1, numbers.iqmp]
    assert rsa_material == _der_seq(*map(_der_int, fields))
    with pytest.raises(InvalidArgumentError):
        A.import_key(RSA_PAIR, 2048, rsa_material)


def test_rsa_der_strictness(rsa_material: bytes) -> None:
    numbers = A.load(RSA_PAIR, 1024, rsa_material).private_numbers()
    pub = numbers.public_numbers
    fields = [0, pub.n, pub.e, numbers.d, numbers.p, numbers.q]
    fields += [numbers.dmp1, numbers.dmq1, numbers.iqmp]
    ints = list(map(_der_int, fields))
    body = b"".join(ints)
    long_form = b"\x30\x83" + len(body).to_bytes(3, "big") + body
    padded_int = b"\x02\x02\x00\x00"  # non-minimal INTEGER 0
    bad_inputs = [
        rsa_material + b"\x00",  # trailing data
        rsa_material[:-1],  # truncated
        long_form,  # non-minimal length
        _der_seq(padded_int, *ints[1:]),
        _der_seq(*ints[:-1]),  # an element missing
        _der_seq(*ints, _der_int(1)),  # an element too many
        _der_seq(_der_int(1), *ints[1:]),  # version 1 (multi-prime)
        _der_seq(b"\x02\x01\xff", *ints[1:]),  # negative version
        _der_seq(*ints[:3], _der_int(numbers.d + 2), *ints[4:]),  # inconsistent d
        _der_seq(*ints[:8], _der_int(numbers.iqmp + 1)),  # inconsistent CRT value
        b"\x31" + rsa_material[1:],  # SET, not SEQUENCE
    ]
    for bad in bad_inputs:
        with pytest.raises(InvalidArgumentError):
            A.import_key(RSA_PAIR, 0, bad)
    n, e = pub.n, pub.e
    for bad in (
        _der_seq(_der_int(n), _der_int(e)) + b"\x00",
        _der_seq(_der_int(n + 1), _der_int(e)),  # even modulus
        _der_seq(_der_int(n), _der_int(1)),
        _der_seq(_der_int(n), _der_int(65536)),
        _der_seq(_der_int(n)),
        rsa_material,  # a key pair is not a public key
    ):
        with pytest.raises(InvalidArgumentError):
            A.import_key(RSA_PUBLIC, 0, bad)


def test_rsa_sizes() -> None:
    small_n = (1 << 511) + 1
    with pytest.raises(NotSupportedError):
        A.import_key(RSA_PUBLIC, 0, _der_seq(_der_int(small_n), _der_int(65537)))
    for bits in (512, 1023, 4097, 8192):
        with pytest.raises(NotSupportedError):
            A.generate_key(RSA_PAIR, bits)
    with pytest.raises(InvalidArgumentError):
        A.generate_key(RSA_PUBLIC, 2048)
    with pytest.raises(NotSupportedError):
        A.derive_key(RSA_PAIR, 2048, _stream())


def test_rsa_custom_exponent() -> None:
    material = A.generate_key(RSA_PAIR, 1024, b"\x03")
    assert A.load(RSA_PAIR, 1024, material).private_numbers().public_numbers.e == 3
    little_endian = (0x10001).to_bytes(3, "little") + b"\x00\x00"  # trailing zeros allowed
    material = A.generate_key(RSA_PAIR, 1024, little_endian)
    assert A.load(RSA_PAIR, 1024, material).private_numbers().public_numbers.e == 65537
    for bad in (b"\x01", b"\x02", b"\x00", b"\x00\x01"):
        with pytest.raises(InvalidArgumentError):
            A.generate_key(RSA_PAIR, 1024, bad)
    with pytest.raises(NotSupportedError):
        A.generate_key(RSA_PAIR, 1024, (2**33 + 1).to_bytes(5, "little"))


# ---------------------------------------------------------------- DH

DH_FAMILIES = [c.DH_FAMILY_RFC7919, c.DH_FAMILY_RFC3526]

# Independent known values: the first and last 16 bytes of each published prime.
_PRIME_ENDS = {
    c.DH_FAMILY_RFC7919: (
        "ffffffffffffffffadf85458a2bb4a9a",
        {
            2048: "886b423861285c97ffffffffffffffff",
            3072: "25e41d2b66c62e37ffffffffffffffff",
            4096: "c68a007e5e655f6affffffffffffffff",
            6144: "a40e329cd0e40e65ffffffffffffffff",
            8192: "d68c8bb7c5c6424cffffffffffffffff",
        },
    ),
    c.DH_FAMILY_RFC3526: (
        "ffffffffffffffffc90fdaa22168c234",
        {
            2048: "15728e5a8aacaa68ffffffffffffffff",
            3072: "4b82d120a93ad2caffffffffffffffff",
            4096: "4df435c934063199ffffffffffffffff",
            6144: "e694f91e6dcc4024ffffffffffffffff",
            8192: "60c980dd98edd3dfffffffffffffffff",
        },
    ),
}


@pytest.mark.parametrize("family", DH_FAMILIES)
def test_dh_primes(family: int) -> None:
    head, tails = _PRIME_ENDS[family]
    for bits, tail in tails.items():
        group = dh_module.group_for(DH_KEY_PAIR(family), bits)
        raw = group.p.to_bytes(bits // 8, "big")
        assert group.p.bit_length() == bits and group.g == 2
        assert raw[:16].hex() == head and raw[-16:].hex() == tail
        if bits <= 3072:  # safe prime (Fermat test of p and q); larger ones are slow
            q = (group.p - 1) // 2
            assert pow(2, group.p - 1, group.p) == 1
            assert pow(3, q - 1, q) == 1


@pytest.mark.parametrize("family", DH_FAMILIES)
def test_dh_formats(family: int) -> None:
    pair, public_type = DH_KEY_PAIR(family), DH_PUBLIC_KEY(family)
    material = A.generate_key(pair, 2048)
    assert len(material) == 256
    assert A.import_key(pair, 0, material) == (2048, material)
    public = A.export_public_key(pair, 2048, material)
    p = dh_module.group_for(pair, 2048).p
    assert int.from_bytes(public, "big") == pow(2, int.from_bytes(material, "big"), p)
    assert A.import_key(public_type, 0, public) == (2048, public)
    assert A.import_key(pair, 0, (1).to_bytes(256, "big"))[0] == 2048
    assert A.import_key(pair, 0, (p - 1).to_bytes(256, "big"))[0] == 2048
    for bad in (bytes(256), p.to_bytes(256, "big"), material[1:], material + b"\0"):
        with pytest.raises(InvalidArgumentError):
            A.import_key(pair, 0, bad)
    for bad_y in (0, 1, p - 1, p):
        with pytest.raises(InvalidArgumentError):
            A.import_key(public_type, 0, bad_y.to_bytes(256, "big"))
    with pytest.raises(InvalidArgumentError):
        A.import_key(public_type, 0, public[1:])
    with pytest.raises(InvalidArgumentError):
        A.import_key(pair, 3072, material)
    for bits in (1024, 2047, 0):
        with pytest.raises(InvalidArgumentError):
            A.generate_key(pair, bits)
    with pytest.raises(InvalidArgumentError):
        A.generate_key(pair, 2048, b"\x03")
    with pytest.raises(NotSupportedError):
        A.generate_key(DH_KEY_PAIR(0x01), 2048)


def test_dh_derivation_procedure() -> None:
    pair = DH_KEY_PAIR(c.DH_FAMILY_RFC7919)
    p = dh_module.group_for(pair, 2048).p
    out = A.derive_key(pair, 2048, _stream(b"\xff" * 256, bytes(255) + b"\x05"))
    assert out == bytes(255) + b"\x06"
    out = A.derive_key(pair, 2048, _stream((p - 2).to_bytes(256, "big")))
    assert out == (p - 1).to_bytes(256, "big")
    assert A.import_key(pair, 0, out)[0] == 2048
    with pytest.raises(InvalidArgumentError):
        A.derive_key(DH_PUBLIC_KEY(c.DH_FAMILY_RFC7919), 2048, _stream())


def test_dh_all_sizes_load() -> None:
    for family, bits in itertools.product(DH_FAMILIES, (3072, 4096, 6144, 8192)):
        pair = DH_KEY_PAIR(family)
        material = A.derive_key(pair, bits, lambda n: b"\x5a" * n)
        assert len(material) == bits // 8
        public = A.export_public_key(pair, bits, material)
        assert A.import_key(DH_PUBLIC_KEY(family), 0, public) == (bits, public)


# ---------------------------------------------------------------- dispatch


def test_not_asymmetric_types() -> None:
    for key_type in (c.KEY_TYPE_AES, c.KEY_TYPE_RAW_DATA, c.KEY_TYPE_ML_DSA_KEY_PAIR, 0x5100):
        with pytest.raises(NotSupportedError):
            A.import_key(key_type, 0, b"\x01" * 32)
        with pytest.raises(NotSupportedError):
            A.generate_key(key_type, 256)


def test_load_rejects_altered_material() -> None:
    from psacrypto.errors import DataInvalidError

    cases = [
        (RSA_PAIR, 2048, b"\x30\x03\x02\x01\x00"),
        (ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1), 256, bytes(32)),
        (ECC_PUBLIC_KEY(c.ECC_FAMILY_SECP_R1), 256, b"\x04" + b"\x01" * 64),
    ]
    for key_type, bits, material in cases:
        with pytest.raises(DataInvalidError):
            A.load(key_type, bits, material)
