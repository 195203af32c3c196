"""HChaCha20, XChaCha20, XChaCha20-Poly1305, and the ChaCha20 IV variants of PSA.

pyca/cryptography has ChaCha20 (a 32-byte key and a 16-byte "nonce" that is the whole
last row of the ChaCha state: words 12..15, little-endian) and the RFC 8439 AEAD, but no
XChaCha. What is missing is built here on top of pyca:

* :func:`hchacha20` -- draft-irtf-cfrg-xchacha-03 section 2.2, in pure Python (one
  ChaCha20 core without the final addition: 20 rounds on 16 words);
* :class:`XChaCha20Poly1305` -- single-part XChaCha20-Poly1305 (section 2.3 of the
  draft): subkey = HChaCha20(key, nonce[:16]), then pyca's RFC 8439 ChaCha20-Poly1305
  with the subkey and the 12-byte nonce 0x00000000 || nonce[16:24];
* :func:`chacha20_stream` and :func:`xchacha20_stream` -- PSA_ALG_STREAM_CIPHER with a
  CHACHA20 or XCHACHA20 key, for each IV size the spec defines (see their docstrings);
* :class:`ChaCha20Poly1305Operation` -- multi-part ChaCha20-Poly1305 (12-byte nonce) and
  XChaCha20-Poly1305 (24-byte nonce), from pyca's ChaCha20 and Poly1305, since pyca's
  AEAD objects are single-part only.

Counter layouts, as words 12..15 of the ChaCha state: RFC 8439 uses a 32-bit counter and a
96-bit nonce; the original ChaCha20 (and XChaCha20, whose inner call has a 64-bit nonce)
a 64-bit counter in words 12-13 and a 64-bit nonce in words 14-15. pyca/OpenSSL carries a
block-counter overflow from word 12 into word 13, which is exactly the 64-bit counter; for
the 32-bit-counter variant this module refuses to go past the last counter value instead.
"""

from __future__ import annotations

import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, CipherContext
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.ciphers.algorithms import ChaCha20
from cryptography.hazmat.primitives.poly1305 import Poly1305

from ....errors import BadStateError, InvalidArgumentError, InvalidSignatureError
from .modes import TaggedStream

__all__ = [
    "ChaCha20Poly1305Operation",
    "ChaCha20Stream",
    "XChaCha20Poly1305",
    "chacha20_stream",
    "hchacha20",
    "xchacha20_stream",
]

BytesLike = bytes | bytearray | memoryview

_M32 = 0xFFFFFFFF
_SIGMA = (0x61707865, 0x3320646E, 0x79622D32, 0x6B206574)  # "expand 32-byte k"
_TAG_LENGTH = 16


def _key(key: BytesLike) -> bytes:
    key = bytes(key)
    if len(key) != 32:
        raise InvalidArgumentError("ChaCha20 keys are 32 bytes")
    return key


def hchacha20(key: BytesLike, nonce: BytesLike) -> bytes:
    """HChaCha20: a 32-byte subkey from a 32-byte key and a 16-byte nonce."""
    key, nonce = _key(key), bytes(nonce)
    if len(nonce) != 16:
        raise InvalidArgumentError("the HChaCha20 nonce is 16 bytes")
    x0, x1, x2, x3 = _SIGMA
    x4, x5, x6, x7, x8, x9, x10, x11 = struct.unpack("<8I", key)
    x12, x13, x14, x15 = struct.unpack("<4I", nonce)

    def qr(a: int, b: int, c: int, d: int) -> tuple[int, int, int, int]:
        a = (a + b) & _M32
        d ^= a
        d = ((d << 16) | (d >> 16)) & _M32
        c = (c + d) & _M32
        b ^= c
        b = ((b << 12) | (b >> 20)) & _M32
        a = (a + b) & _M32
        d ^= a
        d = ((d << 8) | (d >> 24)) & _M32
        c = (c + d) & _M32
        b ^= c
        b = ((b << 7) | (b >> 25)) & _M32
        return a, b, c, d

    for _ in range(10):
        # Column round, then diagonal round.
        x0, x4, x8, x12 = qr(x0, x4, x8, x12)
        x1, x5, x9, x13 = qr(x1, x5, x9, x13)
        x2, x6, x10, x14 = qr(x2, x6, x10, x14)
        x3, x7, x11, x15 = qr(x3, x7, x11, x15)
        x0, x5, x10, x15 = qr(x0, x5, x10, x15)
        x1, x6, x11, x12 = qr(x1, x6, x11, x12)
        x2, x7, x8, x13 = qr(x2, x7, x8, x13)
        x3, x4, x9, x14 = qr(x3, x4, x9, x14)
    return struct.pack("<8I", x0, x1, x2, x3, x12, x13, x14, x15)


