"""Key-derivation functions of the software driver: the algorithms only, no policy.

Every derivation is an output stream (:class:`OutputStream`): ``read(n)`` returns the
next ``n`` bytes, so successive reads give exactly the bytes one large read would.
The core (:mod:`psacrypto.core.key_derivation`) collects the inputs, enforces the
spec's step rules, capacity and policy, and opens the stream at the first output.

Standards:

* HMAC: RFC 2104, over any hashlib-style constructor (``block_size``, ``copy``).
* HKDF, HKDF-Extract, HKDF-Expand: RFC 5869.
* TLS 1.2 PRF (``P_hash``): RFC 5246 section 5; the PSK premaster secret of
  RFC 4279 section 2 (and the DHE/ECDHE/RSA-PSK forms, which only change the
  other secret); EC J-PAKE to premaster secret: draft-cragie-tls-ecjpake section
  8.7 (SHA-256 of the x coordinate of the shared point).
* SP 800-108 counter mode (section 4.1) with a 32-bit big-endian counter before
  the fixed input data, over HMAC or CMAC; the PSA fixed-input layout
  ``Label || 0x00 || Context || [L]_4`` (and, for CMAC, the ``K_0`` suffix).
* PBKDF2: RFC 8018 section 5.2, with HMAC (OpenSSL through ``hashlib`` where it
  knows the hash) or with AES-CMAC-PRF-128 (RFC 4615) as the PRF.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from ... import constants as c
from ...errors import InsufficientDataError, InvalidArgumentError, NotSupportedError

#: A hashlib-style constructor: ``ctor(data=b"")`` returns an object with
#: ``update``, ``copy``, ``digest`` and ``block_size``.
HashConstructor = Callable[..., Any]
#: A pseudorandom function keyed once: message -> output block.
Prf = Callable[[bytes], bytes]

_IPAD = bytes(b ^ 0x36 for b in range(256))
_OPAD = bytes(b ^ 0x5C for b in range(256))
_BLOCK_SIZES: dict[HashConstructor, int] = {}


def _padded_key(ctor: HashConstructor, key: bytes) -> bytes:
    """The HMAC key ``K0`` of RFC 2104: hashed if longer than a block, zero-padded."""
    block_size = _BLOCK_SIZES.get(ctor)
    if block_size is None:
        block_size = _BLOCK_SIZES[ctor] = ctor().block_size
    if len(key) > block_size:
        key = ctor(key).digest()
    return key.ljust(block_size, b"\0")


class Hmac:
    """HMAC with one key: the padded-key hash states are computed once, so each
    MAC costs two hash-state copies (cheaper than :func:`hmac.digest` per call)."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, ctor: HashConstructor, key: bytes) -> None:
        key = _padded_key(ctor, key)
        self._inner = ctor(key.translate(_IPAD))
        self._outer = ctor(key.translate(_OPAD))

    def mac(self, data: bytes) -> bytes:
        """The HMAC of ``data``."""
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        result: bytes = outer.digest()
        return result


def hmac_digest(ctor: HashConstructor, key: bytes, data: bytes) -> bytes:
    """One HMAC (RFC 2104), for a key used once: no hash state is kept to copy."""
    key = _padded_key(ctor, key)
    inner = ctor(key.translate(_IPAD))
    inner.update(data)
    outer = ctor(key.translate(_OPAD))
    outer.update(inner.digest())
    result: bytes = outer.digest()
    return result


# Output streams ---------------------------------------------------------------------------


class OutputStream:
    """The output of a derivation as a byte stream, produced block by block."""

    __slots__ = ("_pending",)

    def __init__(self, pending: bytes = b"") -> None:
        self._pending = pending

    def _produce(self, wanted: int) -> bytes:
        """At least one more byte of output (``wanted`` more are needed)."""
        raise InsufficientDataError("the derivation has no more output")

    def read(self, n: int) -> bytes:
        pending = self._pending
        if n <= len(pending):
            self._pending = pending[n:]
            return pending[:n]
        chunk = self._produce(n - len(pending))
        have = len(pending) + len(chunk)
        if have >= n:
            data = pending + chunk if pending else chunk
        else:
            parts = [pending, chunk]
            while have < n:
                chunk = self._produce(n - have)
                parts.append(chunk)
                have += len(chunk)
            data = b"".join(parts)
        self._pending = data[n:]
        return data[:n]


