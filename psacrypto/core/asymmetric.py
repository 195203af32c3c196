"""Shared plumbing of the asymmetric families: the drivers and parsed key objects.

Two drivers share the asymmetric key types: the classic one (RSA, ECC, DH) and
the post-quantum one (ML-KEM, ML-DSA, and the hash-based signature types, which
it reports as unsupported). ``driver_for`` picks by key type.
"""

from __future__ import annotations

from typing import Any

from .. import constants as c
from ..drivers.software import asymmetric as driver
from ..drivers.software import pqc
from ..drivers.software.asymmetric.agreement import agreement_plan
from ..drivers.software.asymmetric.encrypt import crypt_plan
from ..drivers.software.asymmetric.sign import sign_plan, verify_plan
from ..errors import InvalidArgumentError, NotSupportedError
from .slots import KeySlot

__all__ = [
    "agreement_plan",
    "check_agreement",
    "check_encrypt",
    "check_sign",
    "crypt_plan",
    "driver",
    "driver_for",
    "key_object",
    "pqc",
    "sign_plan",
    "verify_plan",
]


def driver_for(key_type: int) -> Any:
    """The driver module that owns ``key_type``."""
    return pqc if pqc.is_pqc_key_type(key_type) else driver


def key_object(slot: KeySlot) -> Any:
    """The parsed pyca key of ``slot``, made once and cached on the slot."""
    obj = slot.cache.get("pyca")
    if obj is None:
        if not slot.material:
            raise NotSupportedError("the key material is not available")
        obj = slot.cache["pyca"] = driver_for(slot.type).load(slot.type, slot.bits, slot.material)
    return obj


def check_sign(key_type: int, bits: int, alg: int, *, message: bool, verify: bool) -> None:
    """Raise the spec's error unless a key of this type and size can sign (or
    verify) with ``alg``; needs no key material."""
    if pqc.is_pqc_key_type(key_type):
        pqc.check_sign(key_type, bits, alg, message=message, verify=verify)
        return
    if pqc.mldsa.is_ml_dsa_alg(alg) or alg in (c.ALG_LMS, c.ALG_HSS):
        raise InvalidArgumentError(f"0x{alg:08x} is not compatible with this key type")
    if verify:
        verify_plan(key_type, bits, alg, message)
    else:
        sign_plan(key_type, bits, alg, message)


def check_encrypt(key_type: int, bits: int, alg: int, *, decrypt: bool) -> None:
    crypt_plan(key_type, bits, alg, decrypt)


def check_agreement(key_type: int, bits: int, alg: int) -> None:
    agreement_plan(key_type, bits, alg)
