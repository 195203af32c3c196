"""Key derivation: the key-derivation operation, its flat functions, and its policy.

The algorithms are in :mod:`psacrypto.drivers.software.kdf`; this module enforces
what the spec asks of the operation:

* **Steps.** Each algorithm has a table of input steps (:data:`_Rule`): whether
  the step is required, whether it may be repeated, where it stands in the order,
  and how it may be given (bytes, a key of which types, an integer, a key
  agreement). A step the algorithm does not have, or given in a way it does not
  accept, is ``InvalidArgumentError``; a step out of order, repeated, after a
  skipped required step or after output started is ``BadStateError``; output
  before every required step is ``BadStateError``.
* **Capacity.** Each algorithm has its maximum (HKDF ``255*h``, HKDF-Extract ``h``,
  PBKDF2 ``(2^32-1)*h``, SP 800-108 ``2^29-1``, EC J-PAKE-to-PMS 32, TLS 1.2
  unlimited); ``set_capacity`` may only lower it (``KEY_DERIVATION_UNLIMITED_CAPACITY``
  keeps the current value); SP 800-108 freezes it at the first output, which fixes
  ``L``. Reading more than the capacity is ``InsufficientDataError`` and empties it.
* **Policy.** A key input needs ``KEY_USAGE_DERIVE`` or
  ``KEY_USAGE_VERIFY_DERIVATION`` and must permit the operation's algorithm.
  ``output_bytes`` needs every key input to have ``DERIVE``; ``output_key`` needs
  that too, and the ``SECRET``/``PASSWORD`` step to come from a key or a key
  agreement (not bytes). ``verify_bytes``/``verify_key`` are permitted with any
  inputs the operation accepted (each key had one of the two flags).

Errors put an active operation in the error state, except
``InsufficientDataError`` and a refused ``set_capacity`` (the spec keeps the
operation usable in both cases). A failed ``setup`` leaves the object as it was.

Implementation choices where the spec leaves room:

* A zero-length output always succeeds, even at capacity 0.
* HMAC-based algorithms take every hash of the spec's HMAC table that is
  implemented (not only SHA-256/SHA-384 for the TLS 1.2 PRF); other hashes are
  ``NotSupportedError``. HKDF-Expand needs a PRK of at least the hash length
  (RFC 5869); the TLS 1.2 PSK is at most ``TLS12_PSK_TO_MS_PSK_MAX_SIZE`` bytes;
  PBKDF2 takes iteration counts up to ``2^31 - 1`` (``NotSupportedError`` above).
* With a key agreement + KDF algorithm, every input key must permit that combined
  algorithm (the spec's matching rule; only a standalone key agreement policy
  extends to combinations).
* The EC J-PAKE-to-PMS output is read in one 32-byte piece; a shorter read is
  ``InvalidArgumentError``.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, replace
from typing import Any

from .. import constants as c
from ..attributes import CustomKeyParameters, KeyAttributes
from ..drivers.software import kdf
from ..drivers.software.symmetric import cmac_key
from ..errors import (
    InsufficientDataError,
    InsufficientMemoryError,
    InvalidArgumentError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)
from ..macros import TLS12_PSK_TO_MS_PSK_MAX_SIZE
from . import compat, keytypes
from .agreement import shared_secret
from .asymmetric import check_agreement
from .hash import CONSTRUCTORS, unsupported_hash
from .mac import HMAC_HASHES
from .operation import ACTIVE, INACTIVE, Operation
from .session import Session
from .slots import KeySlot

# How a step may be given.
_BYTES = 1
_KEY = 2
_INTEGER = 4
_AGREEMENT = 8

# Algorithm kinds.
_HKDF = "HKDF"
_HKDF_EXTRACT = "HKDF-Extract"
_HKDF_EXPAND = "HKDF-Expand"
_TLS12_PRF = "TLS 1.2 PRF"
_TLS12_PSK_TO_MS = "TLS 1.2 PSK-to-MS"
_TLS12_ECJPAKE_TO_PMS = "TLS 1.2 EC J-PAKE-to-PMS"
_SP800_108_HMAC = "SP 800-108 counter HMAC"
_SP800_108_CMAC = "SP 800-108 counter CMAC"
_PBKDF2_HMAC = "PBKDF2-HMAC"
_PBKDF2_CMAC = "PBKDF2-AES-CMAC-PRF-128"

#: Kinds parameterised by a hash, by ``alg & ~0xFF``.
_HASH_KINDS = {
    0x08000100: _HKDF,
    0x08000200: _TLS12_PRF,
    0x08000300: _TLS12_PSK_TO_MS,
    0x08000400: _HKDF_EXTRACT,
    0x08000500: _HKDF_EXPAND,
    0x08000700: _SP800_108_HMAC,
    0x08800100: _PBKDF2_HMAC,
}
_FIXED_KINDS = {
    c.ALG_TLS12_ECJPAKE_TO_PMS: _TLS12_ECJPAKE_TO_PMS,
    c.ALG_SP800_108_COUNTER_CMAC: _SP800_108_CMAC,
    c.ALG_PBKDF2_AES_CMAC_PRF_128: _PBKDF2_CMAC,
}

_SP800_108_CAPACITY = 0x1FFFFFFF
_MAX_OUTPUT = 64 * 1024 * 1024  # one output request larger than this is refused
_ECJPAKE_OUTPUT = c.TLS12_ECJPAKE_TO_PMS_OUTPUT_SIZE

_RAW = frozenset((c.KEY_TYPE_RAW_DATA,))
_DERIVE = frozenset((c.KEY_TYPE_DERIVE,))
_CMAC_KEYS = frozenset((c.KEY_TYPE_AES, c.KEY_TYPE_ARIA, c.KEY_TYPE_CAMELLIA, c.KEY_TYPE_SM4))
_DIRECT_AND_KEY = _BYTES | _KEY
_SECRET_SOURCES = _BYTES | _KEY | _AGREEMENT

_S = c.KEY_DERIVATION_INPUT_SECRET
_PASSWORD = c.KEY_DERIVATION_INPUT_PASSWORD
_STEP_NAMES = {
    c.KEY_DERIVATION_INPUT_SECRET: "SECRET",
    c.KEY_DERIVATION_INPUT_OTHER_SECRET: "OTHER_SECRET",
    c.KEY_DERIVATION_INPUT_PASSWORD: "PASSWORD",
    c.KEY_DERIVATION_INPUT_LABEL: "LABEL",
    c.KEY_DERIVATION_INPUT_SALT: "SALT",
    c.KEY_DERIVATION_INPUT_INFO: "INFO",
    c.KEY_DERIVATION_INPUT_SEED: "SEED",
    c.KEY_DERIVATION_INPUT_CONTEXT: "CONTEXT",
    c.KEY_DERIVATION_INPUT_COST: "COST",
}


@dataclass(frozen=True, slots=True)
class _Rule:
    """One input step of an algorithm."""

    step: int
    bit: int  #: this step's bit in the operation's mask of given steps
    required: bool
    repeat: bool
    sources: int  #: _BYTES | _KEY | _INTEGER | _AGREEMENT
    key_types: frozenset[int]
    #: steps that must already be given: the required steps ordered before this one
    prereq: int
    #: steps that must not be given yet: those ordered after this one, this one
    #: unless it repeats, and _OUTPUT (no input after output has started)
    forbidden: int
    special: bool = False  #: the value has limits beyond its source (see _check_length)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Everything setup decides once per algorithm (cached)."""

    alg: int  #: the operation's algorithm (possibly key agreement + KDF)
    kind: str
    ka: int  #: the key-agreement part, or 0
    ctor: Any  #: hash constructor (HMAC-based kinds)
    hash_name: str | None  #: the hash's name for hashlib.pbkdf2_hmac (PBKDF2-HMAC), if any
    hash_len: int
    capacity: int
    rules: dict[int, _Rule]
    required: int  #: mask of the required steps


