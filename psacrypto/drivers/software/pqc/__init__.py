"""The post-quantum part of the software driver, and the key-encapsulation
algorithms: pure functions over key material, like the classic asymmetric
driver (``drivers/software/asymmetric``), which keeps RSA, ECC and DH.

Key types served here (``is_pqc_key_type``): ML-KEM and ML-DSA key pairs and
public keys (:mod:`.mlkem`, :mod:`.mldsa`: pyca/cryptography for the fast paths,
PyCryptodome for what pyca lacks -- ML-KEM-512, deterministic ML-DSA,
HashML-DSA, streaming mu), and the hash-based signature key types SLH-DSA,
LMS, HSS, XMSS and XMSS^MT.

Hash-based signatures: LMS and HSS *verification* (the spec defines no
signing for them) is implemented from RFC 8554 in :mod:`.lms` and proven on the
RFC's test cases, for the RFC 8554 SHA-256 parameter sets. SLH-DSA, XMSS and
XMSS^MT are ``NotSupportedError``: no reviewed implementation is available in
this environment (pyca and PyCryptodome have none), and the issue prefers the
error to an unproven hand-rolled one. Their key types cannot be imported, so
the implementation profile lists them (and their algorithms) as unsupported.

ECIES (``ALG_ECIES_SEC1``, :mod:`.ecies`) runs on the classic driver's ECC keys.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .... import constants as c
from ....errors import InvalidArgumentError, NotSupportedError
from . import ecies, lms, mldsa, mlkem

__all__ = [
    "derive_key",
    "ecies",
    "export_public_key",
    "generate_key",
    "import_key",
    "is_pqc_key_type",
    "key_type_supported",
    "lms",
    "load",
    "signer",
    "verifier",
    "mldsa",
    "mlkem",
]

_ML_DSA = c.KEY_TYPE_ML_DSA_PUBLIC_KEY
_ML_KEM = c.KEY_TYPE_ML_KEM_PUBLIC_KEY
_LMS, _HSS = c.KEY_TYPE_LMS_PUBLIC_KEY, c.KEY_TYPE_HSS_PUBLIC_KEY
_XMSS = frozenset((c.KEY_TYPE_XMSS_PUBLIC_KEY, c.KEY_TYPE_XMSS_MT_PUBLIC_KEY))
_STATEFUL_HASH_BASED = frozenset((_LMS, _HSS)) | _XMSS


def _public_type(key_type: int) -> int:
    return key_type & ~0x3000


def is_pair(key_type: int) -> bool:
    return (key_type & 0x7000) == 0x7000


def is_slh_dsa_key_type(key_type: int) -> bool:
    return (_public_type(key_type) & 0xFF80) == 0x4180


def is_pqc_key_type(key_type: int) -> bool:
    """Whether this driver (rather than the classic asymmetric one) owns the type."""
    public = _public_type(key_type)
    return (
        public in (_ML_DSA, _ML_KEM)
        or is_slh_dsa_key_type(key_type)
        or key_type in _STATEFUL_HASH_BASED
    )


def key_type_family(key_type: int) -> str:
    """``"mlkem"``, ``"mldsa"``, ``"lms"`` or ``"hss"``; ``NotSupportedError``
    for every other type."""
    return _family(key_type)


def _family(key_type: int) -> str:
    public = _public_type(key_type)
    if (key_type & 0x7000) not in (0x4000, 0x7000):
        raise NotSupportedError(f"0x{key_type:04x} is not an asymmetric key type")
    if public == _ML_KEM:
        return "mlkem"
    if public == _ML_DSA:
        return "mldsa"
    if key_type == _LMS:
        return "lms"
    if key_type == _HSS:
        return "hss"
    if is_slh_dsa_key_type(key_type):
        raise NotSupportedError("SLH-DSA keys are not supported")
    if key_type in _XMSS:
        raise NotSupportedError("XMSS and XMSS^MT keys are not supported")
    raise NotSupportedError(f"key type 0x{key_type:04x} is not supported")


def key_type_supported(key_type: int, bits: int) -> bool:
    try:
        family = _family(key_type)
    except NotSupportedError:
        return False
    if family == "mlkem":
        return mlkem.supported(bits)
    if family == "mldsa":
        return mldsa.supported(bits)
    return bits == 256  # the RFC 8554 SHA-256 parameter sets


def import_key(key_type: int, bits: int, data: bytes) -> tuple[int, bytes]:
    family = _family(key_type)
    if not data:
        raise InvalidArgumentError("the key data is empty")
    if family == "lms":
        return lms.import_lms(bits, bytes(data))
    if family == "hss":
        return lms.import_hss(bits, bytes(data))
    module: Any = mlkem if family == "mlkem" else mldsa
    result: tuple[int, bytes] = module.import_key(is_pair(key_type), bits, bytes(data))
    return result


def generate_key(key_type: int, bits: int, custom_data: bytes = b"") -> bytes:
    family = _family(key_type)
    if not is_pair(key_type):
        raise InvalidArgumentError("only a key pair can be generated")
    if custom_data:
        raise InvalidArgumentError("this key type takes no custom production data")
    if family == "mlkem":
        return mlkem.generate_key(bits)
    return mldsa.generate_key(bits)


def derive_key(key_type: int, bits: int, read: Callable[[int], bytes]) -> bytes:
    family = _family(key_type)
    if not is_pair(key_type):
        raise InvalidArgumentError("only a key pair can be derived")
    if family == "mlkem":
        return mlkem.derive_key(bits, read)
    return mldsa.derive_key(bits, read)


def export_public_key(key_type: int, bits: int, material: bytes) -> bytes:
    family = _family(key_type)
    if not is_pair(key_type):
        return material
    if family == "mlkem":
        return mlkem.export_public_key(bits, material)
    return mldsa.export_public_key(bits, material)


def load(key_type: int, bits: int, material: bytes) -> Any:
    family = _family(key_type)
    if family in ("lms", "hss"):
        return bytes(material)
    module: Any = mlkem if family == "mlkem" else mldsa
    return module.load(is_pair(key_type), bits, material)


# ---------------------------------------------------------------- signatures

_HASH_BASED_ALGS = {"lms": c.ALG_LMS, "hss": c.ALG_HSS}


def check_sign(key_type: int, bits: int, alg: int, *, message: bool, verify: bool) -> None:
    """The spec's error unless a key of this type can sign (verify) with ``alg``."""
    family = _family(key_type)
    if family == "mldsa":
        mldsa.check(key_type, bits, alg, message=message, verify=verify)
        return
    expected = _HASH_BASED_ALGS.get(family)
    if expected is None:  # ML-KEM
        raise InvalidArgumentError(f"key type 0x{key_type:04x} cannot sign")
    if alg != expected:
        raise InvalidArgumentError(f"0x{alg:08x} is not compatible with this key type")
    if not verify:
        raise InvalidArgumentError("LMS and HSS signatures can only be verified")
    if not message:
        raise InvalidArgumentError("LMS and HSS verify messages, not hashes")


def signer(key: Any, key_type: int, alg: int, message: bool) -> Callable[..., bytes]:
    """``fn(data, context=b"") -> signature`` (ML-DSA; checked by ``check_sign``)."""
    return mldsa.signer(key, alg, message)


def verifier(key: Any, key_type: int, alg: int, message: bool) -> Callable[..., None]:
    """``fn(data, signature, context=b"")``: ``InvalidSignatureError`` unless valid."""
    family = _family(key_type)
    if family == "mldsa":
        return mldsa.verifier(key, alg, message)
    verify = lms.verify_lms if family == "lms" else lms.verify_hss
    public = bytes(key)

    def run(data: bytes, signature: bytes, context: bytes = b"") -> None:
        if context:
            raise InvalidArgumentError("LMS and HSS take no context")
        verify(public, data, signature)

    return run
