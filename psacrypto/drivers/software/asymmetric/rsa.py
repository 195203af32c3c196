"""RSA keys: import/export formats, generation, loading, and the raw private
operation that ``RSA_PKCS1V15_SIGN_RAW`` needs (pyca has no raw RSA signing).

Key pair format: DER ``RSAPrivateKey`` version 0 (RFC 8017); public key format:
DER ``RSAPublicKey`` (RFC 3279). The size of a key is the bit size of its modulus.
"""

from __future__ import annotations

import secrets
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .... import constants as c
from ....errors import CorruptionDetectedError, InvalidArgumentError, NotSupportedError
from . import der
from ._common import Buffer, check_bits

#: Supported modulus sizes, in bits (generation, import and use).
MIN_BITS = 1024
MAX_BITS = 4096

#: Largest public exponent for generation: pyca passes it to OpenSSL as 32 bits.
MAX_GENERATE_EXPONENT = 0xFFFFFFFF

_DER = serialization.Encoding.DER


def _check_size(bits: int) -> None:
    if not MIN_BITS <= bits <= MAX_BITS:
        raise NotSupportedError(
            f"RSA keys of {bits} bits are not supported ({MIN_BITS} to {MAX_BITS})"
        )


def _private_der(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        _DER, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )


def _public_der(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(_DER, serialization.PublicFormat.PKCS1)


def import_key(key_type: int, bits: int, data: Buffer) -> tuple[int, bytes]:
    if key_type == c.KEY_TYPE_RSA_KEY_PAIR:
        version, n, e, d, p, q, dp, dq, qinv = der.parse_integer_sequence(data, 9)
        if version != 0:
            raise InvalidArgumentError("only RSAPrivateKey version 0 (two primes) is accepted")
        actual = n.bit_length()
        check_bits(bits, actual)
        _check_size(actual)
        numbers = rsa.RSAPrivateNumbers(p, q, d, dp, dq, qinv, rsa.RSAPublicNumbers(e, n))
        try:
            # Full consistency check (primes, CRT values, e*d) once, at import.
            key = numbers.private_key()
        except ValueError as exc:
            raise InvalidArgumentError(f"inconsistent RSA private key: {exc}") from None
        return actual, _private_der(key)
    n, e = der.parse_integer_sequence(data, 2)
    actual = n.bit_length()
    check_bits(bits, actual)
    _check_size(actual)
    if not n & 1 or not e & 1 or not 3 <= e < n:
        raise InvalidArgumentError("invalid RSA public key (the modulus and exponent must be odd)")
    try:
        public = rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError as exc:
        raise InvalidArgumentError(f"invalid RSA public key: {exc}") from None
    return actual, _public_der(public)


def generate_key(bits: int, custom_data: Buffer) -> bytes:
    _check_size(bits)
    exponent = 65537
    if custom_data:
        exponent = int.from_bytes(custom_data, "little")
        if exponent <= 1 or not exponent & 1:
            raise InvalidArgumentError("the RSA public exponent must be an odd integer above 1")
        if exponent > MAX_GENERATE_EXPONENT:
            raise NotSupportedError("RSA public exponents above 2**32 - 1 are not supported")
    key = rsa.generate_private_key(exponent, bits)
    return _private_der(key)


def load(key_type: int, material: bytes) -> Any:
    """A pyca key from stored (already validated) material."""
    if key_type == c.KEY_TYPE_RSA_KEY_PAIR:
        # The material passed the full check when it was imported or generated.
        return serialization.load_der_private_key(
            material, None, unsafe_skip_rsa_key_validation=True
        )
    # pyca's DER public loader takes a bare PKCS#1 RSAPublicKey too.
    return serialization.load_der_public_key(material)


def export_public_key(key_type: int, material: bytes) -> bytes:
    if key_type == c.KEY_TYPE_RSA_PUBLIC_KEY:
        return material
    key = load(key_type, material)
    return _public_der(key.public_key())


def private_operation(key: rsa.RSAPrivateKey, message: int) -> int:
    """``message ** d mod n``, for the one scheme pyca cannot do (raw PKCS#1 v1.5).

    CRT with both message and exponent blinding, so that the timing of Python's
    big-integer arithmetic depends neither on the input nor on the exponent bits
    in a way repeated calls can accumulate; the result is checked with the public
    exponent before it leaves (a fault must not leak a factor of n).
    """
    numbers = key.private_numbers()
    pub = numbers.public_numbers
    n, e, p, q = pub.n, pub.e, numbers.p, numbers.q
    while True:
        r = secrets.randbelow(n - 3) + 2
        try:
            r_inv = pow(r, -1, n)
            break
        except ValueError:  # pragma: no cover - r shares a factor with n
            continue
    blinded = message * pow(r, e, n) % n
    dp = numbers.dmp1 + secrets.randbits(64) * (p - 1)
    dq = numbers.dmq1 + secrets.randbits(64) * (q - 1)
    s1 = pow(blinded % p, dp, p)
    s2 = pow(blinded % q, dq, q)
    h = numbers.iqmp * (s1 - s2) % p
    result = (s2 + h * q) * r_inv % n
    if pow(result, e, n) != message:
        raise CorruptionDetectedError("RSA private operation self-check failed")
    return result
