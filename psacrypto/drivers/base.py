"""The driver interface: how the core reaches a cryptoprocessor (see docs/drivers.md).

Modelled on the PSA Crypto Driver Interface, in Python terms:

* an **opaque driver** (:class:`OpaqueDriver`) owns one key *location*: keys live
  inside it and the core only keeps the *reference* the driver returned (bytes,
  stored in the key store in place of key material). Every operation on such a
  key is done by the driver; what it cannot do is ``NotSupportedError``, never an
  export followed by a software computation;
* a **transparent driver** (:class:`TransparentDriver`) accelerates operations on
  key material that the core holds (location 0). The software driver is the one
  every core has; others register in the location registry
  (:mod:`psacrypto.core.locations`) and are listed by ``describe_locations``.

Entry points take the key's attributes (a private copy, ``bits`` set) and its
reference. Per-family entry points *bind* a key: they return the same kind of
engine object the software path builds (:class:`~psacrypto.drivers.software.symmetric.MacKey`,
``CipherKey``, ``AeadKey``) or a plain function (signature, asymmetric encryption,
key agreement), which the family caches on the key slot. So the per-call cost of
a driver is the driver's own call, nothing more.

Errors: drivers raise :mod:`psacrypto.errors` exceptions. A cryptoprocessor that
cannot be reached raises ``CommunicationFailureError``; one that answers but
misbehaves (a key it should hold is gone) ``HardwareFailureError``.
"""

from __future__ import annotations

import abc
import functools
from collections.abc import Callable, Iterable
from typing import Any

from .. import constants as c
from ..attributes import KeyAttributes
from ..errors import DoesNotExistError, NotSupportedError

# Operation families, as the core names them when it binds a key.
MAC = "mac"
CIPHER = "cipher"
AEAD = "aead"
SIGN = "sign"
ASYMMETRIC_ENCRYPTION = "asymmetric_encryption"
KEY_AGREEMENT = "key_agreement"
KEY_DERIVATION = "key_derivation"
KEY_WRAPPING = "key_wrapping"
KEY_ENCAPSULATION = "key_encapsulation"
PAKE = "pake"

FAMILIES = (MAC, CIPHER, AEAD, SIGN, ASYMMETRIC_ENCRYPTION, KEY_AGREEMENT)

#: usage flags that each family may be asked for
FAMILY_USAGES: dict[str, tuple[int, ...]] = {
    MAC: (c.KEY_USAGE_SIGN_MESSAGE, c.KEY_USAGE_VERIFY_MESSAGE),
    CIPHER: (c.KEY_USAGE_ENCRYPT, c.KEY_USAGE_DECRYPT),
    AEAD: (c.KEY_USAGE_ENCRYPT, c.KEY_USAGE_DECRYPT),
    SIGN: (
        c.KEY_USAGE_SIGN_HASH,
        c.KEY_USAGE_VERIFY_HASH,
        c.KEY_USAGE_SIGN_MESSAGE,
        c.KEY_USAGE_VERIFY_MESSAGE,
    ),
    ASYMMETRIC_ENCRYPTION: (c.KEY_USAGE_ENCRYPT, c.KEY_USAGE_DECRYPT),
    KEY_AGREEMENT: (c.KEY_USAGE_DERIVE,),
}


def family_of(alg: int) -> str:
    """The operation family of a (specific) algorithm value."""
    category = alg & 0x7F000000
    return {
        0x03000000: MAC,
        0x04000000: CIPHER,
        0x05000000: AEAD,
        0x06000000: SIGN,
        0x07000000: ASYMMETRIC_ENCRYPTION,
        0x08000000: KEY_DERIVATION,
        0x09000000: KEY_AGREEMENT,
        0x0A000000: PAKE,
        0x0B000000: KEY_WRAPPING,
        0x0C000000: KEY_ENCAPSULATION,
    }.get(category, "")


