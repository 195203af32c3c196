"""The complete API of one owner: every family mixed into one class.

Each family lives in its own module (see docs/internals.md); this module only
composes them. A family that is not built yet is simply absent here.
"""

from __future__ import annotations

from .hash import HashFunctions
from .keys import KeyManagement
from .random import RandomFunctions


class LocalSession(KeyManagement, HashFunctions, RandomFunctions):
    """The PSA API for one owner of a :class:`~psacrypto.core.session.Core`."""