class HkdfExpand(OutputStream):
    """HKDF-Expand (RFC 5869 section 2.3): ``T(i) = HMAC(PRK, T(i-1) || info || i)``.
    The first block is a one-shot HMAC; the keyed :class:`Hmac` is only made for a
    longer output."""

    __slots__ = ("_ctor", "_hmac", "_index", "_info", "_last", "_prk")

    def __init__(self, ctor: HashConstructor, prk: bytes, info: bytes) -> None:
        self._pending = b""
        self._ctor = ctor
        self._hmac: Hmac | None = None
        self._prk = prk
        self._info = info
        self._last = b""
        self._index = 0

    def _produce(self, wanted: int) -> bytes:
        index = self._index + 1
        if index == 1:
            self._last = hmac_digest(self._ctor, self._prk, self._info + b"\x01")
        elif index > 255:
            raise InsufficientDataError("HKDF-Expand gives at most 255 blocks")
        else:
            mac = self._hmac
            if mac is None:
                mac = self._hmac = Hmac(self._ctor, self._prk)
            self._last = mac.mac(self._last + self._info + bytes((index,)))
        self._index = index
        return self._last


def hkdf_extract(ctor: HashConstructor, salt: bytes, ikm: bytes) -> bytes:
    """HKDF-Extract (RFC 5869 section 2.2): ``PRK = HMAC(salt, IKM)``."""
    return hmac_digest(ctor, salt, ikm)


class Tls12Prf(OutputStream):
    """``P_hash(secret, label || seed)`` of RFC 5246 section 5."""

    __slots__ = ("_a", "_hmac", "_seed")

    def __init__(self, ctor: HashConstructor, secret: bytes, label: bytes, seed: bytes) -> None:
        super().__init__()
        self._hmac = Hmac(ctor, secret)
        self._seed = label + seed
        self._a = self._seed  # A(0)

    def _produce(self, wanted: int) -> bytes:
        self._a = self._hmac.mac(self._a)
        return self._hmac.mac(self._a + self._seed)


def tls12_psk_premaster(psk: bytes, other_secret: bytes | None) -> bytes:
    """The premaster secret of a TLS 1.2 PSK suite (RFC 4279 section 2):
    ``uint16 len || other_secret || uint16 len || psk``; a plain PSK suite's other
    secret is as many zero bytes as the PSK."""
    if other_secret is None:
        other_secret = bytes(len(psk))
    if len(psk) > 0xFFFF or len(other_secret) > 0xFFFF:
        raise InvalidArgumentError("TLS 1.2 premaster secret parts are at most 65535 bytes")
    return len(other_secret).to_bytes(2, "big") + other_secret + len(psk).to_bytes(2, "big") + psk


#: Length of the EC J-PAKE shared point (uncompressed secp256r1).
ECJPAKE_POINT_SIZE = 65


def tls12_ecjpake_to_pms(point: bytes) -> bytes:
    """The TLS 1.2 premaster secret from an EC J-PAKE shared point:
    SHA-256 of its x coordinate (draft-cragie-tls-ecjpake section 8.7)."""
    if len(point) != ECJPAKE_POINT_SIZE or point[0] != 0x04:
        raise InvalidArgumentError("the EC J-PAKE secret is a 65-byte uncompressed P-256 point")
    return hashlib.sha256(point[1:33]).digest()


class CounterKdf(OutputStream):
    """SP 800-108 counter mode: ``K(i) = PRF([i]_4 || fixed)`` for ``i = 1, 2, ...``
    (32-bit big-endian counter before the fixed input data)."""

    __slots__ = ("_fixed", "_index", "_prf")

    def __init__(self, prf: Prf, fixed: bytes) -> None:
        super().__init__()
        self._prf = prf
        self._fixed = fixed
        self._index = 0

    def _produce(self, wanted: int) -> bytes:
        if self._index == 0xFFFFFFFF:
            raise InsufficientDataError("the 32-bit counter is exhausted")
        self._index += 1
        return self._prf(self._index.to_bytes(4, "big") + self._fixed)


