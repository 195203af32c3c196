"""Key management: import, generate, copy, export, destroy, purge, query."""

from __future__ import annotations

from .. import constants as c
from ..attributes import CustomKeyParameters, KeyAttributes
from ..errors import (
    DoesNotExistError,
    InvalidArgumentError,
    NotPermittedError,
)
from . import compat, keytypes, locations, policy
from .session import Session

_EMPTY_CUSTOM = CustomKeyParameters()


class KeyManagement(Session):
    """The key-management half of the API."""

    def import_key(self, attributes: KeyAttributes, data: bytes) -> int:
        """``psa_import_key``: create a key from ``data`` in the spec's format."""
        bits, material = keytypes.import_material(attributes.type, attributes.bits, data)
        self._validate_new_attributes(attributes)
        return self._create_key(attributes, material, bits)

    def generate_key(self, attributes: KeyAttributes) -> int:
        """``psa_generate_key``: create a random key of the requested type and size."""
        return self.generate_key_custom(attributes, _EMPTY_CUSTOM, b"")

    def generate_key_custom(
        self, attributes: KeyAttributes, custom: CustomKeyParameters, custom_data: bytes
    ) -> int:
        """``psa_generate_key_custom``: generation with production parameters."""
        self._validate_new_attributes(attributes)
        if attributes.bits == 0:
            raise InvalidArgumentError("the key size must be set to generate a key")
        if attributes.lifetime >> 8:
            return locations.generate_key(self, attributes, custom.flags | len(custom_data))
        material = keytypes.generate_material(
            attributes.type, attributes.bits, custom.flags, bytes(custom_data)
        )
        return self._create_key(attributes, material, attributes.bits)

    def export_key(self, key: int) -> bytes:
        """``psa_export_key``: the key in the spec's export format."""
        slot = self._get_slot(key)
        if not slot.usage & c.KEY_USAGE_EXPORT and not keytypes.is_public_key(slot.type):
            raise NotPermittedError("the key does not have KEY_USAGE_EXPORT")
        if slot.location:
            return locations.export_key(slot)
        return bytes(slot.material)

    def export_public_key(self, key: int) -> bytes:
        """``psa_export_public_key``: the public part of an asymmetric key."""
        slot = self._get_slot(key)
        if not keytypes.is_asymmetric(slot.type):
            raise InvalidArgumentError("the key is not an asymmetric key")
        if slot.location:
            return locations.export_public_key(slot)
        public = slot.cache.get("public")
        if public is None:
            public = keytypes.export_public(slot.type, slot.bits, slot.material)
            slot.cache["public"] = public
        return bytes(public)

    def copy_key(self, source_key: int, attributes: KeyAttributes) -> int:
        """``psa_copy_key``: a copy with a new lifetime and the intersected policy."""
        slot = self._get_slot(source_key)
        if not slot.usage & c.KEY_USAGE_COPY:
            raise NotPermittedError("the source key does not have KEY_USAGE_COPY")
        if attributes.type not in (c.KEY_TYPE_NONE, slot.type):
            raise InvalidArgumentError("the requested key type differs from the source key")
        if attributes.bits not in (0, slot.bits):
            raise InvalidArgumentError("the requested key size differs from the source key")
        self._validate_new_attributes(attributes)
        target_location = attributes.lifetime >> 8
        if target_location != slot.location and not slot.usage & c.KEY_USAGE_EXPORT:
            raise NotPermittedError("copying out of this location needs KEY_USAGE_EXPORT")
        new = attributes.copy()
        new.type = slot.type
        new.usage_flags = policy.effective_usage(attributes.usage_flags) & slot.usage
        new.algorithm = policy.intersect_algorithms(slot.alg, attributes.algorithm, slot.type)
        if slot.location or target_location:
            return locations.copy_key(self, slot, new)
        return self._create_key(new, slot.material, slot.bits)

    def destroy_key(self, key: int) -> None:
        """``psa_destroy_key``: erase the key (``KEY_ID_NULL`` is a no-op)."""
        if key == c.KEY_ID_NULL:
            return
        self._remove_key(key)

    def purge_key(self, key: int) -> None:
        """``psa_purge_key``: drop cached copies of a persistent key's material."""
        slot = self._get_slot(key)
        if slot.persistent:
            with self._core.lock:
                self._keys.pop(key, None)

    def get_key_attributes(self, key: int) -> KeyAttributes:
        """``psa_get_key_attributes``: a copy of the key's attributes."""
        return self._get_slot(key).attributes.copy()

    def check_key_usage(self, key: int, alg: int, usage: int) -> None:
        """``psa_check_key_usage``: would ``key`` work for ``alg`` in role ``usage``?"""
        if usage == 0 or usage & (usage - 1):
            raise InvalidArgumentError("usage must be a single usage flag")
        if usage & policy.KEY_MANAGEMENT_FLAGS:
            if alg != c.ALG_NONE:
                raise InvalidArgumentError("key-management usage takes ALG_NONE")
            slot = self._get_slot(key)
            if not slot.usage & usage:
                raise NotPermittedError("the key does not have this usage flag")
            return
        if usage & ~(policy.VALID_USAGE_FLAGS | c.KEY_USAGE_DERIVE_PUBLIC):
            raise InvalidArgumentError("unknown usage flag")
        if alg == c.ALG_NONE or policy.is_wildcard(alg):
            raise InvalidArgumentError("check_key_usage needs a specific algorithm")
        checker = compat.find(usage, alg)
        if checker is None:
            raise InvalidArgumentError("this usage is not a role of this algorithm")
        slot = self._get_slot(key)
        checker(slot.type, slot.bits, alg)
        if usage == c.KEY_USAGE_DERIVE_PUBLIC:
            return
        if slot.location:
            locations.check_supported(slot, usage, alg)
        if not slot.usage & usage:
            raise NotPermittedError("the key's usage flags do not permit this usage")
        if not policy.permits(slot.alg, alg, usage, slot.type):
            raise NotPermittedError("the key's policy does not permit this algorithm")

    def attach_key(self, attributes: KeyAttributes, label: bytes) -> int:
        """``psa_attach_key``: register implementation-provided key material.

        Label scheme: see docs/architectures.md. A location provides attachable keys
        through an attach provider; location 0 (local software) has none unless a
        provider (e.g. the HUK-only mode) is configured.
        """
        if (attributes.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE:
            raise InvalidArgumentError("attach_key creates volatile keys only")
        location = attributes.lifetime >> 8
        if location not in self._locations():
            raise InvalidArgumentError(f"no cryptoprocessor at location 0x{location:06x}")
        if location:
            return locations.attach_key(self, attributes, label)
        provider = getattr(self._core, "attach_provider", None)
        if provider is None:
            raise DoesNotExistError("no implementation-provided key has this label")
        final, material = provider(self._owner, attributes, bytes(label))
        return self._create_key(final, material, final.bits)