# Bound functions (the shapes the families expect).
#: sign: ``fn(data, context=b"") -> signature``; verify: ``fn(data, signature, context=b"")``
SignFunction = Callable[..., Any]
#: ``fn(input, salt) -> output``
CryptFunction = Callable[[bytes, bytes], bytes]
#: ``fn(peer_key) -> shared secret``
AgreementFunction = Callable[[bytes], bytes]


class OpaqueDriver(abc.ABC):
    """A cryptoprocessor holding its own keys (one key location).

    Subclasses implement the capability query and the entry points they support;
    the defaults raise ``NotSupportedError`` (``DoesNotExistError`` for
    ``attach_key``), so a driver that only signs only implements signing.
    """

    #: short driver name (``"pkcs11"``, ``"remote"``) for ``describe``
    name = "opaque"

    def __init__(self) -> None:
        #: the location value this driver serves (set when registered)
        self.location = 0

    # Capability query -----------------------------------------------------------------

    @abc.abstractmethod
    def supports_key(self, key_type: int, bits: int) -> bool:
        """Whether keys of this type and size can be created in this location."""

    @abc.abstractmethod
    def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        """Whether ``alg`` (specific, already checked against the key type by the
        family) can run on a key of this type and size in role ``usage``."""

    def key_types(self) -> list[tuple[int, int]]:
        """Every (key type, size) this location can hold (for ``describe``)."""
        from ..core import capabilities

        return sorted(kt for kt in capabilities.candidate_key_types() if self.supports_key(*kt))

    def algorithms(self) -> list[int]:
        """Every algorithm this location can run on some key (for ``describe``)."""
        from ..core import capabilities

        key_types = self.key_types()
        found = []
        for alg in capabilities.candidate_algorithms():
            family = family_of(alg)
            usages = FAMILY_USAGES.get(family)
            if usages is None:
                continue
            if any(
                self.supports(family, t, b, alg, u) for t, b in key_types for u in usages
            ):
                found.append(alg)
        return sorted(found)

    def status(self) -> str:
        """``"ok"``, or why the cryptoprocessor cannot be used right now."""
        return "ok"

    def describe(self) -> dict[str, Any]:
        """What ``psacrypto info`` shows: name, status, key types, algorithms."""
        from ..errors import PsaError

        info: dict[str, Any] = {"driver": self.name, "kind": "opaque", "status": self.status()}
        try:
            info["key_types"] = [list(kt) for kt in self.key_types()]
            info["algorithms"] = self.algorithms()
        except PsaError:  # unreachable and never reached: capabilities unknown
            info["key_types"], info["algorithms"] = [], []
        return info

    # Key management -------------------------------------------------------------------

    def import_key(self, attributes: KeyAttributes, material: bytes) -> bytes:
        """Put ``material`` (validated by the core, in the spec's export format) into
        the cryptoprocessor; returns the key's reference."""
        raise NotSupportedError(f"{self.name}: keys cannot be imported into this location")

    def generate_key(self, attributes: KeyAttributes) -> bytes:
        """Generate a key inside the cryptoprocessor; returns its reference."""
        raise NotSupportedError(f"{self.name}: keys cannot be generated in this location")

    def export_key(self, attributes: KeyAttributes, reference: bytes) -> bytes:
        """The key in the spec's export format. The core has checked the PSA policy
        (``KEY_USAGE_EXPORT``); the driver may still refuse (``NotPermittedError``)
        when the device does not let the key out."""
        raise NotSupportedError(f"{self.name}: keys cannot be exported from this location")

    def export_public_key(self, attributes: KeyAttributes, reference: bytes) -> bytes:
        """The public part of an asymmetric key, in the spec's format."""
        raise NotSupportedError(f"{self.name}: public keys cannot be exported")

    def destroy_key(self, attributes: KeyAttributes, reference: bytes) -> None:
        """Erase the key from the cryptoprocessor (an attached key is only detached)."""
        raise NotSupportedError(f"{self.name}: keys cannot be destroyed")

    def copy_key(
        self, attributes: KeyAttributes, reference: bytes, target: KeyAttributes
    ) -> bytes:
        """A copy inside this location with the (already intersected) ``target``
        attributes; returns the new reference."""
        raise NotSupportedError(f"{self.name}: keys cannot be copied inside this location")

    def attach_key(
        self, owner: str, attributes: KeyAttributes, label: bytes
    ) -> tuple[KeyAttributes, bytes]:
        """A key provisioned outside the API, found by ``label``: the final attributes
        (type and size filled in) and its reference."""
        raise DoesNotExistError(f"{self.name}: no implementation-provided key has this label")

    # Operations (binding) -------------------------------------------------------------

    def mac_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        """A :class:`~psacrypto.drivers.software.symmetric.MacKey` for ``alg``."""
        raise NotSupportedError(f"{self.name}: MAC is not supported")

    def cipher_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        """A :class:`~psacrypto.drivers.software.symmetric.CipherKey` for ``alg``."""
        raise NotSupportedError(f"{self.name}: ciphers are not supported")

    def aead_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        """An :class:`~psacrypto.drivers.software.symmetric.AeadKey` for ``alg``."""
        raise NotSupportedError(f"{self.name}: AEAD is not supported")

    def sign_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int, usage: int
    ) -> SignFunction:
        """The bound signature function for ``usage`` (one of the four sign/verify
        hash/message usages)."""
        raise NotSupportedError(f"{self.name}: signatures are not supported")

    def crypt_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int, decrypt: bool
    ) -> CryptFunction:
        """The bound asymmetric encryption (or decryption) function."""
        raise NotSupportedError(f"{self.name}: asymmetric encryption is not supported")

    def agreement_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int
    ) -> AgreementFunction:
        """The bound raw key agreement (``alg`` is the raw agreement algorithm)."""
        raise NotSupportedError(f"{self.name}: key agreement is not supported")

    # Life cycle ------------------------------------------------------------------------

    def forget(self, reference: bytes) -> None:  # noqa: B027 - optional hook
        """Drop any cached handle for ``reference`` (the key was destroyed)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the connection to the cryptoprocessor."""


