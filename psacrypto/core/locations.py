"""Key locations: which cryptoprocessor holds a key, and dispatch to its driver.

A key's lifetime carries its location (bits 8-31). Location 0 is local storage
with the software driver (and any transparent accelerators); every other
location is served by an :class:`~psacrypto.drivers.base.OpaqueDriver` registered
here. The core keeps, for a key in an opaque location, only the reference the
driver returned: in the key store (in place of material) and in an
:class:`OpaqueKeySlot`, whose ``material`` cannot be read at all. So a software
code path that is handed such a key fails with ``NotSupportedError`` instead of
computing on the reference: no silent fallback is possible by construction.

Each family binds a key once per algorithm; for an opaque key it calls
:func:`bind`, which returns the same kind of engine or function the software
path builds, made by the key's driver.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .. import constants as c
from .. import macros as m
from ..attributes import KeyAttributes
from ..drivers import base
from ..drivers.base import OpaqueDriver, SoftwareDriver, TransparentDriver
from ..errors import (
    CommunicationFailureError,
    HardwareFailureError,
    InvalidArgumentError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)
from . import keytypes, policy
from .slots import KeySlot

if TYPE_CHECKING:
    from .session import Core, Session

LOCAL = c.KEY_LOCATION_LOCAL_STORAGE


class OpaqueKeySlot(KeySlot):
    """A loaded key held by an opaque driver: ``reference`` instead of material.

    Reading ``material`` raises ``NotSupportedError``: an opaque key's material is
    not in the core, so no software path can ever run on it.
    """

    __slots__ = ("driver", "reference")

    def __init__(
        self, attributes: KeyAttributes, reference: bytes, driver: OpaqueDriver | None
    ) -> None:
        self.reference = reference
        super().__init__(attributes, reference)
        self.driver = driver

    @property  # type: ignore[override]
    def material(self) -> bytes:
        raise NotSupportedError(
            f"the key is held by the cryptoprocessor at location 0x{self.location:06x}; "
            "this operation is not available there"
        )

    @material.setter
    def material(self, value: bytes) -> None:
        self.reference = value


class LocationRegistry:
    """The cryptoprocessors of one core, by location value.

    Calling the registry returns :meth:`describe` (what the service's capability
    call publishes).
    """

    def __init__(self) -> None:
        self._drivers: dict[int, OpaqueDriver] = {}
        self._lock = threading.Lock()
        #: accelerators for location 0; the software driver is always last
        self.transparent: list[TransparentDriver] = [SoftwareDriver()]
        #: every location a key can be created in (0 and each registered driver)
        self.available: frozenset[int] = frozenset((LOCAL,))

    # Configuration ---------------------------------------------------------------------

    def register(self, location: int, driver: OpaqueDriver) -> None:
        """Serve ``location`` with ``driver`` (replacing and closing a previous one)."""
        if not 0 < location <= 0xFFFFFF:
            raise InvalidArgumentError(f"invalid location 0x{location:x} for an opaque driver")
        with self._lock:
            old = self._drivers.get(location)
            driver.location = location
            self._drivers[location] = driver
            self.available = frozenset((LOCAL, *self._drivers))
        if old is not None and old is not driver:
            old.close()

    def add_transparent(self, driver: TransparentDriver) -> None:
        """Add an accelerator for location 0 (tried before the software driver)."""
        self.transparent.insert(len(self.transparent) - 1, driver)

    def configure(self, table: Mapping[Any, Any]) -> None:
        """Register drivers from a configuration table: ``{location: spec}`` where
        ``spec`` is an :class:`OpaqueDriver` or a dict such as
        ``{"driver": "pkcs11", "library": ..., "token_label": ..., "pin_env": ...}``
        or ``{"driver": "remote", "url": ...}`` (docs/configuration.md)."""
        for key, spec in table.items():
            location = int(key, 0) if isinstance(key, str) else int(key)
            driver = spec if isinstance(spec, OpaqueDriver) else create_driver(spec)
            self.register(location, driver)

    def driver(self, location: int) -> OpaqueDriver:
        found = self._drivers.get(location)
        if found is None:
            raise CommunicationFailureError(
                f"no cryptoprocessor is configured at location 0x{location:06x}"
            )
        return found

    def drivers(self) -> dict[int, OpaqueDriver]:
        return dict(self._drivers)

    def close(self) -> None:
        with self._lock:
            drivers, self._drivers = list(self._drivers.values()), {}
            self.available = frozenset((LOCAL,))
        for driver in drivers:
            with contextlib.suppress(Exception):  # closing is best effort
                driver.close()

    # Slots ------------------------------------------------------------------------------

    def make_slot(self, attributes: KeyAttributes, material: bytes) -> KeySlot:
        """The slot for a key: a plain :class:`KeySlot` at location 0, an
        :class:`OpaqueKeySlot` bound to its driver elsewhere."""
        location = attributes.lifetime >> 8
        if not location:
            return KeySlot(attributes, material)
        return OpaqueKeySlot(attributes, material, self._drivers.get(location))

    # Description -------------------------------------------------------------------------

    def describe(self) -> list[dict[str, Any]]:
        rows: list[dict[str, Any]] = []
        local: dict[str, Any] = {"location": LOCAL, "name": "local storage"}
        local.update(self.transparent[-1].describe())
        local["accelerators"] = [t.describe() for t in self.transparent[:-1]]
        rows.append(local)
        for location, driver in sorted(self._drivers.items()):
            row: dict[str, Any] = {"location": location, "name": _location_name(location)}
            try:
                row.update(driver.describe())
            except PsaError as e:
                row.update({"driver": driver.name, "kind": "opaque", "status": f"error: {e}"})
            rows.append(row)
        return rows

    def __call__(self) -> list[dict[str, Any]]:
        return self.describe()


def _location_name(location: int) -> str:
    if location == c.KEY_LOCATION_PRIMARY_SECURE_ELEMENT:
        return "primary secure element"
    if location & 0x800000:
        return f"vendor location 0x{location:06x}"
    return f"location 0x{location:06x}"


def describe_locations(core: Core) -> list[dict[str, Any]]:
    """Every cryptoprocessor of ``core``: location, driver, kind (transparent or
    opaque), status, and the key types and algorithms it supports (for
    ``psacrypto info``)."""
    return core.locations.describe()


# Driver factory -----------------------------------------------------------------------


def _secret(spec: Mapping[str, Any], name: str) -> str | None:
    """A secret from ``<name>``, ``<name>_env`` (environment variable) or
    ``<name>_file`` (first line of a file)."""
    if spec.get(name) is not None:
        return str(spec[name])
    env = spec.get(f"{name}_env")
    if env:
        value = os.environ.get(str(env))
        if value is None:
            raise InvalidArgumentError(f"environment variable {env} (the {name}) is not set")
        return value
    path = spec.get(f"{name}_file")
    if path:
        with open(str(path)) as f:
            return f.readline().rstrip("\r\n")
    return None


def create_driver(spec: Mapping[str, Any]) -> OpaqueDriver:
    """An opaque driver from its configuration (docs/configuration.md, "Locations")."""
    kind = str(spec.get("driver", ""))
    if kind == "pkcs11":
        from ..drivers.pkcs11 import Pkcs11Driver

        return Pkcs11Driver(
            library=str(spec["library"]),
            token_label=spec.get("token_label"),
            slot=spec.get("slot"),
            pin=_secret(spec, "pin"),
            sensitive=bool(spec.get("sensitive", True)),
        )
    if kind == "remote":
        from ..drivers.remote import RemoteDriver

        options: dict[str, Any] = {}
        for key in ("certfile", "keyfile", "cafile", "server_hostname", "timeout"):
            if spec.get(key) is not None:
                options[key] = spec[key]
        token = _secret(spec, "token")
        if token is not None:
            options["token"] = token
        return RemoteDriver(
            str(spec["url"]),
            remote_location=int(spec.get("remote_location", 0)),
            **options,
        )
    raise InvalidArgumentError(f"unknown driver {kind!r} (expected 'pkcs11' or 'remote')")


# Dispatch -----------------------------------------------------------------------------


def _driver_of(slot: KeySlot) -> OpaqueDriver:
    if not isinstance(slot, OpaqueKeySlot):
        raise NotSupportedError("not an opaque key")
    if slot.driver is None:
        raise CommunicationFailureError(
            f"no cryptoprocessor is configured at location 0x{slot.location:06x}"
        )
    return slot.driver


def bind(slot: KeySlot, family: str, usage: int, alg: int) -> Any:
    """The engine (or function) running ``alg`` on the opaque key ``slot`` for
    ``usage``, made by the key's driver: the same kind of object the family's
    software path builds. ``NotSupportedError`` if the location cannot do it.

    ``usage`` may be 0 where the engine serves both directions (MAC, cipher, AEAD).
    """
    driver = _driver_of(slot)
    a = slot.attributes
    usages = (usage,) if usage else base.FAMILY_USAGES.get(family, (0,))
    if not any(driver.supports(family, a.type, a.bits, alg, u) for u in usages):
        raise NotSupportedError(
            f"the cryptoprocessor at location 0x{slot.location:06x} ({driver.name}) "
            f"cannot run algorithm 0x{alg:08x} on this key"
        )
    ref = _reference(slot)
    if family == base.MAC:
        return driver.mac_key(a, ref, alg)
    if family == base.CIPHER:
        return driver.cipher_key(a, ref, alg)
    if family == base.AEAD:
        return driver.aead_key(a, ref, alg)
    if family == base.SIGN:
        return driver.sign_function(a, ref, alg, usage)
    if family == base.ASYMMETRIC_ENCRYPTION:
        return driver.crypt_function(a, ref, alg, usage == c.KEY_USAGE_DECRYPT)
    if family == base.KEY_AGREEMENT:
        return driver.agreement_function(a, ref, m.ALG_KEY_AGREEMENT_GET_BASE(alg))
    raise NotSupportedError(f"{family} is not supported by opaque drivers")


def check_supported(slot: KeySlot, usage: int, alg: int) -> None:
    """``NotSupportedError`` unless the key's location can run ``alg`` for ``usage``
    (``check_key_usage`` on an opaque key)."""
    driver = _driver_of(slot)
    family = base.family_of(alg)
    if family not in base.FAMILY_USAGES or not driver.supports(
        family, slot.type, slot.bits, alg, usage
    ):
        raise NotSupportedError(
            f"the cryptoprocessor at location 0x{slot.location:06x} ({driver.name}) "
            f"cannot run algorithm 0x{alg:08x} on this key"
        )


def _reference(slot: OpaqueKeySlot | KeySlot) -> bytes:
    assert isinstance(slot, OpaqueKeySlot)
    if slot.destroyed:
        raise NotSupportedError("the key was destroyed")
    return slot.reference


def shared_secret(slot: KeySlot, alg: int, peer_key: bytes) -> bytes:
    """The raw agreement of the opaque key ``slot`` with ``peer_key`` (for key
    derivation's key-agreement input, the secret goes to the derivation)."""
    fn = slot.cache.get(("opaque-agreement", alg))
    if fn is None:
        fn = slot.cache[("opaque-agreement", alg)] = bind(
            slot, base.KEY_AGREEMENT, c.KEY_USAGE_DERIVE, alg
        )
    return fn(bytes(peer_key))  # type: ignore[no-any-return]


# Key management on opaque keys (called from core/keys.py and core/session.py) ---------


def _prepared(attributes: KeyAttributes, bits: int) -> KeyAttributes:
    final = attributes.copy()
    final.bits = bits
    final.usage_flags = policy.effective_usage(attributes.usage_flags)
    return final


def _register(
    session: Session, attributes: KeyAttributes, bits: int, make: Callable[[], bytes]
) -> int:
    """Create the key in its driver with ``make`` and register the reference; the
    driver's key is destroyed again if registration fails."""
    driver = session.core.locations.driver(attributes.lifetime >> 8)
    if not driver.supports_key(attributes.type, bits):
        raise NotSupportedError(
            f"the cryptoprocessor at location 0x{attributes.lifetime >> 8:06x} ({driver.name}) "
            f"cannot hold a {bits}-bit key of type 0x{attributes.type:04x}"
        )
    reference = make()
    try:
        return session._register_key(attributes, reference, bits)
    except BaseException:
        with contextlib.suppress(PsaError):
            driver.destroy_key(_prepared(attributes, bits), reference)
        raise


def import_key(session: Session, attributes: KeyAttributes, material: bytes, bits: int) -> int:
    """``import_key`` into an opaque location (``material`` validated by the core)."""
    driver = session.core.locations.driver(attributes.lifetime >> 8)
    return _register(
        session,
        attributes,
        bits,
        lambda: driver.import_key(_prepared(attributes, bits), material),
    )


def generate_key(session: Session, attributes: KeyAttributes, custom_flags: int) -> int:
    """``generate_key`` in an opaque location."""
    if custom_flags:
        raise NotSupportedError("custom key production parameters in an opaque location")
    if keytypes.is_public_key(attributes.type):
        raise InvalidArgumentError("a public key cannot be generated; generate the key pair")
    bits = attributes.bits
    # the spec's size rules first (INVALID_ARGUMENT), then the location's (NOT_SUPPORTED)
    if keytypes.is_unstructured(attributes.type):
        keytypes.check_size(attributes.type, bits)
    elif keytypes.is_asymmetric(attributes.type):
        keytypes.asymmetric_supported(attributes.type, bits)
    driver = session.core.locations.driver(attributes.lifetime >> 8)
    return _register(
        session, attributes, bits, lambda: driver.generate_key(_prepared(attributes, bits))
    )


def export_key(slot: KeySlot) -> bytes:
    """``export_key`` of an opaque key (the core has checked the PSA policy)."""
    driver = _driver_of(slot)
    if keytypes.is_public_key(slot.type):
        return driver.export_public_key(slot.attributes, _reference(slot))
    return driver.export_key(slot.attributes, _reference(slot))


def export_public_key(slot: KeySlot) -> bytes:
    public = slot.cache.get("public")
    if public is None:
        public = slot.cache["public"] = _driver_of(slot).export_public_key(
            slot.attributes, _reference(slot)
        )
    return bytes(public)


def copy_key(session: Session, slot: KeySlot, new: KeyAttributes) -> int:
    """``copy_key`` where the source or the target is an opaque location; the core
    has checked ``KEY_USAGE_COPY``, the attributes, and ``KEY_USAGE_EXPORT`` when
    the key leaves its location. ``new`` has the intersected policy."""
    target = new.lifetime >> 8
    if slot.location == target:
        driver = _driver_of(slot)
        prepared = _prepared(new, slot.bits)
        return _register(
            session,
            new,
            slot.bits,
            lambda: driver.copy_key(slot.attributes, _reference(slot), prepared),
        )
    if slot.location:
        if not slot.usage & c.KEY_USAGE_EXPORT:
            raise NotPermittedError("copying out of this location needs KEY_USAGE_EXPORT")
        material = export_key(slot)
    else:
        material = slot.material
    return session._create_key(new, material, slot.bits)


def attach_key(session: Session, attributes: KeyAttributes, label: bytes) -> int:
    """``attach_key`` in an opaque location: the driver finds the key by label."""
    location = attributes.lifetime >> 8
    driver = session.core.locations.driver(location)
    final, reference = driver.attach_key(session.owner, attributes.copy(), bytes(label))
    if final.lifetime >> 8 != location:
        raise InvalidArgumentError("the driver changed the key's location")
    try:
        return session._register_key(final, reference, final.bits)
    except BaseException:
        driver.forget(reference)
        raise


def destroy(slot: KeySlot) -> None:
    """Erase an opaque key in its cryptoprocessor (or detach an attached key)."""
    driver = _driver_of(slot)
    reference = _reference(slot)
    driver.destroy_key(slot.attributes, reference)
    driver.forget(reference)


def destroy_before_removal(slot: KeySlot) -> PsaError | None:
    """:func:`destroy` for ``destroy_key``: a persistent key's failure is raised (the key
    stays registered, so the call can be retried); a volatile key's failure is returned
    to be raised once the key is forgotten (its material, if still in the
    cryptoprocessor, ends with the driver's session or connection)."""
    try:
        destroy(slot)
    except (CommunicationFailureError, HardwareFailureError) as e:
        if slot.persistent:
            raise
        return e
    return None


def discard(slot: KeySlot) -> None:
    """Best-effort :func:`destroy` (administrative deletion of a client's keys)."""
    with contextlib.suppress(PsaError):
        destroy(slot)


def destroy_record(core: Core, attributes: KeyAttributes, reference: bytes) -> None:
    """Best-effort erasure of an opaque key known only by its record (administrative
    deletion of a client's keys)."""
    with contextlib.suppress(PsaError):
        driver = core.locations.driver(attributes.lifetime >> 8)
        driver.destroy_key(attributes, reference)
        driver.forget(reference)
