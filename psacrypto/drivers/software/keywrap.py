"""NIST key wrap: KW and KWP (SP 800-38F section 6) over any 128-bit block cipher.

AES goes through pyca/cryptography's ``aes_key_wrap`` family (RFC 3394 / RFC 5649,
which are AES-KW and AES-KWP). Every other 128-bit block cipher (ARIA, Camellia,
SM4) goes through the wrapping function W and its inverse implemented here from
SP 800-38F, over the ECB functions of :mod:`.primitives.modes`:

* KW: the plaintext is n >= 2 semiblocks (8 bytes each); W runs 6n block-cipher
  calls on ``ICV1 || P`` (``ICV1 = A6A6A6A6A6A6A6A6``); unwrapping checks that the
  recovered first semiblock equals ICV1.
* KWP: the plaintext (1 to 2^32 - 1 bytes) is zero-padded to whole semiblocks and
  prefixed by ``ICV2 || MLI`` (``ICV2 = A65959A6``, MLI = plaintext length, 32-bit
  big-endian). One semiblock of padded plaintext is enciphered as a single block;
  longer ones go through W. Unwrapping checks ICV2, that MLI fits the padded length
  and that the padding is zero.

The tests prove this module on RFC 3394 section 4 and RFC 5649 section 6 (AES), the
Wycheproof aes_wrap / aes_kwp / aria_wrap / aria_kwp / camellia_wrap files, and by
running the generic W over AES against pyca.

Errors are the PSA ones: a length the algorithm cannot take is
:class:`InvalidArgumentError` (wrapping: KW needs a multiple of 8 bytes and at least
16; unwrapping: a multiple of 8 bytes and at least 24 for KW, 16 for KWP); wrapped
data that does not authenticate (integrity value, length indicator or padding) is
:class:`InvalidSignatureError`, with no detail of which check failed.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable

from cryptography.hazmat.primitives import keywrap as pyca_keywrap

from ... import constants as c
from ...errors import InvalidArgumentError, InvalidSignatureError, NotSupportedError
from . import symmetric
from .primitives.modes import BlockCipher

__all__ = [
    "ICV1",
    "ICV2",
    "KWP_MAX_INPUT",
    "KeyWrapper",
    "kw_unwrap",
    "kw_wrap",
    "kwp_unwrap",
    "kwp_wrap",
]

BytesLike = bytes | bytearray | memoryview
EcbFunction = Callable[[bytes], bytes]

#: The KW integrity check value (SP 800-38F section 6.2).
ICV1 = bytes.fromhex("A6A6A6A6A6A6A6A6")
#: The KWP integrity check value prefix (SP 800-38F section 6.3).
ICV2 = bytes.fromhex("A65959A6")
#: KWP encodes the plaintext length in 32 bits.
KWP_MAX_INPUT = 0xFFFFFFFF
_SEMIBLOCK = 8


# --- the wrapping function W and its inverse (SP 800-38F section 6.1) ---------------------


def _w(encrypt: EcbFunction, s: bytes) -> bytes:
    """W(S) for S of n + 1 >= 3 semiblocks (the first one is the integrity value)."""
    n = len(s) // _SEMIBLOCK - 1
    a = int.from_bytes(s[:_SEMIBLOCK], "big")
    r = [s[_SEMIBLOCK * (i + 1) : _SEMIBLOCK * (i + 2)] for i in range(n)]
    t = 0
    for _ in range(6):
        for i in range(n):
            t += 1
            b = encrypt(a.to_bytes(_SEMIBLOCK, "big") + r[i])
            a = int.from_bytes(b[:_SEMIBLOCK], "big") ^ t
            r[i] = b[_SEMIBLOCK:]
    return a.to_bytes(_SEMIBLOCK, "big") + b"".join(r)


def _w_inverse(decrypt: EcbFunction, c_: bytes) -> bytes:
    """W^-1(C) for C of n + 1 >= 3 semiblocks: returns the recovered S (A || R)."""
    n = len(c_) // _SEMIBLOCK - 1
    a = int.from_bytes(c_[:_SEMIBLOCK], "big")
    r = [c_[_SEMIBLOCK * (i + 1) : _SEMIBLOCK * (i + 2)] for i in range(n)]
    t = 6 * n
    for _ in range(6):
        for i in range(n - 1, -1, -1):
            b = decrypt((a ^ t).to_bytes(_SEMIBLOCK, "big") + r[i])
            t -= 1
            a = int.from_bytes(b[:_SEMIBLOCK], "big")
            r[i] = b[_SEMIBLOCK:]
    return a.to_bytes(_SEMIBLOCK, "big") + b"".join(r)


def _require_block16(cipher: BlockCipher) -> None:
    if cipher.block_size != 16:
        raise InvalidArgumentError("KW and KWP need a block cipher with 128-bit blocks")


# --- length rules ---------------------------------------------------------------------


def check_kw_input(length: int) -> None:
    if length < 2 * _SEMIBLOCK or length % _SEMIBLOCK:
        raise InvalidArgumentError("KW wraps a multiple of 8 bytes, at least 16")


def check_kwp_input(length: int) -> None:
    if not 1 <= length <= KWP_MAX_INPUT:
        raise InvalidArgumentError("KWP wraps 1 to 2^32 - 1 bytes")


def _check_kw_wrapped(length: int) -> None:
    if length < 3 * _SEMIBLOCK or length % _SEMIBLOCK:
        raise InvalidArgumentError("KW-wrapped data is a multiple of 8 bytes, at least 24")


def _check_kwp_wrapped(length: int) -> None:
    if length < 2 * _SEMIBLOCK or length % _SEMIBLOCK:
        raise InvalidArgumentError("KWP-wrapped data is a multiple of 8 bytes, at least 16")
    if length > KWP_MAX_INPUT + 15:
        raise InvalidArgumentError("KWP-wrapped data is too long")


# --- KW / KWP over a generic block cipher ---------------------------------------------------


def kw_wrap(cipher: BlockCipher, plaintext: BytesLike) -> bytes:
    """KW-AE (SP 800-38F algorithm 3)."""
    _require_block16(cipher)
    p = bytes(plaintext)
    check_kw_input(len(p))
    return _w(cipher.encryptor(), ICV1 + p)


def kw_unwrap(cipher: BlockCipher, wrapped: BytesLike) -> bytes:
    """KW-AD (SP 800-38F algorithm 4)."""
    _require_block16(cipher)
    data = bytes(wrapped)
    _check_kw_wrapped(len(data))
    s = _w_inverse(cipher.decryptor(), data)
    if not hmac.compare_digest(s[:_SEMIBLOCK], ICV1):
        raise InvalidSignatureError("the wrapped key does not authenticate")
    return s[_SEMIBLOCK:]


def kwp_wrap(cipher: BlockCipher, plaintext: BytesLike) -> bytes:
    """KWP-AE (SP 800-38F algorithm 5)."""
    _require_block16(cipher)
    p = bytes(plaintext)
    check_kwp_input(len(p))
    pad = -len(p) % _SEMIBLOCK
    s = ICV2 + len(p).to_bytes(4, "big") + p + bytes(pad)
    if len(s) == 2 * _SEMIBLOCK:
        return cipher.encryptor()(s)
    return _w(cipher.encryptor(), s)


def kwp_unwrap(cipher: BlockCipher, wrapped: BytesLike) -> bytes:
    """KWP-AD (SP 800-38F algorithm 6)."""
    _require_block16(cipher)
    data = bytes(wrapped)
    _check_kwp_wrapped(len(data))
    if len(data) == 2 * _SEMIBLOCK:
        s = cipher.decryptor()(data)
    else:
        s = _w_inverse(cipher.decryptor(), data)
    return _kwp_check(s)


def _kwp_check(s: bytes) -> bytes:
    """The plaintext of a recovered KWP block S, after every integrity check (all
    evaluated, so the failure does not reveal which one failed)."""
    padded_length = len(s) - _SEMIBLOCK
    mli = int.from_bytes(s[4:_SEMIBLOCK], "big")
    ok = hmac.compare_digest(s[:4], ICV2)
    length_ok = padded_length - _SEMIBLOCK < mli <= padded_length
    # Compare the whole tail after the claimed length with zeros (a fixed-size
    # comparison even when the length indicator is out of range).
    end = _SEMIBLOCK + mli if length_ok else len(s)
    tail = s[end:]
    padding_ok = hmac.compare_digest(tail, bytes(len(tail)))
    if not (ok and length_ok and padding_ok):
        raise InvalidSignatureError("the wrapped key does not authenticate")
    return s[_SEMIBLOCK:end]


# --- per-key wrapper (what the core caches in a key slot) ---------------------------------


class KeyWrapper:
    """KW and KWP with one wrapping key; safe to share between threads.

    AES keys use pyca/cryptography; the other 128-bit block ciphers use the generic
    implementation above.
    """

    __slots__ = ("_aes_key", "_cipher")

    def __init__(self, key_type: int, key: bytes) -> None:
        self._aes_key: bytes | None = None
        self._cipher: BlockCipher | None = None
        if key_type == c.KEY_TYPE_AES:
            self._aes_key = bytes(key)
            return
        if symmetric.BLOCK_SIZE.get(key_type) != 16:
            raise InvalidArgumentError("KW and KWP need a 128-bit block cipher key")
        self._cipher = symmetric.block_cipher(key_type, bytes(key))

    def wrap(self, alg: int, plaintext: BytesLike) -> bytes:
        """``alg`` (KW or KWP) encryption of ``plaintext``."""
        p = bytes(plaintext)
        aes = self._aes_key
        if alg == c.ALG_KW:
            if aes is None:
                assert self._cipher is not None
                return kw_wrap(self._cipher, p)
            check_kw_input(len(p))
            return pyca_keywrap.aes_key_wrap(aes, p)
        if alg == c.ALG_KWP:
            if aes is None:
                assert self._cipher is not None
                return kwp_wrap(self._cipher, p)
            check_kwp_input(len(p))
            return pyca_keywrap.aes_key_wrap_with_padding(aes, p)
        raise NotSupportedError(f"key-wrapping algorithm 0x{alg:08x} is not supported")

    def unwrap(self, alg: int, wrapped: BytesLike) -> bytes:
        """``alg`` (KW or KWP) decryption and authentication of ``wrapped``."""
        data = bytes(wrapped)
        aes = self._aes_key
        if alg == c.ALG_KW:
            if aes is None:
                assert self._cipher is not None
                return kw_unwrap(self._cipher, data)
            _check_kw_wrapped(len(data))
            try:
                return pyca_keywrap.aes_key_unwrap(aes, data)
            except pyca_keywrap.InvalidUnwrap:
                raise InvalidSignatureError("the wrapped key does not authenticate") from None
        if alg == c.ALG_KWP:
            if aes is None:
                assert self._cipher is not None
                return kwp_unwrap(self._cipher, data)
            _check_kwp_wrapped(len(data))
            try:
                return pyca_keywrap.aes_key_unwrap_with_padding(aes, data)
            except pyca_keywrap.InvalidUnwrap:
                raise InvalidSignatureError("the wrapped key does not authenticate") from None
        raise NotSupportedError(f"key-wrapping algorithm 0x{alg:08x} is not supported")
