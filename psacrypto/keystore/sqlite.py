"""The default key store: one SQLite file, crash-safe, shared by several processes.

Why these settings:

* WAL journal + ``synchronous=FULL``: every commit fsyncs the write-ahead log
  before it returns, so an acknowledged create/delete survives a process kill
  *and* a power loss; readers never block the writer and vice versa.
* ``busy_timeout``: several processes (server workers, CLI tools) open one store;
  a writer waits for another's short transaction instead of failing.
* ``secure_delete``: a destroyed key's sealed blob is overwritten in the
  database file rather than left in a free page (best-effort erasure, as
  ``psa_destroy_key`` asks; the blob is sealed anyway).
* ``keys`` is a ``WITHOUT ROWID`` table clustered on ``(owner, key_id)``: a lookup
  is one B-tree descent whatever the store's size.
* A ``meta`` row holds a *key check* sealed with the storage key: a store opened
  with a wrong or replaced key file fails at open with one clear error, and a
  store whose key file went missing refuses to mint a new one (that would orphan
  every record).

The database file (and hence its ``-wal``/``-shm`` companions, which SQLite
creates with the same mode) is created with mode 0600. WAL needs shared memory,
so the store must be on a local file system, not NFS/SMB.

Errors: see :mod:`.sealing` for records; SQLite failures map as
``SQLITE_FULL`` -> ``InsufficientStorageError``, ``SQLITE_CORRUPT``/``SQLITE_NOTADB``
-> ``DataCorruptError`` (the stored data is damaged, which is what DATA_CORRUPT
means), ``SQLITE_NOMEM`` -> ``InsufficientMemoryError``, anything else (I/O error,
busy past the timeout, read-only, cannot open) -> ``StorageFailureError``. A
schema newer than this code understands -> ``DataInvalidError``. Use after
:meth:`close` or in a child after ``fork`` -> ``BadStateError``.
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
import threading
from typing import Any

from ..attributes import KeyAttributes
from ..errors import (
    AlreadyExistsError,
    BadStateError,
    DataCorruptError,
    DataInvalidError,
    InsufficientMemoryError,
    InsufficientStorageError,
    PsaError,
    StorageFailureError,
)
from .base import KeyRecord, KeyStore
from .sealing import (
    Sealer,
    key_file_path,
    load_or_create_storage_key,
    read_storage_key,
)

__all__ = ["SCHEMA_VERSION", "SqliteKeyStore"]

SCHEMA_VERSION = 1

_SQLITE_NOMEM = 7
_SQLITE_CORRUPT = 11
_SQLITE_FULL = 13
_SQLITE_CONSTRAINT = 19
_SQLITE_NOTADB = 26

_KEY_CHECK = "storage_key_check"

_SCHEMA = (
    """CREATE TABLE keys (
        owner       TEXT    NOT NULL,
        key_id      INTEGER NOT NULL,
        type        INTEGER NOT NULL,
        bits        INTEGER NOT NULL,
        lifetime    INTEGER NOT NULL,
        usage_flags INTEGER NOT NULL,
        algorithm   INTEGER NOT NULL,
        sealed      BLOB    NOT NULL,
        PRIMARY KEY (owner, key_id)
    ) WITHOUT ROWID""",
    "CREATE TABLE meta (name TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID",
)

_ATTR_COLUMNS = "type, bits, lifetime, usage_flags, algorithm"


def _map_sqlite_error(exc: sqlite3.Error, action: str) -> PsaError:
    code = getattr(exc, "sqlite_errorcode", None)
    name = getattr(exc, "sqlite_errorname", None) or type(exc).__name__
    primary = code & 0xFF if isinstance(code, int) else None
    message = f"key store: {action}: {exc} ({name})"
    if primary == _SQLITE_FULL:
        return InsufficientStorageError(message)
    if primary in (_SQLITE_CORRUPT, _SQLITE_NOTADB):
        return DataCorruptError(message)
    if primary == _SQLITE_NOMEM:
        return InsufficientMemoryError(message)
    return StorageFailureError(message)


class _sqlite_errors:  # noqa: N801 - used like a function: ``with _sqlite_errors(...)``
    """Turn any ``sqlite3.Error`` raised in the block into the PSA error for it.

    A class rather than ``@contextmanager``: this is on every call's path and the
    generator version costs ~3 us per use.
    """

    __slots__ = ("_action",)

    def __init__(self, action: str) -> None:
        self._action = action

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        if isinstance(exc, sqlite3.Error):
            raise _map_sqlite_error(exc, self._action) from exc


def _addressable(owner: str, key_id: int) -> bool:
    """Whether a record could exist under this address (no record has an id outside
    32 bits or an owner that is not valid UTF-8, and SQLite cannot bind them)."""
    if not isinstance(key_id, int) or not 0 <= key_id <= 0xFFFF_FFFF:
        return False
    try:
        owner.encode("utf-8")
    except (UnicodeEncodeError, AttributeError):
        return False
    return True


def _create_private_file(path: str) -> None:
    """Create an empty database file with mode 0600 if there is none yet (SQLite
    gives its ``-wal``/``-shm`` files the database file's mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StorageFailureError(f"cannot create key store {path}: {exc}") from None
    try:
        try:
            os.fchmod(fd, 0o600)  # whatever the umask
            os.fsync(fd)
        finally:
            os.close(fd)
        dfd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError as exc:
        cls = InsufficientStorageError if exc.errno == errno.ENOSPC else StorageFailureError
        raise cls(f"cannot create key store {path}: {exc}") from None


class SqliteKeyStore(KeyStore):
    """A :class:`KeyStore` in one SQLite file, with the storage key in ``<path>.key``.

    ``storage_key`` overrides the key file (for a key that comes from elsewhere,
    e.g. derived from a hardware unique key); ``busy_timeout`` is how long a call
    waits for another process's write before ``StorageFailureError``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        storage_key: bytes | None = None,
        busy_timeout: float = 10.0,
    ) -> None:
        self._path = os.fspath(path)
        self._lock = threading.Lock()
        self._pid = os.getpid()
        self._conn: sqlite3.Connection | None = None
        _create_private_file(self._path)
        with _sqlite_errors(f"open {self._path}"):
            conn = sqlite3.connect(
                self._path,
                timeout=busy_timeout,
                isolation_level=None,  # autocommit; we issue BEGIN ourselves
                check_same_thread=False,  # guarded by self._lock
            )
        try:
            with _sqlite_errors(f"open {self._path}"):
                mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                if str(mode).lower() != "wal":
                    raise StorageFailureError(
                        f"key store {self._path}: cannot use WAL journal (got {mode!r})"
                    )
                conn.execute("PRAGMA synchronous=FULL")
                conn.execute("PRAGMA secure_delete=ON")
                self._init_schema(conn)
                self._sealer = self._init_storage_key(conn, storage_key)
                self._gen_cursor = conn.cursor()
        except BaseException:
            conn.close()
            raise
        self._conn = conn

    # ------------------------------------------------------------------ setup

    def _init_schema(self, conn: sqlite3.Connection) -> None:
        """Create the tables on first use (once, even if processes race); refuse a
        schema from a newer psacrypto."""
        version = self._schema_version(conn)
        if version is None:
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
                version = self._schema_version(conn)
                if version is None:
                    for statement in _SCHEMA:
                        conn.execute(statement)
                    conn.execute("INSERT INTO schema_version VALUES (?)", (SCHEMA_VERSION,))
                    version = SCHEMA_VERSION
                conn.execute("COMMIT")
            except BaseException:
                with contextlib.suppress(sqlite3.Error):
                    conn.execute("ROLLBACK")
                raise
        if version != SCHEMA_VERSION:
            raise DataInvalidError(
                f"key store {self._path} has schema version {version}; "
                f"this psacrypto understands version {SCHEMA_VERSION}"
            )

    @staticmethod
    def _schema_version(conn: sqlite3.Connection) -> int | None:
        exists = conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='schema_version'"
        ).fetchone()
        if exists is None:
            return None
        rows = conn.execute("SELECT version FROM schema_version").fetchall()
        if not rows:
            return None
        if len(rows) != 1 or not isinstance(rows[0][0], int):
            raise DataCorruptError("key store schema_version table is damaged")
        return int(rows[0][0])

    def _init_storage_key(self, conn: sqlite3.Connection, storage_key: bytes | None) -> Sealer:
        """Load (or, for a store with no key check yet, create) the storage key and
        check that it is the key this store's records were sealed with."""
        key_path = key_file_path(self._path)
        check = self._key_check(conn)
        if storage_key is not None:
            key = storage_key
        elif check is not None:
            found = read_storage_key(key_path)
            if found is None:
                raise StorageFailureError(
                    f"storage key file {key_path} is missing; the records in {self._path} "
                    "cannot be opened without it (restore it, do not recreate it)"
                )
            key = found
        else:
            key = load_or_create_storage_key(key_path)
        sealer = Sealer(key)
        if check is None:
            conn.execute(
                "INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)",
                (_KEY_CHECK, sealer.make_key_check()),
            )
            check = self._key_check(conn)
        if check is None or not sealer.verify_key_check(check):
            raise DataCorruptError(
                f"the storage key does not match key store {self._path} "
                "(wrong or replaced key file, or a damaged key check)"
            )
        return sealer

    @staticmethod
    def _key_check(conn: sqlite3.Connection) -> bytes | None:
        row = conn.execute("SELECT value FROM meta WHERE name = ?", (_KEY_CHECK,)).fetchone()
        if row is None:
            return None
        value = row[0]
        return value if isinstance(value, bytes) else b""

    # ------------------------------------------------------------------ helpers

    def _db(self) -> sqlite3.Connection:
        """The connection, if this object may still use it (call with the lock held)."""
        conn = self._conn
        if conn is None:
            raise BadStateError("key store is closed")
        if self._pid != os.getpid():
            raise BadStateError("key store was opened before fork(); open it again in the child")
        return conn

    def _open_row(self, owner: str, key_id: int, row: tuple[Any, ...]) -> KeyRecord:
        """Authenticate one ``keys`` row (attribute columns + sealed) into a record."""
        *values, sealed = row
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            raise DataCorruptError(
                f"key {key_id} of owner {owner!r}: stored attributes are not integers"
            )
        attrs = KeyAttributes(
            type=values[0],
            bits=values[1],
            lifetime=values[2],
            id=key_id,
            usage_flags=values[3],
            algorithm=values[4],
        )
        material = self._sealer.open(owner, key_id, attrs, sealed)
        return KeyRecord(owner=owner, key_id=key_id, attributes=attrs, material=material)

    # ------------------------------------------------------------------ KeyStore

    def create(self, record: KeyRecord) -> None:
        sealed = self._sealer.seal(record)
        a = record.attributes
        with self._lock, _sqlite_errors(f"create key {record.key_id}"):
            try:
                # One statement = one transaction: atomic and, with synchronous=FULL,
                # durable when it returns. The primary key makes a concurrent insert
                # of the same (owner, id) by another process fail here.
                self._db().execute(
                    f"INSERT INTO keys (owner, key_id, {_ATTR_COLUMNS}, sealed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        record.owner,
                        record.key_id,
                        a.type,
                        a.bits,
                        a.lifetime,
                        a.usage_flags,
                        a.algorithm,
                        sealed,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                code = getattr(exc, "sqlite_errorcode", _SQLITE_CONSTRAINT)
                if code & 0xFF != _SQLITE_CONSTRAINT:
                    raise
                raise AlreadyExistsError(
                    f"key {record.key_id} of owner {record.owner!r} already exists"
                ) from None

    def create_many(self, records: list[KeyRecord]) -> None:
        """Store several new records in ONE durable transaction (provisioning,
        migration): all of them or, on any error, none."""
        rows = []
        for record in records:
            a = record.attributes
            rows.append(
                (
                    record.owner,
                    record.key_id,
                    a.type,
                    a.bits,
                    a.lifetime,
                    a.usage_flags,
                    a.algorithm,
                    self._sealer.seal(record),
                )
            )
        with self._lock, _sqlite_errors("create keys"):
            conn = self._db()
            conn.execute("BEGIN IMMEDIATE")
            try:
                conn.executemany(
                    f"INSERT INTO keys (owner, key_id, {_ATTR_COLUMNS}, sealed) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
            except BaseException as exc:
                conn.execute("ROLLBACK")
                if isinstance(exc, sqlite3.IntegrityError):
                    raise AlreadyExistsError("one of the keys already exists") from None
                raise
            conn.execute("COMMIT")

    def load(self, owner: str, key_id: int) -> KeyRecord | None:
        if not _addressable(owner, key_id):
            return None
        with self._lock, _sqlite_errors(f"load key {key_id}"):
            row = (
                self._db()
                .execute(
                    f"SELECT {_ATTR_COLUMNS}, sealed FROM keys WHERE owner = ? AND key_id = ?",
                    (owner, key_id),
                )
                .fetchone()
            )
        if row is None:
            return None
        return self._open_row(owner, key_id, row)

    def delete(self, owner: str, key_id: int) -> bool:
        if not _addressable(owner, key_id):
            return False
        with self._lock, _sqlite_errors(f"delete key {key_id}"):
            cur = self._db().execute(
                "DELETE FROM keys WHERE owner = ? AND key_id = ?", (owner, key_id)
            )
            return cur.rowcount > 0

    def list_ids(self, owner: str) -> list[int]:
        with self._lock, _sqlite_errors("list keys"):
            rows = (
                self._db()
                .execute("SELECT key_id FROM keys WHERE owner = ? ORDER BY key_id", (owner,))
                .fetchall()
            )
        return [int(r[0]) for r in rows]

    def list_attributes(self, owner: str) -> list[KeyAttributes]:
        """Attributes of every key of ``owner``, each authenticated (a tampered
        record raises ``DataCorruptError`` naming it, rather than being listed)."""
        with self._lock, _sqlite_errors("list keys"):
            rows = (
                self._db()
                .execute(
                    f"SELECT key_id, {_ATTR_COLUMNS}, sealed FROM keys "
                    "WHERE owner = ? ORDER BY key_id",
                    (owner,),
                )
                .fetchall()
            )
        return [self._open_row(owner, int(r[0]), tuple(r[1:])).attributes for r in rows]

    def owners(self) -> list[str]:
        with self._lock, _sqlite_errors("list owners"):
            rows = self._db().execute("SELECT DISTINCT owner FROM keys ORDER BY owner").fetchall()
        return [str(r[0]) for r in rows]

    def usage(self, owner: str) -> tuple[int, int]:
        with self._lock, _sqlite_errors("usage"):
            row = (
                self._db()
                .execute(
                    "SELECT count(*), coalesce(sum(length(sealed)), 0) FROM keys WHERE owner = ?",
                    (owner,),
                )
                .fetchone()
            )
        return int(row[0]), int(row[1])

    def generation(self) -> int:
        """``PRAGMA data_version``: changes only when another connection commits.

        A reused cursor and a cached prepared statement keep this to a few
        microseconds; it reads the WAL index in shared memory, not the disk.
        """
        with self._lock:
            self._db()
            try:
                row = self._gen_cursor.execute("PRAGMA data_version").fetchone()
            except sqlite3.Error as exc:
                raise _map_sqlite_error(exc, "generation") from exc
        return int(row[0])

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
            if conn is not None and self._pid == os.getpid():
                with _sqlite_errors("close"):
                    conn.close()

    @property
    def path(self) -> str:
        return self._path

    def __enter__(self) -> SqliteKeyStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteKeyStore({self._path!r})"
