"""ECIES as the spec presents it (``ALG_ECIES_SEC1``): the key-agreement step of
SEC 1 §5.1 as a key-encapsulation mechanism.

Encapsulation makes an ephemeral key pair on the recipient's curve, outputs its
public key (the public-key format of the curve: an uncompressed point for a
Weierstrass curve, the RFC 7748 u-coordinate for a Montgomery curve) as the
ciphertext, and the ECDH shared secret Z as the shared secret. Decapsulation is
ECDH of the recipient's private key with the ciphertext. Cofactor ECDH equals
plain ECDH on the supported Weierstrass curves (cofactor 1); X25519 and X448
clear the cofactor by their scalar clamping.

Built on the classic asymmetric driver (key generation, loading, and
``raw_key_agreement``), so the curves supported are exactly its ECDH curves.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .... import constants as c
from ....errors import InvalidArgumentError
from .. import asymmetric as classic
from ..asymmetric import ecc
from ..asymmetric._common import is_ecc, is_key_pair


def _pair_type(key_type: int) -> int:
    return key_type | 0x3000


def check(key_type: int, bits: int, alg: int, *, decapsulate: bool) -> ecc.Curve:
    """The curve of the key, after the spec's compatibility checks."""
    if alg != c.ALG_ECIES_SEC1:
        raise InvalidArgumentError(f"0x{alg:08x} is not compatible with an ECC key")
    if not is_ecc(key_type):
        raise InvalidArgumentError("ECIES needs an elliptic-curve key")
    if decapsulate and not is_key_pair(key_type):
        raise InvalidArgumentError("decapsulation needs a key pair")
    curve = ecc.curve_for(key_type, bits)
    if curve.kind not in (ecc.WEIERSTRASS, ecc.MONTGOMERY):
        raise InvalidArgumentError("ECIES needs a Weierstrass or Montgomery curve key")
    return curve


def shared_secret_length(key_type: int, bits: int) -> int:
    return ecc.curve_for(key_type, bits).field_length


def encapsulator(
    key_type: int, bits: int, recipient_public: bytes
) -> Callable[[], tuple[bytes, bytes]]:
    """A closure returning ``(Z, ciphertext)`` for the recipient's public key
    (in the curve's public-key format)."""
    curve = check(key_type, bits, c.ALG_ECIES_SEC1, decapsulate=False)
    pair_type = _pair_type(key_type)
    peer = bytes(recipient_public)

    def run() -> tuple[bytes, bytes]:
        ephemeral = classic.load(pair_type, bits, classic.generate_key(pair_type, bits))
        ciphertext = ecc.encode_public(curve, ephemeral.public_key())
        secret = classic.raw_key_agreement(ephemeral, pair_type, bits, c.ALG_ECDH, peer)
        return secret, ciphertext

    return run


def decapsulator(key: Any, key_type: int, bits: int) -> Callable[[bytes], bytes]:
    """A closure returning Z for a ciphertext (an ephemeral public key)."""
    check(key_type, bits, c.ALG_ECIES_SEC1, decapsulate=True)

    def run(ciphertext: bytes) -> bytes:
        return classic.raw_key_agreement(key, key_type, bits, c.ALG_ECDH, ciphertext)

    return run
