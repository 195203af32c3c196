"""Key store tests: the interface on every store, sealing and tamper detection,
the storage key file, SQLite error mapping, and several threads/processes at once.

The crash (SIGKILL) test is in test_keystore_crash.py.
"""

from __future__ import annotations

import hashlib
import multiprocessing as mp
import os
import sqlite3
import stat
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from psacrypto.attributes import KeyAttributes
from psacrypto.errors import (
    AlreadyExistsError,
    BadStateError,
    DataCorruptError,
    DataInvalidError,
    InsufficientStorageError,
    InvalidArgumentError,
    NotSupportedError,
    PsaError,
    StorageFailureError,
)
from psacrypto.keystore import (
    KeyRecord,
    KeyStore,
    MemoryKeyStore,
    NoKeyStore,
    SqliteKeyStore,
    open_keystore,
)
from psacrypto.keystore.sealing import (
    FORMAT_VERSION,
    SEAL_OVERHEAD,
    STORAGE_KEY_SIZE,
    Sealer,
    key_file_path,
    load_or_create_storage_key,
    read_storage_key,
)

KEY_TYPE_AES = 0x2400
ALG_GCM = 0x05500200
USAGE_ENC_DEC = 0x0300
LIFETIME_PERSISTENT = 0x00000001


def material_for(owner: str, key_id: int, salt: bytes = b"") -> bytes:
    return hashlib.sha256(f"{owner}/{key_id}".encode() + salt).digest()


def make_record(
    owner: str = "",
    key_id: int = 1,
    material: bytes | None = None,
    *,
    type: int = KEY_TYPE_AES,
    bits: int = 256,
    lifetime: int = LIFETIME_PERSISTENT,
    usage: int = USAGE_ENC_DEC,
    alg: int = ALG_GCM,
) -> KeyRecord:
    attrs = KeyAttributes(
        type=type, bits=bits, lifetime=lifetime, id=key_id, usage_flags=usage, algorithm=alg
    )
    if material is None:
        material = material_for(owner, key_id)
    return KeyRecord(owner=owner, key_id=key_id, attributes=attrs, material=material)


@pytest.fixture
def db_path(tmp_path: Path) -> str:
    return str(tmp_path / "keys.db")


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, db_path: str) -> Iterator[KeyStore]:
    s: KeyStore = SqliteKeyStore(db_path) if request.param == "sqlite" else MemoryKeyStore()
    yield s
    s.close()


