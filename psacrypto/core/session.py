"""The cryptoprocessor core (:class:`Core`) and the API of one owner (:class:`Session`).

A :class:`Core` holds the key store, the volatile keys of every owner and the
caches; it is shared by every client of a service. A :class:`Session` is the whole
PSA API as seen by one owner: every key id it receives is looked up in that
owner's namespace only, so one client can never reach another's keys.
"""

from __future__ import annotations

import collections
import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol

from .. import constants as c
from ..attributes import KeyAttributes
from ..errors import (
    AlreadyExistsError,
    BadStateError,
    InsufficientMemoryError,
    InsufficientStorageError,
    InvalidArgumentError,
    InvalidHandleError,
    NotPermittedError,
)
from ..keystore.base import KeyRecord, KeyStore
from . import locations, policy
from .slots import KeySlot

#: Volatile key ids are drawn at random from this range (inside the vendor range,
#: below the block reserved for built-in keys), so they cannot be guessed.
KEY_ID_VOLATILE_MIN = 0x40000000
KEY_ID_VOLATILE_MAX = 0x7FFEFFFF
#: Built-in keys (e.g. the hardware unique key) live at the top of the vendor range.
KEY_ID_BUILTIN_MIN = 0x7FFF0000

#: How many recently destroyed volatile ids are kept out of reuse, per owner.
_RECENT_IDS = 4096


class BuiltinKeys(Protocol):
    """A provider of built-in keys (ids at or above :data:`KEY_ID_BUILTIN_MIN`), e.g.
    the hardware unique key of :mod:`psacrypto.huk`. ``builtin_slot`` returns the slot
    that ``owner`` sees for ``key_id`` (``None``: no such key); ``close`` forgets them."""

    def builtin_slot(self, owner: str, key_id: int) -> KeySlot | None: ...

    def close(self) -> None: ...


#: ``attach_key`` provider: ``(owner, attributes, label) -> (final attributes, material)``.
AttachProvider = Callable[[str, KeyAttributes, bytes], tuple[KeyAttributes, bytes]]


_POOL_IDS = 512
_pool: list[int] = []
_pool_lock = threading.Lock()


def _random_30_bits() -> int:
    """30 uniformly random bits from the OS CSPRNG, drawn from a pooled buffer."""
    with _pool_lock:
        if not _pool:
            raw = os.urandom(4 * _POOL_IDS)
            _pool.extend(
                int.from_bytes(raw[i : i + 4], "big") & 0x3FFFFFFF for i in range(0, len(raw), 4)
            )
        return _pool.pop()


class Quotas:
    """Per-owner resource limits; ``None`` means unlimited."""

    def __init__(
        self,
        max_keys: int | None = None,
        max_storage_bytes: int | None = None,
        max_operations: int | None = None,
    ) -> None:
        self.max_keys = max_keys
        self.max_storage_bytes = max_storage_bytes
        self.max_operations = max_operations


class _OwnerState:
    """Everything the core keeps for one owner."""

    __slots__ = ("keys", "live", "recent", "recent_set", "volatile_count")

    def __init__(self) -> None:
        #: volatile keys, and persistent keys cached because they have KEY_USAGE_CACHE
        self.keys: dict[int, KeySlot] = {}
        #: every loaded persistent slot, so destroy can stop operations using it
        self.live: dict[int, weakref.WeakSet[KeySlot]] = {}
        #: recently destroyed volatile ids, oldest first, and the same as a set so
        #: the reuse check is O(1)
        self.recent: collections.deque[int] = collections.deque()
        self.recent_set: set[int] = set()
        self.volatile_count = 0


