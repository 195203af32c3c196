"""The service through a real server process: round trips, errors, operations, limits."""

from __future__ import annotations

import contextlib
import hashlib
import os
import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import psacrypto as p
from psacrypto import api, errors
from psacrypto.remote import wire
from psacrypto.remote.client import RemoteContext, connect
from psacrypto.remote.config import ServerConfig, hash_token
from psacrypto.remote.testing import InProcessServer, ServerProcess

TOKENS = {"alice": "alice-secret", "bob": "bob-secret", "admin": "admin-secret"}


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    directory = tmp_path_factory.mktemp("svc")
    srv = ServerProcess.start(
        directory,
        admins=["token:admin"],
        auth={"token": {"clients": {n: {"sha256": hash_token(t)} for n, t in TOKENS.items()}}},
        limits={"frame_timeout": 1.0, "handshake_timeout": 1.0, "max_body": 256 * 1024},
    )
    yield srv
    assert srv.stop() == 0, srv.log()


@pytest.fixture
def rctx(service: ServerProcess) -> Iterator[RemoteContext]:
    ctx = service.connect()
    yield ctx
    ctx.close()


def aes_attrs(usage: int = 0, alg: int = p.ALG_GCM, bits: int = 256) -> p.KeyAttributes:
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_AES)
    p.set_key_bits(a, bits)
    p.set_key_usage_flags(a, usage or (p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT))
    p.set_key_algorithm(a, alg)
    return a


def raw_connect(service: ServerProcess, hello: bool = True) -> socket.socket:
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(5)
    s.connect(service.url[len("unix://") :])
    if hello:
        body = wire.encode_any([{"versions": [1]}])
        s.sendall(wire.pack_request(1, api.BY_NAME["hello"].opcode, body))
        assert read_frame(s)[0][2] == 0
    return s


def read_frame(s: socket.socket) -> tuple[tuple[int, int, int, int], bytes]:
    head = b""
    while len(head) < 16:
        chunk = s.recv(16 - len(head))
        if not chunk:
            raise ConnectionError("closed")
        head += chunk
    fields = wire.unpack_header(head)
    body = b""
    while len(body) < fields[3]:
        chunk = s.recv(fields[3] - len(body))
        if not chunk:
            raise ConnectionError("closed")
        body += chunk
    return fields, body


def closed_by_peer(s: socket.socket, timeout: float = 5) -> bool:
    s.settimeout(timeout)
    try:
        while True:
            data = s.recv(65536)
            if not data:
                return True
    except (ConnectionResetError, BrokenPipeError):
        return True
    except TimeoutError:
        return False


# Hello and discovery ------------------------------------------------------------------------


def test_identity_from_transport_and_token(service: ServerProcess) -> None:
    with service.connect() as ctx:
        assert ctx.identity == "unix:root"
        assert ctx.protocol_version == 1
    with service.connect(token=TOKENS["alice"]) as ctx:
        assert ctx.identity == "token:alice"
    with pytest.raises(errors.NotPermittedError):
        service.connect(token="wrong")


def test_capabilities(rctx: RemoteContext) -> None:
    caps = rctx.capabilities()
    assert caps["protocol_versions"] == [1]
    assert p.ALG_GCM in caps["algorithms"]
    assert p.ALG_SHA_256 in caps["algorithms"]
    assert [p.KEY_TYPE_AES, 256] in caps["key_types"]
    assert caps["locations"][0]["location"] == 0
    assert api.BY_NAME["aead_encrypt"].opcode in caps["calls"]
    assert caps["max_body"] == 256 * 1024
    rctx.ping()
    rctx.crypto_init()


# Round trips --------------------------------------------------------------------------------


def test_keys_and_symmetric_round_trips(rctx: RemoteContext) -> None:
    assert len(rctx.generate_random(33)) == 33
    assert rctx.hash_compute(p.ALG_SHA_256, b"abc").hex().startswith("ba7816bf")
    rctx.hash_compare(p.ALG_SHA_256, b"abc", rctx.hash_compute(p.ALG_SHA_256, b"abc"))
    key = rctx.import_key(
        aes_attrs(p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT | p.KEY_USAGE_EXPORT), b"k" * 32
    )
    got = rctx.get_key_attributes(key)
    assert (got.type, got.bits, got.algorithm) == (p.KEY_TYPE_AES, 256, p.ALG_GCM)
    assert rctx.export_key(key) == b"k" * 32
    ct = rctx.aead_encrypt(key, p.ALG_GCM, b"n" * 12, b"ad", b"hello")
    with p.open_local("memory") as local:
        lkey = local.import_key(aes_attrs(), b"k" * 32)
        assert local.aead_encrypt(lkey, p.ALG_GCM, b"n" * 12, b"ad", b"hello") == ct
    assert rctx.aead_decrypt(key, p.ALG_GCM, b"n" * 12, b"ad", ct) == b"hello"
    with pytest.raises(errors.InvalidSignatureError):
        rctx.aead_decrypt(key, p.ALG_GCM, b"n" * 12, b"AD", ct)
    rctx.destroy_key(key)
    with pytest.raises(errors.InvalidHandleError):
        rctx.export_key(key)


