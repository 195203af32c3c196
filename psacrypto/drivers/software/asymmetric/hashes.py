"""The hash algorithms the signature and encryption schemes can be combined with.

Each PSA hash algorithm maps to a pyca/cryptography ``HashAlgorithm`` (so pyca
hashes messages itself and OpenSSL knows the digest for DigestInfo, PSS, OAEP
and RFC 6979) and to its output length (the length ``sign_hash`` requires).
"""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import hashes

from .... import constants as c
from ....errors import InvalidArgumentError, NotSupportedError
from ._common import get_hash


@dataclass(frozen=True, slots=True)
class HashInfo:
    alg: int
    length: int
    algorithm: hashes.HashAlgorithm
    #: A fixed-length hash in its own right (not an XOF truncated to a length):
    #: usable for DigestInfo, PSS/MGF1, OAEP and HMAC (RFC 6979).
    fixed: bool = True


_TABLE: dict[int, HashInfo] = {
    info.alg: info
    for info in (
        HashInfo(c.ALG_MD5, 16, hashes.MD5()),
        HashInfo(c.ALG_SHA_1, 20, hashes.SHA1()),
        HashInfo(c.ALG_SHA_224, 28, hashes.SHA224()),
        HashInfo(c.ALG_SHA_256, 32, hashes.SHA256()),
        HashInfo(c.ALG_SHA_384, 48, hashes.SHA384()),
        HashInfo(c.ALG_SHA_512, 64, hashes.SHA512()),
        HashInfo(c.ALG_SHA_512_224, 28, hashes.SHA512_224()),
        HashInfo(c.ALG_SHA_512_256, 32, hashes.SHA512_256()),
        HashInfo(c.ALG_SHA3_224, 28, hashes.SHA3_224()),
        HashInfo(c.ALG_SHA3_256, 32, hashes.SHA3_256()),
        HashInfo(c.ALG_SHA3_384, 48, hashes.SHA3_384()),
        HashInfo(c.ALG_SHA3_512, 64, hashes.SHA3_512()),
        HashInfo(c.ALG_SM3, 32, hashes.SM3()),
        # SHAKE with a fixed output length: only where the scheme just consumes
        # a digest (ECDSA); no DigestInfo OID, no MGF1, no HMAC.
        HashInfo(c.ALG_SHAKE128_256, 32, hashes.SHAKE128(32), fixed=False),
        HashInfo(c.ALG_SHAKE256_192, 24, hashes.SHAKE256(24), fixed=False),
        HashInfo(c.ALG_SHAKE256_256, 32, hashes.SHAKE256(32), fixed=False),
        HashInfo(c.ALG_SHAKE256_512, 64, hashes.SHAKE256(64), fixed=False),
    )
}

#: Hashes pyca accepts for OAEP (it limits OAEP to SHA-1 and SHA-2).
OAEP_HASHES = frozenset((c.ALG_SHA_1, c.ALG_SHA_224, c.ALG_SHA_256, c.ALG_SHA_384, c.ALG_SHA_512))


def hash_of(alg: int, *, fixed: bool = True) -> HashInfo:
    """The hash of a hash-parameterised algorithm ``alg``.

    ``InvalidArgumentError`` when the hash field is not a hash at all (0 or the
    ``ANY_HASH`` wildcard, which only policies may use); ``NotSupportedError``
    for a real hash that is not available (here, or in the required role).
    """
    hash_alg = get_hash(alg)
    if hash_alg in (c.ALG_NONE, c.ALG_ANY_HASH):
        raise InvalidArgumentError(f"algorithm 0x{alg:08x} does not name a usable hash")
    info = _TABLE.get(hash_alg)
    if info is None or (fixed and not info.fixed):
        raise NotSupportedError(f"hash 0x{hash_alg:08x} is not supported with 0x{alg:08x}")
    return info
