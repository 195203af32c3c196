"""The key store interface: durable, sealed storage of persistent keys.

The core never touches files or databases itself; it talks to a :class:`KeyStore`.
Records are addressed by ``(owner, key_id)``: ``owner`` is the client identity
(``""`` for the single-partition local owner), so two clients may use the same
key id for different keys.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from ..attributes import KeyAttributes


@dataclass(frozen=True, slots=True)
class KeyRecord:
    """One persistent key: its attributes and its material.

    ``material`` is the key in the spec's export format for the key type (or, for
    a key held by an opaque driver, that driver's reference to it). ``attributes``
    carries the final id, lifetime, type, bits and policy.
    """

    owner: str
    key_id: int
    attributes: KeyAttributes
    material: bytes


class KeyStore(abc.ABC):
    """Durable storage of :class:`KeyRecord` objects.

    Every method is safe to call from several threads, and several processes may
    open the same store at once. A method that returns has made its change
    durable: a crash at any later instant keeps it, and a crash before it returns
    leaves either the whole change or nothing.

    Errors are the PSA ones: ``AlreadyExistsError`` from :meth:`create` when the
    record exists, ``StorageFailureError`` when the medium fails,
    ``InsufficientStorageError`` when it is full, ``DataCorruptError`` when a record
    fails authentication (tampered, truncated, swapped), ``DataInvalidError`` when
    a record authenticates but cannot be understood (unknown format version).
    """

    @abc.abstractmethod
    def create(self, record: KeyRecord) -> None:
        """Store a new record durably; ``AlreadyExistsError`` if the id is taken."""

    @abc.abstractmethod
    def load(self, owner: str, key_id: int) -> KeyRecord | None:
        """The verified record, or ``None`` if there is none."""

    @abc.abstractmethod
    def delete(self, owner: str, key_id: int) -> bool:
        """Remove a record durably; ``False`` if there was none."""

    @abc.abstractmethod
    def list_ids(self, owner: str) -> list[int]:
        """The key ids ``owner`` has, in ascending order."""

    @abc.abstractmethod
    def list_attributes(self, owner: str) -> list[KeyAttributes]:
        """Metadata of every key of ``owner`` (for administrators); no material."""

    @abc.abstractmethod
    def owners(self) -> list[str]:
        """Every owner with at least one key."""

    @abc.abstractmethod
    def usage(self, owner: str) -> tuple[int, int]:
        """``(number of keys, bytes of sealed material)`` of ``owner``, for quotas."""

    @abc.abstractmethod
    def generation(self) -> int:
        """A value that changes whenever *another* process or connection has changed
        the store. Cheap (called on the per-operation path for persistent keys)."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the store; further calls fail."""
