"""Hash algorithms: one-shot functions and the hash operation."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from .. import constants as c
from ..errors import InvalidArgumentError, InvalidSignatureError, NotSupportedError, PsaError
from .operation import ACTIVE, Operation
from .session import Session

_HashObject = Any
_Constructor = Callable[..., _HashObject]

#: Hash algorithms backed by hashlib (OpenSSL), by constructor.
CONSTRUCTORS: dict[int, _Constructor] = {
    c.ALG_MD5: hashlib.md5,
    c.ALG_SHA_1: hashlib.sha1,
    c.ALG_SHA_224: hashlib.sha224,
    c.ALG_SHA_256: hashlib.sha256,
    c.ALG_SHA_384: hashlib.sha384,
    c.ALG_SHA_512: hashlib.sha512,
    c.ALG_SHA3_224: hashlib.sha3_224,
    c.ALG_SHA3_256: hashlib.sha3_256,
    c.ALG_SHA3_384: hashlib.sha3_384,
    c.ALG_SHA3_512: hashlib.sha3_512,
    c.ALG_SHAKE256_512: hashlib.shake_256,
    c.ALG_BLAKE2S_HASH256: hashlib.blake2s,
    c.ALG_BLAKE2B_HASH512: hashlib.blake2b,
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

#: Output length of the extendable-output function used as a fixed hash.
_XOF_LENGTH = {c.ALG_SHAKE256_512: 64}


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
    n = _XOF_LENGTH.get(alg)
    return h.digest(n) if n else h.digest()  # type: ignore[no-any-return]


class HashOperation(Operation):
    """``psa_hash_operation_t``: a multi-part hash computation."""

    __slots__ = ("_alg", "_h")

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._alg = 0
        self._h: _HashObject = None

    def setup(self, alg: int) -> None:
        self._start()
        self._h = new_hash(alg)
        self._alg = alg
        self._state = ACTIVE

    def update(self, input: bytes) -> None:  # noqa: A002 - spec name
        if self._state != ACTIVE:
            raise self._bad_state()
        self._h.update(input)

    def finish(self) -> bytes:
        if self._state != ACTIVE:
            raise self._bad_state()
        out = digest(self._h, self._alg)
        self._done()
        return out

    def verify(self, hash: bytes) -> None:  # noqa: A002 - spec name
        if self._state != ACTIVE:
            raise self._bad_state()
        out = digest(self._h, self._alg)
        if not hmac.compare_digest(out, bytes(hash)):
            self._error()
            raise InvalidSignatureError("the hash does not match")
        self._done()

    def clone(self, target_operation: HashOperation) -> None:
        """``psa_hash_clone``: copy this active operation into an inactive one."""
        if self._state != ACTIVE:
            raise self._bad_state()
        if target_operation._state != 0:
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

    def hash_compute(self, alg: int, input: bytes) -> bytes:  # noqa: A002 - spec name
        """``psa_hash_compute``."""
        ctor = CONSTRUCTORS.get(alg)
        if ctor is None:
            raise unsupported_hash(alg)
        if alg in _XOF_LENGTH:
            return ctor(input).digest(_XOF_LENGTH[alg])  # type: ignore[no-any-return]
        return ctor(input).digest()  # type: ignore[no-any-return]

    def hash_compare(self, alg: int, input: bytes, hash: bytes) -> None:  # noqa: A002
        """``psa_hash_compare``: constant-time comparison with an expected hash."""
        if not hmac.compare_digest(self.hash_compute(alg, input), bytes(hash)):
            raise InvalidSignatureError("the hash does not match")

    def HashOperation(self) -> _HashOp:
        """A new, inactive hash operation bound to this context."""
        return _HashOp(self)

    def hash_setup(self, operation: _HashOp, alg: int) -> None:
        operation.setup(alg)

    def hash_update(self, operation: _HashOp, input: bytes) -> None:  # noqa: A002
        operation.update(input)

    def hash_finish(self, operation: _HashOp) -> bytes:
        return operation.finish()

    def hash_verify(self, operation: _HashOp, hash: bytes) -> None:  # noqa: A002
        operation.verify(hash)

    def hash_abort(self, operation: _HashOp) -> None:
        operation.abort()

    def hash_clone(self, source_operation: _HashOp, target_operation: _HashOp) -> None:
        source_operation.clone(target_operation)
