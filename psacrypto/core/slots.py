"""Loaded keys and the per-owner key table."""

from __future__ import annotations

from typing import Any

from .. import constants as c
from ..attributes import KeyAttributes


class KeySlot:
    """A key the core has in memory: attributes, material and per-family caches.

    ``type``/``bits``/``usage``/``alg`` mirror the attributes as plain fields
    because the per-call path reads them. ``cache`` holds parsed key objects and
    bound per-algorithm closures, so repeated use of a key costs a dict lookup.
    ``destroyed`` is set when the key is destroyed while an operation still holds
    the slot; the operation then fails instead of using a dead key.
    """

    __slots__ = (
        "__weakref__",
        "alg",
        "attributes",
        "bits",
        "cache",
        "destroyed",
        "key_id",
        "location",
        "material",
        "persistent",
        "type",
        "usage",
    )

    def __init__(self, attributes: KeyAttributes, material: bytes) -> None:
        self.attributes = attributes
        self.material = material
        self.key_id = attributes.id
        self.type = attributes.type
        self.bits = attributes.bits
        self.usage = attributes.usage_flags
        self.alg = attributes.algorithm
        self.persistent = (attributes.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        self.location = attributes.lifetime >> 8
        self.cache: dict[Any, Any] = {}
        self.destroyed = False

    def wipe(self) -> None:
        """Forget the material and every derived object (best effort in Python)."""
        self.destroyed = True
        self.material = b""
        self.cache.clear()
