"""Symmetric engines of the software driver: MAC, unauthenticated cipher and AEAD.

Each engine is bound to one key (material already validated by the core) and one
algorithm, and is built once per (key, algorithm): the core keeps it in the key
slot's cache, so a repeated call costs a dictionary lookup and the primitive call.

Where pyca/cryptography (or hashlib's OpenSSL HMAC) has the primitive, it is used
directly, because it is the fastest code Python can reach. What pyca lacks comes
from :mod:`.primitives`: the ARIA block cipher, the generic block-cipher modes
(CTR/GCM for Camellia and DES, CCM for every cipher but AES, CBC-MAC, CCM*, XTS for
AES-192 and the other 128-bit ciphers, GCM with nonces pyca refuses), XChaCha20 and
Ascon-AEAD128.

Conventions:

* A *stream* is a pair ``(update, finish)`` of callables: ``update(data) -> bytes``
  and ``finish() -> bytes`` for ciphers, ``update(data) -> None`` and ``finish() ->
  mac`` for MACs. The core's operation objects keep the two bound methods.
* Errors are the PSA ones (:mod:`psacrypto.errors`). The only exceptions: the fast
  single-part AEAD callables (:attr:`AeadKey.encrypt`/:attr:`AeadKey.decrypt`) may
  raise pyca's ``ValueError``/``OverflowError``/``InternalError`` (an argument pyca
  refuses, or lets through to OpenSSL which refuses it: the core
  then calls :meth:`AeadKey.checked_encrypt`/:meth:`AeadKey.checked_decrypt`, which
  validate with the spec's errors or compute by another route) and ``InvalidTag``.

This module knows nothing of policies or key ids; which (key type, size, algorithm)
combinations are valid is decided before an engine is built (see the core's
``mac``/``cipher``/``aead`` modules).
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable
from typing import Any, cast

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.decrepit.ciphers import algorithms as decrepit_algorithms
from cryptography.hazmat.decrepit.ciphers import modes as decrepit_modes
from cryptography.hazmat.primitives import cmac
from cryptography.hazmat.primitives.ciphers import (
    BlockCipherAlgorithm,
    Cipher,
    CipherContext,
    algorithms,
)
from cryptography.hazmat.primitives.ciphers import modes as pyca_modes
from cryptography.hazmat.primitives.ciphers.aead import AESCCM, AESGCM, ChaCha20Poly1305

from ... import constants as c
from ...errors import (
    InvalidArgumentError,
    InvalidPaddingError,
    InvalidSignatureError,
    NotSupportedError,
)
from .primitives import modes as generic
from .primitives import xchacha
from .primitives.aria import Aria

try:  # CPython's OpenSSL HMAC object: a copy-update-digest is ~20% faster than hmac.HMAC's
    import _hashlib

    _openssl_hmac_new: Any = _hashlib.hmac_new
except (ImportError, AttributeError):  # pragma: no cover - other Pythons
    _openssl_hmac_new = None

BytesLike = bytes | bytearray | memoryview
Update = Callable[[BytesLike], bytes]
Finish = Callable[[], bytes]
CipherStream = tuple[Update, Finish]
MacUpdate = Callable[[BytesLike], None]
MacStream = tuple[MacUpdate, Finish]

#: Block size of each block-cipher key type.
BLOCK_SIZE: dict[int, int] = {
    c.KEY_TYPE_AES: 16,
    c.KEY_TYPE_ARIA: 16,
    c.KEY_TYPE_CAMELLIA: 16,
    c.KEY_TYPE_SM4: 16,
    c.KEY_TYPE_DES: 8,
}

# --- block ciphers ----------------------------------------------------------------------


def _des3_key(key: bytes) -> bytes:
    """DES (8 bytes) and 2-key 3DES (16 bytes) as the equivalent 3-key 3DES key."""
    if len(key) == 8:
        return key * 3
    if len(key) == 16:
        return key + key[:8]
    return key


def pyca_block(key_type: int, key: bytes) -> BlockCipherAlgorithm | None:
    """pyca's algorithm object for a block-cipher key, or None (ARIA)."""
    if key_type == c.KEY_TYPE_AES:
        return algorithms.AES(key)
    if key_type == c.KEY_TYPE_CAMELLIA:
        return decrepit_algorithms.Camellia(key)
    if key_type == c.KEY_TYPE_SM4:
        return algorithms.SM4(key)
    if key_type == c.KEY_TYPE_DES:
        return decrepit_algorithms.TripleDES(_des3_key(key))
    return None


def block_cipher(key_type: int, key: bytes) -> generic.BlockCipher:
    """The block cipher of a key as the generic modes take it (ECB functions)."""
    algorithm = pyca_block(key_type, key)
    if algorithm is not None:
        return generic.PycaBlockCipher(algorithm)
    if key_type == c.KEY_TYPE_ARIA:
        return Aria(key)
    raise NotSupportedError(f"key type 0x{key_type:04x} is not a supported block cipher")


