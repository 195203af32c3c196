"""``psa_key_attributes_t`` as a small mutable record, and the spec's accessors."""

from __future__ import annotations

from dataclasses import dataclass

from . import constants as c


def _lifetime_is_volatile(lifetime: int) -> bool:
    return (lifetime & 0xFF) == c.KEY_PERSISTENCE_VOLATILE


@dataclass(slots=True)
class KeyAttributes:
    """Metadata of a key: identity, lifetime, type, size and policy.

    A fresh object is the spec's initial value (volatile, no id, no type, size 0,
    no usage, ``ALG_NONE``). Setting ``id`` on a volatile object makes it
    persistent (default persistence, same location), and setting a volatile
    ``lifetime`` clears ``id``, exactly as ``psa_set_key_id`` and
    ``psa_set_key_lifetime`` do.
    """

    type: int = c.KEY_TYPE_NONE
    bits: int = 0
    lifetime: int = c.KEY_LIFETIME_VOLATILE
    id: int = c.KEY_ID_NULL
    usage_flags: int = 0
    algorithm: int = c.ALG_NONE

    def set_id(self, key_id: int) -> None:
        self.id = key_id
        if _lifetime_is_volatile(self.lifetime):
            self.lifetime = (self.lifetime & ~0xFF) | c.KEY_PERSISTENCE_DEFAULT

    def set_lifetime(self, lifetime: int) -> None:
        self.lifetime = lifetime
        if _lifetime_is_volatile(lifetime):
            self.id = c.KEY_ID_NULL

    def copy(self) -> KeyAttributes:
        return KeyAttributes(
            self.type, self.bits, self.lifetime, self.id, self.usage_flags, self.algorithm
        )

    def reset(self) -> None:
        self.type = c.KEY_TYPE_NONE
        self.bits = 0
        self.lifetime = c.KEY_LIFETIME_VOLATILE
        self.id = c.KEY_ID_NULL
        self.usage_flags = 0
        self.algorithm = c.ALG_NONE


def key_attributes_init() -> KeyAttributes:
    """``psa_key_attributes_init``: a fresh attribute object."""
    return KeyAttributes()


def KEY_ATTRIBUTES_INIT() -> KeyAttributes:
    """``PSA_KEY_ATTRIBUTES_INIT``: the initializer, as a fresh object."""
    return KeyAttributes()


def set_key_id(attributes: KeyAttributes, id: int) -> None:
    attributes.set_id(id)


def get_key_id(attributes: KeyAttributes) -> int:
    return attributes.id


def set_key_lifetime(attributes: KeyAttributes, lifetime: int) -> None:
    attributes.set_lifetime(lifetime)


def get_key_lifetime(attributes: KeyAttributes) -> int:
    return attributes.lifetime


def set_key_type(attributes: KeyAttributes, type: int) -> None:
    attributes.type = type


def get_key_type(attributes: KeyAttributes) -> int:
    return attributes.type


def set_key_bits(attributes: KeyAttributes, bits: int) -> None:
    attributes.bits = bits


def get_key_bits(attributes: KeyAttributes) -> int:
    return attributes.bits


def set_key_usage_flags(attributes: KeyAttributes, usage_flags: int) -> None:
    attributes.usage_flags = usage_flags


def get_key_usage_flags(attributes: KeyAttributes) -> int:
    return attributes.usage_flags


def set_key_algorithm(attributes: KeyAttributes, alg: int) -> None:
    attributes.algorithm = alg


def get_key_algorithm(attributes: KeyAttributes) -> int:
    return attributes.algorithm


def reset_key_attributes(attributes: KeyAttributes) -> None:
    attributes.reset()


@dataclass(slots=True)
class CustomKeyParameters:
    """``psa_custom_key_parameters_t``: production parameters for key generation
    or derivation. ``flags == 0`` with no custom data means the defaults."""

    flags: int = 0


def CUSTOM_KEY_PARAMETERS_INIT() -> CustomKeyParameters:
    """``PSA_CUSTOM_KEY_PARAMETERS_INIT``: the default production parameters."""
    return CustomKeyParameters()


@dataclass(slots=True)
class PakeCipherSuite:
    """``psa_pake_cipher_suite_t``: the PAKE algorithm (with its hash), the primitive
    (group) and the key-confirmation choice. A fresh object is the spec's initial
    value: ``ALG_NONE``, primitive ``0``, ``PAKE_CONFIRMED_KEY``."""

    algorithm: int = c.ALG_NONE
    primitive: int = 0
    key_confirmation: int = c.PAKE_CONFIRMED_KEY

    def copy(self) -> PakeCipherSuite:
        return PakeCipherSuite(self.algorithm, self.primitive, self.key_confirmation)


def pake_cipher_suite_init() -> PakeCipherSuite:
    """``psa_pake_cipher_suite_init``: a fresh cipher-suite object."""
    return PakeCipherSuite()


def PAKE_CIPHER_SUITE_INIT() -> PakeCipherSuite:
    """``PSA_PAKE_CIPHER_SUITE_INIT``: the initializer, as a fresh object."""
    return PakeCipherSuite()


def pake_cs_get_algorithm(cipher_suite: PakeCipherSuite) -> int:
    return cipher_suite.algorithm


def pake_cs_set_algorithm(cipher_suite: PakeCipherSuite, alg: int) -> None:
    cipher_suite.algorithm = alg


def pake_cs_get_primitive(cipher_suite: PakeCipherSuite) -> int:
    return cipher_suite.primitive


def pake_cs_set_primitive(cipher_suite: PakeCipherSuite, primitive: int) -> None:
    cipher_suite.primitive = primitive


def pake_cs_get_key_confirmation(cipher_suite: PakeCipherSuite) -> int:
    return cipher_suite.key_confirmation


def pake_cs_set_key_confirmation(cipher_suite: PakeCipherSuite, key_confirmation: int) -> None:
    cipher_suite.key_confirmation = key_confirmation
