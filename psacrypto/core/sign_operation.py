"""Multi-part signature operations (1.5): ``SignOperation`` and ``VerifyOperation``.

Which algorithms (the spec's per-algorithm rules):

* hash-and-sign algorithms (RSA PKCS#1 v1.5 and PSS, ECDSA, HashEdDSA,
  HashML-DSA, HashSLH-DSA): sign and verify. The message is hashed
  incrementally with the algorithm's hash; finish signs (or verifies) that
  hash, which is exactly what ``sign_message`` computes.
* ML-DSA (hedged and deterministic): sign and verify, streamed: the message
  representative mu (FIPS 204 Algorithm 7) absorbs each fragment, and finish
  signs or verifies mu (:class:`psacrypto.drivers.software.pqc.mldsa.MuHash`).
* PureEdDSA, EdDSA with context, SLH-DSA, LMS, HSS, XMSS, XMSS^MT: verify only
  (they read the message more than once to sign); buffered until finish. A
  sign operation with one of them is ``InvalidArgumentError``.
* ``RSA_PKCS1V15_SIGN_RAW`` and ``ECDSA_ANY`` (not message algorithms):
  ``InvalidArgumentError``.

Policy: setup needs ``KEY_USAGE_SIGN_MESSAGE`` (``VERIFY_MESSAGE``) and a
permitted algorithm, like ``sign_message``. The context (``set_context``,
allowed only right after setup) is empty unless set; a non-empty context with
an algorithm that has none is ``InvalidArgumentError``. Errors after setup put
the operation in the error state; ``abort`` always resets it.
"""

from __future__ import annotations

from typing import Any

from .. import constants as c
from .. import macros as m
from ..errors import InvalidArgumentError, PsaError
from .asymmetric import check_sign, driver_for, key_object, pqc
from .hash import digest, new_hash
from .operation import ACTIVE, Operation
from .session import Session
from .slots import KeySlot

_SIGN_MESSAGE = c.KEY_USAGE_SIGN_MESSAGE
_VERIFY_MESSAGE = c.KEY_USAGE_VERIFY_MESSAGE

#: Message algorithms that need the whole message twice: verification only.
_VERIFY_ONLY_BASES = frozenset(
    (
        c.ALG_PURE_EDDSA,
        c.ALG_EDDSA_CTX,
        c.ALG_SLH_DSA,
        c.ALG_DETERMINISTIC_SLH_DSA,
        c.ALG_LMS,
        c.ALG_HSS,
        c.ALG_XMSS,
        c.ALG_XMSS_MT,
    )
)


def multipart_plan(alg: int, *, verify: bool) -> str:
    """``"hash"`` (incremental hash, then sign/verify the hash) or ``"buffer"``
    (keep the message, then sign/verify it); the spec's error otherwise."""
    if not m.ALG_IS_SIGN_MESSAGE(alg):
        raise InvalidArgumentError(f"0x{alg:08x} cannot sign a message")
    if m.ALG_IS_HASH_AND_SIGN(alg):
        if (alg & 0xFF) == 0xFF:
            raise InvalidArgumentError("a wildcard is not an algorithm to run")
        return "hash"
    if alg in _VERIFY_ONLY_BASES and not verify:
        raise InvalidArgumentError(
            f"0x{alg:08x} cannot sign a fragmented message (it reads the message twice)"
        )
    return "buffer"