class Core:
    """The cryptoprocessor: key store, key tables of every owner, and policy."""

    def __init__(self, keystore: KeyStore | None = None, *, quotas: Quotas | None = None) -> None:
        if keystore is None:
            from ..keystore.memory import MemoryKeyStore

            keystore = MemoryKeyStore()
        self.store = keystore
        self.quotas = quotas or Quotas()
        self.lock = threading.RLock()
        self._owners: dict[str, _OwnerState] = {}
        self._generation = keystore.generation()
        self.closed = False
        #: built-in keys, consulted by ``_get_slot`` for ids >= KEY_ID_BUILTIN_MIN
        self.builtin_keys: BuiltinKeys | None = None
        #: implementation-provided keys for ``attach_key`` at location 0
        self.attach_provider: AttachProvider | None = None
        #: the cryptoprocessors by key location (0: local storage, software driver)
        self.locations = locations.LocationRegistry()

    def owner_state(self, owner: str) -> _OwnerState:
        state = self._owners.get(owner)
        if state is None:
            with self.lock:
                state = self._owners.setdefault(owner, _OwnerState())
        return state

    def session(self, owner: str = "") -> Session:
        from .local import LocalSession

        return LocalSession(self, owner)

    def refresh(self) -> None:
        """Drop cached persistent keys if another process changed the store."""
        generation = self.store.generation()
        if generation != self._generation:
            with self.lock:
                self._generation = generation
                for state in self._owners.values():
                    for key_id in [k for k, s in state.keys.items() if s.persistent]:
                        del state.keys[key_id]

    # Administration (architecture 4.4) -------------------------------------------------

    def owners(self) -> list[str]:
        with self.lock:
            names = set(self.store.owners())
            names.update(o for o, s in self._owners.items() if s.keys)
        return sorted(names)

    def list_key_attributes(self, owner: str) -> list[KeyAttributes]:
        state = self.owner_state(owner)
        with self.lock:
            volatile = [s.attributes.copy() for s in state.keys.values() if not s.persistent]
        return sorted(
            volatile + self.store.list_attributes(owner), key=lambda a: a.id
        )

    def delete_owner_keys(self, owner: str) -> int:
        """Destroy every key of ``owner``; returns how many were destroyed."""
        state = self.owner_state(owner)
        count = 0
        with self.lock:
            for key_id, slot in list(state.keys.items()):
                if slot.location and not slot.persistent:
                    locations.discard(slot)
                slot.wipe()
                del state.keys[key_id]
                if not slot.persistent:
                    count += 1
            state.volatile_count = 0
            for key_id in self.store.list_ids(owner):
                for slot in state.live.pop(key_id, ()):
                    slot.wipe()
                record = self.store.load(owner, key_id)
                if record is not None and record.attributes.lifetime >> 8:
                    locations.destroy_record(self, record.attributes, record.material)
                if self.store.delete(owner, key_id):
                    count += 1
        return count

    def close(self) -> None:
        with self.lock:
            if not self.closed:
                self.closed = True
                for state in self._owners.values():
                    for slot in state.keys.values():
                        slot.wipe()
                    state.keys.clear()
                if self.builtin_keys is not None:
                    self.builtin_keys.close()
                self.locations.close()
                self.store.close()