def _sp800_108_fixed(label: bytes, context: bytes, length_bits: int) -> bytes:
    if b"\0" in label:
        raise InvalidArgumentError("an SP 800-108 label must not contain a zero byte")
    return label + b"\0" + context + length_bits.to_bytes(4, "big")


def sp800_108_counter_hmac(
    ctor: HashConstructor, key: bytes, label: bytes, context: bytes, length_bits: int
) -> CounterKdf:
    """PSA_ALG_SP800_108_COUNTER_HMAC: ``HMAC(K_IN, [i]_4 || Label || 0 || Context || [L]_4)``."""
    return CounterKdf(Hmac(ctor, key).mac, _sp800_108_fixed(label, context, length_bits))


def sp800_108_counter_cmac(
    cmac_prf: Prf, label: bytes, context: bytes, length_bits: int
) -> CounterKdf:
    """PSA_ALG_SP800_108_COUNTER_CMAC over ``cmac_prf`` (CMAC with the key ``K_IN``), with
    the ``K_0`` hardening of SP 800-108r1: ``K_0 = CMAC(K_IN, Label || 0 || Context ||
    [L]_4)`` is appended to the fixed data."""
    fixed = _sp800_108_fixed(label, context, length_bits)
    return CounterKdf(cmac_prf, fixed + cmac_prf(fixed))


#: Key sizes (bytes) of the block ciphers SP 800-108 CMAC can use.
_CMAC_KEY_SIZES = {
    c.KEY_TYPE_AES: (16, 24, 32),
    c.KEY_TYPE_ARIA: (16, 24, 32),
    c.KEY_TYPE_CAMELLIA: (16, 24, 32),
    c.KEY_TYPE_SM4: (16,),
}


def check_cmac_key(key_type: int, bits: int) -> None:
    """Raise unless a key of ``key_type`` and ``bits`` can key CMAC."""
    sizes = _CMAC_KEY_SIZES.get(key_type)
    if sizes is None:
        raise InvalidArgumentError("CMAC needs a block-cipher key (AES, ARIA, Camellia, SM4)")
    if bits % 8 or bits // 8 not in sizes:
        raise InvalidArgumentError(f"a {bits}-bit key of this type cannot key CMAC")


# PBKDF2 -----------------------------------------------------------------------------------

#: Largest iteration count (hashlib and OpenSSL take a C int).
PBKDF2_MAX_ITERATIONS = 0x7FFFFFFF


def _check_iterations(iterations: int) -> None:
    if iterations < 1:
        raise InvalidArgumentError("the PBKDF2 iteration count must be at least 1")
    if iterations > PBKDF2_MAX_ITERATIONS:
        raise NotSupportedError(f"PBKDF2 iteration counts above {PBKDF2_MAX_ITERATIONS}")


class _Pbkdf2(OutputStream):
    """PBKDF2 (RFC 8018 section 5.2): block ``T_i = U_1 ^ ... ^ U_c`` with
    ``U_1 = PRF(P, S || INT(i))`` and ``U_j = PRF(P, U_{j-1})``."""

    __slots__ = ("_block", "_index", "_iterations", "_salt")

    def __init__(self, salt: bytes, iterations: int, block: int) -> None:
        super().__init__()
        _check_iterations(iterations)
        self._salt = salt
        self._iterations = iterations
        self._block = block
        self._index = 0

    def _first(self, message: bytes) -> bytes:
        raise NotImplementedError

    def _next(self, u: bytes) -> bytes:
        raise NotImplementedError

    def _produce(self, wanted: int) -> bytes:
        if self._index == 0xFFFFFFFF:
            raise InsufficientDataError("PBKDF2 gives at most 2^32 - 1 blocks")
        self._index += 1
        u = self._first(self._salt + self._index.to_bytes(4, "big"))
        t = int.from_bytes(u, "big")
        for _ in range(self._iterations - 1):
            u = self._next(u)
            t ^= int.from_bytes(u, "big")
        return t.to_bytes(self._block, "big")


