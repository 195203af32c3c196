"""The thin client: a context whose every API call runs in a psacrypto service.

:func:`connect` returns a :class:`RemoteContext` with the same methods, signatures
and exceptions as the local context (a server's PSA status arrives as the same
:class:`~psacrypto.errors.PsaError` subclass). Its methods and operation classes
are generated from :mod:`psacrypto.api` when this module is imported; there is no
per-call code here.

Threads: a context is safe to share between threads, but it is one connection
and its calls are serialised (one request on the wire at a time). For parallel
calls, open one context per thread. Operation objects belong to the context that
made them; their state lives in the server under an unguessable handle and is
freed by finish/verify/abort, or when the context is closed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
from types import TracebackType
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

from .. import api
from ..errors import (
    BadStateError,
    CommunicationFailureError,
    InsufficientMemoryError,
    InvalidArgumentError,
    InvalidHandleError,
    PsaError,
    error_from_status,
)
from . import wire

CLIENT_NAME = "psacrypto-python/0.1.0"
_RECV = 65536
_BIG = 64 * 1024
_pack_req = wire.REQUEST_HEADER.pack
_unpack = wire.unpack_header
_MAGIC, _VERSION, _RESP_LEAD = wire.MAGIC, wire.VERSION, wire.RESPONSE_LEAD


class RemoteOperation:
    """Base of the remote operation classes: a handle to server-side state.

    ``_handle`` is 0 while the operation is inactive on the server (new, finished or
    aborted). Like the local classes, it is a context manager that aborts on exit.
    """

    __slots__ = ("_ctx", "_handle")
    _family = ""

    def __init__(self, ctx: RemoteContext) -> None:
        self._ctx = ctx
        self._handle = 0

    def abort(self) -> None:
        getattr(self._ctx, self._family + "_abort")(self)

    @property
    def active(self) -> bool:
        """Whether the operation is active (not inactive, not in the error state)."""
        return self._handle > 0 and self._ctx.operation_state(self._handle) == 1

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.abort()

    def __repr__(self) -> str:
        state = "inactive" if not self._handle else "error" if self._handle < 0 else "live"
        return f"<{type(self).__name__} {state}>"


class RemoteContext:
    """A connection to a psacrypto service, with the whole API as methods."""

    def __init__(
        self,
        sock: socket.socket,
        *,
        token: bytes | str | None = None,
        url: str = "",
    ) -> None:
        self._sock: socket.socket | None = sock
        self._closed_by_user = False
        self._lock = threading.Lock()
        self._rid = 0
        self._rbuf = bytearray(_RECV)
        self._rview = memoryview(self._rbuf)
        self._max_body = wire.DEFAULT_MAX_BODY
        self.url = url
        hello: dict[str, Any] = {"versions": list(wire.SUPPORTED_VERSIONS), "client": CLIENT_NAME}
        if token is not None:
            hello["token"] = token.encode() if isinstance(token, str) else bytes(token)
        try:
            reply = self.hello(hello)
        except BaseException:
            self.close()
            raise
        self.server_info: dict[str, Any] = reply
        self.identity: str = str(reply.get("identity", ""))
        self.protocol_version: int = int(reply.get("version", wire.VERSION))
        self._max_body = min(int(reply.get("max_body", wire.DEFAULT_MAX_BODY)), wire.MAX_BODY_HARD)

    # transport -----------------------------------------------------------------------

    def _call(self, opcode: int, body: bytes) -> bytes:
        """Send one request and return the whole response frame (header included)."""
        if len(body) > self._max_body:
            raise InsufficientMemoryError("the request is larger than the service accepts")
        with self._lock:
            sock = self._sock
            if sock is None:
                if self._closed_by_user:  # as a closed local context
                    raise BadStateError("the context is closed")
                raise CommunicationFailureError("the connection is closed")
            rid = self._rid = (self._rid + 1) & 0xFFFFFFFF
            try:
                header = _pack_req(_MAGIC, _VERSION, 0, rid, opcode, len(body))
                if len(body) < _BIG:
                    sock.sendall(header + body)
                else:
                    sock.sendall(header)
                    sock.sendall(body)
                n = sock.recv_into(self._rbuf)
                if n < 16 or n != 16 + _unpack(self._rbuf)[3]:
                    data = self._recv_rest(sock, bytes(self._rview[:n]))
                else:
                    data = bytes(self._rview[:n])
            except OSError as e:
                # The server may have answered (e.g. refused the connection) and closed
                # before our request went out: report its status if it did.
                refusal = self._pending_refusal(sock)
                self._broken()
                if refusal is not None:
                    raise refusal from e
                raise CommunicationFailureError(f"connection to the service failed: {e}") from e
        lead, rrid, status, _ = _unpack(data)
        if lead != _RESP_LEAD or rrid != rid:
            if lead == _RESP_LEAD and rrid == 0 and status < 0:
                self._drop()
                raise error_from_status(status, wire.decode_error_body(data[16:]))
            self._drop()
            raise CommunicationFailureError("malformed response from the service")
        if status:
            raise error_from_status(status, wire.decode_error_body(data[16:]))
        return data

    def _recv_rest(self, sock: socket.socket, first: bytes) -> bytes:
        """Read until ``first`` is one whole response frame, and not a byte more."""
        if not first:
            raise ConnectionResetError("the service closed the connection")
        buf = bytearray(first)
        while True:
            if len(buf) >= 16:
                need = 16 + _unpack(buf)[3] - len(buf)
                if need == 0:
                    return bytes(buf)
                if need < 0 or need > wire.MAX_BODY_HARD:
                    raise ConnectionResetError("malformed data from the service")
                chunk = sock.recv(min(need, 1 << 20))
            else:
                chunk = sock.recv(16 - len(buf))
            if not chunk:
                raise ConnectionResetError("the service closed the connection")
            buf += chunk

    @staticmethod
    def _pending_refusal(sock: socket.socket) -> PsaError | None:
        try:
            sock.settimeout(0.5)
            data = sock.recv(4096)
        except OSError:
            return None
        if len(data) < 16:
            return None
        lead, _, status, blen = _unpack(data)
        if lead != _RESP_LEAD or status >= 0 or len(data) != 16 + blen:
            return None
        return error_from_status(status, wire.decode_error_body(data[16:]))

    def _broken(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    def _drop(self) -> None:
        """Close a connection that failed (later calls: ``CommunicationFailureError``)."""
        with self._lock:
            self._broken()

    def close(self) -> None:
        """Close the connection; the server frees this context's operations and
        destroys the volatile keys it created. Calls on a closed context fail with
        ``BadStateError``, as on a closed local context."""
        with self._lock:
            if self._sock is not None:  # a connection that already failed stays failed
                self._closed_by_user = True
            self._broken()

    @property
    def owner(self) -> str:
        """The identity the service gave this connection (as ``Session.owner``)."""
        return self.identity

    @property
    def closed(self) -> bool:
        return self._sock is None

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<RemoteContext {self.url} as {self.identity!r}>"

    # Every call of psacrypto.api is added as a method by _build() below.
    def __getattr__(self, name: str) -> Any:  # only reached for undeclared names
        raise AttributeError(f"{type(self).__name__} has no attribute {name!r}")


def _bad_arguments(
    ctx: RemoteContext, call: api.Call, exc: wire.WireError, values: tuple[Any, ...]
) -> None:
    """An argument that cannot be encoded: the error the local context would give.

    A step of an operation that fails this way leaves the operation in the error
    state, as locally: the server-side state is aborted and the handle becomes -1.
    """
    error: PsaError = InvalidArgumentError(f"{call.name}: {exc}")
    for p, v in zip(call.params, values, strict=True):
        if p.type == api.KEY_ID and isinstance(v, int) and not 0 <= v <= 0xFFFFFFFF:
            error = InvalidHandleError(f"{call.name}: no key with id {v}")
    for p, v in zip(call.params, values, strict=True):
        if p.type != api.OPERATION:
            continue
        if call.role == api.CREATE and p.name == call.state_param and v._handle == 0:
            continue  # a failed setup leaves an inactive operation unchanged
        if v._handle == 0:
            error = BadStateError(f"{call.name}: the operation is not active")
        elif v._handle > 0:
            with contextlib.suppress(PsaError):
                getattr(ctx, p.family + "_abort")(v)
        v._handle = -1
    raise error from None


def _bad_response(ctx: RemoteContext, exc: Exception) -> None:
    ctx._drop()
    raise CommunicationFailureError(f"malformed response from the service: {exc}") from None


def _result_types(call: api.Call) -> list[str]:
    types = [p.type for p in call.results]
    return [api.OPERATION, *types] if call.role == api.CREATE else types


def _method_source(call: api.Call) -> str:
    """Python source of the context method for ``call``.

    An operation's ``_handle`` is its server-side handle when positive, 0 when it
    is inactive (no server state), and -1 in the error state without server state
    (a step failed on an inactive operation, or its arguments could not be sent):
    then, as locally, every call but abort fails with ``BadStateError``.
    """
    names = [p.name for p in call.params]
    exprs = []
    lines = [f"def {call.name}(self, {', '.join(names)}):" if names else f"def {call.name}(self):"]
    ops = [p for p in call.params if p.type == api.OPERATION]
    for p in ops:
        cls = f"_OPCLS_{p.family}"
        lines += [
            f"    if {p.name}.__class__ is not {cls} or {p.name}._ctx is not self:",
            f"        _wrong_operation({p.name}, {cls}, self)",
        ]
    for p in call.params:
        if p.type == api.OPERATION:
            exprs.append(wire.encode_expr(api.OPERATION, f"{p.name}._handle"))
        else:
            exprs.append(wire.encode_expr(p.type, p.name))
    body = " + ".join([repr(wire.array_head(len(exprs))), *exprs])
    values = "(" + "".join(f"{n}, " for n in names) + ")"
    state = call.state_param
    if call.role == api.ABORT:
        lines += [
            f"    if {state}._handle <= 0:",
            f"        {state}._handle = 0",
            "        return None",
        ]
    else:
        for p in ops:
            lines += [
                f"    if {p.name}._handle < 0:",
                f"        raise BadStateError('{call.name}: the operation is in the error state')",
            ]
    lines += [
        "    try:",
        f"        body = {body}",
        "    except WireError as e:",
        f"        _bad_arguments(self, _CALL, e, {values})",
    ]
    if call.role == api.ABORT:
        lines.append(f"    {state}._handle = 0")
    # an inactive operation that a step fails on enters the error state
    erring = [p.name for p in ops if not (call.role == api.CREATE and p.name == state)]
    if erring and call.role != api.ABORT:
        lines += [f"    h_{name} = {name}._handle" for name in erring]
        lines += [
            "    try:",
            f"        frame = self._call({call.opcode}, body)",
            "    except PsaError:",
        ]
        for name in erring:
            lines += [f"        if not h_{name}:", f"            {name}._handle = -1"]
        lines.append("        raise")
    else:
        lines.append(f"    frame = self._call({call.opcode}, body)")
    n = len(call.results)
    first = 0
    if call.role == api.CREATE or n:
        lines += [
            "    try:",
            "        out = _DEC(frame, 16)",
            "    except WireError as e:",
            "        _bad_response(self, e)",
        ]
    if call.role == api.CREATE:
        lines.append(f"    {state}._handle = out[0]")
        first = 1
    if call.role == api.END:
        lines.append(f"    {state}._handle = 0")
    if n == 0:
        lines.append("    return None")
    elif n == 1:
        lines.append(f"    return out[{first}]")
    else:
        lines.append(f"    return tuple(out[{first}:])")
    return "\n".join(lines) + "\n"


def _wrong_operation(op: Any, cls: type, ctx: RemoteContext) -> None:
    if not isinstance(op, RemoteOperation):
        raise TypeError(f"expected a {cls.__name__}, got {type(op).__name__}")
    if op._ctx is not ctx:
        raise InvalidArgumentError("the operation belongs to another context")
    raise TypeError(f"expected a {cls.__name__}, got {type(op).__name__}")


def _build() -> None:
    """Generate the context methods and operation classes from the declaration."""
    op_classes: dict[str, type[RemoteOperation]] = {}
    for family, class_name in api.OPERATION_CLASSES.items():
        cls = type(class_name, (RemoteOperation,), {"__slots__": (), "_family": family})
        cls.__module__ = __name__
        cls.__qualname__ = class_name
        op_classes[family] = cls
        globals()["Remote" + class_name] = cls

        def factory(self: RemoteContext, _cls: type[RemoteOperation] = cls) -> RemoteOperation:
            return _cls(self)

        factory.__name__ = factory.__qualname__ = class_name
        factory.__doc__ = f"A new, inactive {class_name} whose state lives in the service."
        setattr(RemoteContext, class_name, factory)

    base_ns: dict[str, Any] = dict(wire.CODEGEN_NS)
    base_ns.update({f"_OPCLS_{f}": cls for f, cls in op_classes.items()})
    base_ns["_wrong_operation"] = _wrong_operation
    base_ns["_bad_arguments"] = _bad_arguments
    base_ns["_bad_response"] = _bad_response
    base_ns["BadStateError"] = BadStateError
    base_ns["PsaError"] = PsaError
    for call in api.CALLS:
        ns = dict(base_ns)
        ns["_CALL"] = call
        ns["_DEC"] = wire.make_decoder(_result_types(call))
        exec(compile(_method_source(call), f"<psacrypto.api {call.name}>", "exec"), ns)
        fn = ns[call.name]
        fn.__qualname__ = f"RemoteContext.{call.name}"
        fn.__module__ = __name__
        fn.__doc__ = (
            f"``{call.c_name}`` in the service (opcode 0x{call.opcode:04X})."
            if call.c_name
            else f"Service call {call.name} (opcode 0x{call.opcode:04X})."
        )
        setattr(RemoteContext, call.name, fn)
        if call.op_class:
            _add_operation_method(op_classes[_family_of(call)], call)


def _family_of(call: api.Call) -> str:
    for p in call.params:
        if p.name == call.self_param:
            return p.family
    raise AssertionError(call.name)


def _add_operation_method(cls: type[RemoteOperation], call: api.Call) -> None:
    """``op.<method>(...)`` calling ``ctx.<family>_<method>(op, ...)``."""
    if call.op_method == "abort":
        return  # the base class has it
    others = [p.name for p in call.params if p.name != call.self_param]
    args = ", ".join("self" if p.name == call.self_param else p.name for p in call.params)
    sig = ", ".join(["self", *others])
    src = f"def {call.op_method}({sig}):\n    return self._ctx.{call.name}({args})\n"
    ns: dict[str, Any] = {}
    exec(compile(src, f"<psacrypto.api {call.name}>", "exec"), ns)
    fn = ns[call.op_method]
    fn.__qualname__ = f"{cls.__name__}.{call.op_method}"
    fn.__module__ = __name__
    fn.__doc__ = f"``{call.c_name}`` on this operation."
    setattr(cls, call.op_method, fn)


_build()


# Client-side parts of the API: identical to the package's (no server round trip).
def _client_side() -> None:
    from .. import attributes

    for name in dir(attributes):
        if name.startswith(("set_key_", "get_key_")) or name in (
            "reset_key_attributes",
            "key_attributes_init",
        ):
            fn = getattr(attributes, name)
            if callable(fn) and not hasattr(RemoteContext, name):
                setattr(RemoteContext, name, staticmethod(fn))


_client_side()


def connect(
    url: str,
    *,
    token: bytes | str | None = None,
    certfile: str | None = None,
    keyfile: str | None = None,
    cafile: str | None = None,
    server_hostname: str | None = None,
    timeout: float | None = None,
) -> RemoteContext:
    """Connect to the service at ``url``.

    * ``unix:///path/to.sock`` -- identity from the peer credentials (the uid), or
      ``token``;
    * ``tls://host:port`` -- the server is verified against ``cafile`` (else the
      system CAs); identity from the client certificate (``certfile``/``keyfile``)
      or ``token``.

    ``timeout`` bounds each call (seconds); a call that times out closes the
    connection and raises ``CommunicationFailureError``. The token may also come
    from ``PSACRYPTO_TOKEN`` or from the URL query (``?token=...``, for tests).
    """
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    if token is None:
        token = query.get("token", [None])[0] or os.environ.get("PSACRYPTO_TOKEN") or None
    try:
        if parts.scheme == "unix":
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                sock.connect(parts.netloc + parts.path)
            except BaseException:
                sock.close()
                raise
        elif parts.scheme == "tls":
            host, port = parts.hostname, parts.port
            if host is None or port is None:
                raise InvalidArgumentError(f"{url}: expected tls://host:port")
            ctx = ssl.create_default_context(cafile=cafile)
            if certfile:
                ctx.load_cert_chain(certfile, keyfile)
            raw = socket.create_connection((host, port), timeout=timeout)
            raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            try:
                sock = ctx.wrap_socket(raw, server_hostname=server_hostname or host)
            except BaseException:
                raw.close()
                raise
        else:
            raise InvalidArgumentError(f"unsupported service URL {url!r}")
    except OSError as e:
        raise CommunicationFailureError(f"cannot connect to {url}: {e}") from e
    return RemoteContext(sock, token=token, url=url)
