"""Hash algorithms of the spec that no installed library offers directly.

* AES-MMO-Zigbee: the Matyas-Meyer-Oseas construction over AES-128 with the
  Zigbee padding (Zigbee specification 05-3474, section B.6), from pyca's AES.
* BLAKE2sp and BLAKE2bp: the parallel BLAKE2 modes of the BLAKE2 paper
  (section 2.10), built from hashlib's BLAKE2 with its tree parameters: 8 (resp.
  4) leaves at depth 0 fed round-robin with whole input blocks, and a root at
  depth 1 hashing the concatenated leaf digests.

The objects follow the hashlib protocol used by the core: ``update``, ``copy``
and a non-destructive ``digest``. Each is proven in tests/test_hash.py on the
official vectors (Zigbee Annex C.5, BLAKE2 reference KAT).
"""

from __future__ import annotations

import hashlib
from typing import Any

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ...errors import InvalidArgumentError

_ZERO16 = bytes(16)


def _aes128_encrypt(key: bytes, block: bytes) -> bytes:
    encryptor = Cipher(algorithms.AES(key), modes.ECB()).encryptor()
    return encryptor.update(block)


class AesMmoZigbee:
    """``PSA_ALG_AES_MMO_ZIGBEE``: 128-bit Matyas-Meyer-Oseas hash over AES-128."""

    __slots__ = ("_buffer", "_h", "_total")

    digest_size = 16
    block_size = 16
    #: The construction is defined for inputs shorter than 2**32 bits.
    MAX_INPUT = (1 << 29) - 1

    def __init__(self, data: bytes = b"") -> None:
        self._h = _ZERO16
        self._buffer = b""
        self._total = 0
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        data = bytes(data)
        if self._total + len(data) > self.MAX_INPUT:
            raise InvalidArgumentError("AES-MMO-Zigbee input is limited to 2**29 - 1 bytes")
        self._total += len(data)
        buf = self._buffer + data
        h = self._h
        end = len(buf) - len(buf) % 16
        for i in range(0, end, 16):
            block = buf[i : i + 16]
            h = bytes(a ^ b for a, b in zip(_aes128_encrypt(h, block), block, strict=True))
        self._h = h
        self._buffer = buf[end:]

    def copy(self) -> AesMmoZigbee:
        other = AesMmoZigbee()
        other._h, other._buffer, other._total = self._h, self._buffer, self._total
        return other

    def _padding(self) -> bytes:
        bits = self._total * 8
        if bits < 1 << 16:
            # 1 bit, zeros up to 14 bytes mod 16, then the 16-bit bit length.
            zeros = (14 - (self._total + 1)) % 16
            return b"\x80" + bytes(zeros) + bits.to_bytes(2, "big")
        # Longer messages: zeros up to 10 bytes mod 16, the 32-bit bit length, 16 zero bits.
        zeros = (10 - (self._total + 1)) % 16
        return b"\x80" + bytes(zeros) + bits.to_bytes(4, "big") + bytes(2)

    def digest(self) -> bytes:
        work = self.copy()
        work._total = 0  # the padding is not message input
        padding = self._padding()
        work.update(padding)
        assert not work._buffer
        return work._h


class _Blake2Parallel:
    """BLAKE2sp / BLAKE2bp: a two-level tree with ``fanout`` leaves."""

    __slots__ = ("_buffer", "_leaves", "_next")

    _ctor: Any = hashlib.blake2s
    fanout = 8
    chunk = 64
    digest_size = 32

    def __init__(self, data: bytes = b"", *, _leaves: list[Any] | None = None) -> None:
        if _leaves is None:
            _leaves = [
                self._ctor(
                    digest_size=self.digest_size,
                    fanout=self.fanout,
                    depth=2,
                    leaf_size=0,
                    node_offset=i,
                    node_depth=0,
                    inner_size=self.digest_size,
                    last_node=i == self.fanout - 1,
                )
                for i in range(self.fanout)
            ]
        self._leaves = _leaves
        self._buffer = b""
        self._next = 0  # the leaf that receives the next whole chunk
        if data:
            self.update(data)

    def update(self, data: bytes) -> None:
        buf = self._buffer + bytes(data)
        chunk, fanout = self.chunk, self.fanout
        whole = len(buf) // chunk
        if whole == 0:
            self._buffer = buf
            return
        view = memoryview(buf)
        stride = chunk * fanout
        end = whole * chunk
        for j in range(min(whole, fanout)):
            leaf = self._leaves[(self._next + j) % fanout]
            start = j * chunk
            leaf.update(b"".join(view[k : k + chunk] for k in range(start, end, stride)))
        self._next = (self._next + whole) % fanout
        self._buffer = buf[end:]

    def copy(self) -> _Blake2Parallel:
        other = type(self)(_leaves=[leaf.copy() for leaf in self._leaves])
        other._buffer, other._next = self._buffer, self._next
        return other

    def digest(self) -> bytes:
        leaves = [leaf.copy() for leaf in self._leaves]
        if self._buffer:
            leaves[self._next].update(self._buffer)
        root = self._ctor(
            digest_size=self.digest_size,
            fanout=self.fanout,
            depth=2,
            leaf_size=0,
            node_offset=0,
            node_depth=1,
            inner_size=self.digest_size,
            last_node=True,
        )
        for leaf in leaves:
            root.update(leaf.digest())
        return root.digest()  # type: ignore[no-any-return]


class Blake2sp(_Blake2Parallel):
    """``PSA_ALG_BLAKE2SP_HASH256``: 8-way parallel BLAKE2s, 32-byte output."""

    __slots__ = ()
    _ctor = hashlib.blake2s
    fanout = 8
    chunk = 64
    digest_size = 32


class Blake2bp(_Blake2Parallel):
    """``PSA_ALG_BLAKE2BP_HASH512``: 4-way parallel BLAKE2b, 64-byte output."""

    __slots__ = ()
    _ctor = hashlib.blake2b
    fanout = 4
    chunk = 128
    digest_size = 64
