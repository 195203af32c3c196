"""ML-DSA (FIPS 204): key material, signatures, contexts, pre-hashing.

Key formats (the spec's): a key pair is the 32-byte seed xi (FIPS 204 §5.1, the
RFC 9881 seed format without its ASN.1 prefix); a public key is ``pk``.

Two reviewed libraries, each for what it does best:

* pyca/cryptography (OpenSSL): key expansion, hedged pure ML-DSA signing
  (``ALG_ML_DSA``) and pure verification -- the fast path;
* PyCryptodome (``Crypto.Signature.mldsa``): deterministic signing
  (``rnd = 0^32``, ``ALG_DETERMINISTIC_ML_DSA``), HashML-DSA (hedged and
  deterministic; the message representative ``1 || |ctx| || ctx || OID || PH(M)``
  of FIPS 204 Algorithm 4), and the incremental message representative mu
  (FIPS 204 Algorithm 7) behind the streaming multi-part operations.

The two are cross-checked in the tests (each verifies the other's signatures)
and both are proven on the Wycheproof ``mldsa_*`` vectors, whose deterministic
signatures PyCryptodome reproduces bit for bit.

HashML-DSA pre-hashes: the spec's table (SHA-256, SHA-512/256, SHA-384,
SHA-512, SHA3-256/384/512, SHAKE128/256 bits, SHAKE256/512 bits); SM3, also in
the table, is ``NotSupportedError`` (PyCryptodome has no SM3 pre-hash); any
other hash is ``NotSupportedError`` too.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import mldsa

from .... import constants as c
from ....errors import (
    DataInvalidError,
    InvalidArgumentError,
    InvalidSignatureError,
    NotSupportedError,
)

_pcd_keys: Any
_pcd_sig: Any
try:
    _pcd_keys = importlib.import_module("Crypto.PublicKey.MLDSA")
    _pcd_sig = importlib.import_module("Crypto.Signature.mldsa")
except ImportError:  # pragma: no cover - PyCryptodome < 4 has no ML-DSA
    _pcd_keys = _pcd_sig = None

SEED_LENGTH = 32
MAX_CONTEXT = 255

#: key_bits -> (pyca private class, pyca public class, pk length, signature length, set)
_PARAMS: dict[int, tuple[Any, Any, int, int, str]] = {
    128: (mldsa.MLDSA44PrivateKey, mldsa.MLDSA44PublicKey, 1312, 2420, "ML_DSA_44"),
    192: (mldsa.MLDSA65PrivateKey, mldsa.MLDSA65PublicKey, 1952, 3309, "ML_DSA_65"),
    256: (mldsa.MLDSA87PrivateKey, mldsa.MLDSA87PublicKey, 2592, 4627, "ML_DSA_87"),
}
_BITS_BY_PK_LENGTH = {v[2]: k for k, v in _PARAMS.items()}

try:
    mldsa.MLDSA44PrivateKey.from_seed_bytes(bytes(SEED_LENGTH))
    AVAILABLE = True
except UnsupportedAlgorithm:  # pragma: no cover - depends on the OpenSSL build
    AVAILABLE = False

#: HashML-DSA pre-hash: PSA hash algorithm -> (OID, output length).
_PRE_HASH: dict[int, tuple[str, int]] = {
    c.ALG_SHA_256: ("2.16.840.1.101.3.4.2.1", 32),
    c.ALG_SHA_512_256: ("2.16.840.1.101.3.4.2.6", 32),
    c.ALG_SHA_384: ("2.16.840.1.101.3.4.2.2", 48),
    c.ALG_SHA_512: ("2.16.840.1.101.3.4.2.3", 64),
    c.ALG_SHA3_256: ("2.16.840.1.101.3.4.2.8", 32),
    c.ALG_SHA3_384: ("2.16.840.1.101.3.4.2.9", 48),
    c.ALG_SHA3_512: ("2.16.840.1.101.3.4.2.10", 64),
    c.ALG_SHAKE128_256: ("2.16.840.1.101.3.4.2.11", 32),
    c.ALG_SHAKE256_512: ("2.16.840.1.101.3.4.2.12", 64),
}
#: SHAKE pre-hashes: PyCryptodome reads them as an XOF.
_XOF_PRE_HASH = frozenset((c.ALG_SHAKE128_256, c.ALG_SHAKE256_512))

_ML_DSA = c.ALG_ML_DSA
_DETERMINISTIC = c.ALG_DETERMINISTIC_ML_DSA

SignFn = Callable[..., bytes]
VerifyFn = Callable[..., None]


def _params(bits: int) -> tuple[Any, Any, int, int, str]:
    params = _PARAMS.get(bits)
    if params is None:
        raise InvalidArgumentError(f"{bits} is not an ML-DSA key size (128, 192, 256)")
    if not AVAILABLE:  # pragma: no cover
        raise NotSupportedError("ML-DSA is not supported by this OpenSSL")
    return params


def supported(bits: int) -> bool:
    return AVAILABLE and bits in _PARAMS


def signature_length(bits: int) -> int:
    return _params(bits)[3]


# ---------------------------------------------------------------- keys


class MLDSAKey:
    """A loaded ML-DSA key: the pyca object, and the PyCryptodome one made on
    first need (deterministic or pre-hashed signatures, streaming)."""

    __slots__ = ("_pcd", "bits", "material", "pair", "pyca")

    def __init__(self, pair: bool, bits: int, material: bytes, pyca: Any) -> None:
        self.pair = pair
        self.bits = bits
        self.material = material
        self.pyca = pyca
        self._pcd: Any = None

    @property
    def pcd(self) -> Any:
        key = self._pcd
        if key is None:
            if _pcd_keys is None:  # pragma: no cover
                raise NotSupportedError("this ML-DSA variant needs PyCryptodome >= 4")
            param_set = getattr(_pcd_keys, _params(self.bits)[4])
            if self.pair:
                key = _pcd_keys.construct(param_set=param_set, seed=self.material)
            else:
                key = _pcd_keys.construct(param_set=param_set, pk=self.material)
            self._pcd = key
        return key


def import_key(pair: bool, bits: int, data: bytes) -> tuple[int, bytes]:
    if pair:
        if bits == 0:
            raise InvalidArgumentError(
                "an ML-DSA seed does not determine the parameter set: set the key size"
            )
        private_cls = _params(bits)[0]
        if len(data) != SEED_LENGTH:
            raise InvalidArgumentError("an ML-DSA key pair is the 32-byte seed xi")
        private_cls.from_seed_bytes(data)
        return bits, bytes(data)
    actual = _BITS_BY_PK_LENGTH.get(len(data))
    if actual is None or (bits and bits != actual):
        raise InvalidArgumentError("the data is not an ML-DSA public key of this size")
    try:
        _params(actual)[1].from_public_bytes(bytes(data))
    except ValueError:
        raise InvalidArgumentError("invalid ML-DSA public key") from None
    return actual, bytes(data)


def generate_key(bits: int) -> bytes:
    _params(bits)
    return os.urandom(SEED_LENGTH)


def derive_key(bits: int, read: Callable[[int], bytes]) -> bytes:
    _params(bits)
    return read(SEED_LENGTH)


def load(pair: bool, bits: int, material: bytes) -> MLDSAKey:
    private_cls, public_cls, _, _, _ = _params(bits)
    try:
        if pair:
            obj = private_cls.from_seed_bytes(material)
        else:
            obj = public_cls.from_public_bytes(material)
    except ValueError as exc:
        raise DataInvalidError(f"stored ML-DSA key does not load: {exc}") from None
    return MLDSAKey(pair, bits, bytes(material), obj)


def export_public_key(bits: int, material: bytes) -> bytes:
    public: bytes = load(True, bits, material).pyca.public_key().public_bytes_raw()
    return public


# ---------------------------------------------------------------- algorithms


def is_ml_dsa_alg(alg: int) -> bool:
    """Pure or pre-hashed ML-DSA, hedged or deterministic."""
    return (alg & 0xFFFFFEFF) == 0x06004400 or (alg & 0xFFFFFE00) == 0x06004600


def is_pure(alg: int) -> bool:
    return alg in (_ML_DSA, _DETERMINISTIC)


def is_deterministic(alg: int) -> bool:
    return bool(alg & 0x100)


def pre_hash_of(alg: int) -> int:
    """The pre-hash algorithm of a HashML-DSA algorithm (its spec errors otherwise)."""
    if (alg & 0xFF) in (0, 0xFF):
        raise InvalidArgumentError("HashML-DSA needs a specific hash algorithm")
    hash_alg = 0x02000000 | (alg & 0xFF)
    if hash_alg not in _PRE_HASH:
        raise NotSupportedError(f"HashML-DSA with hash 0x{hash_alg:08x} is not supported")
    if _pcd_sig is None:  # pragma: no cover
        raise NotSupportedError("HashML-DSA needs PyCryptodome >= 4")
    return hash_alg


def check(key_type: int, bits: int, alg: int, *, message: bool, verify: bool) -> None:
    """The spec's error unless an ML-DSA key can sign (or verify) with ``alg``."""
    if not is_ml_dsa_alg(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not compatible with an ML-DSA key")
    if not verify and key_type != c.KEY_TYPE_ML_DSA_KEY_PAIR:
        raise InvalidArgumentError("signing needs an ML-DSA key pair")
    _params(bits)
    if is_pure(alg):
        if not message:
            raise InvalidArgumentError("pure ML-DSA signs messages, not hashes")
        if alg == _DETERMINISTIC and not verify and _pcd_sig is None:  # pragma: no cover
            raise NotSupportedError("deterministic ML-DSA needs PyCryptodome >= 4")
        return
    pre_hash_of(alg)


def _check_context(context: bytes) -> None:
    if len(context) > MAX_CONTEXT:
        raise InvalidArgumentError("an ML-DSA context is at most 255 bytes")


class _PreHashed:
    """A finished pre-hash as PyCryptodome's HashML-DSA reads it (``oid`` and
    ``digest()``, or ``copy().read(n)`` for SHAKE)."""

    __slots__ = ("_value", "oid")

    def __init__(self, oid: str, value: bytes) -> None:
        self.oid = oid
        self._value = value

    def digest(self) -> bytes:
        return self._value

    def copy(self) -> _PreHashed:
        return self

    def read(self, length: int) -> bytes:
        return self._value[:length]


def _pre_hashed(hash_alg: int, data: bytes, message: bool) -> _PreHashed:
    oid, length = _PRE_HASH[hash_alg]
    if message:
        from ....core.hash import digest, new_hash

        value: bytes = digest(new_hash(hash_alg, data), hash_alg)
    else:
        if len(data) != length:
            raise InvalidArgumentError(f"the hash must be {length} bytes")
        value = bytes(data)
    return _PreHashed(oid, value)


def _pcd_scheme(key: MLDSAKey, context: bytes, deterministic: bool) -> Any:
    assert _pcd_sig is not None
    return _pcd_sig.new(key.pcd, context if context else None, deterministic=deterministic)


def signer(key: MLDSAKey, alg: int = _ML_DSA, message: bool = True) -> SignFn:
    """``fn(data, context=b"") -> signature``: ``data`` is the message, or for
    HashML-DSA with ``message`` false, the pre-computed hash."""
    if alg == _ML_DSA:
        sign = key.pyca.sign

        def run(data: bytes, context: bytes = b"") -> bytes:
            if context:
                _check_context(context)
                signature: bytes = sign(data, context)
                return signature
            out: bytes = sign(data)
            return out

        return run
    deterministic = is_deterministic(alg)
    if alg == _DETERMINISTIC:

        def run_det(data: bytes, context: bytes = b"") -> bytes:
            _check_context(context)
            signature: bytes = _pcd_scheme(key, context, True).sign(bytes(data))
            return signature

        return run_det
    hash_alg = pre_hash_of(alg)

    def run_hash(data: bytes, context: bytes = b"") -> bytes:
        _check_context(context)
        pre = _pre_hashed(hash_alg, data, message)
        signature: bytes = _pcd_scheme(key, context, deterministic).sign(pre)
        return signature

    return run_hash


def verifier(key: MLDSAKey, alg: int = _ML_DSA, message: bool = True) -> VerifyFn:
    """``fn(data, signature, context=b"")``; ``InvalidSignatureError`` unless valid.
    Hedged and deterministic variants verify alike."""
    length = _params(key.bits)[3]
    if is_pure(alg):
        public = key.pyca.public_key() if key.pair else key.pyca
        verify = public.verify

        def run(data: bytes, signature: bytes, context: bytes = b"") -> None:
            _check_context(context)
            if len(signature) != length:
                raise InvalidSignatureError()
            try:
                verify(signature, data, context if context else None)
            except (InvalidSignature, ValueError):
                raise InvalidSignatureError() from None

        return run
    hash_alg = pre_hash_of(alg)

    def run_hash(data: bytes, signature: bytes, context: bytes = b"") -> None:
        _check_context(context)
        pre = _pre_hashed(hash_alg, data, message)
        if len(signature) != length:
            raise InvalidSignatureError()
        try:
            _pcd_scheme(key, context, False).verify(pre, bytes(signature))
        except ValueError:
            raise InvalidSignatureError() from None

    return run_hash


# ---------------------------------------------------------------- streaming


class MuHash:
    """The message representative mu of pure ML-DSA (FIPS 204 Algorithm 7),
    absorbed incrementally: the multi-part operations stream the message
    instead of buffering it."""

    __slots__ = ("_key", "_mu")

    def __init__(self, key: MLDSAKey, context: bytes) -> None:
        _check_context(context)
        if _pcd_sig is None:  # pragma: no cover
            raise NotSupportedError("streaming ML-DSA needs PyCryptodome >= 4")
        self._key = key
        self._mu = _pcd_sig.MLDSAMuHash(key.pcd, context=context if context else None)

    def update(self, data: bytes) -> None:
        self._mu.update(data)

    def sign(self, deterministic: bool) -> bytes:
        signature: bytes = _pcd_scheme(self._key, b"", deterministic).sign(self._mu)
        return signature

    def verify(self, signature: bytes) -> None:
        if len(signature) != _params(self._key.bits)[3]:
            raise InvalidSignatureError()
        try:
            _pcd_scheme(self._key, b"", False).verify(self._mu, bytes(signature))
        except ValueError:
            raise InvalidSignatureError() from None
