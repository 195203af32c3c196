"""AEAD: ``aead_encrypt``/``aead_decrypt`` and the AEAD operation.

Supported (see :func:`aead_parameters`, also the checker behind ``check_key_usage``):

* GCM and CCM with AES, ARIA, Camellia and SM4 keys (128/192/256 bits; SM4 128).
  GCM tags 4, 8, 12-16 bytes, nonces of 1 to 128 bytes (12 generated); CCM tags 4, 6,
  8, ..., 16 bytes, nonces of 7 to 13 bytes (``generate_nonce``: 15 - L bytes with the
  smallest L >= 2 that encodes the declared plaintext length).
* ChaCha20-Poly1305 (``KEY_TYPE_CHACHA20``, 12-byte nonce; the optional 8-byte-nonce
  variant is NOT_SUPPORTED) and XChaCha20-Poly1305 (``KEY_TYPE_XCHACHA20``, 24-byte
  nonce), 16-byte tags only (shortened tags: NOT_SUPPORTED, as the spec recommends).
* Ascon-AEAD128 (``KEY_TYPE_ASCON``, 128-bit keys, 16-byte nonce and tag; pure Python,
  multi-part operations buffered until ``finish``/``verify``). Shortened Ascon tags and
  the 256-bit-key nonce-masking variant: NOT_SUPPORTED.

An invalid tag length for the algorithm (e.g. GCM with 9 bytes, any AEAD with 0) or a
key that does not fit is INVALID_ARGUMENT; a wildcard (``AEAD_WITH_AT_LEAST_THIS_LENGTH_TAG``)
is a policy, not an algorithm: INVALID_ARGUMENT. Decryption of an input shorter than
the tag is INVALID_ARGUMENT; a tag that does not verify is INVALID_SIGNATURE.

Error precedence on the first use of a (key, algorithm): the key id (INVALID_HANDLE),
then the usage flag and the policy (NOT_PERMITTED, via the core's ``_use_key``), then
compatibility (INVALID_ARGUMENT / NOT_SUPPORTED). ``check_key_usage`` tests
compatibility before the policy, so the two can name different errors only for a
request that is both forbidden and incompatible.

Multi-part: ``set_lengths`` is required before the nonce for CCM and optional for the
others (then enforced). Output is produced as soon as the data arrives (decryption
output is unauthenticated until ``verify`` succeeds, as the spec warns), so ``finish``
and ``verify`` return an empty tail.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

from cryptography.exceptions import InternalError, InvalidTag

from .. import constants as c
from ..drivers.software import symmetric
from ..errors import (
    InvalidArgumentError,
    InvalidSignatureError,
    NotSupportedError,
    PsaError,
)
from . import compat
from .cipher import BLOCK16_KEY_TYPES, check_block_key
from .operation import ACTIVE, Operation
from .session import Session

if TYPE_CHECKING:
    from .slots import KeySlot

#: Slot-cache tags (above the 32-bit algorithm value): the decrypt-usage one-shot
#: function, and the engines checked for each usage. The encrypt-usage one-shot
#: function is cached under the bare algorithm value.
DECRYPT_TAG = 1 << 32
ENCRYPT_ENGINE_TAG = 2 << 32
DECRYPT_ENGINE_TAG = 3 << 32

_LENGTH_MASK = 0x003F0000
_WILDCARD = 0x00008000
_NO_LENGTH = ~(_LENGTH_MASK | _WILDCARD)

GCM = c.ALG_GCM & _NO_LENGTH
CCM = c.ALG_CCM & _NO_LENGTH
CHACHA20_POLY1305 = c.ALG_CHACHA20_POLY1305 & _NO_LENGTH
XCHACHA20_POLY1305 = c.ALG_XCHACHA20_POLY1305 & _NO_LENGTH
ASCON_AEAD128 = c.ALG_ASCON_AEAD128 & _NO_LENGTH

GCM_TAG_LENGTHS = frozenset((4, 8, 12, 13, 14, 15, 16))
CCM_TAG_LENGTHS = frozenset((4, 6, 8, 10, 12, 14, 16))

#: Longest (additional data, plaintext) each base algorithm takes, in bytes.
MAX_LENGTHS: dict[int, tuple[int, int]] = {
    GCM: ((1 << 61) - 1, (1 << 36) - 32),  # SP 800-38D
    CCM: ((1 << 64) - 1, (1 << 64) - 1),  # SP 800-38C (with a 7-byte nonce)
    CHACHA20_POLY1305: ((1 << 64) - 1, (1 << 38) - 64),  # RFC 8439: 2**32 - 1 blocks
    XCHACHA20_POLY1305: ((1 << 64) - 1, (1 << 38) - 64),
    ASCON_AEAD128: ((1 << 61) - 1, (1 << 61) - 1),  # SP 800-232: below 2**64 bits each
}
#: Nonce length of generate_nonce (CCM: computed from the plaintext length).
_NONCE_LENGTH = {GCM: 12, CHACHA20_POLY1305: 12, XCHACHA20_POLY1305: 24, ASCON_AEAD128: 16}

#: What pyca raises for an argument it (or OpenSSL) refuses: the checked path then
#: reports the spec's error, or computes by another route (e.g. a short GCM nonce).
_PYCA_ERRORS = (ValueError, OverflowError, InternalError)


def is_aead(alg: int) -> bool:
    return (alg & 0x7F000000) == 0x05000000


def aead_parameters(key_type: int, bits: int, alg: int) -> tuple[int, int]:
    """``(base algorithm, tag length)`` of AEAD ``alg`` with a key of ``key_type``/``bits``.

    Raises the spec's error when ``alg`` is not an AEAD, does not fit the key, or is
    not supported (the checker of every AEAD entry point and of ``check_key_usage``).
    """
    if not is_aead(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not an AEAD algorithm")
    if alg & _WILDCARD:
        raise InvalidArgumentError("a wildcard policy is not an algorithm")
    base = alg & _NO_LENGTH
    tag_length = (alg & _LENGTH_MASK) >> 16
    if base in (GCM, CCM):
        name = "GCM" if base == GCM else "CCM"
        if key_type not in BLOCK16_KEY_TYPES:
            raise InvalidArgumentError(f"{name} needs a 128-bit block cipher key")
        check_block_key(key_type, bits, name)
        if tag_length not in (GCM_TAG_LENGTHS if base == GCM else CCM_TAG_LENGTHS):
            raise InvalidArgumentError(f"{name} cannot have a {tag_length}-byte tag")
    elif base in (CHACHA20_POLY1305, XCHACHA20_POLY1305):
        wanted = c.KEY_TYPE_CHACHA20 if base == CHACHA20_POLY1305 else c.KEY_TYPE_XCHACHA20
        if key_type != wanted:
            raise InvalidArgumentError("this AEAD needs a key of its own ChaCha20 key type")
        if tag_length == 0 or tag_length > 16:
            raise InvalidArgumentError(f"invalid tag length {tag_length}")
        if tag_length != 16:
            raise NotSupportedError("shortened ChaCha20-Poly1305 tags are not supported")
    elif base == ASCON_AEAD128:
        if key_type != c.KEY_TYPE_ASCON:
            raise InvalidArgumentError("Ascon-AEAD128 needs a KEY_TYPE_ASCON key")
        if bits != 128:
            raise NotSupportedError("the nonce-masking (256-bit key) Ascon variant")
        if tag_length == 0 or tag_length > 16:
            raise InvalidArgumentError(f"invalid tag length {tag_length}")
        if tag_length != 16:
            raise NotSupportedError("shortened Ascon-AEAD128 tags are not supported")
    else:
        raise NotSupportedError(f"AEAD algorithm 0x{alg:08x} is not supported")
    return base, tag_length


def _check(key_type: int, bits: int, alg: int) -> None:
    aead_parameters(key_type, bits, alg)


compat.register(c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT, is_aead, _check)


def _build(slot: KeySlot, alg: int) -> symmetric.AeadKey:
    base, tag_length = aead_parameters(slot.type, slot.bits, alg)
    if base == GCM:
        return symmetric.gcm_key(slot.type, slot.material, tag_length)
    if base == CCM:
        return symmetric.ccm_key(slot.type, slot.material, tag_length)
    if base == CHACHA20_POLY1305:
        return symmetric.chacha20_poly1305_key(slot.material)
    if base == XCHACHA20_POLY1305:
        return symmetric.xchacha20_poly1305_key(slot.material)
    return symmetric.ascon_aead128_key(slot.material)


def _engine(session: Session, key: int, alg: int, usage: int) -> tuple[KeySlot, symmetric.AeadKey]:
    """The key's slot and its aead engine for ``alg``, after the policy (for
    ``usage``) and compatibility checks; built once per slot and algorithm."""
    tag = ENCRYPT_ENGINE_TAG if usage == c.KEY_USAGE_ENCRYPT else DECRYPT_ENGINE_TAG
    return session._engine(  # type: ignore[no-any-return]
        key, usage, alg, tag, "aead", aead_parameters, _build
    )


class AeadOperation(Operation):
    """``psa_aead_operation_t``: a multi-part authenticated encryption or decryption."""

    __slots__ = (
        "_ad_done",
        "_base",
        "_encrypting",
        "_engine",
        "_lengths",
        "_pt_done",
        "_slot",
        "_stream",
        "_updating",
    )

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._slot: KeySlot | None = None
        self._engine: symmetric.AeadKey | None = None
        self._stream: symmetric.AeadStream | None = None
        self._base = 0
        self._encrypting = False
        self._lengths: tuple[int, int] | None = None
        self._ad_done = 0
        self._pt_done = 0
        self._updating = False

    def encrypt_setup(self, key: int, alg: int) -> None:
        """``psa_aead_encrypt_setup``."""
        self._setup(key, alg, c.KEY_USAGE_ENCRYPT)

    def decrypt_setup(self, key: int, alg: int) -> None:
        """``psa_aead_decrypt_setup``."""
        self._setup(key, alg, c.KEY_USAGE_DECRYPT)

    def _setup(self, key: int, alg: int, usage: int) -> None:
        self._start()
        slot, engine = _engine(self._session, key, alg, usage)
        self._slot = slot
        self._engine = engine
        self._base = alg & _NO_LENGTH
        self._encrypting = usage == c.KEY_USAGE_ENCRYPT
        self._state = ACTIVE

    def _check_active(self) -> None:
        if self._state != ACTIVE:
            raise self._bad_state()
        if self._slot is not None and self._slot.destroyed:
            raise self._bad_state("the key was destroyed during the operation")

    def _fail(self, error: PsaError) -> PsaError:
        """Enter the error state and return ``error`` to raise."""
        self._error()
        return error

    def set_lengths(self, ad_length: int, plaintext_length: int) -> None:
        """``psa_aead_set_lengths``: declare (and enforce) the input lengths."""
        self._check_active()
        if self._stream is not None or self._lengths is not None:
            raise self._bad_state("set_lengths must come once, before the nonce")
        max_ad, max_pt = MAX_LENGTHS[self._base]
        if not (0 <= ad_length <= max_ad and 0 <= plaintext_length <= max_pt):
            raise self._fail(InvalidArgumentError("a length is too large for the algorithm"))
        self._lengths = (ad_length, plaintext_length)

    def _nonce_allowed(self) -> None:
        self._check_active()
        if self._stream is not None:
            raise self._bad_state("the nonce is already set")
        if self._base == CCM and self._lengths is None:
            raise self._bad_state("CCM needs set_lengths before the nonce")

    def generate_nonce(self) -> bytes:
        """``psa_aead_generate_nonce``: a random nonce, set and returned."""
        self._nonce_allowed()
        if not self._encrypting:
            raise self._bad_state("generate_nonce is for encryption")
        if self._base == CCM:
            assert self._lengths is not None
            size = 2
            while self._lengths[1] >= 1 << (8 * size):
                size += 1
            nonce = os.urandom(15 - size)
        else:
            nonce = os.urandom(_NONCE_LENGTH[self._base])
        self._open(nonce)
        return nonce

    def set_nonce(self, nonce: bytes) -> None:
        """``psa_aead_set_nonce``."""
        self._nonce_allowed()
        self._open(nonce)

    def _open(self, nonce: symmetric.BytesLike) -> None:
        assert self._engine is not None
        try:
            self._stream = self._engine.start(nonce, self._encrypting, self._lengths)
        except PsaError:
            self._error()
            raise

    def _check_data(self) -> symmetric.AeadStream:
        self._check_active()
        if self._stream is None:
            raise self._bad_state("the nonce is not set")
        return self._stream

    def update_ad(self, input: bytes) -> None:
        """``psa_aead_update_ad``: more additional data (before any ``update``)."""
        stream = self._check_data()
        if self._updating:
            raise self._bad_state("additional data must come before the message")
        total = self._ad_done + len(input)
        limit = self._lengths[0] if self._lengths is not None else MAX_LENGTHS[self._base][0]
        if total > limit:
            raise self._fail(InvalidArgumentError("more additional data than declared"))
        try:
            stream.update_ad(input)
        except PsaError:
            self._error()
            raise
        self._ad_done = total

    def update(self, input: bytes) -> bytes:
        """``psa_aead_update``: encrypt or decrypt the next part of the message."""
        stream = self._check_data()
        lengths = self._lengths
        if lengths is not None:
            if self._ad_done != lengths[0]:
                raise self._fail(InvalidArgumentError("less additional data than declared"))
            limit = lengths[1]
        else:
            limit = MAX_LENGTHS[self._base][1]
        total = self._pt_done + len(input)
        if total > limit:
            raise self._fail(InvalidArgumentError("more message data than declared"))
        self._updating = True
        try:
            out = stream.update(input)
        except PsaError:
            self._error()
            raise
        self._pt_done = total
        return out

    def _check_end(self, encrypting: bool) -> symmetric.AeadStream:
        stream = self._check_data()
        if self._encrypting != encrypting:
            raise self._bad_state(
                "finish is for encryption" if encrypting else "verify is for decryption"
            )
        if self._lengths is not None and (self._ad_done, self._pt_done) != self._lengths:
            raise self._fail(InvalidArgumentError("less input than declared"))
        return stream

    def finish(self) -> tuple[bytes, bytes]:
        """``psa_aead_finish``: ``(ciphertext, tag)``; the operation becomes inactive."""
        stream = self._check_end(True)
        try:
            result = stream.finish()
        except PsaError:
            self._error()
            raise
        self._done()
        return result

    def verify(self, tag: bytes) -> bytes:
        """``psa_aead_verify``: check ``tag``; returns the last of the plaintext."""
        stream = self._check_end(False)
        try:
            out = stream.verify(tag)
        except PsaError:
            self._error()
            raise
        self._done()
        return out

    def _release(self) -> None:
        self._slot = None
        self._engine = None
        self._stream = None
        self._base = 0
        self._encrypting = False
        self._lengths = None
        self._ad_done = 0
        self._pt_done = 0
        self._updating = False


_AeadOp = AeadOperation


def _prepare(session: Session, key: int, alg: int, usage: int) -> symmetric.AeadFunction:
    """First use of (key, alg) for a single-part call: check, build, cache."""
    slot, engine = _engine(session, key, alg, usage)
    if usage == c.KEY_USAGE_ENCRYPT:
        slot.cache[alg] = engine.encrypt
        return engine.encrypt
    slot.cache[alg | DECRYPT_TAG] = engine.decrypt
    return engine.decrypt


class AeadFunctions(Session):
    """The AEAD family of the API."""

    def aead_encrypt(
        self,
        key: int,
        alg: int,
        nonce: bytes,
        additional_data: bytes,
        plaintext: bytes,
    ) -> bytes:
        """``psa_aead_encrypt``: the ciphertext followed by the tag."""
        slot = self._keys.get(key)
        if slot is None or slot.persistent or (encrypt := slot.cache.get(alg)) is None:
            encrypt = _prepare(self, key, alg, c.KEY_USAGE_ENCRYPT)
        try:
            return encrypt(nonce, plaintext, additional_data or None)  # type: ignore[no-any-return]
        except _PYCA_ERRORS:
            engine = _engine(self, key, alg, c.KEY_USAGE_ENCRYPT)[1]
            return engine.checked_encrypt(nonce, plaintext, additional_data)

    def aead_decrypt(
        self,
        key: int,
        alg: int,
        nonce: bytes,
        additional_data: bytes,
        ciphertext: bytes,
    ) -> bytes:
        """``psa_aead_decrypt``: ``ciphertext`` is the ciphertext followed by the tag."""
        slot = self._keys.get(key)
        if (
            slot is None
            or slot.persistent
            or (decrypt := slot.cache.get(alg | DECRYPT_TAG)) is None
        ):
            decrypt = _prepare(self, key, alg, c.KEY_USAGE_DECRYPT)
        try:
            return decrypt(nonce, ciphertext, additional_data or None)  # type: ignore[no-any-return]
        except InvalidTag:
            # Not authentic, or an input pyca only refuses that way (shorter than the
            # tag, longer than CCM's limit): the checked path names the precise error.
            engine = _engine(self, key, alg, c.KEY_USAGE_DECRYPT)[1]
            engine.checked_decrypt(nonce, ciphertext, additional_data)
            raise InvalidSignatureError("the ciphertext is not authentic") from None
        except _PYCA_ERRORS:
            engine = _engine(self, key, alg, c.KEY_USAGE_DECRYPT)[1]
            return engine.checked_decrypt(nonce, ciphertext, additional_data)

    def AeadOperation(self) -> _AeadOp:
        """A new, inactive AEAD operation bound to this context."""
        return _AeadOp(self)

    def aead_encrypt_setup(self, operation: _AeadOp, key: int, alg: int) -> None:
        operation.encrypt_setup(key, alg)

    def aead_decrypt_setup(self, operation: _AeadOp, key: int, alg: int) -> None:
        operation.decrypt_setup(key, alg)

    def aead_set_lengths(self, operation: _AeadOp, ad_length: int, plaintext_length: int) -> None:
        operation.set_lengths(ad_length, plaintext_length)

    def aead_generate_nonce(self, operation: _AeadOp) -> bytes:
        return operation.generate_nonce()

    def aead_set_nonce(self, operation: _AeadOp, nonce: bytes) -> None:
        operation.set_nonce(nonce)

    def aead_update_ad(self, operation: _AeadOp, input: bytes) -> None:
        operation.update_ad(input)

    def aead_update(self, operation: _AeadOp, input: bytes) -> bytes:
        return operation.update(input)

    def aead_finish(self, operation: _AeadOp) -> tuple[bytes, bytes]:
        return operation.finish()

    def aead_verify(self, operation: _AeadOp, tag: bytes) -> bytes:
        return operation.verify(tag)

    def aead_abort(self, operation: _AeadOp) -> None:
        operation.abort()
