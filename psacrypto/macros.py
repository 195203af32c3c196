"""The PSA Crypto API 1.5 function-like macros, as plain Python functions.

Every macro keeps its spec name without the ``PSA_`` prefix and its spec parameter
names: ``ALG_HMAC(hash_alg)``, ``KEY_TYPE_ECC_KEY_PAIR(curve)``,
``AEAD_ENCRYPT_OUTPUT_SIZE(key_type, alg, plaintext_length)``. Algorithms, key
types, lifetimes and PAKE primitives are plain ints with the spec's bit layout
(see the encodings appendix of the spec), so every function here is a handful of
integer operations or one lookup in a table built at import time.

Two kinds of macro live here:

* Spec-defined macros, whose result the spec fixes. Where the example
  definitions in the spec's appendix disagree with the macro's own description,
  psacrypto follows the description; the docstring of each such macro says so,
  and ``tests/test_spec_values.py`` has a named test showing both values.
* Implementation-defined macros and constants (buffer sizes, lengths,
  ``ALG_SIGN_SUPPORTS_CONTEXT``). They return ``0`` for anything the spec says
  gives ``0`` (an unrecognized algorithm, an incompatible key type); the
  ``*_MAX_SIZE`` constants cover every algorithm and key size psacrypto
  supports: RSA up to 4096 bits, ECC up to 521 bits, finite-field DH up to
  8192 bits, ML-DSA-87, ML-KEM-1024 and the largest SLH-DSA parameter sets.

Size contract for multi-part operations: block-cipher modes that buffer (ECB,
CBC, XTS) and the AEADs built on a 16-byte block or rate (CCM, GCM, Ascon)
may hold back input; update calls then emit at most the input rounded up to a
whole block, and the finishing call emits at most one block (two for XTS,
whose ciphertext stealing needs the last two blocks). Stream modes and the
ChaCha20 family emit exactly what they are given.
"""

from . import constants as _c

# ---------------------------------------------------------------------------
# Shared bit masks and tables (module private)
# ---------------------------------------------------------------------------

_CAT = 0x7F000000  # algorithm category field (V bit ignored, as in the spec examples)
_LEN_W = 0x003F8000  # MAC/AEAD length field plus the wildcard (W) flag
_NO_LEN_W = 0xFFFFFFFF & ~_LEN_W  # clears both, within 32 bits

#: Output length of every fixed-length hash algorithm.
_HASH_LENGTH: dict[int, int] = {
    _c.ALG_MD2: 16,
    _c.ALG_MD4: 16,
    _c.ALG_MD5: 16,
    _c.ALG_RIPEMD160: 20,
    _c.ALG_AES_MMO_ZIGBEE: 16,
    _c.ALG_SHA_1: 20,
    _c.ALG_SHA_224: 28,
    _c.ALG_SHA_256: 32,
    _c.ALG_SHA_384: 48,
    _c.ALG_SHA_512: 64,
    _c.ALG_SHA_512_224: 28,
    _c.ALG_SHA_512_256: 32,
    _c.ALG_SHA_256_192: 24,
    _c.ALG_SHA3_224: 28,
    _c.ALG_SHA3_256: 32,
    _c.ALG_SHA3_384: 48,
    _c.ALG_SHA3_512: 64,
    _c.ALG_SM3: 32,
    _c.ALG_SHAKE256_512: 64,
    _c.ALG_SHAKE128_256: 32,
    _c.ALG_SHAKE256_192: 24,
    _c.ALG_SHAKE256_256: 32,
    _c.ALG_ASCON_HASH256: 32,
    _c.ALG_BLAKE2S_HASH256: 32,
    _c.ALG_BLAKE2SP_HASH256: 32,
    _c.ALG_BLAKE2B_HASH512: 64,
    _c.ALG_BLAKE2BP_HASH512: 64,
}

#: Input block size of every hash algorithm: the compression-function block for
#: Merkle-Damgard and BLAKE2 designs (each BLAKE2sp/bp leaf uses the BLAKE2s/b
#: block), the sponge rate for SHA-3, SHAKE and Ascon.
_HASH_BLOCK_LENGTH: dict[int, int] = {
    _c.ALG_MD2: 16,
    _c.ALG_MD4: 64,
    _c.ALG_MD5: 64,
    _c.ALG_RIPEMD160: 64,
    _c.ALG_AES_MMO_ZIGBEE: 16,
    _c.ALG_SHA_1: 64,
    _c.ALG_SHA_224: 64,
    _c.ALG_SHA_256: 64,
    _c.ALG_SHA_384: 128,
    _c.ALG_SHA_512: 128,
    _c.ALG_SHA_512_224: 128,
    _c.ALG_SHA_512_256: 128,
    _c.ALG_SHA_256_192: 64,
    _c.ALG_SHA3_224: 144,
    _c.ALG_SHA3_256: 136,
    _c.ALG_SHA3_384: 104,
    _c.ALG_SHA3_512: 72,
    _c.ALG_SM3: 64,
    _c.ALG_SHAKE256_512: 136,
    _c.ALG_SHAKE128_256: 168,
    _c.ALG_SHAKE256_192: 136,
    _c.ALG_SHAKE256_256: 136,
    _c.ALG_ASCON_HASH256: 8,
    _c.ALG_BLAKE2S_HASH256: 64,
    _c.ALG_BLAKE2SP_HASH256: 64,
    _c.ALG_BLAKE2B_HASH512: 128,
    _c.ALG_BLAKE2BP_HASH512: 128,
}

#: Hash suspend state field sizes (input-length field, hash-state field) for the
#: algorithms whose suspend format the spec defines.
_SUSPEND_FIELDS: dict[int, tuple[int, int]] = {
    _c.ALG_MD2: (1, 64),
    _c.ALG_MD4: (8, 16),
    _c.ALG_MD5: (8, 16),
    _c.ALG_RIPEMD160: (8, 20),
    _c.ALG_SHA_1: (8, 20),
    _c.ALG_SHA_224: (8, 32),
    _c.ALG_SHA_256: (8, 32),
    _c.ALG_SHA_384: (16, 64),
    _c.ALG_SHA_512: (16, 64),
    _c.ALG_SHA_512_224: (16, 64),
    _c.ALG_SHA_512_256: (16, 64),
}

#: Block size of each block-cipher key type.
_BLOCK_CIPHER: dict[int, int] = {
    _c.KEY_TYPE_AES: 16,
    _c.KEY_TYPE_ARIA: 16,
    _c.KEY_TYPE_CAMELLIA: 16,
    _c.KEY_TYPE_SM4: 16,
    _c.KEY_TYPE_DES: 8,
}
_BLOCK16_KEY_TYPES = frozenset(t for t, b in _BLOCK_CIPHER.items() if b == 16)


def _build_cipher_iv() -> dict[tuple[int, int], int]:
    table: dict[tuple[int, int], int] = {}
    for key_type, block in _BLOCK_CIPHER.items():
        for alg in (_c.ALG_CBC_NO_PADDING, _c.ALG_CBC_PKCS7, _c.ALG_CFB, _c.ALG_OFB,
                    _c.ALG_CTR, _c.ALG_XTS):
            table[key_type, alg] = block
        table[key_type, _c.ALG_ECB_NO_PADDING] = 0
        if block == 16:
            table[key_type, _c.ALG_CCM_STAR_NO_TAG] = 13
    table[_c.KEY_TYPE_ARC4, _c.ALG_STREAM_CIPHER] = 0
    table[_c.KEY_TYPE_CHACHA20, _c.ALG_STREAM_CIPHER] = 12
    table[_c.KEY_TYPE_XCHACHA20, _c.ALG_STREAM_CIPHER] = 24
    return table


#: Default IV length of every compatible (key type, cipher algorithm) pair; a pair
#: that is absent is incompatible.
_CIPHER_IV: dict[tuple[int, int], int] = _build_cipher_iv()
#: Cipher modes that may hold back a partial block between update calls.
_BUFFERED_CIPHERS = frozenset((_c.ALG_ECB_NO_PADDING, _c.ALG_CBC_NO_PADDING, _c.ALG_CBC_PKCS7,
                               _c.ALG_XTS))

# AEAD base algorithms: the identifier with the tag-length field and W flag cleared.
_AEAD_CCM = _c.ALG_CCM & _NO_LEN_W
_AEAD_GCM = _c.ALG_GCM & _NO_LEN_W
_AEAD_CHACHA = _c.ALG_CHACHA20_POLY1305 & _NO_LEN_W
_AEAD_XCHACHA = _c.ALG_XCHACHA20_POLY1305 & _NO_LEN_W
_AEAD_ASCON = _c.ALG_ASCON_AEAD128 & _NO_LEN_W
#: AEADs that process 16-byte blocks (or a 16-byte rate) and may buffer.
_AEAD_BLOCKWISE = frozenset((_AEAD_CCM, _AEAD_GCM, _AEAD_ASCON))
#: Base AEAD algorithm -> its default-length identifier (all defaults are 16 bytes).
_AEAD_DEFAULT: dict[int, int] = {
    _AEAD_CCM: _c.ALG_CCM,
    _AEAD_GCM: _c.ALG_GCM,
    _AEAD_CHACHA: _c.ALG_CHACHA20_POLY1305,
    _AEAD_XCHACHA: _c.ALG_XCHACHA20_POLY1305,
    _AEAD_ASCON: _c.ALG_ASCON_AEAD128,
}