def _pyca_stream(context: CipherContext) -> CipherStream:
    """A pyca cipher context as a stream; an incomplete final block is INVALID_ARGUMENT."""

    def finish() -> bytes:
        try:
            return context.finalize()
        except ValueError:
            raise InvalidArgumentError("the input is not a whole number of blocks") from None

    return context.update, finish


def _generic_stream(stream: generic.CipherStream) -> CipherStream:
    return stream.update, stream.finish


class _Pkcs7Encryptor:
    """CBC with PKCS#7 padding on a pyca CBC context: pad at the end."""

    __slots__ = ("_bs", "_context", "_length")

    def __init__(self, context: CipherContext, block_size: int) -> None:
        self._context = context
        self._bs = block_size
        self._length = 0

    def update(self, data: BytesLike) -> bytes:
        self._length += len(data)
        return self._context.update(data)

    def finish(self) -> bytes:
        pad = self._bs - self._length % self._bs
        return self._context.update(bytes((pad,)) * pad) + self._context.finalize()


class _Pkcs7Decryptor:
    """CBC with PKCS#7 padding on a pyca CBC context: the last block is held back
    until :meth:`finish`, which checks and strips the padding."""

    __slots__ = ("_bs", "_context", "_tail")

    def __init__(self, context: CipherContext, block_size: int) -> None:
        self._context = context
        self._bs = block_size
        self._tail = b""

    def update(self, data: BytesLike) -> bytes:
        out = self._tail + self._context.update(data)
        if len(out) > self._bs:
            self._tail = out[-self._bs :]
            return out[: -self._bs]
        self._tail = out
        return b""

    def finish(self) -> bytes:
        try:
            self._context.finalize()
        except ValueError:
            raise InvalidArgumentError("the input is not a whole number of blocks") from None
        block, self._tail = self._tail, b""
        if len(block) != self._bs:
            raise InvalidArgumentError("CBC-PKCS7 input is not a positive number of blocks")
        pad = block[-1]
        good = 0 < pad <= self._bs
        n = pad if good else self._bs
        if not (hmac.compare_digest(block[self._bs - n :], bytes((pad,)) * n) and good):
            raise InvalidPaddingError("invalid PKCS#7 padding")
        return block[: self._bs - pad]