class Session:
    """The key table access every family builds on (see docs/internals.md)."""

    def __init__(self, core: Core, owner: str) -> None:
        self._core = core
        self._owner = owner
        self._state = core.owner_state(owner)
        self._keys = self._state.keys
        self._operations = 0

    @property
    def owner(self) -> str:
        return self._owner

    @property
    def core(self) -> Core:
        return self._core

    # Key lookup -------------------------------------------------------------------------

    def _get_slot(self, key: int) -> KeySlot:
        """The key ``key`` of this owner, loading a persistent key if needed."""
        slot = self._keys.get(key)
        if slot is not None:
            if slot.persistent:
                self._core.refresh()
                slot = self._keys.get(key)
                if slot is not None:
                    return slot
            else:
                return slot
        if self._core.closed:
            raise BadStateError("the cryptoprocessor is closed")
        if not c.KEY_ID_USER_MIN <= key <= c.KEY_ID_VENDOR_MAX:
            raise InvalidHandleError(f"no key with id {key}")
        if key >= KEY_ID_BUILTIN_MIN:
            builtin = self._core.builtin_keys
            found = builtin.builtin_slot(self._owner, key) if builtin is not None else None
            if found is None:
                raise InvalidHandleError(f"no key with id {key}")
            return found
        record = self._core.store.load(self._owner, key)
        if record is None:
            raise InvalidHandleError(f"no key with id {key}")
        slot = self._core.locations.make_slot(record.attributes, record.material)
        with self._core.lock:
            self._state.live.setdefault(key, weakref.WeakSet()).add(slot)
            if slot.usage & c.KEY_USAGE_CACHE:
                self._keys[key] = slot
        return slot

    def _use_key(self, key: int, usage: int, alg: int) -> KeySlot:
        """The key, after checking that its policy permits ``alg`` for ``usage``."""
        slot = self._get_slot(key)
        if not slot.usage & usage:
            raise NotPermittedError("the key's usage flags do not permit this operation")
        if slot.alg != alg and not policy.permits(slot.alg, alg, usage, slot.type):
            raise NotPermittedError("the key's policy does not permit this algorithm")
        return slot

    def _engine(
        self,
        key: int,
        usage: int,
        alg: int,
        tag: int,
        family: str,
        check: Callable[[int, int, int], object],
        build: Callable[[KeySlot, int], Any],
    ) -> tuple[KeySlot, Any]:
        """The key's slot and its engine for ``alg`` in role ``usage``: the object
        a symmetric family computes with, built once per key and algorithm.

        The first use checks the policy (``_use_key``) and the key/algorithm fit
        (``check``), then builds the engine (``build``, or the key's opaque driver
        for a key at another location) and caches it on the slot under
        ``alg | tag``, so later calls on a volatile key cost two dict lookups.
        Persistent keys are resolved (and their policy checked) on every call.
        """
        slot = self._keys.get(key)
        if slot is not None and not slot.persistent:
            found = slot.cache.get(alg | tag)
            if found is not None:
                return slot, found
        slot = self._use_key(key, usage, alg)
        engine = slot.cache.get(alg | tag)
        if engine is not None:
            return slot, engine
        engine = slot.cache.get((family, alg))
        if engine is None:
            check(slot.type, slot.bits, alg)
            if slot.location != c.KEY_LOCATION_LOCAL_STORAGE:
                from . import locations

                engine = locations.bind(slot, family, 0, alg)
            else:
                engine = build(slot, alg)
            slot.cache[(family, alg)] = engine
        slot.cache[alg | tag] = engine
        return slot, engine

    # Key creation -----------------------------------------------------------------------

    def _validate_new_attributes(self, attributes: KeyAttributes) -> None:
        """Raise the spec's error for a lifetime, id, usage or algorithm that no new
        key may have (the checks every key creation function shares)."""
        if (
            attributes.lifetime == c.KEY_LIFETIME_VOLATILE
            and attributes.id == c.KEY_ID_NULL
            and not attributes.usage_flags & ~policy.VALID_USAGE_FLAGS
            and attributes.usage_flags >= 0
            and 0 <= attributes.algorithm <= 0xFFFFFFFF
        ):
            return  # the common case: a volatile key in local storage
        lifetime = attributes.lifetime
        persistence = lifetime & 0xFF
        location = lifetime >> 8
        if not 0 <= lifetime <= 0xFFFFFFFF:
            raise InvalidArgumentError("invalid lifetime")
        if location not in self._locations():
            raise InvalidArgumentError(f"no cryptoprocessor at location 0x{location:06x}")
        if persistence == c.KEY_PERSISTENCE_READ_ONLY:
            raise InvalidArgumentError("read-only keys cannot be created")
        if persistence == c.KEY_PERSISTENCE_VOLATILE:
            if attributes.id != c.KEY_ID_NULL:
                raise InvalidArgumentError("a volatile key cannot be given an id")
        elif not c.KEY_ID_USER_MIN <= attributes.id <= c.KEY_ID_USER_MAX:
            raise InvalidArgumentError(f"key id {attributes.id} is not in the user range")
        policy.validate_usage_flags(attributes.usage_flags)
        if not 0 <= attributes.algorithm <= 0xFFFFFFFF:
            raise InvalidArgumentError("invalid permitted algorithm")

    def _locations(self) -> frozenset[int]:
        return self._core.locations.available

    def _new_volatile_id(self) -> int:
        """A random, unused volatile id, not one destroyed recently.

        The range holds 2**30 - 2**16 ids; drawing 30 random bits from a pooled
        ``os.urandom`` buffer (one syscall per 512 ids) and rejecting the top
        sliver keeps the draw uniform and cheap.
        """
        keys, recent = self._keys, self._state.recent_set
        while True:
            key_id = KEY_ID_VOLATILE_MIN + _random_30_bits()
            if key_id <= KEY_ID_VOLATILE_MAX and key_id not in keys and key_id not in recent:
                return key_id

    def _check_quota(self, material_size: int, persistent: bool) -> None:
        quotas = self._core.quotas
        if quotas.max_keys is None and quotas.max_storage_bytes is None:
            return
        count, stored = self._core.store.usage(self._owner)
        if quotas.max_keys is not None and count + self._state.volatile_count >= quotas.max_keys:
            if persistent:
                raise InsufficientStorageError("key quota of this client reached")
            raise InsufficientMemoryError("key quota of this client reached")
        if (
            persistent
            and quotas.max_storage_bytes is not None
            and stored + material_size > quotas.max_storage_bytes
        ):
            raise InsufficientStorageError("storage quota of this client reached")

    def _create_key(self, attributes: KeyAttributes, material: bytes, bits: int) -> int:
        """Register a new key with validated material; returns its id. In an opaque
        location (lifetime's location != 0) the material goes into that location's
        driver, and the core keeps only the driver's reference."""
        if attributes.lifetime >> 8:
            return locations.import_key(self, attributes, material, bits)
        return self._register_key(attributes, material, bits)

    def _register_key(self, attributes: KeyAttributes, material: bytes, bits: int) -> int:
        """Record a new key: ``material`` is the key (location 0) or the reference
        returned by the location's driver."""
        self._validate_new_attributes(attributes)
        final = attributes.copy()
        final.bits = bits
        final.usage_flags = policy.effective_usage(attributes.usage_flags)
        persistent = (final.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        with self._core.lock:
            self._check_quota(len(material), persistent)
            if persistent:
                if final.id in self._keys:
                    raise AlreadyExistsError(f"key {final.id} already exists")
                self._core.store.create(KeyRecord(self._owner, final.id, final, material))
                slot = self._core.locations.make_slot(final, material)
                self._state.live.setdefault(final.id, weakref.WeakSet()).add(slot)
                if final.usage_flags & c.KEY_USAGE_CACHE:
                    self._keys[final.id] = slot
                return final.id
            final.id = self._new_volatile_id()
            self._keys[final.id] = (
                self._core.locations.make_slot(final, material)
                if final.lifetime >> 8
                else KeySlot(final, material)
            )
            self._state.volatile_count += 1
            return final.id

    def _remember_destroyed(self, key: int) -> None:
        recent, recent_set = self._state.recent, self._state.recent_set
        recent.append(key)
        recent_set.add(key)
        if len(recent) > _RECENT_IDS:
            recent_set.discard(recent.popleft())

    def _remove_key(self, key: int) -> KeySlot:
        """Forget a key everywhere (table, live operations, store)."""
        slot = self._get_slot(key)
        if (slot.attributes.lifetime & 0xFF) == c.KEY_PERSISTENCE_READ_ONLY:
            raise NotPermittedError("read-only keys cannot be destroyed")
        # In its cryptoprocessor first: a failure leaves a persistent key registered (the
        # destroy can be retried); a volatile one is forgotten, then the failure raised.
        failure = locations.destroy_before_removal(slot) if slot.location else None
        with self._core.lock:
            self._keys.pop(key, None)
            if slot.persistent:
                for live in self._state.live.pop(key, ()):
                    live.wipe()
                self._core.store.delete(self._owner, key)
            else:
                self._state.volatile_count -= 1
                self._remember_destroyed(key)
            slot.wipe()
        if failure is not None:
            raise failure
        return slot
