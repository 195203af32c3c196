"""SPAKE2+ (RFC 9383) and the Matter variant (draft-bar-cfrg-spake2plus-02, as
MATTER_PAKE): shares, the transcript, the key schedule and confirmation MACs.

The protocol (Prover = client, Verifier = server), with cofactor 1 curves:

* Prover: ``x`` random, ``shareP = X = x*P + w0*M``.
* Verifier: ``y`` random, ``shareV = Y = y*P + w0*N``; ``Z = y*(X - w0*M)``,
  ``V = y*L``.
* Prover: ``Z = x*(Y - w0*N)``, ``V = w1*(Y - w0*N)``.
* ``TT = [len(Context) || Context] || len(idProver) || idProver || len(idVerifier)
  || idVerifier || len(M) || M || len(N) || N || len(X) || X || len(Y) || Y ||
  len(Z) || Z || len(V) || V || len(w0) || w0``, each ``len`` 8 bytes little-endian.
  As the PSA spec asks, the context field is left out entirely when the
  application never set one.
* RFC 9383: ``K_main = Hash(TT)``; ``K_confirmP || K_confirmV = HKDF(nil, K_main,
  "ConfirmationKeys")`` (each as long as the MAC key: the hash length for HMAC,
  16 bytes for CMAC-AES-128); ``K_shared = HKDF(nil, K_main, "SharedKey")`` (hash
  length); ``confirmP = MAC(K_confirmP, shareV)``, ``confirmV = MAC(K_confirmV, shareP)``.
* Matter: ``Ka || Ke = Hash(TT)`` (halves); ``KcA || KcB = HKDF(nil, Ka,
  "ConfirmationKeys")`` (halves of a hash-length output); ``cA = HMAC(KcA, Y)``,
  ``cB = HMAC(KcB, X)``; the shared secret is ``Ke``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.hazmat.primitives import cmac, hashes
from cryptography.hazmat.primitives.ciphers import algorithms
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .... import constants as c
from ....errors import InvalidArgumentError
from . import group as grp
from .group import Group, Point

#: The M and N constants of RFC 9383 section 4 (compressed SEC1), per curve.
_MN: dict[str, tuple[str, str]] = {
    "p256": (
        "02886e2f97ace46e55ba9dd7242579f2993b64e16ef3dcab95afd497333d8fa12f",
        "03d8bbd6c639c62937b04d997f38c3770719c629d7014d49a24b4f98baa1292b49",
    ),
    "p384": (
        "030ff0895ae5ebf6187080a82d82b42e2765e3b2f8749c7e05eba366434b363d3d"
        "c36f15314739074d2eb8613fceec2853",
        "02c72cf2e390853a1c1c4ad816a62fd15824f56078918f43f922ca21518f9c543b"
        "b252c5490214cf9aa3f0baab4b665c10",
    ),
    "p521": (
        "02003f06f38131b2ba2600791e82488e8d20ab889af753a41806c5db18d37d85608"
        "cfae06b82e4a72cd744c719193562a653ea1f119eef9356907edc9b56979962d7aa",
        "0200c7924b9ec017f3094562894336a53c50167ba8c5963876880542bc669e494b25"
        "32d76c5b53dfb349fdf69154b9e0048c58a42e8ed04cef052a3bc349d95575cd25",
    ),
}

_PYCA_HASHES: dict[int, Callable[[], hashes.HashAlgorithm]] = {
    c.ALG_SHA_256: hashes.SHA256,
    c.ALG_SHA_384: hashes.SHA384,
    c.ALG_SHA_512: hashes.SHA512,
}
_HASHLIB: dict[int, Callable[..., Any]] = {
    c.ALG_SHA_256: hashlib.sha256,
    c.ALG_SHA_384: hashlib.sha384,
    c.ALG_SHA_512: hashlib.sha512,
}

HMAC = "HMAC"
CMAC = "CMAC-AES-128"


@dataclass(frozen=True, slots=True)
class Suite:
    """One SPAKE2+ cipher suite: group, hash (also of HKDF), MAC, key schedule."""

    group: Group
    hash_alg: int
    mac: str  #: HMAC (with the suite's hash) or CMAC
    matter: bool
    m: Point
    n: Point

    @property
    def hash_len(self) -> int:
        return int(_HASHLIB[self.hash_alg]().digest_size)

    @property
    def confirm_len(self) -> int:
        """Length of a confirmation value (the MAC output)."""
        return 16 if self.mac == CMAC else self.hash_len

    @property
    def shared_len(self) -> int:
        return self.hash_len // 2 if self.matter else self.hash_len


def suite(family: int, bits: int, hash_alg: int, mac: str, matter: bool) -> Suite:
    """The suite for these parameters (the caller has checked they are a valid
    combination)."""
    group = grp.ecc_group(family, bits)
    m_hex, n_hex = _MN[group.name]
    return Suite(
        group,
        hash_alg,
        mac,
        matter,
        group.decompress(bytes.fromhex(m_hex)),
        group.decompress(bytes.fromhex(n_hex)),
    )


def _len8(data: bytes) -> bytes:
    return len(data).to_bytes(8, "little") + data


def _hkdf(hash_alg: int, ikm: bytes, info: bytes, length: int) -> bytes:
    return HKDF(_PYCA_HASHES[hash_alg](), length, None, info).derive(ikm)


def _mac(s: Suite, key: bytes, data: bytes) -> bytes:
    if s.mac == CMAC:
        h = cmac.CMAC(algorithms.AES(key))
        h.update(data)
        return h.finalize()
    return hmac.new(key, data, _HASHLIB[s.hash_alg]).digest()


@dataclass(slots=True)
class Outcome:
    """What a party knows once both shares are in: the confirmation values and
    the shared secret."""

    confirm_p: bytes  #: confirmP (Matter: cA), sent by the Prover
    confirm_v: bytes  #: confirmV (Matter: cB), sent by the Verifier
    shared: bytes  #: K_shared (Matter: Ke)


def prover_share(s: Suite, w0: int, x: int) -> Point:
    return s.group.base_mul(x) + s.m * w0


def verifier_share(s: Suite, w0: int, y: int) -> Point:
    return s.group.base_mul(y) + s.n * w0


def _unblind(point: Point, blind: Point, w0: int) -> Point:
    """``point - w0*blind``; the identity means a share crafted to cancel out."""
    result = point + (-(blind * w0))
    if result.is_point_at_infinity():
        raise InvalidArgumentError("the key share is invalid")
    return result


def prover_secrets(s: Suite, w0: int, w1: int, x: int, share_v: Point) -> tuple[Point, Point]:
    """``(Z, V)`` for the Prover, given the Verifier's share."""
    base = _unblind(share_v, s.n, w0)
    return base * x, base * w1


