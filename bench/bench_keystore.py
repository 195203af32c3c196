"""Persistent keys: lookup cost independent of store size, and durable import rate.

A store of 100,000 keys is provisioned in one transaction (``create_many``) so the
setup takes seconds; what is measured is the per-operation cost on a key in it,
against the same operation in a store of 10 keys, and ``import_key`` of
persistent keys one by one, each durable before it returns.
"""

from __future__ import annotations

import os
import tempfile
import time

import psacrypto as p
from psacrypto.attributes import KeyAttributes
from psacrypto.keystore.base import KeyRecord
from psacrypto.keystore.sqlite import SqliteKeyStore

from .common import Row, per_call_us

ALG = p.ALG_HMAC(p.ALG_SHA_256)
MESSAGE = b"\x5a" * 64
NOTES: list[str] = []


def _store(path: str, count: int) -> None:
    store = SqliteKeyStore(path)
    batch: list[KeyRecord] = []
    for key_id in range(1, count + 1):
        usage = p.KEY_USAGE_SIGN_MESSAGE | (p.KEY_USAGE_CACHE if key_id % 2 else 0)
        attrs = KeyAttributes(
            type=p.KEY_TYPE_HMAC,
            bits=256,
            lifetime=p.KEY_LIFETIME_PERSISTENT,
            id=key_id,
            usage_flags=usage,
            algorithm=ALG,
        )
        batch.append(KeyRecord("", key_id, attrs, os.urandom(32)))
        if len(batch) == 10_000:
            store.create_many(batch)
            batch = []
    if batch:
        store.create_many(batch)
    store.close()


def _op_time(path: str, key_id: int) -> float:
    ctx = p.open_local(path)
    try:
        return min(per_call_us(lambda: ctx.mac_compute(key_id, ALG, MESSAGE)) for _ in range(3))
    finally:
        ctx.close()


def run() -> list[Row]:
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as tmp:
        small, large = os.path.join(tmp, "small.db"), os.path.join(tmp, "large.db")
        _store(small, 10)
        _store(large, 100_000)
        for key_id, label in ((4, "not cached (no KEY_USAGE_CACHE)"), (5, "cached")):
            big_key = 50_000 + key_id
            small_t = min(_op_time(small, key_id) for _ in range(2))
            large_t = min(_op_time(large, big_key) for _ in range(2))
            ratio = large_t / small_t
            rows.append(
                Row(
                    f"HMAC on a persistent key, {label}: 100k-key store vs 10-key store",
                    large_t,
                    small_t,
                    "<= 1.1x",
                    ratio <= 1.1,
                )
            )
        ctx = p.open_local(os.path.join(tmp, "imports.db"))
        attrs = p.KeyAttributes(
            type=p.KEY_TYPE_AES, usage_flags=p.KEY_USAGE_ENCRYPT, algorithm=p.ALG_GCM
        )
        count = int(os.environ.get("PSACRYPTO_BENCH_IMPORTS", "10000"))
        key = os.urandom(32)
        start = time.perf_counter()
        for key_id in range(1, count + 1):
            attrs.set_id(key_id)
            ctx.import_key(attrs, key)
        elapsed = time.perf_counter() - start
        ctx.close()
        rate = count / elapsed
        NOTES.append(
            f"Durable import of {count} persistent keys, one import_key call each "
            f"(SQLite WAL, synchronous=FULL: one fsync per key): {rate:,.0f} keys/s "
            f"({elapsed / count * 1e3:.2f} ms per key)."
        )
        rows.append(Row(f"import_key persistent, {count} keys (µs per key)",
                        elapsed / count * 1e6, elapsed / count * 1e6, "report", True))
    return rows