def _build_aead_nonce() -> dict[tuple[int, int], int]:
    table: dict[tuple[int, int], int] = {}
    for key_type in _BLOCK16_KEY_TYPES:
        table[key_type, _AEAD_CCM] = 13
        table[key_type, _AEAD_GCM] = 12
    table[_c.KEY_TYPE_CHACHA20, _AEAD_CHACHA] = 12
    table[_c.KEY_TYPE_XCHACHA20, _AEAD_XCHACHA] = 24
    table[_c.KEY_TYPE_ASCON, _AEAD_ASCON] = 16
    return table


#: Default nonce length of every compatible (key type, base AEAD) pair.
_AEAD_NONCE: dict[tuple[int, int], int] = _build_aead_nonce()

_WEIERSTRASS = frozenset((
    _c.ECC_FAMILY_SECP_K1, _c.ECC_FAMILY_SECP_R1, _c.ECC_FAMILY_SECP_R2,
    _c.ECC_FAMILY_SECT_K1, _c.ECC_FAMILY_SECT_R1, _c.ECC_FAMILY_SECT_R2,
    _c.ECC_FAMILY_BRAINPOOL_P_R1, _c.ECC_FAMILY_FRP,
))
_ECDH_FAMILIES = _WEIERSTRASS | {_c.ECC_FAMILY_MONTGOMERY}
_DH_FAMILIES = frozenset((_c.DH_FAMILY_RFC7919, _c.DH_FAMILY_RFC3526))
_SLH_DSA_SMALL = frozenset((_c.SLH_DSA_FAMILY_SHA2_S, _c.SLH_DSA_FAMILY_SHAKE_S))
_SLH_DSA_FAST = frozenset((_c.SLH_DSA_FAMILY_SHA2_F, _c.SLH_DSA_FAMILY_SHAKE_F))

_ML_DSA_PUBLIC_KEY = {128: 1312, 192: 1952, 256: 2592}  # FIPS 204 table 2
_ML_DSA_SIGNATURE = {128: 2420, 192: 3309, 256: 4627}  # FIPS 204 table 2
_ML_KEM_PUBLIC_KEY = {512: 800, 768: 1184, 1024: 1568}  # FIPS 203 table 3
_ML_KEM_CIPHERTEXT = {512: 768, 768: 1088, 1024: 1568}  # FIPS 203 table 3
_SLH_DSA_SIG_SMALL = {128: 7856, 192: 16224, 256: 29792}  # FIPS 205 table 2 ("s" sets)
_SLH_DSA_SIG_FAST = {128: 17088, 192: 35664, 256: 49856}  # FIPS 205 table 2 ("f" sets)

#: Signature-algorithm bases (hash field cleared) of the hash-and-sign schemes.
_HASH_AND_SIGN_BASES = frozenset((
    0x06000200,  # RSA PKCS#1 v1.5
    0x06000300,  # RSA PSS
    0x06001300,  # RSA PSS, any salt
    0x06000600,  # randomized ECDSA
    0x06000700,  # deterministic ECDSA
    0x06000900,  # HashEdDSA
    0x06004200,  # HashSLH-DSA
    0x06004300,  # deterministic HashSLH-DSA
    0x06004600,  # HashML-DSA
    0x06004700,  # deterministic HashML-DSA
))

#: Input-only PAKE step for the WPA3-SAE salt: the list of rejected groups (at most
#: 127 two-byte group numbers in one 802.11 element) or a hash-length string.
_WPA3_SAE_SALT_MAX = 256


def _bytes(bits: int) -> int:
    return (bits + 7) // 8


def _ecc_private_size(family: int, bits: int) -> int:
    """Size of an ECC private key (or scalar) in psacrypto's export format."""
    if family == _c.ECC_FAMILY_TWISTED_EDWARDS:
        return (bits + 8) // 8  # RFC 8032: 32 bytes for Ed25519, 57 for Ed448
    if family in _WEIERSTRASS or family == _c.ECC_FAMILY_MONTGOMERY:
        return (bits + 7) // 8
    return 0


