"""Ascon, from NIST SP 800-232 (2025): the permutation, Ascon-AEAD128,
Ascon-Hash256, Ascon-XOF128 and Ascon-CXOF128.

Pure Python, written from the standard: the state is five 64-bit words
``S0..S4``; byte strings map to words little-endian (SP 800-232 §2.1); the
round constants, substitution and linear layers are §3.2-3.4; the modes are
§4 (AEAD, rate 128 bits, p^12/p^8) and §5 (hash and XOFs, rate 64 bits, p^12).

Proven in tests/test_ascon.py on the Wycheproof ``ascon_sp800_232_aead128``
vectors and on the Ascon team's reference KATs (ascon-c ``LWC_*_KAT`` files)
for Ascon-Hash256, Ascon-XOF128 and Ascon-CXOF128.

Not constant-time (Python integers); tag comparison is constant-time.
"""

from __future__ import annotations

import hmac

_M = 0xFFFFFFFFFFFFFFFF

#: Round constants of p^12 (SP 800-232 Table 5); p^r uses the last r.
_RC = (0xF0, 0xE1, 0xD2, 0xC3, 0xB4, 0xA5, 0x96, 0x87, 0x78, 0x69, 0x5A, 0x4B)

AEAD128_IV = 0x00001000808C0001
HASH256_IV = 0x0000080100CC0002
XOF128_IV = 0x0000080000CC0003
CXOF128_IV = 0x0000080000CC0004

KEY_SIZE = 16
NONCE_SIZE = 16
TAG_SIZE = 16
#: Largest Ascon-CXOF128 customization string: 2048 bits (SP 800-232 §5.3).
CXOF_MAX_CUSTOMIZATION = 256

State = list[int]


def permute(s: State, rounds: int) -> None:
    """Apply p^rounds (rounds = 8 or 12) to ``s`` in place."""
    x0, x1, x2, x3, x4 = s
    m = _M
    for rc in _RC[12 - rounds :]:
        x2 ^= rc
        # substitution layer (the 5-bit S-box, bitsliced)
        x0 ^= x4
        x4 ^= x3
        x2 ^= x1
        t0 = (x0 ^ m) & x1
        t1 = (x1 ^ m) & x2
        t2 = (x2 ^ m) & x3
        t3 = (x3 ^ m) & x4
        t4 = (x4 ^ m) & x0
        x0 ^= t1
        x1 ^= t2
        x2 ^= t3
        x3 ^= t4
        x4 ^= t0
        x1 ^= x0
        x0 ^= x4
        x3 ^= x2
        x2 ^= m
        # linear diffusion layer: x ^= (x >>> a) ^ (x >>> b)
        x0 ^= ((x0 >> 19) | (x0 << 45) & m) ^ ((x0 >> 28) | (x0 << 36) & m)
        x1 ^= ((x1 >> 61) | (x1 << 3) & m) ^ ((x1 >> 39) | (x1 << 25) & m)
        x2 ^= ((x2 >> 1) | (x2 << 63) & m) ^ ((x2 >> 6) | (x2 << 58) & m)
        x3 ^= ((x3 >> 10) | (x3 << 54) & m) ^ ((x3 >> 17) | (x3 << 47) & m)
        x4 ^= ((x4 >> 7) | (x4 << 57) & m) ^ ((x4 >> 41) | (x4 << 23) & m)
    s[0], s[1], s[2], s[3], s[4] = x0, x1, x2, x3, x4


def _word(data: bytes, offset: int = 0) -> int:
    return int.from_bytes(data[offset : offset + 8], "little")


def _pad(data: bytes, rate: int) -> bytes:
    """``data || 0x01 || 0*`` to a multiple of ``rate`` bytes (SP 800-232 §2.1 pad)."""
    padded = data + b"\x01"
    return padded + bytes(-len(padded) % rate)


# ---------------------------------------------------------------- AEAD