def test_multipart_operations(rctx: RemoteContext) -> None:
    op = rctx.HashOperation()
    op.setup(p.ALG_SHA_256)
    op.update(b"a")
    other = rctx.HashOperation()
    op.clone(other)
    state = op.suspend()
    resumed = rctx.HashOperation()
    resumed.resume(state)
    resumed.update(b"bc")
    assert resumed.finish() == rctx.hash_compute(p.ALG_SHA_256, b"abc")
    rctx.hash_update(other, b"bc")  # the flat form works on the same object
    other.verify(rctx.hash_compute(p.ALG_SHA_256, b"abc"))
    # AEAD, multi-part, tuple results in the C output order
    key = rctx.import_key(aes_attrs(), b"k" * 32)
    with rctx.AeadOperation() as enc:
        enc.encrypt_setup(key, p.ALG_GCM)
        enc.set_nonce(b"n" * 12)
        enc.update_ad(b"ad")
        part = enc.update(b"hello")
        rest, tag = enc.finish()
    assert part + rest + tag == rctx.aead_encrypt(key, p.ALG_GCM, b"n" * 12, b"ad", b"hello")
    mac_key = rctx.import_key(
        aes_attrs(
            p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE, p.ALG_HMAC(p.ALG_SHA_256)
        ).__class__(
            p.KEY_TYPE_HMAC,
            0,
            0,
            0,
            p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE,
            p.ALG_HMAC(p.ALG_SHA_256),
        ),
        b"m" * 32,
    )
    mop = rctx.MacOperation()
    mop.sign_setup(mac_key, p.ALG_HMAC(p.ALG_SHA_256))
    mop.update(b"data")
    assert mop.sign_finish() == rctx.mac_compute(mac_key, p.ALG_HMAC(p.ALG_SHA_256), b"data")


def test_key_derivation_and_signatures(rctx: RemoteContext) -> None:
    kd = rctx.KeyDerivationOperation()
    kd.setup(p.ALG_HKDF(p.ALG_SHA_256))
    kd.input_bytes(p.KEY_DERIVATION_INPUT_SALT, b"salt")
    kd.input_bytes(p.KEY_DERIVATION_INPUT_SECRET, b"secret")
    kd.input_bytes(p.KEY_DERIVATION_INPUT_INFO, b"info")
    assert kd.get_capacity() == 255 * 32
    out = kd.output_bytes(42)
    kd.abort()
    with p.open_local("memory") as local:
        lkd = local.KeyDerivationOperation()
        lkd.setup(p.ALG_HKDF(p.ALG_SHA_256))
        lkd.input_bytes(p.KEY_DERIVATION_INPUT_SALT, b"salt")
        lkd.input_bytes(p.KEY_DERIVATION_INPUT_SECRET, b"secret")
        lkd.input_bytes(p.KEY_DERIVATION_INPUT_INFO, b"info")
        assert lkd.output_bytes(42) == out
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1))
    p.set_key_bits(a, 256)
    p.set_key_usage_flags(a, p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE)
    p.set_key_algorithm(a, p.ALG_ECDSA(p.ALG_SHA_256))
    key = rctx.generate_key(a)
    sig = rctx.sign_message(key, p.ALG_ECDSA(p.ALG_SHA_256), b"msg")
    rctx.verify_message(key, p.ALG_ECDSA(p.ALG_SHA_256), b"msg", sig)
    with pytest.raises(errors.InvalidSignatureError):
        rctx.verify_message(key, p.ALG_ECDSA(p.ALG_SHA_256), b"other", sig)
    assert len(rctx.export_public_key(key)) == 65


