"""Hash contexts whose internal state can be exported and imported.

``hashlib`` cannot expose the chaining state of a hash, but ``psa_hash_suspend``
needs exactly that (the spec's hash suspend state: chaining value, total input
length, unprocessed bytes). OpenSSL still exports its documented low-level
context structs and functions (``openssl/sha.h``, ``md5.h``, ``ripemd.h``:
``SHA256_CTX`` with ``SHA256_Init``/``_Update``/``_Final`` ...), so multi-part
operations of the Merkle-Damgard hashes run on those, through :mod:`ctypes` on
the system libcrypto.

Every algorithm is self-tested when the library is loaded (digest against
hashlib, and an export/import round trip); if libcrypto cannot be loaded or a
self-test fails, :data:`AVAILABLE` is False and callers fall back to hashlib
without suspend/resume.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ... import constants as c


class _Sha256Ctx(ctypes.Structure):
    """``SHA256_CTX`` (also SHA-224): ``SHA_LONG h[8], Nl, Nh, data[16]; unsigned num, md_len``."""

    _fields_ = (
        ("h", ctypes.c_uint32 * 8),
        ("Nl", ctypes.c_uint32),
        ("Nh", ctypes.c_uint32),
        ("data", ctypes.c_uint8 * 64),
        ("num", ctypes.c_uint),
        ("md_len", ctypes.c_uint),
    )


class _Sha512Ctx(ctypes.Structure):
    """``SHA512_CTX`` (SHA-384, SHA-512, SHA-512/t): 64-bit words, 128-bit bit count."""

    _fields_ = (
        ("h", ctypes.c_uint64 * 8),
        ("Nl", ctypes.c_uint64),
        ("Nh", ctypes.c_uint64),
        ("data", ctypes.c_uint8 * 128),
        ("num", ctypes.c_uint),
        ("md_len", ctypes.c_uint),
    )


class _Sha1Ctx(ctypes.Structure):
    """``SHA_CTX``: ``SHA_LONG h0..h4, Nl, Nh, data[16]; unsigned num``."""

    _fields_ = (
        ("h", ctypes.c_uint32 * 5),
        ("Nl", ctypes.c_uint32),
        ("Nh", ctypes.c_uint32),
        ("data", ctypes.c_uint8 * 64),
        ("num", ctypes.c_uint),
    )


class _Md5Ctx(ctypes.Structure):
    """``MD5_CTX``: ``MD5_LONG A, B, C, D, Nl, Nh, data[16]; unsigned num``."""

    _fields_ = (
        ("h", ctypes.c_uint32 * 4),
        ("Nl", ctypes.c_uint32),
        ("Nh", ctypes.c_uint32),
        ("data", ctypes.c_uint8 * 64),
        ("num", ctypes.c_uint),
    )


class _Ripemd160Ctx(ctypes.Structure):
    """``RIPEMD160_CTX``: ``RIPEMD160_LONG A, B, C, D, E, Nl, Nh, data[16]; unsigned num``."""

    _fields_ = (
        ("h", ctypes.c_uint32 * 5),
        ("Nl", ctypes.c_uint32),
        ("Nh", ctypes.c_uint32),
        ("data", ctypes.c_uint8 * 64),
        ("num", ctypes.c_uint),
    )


#: FIPS 180-4 section 5.3.6: initial hash values of SHA-512/224 and SHA-512/256
#: (libcrypto exports no init function for them; SHA512_Final honours md_len).
# fmt: off
_SHA512_T_IV = {
    28: (
        0x8C3D37C819544DA2, 0x73E1996689DCD4D6, 0x1DFAB7AE32FF9C82, 0x679DD514582F9FCF,
        0x0F6D2B697BD44DA8, 0x77E36F7304C48942, 0x3F9D85A86A1D36C8, 0x1112E6AD91D692A1,
    ),
    32: (
        0x22312194FC2BF72C, 0x9F555FA3C84C64C2, 0x2393B86B6F53B151, 0x963877195940EABD,
        0x96283EE2A88EFFE3, 0xBE5E1E2553863992, 0x2B0199FC2C85B8AA, 0x0EB72DDC81C52CA2,
    ),
}
# fmt: on


@dataclass(frozen=True)
class StateLayout:
    """The spec's suspend-state field sizes of one algorithm."""

    #: length in bytes of the input_length field
    length_field: int
    #: number of chaining-state words and their size in bytes
    words: int
    word_size: int
    #: byte order of the words in the hash_state field
    byteorder: str
    #: hash block size (unprocessed input is 0 .. block - 1 bytes)
    block: int
    #: largest total input in bytes the algorithm accepts (its bit count must fit)
    max_input: int

    @property
    def state_size(self) -> int:
        return self.words * self.word_size


