"""EdDSA variants pyca/cryptography does not offer: Ed25519ph, Ed448ph, Ed25519ctx
and Ed448 with a non-empty context (RFC 8032), from pycryptodome.

pyca keys stay the stored form; each call converts the raw key to a
pycryptodome key (these variants are rare, so no second cache is kept).
Ed25519ctx with an empty context is refused (``NotSupportedError``): RFC 8032
says its context should not be empty, and pycryptodome cannot compute it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from Crypto.Hash import SHA512, SHAKE256
from Crypto.Signature import eddsa
from cryptography.hazmat.primitives import serialization as ser

from .... import constants as c
from ....errors import InvalidArgumentError, InvalidSignatureError, NotSupportedError
from ._common import Buffer

#: Prehash length of HashEdDSA: SHA-512 for Ed25519ph, SHAKE256 (64 bytes) for Ed448ph.
PREHASH_LENGTH = 64

CtxSignFn = Callable[..., bytes]
CtxVerifyFn = Callable[..., None]


class _GivenSha512(SHA512.SHA512Hash):  # type: ignore[misc]
    """A SHA-512 'hash object' whose digest is a value computed elsewhere, so a
    caller's precomputed hash can be signed with Ed25519ph."""

    def __init__(self, digest: bytes) -> None:
        self._given = digest

    def digest(self) -> bytes:
        return self._given


class _GivenShake256(SHAKE256.SHAKE256_XOF):  # type: ignore[misc]
    """The same for Ed448ph, whose prehash is 64 bytes of SHAKE256."""

    def __init__(self, digest: bytes) -> None:
        self._given = digest

    def copy(self) -> _GivenShake256:
        return self

    def read(self, length: int) -> bytes:
        return self._given[:length]


def _private(key: Any) -> Any:
    seed = key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption())
    return eddsa.import_private_key(seed)


def _public(key: Any) -> Any:
    if hasattr(key, "private_bytes"):
        key = key.public_key()
    return eddsa.import_public_key(key.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw))


def _check_context(bits: int, alg: int, context: bytes) -> None:
    if len(context) > 255:
        raise InvalidArgumentError("an EdDSA context is at most 255 bytes")
    if alg == c.ALG_EDDSA_CTX and bits == 255 and not context:
        raise NotSupportedError("Ed25519ctx needs a non-empty context")


def _prehash(bits: int, data: Buffer, message: bool) -> Any:
    """The hash object HashEdDSA signs: of the message, or the caller's hash."""
    if message:
        if bits == 255:
            return SHA512.new(bytes(data))
        return SHAKE256.new(bytes(data))
    if len(data) != PREHASH_LENGTH:
        raise InvalidArgumentError(f"the HashEdDSA prehash must be {PREHASH_LENGTH} bytes")
    return _GivenSha512(bytes(data)) if bits == 255 else _GivenShake256(bytes(data))


def is_extended(bits: int, alg: int) -> bool:
    """Whether this (curve, algorithm) is one of the variants served here."""
    return (alg, bits) in (
        (c.ALG_ED25519PH, 255),
        (c.ALG_ED448PH, 448),
        (c.ALG_EDDSA_CTX, 255),
        (c.ALG_EDDSA_CTX, 448),
    )


def plan_sign(bits: int, alg: int, message: bool) -> CtxSignFn:
    """``fn(key, data, context=b"") -> signature`` for a pyca Edwards private key."""
    hashed = alg in (c.ALG_ED25519PH, c.ALG_ED448PH)

    def sign(key: Any, data: Buffer, context: Buffer = b"") -> bytes:
        ctx = bytes(context)
        _check_context(bits, alg, ctx)
        if alg == c.ALG_EDDSA_CTX and bits == 448 and not ctx:
            signature: bytes = key.sign(data)  # Ed448 with an empty context: pyca
            return signature
        signer = eddsa.new(_private(key), "rfc8032", context=ctx)
        payload = _prehash(bits, data, message) if hashed else bytes(data)
        result: bytes = signer.sign(payload)
        return result

    return sign


def plan_verify(bits: int, alg: int, message: bool) -> CtxVerifyFn:
    """``fn(key, data, signature, context=b"")`` for a pyca Edwards key (pair or public)."""
    hashed = alg in (c.ALG_ED25519PH, c.ALG_ED448PH)

    def verify(key: Any, data: Buffer, signature: Buffer, context: Buffer = b"") -> None:
        ctx = bytes(context)
        _check_context(bits, alg, ctx)
        payload = _prehash(bits, data, message) if hashed else bytes(data)
        verifier = eddsa.new(_public(key), "rfc8032", context=ctx)
        try:
            verifier.verify(payload, bytes(signature))
        except ValueError:
            raise InvalidSignatureError() from None

    return verify