def test_errors_are_the_local_ones(rctx: RemoteContext) -> None:
    """The same misuse raises the same exception class locally and remotely."""
    with p.open_local("memory") as local:
        cases: list[tuple[str, tuple[Any, ...]]] = [
            ("export_key", (0x12345,)),
            ("hash_compute", (p.ALG_GCM, b"x")),
            ("hash_compute", (0x02000077, b"x")),
            ("generate_random", (0,)),
            ("import_key", (aes_attrs(), b"short")),
            ("destroy_key", (0,)),
            ("get_key_attributes", (0xFFFFFFFF,)),
            ("export_key", (-1,)),
            ("aead_encrypt", (1, p.ALG_GCM, b"", b"", b"")),
        ]
        for name, args in cases:
            outcomes = []
            for ctx in (local, rctx):
                try:
                    getattr(ctx, name)(*args)
                    outcomes.append(None)
                except errors.PsaError as e:
                    outcomes.append(type(e))
            assert outcomes[0] == outcomes[1], (name, args, outcomes)


def test_operation_state_machine(rctx: RemoteContext) -> None:
    op = rctx.HashOperation()
    with pytest.raises(errors.BadStateError):
        op.update(b"x")  # inactive
    op.abort()  # no-op on an inactive operation
    with pytest.raises(errors.PsaError):
        op.setup(p.ALG_GCM)  # failed setup: still inactive
    assert op._handle == 0
    op.setup(p.ALG_SHA_256)
    assert op._handle != 0
    with pytest.raises(errors.BadStateError):
        op.setup(p.ALG_SHA_256)  # already active: error state
    with pytest.raises(errors.BadStateError):
        op.update(b"x")  # error state: only abort
    op.abort()
    assert op._handle == 0
    op.setup(p.ALG_SHA_256)
    with pytest.raises(errors.InvalidSignatureError):
        op.verify(b"\0" * 32)
    with pytest.raises(errors.BadStateError):
        op.finish()
    op.abort()
    # an operation of another context is refused
    with connect(rctx.url) as other:
        foreign = other.HashOperation()
        with pytest.raises(errors.InvalidArgumentError):
            rctx.hash_setup(foreign, p.ALG_SHA_256)


def test_forged_handle_is_bad_state(rctx: RemoteContext) -> None:
    op = rctx.HashOperation()
    op._handle = 0x1234567890ABCDEF
    with pytest.raises(errors.BadStateError):
        op.update(b"x")
    op._handle = 0


def test_operation_limit_per_connection(tmp_path: Path) -> None:
    with ServerProcess.start(tmp_path, limits={"max_operations_per_connection": 4}) as srv:
        ctx = srv.connect()
        ops = [ctx.HashOperation() for _ in range(5)]
        for op in ops[:4]:
            op.setup(p.ALG_SHA_256)
        with pytest.raises(errors.InsufficientMemoryError):
            ops[4].setup(p.ALG_SHA_256)
        ops[0].finish()
        ops[1].abort()
        ops[4].setup(p.ALG_SHA_256)
        ctx.close()
        with srv.connect() as again:  # a new connection has its own table
            for _ in range(4):
                again.HashOperation().setup(p.ALG_SHA_256)
            big = os.urandom(3 << 20)  # near the default 4 MiB limit, many reads
            assert again.hash_compute(p.ALG_SHA_256, big) == hashlib.sha256(big).digest()


def test_disconnect_frees_operations_and_volatile_keys(tmp_path: Path) -> None:
    cfg = ServerConfig(listen=[f"unix://{tmp_path}/s.sock"], keystore="memory")
    with InProcessServer(cfg) as srv:
        ctx = srv.connect()
        ops = []
        for _ in range(5):
            op = ctx.HashOperation()
            op.setup(p.ALG_SHA_256)
            ops.append(op)
        key = ctx.import_key(aes_attrs(), b"k" * 32)
        assert srv.server is not None
        server = srv.server

        def count_ops() -> int:
            return sum(len(c._ops) for c in server.connections)

        assert srv.call(count_ops) == 5
        ops[0].finish()
        ops[1].abort()
        assert srv.call(count_ops) == 3
        with srv.connect() as peer:  # same identity: sees the volatile key meanwhile
            assert peer.get_key_attributes(key).bits == 256
            ctx.close()
            deadline = time.monotonic() + 5
            while srv.call(count_ops) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert srv.call(count_ops) == 0
            with pytest.raises(errors.InvalidHandleError):
                peer.get_key_attributes(key)