_L64 = (1 << 61) - 1
_L128 = (1 << 125) - 1

#: The suspend-state layout of every algorithm the spec defines a format for and
#: psacrypto supports (MD2 and MD4 are not supported at all).
LAYOUTS: dict[int, StateLayout] = {
    c.ALG_MD5: StateLayout(8, 4, 4, "little", 64, _L64),
    c.ALG_RIPEMD160: StateLayout(8, 5, 4, "little", 64, _L64),
    c.ALG_SHA_1: StateLayout(8, 5, 4, "big", 64, _L64),
    c.ALG_SHA_224: StateLayout(8, 8, 4, "big", 64, _L64),
    c.ALG_SHA_256: StateLayout(8, 8, 4, "big", 64, _L64),
    c.ALG_SHA_384: StateLayout(16, 8, 8, "big", 128, _L128),
    c.ALG_SHA_512: StateLayout(16, 8, 8, "big", 128, _L128),
    c.ALG_SHA_512_224: StateLayout(16, 8, 8, "big", 128, _L128),
    c.ALG_SHA_512_256: StateLayout(16, 8, 8, "big", 128, _L128),
}


@dataclass(frozen=True)
class _Binding:
    ctx_type: type[ctypes.Structure]
    init: Callable[[Any], int]
    update: Callable[[Any, Any, int], int]
    final: Callable[[Any, Any], int]
    digest_size: int
    word_bits: int  # 32: Nl/Nh are 32-bit halves of a 64-bit count; 64: of a 128-bit count
    iv: tuple[int, ...] | None = None
    md_len: int | None = None


_BINDINGS: dict[int, _Binding] = {}
_LIB: Any = None


def _load() -> bool:
    """Bind the libcrypto functions; True if every self-test passes."""
    global _LIB
    name = ctypes.util.find_library("crypto")
    if name is None:
        return False
    try:
        lib = ctypes.CDLL(name)
    except OSError:
        return False

    def fn(symbol: str) -> Any:
        f = getattr(lib, symbol)
        f.restype = ctypes.c_int
        return f

    table: list[tuple[int, str, type[ctypes.Structure], int, int, int | None]] = [
        (c.ALG_MD5, "MD5", _Md5Ctx, 16, 32, None),
        (c.ALG_RIPEMD160, "RIPEMD160", _Ripemd160Ctx, 20, 32, None),
        (c.ALG_SHA_1, "SHA1", _Sha1Ctx, 20, 32, None),
        (c.ALG_SHA_224, "SHA224", _Sha256Ctx, 28, 32, None),
        (c.ALG_SHA_256, "SHA256", _Sha256Ctx, 32, 32, None),
        (c.ALG_SHA_384, "SHA384", _Sha512Ctx, 48, 64, None),
        (c.ALG_SHA_512, "SHA512", _Sha512Ctx, 64, 64, None),
        (c.ALG_SHA_512_224, "SHA512", _Sha512Ctx, 28, 64, 28),
        (c.ALG_SHA_512_256, "SHA512", _Sha512Ctx, 32, 64, 32),
    ]
    bindings: dict[int, _Binding] = {}
    try:
        for alg, prefix, ctx_type, size, word_bits, truncated in table:
            bindings[alg] = _Binding(
                ctx_type,
                fn(f"{prefix}_Init"),
                fn(f"{prefix}_Update"),
                fn(f"{prefix}_Final"),
                size,
                word_bits,
                _SHA512_T_IV[truncated] if truncated else None,
                truncated,
            )
    except AttributeError:
        return False
    _LIB = lib
    _BINDINGS.update(bindings)
    try:
        ok = all(_self_test(alg) for alg in bindings)
    except Exception:  # pragma: no cover - a broken libcrypto must never break import
        ok = False
    if not ok:
        _BINDINGS.clear()
    return ok


