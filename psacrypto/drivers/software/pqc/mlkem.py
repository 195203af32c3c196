"""ML-KEM (FIPS 203) on pyca/cryptography: key material and encapsulation.

Key formats (the spec's): a key pair is the 64-byte seed ``d || z`` (FIPS 203
§7.1, the RFC 9935 seed format without its ASN.1 prefix); a public key is the
encapsulation key ``ek``. pyca imports exactly that seed
(``from_seed_bytes``) and validates ``ek`` on import (length, and every
coefficient below q -- the FIPS 203 §7.2 modulus check).

Parameter sets: ML-KEM-768 and ML-KEM-1024 on pyca (OpenSSL); ML-KEM-512,
which pyca lacks, on PyCryptodome (``Crypto.PublicKey.MLKEM``; its
encapsulation entry points ``_encaps``/``_decaps`` are the ones its own HPKE
uses). If that PyCryptodome interface is absent, ML-KEM-512 is
``NotSupportedError``. Both backends are proven on the Wycheproof ``mlkem_*``
vectors (key generation from seeds, ek validation, decapsulation with implicit
rejection).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives.asymmetric import mlkem

from .... import constants as c
from ....errors import DataInvalidError, InvalidArgumentError, NotSupportedError

SEED_LENGTH = 64
SHARED_SECRET_LENGTH = 32

#: key_bits -> (private class, public class, ek length, ciphertext length)
_PARAMS: dict[int, tuple[Any, Any, int, int]] = {
    768: (mlkem.MLKEM768PrivateKey, mlkem.MLKEM768PublicKey, 1184, 1088),
    1024: (mlkem.MLKEM1024PrivateKey, mlkem.MLKEM1024PublicKey, 1568, 1568),
}
#: every parameter set of the spec, for the error message / size checks
_ALL_EK_LENGTHS = {800: 512, 1184: 768, 1568: 1024}
_ALL_BITS = frozenset((512, 768, 1024))

_pcd_mlkem: Any
try:
    _pcd_mlkem = importlib.import_module("Crypto.PublicKey.MLKEM")
    _PCD_OK = all(hasattr(_pcd_mlkem.MLKEMKey, n) for n in ("_encaps", "_decaps"))
except ImportError:  # pragma: no cover - PyCryptodome < 4 has no ML-KEM
    _pcd_mlkem = None
    _PCD_OK = False


class _PcdPrivate:
    """PyCryptodome's ML-KEM key behind the pyca interface this module uses."""

    __slots__ = ("_key",)

    def __init__(self, key: Any) -> None:
        self._key = key

    @classmethod
    def from_seed_bytes(cls, data: bytes) -> _PcdPrivate:
        assert _pcd_mlkem is not None
        if len(data) != SEED_LENGTH:
            raise ValueError("an ML-KEM seed is 64 bytes")
        return cls(_pcd_mlkem.construct(param_set=_pcd_mlkem.ML_KEM_512, seed=bytes(data)))

    def public_key(self) -> _PcdPublic:
        return _PcdPublic(self._key.public_key())

    def decapsulate(self, ciphertext: bytes) -> bytes:
        secret: bytes = self._key._decaps(bytes(ciphertext))
        return secret


class _PcdPublic:
    __slots__ = ("_key",)

    def __init__(self, key: Any) -> None:
        self._key = key

    @classmethod
    def from_public_bytes(cls, data: bytes) -> _PcdPublic:
        assert _pcd_mlkem is not None
        return cls(_pcd_mlkem.construct(param_set=_pcd_mlkem.ML_KEM_512, ek=bytes(data)))

    def public_bytes_raw(self) -> bytes:
        ek: bytes = self._key.ek
        return ek

    def encapsulate(self) -> tuple[bytes, bytes]:
        result: tuple[bytes, bytes] = self._key._encaps()
        return result


if _PCD_OK:
    _PARAMS[512] = (_PcdPrivate, _PcdPublic, 800, 768)

