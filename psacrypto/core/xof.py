"""Extendable-output functions: the XOF operation (1.4).

SHAKE128 and SHAKE256 run on pyca's ``XOFHash`` (OpenSSL's incremental
squeeze); Ascon-XOF128 and Ascon-CXOF128 on the SP 800-232 implementation in
:mod:`psacrypto.drivers.software.primitives.ascon`.

State machine (the spec's): ``setup`` makes the operation active;
``set_context`` is allowed only for an algorithm with a context
(``ALG_XOF_HAS_CONTEXT``) and only right after setup; ``update`` only before
the first ``output``; ``output`` any number of times, reading successive bytes
of one output stream; ``abort`` ends it. For Ascon-CXOF128 without a
``set_context`` call the context is empty.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives import hashes

from .. import constants as c
from .. import macros as m
from ..drivers.software.primitives import ascon
from ..errors import InvalidArgumentError, NotSupportedError, PsaError
from . import compat
from .operation import ACTIVE, Operation
from .session import Session

#: Output limit given to OpenSSL's squeeze (it needs one): far beyond any request.
_SHAKE_LIMIT = 1 << 62

#: XOF algorithm -> factory of the XOF object (context -> object with update/read).
_Factory = Callable[[bytes], Any]


class _Shake:
    """pyca's incremental SHAKE, with the read interface of the Ascon sponge."""

    __slots__ = ("_h",)

    def __init__(self, algorithm: Any) -> None:
        self._h = hashes.XOFHash(algorithm)

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def read(self, n: int) -> bytes:
        out: bytes = self._h.squeeze(n)
        return out


def _shake128(context: bytes) -> Any:
    return _Shake(hashes.SHAKE128(digest_size=_SHAKE_LIMIT))


def _shake256(context: bytes) -> Any:
    return _Shake(hashes.SHAKE256(digest_size=_SHAKE_LIMIT))


def _ascon_xof(context: bytes) -> Any:
    return ascon.AsconSponge.xof128()


def _ascon_cxof(context: bytes) -> Any:
    if len(context) > ascon.CXOF_MAX_CUSTOMIZATION:
        raise InvalidArgumentError("the Ascon-CXOF128 context is at most 256 bytes")
    return ascon.AsconSponge.cxof128(context)


FACTORIES: dict[int, _Factory] = {
    c.ALG_SHAKE128: _shake128,
    c.ALG_SHAKE256: _shake256,
    c.ALG_ASCON_XOF128: _ascon_xof,
    c.ALG_ASCON_CXOF128: _ascon_cxof,
}


def check_xof(key_type: int, bits: int, alg: int) -> None:
    """The compat checker for XOF algorithms (they take no key)."""
    if alg not in FACTORIES:
        raise NotSupportedError(f"XOF 0x{alg:08x} is not supported")


def _register() -> None:
    # XOFs take no key: capabilities looks them up under usage 0.
    compat.register_keyless(lambda a: a in FACTORIES, check_xof)


_register()

# Sub-states of an active XOF operation.
_FRESH = 0  # just set up: set_context allowed
_ABSORBING = 1
_SQUEEZING = 2


class XofOperation(Operation):
    """``psa_xof_operation_t``."""

    __slots__ = ("_alg", "_context", "_phase", "_x")

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._alg = 0
        self._x: Any = None
        self._phase = _FRESH
        self._context = b""

    def setup(self, alg: int) -> None:
        """``psa_xof_setup``."""
        self._start()
        if alg not in FACTORIES:
            if not m.ALG_IS_XOF(alg):
                raise InvalidArgumentError(f"0x{alg:08x} is not an XOF algorithm")
            raise NotSupportedError(f"XOF 0x{alg:08x} is not supported")
        self._alg = alg
        self._x = None
        self._phase = _FRESH
        self._context = b""
        self._state = ACTIVE

    def _object(self) -> Any:
        x = self._x
        if x is None:
            x = self._x = FACTORIES[self._alg](self._context)
        return x

    def set_context(self, context: bytes) -> None:
        """``psa_xof_set_context``: only right after setup, only for an XOF with a context."""
        if self._state != ACTIVE or self._phase != _FRESH:
            raise self._bad_state()
        if not m.ALG_XOF_HAS_CONTEXT(self._alg):
            self._error()
            raise InvalidArgumentError("this XOF algorithm has no context")
        context = bytes(context)
        try:
            self._context = context
            self._x = FACTORIES[self._alg](context)
        except PsaError:
            self._error()
            raise
        self._phase = _ABSORBING

    def update(self, input: bytes) -> None:
        """``psa_xof_update``: before the first output only."""
        if self._state != ACTIVE or self._phase == _SQUEEZING:
            raise self._bad_state()
        try:
            self._object().update(bytes(input))
        except (TypeError, ValueError, BufferError) as exc:
            self._error()
            raise InvalidArgumentError(f"invalid input: {exc}") from exc
        self._phase = _ABSORBING

    def output(self, output_length: int) -> bytes:
        """``psa_xof_output``: the next ``output_length`` bytes of the output stream."""
        if self._state != ACTIVE:
            raise self._bad_state()
        if output_length < 0:
            self._error()
            raise InvalidArgumentError("the output length cannot be negative")
        x = self._object()
        self._phase = _SQUEEZING
        if output_length == 0:
            return b""
        out: bytes = x.read(output_length)
        return out

    def _release(self) -> None:
        self._x = None
        self._alg = 0
        self._context = b""
        self._phase = _FRESH


_XofOp = XofOperation


class XofFunctions(Session):
    """The XOF family of the API."""

    def XofOperation(self) -> _XofOp:
        """A new, inactive XOF operation bound to this context."""
        return _XofOp(self)

    def xof_setup(self, operation: _XofOp, alg: int) -> None:
        """``psa_xof_setup``."""
        operation.setup(alg)

    def xof_set_context(self, operation: _XofOp, context: bytes) -> None:
        """``psa_xof_set_context``."""
        operation.set_context(context)

    def xof_update(self, operation: _XofOp, input: bytes) -> None:
        """``psa_xof_update``."""
        operation.update(input)

    def xof_output(self, operation: _XofOp, output_length: int) -> bytes:
        """``psa_xof_output``."""
        return operation.output(output_length)

    def xof_abort(self, operation: _XofOp) -> None:
        """``psa_xof_abort``."""
        operation.abort()