def verifier_secrets(
    s: Suite, w0: int, big_l: Point, y: int, share_p: Point
) -> tuple[Point, Point]:
    """``(Z, V)`` for the Verifier, given the Prover's share."""
    base = _unblind(share_p, s.m, w0)
    return base * y, big_l * y


def schedule(
    s: Suite,
    context: bytes | None,
    id_prover: bytes,
    id_verifier: bytes,
    share_p: Point,
    share_v: Point,
    z: Point,
    v: Point,
    w0: int,
) -> Outcome:
    """The transcript and key schedule of the suite."""
    g = s.group
    x_enc, y_enc = g.encode(share_p), g.encode(share_v)
    parts = [] if context is None else [_len8(context)]
    parts += [
        _len8(id_prover),
        _len8(id_verifier),
        _len8(g.encode(s.m)),
        _len8(g.encode(s.n)),
        _len8(x_enc),
        _len8(y_enc),
        _len8(g.encode(z)),
        _len8(g.encode(v)),
        _len8(g.encode_scalar(w0)),
    ]
    digest = _HASHLIB[s.hash_alg](b"".join(parts)).digest()
    if s.matter:
        half = len(digest) // 2
        ka, ke = digest[:half], digest[half:]
        kc = _hkdf(s.hash_alg, ka, b"ConfirmationKeys", len(digest))
        kca, kcb = kc[: len(kc) // 2], kc[len(kc) // 2 :]
        return Outcome(_mac(s, kca, y_enc), _mac(s, kcb, x_enc), ke)
    key_len = 16 if s.mac == CMAC else len(digest)
    keys = _hkdf(s.hash_alg, digest, b"ConfirmationKeys", 2 * key_len)
    k_p, k_v = keys[:key_len], keys[key_len:]
    shared = _hkdf(s.hash_alg, digest, b"SharedKey", len(digest))
    return Outcome(_mac(s, k_p, y_enc), _mac(s, k_v, x_enc), shared)
