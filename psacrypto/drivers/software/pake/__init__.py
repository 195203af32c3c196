"""The PAKE part of the software driver: J-PAKE (:mod:`.jpake`), SPAKE2+ and its
Matter variant (:mod:`.spake2p`), WPA3-SAE with the looping password element
(:mod:`.sae`), the SPAKE2+ key types (:mod:`.keys`), on the curve groups of
:mod:`.group` (pycryptodome's ``EccPoint``).

Like the other driver packages, nothing here knows of owners, key ids or policy;
the PAKE operation and its state machine are in :mod:`psacrypto.core.pake`.
"""

from __future__ import annotations

from . import group, jpake, keys, sae, spake2p

__all__ = ["group", "jpake", "keys", "sae", "spake2p"]