_StepSpec = tuple[int, bool, bool, int, frozenset[int]]  # step, required, repeat, sources, types


#: The bit of the given-steps mask that records that output has started.
_OUTPUT = 1 << 16


def _rules(
    ordered: tuple[_StepSpec, ...], floating: tuple[_StepSpec, ...] = ()
) -> dict[int, _Rule]:
    """The rules of steps that must come in the order of ``ordered``, and of the
    ``floating`` steps that may come at any time before output."""
    rules: dict[int, _Rule] = {}
    bits = [1 << i for i in range(len(ordered))]
    for i, (step, required, repeat, sources, types) in enumerate(ordered):
        prereq = sum(bits[j] for j in range(i) if ordered[j][1])
        later = sum(bits[i + 1 :])
        forbidden = _OUTPUT | later | (0 if repeat else bits[i])
        rules[step] = _Rule(step, bits[i], required, repeat, sources, types, prereq, forbidden)
    for step, required, repeat, sources, types in floating:
        bit = 1 << len(rules)
        forbidden = _OUTPUT | (0 if repeat else bit)
        rules[step] = _Rule(step, bit, required, repeat, sources, types, 0, forbidden)
    return rules


_NONE: frozenset[int] = frozenset()
_SALT_TYPES = frozenset((c.KEY_TYPE_RAW_DATA, c.KEY_TYPE_PEPPER))
_PASSWORD_TYPES = frozenset((c.KEY_TYPE_PASSWORD, c.KEY_TYPE_DERIVE))

