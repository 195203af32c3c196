"""MAC algorithms: ``mac_compute``/``mac_verify`` and the MAC operation.

Supported (see :func:`mac_parameters`, also the checker behind ``check_key_usage``):

* HMAC (``KEY_TYPE_HMAC`` keys of any size) over every hash of the spec's HMAC table
  that the hash family provides (MD5, RIPEMD-160, SHA-1, SHA-2 incl. SHA-512/224 and
  /256, SHA3, SM3, BLAKE2s-256, BLAKE2b-512, AES-MMO); MD2/MD4 are NOT_SUPPORTED and
  hashes outside the table (SHAKE, Ascon) too, as the spec recommends;
* CMAC and CBC-MAC with AES, ARIA, Camellia, SM4 and DES keys. CBC-MAC is ISO/IEC
  9797-1 MAC algorithm 1 with padding method 1 (zero bytes up to a positive number
  of blocks), so every message length is accepted;
* BLAKE2 MAC (``KEY_TYPE_BLAKE2``) for BLAKE2s and BLAKE2b; the MAC length is
  BLAKE2's own output-length parameter, so a "truncated" BLAKE2 MAC of n bytes is
  keyed BLAKE2 with digest length n (1 to the maximum). BLAKE2sp/bp: NOT_SUPPORTED.

Truncated MACs (``ALG_TRUNCATED_MAC``) may be 4 bytes up to the full length: longer
than the full MAC is INVALID_ARGUMENT, shorter than 4 bytes NOT_SUPPORTED (the
implementation-defined minimum). Wildcards (``ALG_AT_LEAST_THIS_LENGTH_MAC``) are
policies, not algorithms: INVALID_ARGUMENT as an operation's algorithm.

Error precedence on the first use of a (key, algorithm): the key id (INVALID_HANDLE),
then the usage flag and the policy (NOT_PERMITTED, via the core's ``_use_key``), then
compatibility (INVALID_ARGUMENT / NOT_SUPPORTED). ``check_key_usage`` tests
compatibility before the policy, so the two can name different errors only for a
request that is both forbidden and incompatible.

Verification compares in constant time (``hmac.compare_digest``); a MAC of the wrong
length simply does not match (INVALID_SIGNATURE).
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING

from .. import constants as c
from ..drivers.software import symmetric
from ..errors import InvalidArgumentError, InvalidSignatureError, NotSupportedError
from . import compat
from .cipher import check_block_key
from .hash import CONSTRUCTORS
from .operation import ACTIVE, Operation
from .session import Session
from .sizes import HASH_LENGTH

if TYPE_CHECKING:
    from .slots import KeySlot

#: Slot-cache tags (above the 32-bit algorithm value): the verify-usage one-shot
#: function, and the engines checked for each usage. The sign-usage one-shot
#: function is cached under the bare algorithm value.
VERIFY_TAG = 1 << 32
SIGN_ENGINE_TAG = 2 << 32
VERIFY_ENGINE_TAG = 3 << 32

#: Shortest truncated MAC psacrypto computes (the spec's implementation-defined minimum).
MIN_TRUNCATED_MAC_LENGTH = 4

_LENGTH_MASK = 0x003F0000
_WILDCARD = 0x00008000
_HMAC_BASE = 0x03800000
_BLAKE2_MAC_BASE = 0x03800300

#: The hashes of the spec's HMAC table (tab-hmac-hash).
HMAC_HASHES = frozenset(
    (
        c.ALG_AES_MMO_ZIGBEE,
        c.ALG_MD2,
        c.ALG_MD4,
        c.ALG_MD5,
        c.ALG_RIPEMD160,
        c.ALG_SHA_1,
        c.ALG_SHA_224,
        c.ALG_SHA_256,
        c.ALG_SHA_384,
        c.ALG_SHA_512,
        c.ALG_SHA_512_224,
        c.ALG_SHA_512_256,
        c.ALG_SHA3_224,
        c.ALG_SHA3_256,
        c.ALG_SHA3_384,
        c.ALG_SHA3_512,
        c.ALG_SM3,
        c.ALG_BLAKE2S_HASH256,
        c.ALG_BLAKE2B_HASH512,
    )
)

#: BLAKE2 hashes usable as a MAC: hash -> (longest key, full MAC length), in bytes.
_BLAKE2: dict[int, tuple[int, int]] = {
    c.ALG_BLAKE2S_HASH256: (32, 32),
    c.ALG_BLAKE2B_HASH512: (64, 64),
}
_BLAKE2_PARALLEL = frozenset((c.ALG_BLAKE2SP_HASH256, c.ALG_BLAKE2BP_HASH512))

# Kinds of MAC, as returned by mac_parameters.
HMAC = 1
CMAC = 2
CBC_MAC = 3
BLAKE2_MAC = 4


def is_mac(alg: int) -> bool:
    return (alg & 0x7F000000) == 0x03000000


def mac_parameters(key_type: int, bits: int, alg: int) -> tuple[int, int]:
    """``(kind, mac_length)`` of MAC ``alg`` with a key of ``key_type``/``bits``.

    Raises the spec's error when ``alg`` is not a MAC, does not fit the key, or is
    not supported. This is the compatibility check of every MAC entry point and of
    ``check_key_usage``.
    """
    if not is_mac(alg):
        raise InvalidArgumentError(f"0x{alg:08x} is not a MAC algorithm")
    if alg & _WILDCARD:
        raise InvalidArgumentError("a wildcard policy is not an algorithm")
    base = alg & ~(_LENGTH_MASK | _WILDCARD)
    requested = (alg & _LENGTH_MASK) >> 16
    kind = 0
    if (base & 0x7FC0FF00) == _HMAC_BASE:
        kind = HMAC
        hash_alg = 0x02000000 | (base & 0xFF)
        if base & 0xFF in (0, 0xFF):
            raise InvalidArgumentError("HMAC needs a specific hash algorithm")
        if key_type != c.KEY_TYPE_HMAC:
            raise InvalidArgumentError("HMAC needs a KEY_TYPE_HMAC key")
        if hash_alg not in HMAC_HASHES or hash_alg not in CONSTRUCTORS:
            raise NotSupportedError(f"HMAC over hash 0x{hash_alg:08x} is not supported")
        full = HASH_LENGTH[hash_alg]
    elif base == c.ALG_CMAC or base == c.ALG_CBC_MAC:
        kind = CMAC if base == c.ALG_CMAC else CBC_MAC
        check_block_key(key_type, bits, "CMAC" if kind == CMAC else "CBC-MAC")
        full = symmetric.BLOCK_SIZE[key_type]
    elif (base & 0x7FC0FF00) == _BLAKE2_MAC_BASE:
        kind = BLAKE2_MAC
        hash_alg = 0x02000000 | (base & 0xFF)
        if key_type != c.KEY_TYPE_BLAKE2:
            raise InvalidArgumentError("the BLAKE2 MAC needs a KEY_TYPE_BLAKE2 key")
        if hash_alg in _BLAKE2_PARALLEL:
            raise NotSupportedError("BLAKE2sp/BLAKE2bp MACs are not supported")
        limits = _BLAKE2.get(hash_alg)
        if limits is None:
            raise InvalidArgumentError("the BLAKE2 MAC needs a BLAKE2 hash")
        if bits > 8 * limits[0]:
            raise InvalidArgumentError(f"a {bits}-bit key is too long for this BLAKE2 MAC")
        full = limits[1]
    else:
        raise NotSupportedError(f"MAC algorithm 0x{alg:08x} is not supported")
    if requested == 0:
        return kind, full
    if requested > full:
        raise InvalidArgumentError(f"a {requested}-byte MAC is longer than the full MAC")
    if requested < MIN_TRUNCATED_MAC_LENGTH and kind != BLAKE2_MAC:
        raise NotSupportedError(f"MACs shorter than {MIN_TRUNCATED_MAC_LENGTH} bytes")
    return kind, requested


def _check(key_type: int, bits: int, alg: int) -> None:
    mac_parameters(key_type, bits, alg)


compat.register(c.KEY_USAGE_SIGN_MESSAGE | c.KEY_USAGE_VERIFY_MESSAGE, is_mac, _check)


def _build(slot: KeySlot, alg: int) -> symmetric.MacKey:
    kind, length = mac_parameters(slot.type, slot.bits, alg)
    if kind == HMAC:
        hash_alg = 0x02000000 | (alg & 0xFF)
        return symmetric.hmac_key(hash_alg, slot.material, length, CONSTRUCTORS.get(hash_alg))
    if kind == CMAC:
        return symmetric.cmac_key(slot.type, slot.material, length)
    if kind == CBC_MAC:
        return symmetric.cbc_mac_key(slot.type, slot.material, length)
    hash_alg = 0x02000000 | (alg & 0xFF)
    return symmetric.blake2_mac_key(CONSTRUCTORS[hash_alg], slot.material, length)


def _engine(session: Session, key: int, alg: int, usage: int) -> tuple[KeySlot, symmetric.MacKey]:
    """The key's slot and its mac engine for ``alg``, after the policy (for
    ``usage``) and compatibility checks; built once per slot and algorithm."""
    tag = SIGN_ENGINE_TAG if usage == c.KEY_USAGE_SIGN_MESSAGE else VERIFY_ENGINE_TAG
    return session._engine(  # type: ignore[no-any-return]
        key, usage, alg, tag, "mac", mac_parameters, _build
    )


def _prepare(session: Session, key: int, alg: int, usage: int) -> symmetric.Update:
    """First use of (key, alg) for a single-part call: check, build, cache."""
    slot, engine = _engine(session, key, alg, usage)
    slot.cache[alg if usage == c.KEY_USAGE_SIGN_MESSAGE else alg | VERIFY_TAG] = engine.compute
    return engine.compute


class MacOperation(Operation):
    """``psa_mac_operation_t``: a multi-part MAC computation or verification."""

    __slots__ = ("_finish", "_slot", "_update", "_verifying")

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._slot: KeySlot | None = None
        self._update: symmetric.MacUpdate | None = None
        self._finish: symmetric.Finish | None = None
        self._verifying = False

    def sign_setup(self, key: int, alg: int) -> None:
        """``psa_mac_sign_setup``."""
        self._setup(key, alg, c.KEY_USAGE_SIGN_MESSAGE)

    def verify_setup(self, key: int, alg: int) -> None:
        """``psa_mac_verify_setup``."""
        self._setup(key, alg, c.KEY_USAGE_VERIFY_MESSAGE)

    def _setup(self, key: int, alg: int, usage: int) -> None:
        self._start()
        slot, engine = _engine(self._session, key, alg, usage)
        self._update, self._finish = engine.new()
        self._slot = slot
        self._verifying = usage == c.KEY_USAGE_VERIFY_MESSAGE
        self._state = ACTIVE

    def _check(self) -> None:
        if self._state != ACTIVE:
            raise self._bad_state()
        if self._slot is not None and self._slot.destroyed:
            raise self._bad_state("the key was destroyed during the operation")

    def update(self, input: bytes) -> None:
        """``psa_mac_update``."""
        self._check()
        assert self._update is not None
        self._update(input)

    def sign_finish(self) -> bytes:
        """``psa_mac_sign_finish``: the MAC; the operation becomes inactive."""
        self._check()
        if self._verifying:
            raise self._bad_state("sign_finish needs a sign operation")
        assert self._finish is not None
        mac = self._finish()
        self._done()
        return mac

    def verify_finish(self, mac: bytes) -> None:
        """``psa_mac_verify_finish``: compare with ``mac`` in constant time."""
        self._check()
        if not self._verifying:
            raise self._bad_state("verify_finish needs a verify operation")
        assert self._finish is not None
        if not hmac.compare_digest(self._finish(), mac):
            self._error()
            raise InvalidSignatureError("the MAC does not match")
        self._done()

    def _release(self) -> None:
        self._slot = None
        self._update = None
        self._finish = None
        self._verifying = False


_MacOp = MacOperation


class MacFunctions(Session):
    """The MAC family of the API."""

    def mac_compute(self, key: int, alg: int, input: bytes) -> bytes:
        """``psa_mac_compute``."""
        slot = self._keys.get(key)
        if slot is None or slot.persistent or (compute := slot.cache.get(alg)) is None:
            compute = _prepare(self, key, alg, c.KEY_USAGE_SIGN_MESSAGE)
        return compute(input)  # type: ignore[no-any-return]

    def mac_verify(self, key: int, alg: int, input: bytes, mac: bytes) -> None:
        """``psa_mac_verify``: constant-time comparison with the expected ``mac``."""
        slot = self._keys.get(key)
        if slot is None or slot.persistent or (compute := slot.cache.get(alg | VERIFY_TAG)) is None:
            compute = _prepare(self, key, alg, c.KEY_USAGE_VERIFY_MESSAGE)
        if not hmac.compare_digest(compute(input), mac):
            raise InvalidSignatureError("the MAC does not match")

    def MacOperation(self) -> _MacOp:
        """A new, inactive MAC operation bound to this context."""
        return _MacOp(self)

    def mac_sign_setup(self, operation: _MacOp, key: int, alg: int) -> None:
        operation.sign_setup(key, alg)

    def mac_verify_setup(self, operation: _MacOp, key: int, alg: int) -> None:
        operation.verify_setup(key, alg)

    def mac_update(self, operation: _MacOp, input: bytes) -> None:
        operation.update(input)

    def mac_sign_finish(self, operation: _MacOp) -> bytes:
        return operation.sign_finish()

    def mac_verify_finish(self, operation: _MacOp, mac: bytes) -> None:
        operation.verify_finish(mac)

    def mac_abort(self, operation: _MacOp) -> None:
        operation.abort()
