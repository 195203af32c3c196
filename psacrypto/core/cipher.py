"""Unauthenticated ciphers: ``cipher_encrypt``/``cipher_decrypt`` and the cipher operation.

Which key fits which algorithm (checked once per key and algorithm, and by
``check_key_usage`` through the same function, :func:`cipher_check`):

* block-cipher modes (ECB, CBC with or without PKCS#7, CTR, CFB, OFB): AES, ARIA,
  Camellia (128/192/256-bit keys), SM4 (128), DES (64/128/192);
* XTS: AES, ARIA, Camellia with double-length keys (256/384/512 bits), SM4 (256);
  DES is listed by the spec but XTS is only defined for 128-bit blocks: NOT_SUPPORTED;
* CCM* without tag: the 128-bit block ciphers (nonce 7 to 13 bytes, default 13);
* stream cipher: ChaCha20 (IV 12, 16 or 8 bytes), XChaCha20 (24 or 32), ARC4 (no IV;
  the key sizes OpenSSL's RC4 takes).

Error precedence on the first use of a (key, algorithm): the key id (INVALID_HANDLE),
then the usage flag and the policy (NOT_PERMITTED, via the core's ``_use_key``), then
compatibility (INVALID_ARGUMENT / NOT_SUPPORTED). ``check_key_usage`` tests
compatibility before the policy, so the two can name different errors only for a
request that is both forbidden and incompatible.

Multi-part output: ECB and CBC hold back a partial block, CBC-PKCS7 decryption the
last whole block (it may be padding), XTS the last 16 to 31 bytes (ciphertext
stealing); the stream modes output everything at once. A key held by an opaque
driver (another location) gets its engine from that driver (``locations.bind``).

Single-part calls cost a dictionary lookup plus the primitive: the engine (see
:mod:`psacrypto.drivers.software.symmetric`) is built and the policy checked on the
first use of a (key, algorithm) pair and kept in the key slot's cache.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from .. import constants as c
from ..drivers.software import symmetric
from ..errors import BadStateError, InvalidArgumentError, NotSupportedError, PsaError
from . import compat
from .operation import ACTIVE, Operation
from .session import Session

if TYPE_CHECKING:
    from .slots import KeySlot

#: Slot-cache tags (above the 32-bit algorithm value): the decrypt-usage one-shot
#: function of an algorithm, and the engines checked for each usage. The encrypt-usage
#: one-shot function is cached under the bare algorithm value.
DECRYPT_TAG = 1 << 32
ENCRYPT_ENGINE_TAG = 2 << 32
DECRYPT_ENGINE_TAG = 3 << 32

#: Key sizes (bits) of each block-cipher key type for every mode but XTS.
BLOCK_KEY_BITS: dict[int, frozenset[int]] = {
    c.KEY_TYPE_AES: frozenset((128, 192, 256)),
    c.KEY_TYPE_ARIA: frozenset((128, 192, 256)),
    c.KEY_TYPE_CAMELLIA: frozenset((128, 192, 256)),
    c.KEY_TYPE_SM4: frozenset((128,)),
    c.KEY_TYPE_DES: frozenset((64, 128, 192)),
}
#: Key sizes (bits) for XTS: two keys of the cipher.
XTS_KEY_BITS: dict[int, frozenset[int]] = {
    t: frozenset(2 * b for b in bits) for t, bits in BLOCK_KEY_BITS.items() if t != c.KEY_TYPE_DES
}
#: The 128-bit block ciphers (the ones GCM, CCM and CCM* are defined for).
BLOCK16_KEY_TYPES = frozenset(t for t, n in symmetric.BLOCK_SIZE.items() if n == 16)

_STREAM_KEY_TYPES = frozenset((c.KEY_TYPE_CHACHA20, c.KEY_TYPE_XCHACHA20, c.KEY_TYPE_ARC4))
_ARC4_BITS = frozenset((40, 56, 64, 80, 128, 160, 192, 256))
_BLOCK_MODES = frozenset(
    (
        c.ALG_ECB_NO_PADDING,
        c.ALG_CBC_NO_PADDING,
        c.ALG_CBC_PKCS7,
        c.ALG_CTR,
        c.ALG_CFB,
        c.ALG_OFB,
    )
)


def is_cipher(alg: int) -> bool:
    return (alg & 0x7F000000) == 0x04000000


def check_block_key(key_type: int, bits: int, what: str) -> None:
    """Raise unless ``key_type``/``bits`` is a plain (non-XTS) block-cipher key."""
    sizes = BLOCK_KEY_BITS.get(key_type)
    if sizes is None:
        raise InvalidArgumentError(f"{what} needs a block-cipher key")
    if bits not in sizes:
        raise InvalidArgumentError(f"a {bits}-bit key does not fit {what}")


def cipher_check(key_type: int, bits: int, alg: int) -> None:
    """Raise the spec's error unless ``alg`` is a cipher that psacrypto can run with a
    key of ``key_type`` and ``bits`` (the checker behind ``check_key_usage`` too)."""
    if not is_cipher(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not a cipher algorithm")
    if alg in _BLOCK_MODES:
        check_block_key(key_type, bits, "this cipher mode")
    elif alg == c.ALG_XTS:
        if key_type == c.KEY_TYPE_DES:
            raise NotSupportedError("XTS is only defined for 128-bit block ciphers")
        sizes = XTS_KEY_BITS.get(key_type)
        if sizes is None:
            raise InvalidArgumentError("XTS needs a block-cipher key")
        if bits not in sizes:
            raise InvalidArgumentError(f"a {bits}-bit key is not a double-length XTS key")
    elif alg == c.ALG_CCM_STAR_NO_TAG:
        if key_type not in BLOCK16_KEY_TYPES:
            raise InvalidArgumentError("CCM* needs a 128-bit block cipher key")
        check_block_key(key_type, bits, "CCM*")
    elif alg == c.ALG_STREAM_CIPHER:
        if key_type not in _STREAM_KEY_TYPES:
            raise InvalidArgumentError("the stream cipher mode needs a stream cipher key")
        if key_type == c.KEY_TYPE_ARC4 and bits not in _ARC4_BITS:
            raise NotSupportedError(f"ARC4 with a {bits}-bit key is not supported")
    elif alg == c.ALG_CCM_STAR_ANY_TAG:
        raise InvalidArgumentError("a wildcard policy is not an algorithm")
    else:
        raise NotSupportedError(f"cipher algorithm 0x{alg:08x} is not supported")


compat.register(c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT, is_cipher, cipher_check)


def _build_cipher(slot: KeySlot, alg: int) -> symmetric.CipherKey:
    return symmetric.cipher_key(slot.type, slot.material, alg)


def _engine(
    session: Session, key: int, alg: int, usage: int
) -> tuple[KeySlot, symmetric.CipherKey]:
    """The key's slot and its cipher engine for ``alg``, after the policy (for
    ``usage``) and compatibility checks; built once per slot and algorithm."""
    tag = ENCRYPT_ENGINE_TAG if usage == c.KEY_USAGE_ENCRYPT else DECRYPT_ENGINE_TAG
    return session._engine(  # type: ignore[no-any-return]
        key, usage, alg, tag, "cipher", cipher_check, _build_cipher
    )


class CipherOperation(Operation):
    """``psa_cipher_operation_t``: a multi-part encryption or decryption."""

    __slots__ = ("_encrypting", "_engine", "_finish", "_iv_needed", "_slot", "_update")

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._slot: KeySlot | None = None
        self._engine: symmetric.CipherKey | None = None
        self._update: symmetric.Update = _inactive
        self._finish: symmetric.Finish = _inactive_finish
        self._encrypting = False
        self._iv_needed = False

    def encrypt_setup(self, key: int, alg: int) -> None:
        """``psa_cipher_encrypt_setup``."""
        self._setup(key, alg, c.KEY_USAGE_ENCRYPT)

    def decrypt_setup(self, key: int, alg: int) -> None:
        """``psa_cipher_decrypt_setup``."""
        self._setup(key, alg, c.KEY_USAGE_DECRYPT)

    def _setup(self, key: int, alg: int, usage: int) -> None:
        self._start()
        slot, engine = _engine(self._session, key, alg, usage)
        encrypting = usage == c.KEY_USAGE_ENCRYPT
        if engine.iv_length == 0:
            self._update, self._finish = engine.start(b"", encrypting)
        self._slot = slot
        self._engine = engine
        self._encrypting = encrypting
        self._iv_needed = engine.iv_length != 0
        self._state = ACTIVE

    def _check(self, iv_stage: bool) -> None:
        """Raise (entering the error state) unless the operation may take this step:
        ``iv_stage`` for generate_iv/set_iv, otherwise update/finish."""
        if self._state != ACTIVE or self._iv_needed != iv_stage:
            raise self._bad_state()
        if self._slot is not None and self._slot.destroyed:
            raise self._bad_state("the key was destroyed during the operation")

    def generate_iv(self) -> bytes:
        """``psa_cipher_generate_iv``: a random IV of the default length, set and returned."""
        self._check(True)
        if not self._encrypting:
            raise self._bad_state("generate_iv is for encryption")
        assert self._engine is not None
        iv = os.urandom(self._engine.iv_length)
        self._update, self._finish = self._engine.start(iv, True)
        self._iv_needed = False
        return iv

    def set_iv(self, iv: bytes) -> None:
        """``psa_cipher_set_iv``."""
        self._check(True)
        assert self._engine is not None
        try:
            self._update, self._finish = self._engine.start(iv, self._encrypting)
        except PsaError:
            self._error()
            raise
        self._iv_needed = False

    def update(self, input: bytes) -> bytes:
        """``psa_cipher_update``: output for as much input as can be processed."""
        self._check(False)
        try:
            return self._update(input)
        except PsaError:
            self._error()
            raise

    def finish(self) -> bytes:
        """``psa_cipher_finish``: the last output; the operation becomes inactive."""
        self._check(False)
        try:
            out = self._finish()
        except PsaError:
            self._error()
            raise
        self._done()
        return out

    def _release(self) -> None:
        self._slot = None
        self._engine = None
        self._update = _inactive
        self._finish = _inactive_finish
        self._encrypting = False
        self._iv_needed = False


def _inactive(data: symmetric.BytesLike) -> bytes:  # pragma: no cover - guarded by _check
    raise BadStateError("the operation is not active")


def _inactive_finish() -> bytes:  # pragma: no cover - guarded by _check
    raise BadStateError("the operation is not active")


_CipherOp = CipherOperation


def _prepare(session: Session, key: int, alg: int, usage: int) -> symmetric.Update:
    """First use of (key, alg) for a single-part call: check, build, cache."""
    slot, engine = _engine(session, key, alg, usage)
    if usage == c.KEY_USAGE_ENCRYPT:
        function = engine.encrypt
        slot.cache[alg] = function
    else:
        function = engine.decrypt
        slot.cache[alg | DECRYPT_TAG] = function
    return function


class CipherFunctions(Session):
    """The unauthenticated cipher family of the API."""

    def cipher_encrypt(self, key: int, alg: int, input: bytes) -> bytes:
        """``psa_cipher_encrypt``: a random IV followed by the ciphertext."""
        slot = self._keys.get(key)
        if slot is None or slot.persistent or (function := slot.cache.get(alg)) is None:
            function = _prepare(self, key, alg, c.KEY_USAGE_ENCRYPT)
        return function(input)  # type: ignore[no-any-return]

    def cipher_decrypt(self, key: int, alg: int, input: bytes) -> bytes:
        """``psa_cipher_decrypt``: ``input`` is the IV followed by the ciphertext."""
        slot = self._keys.get(key)
        if (
            slot is None
            or slot.persistent
            or (function := slot.cache.get(alg | DECRYPT_TAG)) is None
        ):
            function = _prepare(self, key, alg, c.KEY_USAGE_DECRYPT)
        return function(input)  # type: ignore[no-any-return]

    def CipherOperation(self) -> _CipherOp:
        """A new, inactive cipher operation bound to this context."""
        return _CipherOp(self)

    def cipher_encrypt_setup(self, operation: _CipherOp, key: int, alg: int) -> None:
        operation.encrypt_setup(key, alg)

    def cipher_decrypt_setup(self, operation: _CipherOp, key: int, alg: int) -> None:
        operation.decrypt_setup(key, alg)

    def cipher_generate_iv(self, operation: _CipherOp) -> bytes:
        return operation.generate_iv()

    def cipher_set_iv(self, operation: _CipherOp, iv: bytes) -> None:
        operation.set_iv(iv)

    def cipher_update(self, operation: _CipherOp, input: bytes) -> bytes:
        return operation.update(input)

    def cipher_finish(self, operation: _CipherOp) -> bytes:
        return operation.finish()

    def cipher_abort(self, operation: _CipherOp) -> None:
        operation.abort()