class TransparentDriver(abc.ABC):
    """An accelerator over key material the core holds (location 0).

    ``supports`` tells whether it can run ``alg`` on a key of this type and size;
    the core's software driver (:class:`SoftwareDriver`) is the fallback of every
    transparent operation, so a transparent driver may support as little as it likes.
    """

    name = "transparent"

    @abc.abstractmethod
    def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        """Whether this accelerator runs ``alg`` on such a key."""

    def describe(self) -> dict[str, Any]:
        return {"driver": self.name, "kind": "transparent", "status": "ok"}


class SoftwareDriver(TransparentDriver):
    """The built-in software driver (pyca/cryptography, hashlib and psacrypto's own
    primitives): every algorithm psacrypto implements, at location 0."""

    name = "software"

    def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        from ..core import capabilities, compat
        from ..errors import PsaError

        if not capabilities.key_type_supported(key_type, bits):
            return False
        checker = compat.find(usage, alg)
        if checker is None:
            return False
        try:
            checker(key_type, bits, alg)
        except PsaError:
            return False
        return True

    def describe(self) -> dict[str, Any]:
        from ..core import capabilities

        return {
            "driver": self.name,
            "kind": "transparent",
            "status": "ok",
            "key_types": [list(kt) for kt in capabilities.supported_key_types()],
            "algorithms": capabilities.supported_algorithms(),
        }


def cached_capability(fn: Callable[..., bool]) -> Callable[..., bool]:
    """``functools.cache`` for a driver's ``supports``/``supports_key`` methods
    (their answers never change for a driver instance)."""
    return functools.cache(fn)


def unique(values: Iterable[int]) -> list[int]:
    return sorted(set(values))
