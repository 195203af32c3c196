"""Block-cipher modes of operation over any block cipher given as ECB functions.

pyca/cryptography offers each mode only for some ciphers (none at all for ARIA, no CTR or
GCM for Camellia, no CCM except for AES, no GCM nonce shorter than 8 bytes, no CCM* and no
CBC-MAC). This module implements the modes once, from their standards, over a
:class:`BlockCipher`: an object that hands out ECB functions over whole blocks. ARIA
(:class:`~.aria.Aria`) is one; :class:`PycaBlockCipher` turns any pyca block cipher
(AES, Camellia, SM4, TripleDES/DES) into one, which lets the tests cross-check every mode
here against pyca's own and Wycheproof.

Standards: ECB, CBC, CFB-128 (segment = block), OFB, CTR: NIST SP 800-38A (CTR as PSA
defines it: the whole counter block is one big-endian integer incremented by one; CFB and
OFB allow a partial final block). PKCS#7 padding: RFC 2315 section 10.3. CMAC: SP 800-38B.
CBC-MAC: ISO/IEC 9797-1 MAC algorithm 1. GCM and GMAC: SP 800-38D. CCM: SP 800-38C. CCM*
without tag: IEEE 802.15.4 CCM* with M = 0 (encryption only, counter blocks from A_1). XTS:
IEEE 1619 (with ciphertext stealing).

Streaming: every mode is an object with ``update(data) -> bytes`` and ``finish() ->
bytes`` (AEAD: ``update_ad``, ``update``, ``finish() -> tag`` or ``verify(tag)``), so the
PSA multi-part operations map onto them directly. CTR, CFB, OFB and CCM* keep their
position inside a block across updates; CBC with PKCS#7 decryption holds back the last
block until ``finish``; XTS holds back the last one or two blocks (ciphertext stealing).

Thread-safety: :class:`Cmac`, :class:`CbcMac`, :class:`Gcm` and :class:`Ccm` hold only
per-key precomputation and may be cached and shared; each stream/operation object they
create, and every mode object, is for one thread at a time.

Errors are the PSA ones: :class:`InvalidArgumentError` for a bad IV/nonce/tag length or
an input length the mode cannot take, :class:`InvalidPaddingError` for bad PKCS#7
padding, :class:`InvalidSignatureError` for a tag that does not verify.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Protocol

from cryptography.hazmat.primitives.ciphers import BlockCipherAlgorithm, Cipher
from cryptography.hazmat.primitives.ciphers.modes import ECB

from ....errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidPaddingError,
    InvalidSignatureError,
)

__all__ = [
    "BlockCipher",
    "BytesLike",
    "CbcMac",
    "CbcMacStream",
    "Cbc",
    "Ccm",
    "CcmOperation",
    "CcmStarNoTag",
    "Cfb",
    "CipherStream",
    "Cmac",
    "CmacStream",
    "Ctr",
    "Ecb",
    "EcbFunction",
    "EcbFunctions",
    "Gcm",
    "GcmOperation",
    "Ofb",
    "PycaBlockCipher",
    "Xts",
    "CCM_TAG_LENGTHS",
    "GCM_TAG_LENGTHS",
    "process",
]

BytesLike = bytes | bytearray | memoryview
EcbFunction = Callable[[bytes], bytes]
"""ECB over whole blocks: takes a multiple of the block size, returns as many bytes."""

# Process long inputs in pieces of this size, to bound the memory the keystream takes.
_CHUNK = 1 << 16


class BlockCipher(Protocol):
    """A block cipher with one key, seen through its ECB functions."""

    @property
    def block_size(self) -> int:
        """The block size in bytes (8 or 16)."""
        ...

    def encryptor(self) -> EcbFunction:
        """A new ECB encryption function (for one thread at a time)."""
        ...

    def decryptor(self) -> EcbFunction:
        """A new ECB decryption function (for one thread at a time)."""
        ...


class EcbFunctions:
    """A :class:`BlockCipher` made of two raw ECB functions (which must be reentrant)."""

    __slots__ = ("_decrypt", "_encrypt", "block_size")

    def __init__(
        self, block_size: int, encrypt: EcbFunction, decrypt: EcbFunction | None = None
    ) -> None:
        self.block_size = block_size
        self._encrypt = encrypt
        self._decrypt = decrypt

    def encryptor(self) -> EcbFunction:
        return self._encrypt

    def decryptor(self) -> EcbFunction:
        if self._decrypt is None:
            raise InvalidArgumentError("this block cipher has no decryption function")
        return self._decrypt


class PycaBlockCipher:
    """A pyca/cryptography block cipher algorithm object as a :class:`BlockCipher`.

    Each :meth:`encryptor`/:meth:`decryptor` call creates a fresh pyca ECB context, since
    those are not safe to share between threads.
    """

    __slots__ = ("_algorithm", "block_size")

    def __init__(self, algorithm: BlockCipherAlgorithm) -> None:
        self._algorithm = algorithm
        self.block_size = algorithm.block_size // 8

    def encryptor(self) -> EcbFunction:
        return Cipher(self._algorithm, ECB()).encryptor().update

    def decryptor(self) -> EcbFunction:
        return Cipher(self._algorithm, ECB()).decryptor().update


class CipherStream(Protocol):
    """A multi-part unauthenticated cipher: the shape of every mode object here."""

    def update(self, data: BytesLike) -> bytes: ...

    def finish(self) -> bytes: ...


def process(stream: CipherStream, data: BytesLike) -> bytes:
    """Run a whole message through a fresh mode object (single-part use)."""
    return stream.update(data) + stream.finish()


def _xor(a: bytes, b: bytes) -> bytes:
    """``a`` XOR the first ``len(a)`` bytes of ``b``."""
    n = len(a)
    if n == 0:
        return b""
    return (int.from_bytes(a, "big") ^ int.from_bytes(b[:n], "big")).to_bytes(n, "big")


def _require_block_size(cipher: BlockCipher, mode: str, sizes: tuple[int, ...] = (16,)) -> int:
    if cipher.block_size not in sizes:
        raise InvalidArgumentError(f"{mode} needs a block cipher with a {sizes} byte block")
    return cipher.block_size


# --- keystream modes ------------------------------------------------------------------


_LANES: dict[int, tuple[int, int]] = {}


def _counter_lanes(bs: int, count: int) -> tuple[int, int]:
    """Big ints with ``count`` lanes of ``bs`` bytes: lanes all 1, and lanes 0, 1, 2, ...

    (first lane most significant). Built once per block size for a whole chunk; shorter
    runs are the top lanes, shifted down.
    """
    full = _CHUNK // bs
    if bs not in _LANES:
        ones = int.from_bytes((bytes(bs - 1) + b"\1") * full, "big")
        ramp = int.from_bytes(b"".join(i.to_bytes(bs, "big") for i in range(full)), "big")
        _LANES[bs] = (ones, ramp)
    ones, ramp = _LANES[bs]
    shift = 8 * bs * (full - count)
    return ones >> shift, ramp >> shift


class _CounterKeystream:
    """XOR with the ECB encryption of successive counter blocks, keeping the position.

    The counter is the low ``bits`` bits of the counter block and wraps modulo 2**bits;
    the high bits (``fixed``) stay as they are. PSA CTR counts with the whole block;
    GCM with the low 32 bits; CCM with the low 8*L bits.
    """

    __slots__ = ("_bs", "_counter", "_encrypt", "_fixed", "_left", "_mask")

    def __init__(self, encrypt: EcbFunction, block_size: int, initial: int, bits: int) -> None:
        self._encrypt = encrypt
        self._bs = block_size
        self._mask = (1 << bits) - 1
        self._fixed = initial & ~self._mask
        self._counter = initial & self._mask
        self._left = b""  # unused keystream of the current block

    def _blocks(self, count: int) -> bytes:
        c, mask, fixed, bs = self._counter, self._mask, self._fixed, self._bs
        if c + count - 1 <= mask and count <= _CHUNK // bs:
            # No wrap: every block is (fixed | c) + i, so all the counter blocks are one
            # multiplication and one addition of big ints (no carry crosses a block).
            ones, ramp = _counter_lanes(bs, count)
            counters = ((fixed | c) * ones + ramp).to_bytes(bs * count, "big")
        else:
            counters = b"".join(
                (fixed | ((c + i) & mask)).to_bytes(bs, "big") for i in range(count)
            )
        self._counter = (c + count) & mask
        return self._encrypt(counters)

    def xor(self, data: bytes) -> bytes:
        out: list[bytes] = []
        pos = 0
        if self._left:
            k = min(len(self._left), len(data))
            out.append(_xor(data[:k], self._left))
            self._left = self._left[k:]
            pos = k
        bs = self._bs
        while pos < len(data):
            piece = data[pos : pos + _CHUNK]
            stream = self._blocks(-(-len(piece) // bs))
            out.append(_xor(piece, stream))
            self._left = stream[len(piece) :]
            pos += len(piece)
        return b"".join(out)


class Ctr:
    """CTR mode as PSA_ALG_CTR defines it (encryption and decryption are the same).

    ``iv`` is 1 to ``block_size`` bytes; a shorter IV is padded with zero bytes at the end
    to form the initial counter block. The whole counter block is a big-endian integer,
    incremented by one per block (wrapping modulo 2**(8*block_size)).
    """

    __slots__ = ("_ks",)

    def __init__(self, cipher: BlockCipher, iv: BytesLike) -> None:
        bs = cipher.block_size
        iv = bytes(iv)
        if not 1 <= len(iv) <= bs:
            raise InvalidArgumentError(f"the CTR IV is 1 to {bs} bytes")
        initial = int.from_bytes(iv.ljust(bs, b"\0"), "big")
        self._ks = _CounterKeystream(cipher.encryptor(), bs, initial, 8 * bs)

    def update(self, data: BytesLike) -> bytes:
        return self._ks.xor(bytes(data))

    def finish(self) -> bytes:
        return b""


class CcmStarNoTag:
    """CCM* with a zero-length tag (PSA_ALG_CCM_STAR_NO_TAG): CCM's encryption alone.

    The nonce is 7 to 13 bytes (13 is the usual, e.g. Zigbee); L = 15 - nonce length.
    The keystream is the encryption of the CCM counter blocks A_1, A_2, ... where
    A_i = (L - 1) || nonce || i (i on L bytes); A_0 is for the tag and is not used.
    At most 2**(8L) - 1 bytes may be processed (CCM's length limit).
    """

    __slots__ = ("_ks", "_room")

    def __init__(self, cipher: BlockCipher, nonce: BytesLike) -> None:
        _require_block_size(cipher, "CCM*")
        nonce = bytes(nonce)
        if not 7 <= len(nonce) <= 13:
            raise InvalidArgumentError("the CCM* nonce is 7 to 13 bytes")
        length_size = 15 - len(nonce)
        a1 = bytes([length_size - 1]) + nonce + (1).to_bytes(length_size, "big")
        self._ks = _CounterKeystream(
            cipher.encryptor(), 16, int.from_bytes(a1, "big"), 8 * length_size
        )
        self._room = (1 << (8 * length_size)) - 1

    def update(self, data: BytesLike) -> bytes:
        data = bytes(data)
        if len(data) > self._room:
            raise InvalidArgumentError("message too long for the CCM* nonce length")
        self._room -= len(data)
        return self._ks.xor(data)

    def finish(self) -> bytes:
        return b""


class Ofb:
    """OFB mode (SP 800-38A), with a partial final block allowed."""

    __slots__ = ("_bs", "_encrypt", "_left", "_register")

    def __init__(self, cipher: BlockCipher, iv: BytesLike) -> None:
        self._bs = cipher.block_size
        iv = bytes(iv)
        if len(iv) != self._bs:
            raise InvalidArgumentError(f"the OFB IV is {self._bs} bytes")
        self._encrypt = cipher.encryptor()
        self._register = iv
        self._left = b""

    def update(self, data: BytesLike) -> bytes:
        data = bytes(data)
        need = len(data) - len(self._left)
        blocks = [self._left]
        if need > 0:
            f, reg = self._encrypt, self._register
            for _ in range(-(-need // self._bs)):
                reg = f(reg)
                blocks.append(reg)
            self._register = reg
        stream = b"".join(blocks)
        self._left = stream[len(data) :]
        return _xor(data, stream)

    def finish(self) -> bytes:
        return b""


class Cfb:
    """CFB mode with a segment of one whole block (PSA_ALG_CFB, e.g. AES-CFB-128).

    A partial final block is allowed; the position inside a block is kept across updates.
    """

    __slots__ = ("_bs", "_current", "_decrypting", "_encrypt", "_left", "_register")

    def __init__(self, cipher: BlockCipher, iv: BytesLike, encrypt: bool) -> None:
        self._bs = cipher.block_size
        iv = bytes(iv)
        if len(iv) != self._bs:
            raise InvalidArgumentError(f"the CFB IV is {self._bs} bytes")
        self._encrypt = cipher.encryptor()
        self._decrypting = not encrypt
        self._register = iv  # the last whole ciphertext block (or the IV)
        self._current = b""  # ciphertext bytes of the block in progress
        self._left = b""  # unused keystream of the block in progress

    def _partial(self, segment: bytes) -> bytes:
        """Process ``segment`` (no longer than a block) from the block in progress."""
        if not self._left:
            self._left = self._encrypt(self._register)
        out = _xor(segment, self._left)
        self._left = self._left[len(segment) :]
        self._current += segment if self._decrypting else out
        if len(self._current) == self._bs:
            self._register, self._current, self._left = self._current, b"", b""
        return out

    def update(self, data: BytesLike) -> bytes:
        data = bytes(data)
        bs = self._bs
        out: list[bytes] = []
        pos = 0
        if self._current:
            k = min(bs - len(self._current), len(data))
            out.append(self._partial(data[:k]))
            pos = k
        whole = (len(data) - pos) // bs * bs
        if whole:
            body = data[pos : pos + whole]
            if self._decrypting:
                # Every keystream block is known from the ciphertext: one ECB call.
                for start in range(0, whole, _CHUNK):
                    piece = body[start : start + _CHUNK]
                    stream = self._encrypt(self._register + piece[:-bs])
                    out.append(_xor(piece, stream))
                    self._register = piece[-bs:]
            else:
                f, reg = self._encrypt, int.from_bytes(self._register, "big")
                blocks = []
                for off in range(0, whole, bs):
                    ks = int.from_bytes(f(reg.to_bytes(bs, "big")), "big")
                    reg = ks ^ int.from_bytes(body[off : off + bs], "big")
                    blocks.append(reg.to_bytes(bs, "big"))
                out.append(b"".join(blocks))
                self._register = blocks[-1]
            pos += whole
        if pos < len(data):
            out.append(self._partial(data[pos:]))
        return b"".join(out)

    def finish(self) -> bytes:
        return b""


# --- block modes ----------------------------------------------------------------------


class Ecb:
    """ECB mode without padding: the input must be a whole number of blocks."""

    __slots__ = ("_bs", "_buffer", "_function")

    def __init__(self, cipher: BlockCipher, encrypt: bool) -> None:
        self._bs = cipher.block_size
        self._function = cipher.encryptor() if encrypt else cipher.decryptor()
        self._buffer = b""

    def update(self, data: BytesLike) -> bytes:
        buf = self._buffer + bytes(data)
        n = len(buf) - len(buf) % self._bs
        self._buffer = buf[n:]
        return self._function(buf[:n]) if n else b""

    def finish(self) -> bytes:
        if self._buffer:
            raise InvalidArgumentError("ECB input is not a whole number of blocks")
        return b""


def _pkcs7_unpad(block: bytes) -> bytes:
    """Check and strip PKCS#7 padding from the last block (comparison without early exit)."""
    bs = len(block)
    pad = block[-1]
    good = 0 < pad <= bs
    n = pad if good else bs
    if not (hmac.compare_digest(block[bs - n :], bytes([pad]) * n) and good):
        raise InvalidPaddingError("invalid PKCS#7 padding")
    return block[: bs - pad]


class Cbc:
    """CBC mode (SP 800-38A), without padding or with PKCS#7 padding.

    Without padding the input must be a whole number of blocks (else ``finish`` raises
    :class:`InvalidArgumentError`). With padding, encryption always adds 1 to
    ``block_size`` bytes; decryption holds back the last block until ``finish``, which
    checks and removes the padding (:class:`InvalidPaddingError` if it is wrong).
    """

    __slots__ = ("_bs", "_buffer", "_encrypting", "_function", "_padding", "_previous")

    def __init__(
        self, cipher: BlockCipher, iv: BytesLike, encrypt: bool, padding: bool = False
    ) -> None:
        self._bs = cipher.block_size
        iv = bytes(iv)
        if len(iv) != self._bs:
            raise InvalidArgumentError(f"the CBC IV is {self._bs} bytes")
        self._encrypting = encrypt
        self._padding = padding
        self._function = cipher.encryptor() if encrypt else cipher.decryptor()
        self._previous = iv
        self._buffer = b""

    def _encrypt_blocks(self, data: bytes) -> bytes:
        f, bs = self._function, self._bs
        prev = int.from_bytes(self._previous, "big")
        out = []
        for off in range(0, len(data), bs):
            c = f((prev ^ int.from_bytes(data[off : off + bs], "big")).to_bytes(bs, "big"))
            prev = int.from_bytes(c, "big")
            out.append(c)
        if out:
            self._previous = out[-1]
        return b"".join(out)

    def _decrypt_blocks(self, data: bytes) -> bytes:
        if not data:
            return b""
        chain = self._previous + data[: -self._bs]
        self._previous = data[-self._bs :]
        return _xor(self._function(data), chain)

    def update(self, data: BytesLike) -> bytes:
        buf = self._buffer + bytes(data)
        n = len(buf) - len(buf) % self._bs
        if self._padding and not self._encrypting and n == len(buf) and n:
            n -= self._bs  # the last block may be the padding block
        self._buffer = buf[n:]
        if self._encrypting:
            return self._encrypt_blocks(buf[:n])
        return self._decrypt_blocks(buf[:n])

    def finish(self) -> bytes:
        buf, self._buffer = self._buffer, b""
        if not self._padding:
            if buf:
                raise InvalidArgumentError("CBC input is not a whole number of blocks")
            return b""
        if self._encrypting:
            pad = self._bs - len(buf)
            return self._encrypt_blocks(buf + bytes([pad]) * pad)
        if len(buf) != self._bs:
            raise InvalidArgumentError("CBC-PKCS7 input is not a whole, non-zero number of blocks")
        return _pkcs7_unpad(self._decrypt_blocks(buf))


def _xts_times_alpha(t: int) -> int:
    """Multiply an XTS tweak (a little-endian 128-bit int) by the primitive element."""
    t <<= 1
    if t >> 128:
        t ^= (1 << 128) | 0x87
    return t


class Xts:
    """XTS mode (IEEE 1619) over a 16-byte block cipher, with ciphertext stealing.

    ``data_cipher`` has the first half of the XTS key, ``tweak_cipher`` the second half;
    ``tweak`` is the 16-byte IV (e.g. the sector number, little-endian). The message must
    be at least one block. Updates output all but the last 16 to 31 bytes, which
    ``finish`` processes (the last two blocks may be tied by ciphertext stealing).
    """

    __slots__ = ("_buffer", "_encrypting", "_function", "_tweak")

    def __init__(
        self,
        data_cipher: BlockCipher,
        tweak_cipher: BlockCipher,
        tweak: BytesLike,
        encrypt: bool,
    ) -> None:
        _require_block_size(data_cipher, "XTS")
        _require_block_size(tweak_cipher, "XTS")
        tweak = bytes(tweak)
        if len(tweak) != 16:
            raise InvalidArgumentError("the XTS IV (tweak) is 16 bytes")
        self._tweak = int.from_bytes(tweak_cipher.encryptor()(tweak), "little")
        self._encrypting = encrypt
        self._function = data_cipher.encryptor() if encrypt else data_cipher.decryptor()
        self._buffer = b""

    def _blocks(self, data: bytes) -> bytes:
        """Process whole blocks, each with the next tweak."""
        t = self._tweak
        masks = []
        for _ in range(len(data) // 16):
            masks.append(t.to_bytes(16, "little"))
            t = _xts_times_alpha(t)
        self._tweak = t
        mask = b"".join(masks)
        return _xor(self._function(_xor(data, mask)), mask)

    def update(self, data: BytesLike) -> bytes:
        buf = self._buffer + bytes(data)
        keep = 16 + len(buf) % 16  # 16 to 31 bytes: the last whole block and any tail
        n = max(0, len(buf) - keep)
        self._buffer = buf[n:]
        return self._blocks(buf[:n]) if n else b""

    def finish(self) -> bytes:
        buf, self._buffer = self._buffer, b""
        if len(buf) < 16:
            raise InvalidArgumentError("XTS needs at least one whole block")
        tail = len(buf) - 16
        if tail == 0:
            return self._blocks(buf)
        # Ciphertext stealing. Encrypting, the last whole block is processed with tweak
        # T_m and the combined block with T_m+1; decrypting, in the other order.
        t_m = self._tweak
        t_next = _xts_times_alpha(t_m)
        first, second = (t_m, t_next) if self._encrypting else (t_next, t_m)
        self._tweak = first
        full = self._blocks(buf[:16])
        combined = buf[16:] + full[tail:]
        self._tweak = second
        return self._blocks(combined) + full[:tail]


# --- MACs -----------------------------------------------------------------------------


def _cbc_absorb(f: EcbFunction, bs: int, x: int, data: bytes) -> int:
    """CBC-MAC chaining over whole blocks: x <- E(x XOR block)."""
    for off in range(0, len(data), bs):
        x ^= int.from_bytes(data[off : off + bs], "big")
        x = int.from_bytes(f(x.to_bytes(bs, "big")), "big")
    return x


_CMAC_RB = {8: 0x1B, 16: 0x87}


class Cmac:
    """CMAC (SP 800-38B) for one key: the subkeys, computed once. Safe to share."""

    __slots__ = ("_bs", "_cipher", "_k1", "_k2")

    def __init__(self, cipher: BlockCipher) -> None:
        bs = _require_block_size(cipher, "CMAC", (8, 16))
        self._cipher = cipher
        self._bs = bs
        top = 1 << (8 * bs)

        def double(v: int) -> int:
            v <<= 1
            return v ^ (top | _CMAC_RB[bs]) if v & top else v

        zero = cipher.encryptor()(bytes(bs))
        self._k1 = double(int.from_bytes(zero, "big"))
        self._k2 = double(self._k1)

    def new(self) -> CmacStream:
        """Start a multi-part MAC computation."""
        return CmacStream(self._cipher.encryptor(), self._bs, self._k1, self._k2)

    def mac(self, data: BytesLike) -> bytes:
        """The full-length CMAC of ``data`` (truncation is the caller's)."""
        stream = self.new()
        stream.update(data)
        return stream.finish()


class CmacStream:
    """A multi-part CMAC computation (see :meth:`Cmac.new`)."""

    __slots__ = ("_bs", "_buffer", "_encrypt", "_k1", "_k2", "_x")

    def __init__(self, encrypt: EcbFunction, bs: int, k1: int, k2: int) -> None:
        self._encrypt, self._bs, self._k1, self._k2 = encrypt, bs, k1, k2
        self._x = 0
        self._buffer = b""

    def update(self, data: BytesLike) -> None:
        buf = self._buffer + bytes(data)
        # Keep 1 to bs bytes: the last block is treated differently.
        n = (len(buf) - 1) // self._bs * self._bs if buf else 0
        self._x = _cbc_absorb(self._encrypt, self._bs, self._x, buf[:n])
        self._buffer = buf[n:]

    def finish(self) -> bytes:
        bs, last = self._bs, self._buffer
        if len(last) == bs:
            m = int.from_bytes(last, "big") ^ self._k1
        else:
            m = int.from_bytes((last + b"\x80").ljust(bs, b"\0"), "big") ^ self._k2
        return self._encrypt((self._x ^ m).to_bytes(bs, "big"))


class CbcMac:
    """CBC-MAC (ISO/IEC 9797-1 MAC algorithm 1, zero IV, no final transformation).

    By default the message must be a whole, non-zero number of blocks
    (:class:`InvalidArgumentError` otherwise). With ``zero_pad=True`` it is padded with
    ISO/IEC 9797-1 padding method 1 (zero bytes up to a positive number of blocks).
    """

    __slots__ = ("_cipher", "_zero_pad")

    def __init__(self, cipher: BlockCipher, zero_pad: bool = False) -> None:
        _require_block_size(cipher, "CBC-MAC", (8, 16))
        self._cipher = cipher
        self._zero_pad = zero_pad

    def new(self) -> CbcMacStream:
        """Start a multi-part MAC computation."""
        return CbcMacStream(self._cipher.encryptor(), self._cipher.block_size, self._zero_pad)

    def mac(self, data: BytesLike) -> bytes:
        """The full-length CBC-MAC of ``data``."""
        stream = self.new()
        stream.update(data)
        return stream.finish()


class CbcMacStream:
    """A multi-part CBC-MAC computation (see :meth:`CbcMac.new`)."""

    __slots__ = ("_bs", "_buffer", "_encrypt", "_length", "_x", "_zero_pad")

    def __init__(self, encrypt: EcbFunction, bs: int, zero_pad: bool) -> None:
        self._encrypt, self._bs, self._zero_pad = encrypt, bs, zero_pad
        self._x = 0
        self._length = 0
        self._buffer = b""

    def update(self, data: BytesLike) -> None:
        buf = self._buffer + bytes(data)
        n = len(buf) - len(buf) % self._bs
        self._x = _cbc_absorb(self._encrypt, self._bs, self._x, buf[:n])
        self._length += n
        self._buffer = buf[n:]

    def finish(self) -> bytes:
        if self._buffer or not self._length:
            if not self._zero_pad:
                raise InvalidArgumentError("CBC-MAC input is not a positive number of blocks")
            self._x = _cbc_absorb(
                self._encrypt, self._bs, self._x, self._buffer.ljust(self._bs, b"\0")
            )
        return self._x.to_bytes(self._bs, "big")


# --- GCM ------------------------------------------------------------------------------

GCM_TAG_LENGTHS = frozenset({4, 8, 12, 13, 14, 15, 16})
"""Tag lengths SP 800-38D and PSA allow for GCM."""

_GCM_MAX_DATA = (1 << 36) - 32  # SP 800-38D: at most 2**39 - 256 bits of plaintext
_GCM_MAX_AD = (1 << 61) - 1  # at most 2**64 - 1 bits of additional data
_GCM_R = 0xE1 << 120
_MASK32 = 0xFFFFFFFF

_GhashTables = tuple[tuple[int, ...], ...]


def _ghash_tables(h: int) -> _GhashTables:
    """Sixteen 256-entry tables with T[i][v] = (v in byte i) * H in GF(2^128).

    Blocks are big-endian ints, so the coefficient of x^k is bit 127 - k. Multiplying by
    H is linear over GF(2), so X * H is the XOR of the table entries of X's 16 bytes.
    """
    basis = []  # basis[k] = x^k * H
    v = h
    for _ in range(128):
        basis.append(v)
        v = (v >> 1) ^ _GCM_R if v & 1 else v >> 1
    tables = []
    for i in range(16):
        # Bit t (value 1 << t) of byte i is bit 8*(15-i)+t of the int, i.e. x^(8i+7-t).
        table = [0]
        for t in range(8):
            column = basis[8 * i + 7 - t]
            table += [entry ^ column for entry in table]  # entries with bit t set
        tables.append(tuple(table))
    return tuple(tables)


def _ghash(tables: _GhashTables, y: int, data: bytes) -> int:
    """GHASH update over whole 16-byte blocks: y <- (y XOR block) * H."""
    m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15 = tables
    for off in range(0, len(data), 16):
        b = (y ^ int.from_bytes(data[off : off + 16], "big")).to_bytes(16, "big")
        y = (
            m0[b[0]] ^ m1[b[1]] ^ m2[b[2]] ^ m3[b[3]] ^ m4[b[4]] ^ m5[b[5]] ^ m6[b[6]]
            ^ m7[b[7]] ^ m8[b[8]] ^ m9[b[9]] ^ m10[b[10]] ^ m11[b[11]] ^ m12[b[12]]
            ^ m13[b[13]] ^ m14[b[14]] ^ m15[b[15]]
        )  # fmt: skip
    return y


def _pad16(data: bytes) -> bytes:
    return data + bytes(-len(data) % 16)


class TaggedStream:
    """``finish``/``verify`` of a streaming AEAD: the subclass computes ``_tag()``
    and names itself in ``_NAME`` (for the mismatch message)."""

    __slots__ = ()
    _NAME = "AEAD"
    _encrypting: bool

    def _tag(self) -> bytes:
        raise NotImplementedError

    def finish(self) -> bytes:
        """End an encryption: returns the tag."""
        if not self._encrypting:
            raise BadStateError("finish() is for encryption; use verify()")
        return self._tag()

    def verify(self, tag: BytesLike) -> None:
        """End a decryption: raises :class:`InvalidSignatureError` unless ``tag`` is right."""
        if self._encrypting:
            raise BadStateError("verify() is for decryption; use finish()")
        if not hmac.compare_digest(self._tag(), bytes(tag)):
            raise InvalidSignatureError(f"{self._NAME} tag mismatch")


class Gcm:
    """GCM (SP 800-38D) for one key: the hash key tables, computed once. Safe to share.

    Nonces of any length from 1 byte are accepted (12 is the recommended one); tag
    lengths are those of :data:`GCM_TAG_LENGTHS`.
    """

    __slots__ = ("_cipher", "_tables")

    def __init__(self, cipher: BlockCipher) -> None:
        _require_block_size(cipher, "GCM")
        self._cipher = cipher
        self._tables = _ghash_tables(int.from_bytes(cipher.encryptor()(bytes(16)), "big"))

    def start(self, nonce: BytesLike, encrypt: bool, tag_length: int = 16) -> GcmOperation:
        """Start a multi-part encryption or decryption."""
        return GcmOperation(self._cipher.encryptor(), self._tables, nonce, encrypt, tag_length)

    def encrypt(
        self, nonce: BytesLike, data: BytesLike, associated_data: BytesLike, tag_length: int = 16
    ) -> bytes:
        """Encrypt and authenticate: returns the ciphertext followed by the tag."""
        op = self.start(nonce, True, tag_length)
        op.update_ad(associated_data)
        ciphertext = op.update(data)
        return ciphertext + op.finish()

    def decrypt(
        self, nonce: BytesLike, data: BytesLike, associated_data: BytesLike, tag_length: int = 16
    ) -> bytes:
        """Check and decrypt ``data`` (ciphertext followed by the tag)."""
        op = self.start(nonce, False, tag_length)
        data = bytes(data)
        if len(data) < tag_length:
            raise InvalidArgumentError("the input is shorter than the tag")
        op.update_ad(associated_data)
        plaintext = op.update(data[: len(data) - tag_length])
        op.verify(data[len(data) - tag_length :])
        return plaintext


class GcmOperation(TaggedStream):
    """A multi-part GCM encryption or decryption (see :meth:`Gcm.start`).

    Call :meth:`update_ad` (any number of times), then :meth:`update` (any number of
    times), then :meth:`finish` (encryption: returns the tag) or :meth:`verify`
    (decryption). Decryption outputs plaintext before the tag is checked, as the PSA
    multi-part API does; the caller must not use it unless :meth:`verify` succeeds.
    """

    _NAME = "GCM"

    __slots__ = (
        "_ad_buffer",
        "_ad_length",
        "_ct_buffer",
        "_ct_length",
        "_encrypting",
        "_in_data",
        "_keystream",
        "_mask",
        "_tables",
        "_tag_length",
        "_y",
    )

    def __init__(
        self,
        encrypt_block: EcbFunction,
        tables: _GhashTables,
        nonce: BytesLike,
        encrypt: bool,
        tag_length: int,
    ) -> None:
        nonce = bytes(nonce)
        if not nonce:
            raise InvalidArgumentError("the GCM nonce is at least 1 byte")
        if tag_length not in GCM_TAG_LENGTHS:
            raise InvalidArgumentError(f"GCM tag length {tag_length} is not allowed")
        if len(nonce) == 12:
            j0 = int.from_bytes(nonce + b"\0\0\0\1", "big")
        else:
            j0 = _ghash(tables, 0, _pad16(nonce) + (8 * len(nonce)).to_bytes(16, "big"))
        self._mask = encrypt_block(j0.to_bytes(16, "big"))
        first = (j0 & ~_MASK32) | ((j0 + 1) & _MASK32)
        self._keystream = _CounterKeystream(encrypt_block, 16, first, 32)
        self._tables = tables
        self._encrypting = encrypt
        self._tag_length = tag_length
        self._y = 0
        self._ad_buffer = b""
        self._ct_buffer = b""
        self._ad_length = 0
        self._ct_length = 0
        self._in_data = False

    def update_ad(self, data: BytesLike) -> None:
        """Feed additional data (all of it before any :meth:`update`)."""
        if self._in_data:
            raise BadStateError("additional data must come before the message")
        data = bytes(data)
        self._ad_length += len(data)
        if self._ad_length > _GCM_MAX_AD:
            raise InvalidArgumentError("too much additional data for GCM")
        buf = self._ad_buffer + data
        n = len(buf) - len(buf) % 16
        self._y = _ghash(self._tables, self._y, buf[:n])
        self._ad_buffer = buf[n:]

    def _start_data(self) -> None:
        if not self._in_data:
            self._y = _ghash(self._tables, self._y, _pad16(self._ad_buffer))
            self._ad_buffer = b""
            self._in_data = True

    def update(self, data: BytesLike) -> bytes:
        """Encrypt or decrypt the next part of the message."""
        self._start_data()
        data = bytes(data)
        self._ct_length += len(data)
        if self._ct_length > _GCM_MAX_DATA:
            raise InvalidArgumentError("message too long for GCM")
        out = self._keystream.xor(data)
        buf = self._ct_buffer + (out if self._encrypting else data)
        n = len(buf) - len(buf) % 16
        self._y = _ghash(self._tables, self._y, buf[:n])
        self._ct_buffer = buf[n:]
        return out

    def _tag(self) -> bytes:
        self._start_data()
        lengths = ((8 * self._ad_length) << 64 | (8 * self._ct_length)).to_bytes(16, "big")
        y = _ghash(self._tables, self._y, _pad16(self._ct_buffer) + lengths)
        return _xor(y.to_bytes(16, "big"), self._mask)[: self._tag_length]



# --- CCM ------------------------------------------------------------------------------

CCM_TAG_LENGTHS = frozenset({4, 6, 8, 10, 12, 14, 16})
"""Tag lengths SP 800-38C and PSA allow for CCM."""


class Ccm:
    """CCM (SP 800-38C) for one key. Safe to share.

    The nonce is 7 to 13 bytes (L = 15 - nonce length), the tag one of
    :data:`CCM_TAG_LENGTHS`; the plaintext must be shorter than 2**(8L) bytes.
    """

    __slots__ = ("_cipher",)

    def __init__(self, cipher: BlockCipher) -> None:
        _require_block_size(cipher, "CCM")
        self._cipher = cipher

    def start(
        self,
        nonce: BytesLike,
        ad_length: int,
        plaintext_length: int,
        encrypt: bool,
        tag_length: int = 16,
    ) -> CcmOperation:
        """Start a multi-part operation; CCM needs both lengths up front."""
        return CcmOperation(
            self._cipher.encryptor(), nonce, ad_length, plaintext_length, encrypt, tag_length
        )

    def encrypt(
        self, nonce: BytesLike, data: BytesLike, associated_data: BytesLike, tag_length: int = 16
    ) -> bytes:
        """Encrypt and authenticate: returns the ciphertext followed by the tag."""
        data, associated_data = bytes(data), bytes(associated_data)
        op = self.start(nonce, len(associated_data), len(data), True, tag_length)
        op.update_ad(associated_data)
        ciphertext = op.update(data)
        return ciphertext + op.finish()

    def decrypt(
        self, nonce: BytesLike, data: BytesLike, associated_data: BytesLike, tag_length: int = 16
    ) -> bytes:
        """Check and decrypt ``data`` (ciphertext followed by the tag)."""
        data, associated_data = bytes(data), bytes(associated_data)
        if tag_length in CCM_TAG_LENGTHS and len(data) < tag_length:
            raise InvalidArgumentError("the input is shorter than the tag")
        op = self.start(nonce, len(associated_data), len(data) - tag_length, False, tag_length)
        op.update_ad(associated_data)
        plaintext = op.update(data[: len(data) - tag_length])
        op.verify(data[len(data) - tag_length :])
        return plaintext


class CcmOperation(TaggedStream):
    """A multi-part CCM encryption or decryption (see :meth:`Ccm.start`).

    The additional data and message given must add up to the lengths declared at the
    start (:class:`InvalidArgumentError` otherwise, when the excess arrives or at the end).
    """

    _NAME = "CCM"

    __slots__ = (
        "_ad_left",
        "_encrypt",
        "_encrypting",
        "_in_data",
        "_keystream",
        "_mac_buffer",
        "_mask",
        "_pt_left",
        "_tag_length",
        "_x",
    )

    def __init__(
        self,
        encrypt_block: EcbFunction,
        nonce: BytesLike,
        ad_length: int,
        plaintext_length: int,
        encrypt: bool,
        tag_length: int,
    ) -> None:
        nonce = bytes(nonce)
        if not 7 <= len(nonce) <= 13:
            raise InvalidArgumentError("the CCM nonce is 7 to 13 bytes")
        if tag_length not in CCM_TAG_LENGTHS:
            raise InvalidArgumentError(f"CCM tag length {tag_length} is not allowed")
        q = 15 - len(nonce)
        if not 0 <= plaintext_length < 1 << (8 * q):
            raise InvalidArgumentError("message too long for the CCM nonce length")
        if not 0 <= ad_length < 1 << 64:
            raise InvalidArgumentError("too much additional data for CCM")
        self._encrypt = encrypt_block
        self._encrypting = encrypt
        self._tag_length = tag_length
        self._ad_left = ad_length
        self._pt_left = plaintext_length
        flags = (0x40 if ad_length else 0) | ((tag_length - 2) // 2) << 3 | (q - 1)
        b0 = bytes([flags]) + nonce + plaintext_length.to_bytes(q, "big")
        self._x = int.from_bytes(encrypt_block(b0), "big")
        if ad_length == 0:
            self._mac_buffer = b""
        elif ad_length < 0xFF00:
            self._mac_buffer = ad_length.to_bytes(2, "big")
        elif ad_length < 1 << 32:
            self._mac_buffer = b"\xff\xfe" + ad_length.to_bytes(4, "big")
        else:
            self._mac_buffer = b"\xff\xff" + ad_length.to_bytes(8, "big")
        a0 = int.from_bytes(bytes([q - 1]) + nonce + bytes(q), "big")
        self._mask = encrypt_block(a0.to_bytes(16, "big"))
        self._keystream = _CounterKeystream(encrypt_block, 16, a0 + 1, 8 * q)
        self._in_data = False

    def _absorb(self, data: bytes) -> None:
        buf = self._mac_buffer + data
        n = len(buf) - len(buf) % 16
        self._x = _cbc_absorb(self._encrypt, 16, self._x, buf[:n])
        self._mac_buffer = buf[n:]

    def _flush(self) -> None:
        if self._mac_buffer:
            self._absorb(bytes(-len(self._mac_buffer) % 16))

    def update_ad(self, data: BytesLike) -> None:
        """Feed additional data (all of it before any :meth:`update`)."""
        if self._in_data:
            raise BadStateError("additional data must come before the message")
        data = bytes(data)
        if len(data) > self._ad_left:
            raise InvalidArgumentError("more additional data than declared")
        self._ad_left -= len(data)
        self._absorb(data)

    def _start_data(self) -> None:
        if not self._in_data:
            if self._ad_left:
                raise InvalidArgumentError("less additional data than declared")
            self._flush()
            self._in_data = True

    def update(self, data: BytesLike) -> bytes:
        """Encrypt or decrypt the next part of the message."""
        self._start_data()
        data = bytes(data)
        if len(data) > self._pt_left:
            raise InvalidArgumentError("more message data than declared")
        self._pt_left -= len(data)
        out = self._keystream.xor(data)
        self._absorb(data if self._encrypting else out)
        return out

    def _tag(self) -> bytes:
        self._start_data()
        if self._pt_left:
            raise InvalidArgumentError("less message data than declared")
        self._flush()
        return _xor(self._x.to_bytes(16, "big")[: self._tag_length], self._mask)

