"""Asymmetric signatures: RSA PKCS#1 v1.5 (hashed and raw), RSA PSS (standard
and any salt), ECDSA (randomized, deterministic RFC 6979, and ECDSA_ANY), and
PureEdDSA (Ed25519, Ed448).

Everything that depends only on (key type, size, algorithm) -- the checks, the
pyca padding/hash/ECDSA objects, the signature layout -- is worked out once into
a small closure ("plan") and cached, so a call costs one dict lookup on top of
the pyca call.

Signature formats: RSA, the modulus-sized big-endian integer; ECDSA, ``r || s``
each as long as the curve order; EdDSA, ``R || S`` (RFC 8032).

Not supported (``NotSupportedError``): HashEdDSA (Ed25519ph, Ed448ph) and
Ed25519ctx, and non-empty contexts in general, because pyca has no interface
for the RFC 8032 prehash or context variants and they cannot be built on top
of it without implementing the Edwards curve arithmetic.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes as pyca_hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.hazmat.primitives.asymmetric.utils import (
    Prehashed,
    decode_dss_signature,
    encode_dss_signature,
)

from .... import constants as c
from ....errors import (
    InvalidArgumentError,
    InvalidSignatureError,
    NotSupportedError,
)
from . import ecc, eddsa_ext, rsa
from . import ecc_ecdsa_lib as soft
from ._common import (
    ALG_ECDSA_ANY,
    ALG_RSA_PKCS1V15_SIGN_RAW,
    Buffer,
    is_deterministic_ecdsa,
    is_ecc,
    is_ecdsa,
    is_hash_eddsa,
    is_key_pair,
    is_rsa,
    is_rsa_pkcs1v15_sign,
    is_rsa_pss,
    is_rsa_pss_any_salt,
    is_sign,
)
from .hashes import hash_of

SignFn = Callable[..., bytes]  # (key, data[, context])
VerifyFn = Callable[..., None]  # (key, data, signature[, context])

_PlanKey = tuple[int, int, int]
_SIGN_HASH: dict[_PlanKey, SignFn] = {}
_SIGN_MESSAGE: dict[_PlanKey, SignFn] = {}
_VERIFY_HASH: dict[_PlanKey, VerifyFn] = {}
_VERIFY_MESSAGE: dict[_PlanKey, VerifyFn] = {}

_CONTEXT_ALGS = frozenset((c.ALG_EDDSA_CTX, c.ALG_ED25519PH, c.ALG_ED448PH))


# ---------------------------------------------------------------- public API


def sign_hash(
    key_obj: Any, key_type: int, bits: int, alg: int, hash: Buffer, context: Buffer = b""
) -> bytes:
    """``psa_sign_hash``: sign a pre-computed hash (or the input of a specialised
    algorithm) with the key pair ``key_obj`` (from ``load``)."""
    plan = _SIGN_HASH.get((key_type, bits, alg))
    if plan is None:
        plan = _SIGN_HASH[(key_type, bits, alg)] = _plan_sign(key_type, bits, alg, False)
    if context:
        _check_context_alg(alg)
        return plan(key_obj, hash, context)
    return plan(key_obj, hash)


def sign_message(
    key_obj: Any, key_type: int, bits: int, alg: int, input: Buffer, context: Buffer = b""
) -> bytes:
    """``psa_sign_message``: hash (where the algorithm hashes) and sign ``input``."""
    plan = _SIGN_MESSAGE.get((key_type, bits, alg))
    if plan is None:
        plan = _SIGN_MESSAGE[(key_type, bits, alg)] = _plan_sign(key_type, bits, alg, True)
    if context:
        _check_context_alg(alg)
        return plan(key_obj, input, context)
    return plan(key_obj, input)


def verify_hash(
    key_obj: Any,
    key_type: int,
    bits: int,
    alg: int,
    hash: Buffer,
    signature: Buffer,
    context: Buffer = b"",
) -> None:
    """``psa_verify_hash``: raise ``InvalidSignatureError`` unless ``signature``
    is a valid signature of ``hash``. ``key_obj`` is a public key or a key pair."""
    plan = _VERIFY_HASH.get((key_type, bits, alg))
    if plan is None:
        plan = _VERIFY_HASH[(key_type, bits, alg)] = _plan_verify(key_type, bits, alg, False)
    if context:
        _check_context_alg(alg)
        plan(key_obj, hash, signature, context)
        return
    plan(key_obj, hash, signature)


def verify_message(
    key_obj: Any,
    key_type: int,
    bits: int,
    alg: int,
    input: Buffer,
    signature: Buffer,
    context: Buffer = b"",
) -> None:
    """``psa_verify_message``: raise ``InvalidSignatureError`` unless
    ``signature`` is a valid signature of the message ``input``."""
    plan = _VERIFY_MESSAGE.get((key_type, bits, alg))
    if plan is None:
        plan = _VERIFY_MESSAGE[(key_type, bits, alg)] = _plan_verify(key_type, bits, alg, True)
    if context:
        _check_context_alg(alg)
        plan(key_obj, input, signature, context)
        return
    plan(key_obj, input, signature)


def sign_plan(key_type: int, bits: int, alg: int, message: bool) -> SignFn:
    """The cached ``fn(key_obj, data) -> signature`` for signing a message
    (``message``) or a hash; raises the spec's error if the key type and size
    cannot sign with ``alg``. Needs no key material: usable as a check."""
    table = _SIGN_MESSAGE if message else _SIGN_HASH
    plan = table.get((key_type, bits, alg))
    if plan is None:
        plan = table[(key_type, bits, alg)] = _plan_sign(key_type, bits, alg, message)
    return plan


def verify_plan(key_type: int, bits: int, alg: int, message: bool) -> VerifyFn:
    """The cached ``fn(key_obj, data, signature)`` for verifying; see ``sign_plan``."""
    table = _VERIFY_MESSAGE if message else _VERIFY_HASH
    plan = table.get((key_type, bits, alg))
    if plan is None:
        plan = table[(key_type, bits, alg)] = _plan_verify(key_type, bits, alg, message)
    return plan


def _check_context_alg(alg: int) -> None:
    """A non-empty context is an error for an algorithm that takes none; the
    context algorithms' plans check the context itself."""
    if alg not in _CONTEXT_ALGS:
        raise InvalidArgumentError(f"algorithm 0x{alg:08x} takes no context")


