"""The cryptoprocessor service: listeners, authentication, dispatch.

One asyncio event loop serves every connection. Calls declared fast in
:mod:`psacrypto.api` (the symmetric families, lookups) run inline on the loop:
a thread hop would cost more than the call. Calls that may take long (public-key
maths, key store writes, large bodies) run in a small thread pool while the
connection stops reading, so a slow call never holds up other clients. Each
connection handles its requests one at a time, in order.

Identity comes only from the transport (Unix peer credentials, the TLS client
certificate) or from a configured token presented at hello over a Unix socket or
TLS; the resulting owner string (``"unix:alice"``, ``"tls:CN=alice"``,
``"token:ci"``) selects the client's :class:`~psacrypto.core.session.Session`.
Multi-part operation objects live in a per-connection table under unguessable
64-bit handles; they are freed on finish/verify/abort and on disconnect, and the
volatile keys a connection created are destroyed when it goes away.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import importlib
import logging
import os
import pathlib
import pwd
import resource
import secrets
import signal
import socket
import ssl
import struct
import sys
from collections import deque
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast
from urllib.parse import urlsplit

from .. import api
from .. import constants as c
from ..attributes import KeyAttributes
from ..errors import (
    BadStateError,
    InsufficientMemoryError,
    NotSupportedError,
    PsaError,
)
from . import wire
from .config import ServerConfig, hash_token

log = logging.getLogger("psacrypto.server")

SERVER_NAME = "psacrypto/0.1.0"
#: Requests with a body or a requested output above this run in the worker pool.
INLINE_MAX = 64 * 1024
#: Frames handled for one connection before the loop serves the others.
FRAMES_PER_TURN = 64
#: Partial frames above this size reserve their length from the receive budget.
RESERVE_MIN = 64 * 1024

_PEERCRED = struct.Struct("3i")
_unpack_header = wire.unpack_header
_HELLO = api.BY_NAME["hello"].opcode
_CREATE, _END, _ABORT = api.CREATE, api.END, api.ABORT
_OK_EMPTY = b"\x80"

SessionFactory = Callable[[str], Any]


def wire_result_types(call: api.Call) -> tuple[str, ...]:
    """Result types on the wire: a CREATE call first returns the new handle."""
    types = tuple(p.type for p in call.results)
    return (api.OPERATION, *types) if call.role == _CREATE else types


class _Entry:
    """Everything the dispatcher needs for one opcode, precomputed."""

    __slots__ = (
        "attrs_index",
        "blocking",
        "call",
        "decode",
        "encode",
        "encode1",
        "inline",
        "key_results",
        "name",
        "nresults",
        "op_indexes",
        "opcode",
        "request_index",
        "role",
        "state_index",
    )

    def __init__(self, call: api.Call) -> None:
        self.call = call
        self.name = call.name
        self.opcode = call.opcode
        types = [p.type for p in call.params]
        self.decode = wire.make_decoder(types)
        result_types = wire_result_types(call)
        self.encode = wire.make_encoder(result_types)
        self.encode1 = (
            wire.make_single_encoder(result_types[0]) if len(result_types) == 1 else self.encode
        )
        self.nresults = len(call.results)
        self.blocking = call.blocking
        self.op_indexes = tuple(
            (i, p.family) for i, p in enumerate(call.params) if p.type == api.OPERATION
        )
        names = [p.name for p in call.params]
        self.state_index = names.index(call.state_param) if call.state_param else -1
        self.role = call.role
        self.key_results = tuple(i for i, p in enumerate(call.results) if p.type == api.KEY_ID)
        self.attrs_index = names.index("attributes") if "attributes" in names else -1
        self.request_index = next((i for i, p in enumerate(call.params) if p.request_size), -1)
        #: the plain case: no operation, no new key, no service handling
        self.inline = (
            not call.blocking
            and not self.op_indexes
            and not self.key_results
            and not call.service
            and self.request_index < 0
        )


ENTRIES: dict[int, _Entry] = {call.opcode: _Entry(call) for call in api.CALLS}


class _Pending:
    """The parts of a call to finish on the loop after it ran (in a worker or not)."""

    __slots__ = ("entry", "fresh", "handles", "objects", "request_id")

    def __init__(self, request_id: int, entry: _Entry) -> None:
        self.request_id = request_id
        self.entry = entry
        self.handles: list[int] = []
        self.objects: list[Any] = []
        self.fresh = False


def _error_frame(request_id: int, status: int, message: str = "") -> bytes:
    body = wire.encode_error_body(message) if message else b""
    return wire.pack_response(request_id, status, body)


#: One receive buffer for every connection: the loop is single-threaded and a
#: connection's bytes are consumed (copied or parsed) before the next read.
_SCRATCH = bytearray(256 * 1024)
_SCRATCH_VIEW = memoryview(_SCRATCH)


class Connection(asyncio.BufferedProtocol):
    """One client connection.

    A buffered protocol: the transport reads into a shared scratch buffer
    (``recv_into``), which spares the allocation of a 256 KiB bytes object per read
    that a plain protocol costs.
    """

    def __init__(self, server: Server, transport_kind: str) -> None:
        self._server = server
        self._kind = transport_kind  # "unix" or "tls"
        self._transport: asyncio.Transport | None = None
        self._buf = bytearray()
        self._session: Any = None
        self.owner = ""
        self._methods: dict[int, Callable[..., Any]] = {}
        self._ops: dict[int, tuple[str, Any]] = {}
        self._volatile: set[int] = set()
        self._busy = False
        self._wpaused = False
        self._waiting_budget = False
        self._yielding = False
        self._reading = True
        self._reserved = 0
        self._closed = False
        self._peer_uid: int | None = None
        self._peer_subject: str | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_kind = ""
        self._requests = 0
        self._requests_seen = 0
        self.busy_future: asyncio.Future[None] | None = None

    # asyncio callbacks ---------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = transport = cast(asyncio.Transport, transport)
        server = self._server
        if len(server.connections) >= server.config.max_connections:
            transport.write(_error_frame(0, c.ERROR_INSUFFICIENT_MEMORY, "too many connections"))
            transport.close()
            self._closed = True
            return
        server.connections.add(self)
        if self._kind == "unix":
            sock = transport.get_extra_info("socket")
            if sock is not None:
                with contextlib.suppress(OSError):
                    raw = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, _PEERCRED.size)
                    self._peer_uid = _PEERCRED.unpack(raw)[1]
        else:
            sslobj = transport.get_extra_info("ssl_object")
            der = sslobj.getpeercert(binary_form=True) if sslobj is not None else None
            if der:
                self._peer_subject = _subject_of(der)
        self._set_timer("handshake", server.config.handshake_timeout)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closed = True
        self._cancel_timer()
        server = self._server
        server.connections.discard(self)
        self._release_budget()
        if self._waiting_budget:
            with contextlib.suppress(ValueError):
                server.budget_waiters.remove(self)
        self._cleanup()

    def pause_writing(self) -> None:
        self._wpaused = True
        self._update_reading()

    def resume_writing(self) -> None:
        self._wpaused = False
        self._update_reading()
        self._drain()

    def get_buffer(self, sizehint: int) -> memoryview:
        return _SCRATCH_VIEW

    def buffer_updated(self, nbytes: int) -> None:
        self.data_received(bytes(_SCRATCH_VIEW[:nbytes]))

    def data_received(self, data: bytes) -> None:
        if self._closed:
            return
        if not self._buf:
            # Fast path: exactly one whole frame for a plain inline call.
            n = len(data)
            if n >= 16 and not self._busy and not self._wpaused:
                lead, rid, opcode, blen = _unpack_header(data)
                if n == 16 + blen and lead == wire.REQUEST_LEAD and self._session is not None:
                    entry = ENTRIES.get(opcode)
                    if entry is not None and entry.inline and blen <= INLINE_MAX:
                        self._requests += 1
                        self._transport.write(self._run_plain(entry, rid, data))  # type: ignore[union-attr]
                        return
            self._buf = bytearray(data)
        else:
            self._buf += data
        self._drain()

    # framing -------------------------------------------------------------------------

    def _drain(self) -> None:
        """Handle every complete frame in the buffer, as far as the state allows."""
        buf = self._buf
        pos = 0
        cfg = self._server.config
        handled = 0
        while not (
            self._busy or self._wpaused or self._closed or self._yielding or self._server.stopping
        ):
            if handled == FRAMES_PER_TURN:
                # A client pipelining many frames yields to the others between batches.
                self._yielding = True
                self._server.loop.call_soon(self._end_turn)
                break
            handled += 1
            avail = len(buf) - pos
            if avail < 16:
                break
            lead, rid, opcode, blen = wire.unpack_header(buf, pos)
            if lead != wire.REQUEST_LEAD:
                try:
                    wire.check_lead(lead, response=False)
                except wire.WireError as e:
                    self._fatal(rid, e.status, str(e))
                return
            if blen > cfg.max_body:
                self._fatal(rid, c.ERROR_INSUFFICIENT_MEMORY, "body larger than the limit")
                return
            if avail < 16 + blen:
                if blen >= RESERVE_MIN and not self._reserved:
                    self._reserve(blen)
                break
            body = bytes(buf[pos + 16 : pos + 16 + blen])
            pos += 16 + blen
            self._release_budget()
            self._handle(rid, opcode, body)
        if pos:
            del buf[:pos]
        if self._closed:
            return
        if buf and not (self._busy or self._waiting_budget or self._yielding):
            if self._timer_kind != "frame" and self._timer_kind != "handshake":
                self._set_timer("frame", cfg.frame_timeout)
        elif self._timer_kind == "frame":
            self._cancel_timer()
            self._arm_idle()
        self._update_reading()

    def _update_reading(self) -> None:
        t = self._transport
        if t is None or self._closed:
            return
        want = not (
            self._busy
            or self._wpaused
            or self._waiting_budget
            or self._yielding
            or self._server.stopping
        )
        if want != self._reading:
            self._reading = want
            if want:
                t.resume_reading()
            else:
                t.pause_reading()

    def _end_turn(self) -> None:
        self._yielding = False
        if not self._closed:
            self._update_reading()
            self._drain()

    def _reserve(self, blen: int) -> bool:
        server = self._server
        self._release_budget()
        if server.budget_used + blen <= server.config.receive_budget:
            server.budget_used += blen
            self._reserved = blen
            return True
        if not self._waiting_budget:
            self._waiting_budget = True
            server.budget_waiters.append(self)
            if self._timer_kind == "frame":
                self._cancel_timer()
        return False

    def _release_budget(self) -> None:
        if self._reserved:
            server = self._server
            server.budget_used -= self._reserved
            self._reserved = 0
            server.wake_budget_waiters()

    def pending_need(self) -> int:
        """The body length of the partial frame waiting for receive budget."""
        if len(self._buf) < 16:
            return 0
        return wire.unpack_header(self._buf)[3]

    def budget_available(self) -> None:
        self._waiting_budget = False
        self._update_reading()
        self._drain()

    def _fatal(self, request_id: int, status: int, message: str) -> None:
        """Answer a protocol violation and close."""
        log.info("closing connection of %s: %s", self.owner or "unauthenticated", message)
        if self._transport is not None:
            self._transport.write(_error_frame(request_id, status, message))
            self._transport.close()
        self._closed = True

    # timers --------------------------------------------------------------------------

    def _set_timer(self, kind: str, delay: float) -> None:
        self._cancel_timer()
        if delay > 0:
            self._timer = self._server.loop.call_later(delay, self._timeout)
            self._timer_kind = kind

    def _cancel_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._timer_kind = ""

    def _arm_idle(self) -> None:
        idle = self._server.config.idle_timeout
        if idle > 0 and self._timer is None:
            self._requests_seen = self._requests
            self._set_timer("idle", idle)

    def _timeout(self) -> None:
        kind = self._timer_kind
        self._timer = None
        self._timer_kind = ""
        if self._closed:
            return
        if kind == "idle" and (self._requests != self._requests_seen or self._busy):
            self._arm_idle()
            return
        log.info("closing %s connection of %s: %s timeout", self._kind, self.owner or "?", kind)
        if self._transport is not None:
            self._transport.abort()

    # requests ------------------------------------------------------------------------

    def _handle(self, rid: int, opcode: int, body: bytes) -> None:
        transport = self._transport
        assert transport is not None
        if self._session is None:
            if opcode != _HELLO:
                self._fatal(rid, c.ERROR_BAD_STATE, "the first request must be hello")
                return
            self._hello(rid, body)
            return
        self._requests += 1
        entry = ENTRIES.get(opcode)
        if entry is None:
            transport.write(_error_frame(rid, c.ERROR_NOT_SUPPORTED, f"unknown opcode {opcode}"))
            return
        if entry.inline and len(body) <= INLINE_MAX:
            transport.write(self._run_plain(entry, rid, body, 0))
            return
        if entry.call.service:
            self._service(rid, entry, body)
            return
        try:
            args = entry.decode(body, 0)
        except wire.WireError as e:
            transport.write(_error_frame(rid, e.status, str(e)))
            return
        if entry.request_index >= 0 and args[entry.request_index] > self._server.config.max_body:
            transport.write(
                _error_frame(rid, c.ERROR_INSUFFICIENT_MEMORY, "requested output exceeds max_body")
            )
            return
        pending = _Pending(rid, entry)
        try:
            self._resolve(pending, args)
        except PsaError as e:
            transport.write(_error_frame(rid, e.status, str(e)))
            return
        method = self._method(entry)
        slow = (
            entry.blocking
            or len(body) > INLINE_MAX
            or (entry.request_index >= 0 and args[entry.request_index] > INLINE_MAX)
        )
        if not slow:
            try:
                result = method(*args)
            except BaseException as e:
                transport.write(self._finish_error(pending, e))
                return
            transport.write(self._finish(pending, args, result))
            return
        self._submit(pending, args, method, args)

    def _submit(
        self, pending: _Pending, args: list[Any], fn: Callable[..., Any], fn_args: list[Any]
    ) -> None:
        """Run ``fn(*fn_args)`` in the worker pool; the connection waits meanwhile."""
        self._busy = True
        self._update_reading()
        fut = self._server.loop.run_in_executor(self._server.pool, _call, fn, fn_args)
        self.busy_future = fut
        fut.add_done_callback(lambda f: self._done(pending, args, f))

    def _done(self, pending: _Pending, args: list[Any], fut: asyncio.Future[Any]) -> None:
        self._busy = False
        self.busy_future = None
        if self._closed or self._transport is None:
            # The client went away meanwhile: undo what the call created.
            if not fut.cancelled() and fut.exception() is None:
                self._finish(pending, args, fut.result())
                self._cleanup()
            return
        if fut.cancelled():
            self._transport.write(
                _error_frame(pending.request_id, c.ERROR_COMMUNICATION_FAILURE, "shutting down")
            )
        else:
            exc = fut.exception()
            if exc is not None:
                self._transport.write(self._finish_error(pending, exc))
            else:
                self._transport.write(self._finish(pending, args, fut.result()))
        self._update_reading()
        self._drain()

    def _method(self, entry: _Entry) -> Callable[..., Any]:
        method = self._methods.get(entry.opcode)
        if method is None:
            method = getattr(self._session, entry.name, None)
            if method is None:
                raise_ = _not_supported(entry.name)
                return raise_
            self._methods[entry.opcode] = method
        return method

    def _run_plain(self, entry: _Entry, rid: int, data: bytes, start: int = 16) -> bytes:
        """An inline call without operations or new keys (the hot path)."""
        try:
            args = entry.decode(data, start)
            method = self._methods.get(entry.opcode) or self._method(entry)
            result = method(*args)
            n = entry.nresults
            if n == 0:
                body = _OK_EMPTY
            elif n == 1:
                body = entry.encode1(result)
            else:
                body = entry.encode(result)
            return wire.pack_response(rid, 0, body)
        except PsaError as e:
            return _error_frame(rid, e.status, str(e))
        except wire.WireError as e:
            return _error_frame(rid, e.status, str(e))
        except BaseException as e:
            return _internal_error(rid, entry, e)

    def _resolve(self, pending: _Pending, args: list[Any]) -> None:
        """Replace operation handles in ``args`` by the server-side objects."""
        entry = pending.entry
        for index, family in entry.op_indexes:
            handle = args[index]
            if handle == 0:
                obj = self._new_operation(family)
                if index == entry.state_index and entry.role == _CREATE:
                    self._check_operation_quota()
                    pending.fresh = True
            else:
                found = self._ops.get(handle)
                if found is None or found[0] != family:
                    raise BadStateError("no such operation")
                obj = found[1]
            pending.handles.append(handle)
            pending.objects.append(obj)
            args[index] = obj

    def _check_operation_quota(self) -> None:
        server = self._server
        cfg = server.config
        if len(self._ops) >= cfg.max_operations_per_connection:
            raise InsufficientMemoryError("too many operations on this connection")
        quota = cfg.quota_operations
        if quota is not None and server.owner_operations.get(self.owner, 0) >= quota:
            raise InsufficientMemoryError("operation quota of this client reached")

    def _free(self, handle: int) -> None:
        if self._ops.pop(handle, None) is not None:
            owner_ops = self._server.owner_operations
            left = owner_ops.get(self.owner, 0) - 1
            if left > 0:
                owner_ops[self.owner] = left
            else:
                owner_ops.pop(self.owner, None)

    def _new_operation(self, family: str) -> Any:
        factory = getattr(self._session, api.OPERATION_CLASSES[family], None)
        if factory is None:
            raise NotSupportedError(f"{family} operations are not supported")
        return factory()

    def _finish(self, pending: _Pending, args: list[Any], result: Any) -> bytes:
        """Book-keeping after a successful call, and its response."""
        entry = pending.entry
        if entry.nresults == 0:
            results: list[Any] = []
        elif entry.nresults == 1:
            results = [result]
        else:
            results = list(result)
        try:
            if entry.op_indexes:
                state_pos = [i for i, _ in entry.op_indexes].index(entry.state_index)
                handle = pending.handles[state_pos]
                role = entry.role
                if role == _CREATE:
                    if pending.fresh:
                        handle = self._register(entry.call.op_class, pending, state_pos)
                    results.insert(0, handle)
                elif role in (_END, _ABORT) and handle:
                    self._free(handle)
            if entry.key_results:
                self._track_keys(entry, args, results)
            elif entry.name == "destroy_key":
                self._volatile.discard(args[0])
            return wire.pack_response(pending.request_id, 0, entry.encode(results))
        except BaseException as e:
            return _internal_error(pending.request_id, entry, e)

    def _finish_error(self, pending: _Pending, exc: BaseException) -> bytes:
        entry = pending.entry
        if entry.role == _ABORT:
            for handle in pending.handles:
                self._free(handle)
        if isinstance(exc, PsaError):
            return _error_frame(pending.request_id, exc.status, str(exc))
        return _internal_error(pending.request_id, entry, exc)

    def _register(self, op_class: str, pending: _Pending, state_pos: int) -> int:
        family = pending.entry.op_indexes[state_pos][1]
        obj = pending.objects[state_pos]
        while True:
            handle = secrets.randbits(64)
            if handle and handle not in self._ops:
                break
        self._ops[handle] = (family, obj)
        owner_ops = self._server.owner_operations
        owner_ops[self.owner] = owner_ops.get(self.owner, 0) + 1
        return handle

    def _track_keys(self, entry: _Entry, args: list[Any], results: list[Any]) -> None:
        """Remember the volatile keys this connection created (destroyed at disconnect)."""
        volatile: bool | None = None
        if entry.attrs_index >= 0:
            attrs = args[entry.attrs_index]
            if isinstance(attrs, KeyAttributes):
                volatile = (attrs.lifetime & 0xFF) == c.KEY_PERSISTENCE_VOLATILE
        for i in entry.key_results:
            key_id = results[i]
            is_volatile = volatile
            if is_volatile is None:
                try:
                    got = self._session.get_key_attributes(key_id)
                    is_volatile = (got.lifetime & 0xFF) == c.KEY_PERSISTENCE_VOLATILE
                except PsaError:
                    is_volatile = False
            if is_volatile:
                self._volatile.add(key_id)

    def _cleanup(self) -> None:
        """Free every operation and volatile key of this connection."""
        session = self._session
        if session is None:
            return
        ops = dict(self._ops)
        for handle in ops:
            self._free(handle)
        for family, obj in ops.values():
            with contextlib.suppress(Exception):
                getattr(session, family + "_abort")(obj)
        keys, self._volatile = self._volatile, set()
        for key_id in keys:
            with contextlib.suppress(Exception):
                session.destroy_key(key_id)

    # service calls --------------------------------------------------------------------

    def _hello(self, rid: int, body: bytes) -> None:
        transport = self._transport
        assert transport is not None
        try:
            (hello,) = ENTRIES[_HELLO].decode(body, 0)
            versions = hello.get("versions")
            if not isinstance(versions, list) or not all(isinstance(v, int) for v in versions):
                raise wire.WireError("hello: versions must be an array of integers")
            common = [v for v in versions if v in wire.SUPPORTED_VERSIONS]
            if not common:
                self._fatal(rid, c.ERROR_NOT_SUPPORTED, "no common protocol version")
                return
            token = hello.get("token")
            if token is not None and not isinstance(token, bytes):
                raise wire.WireError("hello: token must be a byte string")
        except wire.WireError as e:
            self._fatal(rid, e.status, str(e))
            return
        owner = self._server.authenticate(self._kind, self._peer_uid, self._peer_subject, token)
        if owner is None:
            self._fatal(rid, c.ERROR_NOT_PERMITTED, "authentication failed")
            return
        try:
            self._session = self._server.session_factory(owner)
        except PsaError as e:
            self._fatal(rid, e.status, str(e))
            return
        self.owner = owner
        self._cancel_timer()
        self._arm_idle()
        cfg = self._server.config
        reply = {
            "version": max(common),
            "server": SERVER_NAME,
            "identity": owner,
            "max_body": cfg.max_body,
            "max_operations": cfg.max_operations_per_connection,
            "admin": owner in cfg.admins,
        }
        transport.write(wire.pack_response(rid, 0, ENTRIES[_HELLO].encode((reply,))))

    def _service(self, rid: int, entry: _Entry, body: bytes) -> None:
        transport = self._transport
        assert transport is not None
        try:
            args = entry.decode(body, 0)
        except wire.WireError as e:
            transport.write(_error_frame(rid, e.status, str(e)))
            return
        name = entry.name
        server = self._server
        try:
            if name == "hello":
                transport.write(_error_frame(rid, c.ERROR_BAD_STATE, "already said hello"))
                return
            if name == "ping" or name == "crypto_init":
                result: Any = None
            elif name == "operation_state":
                found = self._ops.get(args[0])
                if found is None:
                    result = 0
                else:
                    active = getattr(found[1], "active", True)
                    result = 1 if active else 2
            elif name == "list_keys":
                self._submit(_Pending(rid, entry), args, server.admin, [name, [self.owner]])
                return
            elif name == "capabilities":
                self._submit(_Pending(rid, entry), args, server.capabilities, [self._session])
                return
            elif entry.call.admin:
                if self.owner not in server.config.admins:
                    transport.write(
                        _error_frame(rid, c.ERROR_NOT_PERMITTED, "not an administrator")
                    )
                    return
                self._submit(_Pending(rid, entry), args, server.admin, [name, args])
                return
            else:
                transport.write(_error_frame(rid, c.ERROR_NOT_SUPPORTED, name))
                return
        except PsaError as e:
            transport.write(_error_frame(rid, e.status, str(e)))
            return
        results = [] if entry.nresults == 0 else [result]
        transport.write(wire.pack_response(rid, 0, entry.encode(results)))


def _call(method: Callable[..., Any], args: list[Any]) -> Any:
    return method(*args)


def _not_supported(name: str) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        raise NotSupportedError(f"{name} is not implemented by this service")

    return call


def _internal_error(rid: int, entry: _Entry, exc: BaseException) -> bytes:
    if isinstance(exc, wire.WireError):
        return _error_frame(rid, exc.status, str(exc))
    if isinstance(exc, PsaError):
        return _error_frame(rid, exc.status, str(exc))
    if isinstance(exc, MemoryError):
        return _error_frame(rid, c.ERROR_INSUFFICIENT_MEMORY, "out of memory")
    if isinstance(exc, (TypeError, ValueError, OverflowError)):
        log.debug("%s rejected its arguments", entry.name, exc_info=exc)
        return _error_frame(rid, c.ERROR_INVALID_ARGUMENT, "invalid argument")
    log.error("internal error in %s", entry.name, exc_info=exc)
    return _error_frame(rid, c.ERROR_GENERIC_ERROR, "internal error")


def _subject_of(der: bytes) -> str | None:
    try:
        from cryptography import x509

        return x509.load_der_x509_certificate(der).subject.rfc4514_string()
    except Exception:
        return None


class Server:
    """The service: listeners, the shared core, and the connections."""

    def __init__(
        self,
        config: ServerConfig,
        session_factory: SessionFactory,
        *,
        core: Any = None,
        capabilities: Callable[[], dict[str, Any]] | None = None,
    ) -> None:
        self.config = config
        self.session_factory = session_factory
        self.core = core
        self._capabilities = capabilities
        self.connections: set[Connection] = set()
        #: live operations per owner, all connections together (for the quota)
        self.owner_operations: dict[str, int] = {}
        self.budget_used = 0
        self.budget_waiters: deque[Connection] = deque()
        self.pool = ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="psa-worker")
        self.loop = asyncio.get_running_loop()
        self._listeners: list[asyncio.AbstractServer] = []
        self._unix_paths: list[tuple[pathlib.Path, int]] = []
        self._tokens = {bytes.fromhex(d): name for name, d in config.tokens.items()}
        self._stopping: asyncio.Event | None = None
        #: set at shutdown: connections read no further requests
        self.stopping = False

    # identities ----------------------------------------------------------------------

    def authenticate(
        self, kind: str, uid: int | None, subject: str | None, token: bytes | None
    ) -> str | None:
        """The owner string of a connection, or None to refuse it."""
        cfg = self.config
        if token is not None:
            if not cfg.auth_token or kind not in ("unix", "tls"):
                return None
            digest = hash_token(token)
            for known, client_name in self._tokens.items():
                if hmac.compare_digest(known.hex(), digest):
                    return "token:" + client_name
            return None
        if kind == "unix":
            if not cfg.auth_unix or uid is None:
                return None
            name = cfg.unix_users.get(uid)
            if name is None:
                if not cfg.unix_allow_unmapped:
                    return None
                try:
                    name = pwd.getpwuid(uid).pw_name
                except KeyError:
                    name = f"uid{uid}"
            return "unix:" + name
        if kind == "tls" and subject is not None and cfg.auth_tls:
            return "tls:" + subject
        return None

    def capabilities(self, session: Any) -> dict[str, Any]:
        info: dict[str, Any] = {}
        if self._capabilities is not None:
            info.update(self._capabilities())
        info.setdefault("algorithms", [])
        info.setdefault("key_types", [])
        info.setdefault(
            "locations",
            [{"location": c.KEY_LOCATION_LOCAL_STORAGE, "name": "local", "driver": "software"}],
        )
        info["protocol_versions"] = list(wire.SUPPORTED_VERSIONS)
        info["server"] = SERVER_NAME
        info["max_body"] = self.config.max_body
        info["calls"] = sorted(
            call.opcode for call in api.CALLS if call.service or hasattr(session, call.name)
        )
        return info

    def admin(self, name: str, args: list[Any]) -> Any:
        core = self.core
        if core is None:
            raise NotSupportedError("administration needs the service's core")
        if name == "admin_list_clients":
            return list(core.owners())
        if name in ("admin_list_keys", "list_keys"):
            return list(core.list_key_attributes(args[0]))
        if name == "admin_delete_keys":
            return int(core.delete_owner_keys(args[0]))
        raise NotSupportedError(name)

    def wake_budget_waiters(self) -> None:
        while self.budget_waiters:
            conn = self.budget_waiters[0]
            if conn._closed:
                self.budget_waiters.popleft()
                continue
            need = conn.pending_need()
            if self.budget_used + need > self.config.receive_budget:
                return
            self.budget_waiters.popleft()
            self.loop.call_soon(conn.budget_available)

    # lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        for url in self.config.listen:
            parts = urlsplit(url)
            if parts.scheme == "unix":
                path = pathlib.Path(parts.netloc + parts.path)
                path.parent.mkdir(parents=True, exist_ok=True)
                with contextlib.suppress(FileNotFoundError):
                    if path.is_socket():
                        path.unlink()
                listener = await self.loop.create_unix_server(
                    lambda: Connection(self, "unix"), str(path), backlog=1024
                )
                os.chmod(path, self.config.socket_mode)
                self._unix_paths.append((path, path.stat().st_ino))
            elif parts.scheme == "tls":
                if self.config.tls is None:
                    raise ValueError(f"{url}: a tls listener needs the [tls] settings")
                if parts.port is None:
                    raise ValueError(f"{url}: expected tls://host:port")
                listener = await self.loop.create_server(
                    lambda: Connection(self, "tls"),
                    parts.hostname,
                    parts.port,
                    ssl=self._ssl_context(),
                    backlog=1024,
                    reuse_address=True,
                )
            else:
                raise ValueError(f"unsupported listener {url!r}")
            self._listeners.append(listener)
            log.info("listening on %s", url)

    def _ssl_context(self) -> ssl.SSLContext:
        tls = self.config.tls
        assert tls is not None
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(tls.cert, tls.key)
        if tls.client_ca:
            ctx.load_verify_locations(tls.client_ca)
            ctx.verify_mode = ssl.CERT_REQUIRED if tls.require_client_cert else ssl.CERT_OPTIONAL
        return ctx

    async def run(self) -> None:
        """Serve until :meth:`request_stop` (or SIGTERM/SIGINT), then shut down."""
        self._stopping = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                self.loop.add_signal_handler(sig, self.request_stop)
        await self._stopping.wait()
        await self.shutdown()

    def request_stop(self) -> None:
        if self._stopping is not None:
            self._stopping.set()

    async def shutdown(self) -> None:
        log.info("shutting down")
        self.stopping = True
        for listener in self._listeners:
            listener.close()
        for conn in list(self.connections):
            conn._update_reading()
        for path, inode in self._unix_paths:
            with contextlib.suppress(OSError):
                if path.stat().st_ino == inode:  # not replaced by another server
                    path.unlink()
        # Let in-flight calls finish (their answers are written), then close.
        busy = [c.busy_future for c in self.connections if c.busy_future is not None]
        if busy:
            await asyncio.wait(busy, timeout=self.config.shutdown_grace)
        for conn in list(self.connections):
            if conn._transport is not None:
                conn._transport.close()
        await asyncio.sleep(0)
        self.pool.shutdown(wait=True, cancel_futures=True)
        for conn in list(self.connections):
            conn.connection_lost(None)
        if self.core is not None:
            with contextlib.suppress(Exception):
                self.core.close()
        log.info("stopped")


def _raise_nofile_limit() -> None:
    with contextlib.suppress(ValueError, OSError):
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        if soft < hard:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def build_core(config: ServerConfig) -> Any:
    """The cryptoprocessor of the service, from its configuration."""
    from ..core.session import Core, Quotas
    from ..keystore import open_keystore

    spec = config.resolved_keystore()
    if spec not in ("memory", "none"):
        pathlib.Path(spec).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    quotas = Quotas(
        max_keys=config.quota_keys,
        max_storage_bytes=config.quota_storage_bytes,
        max_operations=config.quota_operations,
    )
    core = Core(open_keystore(spec), quotas=quotas)
    if config.huk:  # the hardware unique key (architecture 4.3; psacrypto.huk)
        from ..huk import install

        try:
            install(
                core,
                config.huk,
                marker=config.huk_marker or None,
                provision=config.huk_provision,
            )
        except BaseException:
            core.close()
            raise
    if config.locations:  # opaque drivers by key location (psacrypto.core.locations)
        core.locations.configure(config.locations)
    return core


def core_capabilities(core: Any) -> Callable[[], dict[str, Any]]:
    """What the core supports: the algorithm and key-type lists are computed once
    (they are fixed by the code); the locations' status is read on every request,
    so a cryptoprocessor going down shows up."""
    cache: dict[str, Any] = {}

    def caps() -> dict[str, Any]:
        if not cache:
            from ..core import capabilities

            cache["algorithms"] = capabilities.supported_algorithms()
            cache["key_types"] = [list(kt) for kt in capabilities.supported_key_types()]
        answer = dict(cache)
        locations = getattr(core, "locations", None)
        if callable(locations):
            answer["locations"] = locations()
        return answer

    return caps


def run_server(
    config: ServerConfig,
    session_factory: SessionFactory,
    *,
    core: Any = None,
    capabilities: Callable[[], dict[str, Any]] | None = None,
    ready: Callable[[Server], None] | None = None,
) -> None:
    """Run a server with the given session factory until SIGTERM."""
    _raise_nofile_limit()

    async def main() -> None:
        server = Server(config, session_factory, core=core, capabilities=capabilities)
        await server.start()
        if ready is not None:
            ready(server)
        await server.run()

    if os.environ.get("PSACRYPTO_UVLOOP", "1") != "0":
        # uvloop (optional) roughly halves the event loop's share of each call.
        try:
            uvloop = importlib.import_module("uvloop")
        except ImportError:
            pass
        else:
            uvloop.run(main())
            return
    asyncio.run(main())


def serve(config: ServerConfig | None = None) -> None:
    """Run the cryptoprocessor service (``psacrypto serve``) until SIGTERM."""
    config = config or ServerConfig()
    logging.basicConfig(
        level=getattr(logging, config.log_level.upper(), logging.INFO),
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    core = build_core(config)
    run_server(config, core.session, core=core, capabilities=core_capabilities(core))


def main(argv: list[str] | None = None) -> int:
    """``python -m psacrypto.remote.server [--config FILE] [--listen URL] [--keystore S]``."""
    import argparse

    from .config import load_config

    parser = argparse.ArgumentParser(prog="psacrypto-server")
    parser.add_argument("--config")
    parser.add_argument("--listen", action="append")
    parser.add_argument("--keystore")
    ns = parser.parse_args(argv)
    config = load_config(ns.config) if ns.config else ServerConfig()
    if ns.listen:
        config.listen = ns.listen
    if ns.keystore:
        config.keystore = ns.keystore
    serve(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
