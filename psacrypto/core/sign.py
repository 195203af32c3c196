"""Asymmetric signatures: sign/verify a hash or a message, with or without context.

Classic keys (RSA, ECDSA, EdDSA) run on the classic asymmetric driver; ML-DSA
keys on the post-quantum driver (:mod:`psacrypto.drivers.software.pqc.mldsa`).
Each (usage, algorithm) pair of a key is bound once into a closure cached on the
key slot, so a call costs a dict lookup on top of the driver.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import constants as c
from .. import macros as m
from ..errors import InvalidArgumentError
from . import compat
from .asymmetric import check_sign, driver, key_object, pqc, sign_plan, verify_plan
from .session import Session
from .slots import KeySlot

_SIGN_HASH = c.KEY_USAGE_SIGN_HASH
_VERIFY_HASH = c.KEY_USAGE_VERIFY_HASH
_SIGN_MESSAGE = c.KEY_USAGE_SIGN_MESSAGE
_VERIFY_MESSAGE = c.KEY_USAGE_VERIFY_MESSAGE


def _register() -> None:
    compat.register(
        _SIGN_HASH,
        m.ALG_IS_SIGN_HASH,
        lambda t, b, a: check_sign(t, b, a, message=False, verify=False),
    )
    compat.register(
        _VERIFY_HASH,
        m.ALG_IS_SIGN_HASH,
        lambda t, b, a: check_sign(t, b, a, message=False, verify=True),
    )
    compat.register(
        _SIGN_MESSAGE,
        m.ALG_IS_SIGN_MESSAGE,
        lambda t, b, a: check_sign(t, b, a, message=True, verify=False),
    )
    compat.register(
        _VERIFY_MESSAGE,
        m.ALG_IS_SIGN_MESSAGE,
        lambda t, b, a: check_sign(t, b, a, message=True, verify=True),
    )


_register()


class SignFunctions(Session):
    """``psa_sign_*`` and ``psa_verify_*`` (single-part)."""

    def _checked(self, key: int, alg: int, usage: int) -> KeySlot:
        """The slot, after the algorithm, policy and key checks."""
        message = usage in (_SIGN_MESSAGE, _VERIFY_MESSAGE)
        if message and not m.ALG_IS_SIGN_MESSAGE(alg):
            raise InvalidArgumentError(f"0x{alg:08x} cannot sign a message")
        if not message and not m.ALG_IS_SIGN_HASH(alg):
            raise InvalidArgumentError(f"0x{alg:08x} cannot sign a hash")
        slot = self._use_key(key, usage, alg)
        check_sign(
            slot.type,
            slot.bits,
            alg,
            message=message,
            verify=usage in (_VERIFY_HASH, _VERIFY_MESSAGE),
        )
        return slot

    def _signer(self, key: int, alg: int, usage: int) -> tuple[KeySlot, Any]:
        """The slot and parsed key, after the algorithm, policy and key checks."""
        slot = self._checked(key, alg, usage)
        return slot, key_object(slot)

    def _bound(self, key: int, alg: int, usage: int) -> Callable[..., Any]:
        """A cached closure running ``usage`` with ``alg`` on ``key``."""
        slot = self._keys.get(key)
        if slot is None or slot.persistent:
            slot = self._get_slot(key)
        fn = slot.cache.get((usage, alg))
        if fn is not None:
            return fn  # type: ignore[no-any-return]
        slot = self._checked(key, alg, usage)
        if slot.location != c.KEY_LOCATION_LOCAL_STORAGE:
            # A key held by an opaque driver: the driver binds the function (or refuses).
            from . import locations

            fn = locations.bind(slot, "sign", usage, alg)
            slot.cache[(usage, alg)] = fn
            return fn  # type: ignore[no-any-return]
        obj = key_object(slot)
        t, b = slot.type, slot.bits
        # The driver's plan is the pyca call with every per-algorithm object
        # prebuilt; a context (rare) takes the driver's general path.
        if pqc.is_pqc_key_type(t):
            # ML-DSA, and LMS/HSS verification (the pqc driver).
            if usage in (_SIGN_HASH, _SIGN_MESSAGE):
                fn = pqc.signer(obj, t, alg, usage == _SIGN_MESSAGE)
            else:
                fn = pqc.verifier(obj, t, alg, usage == _VERIFY_MESSAGE)
        elif usage in (_SIGN_HASH, _SIGN_MESSAGE):
            message = usage == _SIGN_MESSAGE
            sign = sign_plan(t, b, alg, message)
            general_sign = driver.sign_message if message else driver.sign_hash

            def fn(data: bytes, context: bytes = b"") -> Any:
                if context:
                    return general_sign(obj, t, b, alg, data, context)
                return sign(obj, data)

        else:
            message = usage == _VERIFY_MESSAGE
            verify = verify_plan(t, b, alg, message)
            general_verify = driver.verify_message if message else driver.verify_hash

            def fn(data: bytes, signature: bytes, context: bytes = b"") -> Any:
                if context:
                    return general_verify(obj, t, b, alg, data, signature, context)
                return verify(obj, data, signature)

        slot.cache[(usage, alg)] = fn
        return fn

    def sign_hash(self, key: int, alg: int, hash: bytes) -> bytes:
        """``psa_sign_hash``."""
        return self._bound(key, alg, _SIGN_HASH)(hash)  # type: ignore[no-any-return]

    def verify_hash(self, key: int, alg: int, hash: bytes, signature: bytes) -> None:
        """``psa_verify_hash``: ``InvalidSignatureError`` unless the signature is valid."""
        self._bound(key, alg, _VERIFY_HASH)(hash, signature)

    def sign_message(self, key: int, alg: int, input: bytes) -> bytes:
        """``psa_sign_message``."""
        return self._bound(key, alg, _SIGN_MESSAGE)(input)  # type: ignore[no-any-return]

    def verify_message(self, key: int, alg: int, input: bytes, signature: bytes) -> None:
        """``psa_verify_message``."""
        self._bound(key, alg, _VERIFY_MESSAGE)(input, signature)

    def sign_hash_with_context(self, key: int, alg: int, hash: bytes, context: bytes) -> bytes:
        """``psa_sign_hash_with_context``."""
        return self._bound(key, alg, _SIGN_HASH)(hash, context)  # type: ignore[no-any-return]

    def verify_hash_with_context(
        self, key: int, alg: int, hash: bytes, context: bytes, signature: bytes
    ) -> None:
        """``psa_verify_hash_with_context``."""
        self._bound(key, alg, _VERIFY_HASH)(hash, signature, context)

    def sign_message_with_context(self, key: int, alg: int, input: bytes, context: bytes) -> bytes:
        """``psa_sign_message_with_context``."""
        return self._bound(key, alg, _SIGN_MESSAGE)(input, context)  # type: ignore[no-any-return]

    def verify_message_with_context(
        self, key: int, alg: int, input: bytes, context: bytes, signature: bytes
    ) -> None:
        """``psa_verify_message_with_context``."""
        self._bound(key, alg, _VERIFY_MESSAGE)(input, signature, context)
