"""Key encapsulation: ``encapsulate`` and ``decapsulate`` (ML-KEM, ECIES).

The shared secret never leaves the cryptoprocessor: it becomes a new key with
the caller's attributes. Policy: encapsulation needs ``KEY_USAGE_ENCRYPT`` (a
public key or a key pair), decapsulation ``KEY_USAGE_DECRYPT`` (a key pair).

Output key types: every algorithm can output ``KEY_TYPE_DERIVE`` and
``KEY_TYPE_HMAC``; ML-KEM, whose 32-byte secret is pseudorandom, can also
output the 256-bit symmetric key types (AES, ARIA, Camellia, SM4, ChaCha20,
XChaCha20). ECIES outputs the raw ECDH value Z, which is not uniformly random,
so only DERIVE and HMAC. Anything else is ``InvalidArgumentError``.

ML-KEM decapsulation of a well-formed but wrong ciphertext succeeds with a
pseudorandom key (FIPS 203 implicit rejection), as the spec allows; a
ciphertext of the wrong length is ``InvalidArgumentError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import constants as c
from .. import macros as m
from ..attributes import KeyAttributes
from ..errors import InvalidArgumentError, NotSupportedError
from . import compat, keytypes
from .asymmetric import key_object, pqc
from .session import Session

_ENCRYPT = c.KEY_USAGE_ENCRYPT
_DECRYPT = c.KEY_USAGE_DECRYPT

#: Key types a pseudorandom shared secret may become (besides DERIVE and HMAC).
_PSEUDORANDOM_TYPES = frozenset(
    (
        c.KEY_TYPE_AES,
        c.KEY_TYPE_ARIA,
        c.KEY_TYPE_CAMELLIA,
        c.KEY_TYPE_SM4,
        c.KEY_TYPE_CHACHA20,
        c.KEY_TYPE_XCHACHA20,
    )
)
_ANY_SECRET_TYPES = frozenset((c.KEY_TYPE_DERIVE, c.KEY_TYPE_HMAC))


def check_kem(key_type: int, bits: int, alg: int, *, decapsulate: bool) -> None:
    """The spec's error unless a key of this type and size can run ``alg``."""
    if not m.ALG_IS_KEY_ENCAPSULATION(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not a key-encapsulation algorithm")
    if (key_type & ~0x3000) == c.KEY_TYPE_ML_KEM_PUBLIC_KEY:
        pqc.mlkem.check(key_type, bits, alg, decapsulate=decapsulate)
        return
    if alg == c.ALG_ML_KEM:
        raise InvalidArgumentError("ML-KEM needs an ML-KEM key")
    if alg == c.ALG_ECIES_SEC1:
        pqc.ecies.check(key_type, bits, alg, decapsulate=decapsulate)
        return
    raise NotSupportedError(f"key-encapsulation algorithm 0x{alg:08x} is not supported")


def _register() -> None:
    compat.register(
        _ENCRYPT,
        m.ALG_IS_KEY_ENCAPSULATION,
        lambda t, b, a: check_kem(t, b, a, decapsulate=False),
    )
    compat.register(
        _DECRYPT,
        m.ALG_IS_KEY_ENCAPSULATION,
        lambda t, b, a: check_kem(t, b, a, decapsulate=True),
    )


_register()


def _secret_bits(key_type: int, bits: int, alg: int) -> int:
    if alg == c.ALG_ML_KEM:
        return pqc.mlkem.SHARED_SECRET_LENGTH * 8
    return pqc.ecies.shared_secret_length(key_type, bits) * 8


def _check_output(attributes: KeyAttributes, alg: int, secret_bits: int) -> None:
    """The output-key checks of the spec (type valid for the secret, size)."""
    out_type = attributes.type
    if out_type not in _ANY_SECRET_TYPES:
        if alg != c.ALG_ML_KEM or out_type not in _PSEUDORANDOM_TYPES:
            raise InvalidArgumentError(
                f"key type 0x{out_type:04x} cannot hold this algorithm's shared secret"
            )
        keytypes.check_size(out_type, secret_bits)
    if attributes.bits and attributes.bits != secret_bits:
        raise InvalidArgumentError(
            f"the key size must be 0 or {secret_bits}, the size of the shared secret"
        )


class KeyEncapsulation(Session):
    """``psa_encapsulate`` and ``psa_decapsulate``."""

    def _kem(self, key: int, alg: int, usage: int) -> tuple[Callable[..., Any], int]:
        """A cached closure running the mechanism on ``key``, and the secret size."""
        slot = self._keys.get(key)
        if slot is None or slot.persistent:
            slot = self._get_slot(key)
        bound = slot.cache.get(("kem", usage, alg))
        if bound is not None:
            return bound  # type: ignore[no-any-return]
        if not m.ALG_IS_KEY_ENCAPSULATION(alg):
            raise InvalidArgumentError(f"0x{alg:08x} is not a key-encapsulation algorithm")
        slot = self._use_key(key, usage, alg)
        t, b = slot.type, slot.bits
        decapsulate = usage == _DECRYPT
        check_kem(t, b, alg, decapsulate=decapsulate)
        if slot.location != c.KEY_LOCATION_LOCAL_STORAGE:
            # Opaque drivers have no key-encapsulation interface (drivers/base.py).
            raise NotSupportedError(
                f"key encapsulation is not available at location 0x{slot.location:06x}"
            )
        fn: Callable[..., Any]
        if alg == c.ALG_ML_KEM:
            obj = key_object(slot)
            if decapsulate:
                fn = pqc.mlkem.decapsulator(obj, b)
            else:
                fn = pqc.mlkem.encapsulator(obj, pqc.is_pair(t))
        elif decapsulate:
            fn = pqc.ecies.decapsulator(key_object(slot), t, b)
        else:
            public = slot.cache.get("public")
            if public is None:
                public = slot.cache["public"] = keytypes.export_public(t, b, slot.material)
            fn = pqc.ecies.encapsulator(t, b, public)
        bound = (fn, _secret_bits(t, b, alg))
        slot.cache[("kem", usage, alg)] = bound
        return bound

    def encapsulate(self, key: int, alg: int, attributes: KeyAttributes) -> tuple[int, bytes]:
        """``psa_encapsulate``: ``(output_key, ciphertext)``."""
        fn, secret_bits = self._kem(key, alg, _ENCRYPT)
        _check_output(attributes, alg, secret_bits)
        secret, ciphertext = fn()
        return self._create_key(attributes, secret, secret_bits), ciphertext

    def decapsulate(self, key: int, alg: int, ciphertext: bytes, attributes: KeyAttributes) -> int:
        """``psa_decapsulate``: the id of the new shared-secret key."""
        fn, secret_bits = self._kem(key, alg, _DECRYPT)
        _check_output(attributes, alg, secret_bits)
        secret = fn(bytes(ciphertext))
        return self._create_key(attributes, secret, secret_bits)


__all__ = ["KeyEncapsulation", "check_kem"]