def _aead_init(key: bytes, nonce: bytes) -> tuple[State, int, int]:
    if len(key) != KEY_SIZE:
        raise ValueError("Ascon-AEAD128 keys are 16 bytes")
    if len(nonce) != NONCE_SIZE:
        raise ValueError("Ascon-AEAD128 nonces are 16 bytes")
    k0, k1 = _word(key), _word(key, 8)
    s = [AEAD128_IV, k0, k1, _word(nonce), _word(nonce, 8)]
    permute(s, 12)
    s[3] ^= k0
    s[4] ^= k1
    return s, k0, k1


def _aead_ad(s: State, ad: bytes) -> None:
    if ad:
        padded = _pad(ad, 16)
        for i in range(0, len(padded), 16):
            s[0] ^= _word(padded, i)
            s[1] ^= _word(padded, i + 8)
            permute(s, 8)
    s[4] ^= 1 << 63  # domain separation


def _aead_tag(s: State, k0: int, k1: int) -> bytes:
    s[2] ^= k0
    s[3] ^= k1
    permute(s, 12)
    return ((s[3] ^ k0).to_bytes(8, "little")) + ((s[4] ^ k1).to_bytes(8, "little"))


def _block(s: State) -> bytes:
    return s[0].to_bytes(8, "little") + s[1].to_bytes(8, "little")


def aead_encrypt(key: bytes, nonce: bytes, ad: bytes, plaintext: bytes) -> tuple[bytes, bytes]:
    """Ascon-AEAD128 encryption (SP 800-232 Algorithm 3): ``(ciphertext, tag)``."""
    s, k0, k1 = _aead_init(key, nonce)
    _aead_ad(s, ad)
    out = []
    full = len(plaintext) - len(plaintext) % 16
    for i in range(0, full, 16):
        s[0] ^= _word(plaintext, i)
        s[1] ^= _word(plaintext, i + 8)
        out.append(_block(s))
        permute(s, 8)
    last = _pad(plaintext[full:], 16)
    s[0] ^= _word(last)
    s[1] ^= _word(last, 8)
    out.append(_block(s)[: len(plaintext) - full])
    return b"".join(out), _aead_tag(s, k0, k1)


def aead_decrypt(
    key: bytes, nonce: bytes, ad: bytes, ciphertext: bytes, tag: bytes
) -> bytes | None:
    """Ascon-AEAD128 decryption (SP 800-232 Algorithm 4): the plaintext, or
    ``None`` if the tag does not verify."""
    s, k0, k1 = _aead_init(key, nonce)
    _aead_ad(s, ad)
    out = []
    full = len(ciphertext) - len(ciphertext) % 16
    for i in range(0, full, 16):
        c0, c1 = _word(ciphertext, i), _word(ciphertext, i + 8)
        out.append((s[0] ^ c0).to_bytes(8, "little") + (s[1] ^ c1).to_bytes(8, "little"))
        s[0], s[1] = c0, c1
        permute(s, 8)
    rest = ciphertext[full:]
    n = len(rest)
    keystream = _block(s)
    plain = bytes(a ^ b for a, b in zip(rest, keystream, strict=False))
    out.append(plain)
    # The state's first n bytes become the ciphertext bytes, then the padding bit.
    block = rest + bytes([keystream[n] ^ 0x01]) + keystream[n + 1 :]
    s[0], s[1] = _word(block), _word(block, 8)
    expected = _aead_tag(s, k0, k1)
    if not hmac.compare_digest(expected, bytes(tag)):
        return None
    return b"".join(out)


# ---------------------------------------------------------------- hash and XOFs


def _initial(iv: int) -> tuple[int, ...]:
    s = [iv, 0, 0, 0, 0]
    permute(s, 12)
    return tuple(s)


_HASH256_INIT = _initial(HASH256_IV)
_XOF128_INIT = _initial(XOF128_IV)
_CXOF128_INIT = _initial(CXOF128_IV)