#: The input steps of each kind (step, required, repeat, sources, key types).
_KIND_RULES: dict[str, dict[int, _Rule]] = {
    _HKDF: _rules(
        (
            (c.KEY_DERIVATION_INPUT_SALT, False, False, _DIRECT_AND_KEY, _RAW),
            (_S, True, False, _SECRET_SOURCES, _DERIVE),
        ),
        ((c.KEY_DERIVATION_INPUT_INFO, True, False, _DIRECT_AND_KEY, _RAW),),
    ),
    _HKDF_EXTRACT: _rules(
        (
            (c.KEY_DERIVATION_INPUT_SALT, True, False, _DIRECT_AND_KEY, _RAW),
            (_S, True, False, _SECRET_SOURCES, _DERIVE),
        )
    ),
    _HKDF_EXPAND: _rules(
        (
            (_S, True, False, _SECRET_SOURCES, _DERIVE),
            (c.KEY_DERIVATION_INPUT_INFO, True, False, _DIRECT_AND_KEY, _RAW),
        )
    ),
    _TLS12_PRF: _rules(
        (
            (c.KEY_DERIVATION_INPUT_SEED, True, False, _DIRECT_AND_KEY, _RAW),
            (_S, True, False, _SECRET_SOURCES, _DERIVE),
            (c.KEY_DERIVATION_INPUT_LABEL, True, False, _DIRECT_AND_KEY, _RAW),
        )
    ),
    _TLS12_PSK_TO_MS: _rules(
        (
            (c.KEY_DERIVATION_INPUT_SEED, True, False, _DIRECT_AND_KEY, _RAW),
            (
                c.KEY_DERIVATION_INPUT_OTHER_SECRET,
                False,
                False,
                _SECRET_SOURCES,
                frozenset((c.KEY_TYPE_DERIVE, c.KEY_TYPE_RAW_DATA)),
            ),
            (_S, True, False, _SECRET_SOURCES, _DERIVE),
            (c.KEY_DERIVATION_INPUT_LABEL, True, False, _DIRECT_AND_KEY, _RAW),
        )
    ),
    _TLS12_ECJPAKE_TO_PMS: _rules(((_S, True, False, _DIRECT_AND_KEY, _DERIVE),)),
    _SP800_108_HMAC: _rules(
        (
            (_S, True, False, _SECRET_SOURCES, frozenset((c.KEY_TYPE_HMAC, c.KEY_TYPE_DERIVE))),
            (c.KEY_DERIVATION_INPUT_LABEL, False, False, _DIRECT_AND_KEY, _RAW),
            (c.KEY_DERIVATION_INPUT_CONTEXT, False, False, _DIRECT_AND_KEY, _RAW),
        )
    ),
    _SP800_108_CMAC: _rules(
        (
            (_S, True, False, _KEY, _CMAC_KEYS),
            (c.KEY_DERIVATION_INPUT_LABEL, False, False, _DIRECT_AND_KEY, _RAW),
            (c.KEY_DERIVATION_INPUT_CONTEXT, False, False, _DIRECT_AND_KEY, _RAW),
        )
    ),
}
_KIND_RULES[_PBKDF2_HMAC] = _KIND_RULES[_PBKDF2_CMAC] = _rules(
    (
        (c.KEY_DERIVATION_INPUT_COST, True, False, _INTEGER, _NONE),
        (c.KEY_DERIVATION_INPUT_SALT, True, True, _DIRECT_AND_KEY, _SALT_TYPES),
        (c.KEY_DERIVATION_INPUT_PASSWORD, True, False, _SECRET_SOURCES, _PASSWORD_TYPES),
    )
)
#: Steps whose values have limits of their own (checked by _check_length and _store).
for _kind, _step in (
    (_HKDF_EXPAND, _S),
    (_TLS12_PSK_TO_MS, _S),
    (_TLS12_PSK_TO_MS, c.KEY_DERIVATION_INPUT_OTHER_SECRET),
    (_TLS12_ECJPAKE_TO_PMS, _S),
    (_SP800_108_HMAC, c.KEY_DERIVATION_INPUT_LABEL),
    (_SP800_108_CMAC, c.KEY_DERIVATION_INPUT_LABEL),
):
    _KIND_RULES[_kind][_step] = replace(_KIND_RULES[_kind][_step], special=True)

_PLANS: dict[int, _Plan] = {}
#: The inputs of an operation that takes none (inactive, or output started): never written.
_NO_INPUTS: dict[int, Any] = {}


def _plan(alg: int) -> _Plan:
    """The plan of ``alg`` (cached), or the spec's error for an algorithm that is
    not a key derivation (``InvalidArgumentError``) or not supported."""
    plan = _PLANS.get(alg)
    if plan is None:
        plan = _PLANS[alg] = _make_plan(alg)
    return plan


