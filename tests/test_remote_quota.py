"""Per-client quotas: the spec's resource errors, and no effect on other clients."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

import psacrypto as p
from psacrypto import errors
from psacrypto.remote.config import hash_token
from psacrypto.remote.testing import ServerProcess


def _attrs(key_id: int = 0) -> p.KeyAttributes:
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_AES)
    p.set_key_bits(a, 128)
    p.set_key_usage_flags(a, p.KEY_USAGE_ENCRYPT)
    p.set_key_algorithm(a, p.ALG_GCM)
    if key_id:
        p.set_key_id(a, key_id)
    return a


def test_quotas(tmp_path: Path) -> None:
    tokens = {"alice": "ta", "bob": "tb"}
    with ServerProcess.start(
        tmp_path,
        auth={"token": {"clients": {n: {"sha256": hash_token(t)} for n, t in tokens.items()}}},
        quotas={"keys": 3, "operations": 2},
        limits={"max_body": 4096},
    ) as srv:
        alice, alice2, bob = (
            srv.connect(token="ta"),
            srv.connect(token="ta"),
            srv.connect(token="tb"),
        )
        # keys: three, then the resource error (memory for volatile, storage for persistent)
        alice.import_key(_attrs(1), b"k" * 16)
        alice.import_key(_attrs(), b"k" * 16)
        alice2.import_key(_attrs(), b"k" * 16)
        with pytest.raises(errors.InsufficientMemoryError):
            alice.import_key(_attrs(), b"k" * 16)
        with pytest.raises(errors.InsufficientStorageError):
            alice.import_key(_attrs(2), b"k" * 16)
        # operations: two per client, across its connections
        ops = [alice.HashOperation(), alice2.HashOperation(), alice.HashOperation()]
        ops[0].setup(p.ALG_SHA_256)
        ops[1].setup(p.ALG_SHA_256)
        with pytest.raises(errors.InsufficientMemoryError):
            ops[2].setup(p.ALG_SHA_256)
        ops[1].abort()
        ops[2].setup(p.ALG_SHA_256)
        # message size
        with pytest.raises(errors.InsufficientMemoryError):
            alice.hash_compute(p.ALG_SHA_256, b"x" * 5000)
        # Bob is not affected by any of it
        bob_keys = [bob.import_key(_attrs(), b"b" * 16) for _ in range(3)]
        assert len(set(bob_keys)) == 3
        bob_ops = [bob.HashOperation(), bob.HashOperation()]
        for op in bob_ops:
            op.setup(p.ALG_SHA_256)
        # closing a connection releases its operations (and volatile keys) for the quota
        alice2.close()
        deadline = time.monotonic() + 5
        while True:  # the server sees the close asynchronously
            try:
                alice.import_key(_attrs(), b"k" * 16)
                break
            except errors.InsufficientMemoryError:
                assert time.monotonic() < deadline
                time.sleep(0.02)
        for c in (alice, bob):
            c.close()
