"""Persistent keys created through the service survive ``kill -9`` of the server."""

from __future__ import annotations

import random
import threading
import time
from pathlib import Path

import psacrypto as p
from psacrypto import errors
from psacrypto.remote.testing import ServerProcess


def _attrs(key_id: int) -> p.KeyAttributes:
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_AES)
    p.set_key_bits(a, 128)
    p.set_key_usage_flags(a, p.KEY_USAGE_EXPORT | p.KEY_USAGE_ENCRYPT)
    p.set_key_algorithm(a, p.ALG_GCM)
    p.set_key_id(a, key_id)
    return a


def _material(key_id: int) -> bytes:
    return key_id.to_bytes(4, "big") * 4


def test_acknowledged_keys_survive_kill_9(tmp_path: Path) -> None:
    srv = ServerProcess.start(tmp_path)  # SQLite key store in tmp_path
    rng = random.Random(7)
    created: set[int] = set()  # acknowledged imports
    destroyed: set[int] = set()  # acknowledged destroys
    next_id = 1
    try:
        for _round in range(4):
            acked: list[tuple[str, int]] = []
            in_flight: list[int] = []
            stop = threading.Event()

            def writer(
                start: int,
                acked: list[tuple[str, int]],
                in_flight: list[int],
                stop: threading.Event,
            ) -> None:
                ctx = srv.connect()
                key_id = start
                try:
                    while not stop.is_set():
                        in_flight[:] = [key_id]
                        ctx.import_key(_attrs(key_id), _material(key_id))
                        acked.append(("create", key_id))
                        if key_id % 5 == 0 and key_id - 2 >= start:
                            in_flight[:] = [-(key_id - 2)]  # may be gone, unacknowledged
                            ctx.destroy_key(key_id - 2)
                            acked.append(("destroy", key_id - 2))
                        key_id += 1
                except errors.CommunicationFailureError:
                    pass
                except errors.PsaError as e:  # anything else is a bug
                    acked.append(("error:" + type(e).__name__, key_id))

            t = threading.Thread(target=writer, args=(next_id, acked, in_flight, stop))
            t.start()
            time.sleep(rng.uniform(0.15, 0.5))
            srv.kill()  # SIGKILL, mid-write
            stop.set()
            t.join(10)
            assert not any(op.startswith("error") for op, _ in acked), acked[-3:]
            for op, key_id in acked:
                if op == "create":
                    created.add(key_id)
                else:
                    destroyed.add(key_id)
                    created.discard(key_id)
            assert acked, "no write was acknowledged before the kill"
            next_id = max(k for _, k in acked) + 10
            srv.launch()
            with srv.connect() as ctx:
                maybe_gone = {-k for k in in_flight if k < 0}
                for key_id in created - maybe_gone:
                    assert ctx.export_key(key_id) == _material(key_id), key_id
                    got = ctx.get_key_attributes(key_id)
                    assert (got.type, got.bits, got.id) == (p.KEY_TYPE_AES, 128, key_id)
                for key_id in destroyed:
                    try:
                        ctx.get_key_attributes(key_id)
                    except errors.InvalidHandleError:
                        continue
                    raise AssertionError(f"destroyed key {key_id} came back")
                # the one in flight at the kill is either whole or absent, never half
                for key_id in maybe_gone:
                    try:
                        ctx.get_key_attributes(key_id)
                    except errors.InvalidHandleError:
                        created.discard(key_id)
                for key_id in (k for k in in_flight if k > 0):
                    try:
                        assert ctx.export_key(key_id) == _material(key_id)
                        created.add(key_id)
                    except errors.InvalidHandleError:
                        pass
        assert len(created) > 20
    finally:
        srv.stop()