def _ecc_public_size(family: int, bits: int) -> int:
    """Size of an ECC public key (a group element) in the export format."""
    if family in _WEIERSTRASS:
        return 1 + 2 * ((bits + 7) // 8)  # uncompressed SEC1 point
    if family == _c.ECC_FAMILY_MONTGOMERY:
        return (bits + 7) // 8
    if family == _c.ECC_FAMILY_TWISTED_EDWARDS:
        return (bits + 8) // 8
    return 0


def _der_integer_max(bits: int) -> int:
    """Largest DER INTEGER (tag, length, value) for a value below 2**bits."""
    return bits // 8 + 5  # value <= bits//8 + 1 bytes, length <= 3 bytes, tag 1


def _rsa_public_key_size(bits: int) -> int:
    # SEQUENCE { n, e }: both bounded by the modulus size, 4-byte sequence header.
    return 4 + 2 * _der_integer_max(bits)


def _rsa_key_pair_size(bits: int) -> int:
    # SEQUENCE { version(3 bytes), n, e, d, p, q, dp, dq, qinv }: every integer is
    # below n, so each is bounded by the modulus size.
    return 4 + 3 + 8 * _der_integer_max(bits)


# ---------------------------------------------------------------------------
# Algorithm categories
# ---------------------------------------------------------------------------


def ALG_IS_HASH(alg: int) -> bool:
    """Whether ``alg`` is a hash algorithm."""
    return (alg & _CAT) == 0x02000000


def ALG_IS_XOF(alg: int) -> bool:
    """Whether ``alg`` is an extendable-output function."""
    return (alg & _CAT) == 0x0D000000


def ALG_IS_MAC(alg: int) -> bool:
    """Whether ``alg`` is a MAC algorithm (including truncated and wildcard MACs)."""
    return (alg & _CAT) == 0x03000000


def ALG_IS_CIPHER(alg: int) -> bool:
    """Whether ``alg`` is an unauthenticated symmetric cipher."""
    return (alg & _CAT) == 0x04000000


def ALG_IS_AEAD(alg: int) -> bool:
    """Whether ``alg`` is an AEAD algorithm."""
    return (alg & _CAT) == 0x05000000


def ALG_IS_KEY_WRAP(alg: int) -> bool:
    """Whether ``alg`` is a key-wrapping algorithm."""
    return (alg & _CAT) == 0x0B000000


def ALG_IS_KEY_DERIVATION(alg: int) -> bool:
    """Whether ``alg`` is a key-derivation algorithm (not a combined key agreement)."""
    return (alg & _CAT) == 0x08000000


def ALG_IS_SIGN(alg: int) -> bool:
    """Whether ``alg`` is an asymmetric signature algorithm."""
    return (alg & _CAT) == 0x06000000


def ALG_IS_ASYMMETRIC_ENCRYPTION(alg: int) -> bool:
    """Whether ``alg`` is an asymmetric (public-key) encryption algorithm."""
    return (alg & _CAT) == 0x07000000


def ALG_IS_KEY_AGREEMENT(alg: int) -> bool:
    """Whether ``alg`` is a key agreement, standalone or combined with a KDF."""
    return (alg & _CAT) == 0x09000000


def ALG_IS_PAKE(alg: int) -> bool:
    """Whether ``alg`` is a password-authenticated key exchange."""
    return (alg & _CAT) == 0x0A000000


def ALG_IS_KEY_ENCAPSULATION(alg: int) -> bool:
    """Whether ``alg`` is a key-encapsulation mechanism."""
    return (alg & _CAT) == 0x0C000000


# ---------------------------------------------------------------------------
# Wildcards and the hash of a composite algorithm
# ---------------------------------------------------------------------------


def ALG_IS_WILDCARD(alg: int) -> bool:
    """Whether ``alg`` is a policy-only wildcard: built on ``ALG_ANY_HASH``, a
    minimum-length MAC or AEAD, ``ALG_CCM_STAR_ANY_TAG`` or ``ALG_WPA3_SAE_ANY``."""
    return (
        (alg & 0xFF) == 0xFF
        or (alg & 0x7F008000) == 0x03008000
        or (alg & 0x7F008000) == 0x05008000
        or alg == _c.ALG_CCM_STAR_ANY_TAG
    )


def ALG_GET_HASH(alg: int) -> int:
    """The hash algorithm that a composite algorithm (HMAC, HKDF, a hash-and-sign
    signature, ...) is built on, or ``ALG_NONE`` when there is none.

    A hash algorithm is not itself composite, so it gives ``ALG_NONE`` (the
    description of the macro says so; the spec's example definition would return
    the hash itself).
    """
    h = alg & 0xFF
    if h == 0 or (alg & _CAT) == 0x02000000:
        return 0
    return 0x02000000 | h


# ---------------------------------------------------------------------------
# Hash algorithms
# ---------------------------------------------------------------------------


def ALG_IS_BLAKE2_HASH(alg: int) -> bool:
    """Whether ``alg`` is one of the four BLAKE2 hash algorithms."""
    return (alg & 0x7FFFFFFC) == 0x0200001C


def HASH_LENGTH(alg: int) -> int:
    """Output size in bytes of a hash algorithm, or of the hash under an HMAC
    algorithm; ``0`` if unrecognized."""
    if (alg & _CAT) == 0x02000000:
        return _HASH_LENGTH.get(alg, 0)
    if (alg & 0x7FC07F00) == 0x03800000:  # any HMAC: plain, truncated or wildcard
        return _HASH_LENGTH.get(0x02000000 | (alg & 0xFF), 0)
    return 0


def HASH_BLOCK_LENGTH(alg: int) -> int:
    """Input block size in bytes of a hash algorithm; ``0`` if unrecognized."""
    return _HASH_BLOCK_LENGTH.get(alg, 0)


def HASH_SUSPEND_INPUT_LENGTH_FIELD_LENGTH(alg: int) -> int:
    """Size of the input-length field of a hash suspend state; ``0`` for a hash
    without a defined suspend format."""
    fields = _SUSPEND_FIELDS.get(alg)
    return fields[0] if fields else 0


def HASH_SUSPEND_HASH_STATE_FIELD_LENGTH(alg: int) -> int:
    """Size of the hash-state field of a hash suspend state; ``0`` for a hash
    without a defined suspend format."""
    fields = _SUSPEND_FIELDS.get(alg)
    return fields[1] if fields else 0


def HASH_SUSPEND_OUTPUT_SIZE(alg: int) -> int:
    """Largest hash suspend state for ``alg``: algorithm field, input-length field,
    hash-state field and up to one block minus one of unprocessed input.

    ``0`` for a hash that cannot be suspended (SHA-3, SHAKE, SM3, BLAKE2, ...) or
    an unrecognized one, as the macro's description requires.
    """
    fields = _SUSPEND_FIELDS.get(alg)
    if fields is None:
        return 0
    return (_c.HASH_SUSPEND_ALGORITHM_FIELD_LENGTH + fields[0] + fields[1]
            + _HASH_BLOCK_LENGTH[alg] - 1)


#: Largest hash output (SHA-512, SHA3-512, BLAKE2b, ...).
HASH_MAX_SIZE: int = 64
#: Largest hash suspend state (SHA-384/512 family: 4 + 16 + 64 + 127).
HASH_SUSPEND_OUTPUT_MAX_SIZE: int = 211


# ---------------------------------------------------------------------------
# MAC algorithms
# ---------------------------------------------------------------------------


def ALG_HMAC(hash_alg: int) -> int:
    """HMAC over ``hash_alg``."""
    return 0x03800000 | (hash_alg & 0xFF)


def ALG_BLAKE2_MAC(hash_alg: int) -> int:
    """Keyed BLAKE2 MAC over the BLAKE2 hash ``hash_alg``."""
    return 0x03800300 | (hash_alg & 0xFF)


def ALG_TRUNCATED_MAC(mac_alg: int, mac_length: int) -> int:
    """``mac_alg`` with its output cut to ``mac_length`` bytes."""
    return (mac_alg & _NO_LEN_W) | ((mac_length & 0x3F) << 16)


def ALG_FULL_LENGTH_MAC(mac_alg: int) -> int:
    """The untruncated, non-wildcard form of a MAC algorithm."""
    return mac_alg & _NO_LEN_W


def ALG_AT_LEAST_THIS_LENGTH_MAC(mac_alg: int, min_mac_length: int) -> int:
    """Policy wildcard: ``mac_alg`` with any output length of at least
    ``min_mac_length`` bytes.

    The length field holds 6 bits, so a minimum of 64 (the full length of
    HMAC-SHA-512 or BLAKE2b) encodes as length 0 with the wildcard flag set,
    which policy checks must read as "at least the full length".
    """
    return (mac_alg & _NO_LEN_W) | ((min_mac_length & 0x3F) << 16) | 0x00008000


def ALG_IS_HMAC(alg: int) -> bool:
    """Whether ``alg`` is an HMAC algorithm: plain, truncated, or a
    minimum-length wildcard (the spec's example definition misses the last)."""
    return (alg & 0x7FC07F00) == 0x03800000


def ALG_IS_BLAKE2_MAC(alg: int) -> bool:
    """Whether ``alg`` is a BLAKE2 MAC: plain, truncated, or a minimum-length
    wildcard (the spec's example definition misses the last)."""
    return (alg & 0x7FC07F00) == 0x03800300


def ALG_IS_BLOCK_CIPHER_MAC(alg: int) -> bool:
    """Whether ``alg`` is a MAC built on a block cipher (CBC-MAC, CMAC)."""
    return (alg & 0x7FC00000) == 0x03C00000


def MAC_LENGTH(key_type: int, key_bits: int, alg: int) -> int:
    """Output size in bytes of the MAC ``alg`` with a key of this type; ``0`` if
    the algorithm is unrecognized (or a block-cipher MAC gets a key that is not a
    block cipher)."""
    if (alg & _CAT) != 0x03000000:
        return 0
    base = alg & 0x7FC07F00
    if base == 0x03800000:  # HMAC
        full = _HASH_LENGTH.get(0x02000000 | (alg & 0xFF), 0)
    elif base == 0x03800300:  # BLAKE2 MAC: output of the BLAKE2 hash
        h = 0x02000000 | (alg & 0xFF)
        full = _HASH_LENGTH.get(h, 0) if ALG_IS_BLAKE2_HASH(h) else 0
    elif (alg & _NO_LEN_W) in (_c.ALG_CMAC, _c.ALG_CBC_MAC):
        full = _BLOCK_CIPHER.get(key_type, 0)
    else:
        return 0
    if full == 0:
        return 0
    truncated = (alg >> 16) & 0x3F
    return truncated if truncated else full


#: Largest MAC (HMAC-SHA-512, HMAC-SHA3-512, BLAKE2b-MAC).
MAC_MAX_SIZE: int = 64


# ---------------------------------------------------------------------------
# Unauthenticated ciphers
# ---------------------------------------------------------------------------


def ALG_IS_STREAM_CIPHER(alg: int) -> bool:
    """Whether ``alg`` is a stream cipher, or a stream mode of a block cipher
    (CTR, CFB, OFB, CCM*)."""
    return (alg & 0x7F800000) == 0x04800000


def BLOCK_CIPHER_BLOCK_LENGTH(type: int) -> int:
    """Block size of a cipher key type; ``1`` for a stream cipher key."""
    return 1 << ((type >> 8) & 7)


def CIPHER_IV_LENGTH(key_type: int, alg: int) -> int:
    """Default IV size of a cipher with this key type (the IV that
    ``cipher_encrypt`` generates); ``0`` if there is no IV or the pair is
    unrecognized or incompatible."""
    iv = _CIPHER_IV.get((key_type, alg), -1)
    return iv if iv > 0 else 0


def CIPHER_ENCRYPT_OUTPUT_SIZE(key_type: int, alg: int, input_length: int) -> int:
    """Output size of ``cipher_encrypt`` (IV then ciphertext); ``0`` if
    incompatible."""
    iv = _CIPHER_IV.get((key_type, alg), -1)
    if iv < 0:
        return 0
    if alg == _c.ALG_CBC_PKCS7:
        block = _BLOCK_CIPHER[key_type]
        return iv + (input_length // block + 1) * block
    return iv + input_length


def CIPHER_DECRYPT_OUTPUT_SIZE(key_type: int, alg: int, input_length: int) -> int:
    """Sufficient output size for ``cipher_decrypt`` of ``input_length`` bytes
    (IV included); ``0`` if incompatible."""
    iv = _CIPHER_IV.get((key_type, alg), -1)
    if iv < 0 or input_length < iv:
        return 0
    return input_length - iv


def CIPHER_UPDATE_OUTPUT_SIZE(key_type: int, alg: int, input_length: int) -> int:
    """Sufficient output size for one ``cipher_update`` call; ``0`` if
    incompatible."""
    iv = _CIPHER_IV.get((key_type, alg), -1)
    if iv < 0:
        return 0
    if alg in _BUFFERED_CIPHERS:
        block = _BLOCK_CIPHER[key_type]
        return -(-input_length // block) * block
    return input_length


def CIPHER_FINISH_OUTPUT_SIZE(key_type: int, alg: int) -> int:
    """Sufficient output size for ``cipher_finish``; ``0`` if incompatible."""
    iv = _CIPHER_IV.get((key_type, alg), -1)
    if iv < 0:
        return 0
    if alg == _c.ALG_CBC_PKCS7:
        return _BLOCK_CIPHER[key_type]
    if alg == _c.ALG_XTS:
        return 2 * _BLOCK_CIPHER[key_type]
    return 0


#: Largest block of any supported block cipher.
BLOCK_CIPHER_BLOCK_MAX_SIZE: int = 16
#: Largest default IV (XChaCha20's 24-byte nonce).
CIPHER_IV_MAX_SIZE: int = 24
#: Largest ``cipher_finish`` output (an XTS tail of up to two blocks).
CIPHER_FINISH_OUTPUT_MAX_SIZE: int = 2 * BLOCK_CIPHER_BLOCK_MAX_SIZE


def CIPHER_ENCRYPT_OUTPUT_MAX_SIZE(input_length: int) -> int:
    """``CIPHER_ENCRYPT_OUTPUT_SIZE`` bound over every supported cipher."""
    block = BLOCK_CIPHER_BLOCK_MAX_SIZE
    return (input_length // block + 1) * block + CIPHER_IV_MAX_SIZE


def CIPHER_DECRYPT_OUTPUT_MAX_SIZE(input_length: int) -> int:
    """``CIPHER_DECRYPT_OUTPUT_SIZE`` bound over every supported cipher."""
    return input_length


def CIPHER_UPDATE_OUTPUT_MAX_SIZE(input_length: int) -> int:
    """``CIPHER_UPDATE_OUTPUT_SIZE`` bound over every supported cipher."""
    return -(-input_length // BLOCK_CIPHER_BLOCK_MAX_SIZE) * BLOCK_CIPHER_BLOCK_MAX_SIZE


# ---------------------------------------------------------------------------
# AEAD
# ---------------------------------------------------------------------------


def ALG_AEAD_WITH_SHORTENED_TAG(aead_alg: int, tag_length: int) -> int:
    """``aead_alg`` with a ``tag_length``-byte tag."""
    return (aead_alg & _NO_LEN_W) | ((tag_length & 0x3F) << 16)


def ALG_AEAD_WITH_AT_LEAST_THIS_LENGTH_TAG(aead_alg: int, min_tag_length: int) -> int:
    """Policy wildcard: ``aead_alg`` with any tag of at least ``min_tag_length``
    bytes."""
    return (aead_alg & _NO_LEN_W) | ((min_tag_length & 0x3F) << 16) | 0x00008000


def ALG_AEAD_WITH_DEFAULT_LENGTH_TAG(aead_alg: int) -> int:
    """The default-tag form of an AEAD algorithm (from a shortened or wildcard
    one); ``ALG_NONE`` if the AEAD is unrecognized.

    Covers all five spec AEADs; the spec's example definition only knows CCM,
    GCM and ChaCha20-Poly1305.
    """
    return _AEAD_DEFAULT.get(aead_alg & _NO_LEN_W, 0)


def ALG_IS_AEAD_ON_BLOCK_CIPHER(alg: int) -> bool:
    """Whether ``alg`` is an AEAD mode of a block cipher (CCM, GCM)."""
    return (alg & 0x7F400000) == 0x05400000


def AEAD_NONCE_LENGTH(key_type: int, alg: int) -> int:
    """Default nonce size of an AEAD with this key type; ``0`` if the pair is
    unrecognized or incompatible."""
    return _AEAD_NONCE.get((key_type, alg & _NO_LEN_W), 0)


def AEAD_TAG_LENGTH(key_type: int, key_bits: int, alg: int) -> int:
    """Tag size of an AEAD algorithm with this key type; ``0`` if the pair is
    unrecognized or incompatible."""
    if (key_type, alg & _NO_LEN_W) not in _AEAD_NONCE:
        return 0
    return (alg >> 16) & 0x3F


def AEAD_ENCRYPT_OUTPUT_SIZE(key_type: int, alg: int, plaintext_length: int) -> int:
    """Output size of ``aead_encrypt``: ciphertext plus tag; ``0`` if
    incompatible."""
    if (key_type, alg & _NO_LEN_W) not in _AEAD_NONCE:
        return 0
    return plaintext_length + ((alg >> 16) & 0x3F)


def AEAD_DECRYPT_OUTPUT_SIZE(key_type: int, alg: int, ciphertext_length: int) -> int:
    """Output size of ``aead_decrypt``: the input without its tag; ``0`` if
    incompatible or shorter than a tag."""
    if (key_type, alg & _NO_LEN_W) not in _AEAD_NONCE:
        return 0
    tag = (alg >> 16) & 0x3F
    return ciphertext_length - tag if ciphertext_length >= tag else 0


def AEAD_UPDATE_OUTPUT_SIZE(key_type: int, alg: int, input_length: int) -> int:
    """Sufficient output size for one ``aead_update`` call; ``0`` if
    incompatible."""
    base = alg & _NO_LEN_W
    if (key_type, base) not in _AEAD_NONCE:
        return 0
    if base in _AEAD_BLOCKWISE:
        return -(-input_length // 16) * 16
    return input_length


def AEAD_FINISH_OUTPUT_SIZE(key_type: int, alg: int) -> int:
    """Sufficient ciphertext size for ``aead_finish`` (buffered input, not the
    tag); ``0`` if incompatible."""
    base = alg & _NO_LEN_W
    if (key_type, base) not in _AEAD_NONCE:
        return 0
    return 16 if base in _AEAD_BLOCKWISE else 0


def AEAD_VERIFY_OUTPUT_SIZE(key_type: int, alg: int) -> int:
    """Sufficient plaintext size for ``aead_verify``; ``0`` if incompatible."""
    return AEAD_FINISH_OUTPUT_SIZE(key_type, alg)


#: Largest AEAD tag.
AEAD_TAG_MAX_SIZE: int = 16
#: Largest generated nonce (XChaCha20-Poly1305).
AEAD_NONCE_MAX_SIZE: int = 24
#: Largest ``aead_finish`` ciphertext output (one buffered block).
AEAD_FINISH_OUTPUT_MAX_SIZE: int = 16
#: Largest ``aead_verify`` plaintext output (one buffered block).
AEAD_VERIFY_OUTPUT_MAX_SIZE: int = 16


def AEAD_ENCRYPT_OUTPUT_MAX_SIZE(plaintext_length: int) -> int:
    """``AEAD_ENCRYPT_OUTPUT_SIZE`` bound over every supported AEAD."""
    return plaintext_length + AEAD_TAG_MAX_SIZE


def AEAD_DECRYPT_OUTPUT_MAX_SIZE(ciphertext_length: int) -> int:
    """``AEAD_DECRYPT_OUTPUT_SIZE`` bound over every supported AEAD."""
    return ciphertext_length


def AEAD_UPDATE_OUTPUT_MAX_SIZE(input_length: int) -> int:
    """``AEAD_UPDATE_OUTPUT_SIZE`` bound over every supported AEAD."""
    return -(-input_length // 16) * 16


# ---------------------------------------------------------------------------
# Key wrapping
# ---------------------------------------------------------------------------


def WRAP_KEY_OUTPUT_SIZE(wrap_key_type: int, alg: int, key_type: int, key_bits: int) -> int:
    """Output size of ``wrap_key``: the exported key padded to 8 bytes plus the
    8-byte integrity block of KW/KWP; ``0`` if unrecognized or incompatible."""
    if wrap_key_type not in _BLOCK16_KEY_TYPES or alg not in (_c.ALG_KW, _c.ALG_KWP):
        return 0
    size = EXPORT_KEY_OUTPUT_SIZE(key_type, key_bits)
    if size == 0:
        return 0
    return (size + 7) // 8 * 8 + 8


# ---------------------------------------------------------------------------
# Key derivation
# ---------------------------------------------------------------------------


def ALG_HKDF(hash_alg: int) -> int:
    """HKDF (extract and expand) with HMAC over ``hash_alg``."""
    return 0x08000100 | (hash_alg & 0xFF)


def ALG_HKDF_EXTRACT(hash_alg: int) -> int:
    """The extract half of HKDF with HMAC over ``hash_alg``."""
    return 0x08000400 | (hash_alg & 0xFF)


def ALG_HKDF_EXPAND(hash_alg: int) -> int:
    """The expand half of HKDF with HMAC over ``hash_alg``."""
    return 0x08000500 | (hash_alg & 0xFF)


def ALG_TLS12_PRF(hash_alg: int) -> int:
    """The TLS 1.2 PRF with HMAC over ``hash_alg``."""
    return 0x08000200 | (hash_alg & 0xFF)


def ALG_TLS12_PSK_TO_MS(hash_alg: int) -> int:
    """TLS 1.2 PSK to master secret with HMAC over ``hash_alg``."""
    return 0x08000300 | (hash_alg & 0xFF)


def ALG_SP800_108_COUNTER_HMAC(hash_alg: int) -> int:
    """NIST SP 800-108 counter-mode KDF with HMAC over ``hash_alg``."""
    return 0x08000700 | (hash_alg & 0xFF)


def ALG_PBKDF2_HMAC(hash_alg: int) -> int:
    """PBKDF2 with HMAC over ``hash_alg``."""
    return 0x08800100 | (hash_alg & 0xFF)


def ALG_WPA3_SAE_H2E(hash_alg: int) -> int:
    """WPA3-SAE hash-to-element password token derivation with ``hash_alg``."""
    return 0x08800400 | (hash_alg & 0xFF)


def ALG_IS_HKDF(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_HKDF(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08000100


def ALG_IS_HKDF_EXTRACT(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_HKDF_EXTRACT(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08000400


def ALG_IS_HKDF_EXPAND(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_HKDF_EXPAND(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08000500


def ALG_IS_TLS12_PRF(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_TLS12_PRF(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08000200


def ALG_IS_TLS12_PSK_TO_MS(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_TLS12_PSK_TO_MS(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08000300


def ALG_IS_SP800_108_COUNTER_HMAC(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_SP800_108_COUNTER_HMAC(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08000700


def ALG_IS_PBKDF2_HMAC(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_PBKDF2_HMAC(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08800100


def ALG_IS_WPA3_SAE_H2E(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_WPA3_SAE_H2E(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x08800400


def ALG_IS_KEY_DERIVATION_STRETCHING(alg: int) -> bool:
    """Whether ``alg`` is a password-hashing (key-stretching) KDF, one that takes
    a password input."""
    return (alg & 0x7F800000) == 0x08800000


#: Longest PSK accepted by ``ALG_TLS12_PSK_TO_MS`` (RFC 4279 asks for 64 at least).
TLS12_PSK_TO_MS_PSK_MAX_SIZE: int = 128


# ---------------------------------------------------------------------------
# Asymmetric signature
# ---------------------------------------------------------------------------


def ALG_RSA_PKCS1V15_SIGN(hash_alg: int) -> int:
    """RSASSA-PKCS1-v1_5 with ``hash_alg``."""
    return 0x06000200 | (hash_alg & 0xFF)


def ALG_RSA_PSS(hash_alg: int) -> int:
    """RSASSA-PSS with ``hash_alg`` and a salt as long as the hash."""
    return 0x06000300 | (hash_alg & 0xFF)


def ALG_RSA_PSS_ANY_SALT(hash_alg: int) -> int:
    """RSASSA-PSS with ``hash_alg``; verification accepts any salt length."""
    return 0x06001300 | (hash_alg & 0xFF)


def ALG_ECDSA(hash_alg: int) -> int:
    """Randomized ECDSA with ``hash_alg``."""
    return 0x06000600 | (hash_alg & 0xFF)


def ALG_DETERMINISTIC_ECDSA(hash_alg: int) -> int:
    """Deterministic (RFC 6979) ECDSA with ``hash_alg``."""
    return 0x06000700 | (hash_alg & 0xFF)


def ALG_HASH_SLH_DSA(hash_alg: int) -> int:
    """Hedged HashSLH-DSA, pre-hashing with ``hash_alg``."""
    return 0x06004200 | (hash_alg & 0xFF)


def ALG_DETERMINISTIC_HASH_SLH_DSA(hash_alg: int) -> int:
    """Deterministic HashSLH-DSA, pre-hashing with ``hash_alg``."""
    return 0x06004300 | (hash_alg & 0xFF)


def ALG_HASH_ML_DSA(hash_alg: int) -> int:
    """Hedged HashML-DSA, pre-hashing with ``hash_alg``."""
    return 0x06004600 | (hash_alg & 0xFF)


def ALG_DETERMINISTIC_HASH_ML_DSA(hash_alg: int) -> int:
    """Deterministic HashML-DSA, pre-hashing with ``hash_alg``."""
    return 0x06004700 | (hash_alg & 0xFF)


def ALG_IS_RSA_PKCS1V15_SIGN(alg: int) -> bool:
    """Whether ``alg`` is RSA PKCS#1 v1.5 signature, hashed or raw."""
    return (alg & 0xFFFFFF00) == 0x06000200


def ALG_IS_RSA_PSS(alg: int) -> bool:
    """Whether ``alg`` is RSA PSS, with the standard or any salt length."""
    return (alg & 0xFFFFEF00) == 0x06000300


def ALG_IS_RSA_PSS_ANY_SALT(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_RSA_PSS_ANY_SALT(h)``."""
    return (alg & 0xFFFFFF00) == 0x06001300


def ALG_IS_RSA_PSS_STANDARD_SALT(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_RSA_PSS(h)``."""
    return (alg & 0xFFFFFF00) == 0x06000300


def ALG_IS_ECDSA(alg: int) -> bool:
    """Whether ``alg`` is ECDSA: randomized, deterministic, or ``ALG_ECDSA_ANY``."""
    return (alg & 0xFFFFFE00) == 0x06000600


def ALG_IS_RANDOMIZED_ECDSA(alg: int) -> bool:
    """Whether ``alg`` is randomized ECDSA (including ``ALG_ECDSA_ANY``)."""
    return (alg & 0xFFFFFF00) == 0x06000600


def ALG_IS_DETERMINISTIC_ECDSA(alg: int) -> bool:
    """Whether ``alg`` is deterministic ECDSA."""
    return (alg & 0xFFFFFF00) == 0x06000700


def ALG_IS_HASH_EDDSA(alg: int) -> bool:
    """Whether ``alg`` is HashEdDSA (Ed25519ph, Ed448ph)."""
    return (alg & 0xFFFFFF00) == 0x06000900


def ALG_IS_SLH_DSA(alg: int) -> bool:
    """Whether ``alg`` is pure SLH-DSA, hedged or deterministic."""
    return (alg & 0xFFFFFEFF) == 0x06004000


def ALG_IS_HASH_SLH_DSA(alg: int) -> bool:
    """Whether ``alg`` is HashSLH-DSA, hedged or deterministic."""
    return (alg & 0xFFFFFE00) == 0x06004200


def ALG_IS_HEDGED_HASH_SLH_DSA(alg: int) -> bool:
    """Whether ``alg`` is hedged HashSLH-DSA."""
    return (alg & 0xFFFFFF00) == 0x06004200


def ALG_IS_DETERMINISTIC_HASH_SLH_DSA(alg: int) -> bool:
    """Whether ``alg`` is deterministic HashSLH-DSA."""
    return (alg & 0xFFFFFF00) == 0x06004300


def ALG_IS_ML_DSA(alg: int) -> bool:
    """Whether ``alg`` is pure ML-DSA, hedged or deterministic."""
    return (alg & 0xFFFFFEFF) == 0x06004400


def ALG_IS_HASH_ML_DSA(alg: int) -> bool:
    """Whether ``alg`` is HashML-DSA, hedged or deterministic."""
    return (alg & 0xFFFFFE00) == 0x06004600


def ALG_IS_HEDGED_HASH_ML_DSA(alg: int) -> bool:
    """Whether ``alg`` is hedged HashML-DSA."""
    return (alg & 0xFFFFFF00) == 0x06004600


def ALG_IS_DETERMINISTIC_HASH_ML_DSA(alg: int) -> bool:
    """Whether ``alg`` is deterministic HashML-DSA."""
    return (alg & 0xFFFFFF00) == 0x06004700


def ALG_IS_HASH_AND_SIGN(alg: int) -> bool:
    """Whether ``alg`` hashes the message and signs exactly that hash, so that
    ``sign_hash(hash_compute(ALG_GET_HASH(alg), m))`` equals ``sign_message(m)``.

    True for the hashed RSA, ECDSA, HashEdDSA, HashSLH-DSA and HashML-DSA schemes
    (also with ``ALG_ANY_HASH``); false for ``ALG_RSA_PKCS1V15_SIGN_RAW`` and
    ``ALG_ECDSA_ANY``, which sign raw input (the spec's example definition says
    true for those two).
    """
    return (alg & 0xFF) != 0 and (alg & 0xFFFFFF00) in _HASH_AND_SIGN_BASES


def ALG_IS_SIGN_HASH(alg: int) -> bool:
    """Whether ``alg`` can be used with ``sign_hash``/``verify_hash``: the
    hash-and-sign schemes plus the two raw ones."""
    return (ALG_IS_HASH_AND_SIGN(alg) or alg == _c.ALG_RSA_PKCS1V15_SIGN_RAW
            or alg == _c.ALG_ECDSA_ANY)


def ALG_IS_SIGN_MESSAGE(alg: int) -> bool:
    """Whether ``alg`` can be used with ``sign_message``/``verify_message`` and the
    multi-part sign and verify operations: every signature algorithm except the
    two raw ones."""
    return ((alg & _CAT) == 0x06000000 and alg != _c.ALG_ECDSA_ANY
            and alg != _c.ALG_RSA_PKCS1V15_SIGN_RAW)


def ALG_SIGN_SUPPORTS_CONTEXT(alg: int) -> bool:
    """Whether a signature algorithm takes a context, so that the ``*_with_context``
    functions accept a non-empty one: HashEdDSA, EdDSA with context, and every
    SLH-DSA and ML-DSA variant."""
    return (
        alg in (_c.ALG_ED25519PH, _c.ALG_ED448PH, _c.ALG_EDDSA_CTX)
        or (alg & 0xFFFFFEFF) in (0x06004000, 0x06004400)
        or (alg & 0xFFFFFE00) in (0x06004200, 0x06004600)
    )


def SIGN_OUTPUT_SIZE(key_type: int, key_bits: int, alg: int) -> int:
    """Signature size for a key of this type and size; ``0`` if the key and
    algorithm are unrecognized or incompatible, or the scheme cannot sign (LMS,
    HSS, XMSS)."""
    public = key_type & 0xCFFF
    if public == _c.KEY_TYPE_RSA_PUBLIC_KEY:
        if (alg & 0xFFFFFF00) == 0x06000200 or (alg & 0xFFFFEF00) == 0x06000300:
            return (key_bits + 7) // 8
        return 0
    if (public & 0xFF80) == 0x4100:  # ECC
        family = key_type & 0x7F
        if family in _WEIERSTRASS and (alg & 0xFFFFFE00) == 0x06000600:
            return 2 * ((key_bits + 7) // 8)
        if family == _c.ECC_FAMILY_TWISTED_EDWARDS and (
            alg in (_c.ALG_PURE_EDDSA, _c.ALG_EDDSA_CTX) or (alg & 0xFFFFFF00) == 0x06000900
        ):
            return 2 * ((key_bits + 8) // 8)  # R || S: 64 for Ed25519, 114 for Ed448
        return 0
    if public == _c.KEY_TYPE_ML_DSA_PUBLIC_KEY:
        if (alg & 0xFFFFFEFF) == 0x06004400 or (alg & 0xFFFFFE00) == 0x06004600:
            return _ML_DSA_SIGNATURE.get(key_bits, 0)
        return 0
    if (public & 0xFF80) == 0x4180:  # SLH-DSA
        if (alg & 0xFFFFFEFF) == 0x06004000 or (alg & 0xFFFFFE00) == 0x06004200:
            family = key_type & 0x7F
            if family in _SLH_DSA_SMALL:
                return _SLH_DSA_SIG_SMALL.get(key_bits, 0)
            if family in _SLH_DSA_FAST:
                return _SLH_DSA_SIG_FAST.get(key_bits, 0)
        return 0
    return 0


#: Largest signature: SLH-DSA-SHA2-256f / SLH-DSA-SHAKE-256f.
SIGNATURE_MAX_SIZE: int = 49856


# ---------------------------------------------------------------------------
# Asymmetric encryption
# ---------------------------------------------------------------------------


def ALG_RSA_OAEP(hash_alg: int) -> int:
    """RSAES-OAEP with ``hash_alg`` for the label hash and MGF1."""
    return 0x07000300 | (hash_alg & 0xFF)


def ALG_IS_RSA_OAEP(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_RSA_OAEP(h)`` for some hash."""
    return (alg & 0xFFFFFF00) == 0x07000300


def ASYMMETRIC_ENCRYPT_OUTPUT_SIZE(key_type: int, key_bits: int, alg: int) -> int:
    """Ciphertext size of ``asymmetric_encrypt``: the modulus size for RSA; ``0``
    if unrecognized or incompatible."""
    if (key_type & 0xCFFF) != _c.KEY_TYPE_RSA_PUBLIC_KEY:
        return 0
    if alg == _c.ALG_RSA_PKCS1V15_CRYPT or (alg & 0xFFFFFF00) == 0x07000300:
        return (key_bits + 7) // 8
    return 0


def ASYMMETRIC_DECRYPT_OUTPUT_SIZE(key_type: int, key_bits: int, alg: int) -> int:
    """Largest plaintext ``asymmetric_decrypt`` can return: the modulus size less
    the padding overhead (11 bytes for PKCS#1 v1.5, two hashes plus 2 for OAEP);
    ``0`` if unrecognized or incompatible."""
    if (key_type & 0xCFFF) != _c.KEY_TYPE_RSA_PUBLIC_KEY:
        return 0
    size = (key_bits + 7) // 8
    if alg == _c.ALG_RSA_PKCS1V15_CRYPT:
        return max(size - 11, 0)
    if (alg & 0xFFFFFF00) == 0x07000300:
        hash_length = _HASH_LENGTH.get(0x02000000 | (alg & 0xFF), 0)
        if hash_length == 0:
            return 0
        return max(size - 2 * hash_length - 2, 0)
    return 0


#: Largest RSA ciphertext (4096-bit modulus).
ASYMMETRIC_ENCRYPT_OUTPUT_MAX_SIZE: int = 512
#: Largest RSA plaintext (PKCS#1 v1.5 with a 4096-bit modulus).
ASYMMETRIC_DECRYPT_OUTPUT_MAX_SIZE: int = 512 - 11


# ---------------------------------------------------------------------------
# Key agreement
# ---------------------------------------------------------------------------


def ALG_KEY_AGREEMENT(ka_alg: int, kdf_alg: int) -> int:
    """Key agreement ``ka_alg`` whose shared secret feeds the KDF ``kdf_alg``."""
    return ka_alg | kdf_alg


def ALG_KEY_AGREEMENT_GET_BASE(alg: int) -> int:
    """The standalone key agreement inside a (combined) key-agreement algorithm."""
    return alg & 0xFF7F0000


def ALG_KEY_AGREEMENT_GET_KDF(alg: int) -> int:
    """The key-derivation algorithm inside a combined key-agreement algorithm."""
    return alg & 0xFE80FFFF


def ALG_IS_STANDALONE_KEY_AGREEMENT(alg: int) -> bool:
    """Whether ``alg`` is a key agreement without a KDF (``ALG_FFDH``, ``ALG_ECDH``)."""
    return (alg & 0x7F00FFFF) == 0x09000000


def ALG_IS_RAW_KEY_AGREEMENT(alg: int) -> bool:
    """Deprecated name of ``ALG_IS_STANDALONE_KEY_AGREEMENT``."""
    return (alg & 0x7F00FFFF) == 0x09000000


def ALG_IS_FFDH(alg: int) -> bool:
    """Whether ``alg`` is finite-field DH, standalone or combined with a KDF."""
    return (alg & 0x7FFF0000) == 0x09010000


def ALG_IS_ECDH(alg: int) -> bool:
    """Whether ``alg`` is ECDH, standalone or combined with a KDF."""
    return (alg & 0x7FFF0000) == 0x09020000


def RAW_KEY_AGREEMENT_OUTPUT_SIZE(key_type: int, key_bits: int) -> int:
    """Shared-secret size of ``raw_key_agreement`` with this private key: the
    field size; ``0`` for a key that cannot do key agreement."""
    if (key_type & 0xFF80) == 0x7100 and (key_type & 0x7F) in _ECDH_FAMILIES:
        return (key_bits + 7) // 8
    if (key_type & 0xFF80) == 0x7200 and (key_type & 0x7F) in _DH_FAMILIES:
        return (key_bits + 7) // 8
    return 0


#: Largest shared secret (FFDHE8192).
RAW_KEY_AGREEMENT_OUTPUT_MAX_SIZE: int = 1024


# ---------------------------------------------------------------------------
# Key encapsulation
# ---------------------------------------------------------------------------


def ENCAPSULATE_CIPHERTEXT_SIZE(key_type: int, key_bits: int, alg: int) -> int:
    """Ciphertext size of ``encapsulate``: the ephemeral public key for ECIES, the
    FIPS 203 ciphertext for ML-KEM; ``0`` if unrecognized or incompatible."""
    if alg == _c.ALG_ECIES_SEC1:
        if (key_type & 0xCF80) == 0x4100 and (key_type & 0x7F) in _ECDH_FAMILIES:
            return _ecc_public_size(key_type & 0x7F, key_bits)
        return 0
    if alg == _c.ALG_ML_KEM and (key_type & 0xCFFF) == _c.KEY_TYPE_ML_KEM_PUBLIC_KEY:
        return _ML_KEM_CIPHERTEXT.get(key_bits, 0)
    return 0


#: Largest encapsulation ciphertext (ML-KEM-1024).
ENCAPSULATE_CIPHERTEXT_MAX_SIZE: int = 1568


# ---------------------------------------------------------------------------
# Extendable-output functions
# ---------------------------------------------------------------------------


def ALG_XOF_HAS_CONTEXT(alg: int) -> bool:
    """Whether an XOF algorithm takes a context (Ascon-CXOF128)."""
    return (alg & 0x00008000) != 0


# ---------------------------------------------------------------------------
# PAKE
# ---------------------------------------------------------------------------


def ALG_JPAKE(hash_alg: int) -> int:
    """J-PAKE with ``hash_alg``."""
    return 0x0A000100 | (hash_alg & 0xFF)


def ALG_SPAKE2P_HMAC(hash_alg: int) -> int:
    """SPAKE2+ with ``hash_alg`` and HMAC key confirmation."""
    return 0x0A000400 | (hash_alg & 0xFF)


def ALG_SPAKE2P_CMAC(hash_alg: int) -> int:
    """SPAKE2+ with ``hash_alg`` and CMAC-AES-128 key confirmation."""
    return 0x0A000500 | (hash_alg & 0xFF)


def ALG_WPA3_SAE_FIXED(hash_alg: int) -> int:
    """WPA3-SAE (looping or hash-to-element) with a fixed-size PMK."""
    return 0x0A000800 | (hash_alg & 0xFF)


def ALG_WPA3_SAE_GDH(hash_alg: int) -> int:
    """WPA3-SAE (hash-to-element) with a group-dependent PMK size."""
    return 0x0A000900 | (hash_alg & 0xFF)


def ALG_IS_JPAKE(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_JPAKE(h)``."""
    return (alg & 0xFFFFFF00) == 0x0A000100


def ALG_IS_SPAKE2P(alg: int) -> bool:
    """Whether ``alg`` is a SPAKE2+ algorithm (HMAC, CMAC or Matter)."""
    return (alg & 0xFFFFFC00) == 0x0A000400


def ALG_IS_SPAKE2P_HMAC(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_SPAKE2P_HMAC(h)``."""
    return (alg & 0xFFFFFF00) == 0x0A000400


def ALG_IS_SPAKE2P_CMAC(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_SPAKE2P_CMAC(h)``."""
    return (alg & 0xFFFFFF00) == 0x0A000500


def ALG_IS_WPA3_SAE(alg: int) -> bool:
    """Whether ``alg`` is a WPA3-SAE PAKE (fixed or group-dependent PMK)."""
    return (alg & 0xFFFFFE00) == 0x0A000800


def ALG_IS_WPA3_SAE_FIXED(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_WPA3_SAE_FIXED(h)``."""
    return (alg & 0xFFFFFF00) == 0x0A000800


def ALG_IS_WPA3_SAE_GDH(alg: int) -> bool:
    """Whether ``alg`` is ``ALG_WPA3_SAE_GDH(h)``."""
    return (alg & 0xFFFFFF00) == 0x0A000900


def PAKE_PRIMITIVE(pake_type: int, pake_family: int, pake_bits: int) -> int:
    """Pack a PAKE primitive (type, family, bit size); ``0`` when a component does
    not fit its field (8, 8 and 16 bits), as the description requires (the spec's
    example definition checks the bit size only)."""
    if not (0 <= pake_type <= 0xFF and 0 <= pake_family <= 0xFF and 0 <= pake_bits <= 0xFFFF):
        return 0
    return (pake_type << 24) | (pake_family << 16) | pake_bits


def PAKE_PRIMITIVE_GET_TYPE(pake_primitive: int) -> int:
    """The primitive type (ECC or DH) of a PAKE primitive."""
    return (pake_primitive >> 24) & 0xFF


def PAKE_PRIMITIVE_GET_FAMILY(pake_primitive: int) -> int:
    """The curve or group family of a PAKE primitive."""
    return (pake_primitive >> 16) & 0xFF


def PAKE_PRIMITIVE_GET_BITS(pake_primitive: int) -> int:
    """The bit size of a PAKE primitive."""
    return pake_primitive & 0xFFFF


def _pake_group(primitive: int) -> tuple[int, int]:
    """(group element size, scalar size) of a PAKE primitive; (0, 0) if unknown."""
    ptype = (primitive >> 24) & 0xFF
    family = (primitive >> 16) & 0xFF
    bits = primitive & 0xFFFF
    if ptype == _c.PAKE_PRIMITIVE_TYPE_ECC:
        return _ecc_public_size(family, bits), _ecc_private_size(family, bits)
    if ptype == _c.PAKE_PRIMITIVE_TYPE_DH and family in _DH_FAMILIES:
        size = (bits + 7) // 8
        return size, size
    return 0, 0


def _pake_io_size(alg: int, primitive: int, step: int, output: bool) -> int:
    element, scalar = _pake_group(primitive)
    if element == 0:
        return 0
    base = alg & 0xFFFFFF00
    if base == 0x0A000100:  # J-PAKE
        if step in (_c.PAKE_STEP_KEY_SHARE, _c.PAKE_STEP_ZK_PUBLIC):
            return element
        if step == _c.PAKE_STEP_ZK_PROOF:
            return scalar
        return 0
    if (alg & 0xFFFFFC00) == 0x0A000400:  # SPAKE2+
        if step == _c.PAKE_STEP_KEY_SHARE:
            return element
        if step == _c.PAKE_STEP_CONFIRM:
            if base == 0x0A000500:
                return 16  # CMAC-AES-128
            return _HASH_LENGTH.get(0x02000000 | (alg & 0xFF), 0)  # HMAC (incl. Matter)
        return 0
    if (alg & 0xFFFFFE00) == 0x0A000800:  # WPA3-SAE
        if step == _c.PAKE_STEP_COMMIT:
            # commit-scalar || COMMIT-ELEMENT; an ECC element is x || y without a
            # format byte, a finite-field element is one field element.
            if (primitive >> 24) & 0xFF == _c.PAKE_PRIMITIVE_TYPE_ECC:
                return scalar + 2 * scalar
            return scalar + element
        if step == _c.PAKE_STEP_CONFIRM:
            hash_length = _HASH_LENGTH.get(0x02000000 | (alg & 0xFF), 0)
            return 2 + hash_length if hash_length else 0  # send-confirm || confirm
        if output:
            return 16 if step == _c.PAKE_STEP_KEY_ID else 0  # PMKID
        if step == _c.PAKE_STEP_SALT:
            return _WPA3_SAE_SALT_MAX
        if step == _c.PAKE_STEP_CONFIRM_COUNT:
            return 2
        return 0
    return 0


def PAKE_OUTPUT_SIZE(alg: int, primitive: int, output_step: int) -> int:
    """Sufficient size for ``pake_output`` of this step; ``0`` if the algorithm,
    primitive or step is unrecognized or is not an output."""
    return _pake_io_size(alg, primitive, output_step, True)


def PAKE_INPUT_SIZE(alg: int, primitive: int, input_step: int) -> int:
    """Largest valid ``pake_input`` for this step; ``0`` if the algorithm,
    primitive or step is unrecognized or is not an input."""
    return _pake_io_size(alg, primitive, input_step, False)


#: Largest PAKE output: a WPA3-SAE commit over an 8192-bit finite-field group.
PAKE_OUTPUT_MAX_SIZE: int = 2048
#: Largest PAKE input: a WPA3-SAE commit over an 8192-bit finite-field group.
PAKE_INPUT_MAX_SIZE: int = 2048


# ---------------------------------------------------------------------------
# Key types
# ---------------------------------------------------------------------------


def KEY_TYPE_IS_UNSTRUCTURED(type: int) -> bool:
    """Whether a key type is a plain byte string: raw data, secrets and passwords,
    symmetric keys."""
    return (type & 0x7000) == 0x1000 or (type & 0x7000) == 0x2000


def KEY_TYPE_IS_ASYMMETRIC(type: int) -> bool:
    """Whether a key type is a key pair or a public key."""
    return (type & 0x4000) == 0x4000


def KEY_TYPE_IS_PUBLIC_KEY(type: int) -> bool:
    """Whether a key type is a public key."""
    return (type & 0x7000) == 0x4000


def KEY_TYPE_IS_KEY_PAIR(type: int) -> bool:
    """Whether a key type is a key pair (private and public part)."""
    return (type & 0x7000) == 0x7000


def KEY_TYPE_KEY_PAIR_OF_PUBLIC_KEY(type: int) -> int:
    """The key-pair type matching a public-key (or key-pair) type."""
    return (type | 0x3000) & 0xFFFF


def KEY_TYPE_PUBLIC_KEY_OF_KEY_PAIR(type: int) -> int:
    """The public-key type matching a key-pair (or public-key) type."""
    return type & 0xCFFF


def KEY_TYPE_IS_RSA(type: int) -> bool:
    """Whether a key type is an RSA key pair or public key."""
    return (type & 0xCFFF) == 0x4001


def KEY_TYPE_ECC_KEY_PAIR(curve: int) -> int:
    """Elliptic-curve key pair on a curve of family ``curve``."""
    return 0x7100 | (curve & 0x7F)


def KEY_TYPE_ECC_PUBLIC_KEY(curve: int) -> int:
    """Elliptic-curve public key on a curve of family ``curve``."""
    return 0x4100 | (curve & 0x7F)


def KEY_TYPE_IS_ECC(type: int) -> bool:
    """Whether a key type is an elliptic-curve key pair or public key."""
    return (type & 0xCF80) == 0x4100


def KEY_TYPE_IS_ECC_KEY_PAIR(type: int) -> bool:
    """Whether a key type is an elliptic-curve key pair."""
    return (type & 0xFF80) == 0x7100


def KEY_TYPE_IS_ECC_PUBLIC_KEY(type: int) -> bool:
    """Whether a key type is an elliptic-curve public key."""
    return (type & 0xFF80) == 0x4100


def KEY_TYPE_ECC_GET_FAMILY(type: int) -> int:
    """The curve family of an elliptic-curve key type."""
    return type & 0x7F


def KEY_TYPE_DH_KEY_PAIR(group: int) -> int:
    """Finite-field DH key pair in a group of family ``group``."""
    return 0x7200 | (group & 0x7F)


def KEY_TYPE_DH_PUBLIC_KEY(group: int) -> int:
    """Finite-field DH public key in a group of family ``group``."""
    return 0x4200 | (group & 0x7F)


def KEY_TYPE_IS_DH(type: int) -> bool:
    """Whether a key type is a finite-field DH key pair or public key."""
    return (type & 0xCF80) == 0x4200


def KEY_TYPE_IS_DH_KEY_PAIR(type: int) -> bool:
    """Whether a key type is a finite-field DH key pair."""
    return (type & 0xFF80) == 0x7200


def KEY_TYPE_IS_DH_PUBLIC_KEY(type: int) -> bool:
    """Whether a key type is a finite-field DH public key."""
    return (type & 0xFF80) == 0x4200


def KEY_TYPE_DH_GET_FAMILY(type: int) -> int:
    """The group family of a finite-field DH key type."""
    return type & 0x7F


def KEY_TYPE_IS_ML_DSA(type: int) -> bool:
    """Whether a key type is an ML-DSA key pair or public key."""
    return (type & 0xCFFF) == 0x4002


def KEY_TYPE_IS_ML_KEM(type: int) -> bool:
    """Whether a key type is an ML-KEM key pair or public key."""
    return (type & 0xCFFF) == 0x4004


def KEY_TYPE_SLH_DSA_KEY_PAIR(set: int) -> int:
    """SLH-DSA key pair for the parameter-set family ``set``."""
    return 0x7180 | (set & 0x7F)


def KEY_TYPE_SLH_DSA_PUBLIC_KEY(set: int) -> int:
    """SLH-DSA public key for the parameter-set family ``set``."""
    return 0x4180 | (set & 0x7F)


def KEY_TYPE_IS_SLH_DSA(type: int) -> bool:
    """Whether a key type is an SLH-DSA key pair or public key."""
    return (type & 0xCF80) == 0x4180


def KEY_TYPE_IS_SLH_DSA_KEY_PAIR(type: int) -> bool:
    """Whether a key type is an SLH-DSA key pair."""
    return (type & 0xFF80) == 0x7180


def KEY_TYPE_IS_SLH_DSA_PUBLIC_KEY(type: int) -> bool:
    """Whether a key type is an SLH-DSA public key."""
    return (type & 0xFF80) == 0x4180


def KEY_TYPE_SLH_DSA_GET_FAMILY(type: int) -> int:
    """The parameter-set family of an SLH-DSA key type."""
    return type & 0x7F


def KEY_TYPE_SPAKE2P_KEY_PAIR(curve: int) -> int:
    """SPAKE2+ prover key (w0, w1) over a curve of family ``curve``."""
    return 0x7400 | (curve & 0x7F)


def KEY_TYPE_SPAKE2P_PUBLIC_KEY(curve: int) -> int:
    """SPAKE2+ verifier key (w0, L) over a curve of family ``curve``."""
    return 0x4400 | (curve & 0x7F)


def KEY_TYPE_IS_SPAKE2P(type: int) -> bool:
    """Whether a key type is a SPAKE2+ key pair or public key."""
    return (type & 0xCF80) == 0x4400


def KEY_TYPE_IS_SPAKE2P_KEY_PAIR(type: int) -> bool:
    """Whether a key type is a SPAKE2+ key pair."""
    return (type & 0xFF80) == 0x7400


def KEY_TYPE_IS_SPAKE2P_PUBLIC_KEY(type: int) -> bool:
    """Whether a key type is a SPAKE2+ public key."""
    return (type & 0xFF80) == 0x4400


def KEY_TYPE_SPAKE2P_GET_FAMILY(type: int) -> int:
    """The curve family of a SPAKE2+ key type."""
    return type & 0x7F


def KEY_TYPE_WPA3_SAE_ECC(curve: int) -> int:
    """WPA3-SAE password token on a curve of family ``curve``."""
    return 0x3280 | (curve & 0x7F)


def KEY_TYPE_WPA3_SAE_DH(group: int) -> int:
    """WPA3-SAE password token in a finite-field group of family ``group``."""
    return 0x3300 | (group & 0x7F)


def KEY_TYPE_IS_WPA3_SAE_ECC(type: int) -> bool:
    """Whether a key type is a WPA3-SAE password token on an elliptic curve."""
    return (type & 0xFF80) == 0x3280


def KEY_TYPE_IS_WPA3_SAE_DH(type: int) -> bool:
    """Whether a key type is a WPA3-SAE password token in a finite-field group."""
    return (type & 0xFF80) == 0x3300


def KEY_TYPE_WPA3_SAE_ECC_GET_FAMILY(type: int) -> int:
    """The curve family of an elliptic-curve WPA3-SAE password token type."""
    return type & 0x7F


def KEY_TYPE_WPA3_SAE_DH_GET_FAMILY(type: int) -> int:
    """The group family of a finite-field WPA3-SAE password token type."""
    return type & 0x7F


# ---------------------------------------------------------------------------
# Key export sizes
# ---------------------------------------------------------------------------


def EXPORT_KEY_OUTPUT_SIZE(key_type: int, key_bits: int) -> int:
    """Sufficient size for ``export_key`` of a key of this type and size (the spec
    export format); ``0`` if unrecognized or invalid."""
    category = key_type & 0x7000
    if category == 0x1000 or category == 0x2000:  # raw data, secrets, symmetric keys
        return (key_bits + 7) // 8
    pair = category == 0x7000
    public = key_type & 0xCFFF
    family = key_type & 0x7F
    kind = public & 0xFF80
    if public == _c.KEY_TYPE_RSA_PUBLIC_KEY:
        return _rsa_key_pair_size(key_bits) if pair else _rsa_public_key_size(key_bits)
    if kind == 0x4100:  # ECC
        if pair:
            return _ecc_private_size(family, key_bits)
        return _ecc_public_size(family, key_bits)
    if kind == 0x4200:  # finite-field DH: x or y, as long as the prime
        return (key_bits + 7) // 8 if family in _DH_FAMILIES else 0
    if public == _c.KEY_TYPE_ML_DSA_PUBLIC_KEY:
        if key_bits not in _ML_DSA_PUBLIC_KEY:
            return 0
        return 32 if pair else _ML_DSA_PUBLIC_KEY[key_bits]  # key pair: the seed xi
    if public == _c.KEY_TYPE_ML_KEM_PUBLIC_KEY:
        if key_bits not in _ML_KEM_PUBLIC_KEY:
            return 0
        return 64 if pair else _ML_KEM_PUBLIC_KEY[key_bits]  # key pair: d || z
    if kind == 0x4180:  # SLH-DSA: n = key_bits / 8
        if family not in _SLH_DSA_SMALL and family not in _SLH_DSA_FAST:
            return 0
        if key_bits not in (128, 192, 256):
            return 0
        return (4 if pair else 2) * (key_bits // 8)
    if kind == 0x4400:  # SPAKE2+: w0 || w1, or w0 || L
        scalar = _ecc_private_size(family, key_bits)
        if scalar == 0:
            return 0
        return scalar + (scalar if pair else _ecc_public_size(family, key_bits))
    if key_type in (_c.KEY_TYPE_LMS_PUBLIC_KEY, _c.KEY_TYPE_HSS_PUBLIC_KEY,
                    _c.KEY_TYPE_XMSS_PUBLIC_KEY, _c.KEY_TYPE_XMSS_MT_PUBLIC_KEY):
        if key_bits not in (192, 256):
            return 0
        n = key_bits // 8
        if key_type == _c.KEY_TYPE_LMS_PUBLIC_KEY:
            return 24 + n  # type, LM-OTS type, I (16), T[1]
        if key_type == _c.KEY_TYPE_HSS_PUBLIC_KEY:
            return 28 + n  # levels, then an LMS public key
        return 4 + 2 * n  # OID, root, SEED
    if (key_type & 0xFF80) == 0x3280:  # WPA3-SAE token on a curve: x || y
        return 2 * ((key_bits + 7) // 8) if family in _WEIERSTRASS else 0
    if (key_type & 0xFF80) == 0x3300:  # WPA3-SAE token in a finite-field group
        return (key_bits + 7) // 8 if family in _DH_FAMILIES else 0
    return 0


def EXPORT_PUBLIC_KEY_OUTPUT_SIZE(key_type: int, key_bits: int) -> int:
    """Sufficient size for ``export_public_key`` of a key of this type and size;
    ``0`` for a key that is not asymmetric."""
    if (key_type & 0x4000) == 0:
        return 0
    return EXPORT_KEY_OUTPUT_SIZE(key_type & 0xCFFF, key_bits)


#: Largest exported key pair: an RSA-4096 ``RSAPrivateKey``.
EXPORT_KEY_PAIR_MAX_SIZE: int = 4143
#: Largest exported public key: ML-DSA-87.
EXPORT_PUBLIC_KEY_MAX_SIZE: int = 2592
#: Largest exported key pair or public key.
EXPORT_ASYMMETRIC_KEY_MAX_SIZE: int = max(EXPORT_KEY_PAIR_MAX_SIZE, EXPORT_PUBLIC_KEY_MAX_SIZE)
#: Largest wrapped key pair: an RSA-4096 key pair through KW/KWP.
WRAP_KEY_PAIR_MAX_SIZE: int = (EXPORT_KEY_PAIR_MAX_SIZE + 7) // 8 * 8 + 8


# ---------------------------------------------------------------------------
# Key lifetimes
# ---------------------------------------------------------------------------


def KEY_LIFETIME_GET_PERSISTENCE(lifetime: int) -> int:
    """The persistence level (low 8 bits) of a lifetime."""
    return lifetime & 0xFF


def KEY_LIFETIME_GET_LOCATION(lifetime: int) -> int:
    """The location (high 24 bits) of a lifetime."""
    return (lifetime >> 8) & 0xFFFFFF


def KEY_LIFETIME_IS_VOLATILE(lifetime: int) -> bool:
    """Whether a lifetime makes a key volatile."""
    return (lifetime & 0xFF) == _c.KEY_PERSISTENCE_VOLATILE


def KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(persistence: int, location: int) -> int:
    """Combine a persistence level and a location into a lifetime."""
    return ((location & 0xFFFFFF) << 8) | (persistence & 0xFF)