class _BufferedXts:
    """XTS on pyca for a single call: pyca (OpenSSL) treats each update as a whole data
    unit, so everything is collected and processed at :meth:`finish`."""

    __slots__ = ("_algorithm", "_chunks", "_encrypt", "_tweak")

    def __init__(self, algorithm: BlockCipherAlgorithm, tweak: bytes, encrypt: bool) -> None:
        self._algorithm = algorithm
        self._tweak = tweak
        self._encrypt = encrypt
        self._chunks: list[bytes] = []

    def update(self, data: BytesLike) -> bytes:
        self._chunks.append(bytes(data))
        return b""

    def finish(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks = []
        if len(data) < 16:
            raise InvalidArgumentError("XTS needs at least one whole block")
        cipher = Cipher(self._algorithm, pyca_modes.XTS(self._tweak))
        context = cipher.encryptor() if self._encrypt else cipher.decryptor()
        return context.update(data) + context.finalize()


# --- unauthenticated ciphers -----------------------------------------------------------

#: Modes with an IV of exactly one block.
_BLOCK_IV_MODES = frozenset((c.ALG_CBC_NO_PADDING, c.ALG_CBC_PKCS7, c.ALG_CFB, c.ALG_OFB))
_PYCA_CTR = frozenset((c.KEY_TYPE_AES, c.KEY_TYPE_SM4))
_ARC4_BITS = frozenset((40, 56, 64, 80, 128, 160, 192, 256))


def cipher_iv_length(key_type: int, alg: int) -> int:
    """The default IV length of a (valid) key type and cipher algorithm."""
    if alg == c.ALG_STREAM_CIPHER:
        return {c.KEY_TYPE_CHACHA20: 12, c.KEY_TYPE_XCHACHA20: 24}.get(key_type, 0)
    if alg == c.ALG_ECB_NO_PADDING:
        return 0
    if alg == c.ALG_CCM_STAR_NO_TAG:
        return 13
    return BLOCK_SIZE[key_type]


class CipherKey:
    """An unauthenticated cipher algorithm bound to one key.

    :meth:`start` opens a multi-part stream for an IV (``b""`` when the algorithm
    takes none); :meth:`encrypt` and :meth:`decrypt` are the single-part functions,
    whose message format is the IV followed by the ciphertext. ``single`` is another
    way to start a stream that is only ever given the whole message at once (pyca's
    XTS, which treats every call as a complete data unit).
    """

    __slots__ = ("_single", "_starter", "iv_length")

    def __init__(
        self,
        iv_length: int,
        starter: Callable[[bytes, bool], CipherStream],
        single: Callable[[bytes, bool], CipherStream] | None = None,
    ) -> None:
        self.iv_length = iv_length
        self._starter = starter
        self._single = single or starter

    def start(self, iv: BytesLike, encrypt: bool) -> CipherStream:
        """A new stream; raises ``InvalidArgumentError`` for an IV of a wrong length."""
        return self._starter(bytes(iv), encrypt)

    def encrypt(self, data: BytesLike) -> bytes:
        iv = os.urandom(self.iv_length) if self.iv_length else b""
        update, finish = self._single(iv, True)
        return iv + update(data) + finish()

    def decrypt(self, data: BytesLike) -> bytes:
        n = self.iv_length
        if len(data) < n:
            raise InvalidArgumentError("the input is shorter than the IV")
        view = memoryview(data)
        update, finish = self._single(bytes(view[:n]), False)
        return update(view[n:]) + finish()


def _check_iv(iv: bytes, sizes: tuple[int, ...], what: str) -> None:
    if len(iv) not in sizes:
        raise InvalidArgumentError(f"the {what} IV must be {' or '.join(map(str, sizes))} bytes")


def cipher_key(key_type: int, key: bytes, alg: int) -> CipherKey:
    """The engine of cipher ``alg`` with ``key`` (whose type and size fit ``alg``)."""
    iv_length = cipher_iv_length(key_type, alg)
    if alg == c.ALG_STREAM_CIPHER:
        return CipherKey(iv_length, _stream_starter(key_type, key))
    if alg == c.ALG_XTS:
        return _xts_key(key_type, key)
    bs = BLOCK_SIZE[key_type]
    algorithm = pyca_block(key_type, key)
    if algorithm is None:
        cipher = block_cipher(key_type, key)
    else:
        cipher = generic.PycaBlockCipher(algorithm)

    def pyca(mode: Any, encrypt: bool) -> CipherContext:
        assert algorithm is not None
        obj = Cipher(algorithm, mode)
        return obj.encryptor() if encrypt else obj.decryptor()

    if alg == c.ALG_ECB_NO_PADDING:
        if algorithm is not None:
            return CipherKey(0, lambda iv, enc: _pyca_stream(pyca(pyca_modes.ECB(), enc)))
        return CipherKey(0, lambda iv, enc: _generic_stream(generic.Ecb(cipher, enc)))
    if alg == c.ALG_CCM_STAR_NO_TAG:

        def ccm_star(iv: bytes, encrypt: bool) -> CipherStream:
            _check_iv(iv, tuple(range(7, 14)), "CCM*")
            return _generic_stream(generic.CcmStarNoTag(cipher, iv))

        return CipherKey(iv_length, ccm_star)
    if alg == c.ALG_CTR:

        def ctr(iv: bytes, encrypt: bool) -> CipherStream:
            if not 1 <= len(iv) <= bs:
                raise InvalidArgumentError(f"the CTR IV must be 1 to {bs} bytes")
            if algorithm is not None and key_type in _PYCA_CTR:
                return _pyca_stream(pyca(pyca_modes.CTR(iv.ljust(bs, b"\0")), encrypt))
            return _generic_stream(generic.Ctr(cipher, iv))

        return CipherKey(iv_length, ctr)
    if alg in _BLOCK_IV_MODES:

        def block_iv(iv: bytes, encrypt: bool) -> CipherStream:
            _check_iv(iv, (bs,), "block-cipher mode")
            if algorithm is None:
                if alg == c.ALG_CFB:
                    return _generic_stream(generic.Cfb(cipher, iv, encrypt))
                if alg == c.ALG_OFB:
                    return _generic_stream(generic.Ofb(cipher, iv))
                return _generic_stream(
                    generic.Cbc(cipher, iv, encrypt, padding=alg == c.ALG_CBC_PKCS7)
                )
            if alg == c.ALG_CFB:
                return _pyca_stream(pyca(decrepit_modes.CFB(iv), encrypt))
            if alg == c.ALG_OFB:
                return _pyca_stream(pyca(decrepit_modes.OFB(iv), encrypt))
            context = pyca(pyca_modes.CBC(iv), encrypt)
            if alg == c.ALG_CBC_NO_PADDING:
                return _pyca_stream(context)
            padder = _Pkcs7Encryptor(context, bs) if encrypt else _Pkcs7Decryptor(context, bs)
            return padder.update, padder.finish

        return CipherKey(iv_length, block_iv)
    raise NotSupportedError(f"cipher algorithm 0x{alg:08x} is not supported")


def _stream_starter(key_type: int, key: bytes) -> Callable[[bytes, bool], CipherStream]:
    if key_type == c.KEY_TYPE_CHACHA20:

        def chacha(iv: bytes, encrypt: bool) -> CipherStream:
            _check_iv(iv, (12, 16, 8), "ChaCha20")
            return _generic_stream(xchacha.chacha20_stream(key, iv))

        return chacha
    if key_type == c.KEY_TYPE_XCHACHA20:

        def x_chacha(iv: bytes, encrypt: bool) -> CipherStream:
            _check_iv(iv, (24, 32), "XChaCha20")
            return _generic_stream(xchacha.xchacha20_stream(key, iv))

        return x_chacha
    if key_type == c.KEY_TYPE_ARC4:
        if len(key) * 8 not in _ARC4_BITS:
            raise NotSupportedError(f"ARC4 with a {len(key) * 8}-bit key is not supported")

        def arc4(iv: bytes, encrypt: bool) -> CipherStream:
            context = Cipher(decrepit_algorithms.ARC4(key), mode=None).encryptor()
            return _pyca_stream(context)

        return arc4
    raise NotSupportedError(f"no stream cipher for key type 0x{key_type:04x}")


def _xts_key(key_type: int, key: bytes) -> CipherKey:
    half = len(key) // 2
    data_key, tweak_key = key[:half], key[half:]
    if hmac.compare_digest(data_key, tweak_key):
        raise InvalidArgumentError("the two halves of an XTS key must differ")
    data_cipher = block_cipher(key_type, data_key)
    tweak_cipher = block_cipher(key_type, tweak_key)

    def xts(iv: bytes, encrypt: bool) -> CipherStream:
        # Multi-part: the generic mode, which holds back at most 31 bytes.
        _check_iv(iv, (16,), "XTS")
        return _generic_stream(generic.Xts(data_cipher, tweak_cipher, iv, encrypt))

    if key_type != c.KEY_TYPE_AES or half not in (16, 32):
        return CipherKey(16, xts)
    algorithm = algorithms.AES(key)

    def xts_single(iv: bytes, encrypt: bool) -> CipherStream:
        # Single-part: one OpenSSL call over the whole message.
        _check_iv(iv, (16,), "XTS")
        buffered = _BufferedXts(algorithm, iv, encrypt)
        return buffered.update, buffered.finish

    return CipherKey(16, xts, xts_single)


# --- MACs -------------------------------------------------------------------------------

#: OpenSSL names of the hashes of the spec's HMAC table that OpenSSL's HMAC takes by name.
_OPENSSL_HMAC_NAMES: dict[int, str] = {
    c.ALG_MD5: "md5",
    c.ALG_RIPEMD160: "ripemd160",
    c.ALG_SHA_1: "sha1",
    c.ALG_SHA_224: "sha224",
    c.ALG_SHA_256: "sha256",
    c.ALG_SHA_384: "sha384",
    c.ALG_SHA_512: "sha512",
    c.ALG_SHA_512_224: "sha512_224",
    c.ALG_SHA_512_256: "sha512_256",
    c.ALG_SHA3_224: "sha3_224",
    c.ALG_SHA3_256: "sha3_256",
    c.ALG_SHA3_384: "sha3_384",
    c.ALG_SHA3_512: "sha3_512",
    c.ALG_SM3: "sm3",
    c.ALG_BLAKE2S_HASH256: "blake2s256",
    c.ALG_BLAKE2B_HASH512: "blake2b512",
}


def _openssl_hmac(name: str, key: bytes) -> Any:
    if _openssl_hmac_new is None:
        return None
    try:
        return _openssl_hmac_new(key, digestmod=name)
    except (ValueError, TypeError):  # this OpenSSL lacks the hash
        return None


def hmac_key(hash_alg: int, key: bytes, length: int, constructor: Any) -> MacKey:
    """HMAC over ``hash_alg``; ``constructor`` is the hash's constructor, used when
    OpenSSL's HMAC does not have the hash."""
    name = _OPENSSL_HMAC_NAMES.get(hash_alg)
    base = _openssl_hmac(name, key) if name else None
    if base is None:
        if constructor is None:
            raise NotSupportedError(f"HMAC over hash 0x{hash_alg:08x} is not supported")
        base = hmac.new(key, digestmod=constructor)
    copy = base.copy
    full = base.digest_size
    if length == full:

        def compute(data: BytesLike) -> bytes:
            h = copy()
            h.update(data)
            return h.digest()  # type: ignore[no-any-return]

        def new() -> MacStream:
            h = copy()
            return h.update, h.digest

    else:

        def compute(data: BytesLike) -> bytes:
            h = copy()
            h.update(data)
            return h.digest()[:length]  # type: ignore[no-any-return]

        def new() -> MacStream:
            h = copy()
            return h.update, lambda: h.digest()[:length]

    return MacKey(compute, new)


class MacKey:
    """A MAC algorithm bound to one key: ``compute(data) -> mac`` and ``new()`` for a
    multi-part stream. Both produce the (possibly truncated) MAC of the algorithm."""

    __slots__ = ("compute", "new")

    def __init__(self, compute: Callable[[BytesLike], bytes], new: Callable[[], MacStream]):
        self.compute = compute
        self.new = new


def _truncating(stream: MacStream, length: int) -> MacStream:
    update, finish = stream
    return update, lambda: finish()[:length]


def cmac_key(key_type: int, key: bytes, length: int) -> MacKey:
    """CMAC (SP 800-38B) with a block-cipher key."""
    algorithm = pyca_block(key_type, key)
    full = BLOCK_SIZE[key_type]
    if algorithm is not None:
        base = cmac.CMAC(algorithm)
        copy = base.copy

        def compute(data: BytesLike) -> bytes:
            ctx = copy()
            ctx.update(data)  # type: ignore[arg-type]  # pyca takes any buffer
            return ctx.finalize()[:length]

        def new() -> MacStream:
            ctx = copy()
            update = cast(MacUpdate, ctx.update)  # pyca takes any buffer
            return update, (ctx.finalize if length == full else lambda: ctx.finalize()[:length])

        return MacKey(compute, new)
    engine = generic.Cmac(block_cipher(key_type, key))

    def compute_generic(data: BytesLike) -> bytes:
        return engine.mac(data)[:length]

    def new_generic() -> MacStream:
        stream = engine.new()
        return _truncating((stream.update, stream.finish), length)

    return MacKey(compute_generic, new_generic)


def cbc_mac_key(key_type: int, key: bytes, length: int) -> MacKey:
    """CBC-MAC (ISO/IEC 9797-1 MAC algorithm 1, padding method 1: zero bytes up to a
    positive number of blocks) with a block-cipher key."""
    engine = generic.CbcMac(block_cipher(key_type, key), zero_pad=True)

    def compute(data: BytesLike) -> bytes:
        return engine.mac(data)[:length]

    def new() -> MacStream:
        stream = engine.new()
        return _truncating((stream.update, stream.finish), length)

    return MacKey(compute, new)


def blake2_mac_key(hash_constructor: Any, key: bytes, length: int) -> MacKey:
    """Keyed BLAKE2 (RFC 7693): the MAC length is BLAKE2's output-length parameter."""
    base = hash_constructor(key=key, digest_size=length)
    copy = base.copy

    def compute(data: BytesLike) -> bytes:
        h = copy()
        h.update(data)
        return h.digest()  # type: ignore[no-any-return]

    def new() -> MacStream:
        h = copy()
        return h.update, h.digest

    return MacKey(compute, new)


# --- AEAD -------------------------------------------------------------------------------

AeadFunction = Callable[[BytesLike, BytesLike, BytesLike | None], bytes]

#: Longest GCM nonce psacrypto accepts (bytes); GCM itself has no practical limit.
GCM_MAX_NONCE = 128


class AeadStream:
    """A multi-part AEAD computation on a driver object with update_ad/update/finish/verify."""

    __slots__ = ("finish", "update", "update_ad", "verify")

    def __init__(
        self,
        update_ad: Callable[[BytesLike], None],
        update: Update,
        finish: Callable[[], tuple[bytes, bytes]],
        verify: Callable[[BytesLike], bytes],
    ) -> None:
        self.update_ad = update_ad
        self.update = update
        self.finish = finish
        self.verify = verify


def _wrap_generic_aead(op: Any) -> AeadStream:
    """A generic-mode AEAD operation (finish() -> tag, verify(tag) -> None)."""

    def finish() -> tuple[bytes, bytes]:
        return b"", op.finish()  # type: ignore[no-any-return]

    def verify(tag: BytesLike) -> bytes:
        op.verify(tag)
        return b""

    return AeadStream(op.update_ad, op.update, finish, verify)


def _pyca_gcm_stream(
    algorithm: BlockCipherAlgorithm, nonce: bytes, encrypt: bool, tag_length: int
) -> AeadStream:
    if encrypt:
        enc = Cipher(algorithm, pyca_modes.GCM(nonce)).encryptor()

        def finish() -> tuple[bytes, bytes]:
            tail = enc.finalize()
            return tail, enc.tag[:tag_length]

        def no_verify(tag: BytesLike) -> bytes:  # pragma: no cover - guarded by the core
            raise InvalidSignatureError("not a decryption")

        return AeadStream(enc.authenticate_additional_data, enc.update, finish, no_verify)
    dec = Cipher(algorithm, pyca_modes.GCM(nonce, min_tag_length=4)).decryptor()

    def verify(tag: BytesLike) -> bytes:
        if len(tag) != tag_length:
            raise InvalidSignatureError("the tag has the wrong length")
        try:
            return dec.finalize_with_tag(bytes(tag))
        except InvalidTag:
            raise InvalidSignatureError("GCM tag mismatch") from None

    def no_finish() -> tuple[bytes, bytes]:  # pragma: no cover - guarded by the core
        raise InvalidSignatureError("not an encryption")

    return AeadStream(dec.authenticate_additional_data, dec.update, no_finish, verify)


class AeadKey:
    """An AEAD algorithm (with its tag length) bound to one key.

    ``encrypt(nonce, plaintext, ad)`` returns ciphertext || tag, ``decrypt(nonce,
    ciphertext_and_tag, ad)`` the plaintext; both in pyca's argument order, and both
    may raise pyca's exceptions (see the module docstring; ``InvalidTag`` also when the
    input is shorter than the tag). :meth:`checked_encrypt`
    and :meth:`checked_decrypt` raise only PSA errors. :meth:`start` opens a
    multi-part stream; ``lengths`` is ``(ad_length, plaintext_length)`` or None.
    """

    __slots__ = ("_checked_decrypt", "_checked_encrypt", "_start", "decrypt", "encrypt")

    def __init__(
        self,
        encrypt: AeadFunction,
        decrypt: AeadFunction,
        checked_encrypt: AeadFunction,
        checked_decrypt: AeadFunction,
        start: Callable[[bytes, bool, tuple[int, int] | None], AeadStream],
    ) -> None:
        self.encrypt = encrypt
        self.decrypt = decrypt
        self._checked_encrypt = checked_encrypt
        self._checked_decrypt = checked_decrypt
        self._start = start

    def checked_encrypt(self, nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        return self._checked_encrypt(nonce, data, ad)

    def checked_decrypt(self, nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        return self._checked_decrypt(nonce, data, ad)

    def start(self, nonce: BytesLike, encrypt: bool, lengths: tuple[int, int] | None) -> AeadStream:
        return self._start(bytes(nonce), encrypt, lengths)


def gcm_key(key_type: int, key: bytes, tag_length: int) -> AeadKey:
    """GCM (SP 800-38D) with a 128-bit block cipher key."""
    algorithm = pyca_block(key_type, key)
    generic_gcm = generic.Gcm(block_cipher(key_type, key))

    def generic_encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        _check_gcm_nonce(nonce)
        return generic_gcm.encrypt(nonce, data, ad or b"", tag_length)

    def generic_decrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        _check_gcm_nonce(nonce)
        return generic_gcm.decrypt(nonce, data, ad or b"", tag_length)

    def generic_start(nonce: bytes, encrypt: bool, lengths: tuple[int, int] | None) -> AeadStream:
        _check_gcm_nonce(nonce)
        return _wrap_generic_aead(generic_gcm.start(nonce, encrypt, tag_length))

    if algorithm is None or key_type not in _PYCA_CTR:  # pyca GCM: AES and SM4 only
        return AeadKey(
            generic_encrypt, generic_decrypt, generic_encrypt, generic_decrypt, generic_start
        )

    def start(nonce: bytes, encrypt: bool, lengths: tuple[int, int] | None) -> AeadStream:
        if 8 <= len(nonce) <= GCM_MAX_NONCE:
            assert algorithm is not None
            return _pyca_gcm_stream(algorithm, nonce, encrypt, tag_length)
        return generic_start(nonce, encrypt, lengths)

    def checked_encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        _check_gcm_nonce(nonce)
        if len(data) > _GCM_MAX_DATA or (ad is not None and len(ad) > _GCM_MAX_AD):
            raise InvalidArgumentError("input too long for GCM")
        if len(nonce) >= 8:
            return _single(start(bytes(nonce), True, None), data, ad)
        return generic_encrypt(nonce, data, ad)

    def checked_decrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        _check_gcm_nonce(nonce)
        if len(data) < tag_length:
            raise InvalidArgumentError("the input is shorter than the tag")
        if len(data) > _GCM_MAX_DATA + tag_length or (ad is not None and len(ad) > _GCM_MAX_AD):
            raise InvalidArgumentError("input too long for GCM")
        if len(nonce) >= 8:
            view = memoryview(data)
            cut = len(view) - tag_length
            stream = start(bytes(nonce), False, None)
            if ad:
                stream.update_ad(ad)
            out = stream.update(view[:cut])
            return out + stream.verify(view[cut:])
        return generic_decrypt(nonce, data, ad)

    if key_type == c.KEY_TYPE_AES:
        aead = AESGCM(key)
        if tag_length == 16:
            encrypt: AeadFunction = aead.encrypt
            decrypt: AeadFunction = aead.decrypt
        else:
            full_encrypt = aead.encrypt
            cut = 16 - tag_length

            def encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
                out = full_encrypt(nonce, data, ad)
                return out[: len(out) - cut]

            decrypt = checked_decrypt
        return AeadKey(encrypt, decrypt, checked_encrypt, checked_decrypt, start)
    return AeadKey(checked_encrypt, checked_decrypt, checked_encrypt, checked_decrypt, start)


_GCM_MAX_DATA = (1 << 36) - 32
_GCM_MAX_AD = (1 << 61) - 1


def _check_gcm_nonce(nonce: BytesLike) -> None:
    if not nonce:
        raise InvalidArgumentError("the GCM nonce is at least 1 byte")
    if len(nonce) > GCM_MAX_NONCE:
        raise NotSupportedError(f"GCM nonces longer than {GCM_MAX_NONCE} bytes")


def _single(stream: AeadStream, data: BytesLike, ad: BytesLike | None) -> bytes:
    if ad:
        stream.update_ad(ad)
    out = stream.update(data)
    tail, tag = stream.finish()
    return out + tail + tag


def _check_ccm(nonce: BytesLike, data_length: int, ad: BytesLike | None) -> None:
    if not 7 <= len(nonce) <= 13:
        raise InvalidArgumentError("the CCM nonce is 7 to 13 bytes")
    if data_length >= 1 << (8 * (15 - len(nonce))):
        raise InvalidArgumentError("message too long for the CCM nonce length")
    if ad is not None and len(ad) >= 1 << 64:  # pragma: no cover - not reachable in memory
        raise InvalidArgumentError("too much additional data for CCM")


class _PycaCcm:
    """Streaming CCM (SP 800-38C) on pyca contexts, for the ciphers pyca has in CBC
    mode: CBC encryption under a zero IV of B_0, the encoded additional data and the
    payload (each zero-padded to a block) is the CBC-MAC, whose last block is kept; the
    payload is encrypted in CTR mode from A_1. The core enforces the declared lengths
    and the order (all additional data, then the payload)."""

    __slots__ = ("_ctr", "_encrypting", "_fed", "_in_data", "_last", "_mac", "_mask", "_tag_length")

    def __init__(
        self,
        algorithm: BlockCipherAlgorithm,
        ctr: Update,
        nonce: bytes,
        lengths: tuple[int, int],
        encrypt: bool,
        tag_length: int,
    ) -> None:
        ad_length, pt_length = lengths
        q = 15 - len(nonce)
        flags = (0x40 if ad_length else 0) | ((tag_length - 2) // 2) << 3 | (q - 1)
        self._mac = Cipher(algorithm, pyca_modes.CBC(bytes(16))).encryptor()
        self._last = self._mac.update(bytes((flags,)) + nonce + pt_length.to_bytes(q, "big"))
        self._fed = 0
        if ad_length == 0:
            pass
        elif ad_length < 0xFF00:
            self._feed(ad_length.to_bytes(2, "big"))
        elif ad_length < 1 << 32:
            self._feed(b"\xff\xfe" + ad_length.to_bytes(4, "big"))
        else:
            self._feed(b"\xff\xff" + ad_length.to_bytes(8, "big"))
        a0 = bytes((q - 1,)) + nonce + bytes(q)
        ecb = Cipher(algorithm, pyca_modes.ECB()).encryptor()
        self._mask = ecb.update(a0)
        self._ctr = ctr
        self._encrypting = encrypt
        self._tag_length = tag_length
        self._in_data = False

    def _feed(self, data: BytesLike) -> None:
        out = self._mac.update(data)
        self._fed += len(data)
        if out:
            self._last = out[-16:]

    def _align(self) -> None:
        if self._fed % 16:
            self._feed(bytes(16 - self._fed % 16))

    def update_ad(self, data: BytesLike) -> None:
        self._feed(data)

    def update(self, data: BytesLike) -> bytes:
        if not self._in_data:
            self._align()
            self._in_data = True
        if self._encrypting:
            self._feed(data)
            return self._ctr(data)
        out = self._ctr(data)
        self._feed(out)
        return out

    def _tag(self) -> bytes:
        self._align()
        x = int.from_bytes(self._last, "big") ^ int.from_bytes(self._mask, "big")
        return x.to_bytes(16, "big")[: self._tag_length]

    def finish(self) -> tuple[bytes, bytes]:
        return b"", self._tag()

    def verify(self, tag: BytesLike) -> bytes:
        if not hmac.compare_digest(self._tag(), bytes(tag)):
            raise InvalidSignatureError("CCM tag mismatch")
        return b""


def ccm_key(key_type: int, key: bytes, tag_length: int) -> AeadKey:
    """CCM (SP 800-38C, RFC 3610) with a 128-bit block cipher key."""
    cipher = block_cipher(key_type, key)
    algorithm = pyca_block(key_type, key)
    generic_ccm = generic.Ccm(cipher)

    def start(nonce: bytes, encrypt: bool, lengths: tuple[int, int] | None) -> AeadStream:
        if lengths is None:  # pragma: no cover - guarded by the core
            raise InvalidArgumentError("CCM needs the lengths first")
        _check_ccm(nonce, lengths[1], None)
        if algorithm is None:  # ARIA: the generic mode
            op = generic_ccm.start(nonce, lengths[0], lengths[1], encrypt, tag_length)
            return _wrap_generic_aead(op)
        q = 15 - len(nonce)
        a1 = bytes((q - 1,)) + nonce + (1).to_bytes(q, "big")
        if key_type in _PYCA_CTR:
            ctr = Cipher(algorithm, pyca_modes.CTR(a1)).encryptor().update
        else:  # Camellia: pyca has CBC but no CTR
            ctr = generic.Ctr(cipher, a1).update
        fast = _PycaCcm(algorithm, ctr, nonce, lengths, encrypt, tag_length)
        return AeadStream(fast.update_ad, fast.update, fast.finish, fast.verify)

    def checked_encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        _check_ccm(nonce, len(data), ad)
        return _single(start(bytes(nonce), True, (len(ad or b""), len(data))), data, ad)

    def checked_decrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        if len(data) < tag_length:
            _check_ccm(nonce, 0, ad)
            raise InvalidArgumentError("the input is shorter than the tag")
        cut = len(data) - tag_length
        _check_ccm(nonce, cut, ad)
        view = memoryview(data)
        stream = start(bytes(nonce), False, (len(ad or b""), cut))
        if ad:
            stream.update_ad(ad)
        out = stream.update(view[:cut])
        return out + stream.verify(view[cut:])

    if key_type != c.KEY_TYPE_AES:
        return AeadKey(checked_encrypt, checked_decrypt, checked_encrypt, checked_decrypt, start)
    aead = AESCCM(key, tag_length)

    # pyca lets a message of exactly 2**(8L) bytes through to OpenSSL, which then fails
    # with InternalError; the core sends that, like ValueError, to the checked path.
    return AeadKey(aead.encrypt, aead.decrypt, checked_encrypt, checked_decrypt, start)


def chacha20_poly1305_key(key: bytes) -> AeadKey:
    """ChaCha20-Poly1305 (RFC 8439, 12-byte nonce)."""
    aead = ChaCha20Poly1305(key)

    def check(nonce: BytesLike) -> None:
        if len(nonce) == 8:
            raise NotSupportedError("the original (64-bit nonce) ChaCha20-Poly1305 variant")
        if len(nonce) != 12:
            raise InvalidArgumentError("the ChaCha20-Poly1305 nonce is 12 bytes")

    def checked_encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        check(nonce)
        return _single(start(bytes(nonce), True, None), data, ad)

    def checked_decrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        check(nonce)
        if len(data) < 16:
            raise InvalidArgumentError("the input is shorter than the tag")
        view = memoryview(data)
        stream = start(bytes(nonce), False, None)
        if ad:
            stream.update_ad(ad)
        out = stream.update(view[:-16])
        return out + stream.verify(view[-16:])

    def start(nonce: bytes, encrypt: bool, lengths: tuple[int, int] | None) -> AeadStream:
        check(nonce)
        return _wrap_generic_aead(xchacha.ChaCha20Poly1305Operation(key, nonce, encrypt))

    return AeadKey(
        aead.encrypt,
        aead.decrypt,
        checked_encrypt,
        checked_decrypt,
        start,
    )


def xchacha20_poly1305_key(key: bytes) -> AeadKey:
    """XChaCha20-Poly1305 (draft-irtf-cfrg-xchacha, 24-byte nonce)."""
    aead = xchacha.XChaCha20Poly1305(key)

    def check(nonce: BytesLike) -> None:
        if len(nonce) != 24:
            raise InvalidArgumentError("the XChaCha20-Poly1305 nonce is 24 bytes")

    def encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        check(nonce)
        return aead.encrypt(nonce, data, ad or b"")

    def decrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        check(nonce)
        return aead.decrypt(nonce, data, ad or b"")

    def start(nonce: bytes, encrypt: bool, lengths: tuple[int, int] | None) -> AeadStream:
        check(nonce)
        return _wrap_generic_aead(xchacha.ChaCha20Poly1305Operation(key, nonce, encrypt))

    return AeadKey(encrypt, decrypt, encrypt, decrypt, start)


class _BufferedAead:
    """A multi-part AEAD over a single-part primitive: the additional data and the
    message are collected and processed at the end (no output before then)."""

    __slots__ = ("_ad", "_data", "_decrypt", "_encrypt", "_nonce", "_tag_length")

    def __init__(
        self,
        nonce: bytes,
        encrypt: AeadFunction,
        decrypt: AeadFunction,
        tag_length: int,
    ) -> None:
        self._nonce = nonce
        self._encrypt = encrypt
        self._decrypt = decrypt
        self._tag_length = tag_length
        self._ad: list[bytes] = []
        self._data: list[bytes] = []

    def update_ad(self, data: BytesLike) -> None:
        self._ad.append(bytes(data))

    def update(self, data: BytesLike) -> bytes:
        self._data.append(bytes(data))
        return b""

    def finish(self) -> tuple[bytes, bytes]:
        sealed = self._encrypt(self._nonce, b"".join(self._data), b"".join(self._ad))
        cut = len(sealed) - self._tag_length
        return sealed[:cut], sealed[cut:]

    def verify(self, tag: BytesLike) -> bytes:
        if len(tag) != self._tag_length:
            raise InvalidSignatureError("the tag has the wrong length")
        return self._decrypt(self._nonce, b"".join(self._data) + bytes(tag), b"".join(self._ad))

    def stream(self) -> AeadStream:
        return AeadStream(self.update_ad, self.update, self.finish, self.verify)


def ascon_aead128_key(key: bytes) -> AeadKey:
    """Ascon-AEAD128 (NIST SP 800-232, 128-bit key, 16-byte nonce and tag), on the
    pure-Python :mod:`.primitives.ascon`. Multi-part operations are buffered."""
    from .primitives import ascon

    def check(nonce: BytesLike) -> None:
        if len(nonce) != ascon.NONCE_SIZE:
            raise InvalidArgumentError("the Ascon-AEAD128 nonce is 16 bytes")

    def encrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        check(nonce)
        ciphertext, tag = ascon.aead_encrypt(key, bytes(nonce), bytes(ad or b""), bytes(data))
        return ciphertext + tag

    def decrypt(nonce: BytesLike, data: BytesLike, ad: BytesLike | None) -> bytes:
        check(nonce)
        if len(data) < ascon.TAG_SIZE:
            raise InvalidArgumentError("the input is shorter than the tag")
        data = bytes(data)
        cut = len(data) - ascon.TAG_SIZE
        plaintext = ascon.aead_decrypt(key, bytes(nonce), bytes(ad or b""), data[:cut], data[cut:])
        if plaintext is None:
            raise InvalidSignatureError("Ascon-AEAD128 tag mismatch")
        return plaintext

    def start(nonce: bytes, encrypting: bool, lengths: tuple[int, int] | None) -> AeadStream:
        check(nonce)
        return _BufferedAead(nonce, encrypt, decrypt, ascon.TAG_SIZE).stream()

    return AeadKey(encrypt, decrypt, encrypt, decrypt, start)