#: Whether this build of pyca has ML-KEM at all.
try:
    mlkem.MLKEM768PrivateKey.from_seed_bytes(bytes(SEED_LENGTH))
    AVAILABLE = True
except UnsupportedAlgorithm:  # pragma: no cover - depends on the OpenSSL build
    AVAILABLE = False


def _params(bits: int) -> tuple[Any, Any, int, int]:
    if bits not in _ALL_BITS:
        raise InvalidArgumentError(f"{bits} is not an ML-KEM parameter set (512, 768, 1024)")
    params = _PARAMS.get(bits)
    if params is None or not (AVAILABLE or bits == 512):
        raise NotSupportedError(f"ML-KEM-{bits} is not supported")
    return params


def supported(bits: int) -> bool:
    return AVAILABLE and bits in _PARAMS


def import_key(pair: bool, bits: int, data: bytes) -> tuple[int, bytes]:
    if pair:
        if bits == 0:
            raise InvalidArgumentError(
                "an ML-KEM seed does not determine the parameter set: set the key size"
            )
        private_cls = _params(bits)[0]
        if len(data) != SEED_LENGTH:
            raise InvalidArgumentError("an ML-KEM key pair is the 64-byte seed d || z")
        private_cls.from_seed_bytes(data)
        return bits, bytes(data)
    actual = _ALL_EK_LENGTHS.get(len(data))
    if actual is None or (bits and bits != actual):
        raise InvalidArgumentError("the data is not an ML-KEM encapsulation key of this size")
    public_cls = _params(actual)[1]
    try:
        public_cls.from_public_bytes(data)
    except ValueError:
        raise InvalidArgumentError("invalid ML-KEM encapsulation key") from None
    return actual, bytes(data)


def generate_key(bits: int) -> bytes:
    private_cls = _params(bits)[0]
    seed = os.urandom(SEED_LENGTH)
    private_cls.from_seed_bytes(seed)
    return seed


def derive_key(bits: int, read: Callable[[int], bytes]) -> bytes:
    _params(bits)
    d = read(32)
    z = read(32)
    return d + z


def load(pair: bool, bits: int, material: bytes) -> Any:
    private_cls, public_cls, _, _ = _params(bits)
    try:
        if pair:
            return private_cls.from_seed_bytes(material)
        return public_cls.from_public_bytes(material)
    except ValueError as exc:
        raise DataInvalidError(f"stored ML-KEM key does not load: {exc}") from None


def export_public_key(bits: int, material: bytes) -> bytes:
    key = load(True, bits, material)
    public: bytes = key.public_key().public_bytes_raw()
    return public


def check(key_type: int, bits: int, alg: int, *, decapsulate: bool) -> None:
    """The spec's error unless an ML-KEM key of this type and size can run ``alg``."""
    if alg != c.ALG_ML_KEM:
        raise InvalidArgumentError(f"0x{alg:08x} is not compatible with an ML-KEM key")
    if decapsulate and key_type != c.KEY_TYPE_ML_KEM_KEY_PAIR:
        raise InvalidArgumentError("decapsulation needs an ML-KEM key pair")
    _params(bits)


def encapsulator(key: Any, pair: bool) -> Callable[[], tuple[bytes, bytes]]:
    """A closure returning ``(shared_secret, ciphertext)`` for the loaded key."""
    public = key.public_key() if pair else key
    result: Callable[[], tuple[bytes, bytes]] = public.encapsulate
    return result


def decapsulator(key: Any, bits: int) -> Callable[[bytes], bytes]:
    """A closure returning the shared secret of a ciphertext (implicit rejection:
    a well-formed but wrong ciphertext gives a pseudorandom secret, FIPS 203 §6.3)."""
    length = _params(bits)[3]
    decapsulate = key.decapsulate

    def run(ciphertext: bytes) -> bytes:
        if len(ciphertext) != length:
            raise InvalidArgumentError(f"an ML-KEM-{bits} ciphertext is {length} bytes")
        secret: bytes = decapsulate(ciphertext)
        return secret

    return run