class AsconSponge:
    """Ascon-Hash256 / Ascon-XOF128 / Ascon-CXOF128 with incremental absorb and
    squeeze: ``update`` until the first ``read``; ``read(n)`` continues the
    output stream."""

    __slots__ = ("_buf", "_out", "_s", "_squeezing")

    def __init__(self, initial: tuple[int, ...]) -> None:
        self._s: State = list(initial)
        self._buf = b""
        self._squeezing = False
        self._out = b""

    @classmethod
    def xof128(cls) -> AsconSponge:
        return cls(_XOF128_INIT)

    @classmethod
    def hash256(cls) -> AsconSponge:
        return cls(_HASH256_INIT)

    @classmethod
    def cxof128(cls, customization: bytes) -> AsconSponge:
        """Ascon-CXOF128 with customization string ``customization`` (at most 256 bytes)."""
        if len(customization) > CXOF_MAX_CUSTOMIZATION:
            raise ValueError("the Ascon-CXOF128 customization string is at most 256 bytes")
        sponge = cls(_CXOF128_INIT)
        s = sponge._s
        s[0] ^= len(customization) * 8  # Z0: the bit length of Z
        permute(s, 12)
        padded = _pad(bytes(customization), 8)
        for i in range(0, len(padded), 8):
            s[0] ^= _word(padded, i)
            permute(s, 12)
        return sponge

    def copy(self) -> AsconSponge:
        other = AsconSponge.__new__(AsconSponge)
        other._s = list(self._s)
        other._buf = self._buf
        other._squeezing = self._squeezing
        other._out = self._out
        return other

    def update(self, data: bytes) -> None:
        if self._squeezing:
            raise ValueError("the sponge is already squeezing")
        buf = self._buf + bytes(data)
        full = len(buf) - len(buf) % 8
        s = self._s
        for i in range(0, full, 8):
            s[0] ^= _word(buf, i)
            permute(s, 12)
        self._buf = buf[full:]

    def _finalize(self) -> None:
        s = self._s
        s[0] ^= _word(_pad(self._buf, 8))
        permute(s, 12)
        self._buf = b""
        self._squeezing = True
        self._out = s[0].to_bytes(8, "little")

    def read(self, n: int) -> bytes:
        """The next ``n`` bytes of output."""
        if not self._squeezing:
            self._finalize()
        out = self._out
        s = self._s
        parts = [out[:n]]
        got = len(parts[0])
        out = out[got:]
        while got < n:
            permute(s, 12)
            block = s[0].to_bytes(8, "little")
            take = min(8, n - got)
            parts.append(block[:take])
            out = block[take:]
            got += take
        self._out = out
        return b"".join(parts)

    def digest(self, n: int = 32) -> bytes:
        """``n`` bytes of output from a copy (this sponge is unchanged)."""
        return self.copy().read(n)


def hash256(data: bytes) -> bytes:
    """Ascon-Hash256 (SP 800-232 §5.1)."""
    h = AsconSponge.hash256()
    h.update(data)
    return h.read(32)


def xof128(data: bytes, length: int) -> bytes:
    """Ascon-XOF128 (SP 800-232 §5.2), ``length`` bytes."""
    h = AsconSponge.xof128()
    h.update(data)
    return h.read(length)


def cxof128(data: bytes, customization: bytes, length: int) -> bytes:
    """Ascon-CXOF128 (SP 800-232 §5.3), ``length`` bytes."""
    h = AsconSponge.cxof128(customization)
    h.update(data)
    return h.read(length)


class AsconHash256:
    """A hashlib-style object for ``psacrypto.core.hash``: ``update``, ``copy``,
    ``digest()`` (32 bytes)."""

    __slots__ = ("_sponge",)

    digest_size = 32
    block_size = 8

    def __init__(self, data: bytes = b"") -> None:
        self._sponge = AsconSponge.hash256()
        if data:
            self._sponge.update(data)

    def update(self, data: bytes) -> None:
        self._sponge.update(data)

    def copy(self) -> AsconHash256:
        other = AsconHash256.__new__(AsconHash256)
        other._sponge = self._sponge.copy()
        return other

    def digest(self) -> bytes:
        return self._sponge.digest(32)

    def hexdigest(self) -> str:
        return self.digest().hex()
