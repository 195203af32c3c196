"""Key stores that keep nothing on disk.

:class:`MemoryKeyStore` holds records in a dict: for tests, and for deployments
that want "persistent" keys to last only as long as the process. Nothing is
sealed (the material is in process memory either way), but it accepts and
refuses exactly the records the SQLite store does, and reports the same sizes,
so code tested against it behaves the same on disk.

:class:`NoKeyStore` is a cryptoprocessor without key storage (the HUK-only mode):
creating a persistent key is ``NotSupportedError``, and lookups find nothing.
"""

from __future__ import annotations

import threading

from ..attributes import KeyAttributes
from ..errors import AlreadyExistsError, BadStateError, NotSupportedError
from .base import KeyRecord, KeyStore
from .sealing import sealed_size, validate_record

__all__ = ["MemoryKeyStore", "NoKeyStore"]


class MemoryKeyStore(KeyStore):
    """An in-process :class:`KeyStore`; records vanish with the process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: dict[tuple[str, int], KeyRecord] | None = {}

    def _table(self) -> dict[tuple[str, int], KeyRecord]:
        if self._records is None:
            raise BadStateError("key store is closed")
        return self._records

    @staticmethod
    def _copy(record: KeyRecord) -> KeyRecord:
        # KeyAttributes is mutable: never share one object between caller and store.
        return KeyRecord(
            owner=record.owner,
            key_id=record.key_id,
            attributes=record.attributes.copy(),
            material=bytes(record.material),
        )

    def create(self, record: KeyRecord) -> None:
        validate_record(record)
        stored = self._copy(record)
        with self._lock:
            table = self._table()
            key = (record.owner, record.key_id)
            if key in table:
                raise AlreadyExistsError(
                    f"key {record.key_id} of owner {record.owner!r} already exists"
                )
            table[key] = stored

    def load(self, owner: str, key_id: int) -> KeyRecord | None:
        with self._lock:
            record = self._table().get((owner, key_id))
        return None if record is None else self._copy(record)

    def delete(self, owner: str, key_id: int) -> bool:
        with self._lock:
            return self._table().pop((owner, key_id), None) is not None

    def list_ids(self, owner: str) -> list[int]:
        with self._lock:
            return sorted(k for (o, k) in self._table() if o == owner)

    def list_attributes(self, owner: str) -> list[KeyAttributes]:
        with self._lock:
            records = [r for (o, _), r in self._table().items() if o == owner]
        return [r.attributes.copy() for r in sorted(records, key=lambda r: r.key_id)]

    def owners(self) -> list[str]:
        with self._lock:
            return sorted({o for (o, _) in self._table()})

    def usage(self, owner: str) -> tuple[int, int]:
        with self._lock:
            sizes = [
                sealed_size(len(r.material)) for (o, _), r in self._table().items() if o == owner
            ]
        return len(sizes), sum(sizes)

    def generation(self) -> int:
        """Always 0: no other process or connection can change this store."""
        with self._lock:
            self._table()
        return 0

    def close(self) -> None:
        with self._lock:
            self._records = None


class NoKeyStore(KeyStore):
    """The store of a cryptoprocessor that has no key storage at all."""

    def __init__(self) -> None:
        self._closed = False

    def _check(self) -> None:
        if self._closed:
            raise BadStateError("key store is closed")

    def create(self, record: KeyRecord) -> None:
        self._check()
        raise NotSupportedError("this cryptoprocessor has no key storage")

    def load(self, owner: str, key_id: int) -> KeyRecord | None:
        self._check()
        return None

    def delete(self, owner: str, key_id: int) -> bool:
        self._check()
        return False

    def list_ids(self, owner: str) -> list[int]:
        self._check()
        return []

    def list_attributes(self, owner: str) -> list[KeyAttributes]:
        self._check()
        return []

    def owners(self) -> list[str]:
        self._check()
        return []

    def usage(self, owner: str) -> tuple[int, int]:
        self._check()
        return 0, 0

    def generation(self) -> int:
        self._check()
        return 0

    def close(self) -> None:
        self._closed = True
