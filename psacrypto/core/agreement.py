"""Standalone key agreement: the raw shared secret, or straight into a new key."""

from __future__ import annotations

from .. import constants as c
from .. import macros as m
from ..attributes import KeyAttributes
from ..errors import InvalidArgumentError
from . import compat
from .asymmetric import check_agreement, driver, key_object
from .session import Session
from .slots import KeySlot

#: Key types a key agreement may output into (psa_key_agreement).
AGREEMENT_OUTPUT_TYPES = frozenset(
    (c.KEY_TYPE_DERIVE, c.KEY_TYPE_RAW_DATA, c.KEY_TYPE_HMAC, c.KEY_TYPE_PASSWORD)
)

# Standalone agreements only: a combined agreement + KDF is checked by the key
# derivation family, which knows the KDF's input steps.
compat.register(c.KEY_USAGE_DERIVE, m.ALG_IS_STANDALONE_KEY_AGREEMENT, check_agreement)


def _derive_public_ok(key_type: int, bits: int, alg: int) -> None:
    """DERIVE_PUBLIC role: the key's type must fit the agreement (policy is not
    consulted: the public part can always be exported)."""
    check_agreement(key_type | 0x3000 if key_type & 0x7000 == 0x4000 else key_type, bits, alg)


compat.register(c.KEY_USAGE_DERIVE_PUBLIC, m.ALG_IS_KEY_AGREEMENT, _derive_public_ok)


def shared_secret(slot: KeySlot, alg: int, peer_key: bytes) -> bytes:
    """The raw agreement of an already-checked key pair with ``peer_key``: in the
    software driver, or in the opaque driver holding the key (also used by the
    key-derivation family's agreement input step)."""
    if slot.location != c.KEY_LOCATION_LOCAL_STORAGE:
        from . import locations

        agree = slot.cache.get(("agreement", alg))
        if agree is None:
            agree = slot.cache[("agreement", alg)] = locations.bind(
                slot, "key_agreement", c.KEY_USAGE_DERIVE, alg
            )
        return agree(bytes(peer_key))  # type: ignore[no-any-return]
    return driver.raw_key_agreement(key_object(slot), slot.type, slot.bits, alg, peer_key)


class KeyAgreement(Session):
    """``psa_raw_key_agreement`` and ``psa_key_agreement``."""

    def _agreement_key(self, private_key: int, alg: int) -> KeySlot:
        if not m.ALG_IS_KEY_AGREEMENT(alg):
            raise InvalidArgumentError(f"0x{alg:08x} is not a key-agreement algorithm")
        slot = self._use_key(private_key, c.KEY_USAGE_DERIVE, alg)
        check_agreement(slot.type, slot.bits, alg)
        return slot

    def shared_secret(self, slot: KeySlot, alg: int, peer_key: bytes) -> bytes:
        """The raw agreement with an already-checked key."""
        return shared_secret(slot, alg, peer_key)

    def raw_key_agreement(self, alg: int, private_key: int, peer_key: bytes) -> bytes:
        """``psa_raw_key_agreement``: the shared secret as bytes."""
        if not m.ALG_IS_STANDALONE_KEY_AGREEMENT(alg):
            raise InvalidArgumentError(f"0x{alg:08x} is not a standalone key agreement")
        slot = self._agreement_key(private_key, alg)
        return self.shared_secret(slot, alg, peer_key)

    def key_agreement(
        self, private_key: int, peer_key: bytes, alg: int, attributes: KeyAttributes
    ) -> int:
        """``psa_key_agreement``: the shared secret, as a new key of ``attributes``."""
        if not m.ALG_IS_STANDALONE_KEY_AGREEMENT(alg):
            raise InvalidArgumentError(f"0x{alg:08x} is not a standalone key agreement")
        slot = self._agreement_key(private_key, alg)
        if attributes.type not in AGREEMENT_OUTPUT_TYPES:
            raise InvalidArgumentError("a key agreement outputs DERIVE, RAW_DATA, HMAC or PASSWORD")
        self._validate_new_attributes(attributes)
        secret = self.shared_secret(slot, alg, peer_key)
        bits = len(secret) * 8
        if attributes.bits not in (0, bits):
            raise InvalidArgumentError(f"the shared secret has {bits} bits")
        return self._create_key(attributes, secret, bits)