def raw(db_path: str) -> sqlite3.Connection:
    """A plain connection for tampering, bypassing the store."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    return conn


# ----------------------------------------------------------------- interface


def test_round_trip(store: KeyStore) -> None:
    rec = make_record("", 7, material=b"\x01" * 32, usage=0x1300, alg=0x03C00200)
    store.create(rec)
    got = store.load("", 7)
    assert got == rec
    assert got is not None and got.attributes is not rec.attributes
    assert store.list_ids("") == [7]
    assert store.list_attributes("") == [rec.attributes]
    assert store.owners() == [""]
    assert store.usage("") == (1, 32 + SEAL_OVERHEAD)
    assert store.usage("nobody") == (0, 0)


def test_round_trip_empty_and_large_material(store: KeyStore) -> None:
    store.create(make_record("", 1, material=b""))
    big = os.urandom(5000)  # an RSA-8192 private key is about this size
    store.create(make_record("", 2, material=big))
    assert store.load("", 1).material == b""  # type: ignore[union-attr]
    assert store.load("", 2).material == big  # type: ignore[union-attr]


def test_store_keeps_its_own_copy(store: KeyStore) -> None:
    rec = make_record("", 3)
    store.create(rec)
    rec.attributes.usage_flags = 0xFFFF  # caller mutates its object afterwards
    got = store.load("", 3)
    assert got is not None and got.attributes.usage_flags == USAGE_ENC_DEC
    got.attributes.bits = 1
    assert store.load("", 3).attributes.bits == 256  # type: ignore[union-attr]


def test_already_exists(store: KeyStore) -> None:
    store.create(make_record("", 1, material=b"first"))
    with pytest.raises(AlreadyExistsError):
        store.create(make_record("", 1, material=b"second"))
    assert store.load("", 1).material == b"first"  # type: ignore[union-attr]


def test_does_not_exist(store: KeyStore) -> None:
    assert store.load("", 1) is None
    assert store.load("", 1 << 40) is None  # no record can have such an address
    assert store.load("\ud800", 1) is None
    assert store.delete("", -1) is False
    assert store.delete("", 1) is False
    store.create(make_record("", 1))
    assert store.delete("", 1) is True
    assert store.load("", 1) is None
    assert store.delete("", 1) is False
    assert store.list_ids("") == []
    assert store.owners() == []
    store.create(make_record("", 1, material=b"again"))  # the id is free again
    assert store.load("", 1).material == b"again"  # type: ignore[union-attr]


def test_owners_are_separate(store: KeyStore) -> None:
    store.create(make_record("alice", 1))
    store.create(make_record("bob", 1))
    store.create(make_record("bob", 2))
    assert store.load("alice", 1).material == material_for("alice", 1)  # type: ignore[union-attr]
    assert store.load("bob", 1).material == material_for("bob", 1)  # type: ignore[union-attr]
    assert store.load("alice", 2) is None
    assert store.list_ids("alice") == [1]
    assert store.list_ids("bob") == [1, 2]
    assert store.owners() == ["alice", "bob"]
    assert store.delete("alice", 1)
    assert store.load("bob", 1) is not None
    assert store.owners() == ["bob"]
    assert store.usage("bob") == (2, 2 * (32 + SEAL_OVERHEAD))


def test_list_ids_sorted(store: KeyStore) -> None:
    for kid in (30, 2, 0x3FFFFFFF, 17, 0xFFFFFFFF):
        store.create(make_record("", kid))
    assert store.list_ids("") == [2, 17, 30, 0x3FFFFFFF, 0xFFFFFFFF]
    assert [a.id for a in store.list_attributes("")] == store.list_ids("")


@pytest.mark.parametrize(
    "bad",
    [
        lambda: KeyRecord("", 1, make_record("", 2).attributes, b"x"),  # id mismatch
        lambda: make_record("", 1, type=0x10000),
        lambda: make_record("", 1, bits=-1),
        lambda: make_record("", 1, alg=1 << 32),
        lambda: make_record("", 1 << 32),
        lambda: make_record("\ud800", 1, material=b"x"),  # owner not encodable
    ],
)
def test_invalid_record_rejected(store: KeyStore, bad: Callable[[], KeyRecord]) -> None:
    with pytest.raises(InvalidArgumentError):
        store.create(bad())
    assert store.owners() == []


@pytest.mark.parametrize("kind", ["sqlite", "memory", "none"])
def test_closed_store_fails(kind: str, db_path: str) -> None:
    s = open_keystore(db_path if kind == "sqlite" else kind)
    s.close()
    s.close()  # idempotent
    for call in (
        lambda: s.load("", 1),
        lambda: s.create(make_record()),
        lambda: s.delete("", 1),
        lambda: s.list_ids(""),
        lambda: s.generation(),
    ):
        with pytest.raises(BadStateError):
            call()


def test_reopen_keeps_keys(db_path: str) -> None:
    with SqliteKeyStore(db_path) as s:
        s.create(make_record("alice", 5))
    with SqliteKeyStore(db_path) as s:
        assert s.load("alice", 5) == make_record("alice", 5)


def test_no_key_store() -> None:
    s = NoKeyStore()
    with pytest.raises(NotSupportedError, match="no key storage"):
        s.create(make_record())
    assert s.load("", 1) is None
    assert s.delete("", 1) is False
    assert s.list_ids("") == [] and s.list_attributes("") == [] and s.owners() == []
    assert s.usage("") == (0, 0)
    assert s.generation() == 0


def test_open_keystore(db_path: str) -> None:
    assert isinstance(open_keystore("memory"), MemoryKeyStore)
    assert isinstance(open_keystore("none"), NoKeyStore)
    s = open_keystore(db_path)
    assert isinstance(s, SqliteKeyStore)
    s.close()
    with pytest.raises(InvalidArgumentError):
        open_keystore("")


# ----------------------------------------------------------------- files on disk


def test_files_are_private(db_path: str) -> None:
    old = os.umask(0o022)
    try:
        with SqliteKeyStore(db_path) as s:
            s.create(make_record())
            for p in (db_path, db_path + "-wal", db_path + "-shm", key_file_path(db_path)):
                assert stat.S_IMODE(os.stat(p).st_mode) == 0o600, p
    finally:
        os.umask(old)
    assert os.path.getsize(key_file_path(db_path)) == STORAGE_KEY_SIZE
    assert [n for n in os.listdir(os.path.dirname(db_path)) if ".tmp-" in n] == []


def test_key_file_mode_despite_umask(tmp_path: Path) -> None:
    old = os.umask(0o277)  # would strip the owner's write bit
    try:
        key = load_or_create_storage_key(str(tmp_path / "k"))
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "k").st_mode) == 0o600
    assert read_storage_key(str(tmp_path / "k")) == key


@pytest.mark.parametrize("mode", [0o644, 0o400, 0o640, 0o700])
def test_key_file_wrong_mode_is_an_error(db_path: str, mode: int) -> None:
    SqliteKeyStore(db_path).close()
    kp = key_file_path(db_path)
    before = Path(kp).read_bytes()
    os.chmod(kp, mode)
    with pytest.raises(StorageFailureError, match="mode"):
        SqliteKeyStore(db_path)
    with pytest.raises(StorageFailureError, match="mode"):
        load_or_create_storage_key(kp)
    assert Path(kp).read_bytes() == before  # never replaced
    assert stat.S_IMODE(os.stat(kp).st_mode) == mode


@pytest.mark.parametrize("length", [0, 16, 31, 33, 64])
def test_key_file_wrong_length_is_an_error(tmp_path: Path, length: int) -> None:
    kp = tmp_path / "s.db.key"
    kp.write_bytes(b"k" * length)
    os.chmod(kp, 0o600)
    with pytest.raises(StorageFailureError, match="bytes"):
        SqliteKeyStore(tmp_path / "s.db")
    assert kp.read_bytes() == b"k" * length


def test_key_file_not_regular(tmp_path: Path) -> None:
    os.mkdir(tmp_path / "s.db.key", 0o600)
    with pytest.raises(StorageFailureError):
        SqliteKeyStore(tmp_path / "s.db")


def test_missing_key_file_is_not_recreated(db_path: str) -> None:
    with SqliteKeyStore(db_path) as s:
        s.create(make_record())
    os.unlink(key_file_path(db_path))
    with pytest.raises(StorageFailureError, match="missing"):
        SqliteKeyStore(db_path)
    assert not os.path.exists(key_file_path(db_path))


def test_replaced_key_file_detected_at_open(db_path: str) -> None:
    with SqliteKeyStore(db_path) as s:
        s.create(make_record())
    kp = key_file_path(db_path)
    Path(kp).write_bytes(os.urandom(STORAGE_KEY_SIZE))
    with pytest.raises(DataCorruptError, match="storage key"):
        SqliteKeyStore(db_path)
    with pytest.raises(DataCorruptError, match="storage key"):  # an injected wrong key too
        SqliteKeyStore(db_path, storage_key=os.urandom(STORAGE_KEY_SIZE))


def _race_key(path: str, barrier: Any, out: Any) -> None:
    barrier.wait()
    out.put(load_or_create_storage_key(path))


def test_racing_key_creation(tmp_path: Path) -> None:
    # No SQLite connection is involved, so fork is safe here (and much faster).
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    for round_ in range(3):
        path = str(tmp_path / f"race{round_}.key")
        n = 6
        barrier, out = ctx.Barrier(n), ctx.Queue()
        procs = [ctx.Process(target=_race_key, args=(path, barrier, out)) for _ in range(n)]
        for p in procs:
            p.start()
        keys = [out.get(timeout=30) for _ in range(n)]
        for p in procs:
            p.join(30)
            assert p.exitcode == 0
        assert len(set(keys)) == 1
        assert read_storage_key(path) == keys[0]
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(tmp_path)) == [f"race{i}.key" for i in range(3)]


def test_threads_racing_key_creation(tmp_path: Path) -> None:
    path = str(tmp_path / "t.key")
    results: list[bytes] = []
    barrier = threading.Barrier(8)

    def go() -> None:
        barrier.wait()
        results.append(load_or_create_storage_key(path))

    threads = [threading.Thread(target=go) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 8 and len(set(results)) == 1


# ----------------------------------------------------------------- sealing and tampering


def _sealed(db_path: str, owner: str, key_id: int) -> bytes:
    with raw(db_path) as c:
        row = c.execute(
            "SELECT sealed FROM keys WHERE owner=? AND key_id=?", (owner, key_id)
        ).fetchone()
    return bytes(row[0])


def _set(db_path: str, sql: str, *args: object) -> None:
    c = raw(db_path)
    try:
        assert c.execute(sql, args).rowcount == 1
    finally:
        c.close()


@pytest.fixture
def sealed_store(db_path: str) -> Iterator[SqliteKeyStore]:
    s = SqliteKeyStore(db_path)
    s.create(make_record("alice", 1))
    s.create(make_record("alice", 2))
    s.create(make_record("bob", 1))
    yield s
    s.close()


def test_blob_layout_and_secrecy(sealed_store: SqliteKeyStore, db_path: str) -> None:
    blob = _sealed(db_path, "alice", 1)
    assert blob[0] == FORMAT_VERSION
    assert len(blob) == 32 + SEAL_OVERHEAD
    assert material_for("alice", 1) not in blob
    assert material_for("alice", 1) not in Path(db_path).read_bytes()
    assert material_for("alice", 1) not in Path(db_path + "-wal").read_bytes()
    # a fresh nonce per seal: the same record sealed twice differs
    sealed_store.delete("alice", 1)
    sealed_store.create(make_record("alice", 1))
    assert _sealed(db_path, "alice", 1) != blob


def test_flip_any_byte(sealed_store: SqliteKeyStore, db_path: str) -> None:
    blob = _sealed(db_path, "alice", 1)
    for i in range(len(blob)):
        for bit in (0x01, 0x80):
            bad = bytearray(blob)
            bad[i] ^= bit
            _set(db_path, "UPDATE keys SET sealed=? WHERE owner='alice' AND key_id=1", bytes(bad))
            expected = DataInvalidError if i == 0 else DataCorruptError
            with pytest.raises(expected):
                sealed_store.load("alice", 1)
    _set(db_path, "UPDATE keys SET sealed=? WHERE owner='alice' AND key_id=1", blob)
    assert sealed_store.load("alice", 1) == make_record("alice", 1)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("type", KEY_TYPE_AES + 1),
        ("type", 0x1001),  # AES -> raw data
        ("bits", 128),
        ("lifetime", 0x00000101),
        ("usage_flags", USAGE_ENC_DEC | 0x0001),  # grant EXPORT
        ("algorithm", 0x05400100),  # GCM -> another AEAD
        ("type", "not a number"),
        ("usage_flags", -1),
        ("algorithm", 1 << 40),
        ("bits", 2.5),
    ],
)
def test_attribute_column_tamper(
    sealed_store: SqliteKeyStore, db_path: str, column: str, value: object
) -> None:
    c = raw(db_path)
    c.execute(f"UPDATE keys SET {column}=? WHERE owner='alice' AND key_id=1", (value,))
    c.close()
    with pytest.raises(DataCorruptError):
        sealed_store.load("alice", 1)
    with pytest.raises(DataCorruptError):
        sealed_store.list_attributes("alice")
    assert sealed_store.load("alice", 2) == make_record("alice", 2)  # others unaffected


def test_record_moved_to_other_id_or_owner(sealed_store: SqliteKeyStore, db_path: str) -> None:
    _set(db_path, "UPDATE keys SET key_id=9 WHERE owner='alice' AND key_id=1")
    with pytest.raises(DataCorruptError):
        sealed_store.load("alice", 9)
    _set(db_path, "UPDATE keys SET owner='carol' WHERE owner='alice' AND key_id=2")
    with pytest.raises(DataCorruptError):
        sealed_store.load("carol", 2)


def test_swapped_blobs(sealed_store: SqliteKeyStore, db_path: str) -> None:
    a1, a2 = _sealed(db_path, "alice", 1), _sealed(db_path, "alice", 2)
    _set(db_path, "UPDATE keys SET sealed=? WHERE owner='alice' AND key_id=1", a2)
    _set(db_path, "UPDATE keys SET sealed=? WHERE owner='alice' AND key_id=2", a1)
    _set(db_path, "UPDATE keys SET sealed=? WHERE owner='bob' AND key_id=1", a1)
    for owner, kid in (("alice", 1), ("alice", 2), ("bob", 1)):
        with pytest.raises(DataCorruptError):
            sealed_store.load(owner, kid)


@pytest.mark.parametrize("keep", [0, 1, 13, SEAL_OVERHEAD - 1, SEAL_OVERHEAD, -1])
def test_truncated_blob(sealed_store: SqliteKeyStore, db_path: str, keep: int) -> None:
    blob = _sealed(db_path, "alice", 1)
    _set(db_path, "UPDATE keys SET sealed=? WHERE owner='alice' AND key_id=1", blob[:keep])
    with pytest.raises(DataCorruptError):
        sealed_store.load("alice", 1)


def test_blob_stored_as_text(sealed_store: SqliteKeyStore, db_path: str) -> None:
    _set(db_path, "UPDATE keys SET sealed='oops' WHERE owner='alice' AND key_id=1")
    with pytest.raises(DataCorruptError):
        sealed_store.load("alice", 1)


def test_unknown_format_version(sealed_store: SqliteKeyStore, db_path: str) -> None:
    blob = _sealed(db_path, "alice", 1)
    newer = bytes((FORMAT_VERSION + 1,)) + blob[1:]
    _set(db_path, "UPDATE keys SET sealed=? WHERE owner='alice' AND key_id=1", newer)
    with pytest.raises(DataInvalidError, match="format version"):
        sealed_store.load("alice", 1)


def test_wrong_storage_key_per_record(db_path: str) -> None:
    """Even past the open-time check (here: key check row removed), a record
    sealed under another key does not open."""
    with SqliteKeyStore(db_path) as s:
        s.create(make_record("", 1))
    _set(db_path, "DELETE FROM meta")
    with (
        SqliteKeyStore(db_path, storage_key=os.urandom(32)) as s,
        pytest.raises(DataCorruptError),
    ):
        s.load("", 1)


def test_sealer_unit() -> None:
    k1, k2 = os.urandom(32), os.urandom(32)
    rec = make_record("o", 4)
    blob = Sealer(k1).seal(rec)
    assert Sealer(k1).open("o", 4, rec.attributes, blob) == rec.material
    with pytest.raises(DataCorruptError):
        Sealer(k2).open("o", 4, rec.attributes, blob)
    with pytest.raises(DataCorruptError):
        Sealer(k1).open("o\x00", 4, rec.attributes, blob)
    with pytest.raises(InvalidArgumentError):
        Sealer(b"short")


def test_newer_schema_is_data_invalid(db_path: str) -> None:
    SqliteKeyStore(db_path).close()
    _set(db_path, "UPDATE schema_version SET version=99")
    with pytest.raises(DataInvalidError, match="schema version 99"):
        SqliteKeyStore(db_path)


def test_not_a_database(tmp_path: Path) -> None:
    p = tmp_path / "junk.db"
    p.write_bytes(os.urandom(8192))
    with pytest.raises(DataCorruptError):
        SqliteKeyStore(p)


def test_unopenable_path(tmp_path: Path) -> None:
    with pytest.raises(StorageFailureError):
        SqliteKeyStore(tmp_path / "no" / "such" / "dir.db")


def test_disk_full(sealed_store: SqliteKeyStore) -> None:
    conn = sealed_store._db()
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count={pages}")
    with pytest.raises(InsufficientStorageError):
        for kid in range(100, 400):
            sealed_store.create(make_record("alice", kid, material=os.urandom(2000)))
    conn.execute("PRAGMA max_page_count=1073741823")
    assert sealed_store.load("alice", 1) == make_record("alice", 1)


# ----------------------------------------------------------------- several connections


def test_other_connection_sees_changes(db_path: str) -> None:
    a, b = SqliteKeyStore(db_path), SqliteKeyStore(db_path)
    try:
        a.create(make_record("", 1))
        assert b.load("", 1) == make_record("", 1)
        with pytest.raises(AlreadyExistsError):
            b.create(make_record("", 1))
        assert b.delete("", 1)
        assert a.load("", 1) is None
        assert a.delete("", 1) is False
    finally:
        a.close()
        b.close()


def test_generation(db_path: str) -> None:
    a, b = SqliteKeyStore(db_path), SqliteKeyStore(db_path)
    try:
        g = a.generation()
        assert a.generation() == g
        a.create(make_record("", 1))  # our own commit: no change
        a.delete("", 1)
        assert a.generation() == g
        b.create(make_record("", 2))  # another connection's commit: changes
        g2 = a.generation()
        assert g2 != g
        assert a.generation() == g2
        b.load("", 2)  # reads are not changes
        assert a.generation() == g2
        b.delete("", 2)
        assert a.generation() != g2
    finally:
        a.close()
        b.close()


def test_threads_share_one_store(db_path: str) -> None:
    s = SqliteKeyStore(db_path)
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            owner = f"t{t}"
            for kid in range(1, 21):
                s.create(make_record(owner, kid))
                assert s.load(owner, kid) == make_record(owner, kid)
                s.generation()
            for kid in range(1, 21, 2):
                assert s.delete(owner, kid)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        for t in range(6):
            assert s.list_ids(f"t{t}") == list(range(2, 21, 2))
    finally:
        s.close()


N_PROCS = 4
N_KEYS = 25


def _proc_worker(path: str, idx: int, barrier: Any, out: Any) -> None:
    try:
        store = SqliteKeyStore(path)
        owner = f"w{idx}"
        barrier.wait()
        won = False
        try:  # everyone races for the same (owner, id): exactly one may win
            store.create(make_record("shared", 1, material=b"winner %d" % idx))
            won = True
        except AlreadyExistsError:
            pass
        seen_others = 0
        for kid in range(1, N_KEYS + 1):
            store.create(make_record(owner, kid))
            assert store.load(owner, kid) == make_record(owner, kid)
            other = f"w{(idx + kid) % N_PROCS}"
            for okid in store.list_ids(other):
                rec = store.load(other, okid)  # may have been deleted meanwhile
                if rec is not None:
                    assert rec == make_record(other, okid)
                    seen_others += 1
        for kid in range(1, N_KEYS + 1, 2):
            assert store.delete(owner, kid)
        shared = store.load("shared", 1)
        assert shared is not None and shared.material.startswith(b"winner ")
        store.close()
        out.put((idx, won, shared.material, seen_others, None))
    except BaseException as exc:
        out.put((idx, False, b"", 0, repr(exc)))


def test_several_processes(db_path: str) -> None:
    # Workers start on an initialised store. The parent holds no open connection
    # when it forks (SQLite connections must not cross fork), so fork is safe and
    # avoids re-importing psacrypto in each worker.
    SqliteKeyStore(db_path).close()
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    barrier, out = ctx.Barrier(N_PROCS), ctx.Queue()
    procs = [
        ctx.Process(target=_proc_worker, args=(db_path, i, barrier, out)) for i in range(N_PROCS)
    ]
    for p in procs:
        p.start()
    results = [out.get(timeout=60) for _ in range(N_PROCS)]
    for p in procs:
        p.join(30)
    assert [r[4] for r in results] == [None] * N_PROCS, results
    assert sum(1 for r in results if r[1]) == 1
    assert len({r[2] for r in results}) == 1
    assert sum(r[3] for r in results) > 0
    with SqliteKeyStore(db_path) as s:
        for i in range(N_PROCS):
            assert s.list_ids(f"w{i}") == list(range(2, N_KEYS + 1, 2))
            for kid in s.list_ids(f"w{i}"):
                assert s.load(f"w{i}", kid) == make_record(f"w{i}", kid)
        winner = next(r[0] for r in results if r[1])
        assert s.load("shared", 1).material == b"winner %d" % winner  # type: ignore[union-attr]
        assert s.owners() == ["shared"] + [f"w{i}" for i in range(N_PROCS)]


def test_errors_are_psa_errors() -> None:
    # Every error the stores raise crosses the wire as a status code.
    for cls in (DataCorruptError, DataInvalidError, StorageFailureError, InsufficientStorageError):
        assert issubclass(cls, PsaError)


def test_create_many_is_all_or_nothing(tmp_path: Path) -> None:
    from psacrypto.keystore.sqlite import SqliteKeyStore as Store

    store = Store(str(tmp_path / "bulk.db"))
    records = [_bulk_record(i) for i in range(1, 51)]
    store.create_many(records)
    assert store.list_ids("bulk") == list(range(1, 51))
    clash = [_bulk_record(100), _bulk_record(7)]  # 7 exists: nothing may be written
    with pytest.raises(AlreadyExistsError):
        store.create_many(clash)
    assert store.load("bulk", 100) is None
    loaded = store.load("bulk", 42)
    assert loaded is not None and loaded.material == records[41].material
    store.close()


def _bulk_record(key_id: int) -> KeyRecord:
    attrs = KeyAttributes(
        type=0x2400, bits=128, lifetime=1, id=key_id, usage_flags=0x100, algorithm=0x05500200
    )
    return KeyRecord("bulk", key_id, attrs, key_id.to_bytes(16, "big"))