def _make_plan(alg: int) -> _Plan:
    ka = 0
    kdf_alg = alg
    category = alg & 0x7F000000
    if category == 0x09000000:
        if alg & 0x0080FFFF == 0:
            raise InvalidArgumentError("a standalone key agreement is not a key derivation")
        ka = alg & 0xFF7F0000  # ALG_KEY_AGREEMENT_GET_BASE
        kdf_alg = alg & 0xFE80FFFF  # ALG_KEY_AGREEMENT_GET_KDF
        if ka not in (c.ALG_ECDH, c.ALG_FFDH):
            raise NotSupportedError(f"key agreement 0x{ka:08x} is not supported")
    elif category != 0x08000000:
        raise InvalidArgumentError(f"0x{alg:08x} is not a key-derivation algorithm")
    if kdf_alg & 0xFF000000 != 0x08000000:
        raise InvalidArgumentError(f"0x{alg:08x} is not a key-derivation algorithm")
    ctor: Any = None
    hash_name = None
    hash_len = 0
    kind = _FIXED_KINDS.get(kdf_alg)
    if kind is None:
        kind = _HASH_KINDS.get(kdf_alg & ~0xFF)
        if kind is None:
            raise NotSupportedError(f"key derivation 0x{kdf_alg:08x} is not supported")
        if kdf_alg & 0xFF == 0:
            raise InvalidArgumentError(f"0x{kdf_alg:08x} names no hash")
        hash_alg = 0x02000000 | (kdf_alg & 0xFF)
        ctor = CONSTRUCTORS.get(hash_alg)
        if hash_alg not in HMAC_HASHES or ctor is None:
            raise unsupported_hash(hash_alg)
        hash_len = ctor().digest_size
        if kind == _PBKDF2_HMAC:
            hash_name = kdf.hashlib_name(ctor)
    rules = _KIND_RULES[kind]
    if ka and not any(rule.sources & _AGREEMENT for rule in rules.values()):
        raise NotSupportedError(f"{kind} cannot take its secret from a key agreement")
    capacity = {
        _HKDF: 255 * hash_len,
        _HKDF_EXPAND: 255 * hash_len,
        _HKDF_EXTRACT: hash_len,
        _TLS12_PRF: c.KEY_DERIVATION_UNLIMITED_CAPACITY,
        _TLS12_PSK_TO_MS: c.KEY_DERIVATION_UNLIMITED_CAPACITY,
        _TLS12_ECJPAKE_TO_PMS: _ECJPAKE_OUTPUT,
        _SP800_108_HMAC: _SP800_108_CAPACITY,
        _SP800_108_CMAC: _SP800_108_CAPACITY,
        _PBKDF2_HMAC: 0xFFFFFFFF * hash_len,
        _PBKDF2_CMAC: 0xFFFFFFFF * 16,
    }[kind]
    required = 0
    for rule in rules.values():
        if rule.required:
            required |= rule.bit
    return _Plan(alg, kind, ka, ctor, hash_name, hash_len, capacity, rules, required)


def _check_length(plan: _Plan, step: int, length: int) -> None:
    """Length limits of an input (shared by inputs and ``check_key_usage``)."""
    kind = plan.kind
    if step == _S:
        if kind == _HKDF_EXPAND and length < plan.hash_len:
            raise InvalidArgumentError("the HKDF-Expand PRK is shorter than the hash")
        if kind == _TLS12_PSK_TO_MS and length > TLS12_PSK_TO_MS_PSK_MAX_SIZE:
            raise InvalidArgumentError(
                f"the PSK is longer than {TLS12_PSK_TO_MS_PSK_MAX_SIZE} bytes"
            )
        if kind == _TLS12_ECJPAKE_TO_PMS and length != kdf.ECJPAKE_POINT_SIZE:
            raise InvalidArgumentError("the EC J-PAKE secret is a 65-byte point")
    elif step == c.KEY_DERIVATION_INPUT_OTHER_SECRET and length > 0xFFFF:
        raise InvalidArgumentError("the other secret is longer than 65535 bytes")