def _xchacha_inner(key: bytes, nonce: bytes) -> tuple[bytes, bytes]:
    """The subkey and the 8-byte inner nonce of XChaCha20 for a 24-byte nonce."""
    return hchacha20(key, nonce[:16]), nonce[16:]


class XChaCha20Poly1305:
    """Single-part XChaCha20-Poly1305 (24-byte nonce, 16-byte tag) for one key.

    Same call shape as pyca's AEAD classes; errors are the PSA ones.
    """

    __slots__ = ("_key",)

    def __init__(self, key: BytesLike) -> None:
        self._key = _key(key)

    def _aead(self, nonce: BytesLike) -> tuple[ChaCha20Poly1305, bytes]:
        nonce = bytes(nonce)
        if len(nonce) != 24:
            raise InvalidArgumentError("the XChaCha20-Poly1305 nonce is 24 bytes")
        subkey, inner = _xchacha_inner(self._key, nonce)
        return ChaCha20Poly1305(subkey), b"\0\0\0\0" + inner

    def encrypt(self, nonce: BytesLike, data: BytesLike, associated_data: BytesLike) -> bytes:
        """Encrypt and authenticate: returns the ciphertext followed by the 16-byte tag."""
        aead, inner = self._aead(nonce)
        return aead.encrypt(inner, bytes(data), bytes(associated_data))

    def decrypt(self, nonce: BytesLike, data: BytesLike, associated_data: BytesLike) -> bytes:
        """Check and decrypt ``data`` (ciphertext followed by the tag)."""
        aead, inner = self._aead(nonce)
        data = bytes(data)
        if len(data) < _TAG_LENGTH:
            raise InvalidArgumentError("the input is shorter than the tag")
        try:
            return aead.decrypt(inner, data, bytes(associated_data))
        except InvalidTag:
            raise InvalidSignatureError("XChaCha20-Poly1305 tag mismatch") from None