# ---------------------------------------------------------------- planning


def _plan_sign(key_type: int, bits: int, alg: int, message: bool) -> SignFn:
    _check_sign_alg(alg, message)
    if not is_key_pair(key_type):
        raise InvalidArgumentError("signing needs a key pair")
    if is_rsa(key_type):
        return _rsa_sign(bits, alg, message)
    if is_ecc(key_type):
        curve = ecc.curve_for(key_type, bits)
        if curve.kind == ecc.WEIERSTRASS:
            if curve.lib is not None:
                return _soft_ecdsa_sign(curve, alg, message)
            return _ecdsa_sign(curve, alg, message)
        if curve.kind == ecc.EDWARDS:
            _check_eddsa(curve, alg, message)
            if eddsa_ext.is_extended(curve.bits, alg):
                return eddsa_ext.plan_sign(curve.bits, alg, message)
            return _eddsa_sign
    raise InvalidArgumentError(f"key type 0x{key_type:04x} cannot sign")


def _plan_verify(key_type: int, bits: int, alg: int, message: bool) -> VerifyFn:
    _check_sign_alg(alg, message)
    pair = is_key_pair(key_type)
    if is_rsa(key_type):
        return _rsa_verify(bits, alg, message, pair)
    if is_ecc(key_type):
        curve = ecc.curve_for(key_type, bits)
        if curve.kind == ecc.WEIERSTRASS:
            if curve.lib is not None:
                return _soft_ecdsa_verify(curve, alg, message)
            return _ecdsa_verify(curve, alg, message, pair)
        if curve.kind == ecc.EDWARDS:
            _check_eddsa(curve, alg, message)
            if eddsa_ext.is_extended(curve.bits, alg):
                return eddsa_ext.plan_verify(curve.bits, alg, message)
            return _eddsa_verify_pair if pair else _eddsa_verify
    raise InvalidArgumentError(f"key type 0x{key_type:04x} cannot verify signatures")


