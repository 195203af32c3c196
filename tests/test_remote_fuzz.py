"""Hostile input: thousands of malformed frames while a well-behaved client keeps working."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import psacrypto as p
from psacrypto import api
from psacrypto.remote import wire
from psacrypto.remote.testing import ServerProcess

OPCODES = [call.opcode for call in api.CALLS if not call.blocking and not call.admin]


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess.start(
        tmp_path_factory.mktemp("fuzz"),
        keystore="memory",
        limits={"frame_timeout": 2.0, "handshake_timeout": 2.0, "max_body": 65536},
    )
    yield srv
    assert srv.proc is not None and srv.proc.poll() is None, srv.log()
    assert srv.stop() == 0, srv.log()


@pytest.fixture(scope="module")
def good_client(service: ServerProcess) -> Iterator[list[str]]:
    """A client doing real work all along; collects any failure."""
    failures: list[str] = []
    stop = threading.Event()

    def run() -> None:
        ctx = service.connect(timeout=10)
        a = p.KeyAttributes()
        p.set_key_type(a, p.KEY_TYPE_AES)
        p.set_key_bits(a, 128)
        p.set_key_usage_flags(a, p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT)
        p.set_key_algorithm(a, p.ALG_GCM)
        key = ctx.import_key(a, b"k" * 16)
        n = 0
        while not stop.is_set():
            try:
                ct = ctx.aead_encrypt(key, p.ALG_GCM, b"n" * 12, b"", n.to_bytes(4, "big"))
                if ctx.aead_decrypt(key, p.ALG_GCM, b"n" * 12, b"", ct) != n.to_bytes(4, "big"):
                    failures.append("wrong result")
            except Exception as e:
                failures.append(repr(e))
                return
            n += 1
            time.sleep(0.001)
        ctx.close()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    yield failures
    stop.set()
    t.join(20)


def _hello() -> bytes:
    return wire.pack_request(1, 1, wire.encode_any([{"versions": [1]}]))


def _exchange(service: ServerProcess, payload: bytes, hello: bool) -> None:
    """Send ``payload``; the server must answer with well-formed frames or close."""
    s = socket.socket(socket.AF_UNIX)
    s.settimeout(10)
    try:
        s.connect(service.url[len("unix://") :])
        if hello:
            s.sendall(_hello())
        try:
            s.sendall(payload)
            s.shutdown(socket.SHUT_WR)
        except (BrokenPipeError, ConnectionResetError):
            return
        data = b""
        while True:
            try:
                chunk = s.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            data += chunk
            assert len(data) < 1 << 24
        pos = 0
        while pos < len(data):  # every byte the server sent is a whole response frame
            lead, _, status, blen = wire.unpack_header(data, pos)
            assert lead == wire.RESPONSE_LEAD
            assert status <= 0
            pos += 16 + blen
        assert pos == len(data)
    finally:
        s.close()


def _frame(opcode: int, body: bytes, rid: int = 7) -> bytes:
    return wire.pack_request(rid, opcode, body)


cbor_like = st.recursive(
    st.one_of(
        st.integers(-(2**64), 2**64 - 1),
        st.binary(max_size=64),
        st.text(max_size=16),
        st.none(),
        st.booleans(),
        st.floats(allow_nan=False),
    ),
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)

frames = st.one_of(
    st.binary(max_size=300),  # garbage
    st.builds(_frame, st.sampled_from(OPCODES), st.binary(max_size=200)),  # right header, junk body
    st.builds(  # structured but wrongly typed bodies
        lambda op, values: _frame(op, __import__("cbor2").dumps(values)),
        st.sampled_from(OPCODES),
        st.lists(cbor_like, max_size=7),
    ),
    st.builds(  # lying lengths and truncations
        lambda op, n, body: struct.pack(">HBBIII", wire.MAGIC, 1, 0, 1, op, n) + body,
        st.sampled_from(OPCODES),
        st.integers(0, 2**32 - 1),
        st.binary(max_size=64),
    ),
    st.builds(  # bad magic, versions, flags
        lambda m, v, f, rest: struct.pack(">HBB", m, v, f) + rest,
        st.integers(0, 0xFFFF),
        st.integers(0, 255),
        st.integers(0, 255),
        st.binary(min_size=12, max_size=40),
    ),
    st.builds(lambda op: _frame(op, b"\x9f" * 5000), st.sampled_from(OPCODES)),  # deep nesting
)


@given(payload=st.lists(frames, min_size=1, max_size=4).map(b"".join), hello=st.booleans())
@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_malformed_frames(
    service: ServerProcess, good_client: list[str], payload: bytes, hello: bool
) -> None:
    _exchange(service, payload, hello)
    assert not good_client, good_client


def _typed(call: api.Call) -> st.SearchStrategy[bytes]:
    """Bodies that decode: the server calls the core with arbitrary values."""

    def value(t: str) -> st.SearchStrategy[object]:
        if t in api.INT_MAX:
            top = min(api.INT_MAX[t], 2**20) if t == api.SIZE else api.INT_MAX[t]
            return st.one_of(st.integers(0, 64), st.integers(0, top))
        if t == api.OPERATION:
            return st.one_of(st.just(0), st.integers(0, 2**64 - 1))
        if t == api.BYTES:
            return st.binary(max_size=80)
        if t == api.ATTRIBUTES:
            return st.builds(
                p.KeyAttributes,
                st.sampled_from([0, p.KEY_TYPE_AES, p.KEY_TYPE_HMAC, p.KEY_TYPE_RAW_DATA, 0xFFFF]),
                st.sampled_from([0, 128, 256, 7, 2**40]),
                st.sampled_from([0, 1, 0x80000001, 0xFFFFFFFF]),
                st.sampled_from([0, 1, 0x100, 0xFFFFFFFF]),
                st.integers(0, 2**32 - 1),
                st.integers(0, 2**32 - 1),
            )
        if t == api.CUSTOM:
            return st.builds(p.CustomKeyParameters, st.integers(0, 2**32 - 1))
        return st.nothing()

    types = [q.type for q in call.params]
    return st.tuples(*[value(t) for t in types]).map(
        lambda vals: _frame(call.opcode, wire.make_encoder(types)(list(vals)))
    )


typed_calls = [c for c in api.CALLS if not c.blocking and not c.service and c.params]


@given(st.lists(st.one_of(*[_typed(c) for c in typed_calls]), min_size=1, max_size=6).map(b"".join))
@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
def test_well_typed_garbage(service: ServerProcess, good_client: list[str], payload: bytes) -> None:
    _exchange(service, payload, True)
    assert not good_client, good_client


def test_mutated_valid_frames(service: ServerProcess, good_client: list[str]) -> None:
    """Thousands of cheap mutations of valid requests (bit flips, cuts, splices)."""
    import random

    rng = random.Random(1234)
    seeds = [
        _frame(
            api.BY_NAME["hash_compute"].opcode,
            wire.make_encoder([api.ALG, api.BYTES])([p.ALG_SHA_256, b"abc"]),
        ),
        _frame(
            api.BY_NAME["import_key"].opcode,
            wire.make_encoder([api.ATTRIBUTES, api.BYTES])(
                [p.KeyAttributes(p.KEY_TYPE_AES, 128, 0, 0, 0, 0), b"k" * 16]
            ),
        ),
        _frame(
            api.BY_NAME["hash_setup"].opcode,
            wire.make_encoder([api.OPERATION, api.ALG])([0, p.ALG_SHA_256]),
        ),
        _frame(api.BY_NAME["generate_random"].opcode, wire.make_encoder([api.SIZE])([16])),
    ]
    for _ in range(2500):
        frame = bytearray(rng.choice(seeds))
        for _ in range(rng.randint(1, 4)):
            kind = rng.random()
            if kind < 0.5:
                i = rng.randrange(len(frame))
                frame[i] ^= 1 << rng.randrange(8)
            elif kind < 0.7:
                del frame[rng.randrange(len(frame)) :]
                if not frame:
                    frame = bytearray(b"\0")
            elif kind < 0.9:
                i = rng.randrange(len(frame))
                frame[i:i] = rng.randbytes(rng.randint(1, 8))
            else:
                frame += rng.choice(seeds)
        _exchange(service, bytes(frame), rng.random() < 0.9)
    assert not good_client, good_client


def test_server_survived(service: ServerProcess, good_client: list[str], tmp_path: Path) -> None:
    with service.connect() as ctx:
        assert len(ctx.generate_random(16)) == 16
    assert not good_client
