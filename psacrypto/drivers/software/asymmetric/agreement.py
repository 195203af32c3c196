"""Raw key agreement: ECDH (Weierstrass curves, X25519, X448) and FFDH.

The peer key is in the public-key import format of the private key's type and
size. Outputs: ECDH on a Weierstrass curve, x of the shared point, big-endian,
``ceil(bits/8)`` bytes; X25519/X448, the RFC 7748 output; FFDH, ``g^ab mod p``
big-endian, as long as p. An invalid peer key, or one that yields the neutral
element (an all-zero X25519/X448 output), is ``InvalidArgumentError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import dh as pyca_dh
from cryptography.hazmat.primitives.asymmetric import ec, x448, x25519

from .... import constants as c
from ....errors import InvalidArgumentError, NotSupportedError
from . import dh, ecc
from . import ecc_ecdsa_lib as soft
from ._common import Buffer, is_dh, is_ecc, is_key_agreement, is_key_pair, key_agreement_base

AgreeFn = Callable[[Any, Buffer], bytes]

_PLANS: dict[tuple[int, int, int], AgreeFn] = {}


def raw_key_agreement(key_obj: Any, key_type: int, bits: int, alg: int, peer_key: Buffer) -> bytes:
    """``psa_raw_key_agreement``: the shared secret of the key pair ``key_obj``
    and ``peer_key``. ``alg`` is ``ALG_ECDH``/``ALG_FFDH``, or a combined
    key-agreement + KDF algorithm (its key-agreement part is used)."""
    plan = _PLANS.get((key_type, bits, alg))
    if plan is None:
        plan = _PLANS[(key_type, bits, alg)] = _plan(key_type, bits, alg)
    return plan(key_obj, peer_key)


def agreement_plan(key_type: int, bits: int, alg: int) -> AgreeFn:
    """The cached ``fn(key_obj, peer_key) -> shared secret``; raises the spec's
    error if the key type and size cannot do ``alg``. Needs no key material:
    usable as a check."""
    plan = _PLANS.get((key_type, bits, alg))
    if plan is None:
        plan = _PLANS[(key_type, bits, alg)] = _plan(key_type, bits, alg)
    return plan


def _plan(key_type: int, bits: int, alg: int) -> AgreeFn:
    if not is_key_agreement(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not a key-agreement algorithm")
    base = key_agreement_base(alg)
    if base not in (c.ALG_ECDH, c.ALG_FFDH):
        raise NotSupportedError(f"key agreement 0x{base:08x} is not supported")
    if not is_key_pair(key_type):
        raise InvalidArgumentError("key agreement needs a key pair")
    if base == c.ALG_ECDH and is_ecc(key_type):
        curve = ecc.curve_for(key_type, bits)
        if curve.kind == ecc.WEIERSTRASS:
            if curve.lib is not None:
                return _soft_ecdh
            return _ecdh(curve)
        if curve.kind == ecc.MONTGOMERY:
            return _xdh(curve)
    if base == c.ALG_FFDH and is_dh(key_type):
        return _ffdh(dh.group_for(key_type, bits))
    raise InvalidArgumentError(f"the key type is not compatible with 0x{base:08x}")


def _ecdh(curve: ecc.Curve) -> AgreeFn:
    pyca_curve = curve.curve
    assert pyca_curve is not None
    length = curve.public_length
    ecdh = ec.ECDH()

    def agree(key: Any, peer: Buffer) -> bytes:
        if len(peer) != length or peer[0] != 0x04:
            raise InvalidArgumentError(
                f"the peer key must be an uncompressed point of {length} bytes"
            )
        try:
            public = ec.EllipticCurvePublicKey.from_encoded_point(pyca_curve, bytes(peer))
        except ValueError:
            raise InvalidArgumentError("the peer key is not a point of the curve") from None
        secret: bytes = key.exchange(ecdh, public)
        return secret

    return agree


def _soft_ecdh(key: Any, peer: Buffer) -> bytes:
    """ECDH on a curve pyca lacks (python-ecdsa, not constant-time)."""
    return soft.ecdh(key, bytes(peer))


def _xdh(curve: ecc.Curve) -> AgreeFn:
    public_class: Any = x25519.X25519PublicKey if curve.bits == 255 else x448.X448PublicKey
    length = curve.public_length

    def agree(key: Any, peer: Buffer) -> bytes:
        if len(peer) != length:
            raise InvalidArgumentError(f"the peer key must be {length} bytes")
        try:
            secret: bytes = key.exchange(public_class.from_public_bytes(bytes(peer)))
        except ValueError:
            # OpenSSL refuses a low-order peer point (all-zero shared secret).
            raise InvalidArgumentError("the peer key gives a degenerate shared secret") from None
        return secret

    return agree


def _ffdh(group: dh.Group) -> AgreeFn:
    numbers = group.numbers
    length = group.length

    def agree(key: Any, peer: Buffer) -> bytes:
        y = dh.check_public_value(group, peer)
        public = pyca_dh.DHPublicNumbers(y, numbers).public_key()
        try:
            secret: bytes = key.exchange(public)
        except ValueError:
            raise InvalidArgumentError("the peer key is not valid for this group") from None
        return secret.rjust(length, b"\x00")

    return agree
