"""Key wrapping (spec 1.4): ``wrap_key`` and ``unwrap_key`` with KW and KWP.

The algorithms are in :mod:`psacrypto.drivers.software.keywrap`; this module
enforces the policy and the spec's errors:

* ``alg`` must be a key-wrapping algorithm (``InvalidArgumentError`` otherwise);
  KW and KWP are the ones psacrypto implements (another key-wrapping value is
  ``NotSupportedError``).
* The wrapping key needs ``KEY_USAGE_WRAP`` (``wrap_key``) or ``KEY_USAGE_UNWRAP``
  (``unwrap_key``) and must permit ``alg`` (``NotPermittedError``); it must be an AES,
  ARIA or Camellia key of 128, 192 or 256 bits, or an SM4 key of 128 bits
  (``InvalidArgumentError`` otherwise).
* The key to wrap needs ``KEY_USAGE_EXPORT`` -- also a public key, although
  ``export_key`` would release one without it: wrapping is for keys whose policy
  says they may leave (``NotPermittedError``). The wrapped plaintext is the key's
  export format. KW takes only a multiple of 8 bytes, at least 16
  (``InvalidArgumentError``); KWP takes any key.
* ``unwrap_key`` validates the attributes first (as ``import_key`` would), then
  unwraps: wrapped data of an impossible length is ``InvalidArgumentError``, data
  that does not authenticate is ``InvalidSignatureError``. The plaintext is then
  imported exactly as by ``import_key`` with the given attributes, so a size or
  format mismatch is the import error.

The same compatibility check (:func:`wrap_check`) serves ``check_key_usage`` for the
``WRAP`` and ``UNWRAP`` usages.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .. import constants as c
from .. import macros as m
from ..attributes import KeyAttributes
from ..drivers.software import keywrap
from ..errors import InvalidArgumentError, NotPermittedError, NotSupportedError
from . import compat, keytypes
from .session import Session

if TYPE_CHECKING:
    from .slots import KeySlot

#: Wrapping-key sizes (bits) per key type.
WRAPPING_KEY_BITS: dict[int, frozenset[int]] = {
    c.KEY_TYPE_AES: frozenset((128, 192, 256)),
    c.KEY_TYPE_ARIA: frozenset((128, 192, 256)),
    c.KEY_TYPE_CAMELLIA: frozenset((128, 192, 256)),
    c.KEY_TYPE_SM4: frozenset((128,)),
}
#: The key-wrapping algorithms psacrypto implements.
WRAP_ALGORITHMS = frozenset((c.ALG_KW, c.ALG_KWP))

_CACHE_TAG = "keywrap"


def check_algorithm(alg: int) -> None:
    """Raise unless ``alg`` is a key-wrapping algorithm psacrypto implements."""
    if not m.ALG_IS_KEY_WRAP(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not a key-wrapping algorithm")
    if alg not in WRAP_ALGORITHMS:
        raise NotSupportedError(f"key-wrapping algorithm 0x{alg:08x} is not supported")


def wrap_check(key_type: int, bits: int, alg: int) -> None:
    """Raise the spec's error unless a ``key_type``/``bits`` key can wrap with ``alg``
    (also the ``check_key_usage`` checker for WRAP and UNWRAP)."""
    check_algorithm(alg)
    sizes = WRAPPING_KEY_BITS.get(key_type)
    if sizes is None:
        raise InvalidArgumentError("KW and KWP need an AES, ARIA, Camellia or SM4 key")
    if bits not in sizes:
        raise InvalidArgumentError(f"a {bits}-bit key of this type cannot be a wrapping key")


compat.register(c.KEY_USAGE_WRAP | c.KEY_USAGE_UNWRAP, m.ALG_IS_KEY_WRAP, wrap_check)


class KeyWrappingFunctions(Session):
    """The key-wrapping family of the API."""

    def _wrapper(self, wrapping_key: int, alg: int, usage: int) -> keywrap.KeyWrapper:
        check_algorithm(alg)
        slot: KeySlot = self._use_key(wrapping_key, usage, alg)
        wrapper: keywrap.KeyWrapper | None = slot.cache.get(_CACHE_TAG)
        if wrapper is None:
            wrap_check(slot.type, slot.bits, alg)
            wrapper = keywrap.KeyWrapper(slot.type, slot.material)
            slot.cache[_CACHE_TAG] = wrapper
        return wrapper

    def wrap_key(self, wrapping_key: int, alg: int, key: int) -> bytes:
        """``psa_wrap_key``: ``key`` (which needs ``KEY_USAGE_EXPORT``) in its export
        format, wrapped with ``alg`` under ``wrapping_key`` (``KEY_USAGE_WRAP``)."""
        wrapper = self._wrapper(wrapping_key, alg, c.KEY_USAGE_WRAP)
        slot = self._get_slot(key)
        if not slot.usage & c.KEY_USAGE_EXPORT:
            raise NotPermittedError("the key to wrap does not have KEY_USAGE_EXPORT")
        material = slot.material
        if alg == c.ALG_KW:
            keywrap.check_kw_input(len(material))
        return wrapper.wrap(alg, material)

    def unwrap_key(
        self, attributes: KeyAttributes, wrapping_key: int, alg: int, data: bytes
    ) -> int:
        """``psa_unwrap_key``: unwrap ``data`` with ``alg`` under ``wrapping_key``
        (``KEY_USAGE_UNWRAP``) and import the result with ``attributes``."""
        wrapper = self._wrapper(wrapping_key, alg, c.KEY_USAGE_UNWRAP)
        if attributes.type == c.KEY_TYPE_NONE:
            raise InvalidArgumentError("the key type is not set")
        self._validate_new_attributes(attributes)
        plaintext = wrapper.unwrap(alg, data)
        bits, material = keytypes.import_material(attributes.type, attributes.bits, plaintext)
        return self._create_key(attributes, material, bits)
