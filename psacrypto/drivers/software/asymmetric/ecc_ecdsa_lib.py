"""The Weierstrass curves pyca/cryptography does not offer, computed with the
pure-Python ``ecdsa`` package (python-ecdsa): secp192k1, secp224k1 (``key_bits``
225), brainpoolP160r1, brainpoolP192r1, brainpoolP224r1 and brainpoolP320r1.

**Not constant-time.** python-ecdsa does its arithmetic with Python integers
and documents itself as not protected against side channels (timing in
particular). These curves are deprecated or rarely used; prefer the curves
served by pyca (secp256r1 and the others in ``ecc.CURVES`` with a pyca curve).

Same formats and rules as the pyca curves (see ``ecc``): key pair, the private
scalar big-endian in ``ceil(key_bits/8)`` bytes and in ``[1, n-1]``; public
key, ``0x04 || x || y`` with coordinates as long as the field (28 bytes for
secp224k1, whose order has 225 bits), on the curve; ECDSA signatures ``r || s``
each as long as the order; ECDH, x of the shared point as long as the field.

python-ecdsa has brainpool curves built in; secp192k1 and secp224k1 are built
here from SEC 2 (version 2.0, sections 2.2.1 and 2.3.1), checked at import.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import hashes, hmac
from ecdsa import curves as ecdsa_curves
from ecdsa import ellipticcurve
from ecdsa.ecdsa import Public_key

from ....errors import InvalidArgumentError, InvalidSignatureError

__all__ = [
    "LibCurve",
    "SoftPrivateKey",
    "SoftPublicKey",
    "curve_by_name",
]


@dataclass(frozen=True, slots=True)
class LibCurve:
    """One python-ecdsa curve with the lengths of its PSA formats."""

    name: str
    curve: ellipticcurve.CurveFp
    generator: ellipticcurve.PointJacobi
    order: int
    #: ceil(bits of p / 8): a coordinate, and the ECDH output.
    field_length: int


def _sec2_koblitz(name: str, p: int, b: int, gx: int, gy: int, n: int) -> LibCurve:
    curve = ellipticcurve.CurveFp(p, 0, b, 1)
    generator = ellipticcurve.PointJacobi(curve, gx, gy, 1, n, generator=True)
    return LibCurve(name, curve, generator, n, (p.bit_length() + 7) // 8)


def _builtin(name: str, lib: Any) -> LibCurve:
    curve = lib.curve
    return LibCurve(name, curve, lib.generator, lib.order, (curve.p().bit_length() + 7) // 8)


# SEC 2 v2.0, 2.2.1: secp192k1 (y^2 = x^3 + 3).
_SECP192K1 = _sec2_koblitz(
    "secp192k1",
    p=0xFFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFE_FFFFEE37,
    b=3,
    gx=0xDB4FF10E_C057E9AE_26B07D02_80B7F434_1DA5D1B1_EAE06C7D,
    gy=0x9B2F2F6D_9C5628A7_844163D0_15BE8634_4082AA88_D95E2F9D,
    n=0xFFFFFFFF_FFFFFFFF_FFFFFFFE_26F2FC17_0F69466A_74DEFD8D,
)
# SEC 2 v2.0, 2.3.1: secp224k1 (y^2 = x^3 + 5); the order has 225 bits.
_SECP224K1 = _sec2_koblitz(
    "secp224k1",
    p=0xFFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFF_FFFFFFFE_FFFFE56D,
    b=5,
    gx=0xA1455B33_4DF099DF_30FC28A1_69A467E9_E47075A9_0F7E650E_B6B7A45C,
    gy=0x7E089FED_7FBA3442_82CAFBD6_F7E319F7_C0B0BD59_E2CA4BDB_556D61A5,
    n=0x01_00000000_00000000_00000000_0001DCE8_D2EC6184_CAF0A971_769FB1F7,
)

_CURVES: dict[str, LibCurve] = {
    cv.name: cv
    for cv in (
        _SECP192K1,
        _SECP224K1,
        _builtin("brainpoolP160r1", ecdsa_curves.BRAINPOOLP160r1),
        _builtin("brainpoolP192r1", ecdsa_curves.BRAINPOOLP192r1),
        _builtin("brainpoolP224r1", ecdsa_curves.BRAINPOOLP224r1),
        _builtin("brainpoolP320r1", ecdsa_curves.BRAINPOOLP320r1),
    )
}


def _check_domain(cv: LibCurve) -> None:
    """The generator is on the curve and has the stated order (cofactor 1)."""
    g = cv.generator
    if not cv.curve.contains_point(g.x(), g.y()):
        raise AssertionError(f"{cv.name}: the generator is not on the curve")
    if g * cv.order != ellipticcurve.INFINITY:
        raise AssertionError(f"{cv.name}: order * G is not the point at infinity")


for _cv in _CURVES.values():
    _check_domain(_cv)


def curve_by_name(name: str) -> LibCurve:
    return _CURVES[name]


# ---------------------------------------------------------------- keys


@dataclass(frozen=True, slots=True)
class SoftPublicKey:
    """A public key of a python-ecdsa curve (what ``load`` returns for one)."""

    lib: LibCurve
    key: Public_key
    encoded: bytes

    def public_key(self) -> SoftPublicKey:
        return self


@dataclass(frozen=True, slots=True)
class SoftPrivateKey:
    """A key pair of a python-ecdsa curve (what ``load`` returns for one)."""

    lib: LibCurve
    d: int
    public: SoftPublicKey

    def public_key(self) -> SoftPublicKey:
        return self.public


def _encode_point(lib: LibCurve, point: Any) -> bytes:
    n = lib.field_length
    return b"\x04" + int(point.x()).to_bytes(n, "big") + int(point.y()).to_bytes(n, "big")


def decode_point(lib: LibCurve, data: bytes) -> Public_key:
    """The public key of an uncompressed point; ``InvalidArgumentError`` unless
    it is ``0x04 || x || y`` of the right length with a point of the curve."""
    n = lib.field_length
    if len(data) != 1 + 2 * n or data[0] != 0x04:
        raise InvalidArgumentError(f"the point must be uncompressed, {1 + 2 * n} bytes")
    x = int.from_bytes(data[1 : 1 + n], "big")
    y = int.from_bytes(data[1 + n :], "big")
    p = lib.curve.p()
    if x >= p or y >= p or not lib.curve.contains_point(x, y):
        raise InvalidArgumentError("the point is not on the curve")
    # Cofactor 1 on all these curves: every affine point of the curve is in the group.
    point = ellipticcurve.PointJacobi(lib.curve, x, y, 1, lib.order)
    return Public_key(lib.generator, point, verify=False)


def check_private(lib: LibCurve, data: bytes) -> None:
    d = int.from_bytes(data, "big")
    if not 1 <= d < lib.order:
        raise InvalidArgumentError("the private scalar is not in [1, n-1]")


def generate_scalar(lib: LibCurve) -> int:
    return 1 + secrets.randbelow(lib.order - 1)


def load_private(lib: LibCurve, material: bytes) -> SoftPrivateKey:
    d = int.from_bytes(material, "big")
    point = lib.generator * d
    public = SoftPublicKey(
        lib, Public_key(lib.generator, point, verify=False), _encode_point(lib, point)
    )
    return SoftPrivateKey(lib, d, public)


def load_public(lib: LibCurve, material: bytes) -> SoftPublicKey:
    return SoftPublicKey(lib, decode_point(lib, material), bytes(material))


# ---------------------------------------------------------------- ECDSA


def hash_to_int(lib: LibCurve, digest: bytes) -> int:
    """The leftmost ``bits(n)`` bits of ``digest`` as an integer (ECDSA's
    truncation of a hash longer than the order)."""
    value = int.from_bytes(digest, "big")
    excess = 8 * len(digest) - lib.order.bit_length()
    return value >> excess if excess > 0 else value


def _rfc6979_nonces(lib: LibCurve, d: int, digest: bytes, algorithm: Any) -> Iterator[int]:
    """RFC 6979 section 3.2 candidate nonces for ``digest`` (HMAC from pyca)."""
    n = lib.order
    qlen = n.bit_length()
    rlen = (qlen + 7) // 8

    def mac(key: bytes, data: bytes) -> bytes:
        h = hmac.HMAC(key, algorithm)
        h.update(data)
        return h.finalize()

    def bits2int(data: bytes) -> int:
        value = int.from_bytes(data, "big")
        excess = 8 * len(data) - qlen
        return value >> excess if excess > 0 else value

    h1 = (bits2int(digest) % n).to_bytes(rlen, "big")
    x = d.to_bytes(rlen, "big")
    v = b"\x01" * algorithm.digest_size
    k = b"\x00" * algorithm.digest_size
    k = mac(k, v + b"\x00" + x + h1)
    v = mac(k, v)
    k = mac(k, v + b"\x01" + x + h1)
    v = mac(k, v)
    while True:
        t = b""
        while len(t) < rlen:
            v = mac(k, v)
            t += v
        candidate = bits2int(t)
        if 1 <= candidate < n:
            yield candidate
        k = mac(k, v + b"\x00")
        v = mac(k, v)


def _sign_with(key: SoftPrivateKey, e: int, k: int) -> tuple[int, int] | None:
    lib = key.lib
    n = lib.order
    r = (lib.generator * k).x() % n
    if r == 0:
        return None
    s = pow(k, -1, n) * (e + key.d * r) % n
    if s == 0:
        return None
    return r, s


def sign_digest(key: SoftPrivateKey, digest: bytes, deterministic_hash: Any = None) -> bytes:
    """ECDSA ``r || s`` of ``digest``: random nonces, or RFC 6979 nonces with
    the pyca hash ``deterministic_hash``."""
    lib = key.lib
    e = hash_to_int(lib, digest)
    length = (lib.order.bit_length() + 7) // 8
    nonces: Iterator[int]
    if deterministic_hash is not None:
        nonces = _rfc6979_nonces(lib, key.d, digest, deterministic_hash)
    else:
        nonces = iter(lambda: generate_scalar(lib), 0)
    for k in nonces:
        rs = _sign_with(key, e, k)
        if rs is not None:
            r, s = rs
            return r.to_bytes(length, "big") + s.to_bytes(length, "big")
    raise AssertionError("unreachable")  # pragma: no cover


def verify_digest(key: SoftPublicKey, digest: bytes, signature: bytes) -> None:
    lib = key.lib
    length = (lib.order.bit_length() + 7) // 8
    if len(signature) != 2 * length:
        raise InvalidSignatureError()
    r = int.from_bytes(signature[:length], "big")
    s = int.from_bytes(signature[length:], "big")
    n = lib.order
    if not (1 <= r < n and 1 <= s < n):
        raise InvalidSignatureError()
    # (Public_key.verifies fails with a TypeError when u1*G + u2*Q is the
    # point at infinity, so the check is written out.)
    w = pow(s, -1, n)
    point = lib.generator.mul_add(hash_to_int(lib, digest) * w % n, key.key.point, r * w % n)
    if point == ellipticcurve.INFINITY or point.x() % n != r:
        raise InvalidSignatureError()


def digest_of(algorithm: hashes.HashAlgorithm, data: bytes) -> bytes:
    h = hashes.Hash(algorithm)
    h.update(data)
    return h.finalize()


# ---------------------------------------------------------------- ECDH


def ecdh(key: SoftPrivateKey, peer: bytes) -> bytes:
    """x of ``d * peer``, ``field_length`` bytes; ``InvalidArgumentError`` for a
    peer key that is not a point of the curve."""
    lib = key.lib
    public = decode_point(lib, bytes(peer))
    shared = public.point * key.d
    if shared == ellipticcurve.INFINITY:
        raise InvalidArgumentError("the shared point is the point at infinity")
    return int(shared.x()).to_bytes(lib.field_length, "big")