def _check_key(plan: _Plan, rule: _Rule, key_type: int, bits: int) -> None:
    """Whether a key of ``key_type``/``bits`` may be given for ``rule``."""
    if key_type not in rule.key_types:
        raise InvalidArgumentError(
            f"{plan.kind} does not take a key of type 0x{key_type:04x} "
            f"for step {_STEP_NAMES.get(rule.step, rule.step)}"
        )
    if plan.kind == _SP800_108_CMAC and rule.step == _S:
        kdf.check_cmac_key(key_type, bits)
    else:
        _check_length(plan, rule.step, bits // 8)


def _wrong_step(plan: _Plan, step: int, source: int) -> InvalidArgumentError:
    name = _STEP_NAMES.get(step, hex(step))
    if step not in plan.rules:
        return InvalidArgumentError(f"{plan.kind} has no input step {name}")
    how = {_BYTES: "bytes", _KEY: "a key", _INTEGER: "an integer"}.get(source, "a key agreement")
    return InvalidArgumentError(f"{plan.kind} does not take step {name} as {how}")


def _order_problem(rule: _Rule, given: int) -> str:
    name = _STEP_NAMES[rule.step]
    if given & _OUTPUT:
        return "no input can follow output"
    if given & rule.bit and not rule.repeat:
        return f"step {name} was already given"
    if given & rule.forbidden:
        return f"step {name} is out of order"
    return f"a required step must come before {name}"


# check_key_usage ---------------------------------------------------------------------------


def _key_fits(plan: _Plan, key_type: int, bits: int) -> bool:
    for rule in plan.rules.values():
        if rule.sources & _KEY:
            try:
                _check_key(plan, rule, key_type, bits)
            except InvalidArgumentError:
                continue
            return True
    return False


def _check_derive(key_type: int, bits: int, alg: int) -> None:
    """KEY_USAGE_DERIVE: an input key of some step, or a key-agreement private key."""
    plan = _plan(alg)
    if plan.ka and key_type & 0x7000 == 0x7000:  # a key pair: the agreement's private key
        check_agreement(key_type, bits, alg)
        return
    if not _key_fits(plan, key_type, bits):
        raise InvalidArgumentError("no input step of this algorithm takes this key")


def _check_verify(key_type: int, bits: int, alg: int) -> None:
    """KEY_USAGE_VERIFY_DERIVATION: an input key, or the expected password hash."""
    plan = _plan(alg)
    if key_type == c.KEY_TYPE_PASSWORD_HASH and plan.kind in (_PBKDF2_HMAC, _PBKDF2_CMAC):
        return
    if not _key_fits(plan, key_type, bits):
        raise InvalidArgumentError("this key cannot be used to verify this derivation")


def _is_kdf_or_combined(alg: int) -> bool:
    category = alg & 0x7F000000
    return category == 0x08000000 or (category == 0x09000000 and alg & 0x0080FFFF != 0)


compat.register(c.KEY_USAGE_DERIVE, _is_kdf_or_combined, _check_derive)
compat.register(c.KEY_USAGE_VERIFY_DERIVATION, _is_kdf_or_combined, _check_verify)


# The operation -----------------------------------------------------------------------------


class KeyDerivationOperation(Operation):
    """``psa_key_derivation_operation_t``: a key derivation (see the module docstring)."""

    __slots__ = (
        "_capacity",
        "_derive_ok",
        "_given",
        "_inputs",
        "_key_ok",
        "_plan",
        "_stream",
    )

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._release()

    def _release(self) -> None:
        self._plan: _Plan | None = None
        self._capacity = 0
        self._given = 0
        self._inputs: dict[int, Any] = _NO_INPUTS
        self._stream: kdf.OutputStream | None = None
        #: every key input had KEY_USAGE_DERIVE
        self._derive_ok = True
        #: the SECRET/PASSWORD step came from a key or a key agreement
        self._key_ok = True

    # Setup and capacity ----------------------------------------------------------------

    def setup(self, alg: int) -> None:
        """``psa_key_derivation_setup``. (The operation is active exactly when it has
        a plan: every way out of the active state clears it.)"""
        if self._state != INACTIVE:
            raise self._bad_state("setup needs an inactive operation")
        plan = _PLANS.get(alg) or _plan(alg)
        self._plan = plan
        self._capacity = plan.capacity
        self._inputs = {}
        self._state = ACTIVE

    def get_capacity(self) -> int:
        """``psa_key_derivation_get_capacity``."""
        self._active_plan()
        return self._capacity

    def set_capacity(self, capacity: int) -> None:
        """``psa_key_derivation_set_capacity``: lower the capacity. A value above the
        current one is refused with the operation left as it was;
        ``KEY_DERIVATION_UNLIMITED_CAPACITY`` asks for the most there is, which keeps
        the current capacity."""
        plan = self._active_plan()
        if self._stream is not None and plan.kind in (_SP800_108_HMAC, _SP800_108_CMAC):
            raise self._bad_state("SP 800-108 fixes its capacity at the first output")
        if capacity == c.KEY_DERIVATION_UNLIMITED_CAPACITY:
            return
        if not 0 <= capacity <= self._capacity:
            raise InvalidArgumentError("the capacity can only be lowered")
        self._capacity = capacity

    # Inputs ------------------------------------------------------------------------------

    def _begin(self, step: int, source: int, slot: KeySlot | None = None) -> _Rule:
        """Check that ``step`` may come now, given as ``source`` (from the key in
        ``slot``, if any), and record it; return the step's rule."""
        plan = self._plan
        if plan is None:
            raise self._bad_state()
        rule = plan.rules.get(step)
        if rule is None or not rule.sources & source:
            raise _wrong_step(plan, step, source)
        if slot is not None:
            _check_key(plan, rule, slot.type, slot.bits)
        given = self._given
        if given & rule.forbidden or given & rule.prereq != rule.prereq:
            raise self._bad_state(_order_problem(rule, given))
        self._given = given | rule.bit
        return rule

    def _active_plan(self) -> _Plan:
        plan = self._plan
        if plan is None:
            raise self._bad_state()
        return plan

    def _store(self, rule: _Rule, data: bytes) -> None:
        """Keep the input ``data`` of ``rule``'s step, after its value checks."""
        step = rule.step
        if rule.special:
            plan = self._plan
            assert plan is not None
            _check_length(plan, step, len(data))
            if step == c.KEY_DERIVATION_INPUT_LABEL and b"\0" in data:
                raise InvalidArgumentError("an SP 800-108 label must not contain a zero byte")
            if plan.kind == _TLS12_ECJPAKE_TO_PMS:
                data = kdf.tls12_ecjpake_to_pms(data)
        if rule.repeat:
            self._inputs[step] = self._inputs.get(step, b"") + data
        else:
            self._inputs[step] = data

    def input_bytes(self, step: int, data: bytes) -> None:
        """``psa_key_derivation_input_bytes``: a direct input."""
        try:
            rule = self._begin(step, _BYTES)
            if type(data) is not bytes:
                data = bytes(data)
            if step in (_S, _PASSWORD):
                self._key_ok = False
            if rule.special or rule.repeat:
                self._store(rule, data)
            else:
                self._inputs[step] = data
        except PsaError:
            self._error()
            raise

    def input_integer(self, step: int, value: int) -> None:
        """``psa_key_derivation_input_integer``: a numeric input (PBKDF2's COST)."""
        try:
            self._begin(step, _INTEGER)
            if not 0 <= value <= 0xFFFFFFFFFFFFFFFF:
                raise InvalidArgumentError("the value is not a 64-bit unsigned integer")
            if value < 1:
                raise InvalidArgumentError("the PBKDF2 iteration count must be at least 1")
            if value > kdf.PBKDF2_MAX_ITERATIONS:
                raise NotSupportedError(
                    f"iteration counts above {kdf.PBKDF2_MAX_ITERATIONS} are not supported"
                )
            self._inputs[step] = value
        except PsaError:
            self._error()
            raise

    def input_key(self, step: int, key: int) -> None:
        """``psa_key_derivation_input_key``: an input from a key, which needs
        ``KEY_USAGE_DERIVE`` or ``KEY_USAGE_VERIFY_DERIVATION`` and must permit the
        operation's algorithm."""
        try:
            plan = self._active_plan()
            slot = self._session._use_key(
                key, c.KEY_USAGE_DERIVE | c.KEY_USAGE_VERIFY_DERIVATION, plan.alg
            )
            rule = self._begin(step, _KEY, slot)
            if not slot.usage & c.KEY_USAGE_DERIVE:
                self._derive_ok = False
            if plan.kind == _SP800_108_CMAC and step == _S:
                self._inputs[step] = cmac_key(slot.type, slot.material, 16).compute
            else:
                self._store(rule, bytes(slot.material))
        except PsaError:
            self._error()
            raise

    def key_agreement(self, step: int, private_key: int, peer_key: bytes) -> None:
        """``psa_key_derivation_key_agreement``: the shared secret of ``private_key``
        (``KEY_USAGE_DERIVE``) and ``peer_key`` as the input of ``step``."""
        try:
            plan = self._active_plan()
            if not plan.ka:
                raise InvalidArgumentError("the operation's algorithm is not a key agreement")
            rule = self._begin(step, _AGREEMENT)
            slot = self._session._use_key(private_key, c.KEY_USAGE_DERIVE, plan.alg)
            check_agreement(slot.type, slot.bits, plan.alg)
            secret = shared_secret(slot, plan.alg, bytes(peer_key))
            self._store(rule, secret)
        except PsaError:
            self._error()
            raise

    # Outputs ---------------------------------------------------------------------------

    def _ready(self) -> _Plan:
        """The plan, once every required input step is given."""
        plan = self._plan
        if plan is None:
            raise self._bad_state()
        if self._given & plan.required != plan.required:
            raise self._bad_state("a required input step is missing")
        return plan

    def _open(self, plan: _Plan) -> kdf.OutputStream:
        """Start the output stream (the first output of the operation)."""
        inputs = self._inputs
        kind = plan.kind
        secret: Any = inputs.get(_S)
        stream: kdf.OutputStream
        if kind == _HKDF:
            prk = kdf.hkdf_extract(plan.ctor, inputs.get(c.KEY_DERIVATION_INPUT_SALT, b""), secret)
            stream = kdf.HkdfExpand(plan.ctor, prk, inputs[c.KEY_DERIVATION_INPUT_INFO])
        elif kind == _HKDF_EXPAND:
            stream = kdf.HkdfExpand(plan.ctor, secret, inputs[c.KEY_DERIVATION_INPUT_INFO])
        elif kind == _HKDF_EXTRACT:
            salt = inputs[c.KEY_DERIVATION_INPUT_SALT]
            stream = kdf.OutputStream(kdf.hkdf_extract(plan.ctor, salt, secret))
        elif kind in (_TLS12_PRF, _TLS12_PSK_TO_MS):
            if kind == _TLS12_PSK_TO_MS:
                other = inputs.get(c.KEY_DERIVATION_INPUT_OTHER_SECRET)
                secret = kdf.tls12_psk_premaster(secret, other)
            stream = kdf.Tls12Prf(
                plan.ctor,
                secret,
                inputs[c.KEY_DERIVATION_INPUT_LABEL],
                inputs[c.KEY_DERIVATION_INPUT_SEED],
            )
        elif kind == _TLS12_ECJPAKE_TO_PMS:
            stream = kdf.OutputStream(secret)
        elif kind in (_SP800_108_HMAC, _SP800_108_CMAC):
            label = inputs.get(c.KEY_DERIVATION_INPUT_LABEL, b"")
            context = inputs.get(c.KEY_DERIVATION_INPUT_CONTEXT, b"")
            bits = 8 * self._capacity
            if kind == _SP800_108_HMAC:
                stream = kdf.sp800_108_counter_hmac(plan.ctor, secret, label, context, bits)
            else:
                stream = kdf.sp800_108_counter_cmac(secret, label, context, bits)
        else:
            password = inputs[c.KEY_DERIVATION_INPUT_PASSWORD]
            salt = inputs[c.KEY_DERIVATION_INPUT_SALT]
            cost = inputs[c.KEY_DERIVATION_INPUT_COST]
            if kind == _PBKDF2_HMAC:
                stream = kdf.Pbkdf2Hmac(plan.ctor, plan.hash_name, password, salt, cost)
            else:
                stream = kdf.Pbkdf2AesCmacPrf128(password, salt, cost)
        self._inputs = _NO_INPUTS  # the secrets are in the stream now
        self._stream = stream
        self._given |= _OUTPUT
        return stream

    def _read(self, n: int) -> bytes:
        """The next ``n`` bytes of the stream, charged to the capacity."""
        if n > self._capacity:
            capacity, self._capacity = self._capacity, 0
            raise InsufficientDataError(f"{n} bytes requested, the capacity is {capacity}")
        plan = self._plan
        assert plan is not None
        if plan.kind == _TLS12_ECJPAKE_TO_PMS and n not in (0, _ECJPAKE_OUTPUT):
            raise InvalidArgumentError(
                "the EC J-PAKE premaster secret is read in one 32-byte piece"
            )
        stream = self._stream or self._open(plan)
        self._capacity -= n
        return stream.read(n)

    def output_bytes(self, output_length: int) -> bytes:
        """``psa_key_derivation_output_bytes``: the next ``output_length`` bytes."""
        try:
            self._ready()
            if not self._derive_ok:
                raise NotPermittedError("an input key does not have KEY_USAGE_DERIVE")
            if output_length < 0:
                raise InvalidArgumentError("output_length must not be negative")
            if _MAX_OUTPUT < output_length <= self._capacity:
                raise InsufficientMemoryError("output request too large")
            return self._read(output_length)
        except InsufficientDataError:
            raise
        except PsaError:
            self._error()
            raise

    def output_key(self, attributes: KeyAttributes) -> int:
        """``psa_key_derivation_output_key``: a new key from the next output bytes,
        by the key type's derivation procedure."""
        return self.output_key_custom(attributes, _DEFAULT_CUSTOM, b"")

    def output_key_custom(
        self, attributes: KeyAttributes, custom: CustomKeyParameters, custom_data: bytes
    ) -> int:
        """``psa_key_derivation_output_key_custom``. No key type defines production
        parameters for derivation: non-default ones are refused."""
        try:
            plan = self._ready()
            if not self._derive_ok:
                raise NotPermittedError("an input key does not have KEY_USAGE_DERIVE")
            if not self._key_ok:
                raise NotPermittedError("a key can only be derived from a secret held in a key")
            key_type, bits = attributes.type, attributes.bits
            if custom.flags:
                raise InvalidArgumentError("custom production flags must be 0")
            if custom_data:
                if key_type == c.KEY_TYPE_RSA_KEY_PAIR:
                    raise NotSupportedError("custom RSA exponents are not supported in derivation")
                raise InvalidArgumentError("this key type takes no custom production data")
            if key_type == c.KEY_TYPE_NONE:
                raise InvalidArgumentError("the key type must be set to derive a key")
            if bits == 0:
                raise InvalidArgumentError("the key size must be set to derive a key")
            if key_type == c.KEY_TYPE_PASSWORD_HASH and attributes.algorithm not in (
                c.ALG_NONE,
                plan.alg,
            ):
                raise InvalidArgumentError(
                    "a password hash key must permit the derivation's algorithm or none"
                )
            session = self._session
            session._validate_new_attributes(attributes)
            material = keytypes.derive_material(key_type, bits, self._read)
            return session._create_key(attributes, material, bits)
        except InsufficientDataError:
            raise
        except PsaError:
            self._error()
            raise

    def verify_bytes(self, expected_output: bytes) -> None:
        """``psa_key_derivation_verify_bytes``: compare the next bytes with
        ``expected_output`` in constant time (``InvalidSignatureError`` if they differ)."""
        try:
            self._ready()
            expected = bytes(expected_output)
            if _MAX_OUTPUT < len(expected) <= self._capacity:
                raise InsufficientMemoryError("output request too large")
            if not hmac.compare_digest(self._read(len(expected)), expected):
                raise InvalidSignatureError("the derived output does not match")
        except InsufficientDataError:
            raise
        except PsaError:
            self._error()
            raise

    def verify_key(self, expected: int) -> None:
        """``psa_key_derivation_verify_key``: compare the next bytes with a
        ``KEY_TYPE_PASSWORD_HASH`` key that has ``KEY_USAGE_VERIFY_DERIVATION`` and
        permits the operation's algorithm."""
        try:
            plan = self._ready()
            slot = self._session._use_key(expected, c.KEY_USAGE_VERIFY_DERIVATION, plan.alg)
            if slot.type != c.KEY_TYPE_PASSWORD_HASH:
                raise InvalidArgumentError("the expected value must be a password hash key")
            value = bytes(slot.material)
            if not hmac.compare_digest(self._read(len(value)), value):
                raise InvalidSignatureError("the derived output does not match the key")
        except InsufficientDataError:
            raise
        except PsaError:
            self._error()
            raise


_DEFAULT_CUSTOM = CustomKeyParameters()
_KdfOp = KeyDerivationOperation


class KeyDerivationFunctions(Session):
    """The key-derivation family of the API."""

    def KeyDerivationOperation(self) -> _KdfOp:
        """A new, inactive key-derivation operation bound to this context."""
        return _KdfOp(self)

    def key_derivation_setup(self, operation: _KdfOp, alg: int) -> None:
        operation.setup(alg)

    def key_derivation_get_capacity(self, operation: _KdfOp) -> int:
        return operation.get_capacity()

    def key_derivation_set_capacity(self, operation: _KdfOp, capacity: int) -> None:
        operation.set_capacity(capacity)

    def key_derivation_input_bytes(self, operation: _KdfOp, step: int, data: bytes) -> None:
        operation.input_bytes(step, data)

    def key_derivation_input_integer(self, operation: _KdfOp, step: int, value: int) -> None:
        operation.input_integer(step, value)

    def key_derivation_input_key(self, operation: _KdfOp, step: int, key: int) -> None:
        operation.input_key(step, key)

    def key_derivation_key_agreement(
        self, operation: _KdfOp, step: int, private_key: int, peer_key: bytes
    ) -> None:
        operation.key_agreement(step, private_key, peer_key)

    def key_derivation_output_bytes(self, operation: _KdfOp, output_length: int) -> bytes:
        return operation.output_bytes(output_length)

    def key_derivation_output_key(self, attributes: KeyAttributes, operation: _KdfOp) -> int:
        return operation.output_key(attributes)

    def key_derivation_output_key_custom(
        self,
        attributes: KeyAttributes,
        operation: _KdfOp,
        custom: CustomKeyParameters,
        custom_data: bytes,
    ) -> int:
        return operation.output_key_custom(attributes, custom, custom_data)

    def key_derivation_verify_bytes(self, operation: _KdfOp, expected_output: bytes) -> None:
        operation.verify_bytes(expected_output)

    def key_derivation_verify_key(self, operation: _KdfOp, expected: int) -> None:
        operation.verify_key(expected)

    def key_derivation_abort(self, operation: _KdfOp) -> None:
        operation.abort()