class _SignatureOperation(Operation):
    """What sign and verify operations share: key, algorithm, context, input."""

    __slots__ = (
        "_alg",
        "_context",
        "_data",
        "_h",
        "_hash_alg",
        "_mu",
        "_obj",
        "_opaque",
        "_pqc",
        "_slot",
        "_touched",
    )

    _usage = _SIGN_MESSAGE
    _verify = False

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._clear()

    def _clear(self) -> None:
        self._slot: KeySlot | None = None
        self._obj: Any = None
        self._alg = 0
        self._hash_alg = 0
        self._h: Any = None
        self._data: list[bytes] = []
        self._context = b""
        self._touched = False
        self._pqc = False
        self._opaque = False
        self._mu: Any = None

    def _setup(self, key: int, alg: int) -> None:
        self._start()
        plan = multipart_plan(alg, verify=self._verify)
        slot = self._session._use_key(key, self._usage, alg)
        check_sign(slot.type, slot.bits, alg, message=True, verify=self._verify)
        hash_alg, h = 0, None
        if slot.location != c.KEY_LOCATION_LOCAL_STORAGE:
            # A key held by an opaque driver: buffer, then its bound message function.
            from . import locations

            obj = locations.bind(slot, "sign", self._usage, alg)
            self._slot, self._obj, self._alg = slot, obj, alg
            self._hash_alg, self._h, self._pqc, self._mu = 0, None, False, None
            self._data, self._context, self._touched = [], b"", False
            self._opaque = True
            self._state = ACTIVE
            return
        if plan == "hash":
            check_sign(slot.type, slot.bits, alg, message=False, verify=self._verify)
            hash_alg = 0x02000000 | (alg & 0xFF)
            h = new_hash(hash_alg)
        obj = key_object(slot)
        self._slot, self._obj, self._alg = slot, obj, alg
        self._hash_alg, self._h = hash_alg, h
        self._opaque = False
        # ML-DSA streams the message into mu; LMS/HSS (verify only) buffer it.
        self._pqc = (slot.type & ~0x3000) == c.KEY_TYPE_ML_DSA_PUBLIC_KEY
        self._mu = None
        self._data = []
        self._context = b""
        self._touched = False
        self._state = ACTIVE

    def _check_active(self) -> None:
        if self._state != ACTIVE:
            raise self._bad_state()
        if self._slot is not None and self._slot.destroyed:
            raise self._bad_state("the key was destroyed during the operation")

    def set_context(self, context: bytes) -> None:
        """Set the context: only right after setup."""
        self._check_active()
        if self._touched:
            raise self._bad_state("set_context must come right after setup")
        context = bytes(context)
        self._touched = True
        if context:
            if not m.ALG_SIGN_SUPPORTS_CONTEXT(self._alg):
                self._error()
                raise InvalidArgumentError(f"algorithm 0x{self._alg:08x} takes no context")
            if len(context) > 255:
                self._error()
                raise InvalidArgumentError("a signature context is at most 255 bytes")
        self._context = context

    def update(self, input: bytes) -> None:
        """Add a fragment of the message."""
        self._check_active()
        self._touched = True
        try:
            if self._h is not None:
                self._h.update(input)
            elif self._pqc:
                self._stream().update(bytes(input))
            else:
                self._data.append(bytes(input))
        except (TypeError, ValueError, BufferError) as exc:
            self._error()
            raise InvalidArgumentError(f"invalid input: {exc}") from exc

    def _stream(self) -> Any:
        """The ML-DSA mu hash, made once the context is final (first update)."""
        mu = self._mu
        if mu is None:
            mu = self._mu = pqc.mldsa.MuHash(self._obj, self._context)
        return mu

    def _run(self, signature: bytes | None) -> Any:
        """Sign (``signature`` None) or verify the whole message."""
        slot = self._slot
        assert slot is not None
        t, b, alg, obj, context = slot.type, slot.bits, self._alg, self._obj, self._context
        try:
            if self._opaque:
                if signature is None:
                    return obj(b"".join(self._data), context)
                return obj(b"".join(self._data), signature, context)
            if self._h is not None:
                hashed = digest(self._h, self._hash_alg)
                if self._pqc:  # HashML-DSA
                    if signature is None:
                        return pqc.signer(obj, t, alg, False)(hashed, context)
                    return pqc.verifier(obj, t, alg, False)(hashed, signature, context)
                drv = driver_for(t)
                if signature is None:
                    return drv.sign_hash(obj, t, b, alg, hashed, context)
                return drv.verify_hash(obj, t, b, alg, hashed, signature, context)
            if self._pqc:  # pure ML-DSA, streamed
                if signature is None:
                    return self._stream().sign(pqc.mldsa.is_deterministic(alg))
                return self._stream().verify(signature)
            message = b"".join(self._data)
            if pqc.is_pqc_key_type(t):  # LMS, HSS: verification only
                return pqc.verifier(obj, t, alg, True)(message, signature, context)
            drv = driver_for(t)
            if signature is None:  # pragma: no cover - buffered signing is ML-DSA only
                return drv.sign_message(obj, t, b, alg, message, context)
            return drv.verify_message(obj, t, b, alg, message, signature, context)
        except PsaError:
            self._error()
            raise

    def _release(self) -> None:
        self._clear()