class ChaCha20Stream:
    """A ChaCha20 keystream cipher over pyca (encryption and decryption are the same).

    ``state_row`` is words 12..15 of the initial ChaCha state (counter and nonce) as pyca
    takes it; ``counter_bits`` (32 or 64) says how far the block counter may go.
    """

    __slots__ = ("_context", "_room")

    def __init__(self, key: bytes, state_row: bytes, counter_bits: int) -> None:
        counter = int.from_bytes(state_row[: counter_bits // 8], "little")
        self._room = ((1 << counter_bits) - counter) * 64  # bytes before the counter wraps
        self._context: CipherContext = Cipher(ChaCha20(key, state_row), mode=None).encryptor()

    def update(self, data: BytesLike) -> bytes:
        data = bytes(data)
        if len(data) > self._room:
            raise InvalidArgumentError("the ChaCha20 block counter would wrap")
        self._room -= len(data)
        return self._context.update(data)

    def finish(self) -> bytes:
        return b""


def chacha20_stream(key: BytesLike, iv: BytesLike) -> ChaCha20Stream:
    """PSA_ALG_STREAM_CIPHER with a CHACHA20 key; the IV size selects the variant.

    * 12 bytes: RFC 8439 -- the IV is the nonce, the 32-bit counter starts at 0;
    * 16 bytes: RFC 8439 -- the first 4 bytes are the initial counter (little-endian),
      the other 12 the nonce;
    * 8 bytes: original ChaCha20 -- the IV is the 64-bit nonce, the 64-bit counter
      starts at 0.
    """
    key, iv = _key(key), bytes(iv)
    if len(iv) == 12:
        return ChaCha20Stream(key, b"\0\0\0\0" + iv, 32)
    if len(iv) == 16:
        return ChaCha20Stream(key, iv, 32)
    if len(iv) == 8:
        return ChaCha20Stream(key, bytes(8) + iv, 64)
    raise InvalidArgumentError("the ChaCha20 IV is 8, 12 or 16 bytes")


def xchacha20_stream(key: BytesLike, iv: BytesLike) -> ChaCha20Stream:
    """PSA_ALG_STREAM_CIPHER with an XCHACHA20 key; the IV size selects the layout.

    * 24 bytes: the IV is the nonce, the 64-bit counter starts at 0;
    * 32 bytes: the first 8 bytes are the initial counter (little-endian), the other
      24 the nonce.

    The keystream is ChaCha20 with key HChaCha20(key, nonce[:16]), 64-bit counter and
    64-bit nonce nonce[16:24] (equal to the draft's XChaCha20, whose inner ChaCha20 has
    the nonce 0x00000000 || nonce[16:24], while the counter is below 2**32).
    """
    key, iv = _key(key), bytes(iv)
    if len(iv) == 24:
        counter, nonce = b"\0" * 8, iv
    elif len(iv) == 32:
        counter, nonce = iv[:8], iv[8:]
    else:
        raise InvalidArgumentError("the XChaCha20 IV is 24 or 32 bytes")
    subkey, inner = _xchacha_inner(key, nonce)
    return ChaCha20Stream(subkey, counter + inner, 64)


class ChaCha20Poly1305Operation(TaggedStream):
    """Multi-part ChaCha20-Poly1305 (RFC 8439 section 2.8) or XChaCha20-Poly1305.

    A 12-byte nonce selects ChaCha20-Poly1305, a 24-byte nonce XChaCha20-Poly1305. Call
    :meth:`update_ad` (any number of times), then :meth:`update` (any number of times),
    then :meth:`finish` (encryption: returns the 16-byte tag) or :meth:`verify`
    (decryption). Decryption outputs plaintext before the tag is checked, as the PSA
    multi-part API does; the caller must not use it unless :meth:`verify` succeeds.
    """

    _NAME = "ChaCha20-Poly1305"

    __slots__ = ("_ad_length", "_ct_length", "_encrypting", "_in_data", "_mac", "_stream")

    def __init__(self, key: BytesLike, nonce: BytesLike, encrypt: bool) -> None:
        key, nonce = _key(key), bytes(nonce)
        if len(nonce) == 24:
            key, inner = _xchacha_inner(key, nonce)
            nonce = b"\0\0\0\0" + inner
        elif len(nonce) != 12:
            raise InvalidArgumentError("the nonce is 12 (ChaCha20) or 24 (XChaCha20) bytes")
        one_time_key = ChaCha20Stream(key, b"\0\0\0\0" + nonce, 32).update(bytes(32))
        self._mac = Poly1305(one_time_key)
        self._stream = ChaCha20Stream(key, b"\1\0\0\0" + nonce, 32)
        self._encrypting = encrypt
        self._ad_length = 0
        self._ct_length = 0
        self._in_data = False

    def update_ad(self, data: BytesLike) -> None:
        """Feed additional data (all of it before any :meth:`update`)."""
        if self._in_data:
            raise BadStateError("additional data must come before the message")
        data = bytes(data)
        self._ad_length += len(data)
        self._mac.update(data)

    def _start_data(self) -> None:
        if not self._in_data:
            self._mac.update(bytes(-self._ad_length % 16))
            self._in_data = True

    def update(self, data: BytesLike) -> bytes:
        """Encrypt or decrypt the next part of the message."""
        self._start_data()
        data = bytes(data)
        out = self._stream.update(data)
        self._mac.update(out if self._encrypting else data)
        self._ct_length += len(data)
        return out

    def _tag(self) -> bytes:
        self._start_data()
        self._mac.update(bytes(-self._ct_length % 16))
        self._mac.update(struct.pack("<QQ", self._ad_length, self._ct_length))
        return self._mac.finalize()

