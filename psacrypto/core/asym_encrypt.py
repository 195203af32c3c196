"""Asymmetric encryption: RSA PKCS#1 v1.5 and OAEP."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .. import constants as c
from .. import macros as m
from ..errors import InvalidArgumentError
from . import compat
from .asymmetric import check_encrypt, driver, key_object
from .session import Session

compat.register(
    c.KEY_USAGE_ENCRYPT,
    m.ALG_IS_ASYMMETRIC_ENCRYPTION,
    lambda t, b, a: check_encrypt(t, b, a, decrypt=False),
)
compat.register(
    c.KEY_USAGE_DECRYPT,
    m.ALG_IS_ASYMMETRIC_ENCRYPTION,
    lambda t, b, a: check_encrypt(t, b, a, decrypt=True),
)


class AsymmetricEncryption(Session):
    """``psa_asymmetric_encrypt`` and ``psa_asymmetric_decrypt``."""

    def _crypt(self, key: int, alg: int, decrypt: bool) -> Callable[[bytes, bytes], Any]:
        usage = c.KEY_USAGE_DECRYPT if decrypt else c.KEY_USAGE_ENCRYPT
        slot = self._keys.get(key)
        if slot is None or slot.persistent:
            slot = self._get_slot(key)
        fn = slot.cache.get((usage, alg))
        if fn is not None:
            return fn  # type: ignore[no-any-return]
        if not m.ALG_IS_ASYMMETRIC_ENCRYPTION(alg):
            raise InvalidArgumentError(f"0x{alg:08x} is not an asymmetric encryption algorithm")
        slot = self._use_key(key, usage, alg)
        check_encrypt(slot.type, slot.bits, alg, decrypt=decrypt)
        if slot.location != c.KEY_LOCATION_LOCAL_STORAGE:
            # A key held by an opaque driver: the driver binds the function (or refuses).
            from . import locations

            fn = locations.bind(slot, "asymmetric_encryption", usage, alg)
            slot.cache[(usage, alg)] = fn
            return fn  # type: ignore[no-any-return]
        obj, t, b = key_object(slot), slot.type, slot.bits
        if decrypt:

            def fn(data: bytes, salt: bytes) -> Any:
                return driver.asymmetric_decrypt(obj, t, b, alg, data, salt)

        else:

            def fn(data: bytes, salt: bytes) -> Any:
                return driver.asymmetric_encrypt(obj, t, b, alg, data, salt)

        slot.cache[(usage, alg)] = fn
        return fn

    def asymmetric_encrypt(
        self, key: int, alg: int, input: bytes, salt: bytes
    ) -> bytes:
        """``psa_asymmetric_encrypt``; ``salt`` is the OAEP label (empty for PKCS#1 v1.5)."""
        return self._crypt(key, alg, False)(input, salt or b"")  # type: ignore[no-any-return]

    def asymmetric_decrypt(
        self, key: int, alg: int, input: bytes, salt: bytes
    ) -> bytes:
        """``psa_asymmetric_decrypt``."""
        return self._crypt(key, alg, True)(input, salt or b"")  # type: ignore[no-any-return]