class Pbkdf2Hmac(_Pbkdf2):
    """PBKDF2 with HMAC. With a hash OpenSSL knows (``name``), each run of blocks is
    one ``hashlib.pbkdf2_hmac`` call; that call always starts at block 1, so a read
    that continues a stream recomputes the blocks already read (reads that cross a
    block boundary many times cost more; one large read costs nothing extra)."""

    __slots__ = ("_done", "_hmac", "_name", "_password")

    def __init__(
        self,
        ctor: HashConstructor,
        name: str | None,
        password: bytes,
        salt: bytes,
        iterations: int,
    ) -> None:
        super().__init__(salt, iterations, ctor().digest_size)
        self._name = name
        self._password = password
        self._hmac = None if name else Hmac(ctor, password)  # the PRF without hashlib
        self._done = 0  # blocks produced through hashlib

    def _first(self, message: bytes) -> bytes:
        assert self._hmac is not None
        return self._hmac.mac(message)

    def _next(self, u: bytes) -> bytes:
        assert self._hmac is not None
        return self._hmac.mac(u)

    def _produce(self, wanted: int) -> bytes:
        if self._name is None:
            return super()._produce(wanted)
        blocks = -(-wanted // self._block)
        end = min(self._done + blocks, 0xFFFFFFFF)
        if end == self._done:
            raise InsufficientDataError("PBKDF2 gives at most 2^32 - 1 blocks")
        out = hashlib.pbkdf2_hmac(
            self._name, self._password, self._salt, self._iterations, end * self._block
        )
        start, self._done = self._done, end
        return out[start * self._block :]


def hashlib_name(ctor: HashConstructor) -> str | None:
    """The name ``hashlib.pbkdf2_hmac`` knows the hash of ``ctor`` by, if any."""
    name = getattr(ctor(), "name", None)
    if not isinstance(name, str):
        return None
    try:
        hashlib.pbkdf2_hmac(name, b"", b"", 1, 1)
    except (ValueError, TypeError):
        return None
    return name


def _aes_encryptor(key: bytes) -> Callable[[bytes], bytes]:
    return Cipher(algorithms.AES(key), modes.ECB()).encryptor().update


def aes_cmac(key: bytes, message: bytes) -> bytes:
    mac = cmac.CMAC(algorithms.AES(key))
    mac.update(message)
    return mac.finalize()


def _prf_128_key(key: bytes) -> bytes:
    """The AES key of AES-CMAC-PRF-128 (RFC 4615 section 3): a key that is not 16
    bytes is replaced by ``AES-CMAC(0^128, key)``."""
    return key if len(key) == 16 else aes_cmac(bytes(16), key)


def aes_cmac_prf_128(key: bytes, message: bytes) -> bytes:
    """AES-CMAC-PRF-128 (RFC 4615)."""
    return aes_cmac(_prf_128_key(key), message)


class Pbkdf2AesCmacPrf128(_Pbkdf2):
    """PBKDF2 with AES-CMAC-PRF-128. ``U_1`` is a general CMAC; every later ``U_j``
    is the CMAC of exactly one complete block, which SP 800-38B reduces to
    ``AES(U_{j-1} ^ K1)``, one ECB call per iteration."""

    __slots__ = ("_encrypt", "_k1", "_key")

    def __init__(self, password: bytes, salt: bytes, iterations: int) -> None:
        super().__init__(salt, iterations, 16)
        self._key = _prf_128_key(password)
        self._encrypt = _aes_encryptor(self._key)
        # SP 800-38B subkey K1: L = AES(0^128) doubled in GF(2^128).
        k1 = int.from_bytes(self._encrypt(bytes(16)), "big") << 1
        self._k1 = k1 ^ 0x100000000000000000000000000000087 if k1 >> 128 else k1

    def _first(self, message: bytes) -> bytes:
        return aes_cmac(self._key, message)

    def _next(self, u: bytes) -> bytes:
        return self._encrypt((int.from_bytes(u, "big") ^ self._k1).to_bytes(16, "big"))