def test_large_bodies_and_limits(rctx: RemoteContext) -> None:
    data = os.urandom(200 * 1024)  # runs in the worker pool (large body)
    assert rctx.hash_compute(p.ALG_SHA_256, data) == p.open_local("memory").hash_compute(
        p.ALG_SHA_256, data
    )
    with pytest.raises(errors.InsufficientMemoryError):
        rctx.hash_compute(p.ALG_SHA_256, b"x" * (300 * 1024))  # refused by the client
    with pytest.raises(errors.InsufficientMemoryError):
        rctx.generate_random(10**9)  # an output larger than a frame
    assert rctx.ping() is None  # the connection is still fine


# Raw protocol -------------------------------------------------------------------------------


def test_unknown_opcode_and_bad_bodies_keep_the_connection(service: ServerProcess) -> None:
    s = raw_connect(service)
    s.sendall(wire.pack_request(5, 0x7777, b"\x80"))
    (lead, rid, status, _), body = read_frame(s)
    assert (lead, rid, status) == (wire.RESPONSE_LEAD, 5, p.ERROR_NOT_SUPPORTED)
    assert wire.decode_error_body(body)
    opcode = api.BY_NAME["hash_compute"].opcode
    for bad in (b"", b"\x80", b"\x82\x00", b"\x82\x00\x61x", b"\x82\xc2\x00\x40", b"\xff" * 5):
        s.sendall(wire.pack_request(6, opcode, bad))
        (_, rid, status, _), _ = read_frame(s)
        assert (rid, status) == (6, p.ERROR_INVALID_ARGUMENT), bad
    s.sendall(wire.pack_request(7, api.BY_NAME["ping"].opcode, b"\x80"))
    assert read_frame(s)[0][1:3] == (7, 0)
    s.close()


def test_protocol_violations_close_the_connection(service: ServerProcess) -> None:
    s = raw_connect(service, hello=False)  # a request before hello
    s.sendall(wire.pack_request(1, api.BY_NAME["ping"].opcode, b"\x80"))
    assert read_frame(s)[0][2] == p.ERROR_BAD_STATE
    assert closed_by_peer(s)
    s = raw_connect(service)  # oversized length
    s.sendall(struct.pack(">HBBIII", wire.MAGIC, 1, 0, 9, 0x0201, 2**31))
    assert read_frame(s)[0][1:3] == (9, p.ERROR_INSUFFICIENT_MEMORY)
    assert closed_by_peer(s)
    s = raw_connect(service)  # bad magic
    s.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert closed_by_peer(s)
    s = raw_connect(service)  # unknown version
    s.sendall(struct.pack(">HBBIII", wire.MAGIC, 9, 0, 1, 2, 0))
    assert read_frame(s)[0][2] == p.ERROR_NOT_SUPPORTED
    assert closed_by_peer(s)
    s = raw_connect(service, hello=False)  # no common version
    s.sendall(wire.pack_request(1, 1, wire.encode_any([{"versions": [7, 8]}])))
    assert read_frame(s)[0][2] == p.ERROR_NOT_SUPPORTED
    assert closed_by_peer(s)


def test_stalled_clients_are_dropped(service: ServerProcess, rctx: RemoteContext) -> None:
    mid_frame = raw_connect(service)
    mid_frame.sendall(wire.pack_request(1, 0x0201, b"\x82" + b"\x00" * 40)[:30])
    silent = raw_connect(service, hello=False)  # never says hello
    t0 = time.monotonic()
    rctx.ping()  # others are served meanwhile
    assert closed_by_peer(mid_frame, 5) and closed_by_peer(silent, 5)
    assert time.monotonic() - t0 < 4.5


def test_pipelined_requests_answered_in_order(service: ServerProcess) -> None:
    s = raw_connect(service)
    op = api.BY_NAME["generate_random"].opcode
    frames = b"".join(wire.pack_request(i, op, b"\x81" + wire._u(i)) for i in range(1, 200))
    s.sendall(frames)
    for i in range(1, 200):
        (_, rid, status, _), body = read_frame(s)
        assert (rid, status) == (i, 0)
        assert len(wire.make_decoder([api.BYTES])(body, 0)[0]) == i
    s.close()


# Concurrency --------------------------------------------------------------------------------