def _check_sign_alg(alg: int, message: bool) -> None:
    if not is_sign(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not a signature algorithm")
    if message and alg in (ALG_ECDSA_ANY, ALG_RSA_PKCS1V15_SIGN_RAW):
        raise InvalidArgumentError("this algorithm only signs hashes, not messages")
    if not message and alg in (c.ALG_PURE_EDDSA, c.ALG_EDDSA_CTX):
        raise InvalidArgumentError("PureEdDSA only signs messages, not hashes")


def _bad_key_for(alg: int) -> InvalidArgumentError:
    return InvalidArgumentError(f"the key type is not compatible with algorithm 0x{alg:08x}")


# ---------------------------------------------------------------- RSA


def _rsa_padding(bits: int, alg: int, verify: bool) -> tuple[padding.AsymmetricPadding, Any]:
    """The pyca padding and hash algorithm of a hashed RSA signature algorithm."""
    if is_rsa_pkcs1v15_sign(alg):
        info = hash_of(alg)
        return padding.PKCS1v15(), info
    if is_rsa_pss(alg):
        info = hash_of(alg)
        # Salt: the hash length, or the largest that fits if that is smaller.
        em_len = (bits - 1 + 7) // 8
        salt = min(info.length, em_len - info.length - 2)
        if salt < 0:
            raise InvalidArgumentError("the RSA key is too small for this hash with PSS")
        salt_length: Any = salt
        if verify and is_rsa_pss_any_salt(alg):
            salt_length = padding.PSS.AUTO
        return padding.PSS(padding.MGF1(info.algorithm), salt_length), info
    raise _bad_key_for(alg)


def _rsa_sign(bits: int, alg: int, message: bool) -> SignFn:
    if alg == ALG_RSA_PKCS1V15_SIGN_RAW:
        return _rsa_raw_sign(bits)
    pad, info = _rsa_padding(bits, alg, False)

    if message:
        algorithm = info.algorithm

        def sign_message(key: Any, data: Buffer) -> bytes:
            try:
                signature: bytes = key.sign(data, pad, algorithm)
            except ValueError as exc:
                raise InvalidArgumentError(str(exc)) from None
            except UnsupportedAlgorithm as exc:
                raise NotSupportedError(str(exc)) from None
            return signature

        return sign_message

    prehashed = Prehashed(info.algorithm)
    length = info.length

    def sign_hash(key: Any, data: Buffer) -> bytes:
        if len(data) != length:
            raise InvalidArgumentError(f"the hash must be {length} bytes")
        try:
            signature: bytes = key.sign(data, pad, prehashed)
        except ValueError as exc:
            raise InvalidArgumentError(str(exc)) from None
        except UnsupportedAlgorithm as exc:
            raise NotSupportedError(str(exc)) from None
        return signature

    return sign_hash


def _rsa_verify(bits: int, alg: int, message: bool, pair: bool) -> VerifyFn:
    if alg == ALG_RSA_PKCS1V15_SIGN_RAW:
        return _rsa_raw_verify(bits, pair)
    pad, info = _rsa_padding(bits, alg, True)
    algorithm = info.algorithm if message else Prehashed(info.algorithm)
    length = -1 if message else info.length

    def verify(key: Any, data: Buffer, signature: Buffer) -> None:
        if length >= 0 and len(data) != length:
            raise InvalidArgumentError(f"the hash must be {length} bytes")
        public = key.public_key() if pair else key
        try:
            public.verify(signature, data, pad, algorithm)
        except (InvalidSignature, ValueError):
            raise InvalidSignatureError() from None
        except UnsupportedAlgorithm as exc:
            raise NotSupportedError(str(exc)) from None

    return verify


def _rsa_raw_sign(bits: int) -> SignFn:
    k = (bits + 7) // 8

    def sign(key: Any, data: Buffer) -> bytes:
        if len(data) > k - 11:
            raise InvalidArgumentError(f"raw PKCS#1 v1.5 input is at most {k - 11} bytes")
        encoded = b"\x00\x01" + b"\xff" * (k - len(data) - 3) + b"\x00" + bytes(data)
        return rsa.private_operation(key, int.from_bytes(encoded, "big")).to_bytes(k, "big")

    return sign


def _rsa_raw_verify(bits: int, pair: bool) -> VerifyFn:
    k = (bits + 7) // 8
    pad = padding.PKCS1v15()

    def verify(key: Any, data: Buffer, signature: Buffer) -> None:
        if len(signature) != k:
            raise InvalidSignatureError()
        public = key.public_key() if pair else key
        try:
            recovered = public.recover_data_from_signature(bytes(signature), pad, None)
        except (InvalidSignature, ValueError):
            raise InvalidSignatureError() from None
        if not hmac.compare_digest(recovered, bytes(data)):
            raise InvalidSignatureError()

    return verify


# ---------------------------------------------------------------- ECDSA


class _Digest(pyca_hashes.HashAlgorithm):
    """A stand-in 'hash' of a given length, for ECDSA_ANY: ECDSA only uses the
    digest value (OpenSSL truncates it to the order's bit length itself)."""

    def __init__(self, size: int) -> None:
        self._size = size

    @property
    def name(self) -> str:
        return "psa-ecdsa-any"

    @property
    def digest_size(self) -> int:
        return self._size

    @property
    def block_size(self) -> int | None:
        return None


def _ecdsa_any_algorithms(curve: ecc.Curve) -> list[ec.ECDSA]:
    """One ECDSA object per input length 1..n_bytes (longer inputs are cut)."""
    return [ec.ECDSA(Prehashed(_Digest(n))) for n in range(1, curve.scalar_length + 1)]


def _ecdsa_algorithm(alg: int, message: bool) -> tuple[ec.ECDSA, int]:
    if not is_ecdsa(alg):
        raise _bad_key_for(alg)
    deterministic = is_deterministic_ecdsa(alg)
    # RFC 6979 needs HMAC with the hash: only fixed-length hashes.
    info = hash_of(alg, fixed=deterministic)
    chosen: Any = info.algorithm if message else Prehashed(info.algorithm)
    return ec.ECDSA(chosen, deterministic_signing=deterministic), info.length


def _ecdsa_sign(curve: ecc.Curve, alg: int, message: bool) -> SignFn:
    n_len = curve.scalar_length

    if alg == ALG_ECDSA_ANY:
        algorithms = _ecdsa_any_algorithms(curve)

        def sign_any(key: Any, data: Buffer) -> bytes:
            size = min(len(data), n_len)
            if size == 0:
                raise InvalidArgumentError("the hash is empty")
            r, s = decode_dss_signature(key.sign(data[:size], algorithms[size - 1]))
            return r.to_bytes(n_len, "big") + s.to_bytes(n_len, "big")

        return sign_any

    algorithm, length = _ecdsa_algorithm(alg, message)

    if message:

        def sign_message(key: Any, data: Buffer) -> bytes:
            r, s = decode_dss_signature(key.sign(data, algorithm))
            return r.to_bytes(n_len, "big") + s.to_bytes(n_len, "big")

        return sign_message

    def sign_hash(key: Any, data: Buffer) -> bytes:
        if len(data) != length:
            raise InvalidArgumentError(f"the hash must be {length} bytes")
        r, s = decode_dss_signature(key.sign(data, algorithm))
        return r.to_bytes(n_len, "big") + s.to_bytes(n_len, "big")

    return sign_hash


def _ecdsa_verify(curve: ecc.Curve, alg: int, message: bool, pair: bool) -> VerifyFn:
    n_len = curve.scalar_length
    sig_len = 2 * n_len

    if alg == ALG_ECDSA_ANY:
        algorithms = _ecdsa_any_algorithms(curve)

        def verify_any(key: Any, data: Buffer, signature: Buffer) -> None:
            size = min(len(data), n_len)
            if size == 0:
                raise InvalidArgumentError("the hash is empty")
            _ecdsa_check(key, pair, n_len, sig_len, data[:size], signature, algorithms[size - 1])

        return verify_any

    algorithm, length = _ecdsa_algorithm(alg, message)

    if message:

        def verify_message(key: Any, data: Buffer, signature: Buffer) -> None:
            _ecdsa_check(key, pair, n_len, sig_len, data, signature, algorithm)

        return verify_message

    def verify_hash(key: Any, data: Buffer, signature: Buffer) -> None:
        if len(data) != length:
            raise InvalidArgumentError(f"the hash must be {length} bytes")
        _ecdsa_check(key, pair, n_len, sig_len, data, signature, algorithm)

    return verify_hash


def _ecdsa_check(
    key: Any,
    pair: bool,
    n_len: int,
    sig_len: int,
    data: Buffer,
    signature: Buffer,
    algorithm: ec.ECDSA,
) -> None:
    if len(signature) != sig_len:
        raise InvalidSignatureError()
    der = encode_dss_signature(
        int.from_bytes(signature[:n_len], "big"), int.from_bytes(signature[n_len:], "big")
    )
    public = key.public_key() if pair else key
    try:
        public.verify(der, data, algorithm)
    except InvalidSignature:
        raise InvalidSignatureError() from None


# ------------------------------------------------- ECDSA with python-ecdsa
#
# The curves pyca lacks (``curve.lib``): the same algorithms, formats and
# checks as above, with the arithmetic of ``ecc_ecdsa_lib`` (not constant-time).


def _soft_digester(
    curve: ecc.Curve, alg: int, message: bool
) -> tuple[Callable[[Buffer], bytes], Any]:
    """``(fn(data) -> digest, RFC 6979 hash or None)`` of an ECDSA algorithm;
    ``fn`` hashes a message, or checks (and for ECDSA_ANY cuts) a hash."""
    n_len = curve.scalar_length
    if alg == ALG_ECDSA_ANY:

        def any_hash(data: Buffer) -> bytes:
            if len(data) == 0:
                raise InvalidArgumentError("the hash is empty")
            return bytes(data[:n_len])

        return any_hash, None
    if not is_ecdsa(alg):
        raise _bad_key_for(alg)
    deterministic = is_deterministic_ecdsa(alg)
    info = hash_of(alg, fixed=deterministic)
    nonce_hash = info.algorithm if deterministic else None
    if message:
        algorithm = info.algorithm

        def hash_message(data: Buffer) -> bytes:
            return soft.digest_of(algorithm, bytes(data))

        return hash_message, nonce_hash
    length = info.length

    def check_hash(data: Buffer) -> bytes:
        if len(data) != length:
            raise InvalidArgumentError(f"the hash must be {length} bytes")
        return bytes(data)

    return check_hash, nonce_hash


def _soft_ecdsa_sign(curve: ecc.Curve, alg: int, message: bool) -> SignFn:
    digester, nonce_hash = _soft_digester(curve, alg, message)

    def sign(key: Any, data: Buffer) -> bytes:
        return soft.sign_digest(key, digester(data), nonce_hash)

    return sign


def _soft_ecdsa_verify(curve: ecc.Curve, alg: int, message: bool) -> VerifyFn:
    digester, _ = _soft_digester(curve, alg, message)

    def verify(key: Any, data: Buffer, signature: Buffer) -> None:
        soft.verify_digest(key.public_key(), digester(data), bytes(signature))

    return verify


# ---------------------------------------------------------------- EdDSA


def _check_eddsa(curve: ecc.Curve, alg: int, message: bool) -> None:
    if alg == c.ALG_PURE_EDDSA:
        return
    if alg == c.ALG_EDDSA_CTX:
        return  # Ed25519ctx or Ed448 (with a context)
    if is_hash_eddsa(alg) and (alg, curve.bits) in ((c.ALG_ED25519PH, 255), (c.ALG_ED448PH, 448)):
        return
    raise _bad_key_for(alg)


def _eddsa_sign(key: Any, data: Buffer) -> bytes:
    signature: bytes = key.sign(data)
    return signature


def _eddsa_verify(key: Any, data: Buffer, signature: Buffer) -> None:
    try:
        key.verify(signature, data)
    except (InvalidSignature, ValueError):
        raise InvalidSignatureError() from None


def _eddsa_verify_pair(key: Any, data: Buffer, signature: Buffer) -> None:
    _eddsa_verify(key.public_key(), data, signature)
