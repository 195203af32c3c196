"""Hash algorithms: one-shot functions and the hash operation.

One-shot hashing (``hash_compute``/``hash_compare``) stays on hashlib, the fastest
path Python offers. A multi-part operation of an algorithm for which the spec
defines a suspend-state format (MD5, RIPEMD-160, SHA-1, SHA-2) runs on an
exportable libcrypto context (:mod:`psacrypto.drivers.software.hash_state`), so
that ``suspend``/``resume`` produce and accept exactly the spec's hash suspend
state. If libcrypto cannot be loaded, those operations run on hashlib and
``suspend`` reports ``ERROR_NOT_SUPPORTED``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from .. import constants as c
from ..drivers.software import hash_state
from ..drivers.software.hash_extra import AesMmoZigbee, Blake2bp, Blake2sp
from ..drivers.software.primitives.ascon import AsconHash256
from ..errors import (
    InvalidArgumentError,
    InvalidSignatureError,
    NotSupportedError,
    PsaError,
)
from .operation import ACTIVE, INACTIVE, Operation
from .session import Session

_HashObject = Any
_Constructor = Callable[..., _HashObject]

#: Hash algorithms by constructor (hashlib where it has them). A constructor
#: takes the first input and returns an object with update/copy/digest.
CONSTRUCTORS: dict[int, _Constructor] = {
    c.ALG_MD5: hashlib.md5,
    c.ALG_SHA_1: hashlib.sha1,
    c.ALG_SHA_224: hashlib.sha224,
    c.ALG_SHA_256: hashlib.sha256,
    c.ALG_SHA_256_192: hashlib.sha256,
    c.ALG_SHA_384: hashlib.sha384,
    c.ALG_SHA_512: hashlib.sha512,
    c.ALG_SHA3_224: hashlib.sha3_224,
    c.ALG_SHA3_256: hashlib.sha3_256,
    c.ALG_SHA3_384: hashlib.sha3_384,
    c.ALG_SHA3_512: hashlib.sha3_512,
    c.ALG_SHAKE128_256: hashlib.shake_128,
    c.ALG_SHAKE256_192: hashlib.shake_256,
    c.ALG_SHAKE256_256: hashlib.shake_256,
    c.ALG_SHAKE256_512: hashlib.shake_256,
    c.ALG_BLAKE2S_HASH256: hashlib.blake2s,
    c.ALG_BLAKE2B_HASH512: hashlib.blake2b,
    c.ALG_BLAKE2SP_HASH256: Blake2sp,
    c.ALG_BLAKE2BP_HASH512: Blake2bp,
    c.ALG_AES_MMO_ZIGBEE: AesMmoZigbee,
    c.ALG_ASCON_HASH256: AsconHash256,
}


def _add_openssl(alg: int, name: str) -> None:
    """Hashes hashlib only offers by name, when this OpenSSL has them."""
    try:
        hashlib.new(name)
    except ValueError:
        return
    CONSTRUCTORS[alg] = lambda data=b"": hashlib.new(name, data)


_add_openssl(c.ALG_SHA_512_224, "sha512_224")
_add_openssl(c.ALG_SHA_512_256, "sha512_256")
_add_openssl(c.ALG_RIPEMD160, "ripemd160")
_add_openssl(c.ALG_SM3, "sm3")


def _add_stateful(alg: int) -> None:
    """One-shot hashing on the libcrypto context where hashlib lacks the algorithm
    (RIPEMD-160 needs OpenSSL's legacy provider in hashlib, not in libcrypto's
    low-level API)."""

    def ctor(data: bytes = b"") -> hash_state.StatefulHash:
        h = hash_state.StatefulHash(alg)
        h.update(data)
        return h

    CONSTRUCTORS[alg] = ctor


for _alg in hash_state.LAYOUTS:
    if _alg not in CONSTRUCTORS and hash_state.supports(_alg):
        _add_stateful(_alg)

#: Output length of the extendable-output functions used as fixed-length hashes.
_XOF_LENGTH = {
    c.ALG_SHAKE128_256: 32,
    c.ALG_SHAKE256_192: 24,
    c.ALG_SHAKE256_256: 32,
    c.ALG_SHAKE256_512: 64,
}
#: Hashes defined as a truncation of another hash's output.
_TRUNCATED = {c.ALG_SHA_256_192: 24}
#: Algorithms whose output is not simply ``digest()`` (one lookup on the fast path).
_SPECIAL_OUTPUT = {**_XOF_LENGTH, **_TRUNCATED}

#: Size of the algorithm field of the hash suspend state.
SUSPEND_ALGORITHM_FIELD_LENGTH = 4


def _is_hash(alg: int) -> bool:
    return (alg & 0x7FFFFF00) == 0x02000000


def unsupported_hash(alg: int) -> PsaError:
    """The error for an algorithm that is not a supported hash."""
    if not _is_hash(alg) or alg in (c.ALG_ANY_HASH, c.ALG_NONE):
        return InvalidArgumentError(f"0x{alg:08x} is not a hash algorithm")
    return NotSupportedError(f"hash algorithm 0x{alg:08x} is not supported")


def new_hash(alg: int, data: bytes = b"") -> _HashObject:
    """A fresh hash object for ``alg`` (raising the spec's error if unsupported)."""
    ctor = CONSTRUCTORS.get(alg)
    if ctor is None:
        raise unsupported_hash(alg)
    return ctor(data)


def digest(h: _HashObject, alg: int) -> bytes:
    """The final value of ``h`` as algorithm ``alg`` defines it (``h`` unchanged)."""
    n = _XOF_LENGTH.get(alg)
    if n:
        return h.digest(n)  # type: ignore[no-any-return]
    out: bytes = h.digest()
    n = _TRUNCATED.get(alg)
    return out[:n] if n else out


def _new_multipart(alg: int) -> _HashObject:
    """The hash object behind an operation: exportable where the spec defines a
    suspend format and libcrypto is there, hashlib (or our own) otherwise."""
    if hash_state.supports(alg):
        return hash_state.StatefulHash(alg)
    return new_hash(alg)


def suspend_layout(alg: int) -> hash_state.StateLayout | None:
    """Field sizes of the hash suspend state of ``alg`` (None if not defined)."""
    return hash_state.LAYOUTS.get(alg)


def encode_suspend_state(alg: int, h: hash_state.StatefulHash) -> bytes:
    """``algorithm || input_length || hash_state || unprocessed_input``."""
    state, total, unprocessed = h.export_state()
    return b"".join(
        (
            alg.to_bytes(SUSPEND_ALGORITHM_FIELD_LENGTH, "big"),
            total.to_bytes(h.layout.length_field, "big"),
            state,
            unprocessed,
        )
    )


def decode_suspend_state(hash_state_bytes: bytes) -> hash_state.StatefulHash:
    """Parse and validate a hash suspend state; a context continuing from it.

    ``InvalidArgumentError`` if the bytes are not a valid suspend state,
    ``NotSupportedError`` if they name a hash algorithm psacrypto cannot resume.
    """
    data = bytes(hash_state_bytes)
    if len(data) < SUSPEND_ALGORITHM_FIELD_LENGTH:
        raise InvalidArgumentError("the hash suspend state is too short")
    alg = int.from_bytes(data[:SUSPEND_ALGORITHM_FIELD_LENGTH], "big")
    if not _is_hash(alg) or alg in (c.ALG_ANY_HASH, c.ALG_NONE):
        raise InvalidArgumentError(f"0x{alg:08x} in the suspend state is not a hash algorithm")
    layout = hash_state.LAYOUTS.get(alg)
    if layout is None or not hash_state.supports(alg):
        raise NotSupportedError(f"suspend/resume is not supported for hash 0x{alg:08x}")
    fixed = SUSPEND_ALGORITHM_FIELD_LENGTH + layout.length_field + layout.state_size
    if len(data) < fixed:
        raise InvalidArgumentError("the hash suspend state is truncated")
    pos = SUSPEND_ALGORITHM_FIELD_LENGTH
    total = int.from_bytes(data[pos : pos + layout.length_field], "big")
    pos += layout.length_field
    state = data[pos : pos + layout.state_size]
    unprocessed = data[fixed:]
    if total > layout.max_input:
        raise InvalidArgumentError("the input length in the suspend state is too large")
    if len(unprocessed) != total % layout.block:
        raise InvalidArgumentError(
            "the unprocessed input does not match the input length of the suspend state"
        )
    return hash_state.StatefulHash.import_state(alg, state, total, unprocessed)


class HashOperation(Operation):
    """``psa_hash_operation_t``: a multi-part hash computation."""

    __slots__ = ("_alg", "_h")

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._alg = 0
        self._h: _HashObject = None

    def setup(self, alg: int) -> None:
        """``psa_hash_setup``."""
        self._start()
        self._h = _new_multipart(alg)
        self._alg = alg
        self._state = ACTIVE

    def update(self, input: bytes) -> None:
        """``psa_hash_update``."""
        if self._state != ACTIVE:
            raise self._bad_state()
        try:
            self._h.update(input)
        except PsaError:
            self._error()
            raise
        except (TypeError, ValueError, BufferError) as exc:
            self._error()
            raise InvalidArgumentError(f"invalid input: {exc}") from exc

    def finish(self) -> bytes:
        """``psa_hash_finish``."""
        if self._state != ACTIVE:
            raise self._bad_state()
        out = digest(self._h, self._alg)
        self._done()
        return out

    def verify(self, hash: bytes) -> None:
        """``psa_hash_verify``: constant-time comparison with an expected hash."""
        if self._state != ACTIVE:
            raise self._bad_state()
        out = digest(self._h, self._alg)
        if not hmac.compare_digest(out, bytes(hash)):
            self._error()
            raise InvalidSignatureError("the hash does not match")
        self._done()

    def suspend(self) -> bytes:
        """``psa_hash_suspend``: the spec's hash suspend state; the operation ends."""
        if self._state != ACTIVE:
            raise self._bad_state()
        h = self._h
        if not isinstance(h, hash_state.StatefulHash):
            self._error()
            raise NotSupportedError(f"suspend/resume is not supported for hash 0x{self._alg:08x}")
        out = encode_suspend_state(self._alg, h)
        self._done()
        return out

    def resume(self, hash_state: bytes) -> None:
        """``psa_hash_resume``: set up from a suspend state (left inactive on error)."""
        self._start()
        h = decode_suspend_state(hash_state)
        self._h = h
        self._alg = h.alg
        self._state = ACTIVE

    def clone(self, target_operation: HashOperation) -> None:
        """``psa_hash_clone``: copy this active operation into an inactive one."""
        if self._state != ACTIVE:
            raise self._bad_state()
        if target_operation._state != INACTIVE:
            raise target_operation._bad_state("the clone target must be inactive")
        target_operation._alg = self._alg
        target_operation._h = self._h.copy()
        target_operation._state = ACTIVE

    def _release(self) -> None:
        self._h = None
        self._alg = 0


_HashOp = HashOperation


class HashFunctions(Session):
    """The hash family of the API."""

    def hash_compute(self, alg: int, input: bytes) -> bytes:
        """``psa_hash_compute``."""
        ctor = CONSTRUCTORS.get(alg)
        if ctor is None:
            raise unsupported_hash(alg)
        if alg in _SPECIAL_OUTPUT:
            return digest(ctor(input), alg)
        return ctor(input).digest()  # type: ignore[no-any-return]

    def hash_compare(self, alg: int, input: bytes, hash: bytes) -> None:
        """``psa_hash_compare``: constant-time comparison with an expected hash."""
        if not hmac.compare_digest(self.hash_compute(alg, input), bytes(hash)):
            raise InvalidSignatureError("the hash does not match")

    def HashOperation(self) -> _HashOp:
        """A new, inactive hash operation bound to this context."""
        return _HashOp(self)

    def hash_setup(self, operation: _HashOp, alg: int) -> None:
        operation.setup(alg)

    def hash_update(self, operation: _HashOp, input: bytes) -> None:
        operation.update(input)

    def hash_finish(self, operation: _HashOp) -> bytes:
        return operation.finish()

    def hash_verify(self, operation: _HashOp, hash: bytes) -> None:
        operation.verify(hash)

    def hash_abort(self, operation: _HashOp) -> None:
        operation.abort()

    def hash_clone(self, source_operation: _HashOp, target_operation: _HashOp) -> None:
        source_operation.clone(target_operation)

    def hash_suspend(self, operation: _HashOp) -> bytes:
        """``psa_hash_suspend``."""
        return operation.suspend()

    def hash_resume(self, operation: _HashOp, hash_state: bytes) -> None:
        """``psa_hash_resume``."""
        operation.resume(hash_state)
