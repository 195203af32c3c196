"""Key material of every asymmetric key type: import, generation, public-key
export, loading into pyca objects, and derivation. Dispatches to the family
modules (rsa, ecc, dh)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm

from ....errors import DataInvalidError, InvalidArgumentError, NotSupportedError
from . import dh, ecc, rsa
from ._common import Buffer, is_dh, is_ecc, is_key_pair, is_public_key, is_rsa


def _family(key_type: int) -> str:
    if not (is_key_pair(key_type) or is_public_key(key_type)):
        raise NotSupportedError(f"0x{key_type:04x} is not an asymmetric key type")
    if is_rsa(key_type):
        return "rsa"
    if is_ecc(key_type):
        return "ecc"
    if is_dh(key_type):
        return "dh"
    raise NotSupportedError(f"asymmetric key type 0x{key_type:04x} is not supported")


def import_key(key_type: int, bits: int, data: Buffer) -> tuple[int, bytes]:
    """Validate ``data`` in the import format of ``key_type``.

    Returns ``(bits, material)``: the size the data determines (which a nonzero
    ``bits`` must equal) and the key in the spec's export format.
    """
    family = _family(key_type)
    if not data:
        raise InvalidArgumentError("the key data is empty")
    if family == "rsa":
        return rsa.import_key(key_type, bits, data)
    if family == "ecc":
        return ecc.import_key(key_type, bits, data)
    return dh.import_key(key_type, bits, data)


def generate_key(key_type: int, bits: int, custom_data: Buffer = b"") -> bytes:
    """A new random key pair of ``key_type`` and ``bits``, in the export format.

    ``custom_data`` is the RSA public exponent, little-endian (empty: 65537); it
    must be empty for the other types.
    """
    family = _family(key_type)
    if not is_key_pair(key_type):
        raise InvalidArgumentError("only a key pair can be generated")
    if family == "rsa":
        return rsa.generate_key(bits, custom_data)
    if custom_data:
        raise InvalidArgumentError("this key type takes no custom production data")
    if family == "ecc":
        return ecc.generate_key(key_type, bits)
    return dh.generate_key(key_type, bits)


def export_public_key(key_type: int, bits: int, material: bytes) -> bytes:
    """The public key, in the spec's public-key format, of stored ``material``."""
    family = _family(key_type)
    if family == "rsa":
        return rsa.export_public_key(key_type, material)
    if family == "ecc":
        return ecc.export_public_key(key_type, bits, material)
    return dh.export_public_key(key_type, bits, material)


def load(key_type: int, bits: int, material: bytes) -> Any:
    """The pyca key object for stored ``material`` (a private key object for a
    key pair, a public key object for a public key).

    The material is trusted to be what ``import_key``/``generate_key``/
    ``derive_key`` returned: it is not validated again (``DataInvalidError`` if
    it does not even parse). The core caches the result per key; every
    operation of this package takes it.
    """
    family = _family(key_type)
    try:
        if family == "rsa":
            return rsa.load(key_type, material)
        if family == "ecc":
            return ecc.load(key_type, bits, material)
        return dh.load(key_type, bits, material)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        # Material this package produced always loads: anything else was
        # altered in storage.
        raise DataInvalidError(f"stored key material does not load: {exc}") from None


def derive_key(key_type: int, bits: int, read: Callable[[int], bytes]) -> bytes:
    """A key pair from a key-derivation output stream (``read(n)`` returns the
    next ``n`` bytes), by the spec's procedure for the type; export format."""
    family = _family(key_type)
    if not is_key_pair(key_type):
        raise InvalidArgumentError("only a key pair can be derived")
    if family == "rsa":
        raise NotSupportedError("deriving an RSA key pair is not supported")
    if family == "ecc":
        return ecc.derive_key(key_type, bits, read)
    return dh.derive_key(key_type, bits, read)