class SignOperation(_SignatureOperation):
    """``psa_sign_operation_t``: a multi-part signature of a message."""

    __slots__ = ()

    def setup(self, key: int, alg: int) -> None:
        """``psa_sign_setup``."""
        self._setup(key, alg)

    def finish(self) -> bytes:
        """``psa_sign_finish``: the signature; the operation becomes inactive."""
        self._check_active()
        signature: bytes = self._run(None)
        self._done()
        return signature


class VerifyOperation(_SignatureOperation):
    """``psa_verify_operation_t``: a multi-part verification of a message signature."""

    __slots__ = ("_signature",)

    _usage = _VERIFY_MESSAGE
    _verify = True

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._signature = b""

    def setup(self, key: int, alg: int, signature: bytes) -> None:
        """``psa_verify_setup``: the signature to check is given now."""
        self._setup(key, alg)
        self._signature = bytes(signature)

    def finish(self) -> None:
        """``psa_verify_finish``: ``InvalidSignatureError`` unless the signature is
        valid (the operation then enters the error state)."""
        self._check_active()
        self._run(self._signature)
        self._done()

    def _release(self) -> None:
        super()._release()
        self._signature = b""


_SignOp = SignOperation
_VerifyOp = VerifyOperation


class SignOperationFunctions(Session):
    """``psa_sign_*`` and ``psa_verify_*`` multi-part functions and factories."""

    def SignOperation(self) -> _SignOp:
        """A new, inactive sign operation bound to this context."""
        return _SignOp(self)

    def VerifyOperation(self) -> _VerifyOp:
        """A new, inactive verify operation bound to this context."""
        return _VerifyOp(self)

    def sign_setup(self, operation: _SignOp, key: int, alg: int) -> None:
        """``psa_sign_setup``."""
        operation.setup(key, alg)

    def sign_set_context(self, operation: _SignOp, context: bytes) -> None:
        """``psa_sign_set_context``."""
        operation.set_context(context)

    def sign_update(self, operation: _SignOp, input: bytes) -> None:
        """``psa_sign_update``."""
        operation.update(input)

    def sign_finish(self, operation: _SignOp) -> bytes:
        """``psa_sign_finish``."""
        return operation.finish()

    def sign_abort(self, operation: _SignOp) -> None:
        """``psa_sign_abort``."""
        operation.abort()

    def verify_setup(self, operation: _VerifyOp, key: int, alg: int, signature: bytes) -> None:
        """``psa_verify_setup``."""
        operation.setup(key, alg, signature)

    def verify_set_context(self, operation: _VerifyOp, context: bytes) -> None:
        """``psa_verify_set_context``."""
        operation.set_context(context)

    def verify_update(self, operation: _VerifyOp, input: bytes) -> None:
        """``psa_verify_update``."""
        operation.update(input)

    def verify_finish(self, operation: _VerifyOp) -> None:
        """``psa_verify_finish``."""
        operation.finish()

    def verify_abort(self, operation: _VerifyOp) -> None:
        """``psa_verify_abort``."""
        operation.abort()
