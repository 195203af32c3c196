"""Key stores: where persistent keys live between calls and across restarts.

``open_keystore(spec)`` picks one from a configuration string:

* ``"memory"`` -- :class:`MemoryKeyStore` (keys last as long as the process);
* ``"none"`` -- :class:`NoKeyStore` (no persistent keys at all);
* anything else -- a file path for :class:`SqliteKeyStore` (write ``./memory``
  for a file that happens to be called ``memory``).
"""

from __future__ import annotations

from ..errors import InvalidArgumentError
from .base import KeyRecord, KeyStore
from .memory import MemoryKeyStore, NoKeyStore
from .sqlite import SqliteKeyStore

__all__ = [
    "KeyRecord",
    "KeyStore",
    "MemoryKeyStore",
    "NoKeyStore",
    "SqliteKeyStore",
    "open_keystore",
]


def open_keystore(spec: str) -> KeyStore:
    """The key store that ``spec`` names (see the module docstring)."""
    if not isinstance(spec, str) or not spec:
        raise InvalidArgumentError("key store spec must be a non-empty string")
    if spec == "memory":
        return MemoryKeyStore()
    if spec == "none":
        return NoKeyStore()
    return SqliteKeyStore(spec)