def test_slow_call_does_not_block_others(service: ServerProcess) -> None:
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_RSA_KEY_PAIR)
    p.set_key_bits(a, 3072)
    p.set_key_usage_flags(a, p.KEY_USAGE_SIGN_HASH)
    p.set_key_algorithm(a, p.ALG_RSA_PSS(p.ALG_SHA_256))
    slow, fast = service.connect(), service.connect()
    done = threading.Event()
    keygen_time: list[float] = []

    def keygen() -> None:
        t0 = time.perf_counter()
        for _ in range(3):
            slow.generate_key(a)
        keygen_time.append(time.perf_counter() - t0)
        done.set()

    threading.Thread(target=keygen, daemon=True).start()
    worst = 0.0
    calls = 0
    while not done.is_set():
        t0 = time.perf_counter()
        fast.hash_compute(p.ALG_SHA_256, b"x")
        worst = max(worst, time.perf_counter() - t0)
        calls += 1
    assert done.wait(60)
    assert calls > 20
    assert worst < max(0.1, keygen_time[0] / 6), (worst, keygen_time)
    slow.close()
    fast.close()


def test_many_concurrent_clients(service: ServerProcess) -> None:
    results: list[bool] = []

    def worker(i: int) -> None:
        with service.connect() as ctx:
            key = ctx.import_key(aes_attrs(), bytes([i]) * 32)
            for _ in range(20):
                ct = ctx.aead_encrypt(key, p.ALG_GCM, b"n" * 12, b"", b"m")
                assert ctx.aead_decrypt(key, p.ALG_GCM, b"n" * 12, b"", ct) == b"m"
            results.append(True)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(64)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 64


def test_thousand_idle_connections(tmp_path: Path) -> None:
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < 2200:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 4096), hard))
    with ServerProcess.start(tmp_path, limits={"max_connections": 1000}) as srv:
        socks = [raw_connect(srv, hello=(i % 2 == 0)) for i in range(999)]
        with srv.connect() as ctx:  # the 1000th
            assert ctx.generate_random(4)
            with pytest.raises(errors.InsufficientMemoryError):
                srv.connect()  # the 1001st is refused, cleanly
        for s in socks[:100]:
            s.close()
        deadline = time.monotonic() + 10
        while True:  # the server notices the closes asynchronously
            try:
                with srv.connect() as ctx:
                    ctx.ping()
                break
            except errors.InsufficientMemoryError:
                assert time.monotonic() < deadline
                time.sleep(0.05)
        for s in socks[100:]:
            s.close()


# Lifecycle ----------------------------------------------------------------------------------


def test_sigterm_shuts_down_cleanly(tmp_path: Path) -> None:
    srv = ServerProcess.start(tmp_path)
    ctx = srv.connect()
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_RSA_KEY_PAIR)
    p.set_key_bits(a, 2048)
    p.set_key_usage_flags(a, p.KEY_USAGE_SIGN_HASH)
    p.set_key_algorithm(a, p.ALG_RSA_PSS(p.ALG_SHA_256))
    outcome: list[object] = []

    def in_flight() -> None:
        try:
            outcome.append(ctx.generate_key(a))
        except errors.PsaError as e:
            outcome.append(e)

    t = threading.Thread(target=in_flight)
    t.start()
    time.sleep(0.02)
    assert srv.stop() == 0, srv.log()
    t.join(20)
    assert outcome and isinstance(outcome[0], (int, errors.PsaError))
    assert not (tmp_path / "psa.sock").exists()
    with pytest.raises(errors.CommunicationFailureError):
        ctx.ping()


# Administration -----------------------------------------------------------------------------


def test_admin_calls(service: ServerProcess) -> None:
    with service.connect(token=TOKENS["bob"]) as bob:
        a = aes_attrs()
        p.set_key_id(a, 0x42)
        with contextlib.suppress(errors.InvalidHandleError):
            bob.destroy_key(0x42)
        bob.import_key(a, b"b" * 32)
        with pytest.raises(errors.NotPermittedError):
            bob.admin_list_clients()
    with service.connect(token=TOKENS["admin"]) as admin:
        assert admin.server_info["admin"] is True
        assert "token:bob" in admin.admin_list_clients()
        keys = admin.admin_list_keys("token:bob")
        assert [k.id for k in keys] == [0x42] and keys[0].bits == 256
        assert admin.admin_delete_keys("token:bob") == 1
        assert admin.admin_list_keys("token:bob") == []
    with service.connect(token=TOKENS["bob"]) as bob, pytest.raises(errors.InvalidHandleError):
        bob.get_key_attributes(0x42)