#: Size of the buffer behind each context: generous, so that a libcrypto whose
#: struct had grown could never write past the end of our allocation.
_CTX_BUFFER = 512


class StatefulHash:
    """A running hash on a libcrypto context, with the spec's suspend state."""

    __slots__ = ("_binding", "_buf", "_ctx", "alg", "digest_size", "layout")

    def __init__(self, alg: int, _init: bool = True) -> None:
        binding = _BINDINGS[alg]
        self.alg = alg
        self.layout = LAYOUTS[alg]
        self.digest_size = binding.digest_size
        self._binding = binding
        self._buf = ctypes.create_string_buffer(_CTX_BUFFER)
        self._ctx: Any = binding.ctx_type.from_buffer(self._buf)
        if _init:
            binding.init(self._buf)
            if binding.iv is not None:
                for i, word in enumerate(binding.iv):
                    self._ctx.h[i] = word
                self._ctx.md_len = binding.md_len

    def update(self, data: bytes) -> None:
        if data:
            self._binding.update(self._buf, bytes(data), len(data))

    def copy(self) -> StatefulHash:
        other = StatefulHash(self.alg, _init=False)
        ctypes.memmove(other._buf, self._buf, _CTX_BUFFER)
        return other

    def digest(self) -> bytes:
        """The hash of everything so far; this object is unchanged."""
        work = self.copy()
        out = ctypes.create_string_buffer(64)
        work._binding.final(out, work._buf)
        return out.raw[: self.digest_size]

    def total_length(self) -> int:
        """Total input so far, in bytes."""
        bits = (int(self._ctx.Nh) << self._binding.word_bits) | int(self._ctx.Nl)
        return bits >> 3

    def export_state(self) -> tuple[bytes, int, bytes]:
        """(chaining state in the spec's encoding, total length, unprocessed bytes)."""
        layout = self.layout
        words = self._ctx.h
        state = b"".join(
            int(words[i]).to_bytes(layout.word_size, layout.byteorder)  # type: ignore[arg-type]
            for i in range(layout.words)
        )
        num = int(self._ctx.num)
        return state, self.total_length(), bytes(self._ctx.data[:num])

    @classmethod
    def import_state(cls, alg: int, state: bytes, total: int, unprocessed: bytes) -> StatefulHash:
        """A context continuing from an exported state (fields already validated)."""
        self = cls(alg)
        layout = self.layout
        for i in range(layout.words):
            chunk = state[i * layout.word_size : (i + 1) * layout.word_size]
            self._ctx.h[i] = int.from_bytes(chunk, layout.byteorder)  # type: ignore[arg-type]
        bits = total * 8
        half = self._binding.word_bits
        self._ctx.Nl = bits & ((1 << half) - 1)
        self._ctx.Nh = bits >> half
        ctypes.memmove(ctypes.addressof(self._ctx.data), bytes(unprocessed), len(unprocessed))
        self._ctx.num = len(unprocessed)
        return self


def _self_test(alg: int) -> bool:
    """Digest, copy and export/import round trip against hashlib."""
    names = {
        c.ALG_MD5: "md5",
        c.ALG_RIPEMD160: "ripemd160",
        c.ALG_SHA_1: "sha1",
        c.ALG_SHA_224: "sha224",
        c.ALG_SHA_256: "sha256",
        c.ALG_SHA_384: "sha384",
        c.ALG_SHA_512: "sha512",
        c.ALG_SHA_512_224: "sha512_224",
        c.ALG_SHA_512_256: "sha512_256",
    }
    message = bytes(range(256)) * 3
    try:
        expected = hashlib.new(names[alg], message).digest()
    except ValueError:
        expected = None  # hashlib lacks it (e.g. RIPEMD-160 without the legacy provider)
    h = StatefulHash(alg)
    h.update(message[:77])
    state, total, rest = h.export_state()
    if total != 77 or len(rest) != 77 % h.layout.block:
        return False
    resumed = StatefulHash.import_state(alg, state, total, rest)
    resumed.update(message[77:])
    h.update(message[77:])
    if resumed.digest() != h.digest() or h.copy().digest() != h.digest():
        return False
    return expected is None or h.digest() == expected


AVAILABLE: bool = _load()


def supports(alg: int) -> bool:
    """Whether ``alg`` runs on an exportable context here."""
    return alg in _BINDINGS
