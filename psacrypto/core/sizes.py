"""Lookup tables the core needs on hot paths (hash and block sizes), built from
``psacrypto.macros`` so that the facts live in one place."""

from __future__ import annotations

from .. import constants as c
from .. import macros as _m

#: Output length in bytes of each hash algorithm with a fixed output (from the
#: HASH_LENGTH macro, as a dict so hot paths index it without a call).
HASH_LENGTH: dict[int, int] = {
    value: _m.HASH_LENGTH(value)
    for name, value in vars(c).items()
    if name.startswith("ALG_") and (value & 0x7FFFFF00) == 0x02000000 and _m.HASH_LENGTH(value)
}

#: Block size in bytes of each block cipher key type.
BLOCK_SIZE: dict[int, int] = {
    c.KEY_TYPE_AES: 16,
    c.KEY_TYPE_ARIA: 16,
    c.KEY_TYPE_CAMELLIA: 16,
    c.KEY_TYPE_SM4: 16,
    c.KEY_TYPE_DES: 8,
}
