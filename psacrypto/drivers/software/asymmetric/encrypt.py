"""Asymmetric encryption: RSAES-PKCS1-v1_5 and RSAES-OAEP (MGF1 with the same
hash; the salt argument is the OAEP label).

PKCS#1 v1.5 decryption uses OpenSSL's implicit rejection (OpenSSL 3.2 and later,
the Marvin-attack countermeasure): a ciphertext whose padding is invalid
decrypts to a pseudo-random message derived from the key and the ciphertext
instead of failing. So ``ERROR_INVALID_PADDING`` is never reported for it:
reporting it would be exactly the padding oracle the countermeasure removes.
OAEP decryption failures raise ``InvalidPaddingError``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import padding

from .... import constants as c
from ....errors import InvalidArgumentError, InvalidPaddingError, NotSupportedError
from ._common import Buffer, get_hash, is_asymmetric_encryption, is_key_pair, is_rsa, is_rsa_oaep
from .hashes import OAEP_HASHES, hash_of

CryptFn = Callable[[Any, Buffer, Buffer], bytes]

_ENCRYPT: dict[tuple[int, int, int], CryptFn] = {}
_DECRYPT: dict[tuple[int, int, int], CryptFn] = {}


def asymmetric_encrypt(
    key_obj: Any, key_type: int, bits: int, alg: int, input: Buffer, salt: Buffer = b""
) -> bytes:
    """``psa_asymmetric_encrypt`` with an RSA public key or key pair."""
    plan = _ENCRYPT.get((key_type, bits, alg))
    if plan is None:
        plan = _ENCRYPT[(key_type, bits, alg)] = _plan(key_type, bits, alg, False)
    return plan(key_obj, input, salt)


def asymmetric_decrypt(
    key_obj: Any, key_type: int, bits: int, alg: int, input: Buffer, salt: Buffer = b""
) -> bytes:
    """``psa_asymmetric_decrypt`` with an RSA key pair."""
    plan = _DECRYPT.get((key_type, bits, alg))
    if plan is None:
        plan = _DECRYPT[(key_type, bits, alg)] = _plan(key_type, bits, alg, True)
    return plan(key_obj, input, salt)


def crypt_plan(key_type: int, bits: int, alg: int, decrypt: bool) -> CryptFn:
    """The cached ``fn(key_obj, input, salt) -> output``; raises the spec's error
    if the key type and size cannot encrypt (decrypt) with ``alg``. Needs no key
    material: usable as a check."""
    table = _DECRYPT if decrypt else _ENCRYPT
    plan = table.get((key_type, bits, alg))
    if plan is None:
        plan = table[(key_type, bits, alg)] = _plan(key_type, bits, alg, decrypt)
    return plan


def _plan(key_type: int, bits: int, alg: int, decrypt: bool) -> CryptFn:
    if not is_asymmetric_encryption(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not an asymmetric encryption algorithm")
    if alg != c.ALG_RSA_PKCS1V15_CRYPT and not is_rsa_oaep(alg):
        raise NotSupportedError(f"asymmetric encryption algorithm 0x{alg:08x} is not supported")
    if not is_rsa(key_type):
        raise InvalidArgumentError("RSA encryption needs an RSA key")
    pair = is_key_pair(key_type)
    if decrypt and not pair:
        raise InvalidArgumentError("decryption needs a key pair")
    k = (bits + 7) // 8

    if alg == c.ALG_RSA_PKCS1V15_CRYPT:
        pkcs1 = padding.PKCS1v15()

        def pad_for(label: Buffer) -> padding.AsymmetricPadding:
            if label:
                raise InvalidArgumentError("RSA PKCS#1 v1.5 encryption takes no salt")
            return pkcs1

        max_input = k - 11
    else:
        info = hash_of(alg)
        if get_hash(alg) not in OAEP_HASHES:
            raise NotSupportedError(f"OAEP with hash 0x{get_hash(alg):08x} is not supported")
        no_label = padding.OAEP(padding.MGF1(info.algorithm), info.algorithm, None)

        def pad_for(label: Buffer) -> padding.AsymmetricPadding:
            if not label:
                return no_label
            return padding.OAEP(padding.MGF1(info.algorithm), info.algorithm, bytes(label))

        max_input = k - 2 * info.length - 2
        if max_input < 0:
            raise InvalidArgumentError("the RSA key is too small for OAEP with this hash")

    if decrypt:

        def decrypt_fn(key: Any, data: Buffer, label: Buffer) -> bytes:
            chosen = pad_for(label)
            if len(data) != k:
                raise InvalidArgumentError(f"the ciphertext must be {k} bytes")
            try:
                plaintext: bytes = key.decrypt(bytes(data), chosen)
            except ValueError:
                raise InvalidPaddingError() from None
            return plaintext

        return decrypt_fn

    def encrypt_fn(key: Any, data: Buffer, label: Buffer) -> bytes:
        chosen = pad_for(label)
        if len(data) > max_input:
            raise InvalidArgumentError(f"the message is longer than {max_input} bytes")
        public = key.public_key() if pair else key
        ciphertext: bytes = public.encrypt(bytes(data), chosen)
        return ciphertext

    return encrypt_fn
