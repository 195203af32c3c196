"""Small lookup tables the core needs on hot paths (hash and block sizes).

These duplicate facts that ``psacrypto.macros`` also exposes, as plain dicts the
policy checks and operations can index without a function call.
"""

from __future__ import annotations

from .. import constants as c

#: Output length in bytes of each hash algorithm with a fixed output.
HASH_LENGTH: dict[int, int] = {
    c.ALG_MD2: 16,
    c.ALG_MD4: 16,
    c.ALG_MD5: 16,
    c.ALG_RIPEMD160: 20,
    c.ALG_AES_MMO_ZIGBEE: 16,
    c.ALG_SHA_1: 20,
    c.ALG_SHA_224: 28,
    c.ALG_SHA_256: 32,
    c.ALG_SHA_384: 48,
    c.ALG_SHA_512: 64,
    c.ALG_SHA_512_224: 28,
    c.ALG_SHA_512_256: 32,
    c.ALG_SHA3_224: 28,
    c.ALG_SHA3_256: 32,
    c.ALG_SHA3_384: 48,
    c.ALG_SHA3_512: 64,
    c.ALG_SHAKE256_512: 64,
    c.ALG_SM3: 32,
    c.ALG_ASCON_HASH256: 32,
    c.ALG_BLAKE2S_HASH256: 32,
    c.ALG_BLAKE2SP_HASH256: 32,
    c.ALG_BLAKE2B_HASH512: 64,
    c.ALG_BLAKE2BP_HASH512: 64,
}

#: Block size in bytes of each block cipher key type.
BLOCK_SIZE: dict[int, int] = {
    c.KEY_TYPE_AES: 16,
    c.KEY_TYPE_ARIA: 16,
    c.KEY_TYPE_CAMELLIA: 16,
    c.KEY_TYPE_SM4: 16,
    c.KEY_TYPE_DES: 8,
}
