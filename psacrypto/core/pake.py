"""Password-authenticated key exchange: the PAKE operation, its flat functions and
its key-compatibility checker.

The protocols are in :mod:`psacrypto.drivers.software.pake`; this module is the
spec's operation around them:

* **Setup.** ``setup`` checks the cipher suite (algorithm, primitive, key
  confirmation), then the key's policy (``KEY_USAGE_DERIVE`` and the suite's
  algorithm), then that the key's type and size fit the suite. A failed setup
  leaves the object inactive.
* **Parameters.** ``set_role``, ``set_user``, ``set_peer`` and ``set_context`` may
  each be called once, before the first ``output``/``input``. J-PAKE and WPA3-SAE
  require user and peer (distinct) and take no context (``BadStateError``);
  SPAKE2+ requires the role (client: the Prover, with a key pair; server: the
  Verifier) and takes optional identities and context.
* **Steps.** A step the algorithm does not have is ``InvalidArgumentError``; a
  step of the algorithm at the wrong moment, or any step before the operation is
  fully set up, is ``BadStateError``. J-PAKE runs two rounds; in each, the output
  triples and the input triples may come in either order but not interleaved,
  and round two starts when round one is complete both ways. SPAKE2+ runs in the
  exact order of the spec for each role.
* **Errors** of an active operation put it in the error state; ``abort`` always
  succeeds. An invalid element is ``InvalidArgumentError``; a failed proof or
  confirmation is ``InvalidSignatureError`` (confirmation values are compared in
  constant time).
* **The shared key.** ``get_shared_key`` creates a key from the secret once the
  protocol is complete (J-PAKE: both rounds; SPAKE2+ and WPA3-SAE: the
  confirmations), then ends the operation. J-PAKE's secret is the point ``K``
  (65 bytes on P-256, the input of ``ALG_TLS12_ECJPAKE_TO_PMS``) and may become a
  ``KEY_TYPE_DERIVE`` or ``KEY_TYPE_HMAC`` key; SPAKE2+'s (``K_shared``, Matter:
  ``Ke``) and WPA3-SAE's (the PMK) are pseudorandom and may also become a raw or
  symmetric-cipher key of that size. A nonzero size in the attributes must be the
  secret's size (the spec's parameter description; one of its error lines reads
  as if any nonzero size were an error).

Supported: J-PAKE over secp256r1/384r1/521r1 with SHA-256, SHA-384 or SHA-512
(unconfirmed key only, as the protocol has no confirmation); SPAKE2+ with the
RFC 9383 suites over the NIST curves (P-256 with SHA-256 or SHA-512 and HMAC or
CMAC-AES-128, P-384 with SHA-256 or SHA-512, P-521 with SHA-512) and
``ALG_SPAKE2P_MATTER`` (P-256), confirmed key only; WPA3-SAE with the looping
password element (``ALG_WPA3_SAE_FIXED(ALG_SHA_256)`` and a ``KEY_TYPE_PASSWORD``
key) over secp256r1/384r1/521r1, confirmed key only. ``NotSupportedError``: the
edwards25519/448 SPAKE2+ suites, J-PAKE and WPA3-SAE over finite fields, and
WPA3-SAE hash-to-element (password tokens, ``ALG_WPA3_SAE_GDH``).

WPA3-SAE steps: ``COMMIT`` out and in (either order); ``SALT`` (the rejected
groups of hash-to-element: refused with a password key); ``CONFIRM_COUNT`` in
before each ``CONFIRM`` out; ``CONFIRM`` in (any number, each verified);
``KEY_ID`` (the PMKID) out once the peer's confirm verified. The shared key (the
PMK) is available once a confirm was output and the peer's verified. The user
and peer are the two 6-byte MAC addresses.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Any

from .. import constants as c
from ..attributes import KeyAttributes, PakeCipherSuite
from ..drivers.software.pake import group as grp
from ..drivers.software.pake import jpake, sae, spake2p
from ..drivers.software.pake import keys as spake2p_keys
from ..errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidSignatureError,
    NotSupportedError,
    PsaError,
)
from . import compat, keytypes
from .hash import CONSTRUCTORS
from .operation import ACTIVE, Operation
from .session import Session
from .slots import KeySlot

_JPAKE_BASE = 0x0A000100
_SPAKE2P_HMAC_BASE = 0x0A000400
_SPAKE2P_CMAC_BASE = 0x0A000500
_WPA3_SAE_FIXED_BASE = 0x0A000800
_WPA3_SAE_GDH_BASE = 0x0A000900

_KS = c.PAKE_STEP_KEY_SHARE
_ZP = c.PAKE_STEP_ZK_PUBLIC
_ZR = c.PAKE_STEP_ZK_PROOF
_CONFIRM = c.PAKE_STEP_CONFIRM
_COMMIT = c.PAKE_STEP_COMMIT
_SALT = c.PAKE_STEP_SALT
_CONFIRM_COUNT = c.PAKE_STEP_CONFIRM_COUNT
_KEY_ID = c.PAKE_STEP_KEY_ID

#: The PAKE steps the spec defines (any other value is not a step of any algorithm).
_ALL_STEPS = frozenset(
    (
        c.PAKE_STEP_KEY_SHARE,
        c.PAKE_STEP_ZK_PUBLIC,
        c.PAKE_STEP_ZK_PROOF,
        c.PAKE_STEP_CONFIRM,
        c.PAKE_STEP_SALT,
        c.PAKE_STEP_COMMIT,
        c.PAKE_STEP_CONFIRM_COUNT,
        c.PAKE_STEP_KEY_ID,
    )
)
_ALL_ROLES = frozenset(
    (
        c.PAKE_ROLE_NONE,
        c.PAKE_ROLE_FIRST,
        c.PAKE_ROLE_SECOND,
        c.PAKE_ROLE_CLIENT,
        c.PAKE_ROLE_SERVER,
    )
)

_JPAKE_HASHES = frozenset((c.ALG_SHA_256, c.ALG_SHA_384, c.ALG_SHA_512))
_SECP_R1 = c.ECC_FAMILY_SECP_R1
_EDWARDS = c.ECC_FAMILY_TWISTED_EDWARDS

#: RFC 9383 section 4: (family, bits, hash, MAC) of every SPAKE2+ suite; the
#: value says whether psacrypto implements it.
_SPAKE2P_SUITES: dict[tuple[int, int, int, str], bool] = {
    (_SECP_R1, 256, c.ALG_SHA_256, spake2p.HMAC): True,
    (_SECP_R1, 256, c.ALG_SHA_512, spake2p.HMAC): True,
    (_SECP_R1, 384, c.ALG_SHA_256, spake2p.HMAC): True,
    (_SECP_R1, 384, c.ALG_SHA_512, spake2p.HMAC): True,
    (_SECP_R1, 521, c.ALG_SHA_512, spake2p.HMAC): True,
    (_EDWARDS, 255, c.ALG_SHA_256, spake2p.HMAC): False,
    (_EDWARDS, 448, c.ALG_SHA_512, spake2p.HMAC): False,
    (_SECP_R1, 256, c.ALG_SHA_256, spake2p.CMAC): True,
    (_SECP_R1, 256, c.ALG_SHA_512, spake2p.CMAC): True,
}

#: Key types a shared secret may become (the pseudorandom ones: SPAKE2+, WPA3-SAE).
_SECRET_KEY_TYPES = frozenset((c.KEY_TYPE_DERIVE, c.KEY_TYPE_HMAC))
_PSEUDORANDOM_KEY_TYPES = _SECRET_KEY_TYPES | frozenset(
    (
        c.KEY_TYPE_RAW_DATA,
        c.KEY_TYPE_AES,
        c.KEY_TYPE_ARIA,
        c.KEY_TYPE_CAMELLIA,
        c.KEY_TYPE_SM4,
        c.KEY_TYPE_CHACHA20,
        c.KEY_TYPE_XCHACHA20,
        c.KEY_TYPE_ASCON,
    )
)

JPAKE = "J-PAKE"
SPAKE2P = "SPAKE2+"
WPA3_SAE = "WPA3-SAE"

_SAE_HASHES = frozenset((c.ALG_SHA_256, c.ALG_SHA_384, c.ALG_SHA_512))
#: The WPA3-SAE password-token key types (hash-to-element), not supported yet.
_SAE_TOKEN_MASKS = (0x3280, 0x3300)


@dataclass(frozen=True, slots=True)
class _Algorithm:
    """What the algorithm alone determines."""

    kind: str
    hash_alg: int
    mac: str = ""
    matter: bool = False
    gdh: bool = False


def _hash_of(alg: int) -> int:
    hash_alg = 0x02000000 | (alg & 0xFF)
    if alg & 0xFF in (0, 0xFF):
        raise InvalidArgumentError(f"0x{alg:08x} encodes no specific hash")
    return hash_alg


def _algorithm(alg: int) -> _Algorithm:
    """Classify a PAKE algorithm (``InvalidArgumentError`` if it is none,
    ``NotSupportedError`` if it is one psacrypto does not run)."""
    if alg & 0x7F000000 != 0x0A000000:
        raise InvalidArgumentError(f"0x{alg:08x} is not a PAKE algorithm")
    base = alg & ~0xFF
    if alg == c.ALG_SPAKE2P_MATTER:
        return _Algorithm(SPAKE2P, c.ALG_SHA_256, spake2p.HMAC, True)
    if base == _JPAKE_BASE:
        hash_alg = _hash_of(alg)
        if hash_alg not in _JPAKE_HASHES:
            if hash_alg in CONSTRUCTORS:
                raise NotSupportedError("J-PAKE is supported with SHA-256/384/512")
            raise NotSupportedError(f"hash 0x{hash_alg:08x} is not supported")
        return _Algorithm(JPAKE, hash_alg)
    if base in (_SPAKE2P_HMAC_BASE, _SPAKE2P_CMAC_BASE):
        hash_alg = _hash_of(alg)
        mac = spake2p.HMAC if base == _SPAKE2P_HMAC_BASE else spake2p.CMAC
        if not any(h == hash_alg and m == mac for _, _, h, m in _SPAKE2P_SUITES):
            raise InvalidArgumentError("no SPAKE2+ cipher suite has this hash and MAC")
        return _Algorithm(SPAKE2P, hash_alg, mac)
    if base in (_WPA3_SAE_FIXED_BASE, _WPA3_SAE_GDH_BASE):
        hash_alg = _hash_of(alg)
        if hash_alg not in _SAE_HASHES:
            raise InvalidArgumentError("WPA3-SAE uses SHA-256, SHA-384 or SHA-512")
        return _Algorithm(WPA3_SAE, hash_alg, gdh=base == _WPA3_SAE_GDH_BASE)
    if alg == c.ALG_WPA3_SAE_ANY:
        raise InvalidArgumentError("ALG_WPA3_SAE_ANY is a policy wildcard, not an algorithm")
    raise NotSupportedError(f"PAKE algorithm 0x{alg:08x} is not supported")


@dataclass(frozen=True, slots=True)
class _Plan:
    """A validated cipher suite."""

    alg: int
    kind: str
    hash_alg: int
    group: grp.Group
    spake2p: spake2p.Suite | None
    gdh: bool = False


def _plan(suite: PakeCipherSuite) -> _Plan:
    alg, primitive, confirmation = suite.algorithm, suite.primitive, suite.key_confirmation
    info = _algorithm(alg)
    ptype = (primitive >> 24) & 0xFF
    family = (primitive >> 16) & 0xFF
    bits = primitive & 0xFFFF
    if confirmation not in (c.PAKE_CONFIRMED_KEY, c.PAKE_UNCONFIRMED_KEY):
        raise InvalidArgumentError("the key confirmation is neither confirmed nor unconfirmed")
    if info.kind == JPAKE:
        if ptype == c.PAKE_PRIMITIVE_TYPE_DH:
            raise NotSupportedError("J-PAKE over finite-field groups is not supported")
        if ptype != c.PAKE_PRIMITIVE_TYPE_ECC:
            raise InvalidArgumentError("J-PAKE needs an ECC or DH primitive")
        group = grp.ecc_group(family, bits)
        if confirmation != c.PAKE_UNCONFIRMED_KEY:
            raise InvalidArgumentError("J-PAKE has no key confirmation: use PAKE_UNCONFIRMED_KEY")
        return _Plan(alg, JPAKE, info.hash_alg, group, None)
    if info.kind == WPA3_SAE:
        if ptype == c.PAKE_PRIMITIVE_TYPE_DH:
            raise NotSupportedError("WPA3-SAE over finite-field groups is not supported")
        if ptype != c.PAKE_PRIMITIVE_TYPE_ECC:
            raise InvalidArgumentError("WPA3-SAE needs an ECC or DH primitive")
        group = grp.ecc_group(family, bits)
        if confirmation != c.PAKE_CONFIRMED_KEY:
            raise InvalidArgumentError("WPA3-SAE returns a confirmed key only")
        return _Plan(alg, WPA3_SAE, info.hash_alg, group, None, info.gdh)
    if ptype != c.PAKE_PRIMITIVE_TYPE_ECC:
        raise InvalidArgumentError("SPAKE2+ needs an elliptic-curve primitive")
    if info.matter:
        if (family, bits) != (_SECP_R1, 256):
            raise InvalidArgumentError("the Matter SPAKE2+ runs on secp256r1 only")
    else:
        implemented = _SPAKE2P_SUITES.get((family, bits, info.hash_alg, info.mac))
        if implemented is None:
            raise InvalidArgumentError("no SPAKE2+ cipher suite has this curve, hash and MAC")
        if not implemented:
            raise NotSupportedError("the Edwards-curve SPAKE2+ suites are not supported")
    if confirmation != c.PAKE_CONFIRMED_KEY:
        raise InvalidArgumentError("SPAKE2+ returns a confirmed key only")
    s = spake2p.suite(family, bits, info.hash_alg, info.mac, info.matter)
    return _Plan(alg, SPAKE2P, info.hash_alg, s.group, s)


def _check_key(plan: _Plan, key_type: int, bits: int) -> None:
    """Whether a key of ``key_type``/``bits`` fits the suite."""
    if plan.kind == JPAKE:
        if key_type not in (c.KEY_TYPE_PASSWORD, c.KEY_TYPE_PASSWORD_HASH):
            raise InvalidArgumentError("J-PAKE takes a password or password-hash key")
        return
    if plan.kind == WPA3_SAE:
        _check_sae_key(plan.gdh, plan.hash_alg, key_type)
        return
    if not spake2p_keys.is_spake2p(key_type):
        raise InvalidArgumentError("SPAKE2+ takes a SPAKE2+ key pair or public key")
    g = plan.group
    if spake2p_keys.family_of(key_type) != g.family or bits != g.bits:
        raise InvalidArgumentError("the SPAKE2+ key is not on the cipher suite's curve")


def _check_sae_key(gdh: bool, hash_alg: int, key_type: int) -> None:
    """The WPA3-SAE key: a password (the looping method, ``WPA3_SAE_FIXED(SHA-256)``)
    or a password token (hash-to-element: not supported yet)."""
    if (key_type & 0xFF80) in _SAE_TOKEN_MASKS:
        raise NotSupportedError("WPA3-SAE hash-to-element (password tokens) is not supported")
    if key_type != c.KEY_TYPE_PASSWORD:
        raise InvalidArgumentError("WPA3-SAE takes a password or a password-token key")
    if gdh:
        raise InvalidArgumentError("WPA3_SAE_GDH needs a password token (hash-to-element)")
    if hash_alg != c.ALG_SHA_256:
        raise InvalidArgumentError("the looping method uses SHA-256")


def _check_pake_key(key_type: int, bits: int, alg: int) -> None:
    """``check_key_usage`` with ``KEY_USAGE_DERIVE``: could ``setup`` take this key
    for ``alg`` with some primitive?"""
    info = _algorithm(alg)
    if info.kind == JPAKE:
        if key_type not in (c.KEY_TYPE_PASSWORD, c.KEY_TYPE_PASSWORD_HASH):
            raise InvalidArgumentError("J-PAKE takes a password or password-hash key")
        keytypes.check_size(key_type, bits)
        return
    if info.kind == WPA3_SAE:
        _check_sae_key(info.gdh, info.hash_alg, key_type)
        keytypes.check_size(key_type, bits)
        return
    if not spake2p_keys.is_spake2p(key_type):
        raise InvalidArgumentError("SPAKE2+ takes a SPAKE2+ key pair or public key")
    family = spake2p_keys.family_of(key_type)
    suite = PakeCipherSuite(alg, (c.PAKE_PRIMITIVE_TYPE_ECC << 24) | (family << 16) | bits)
    _plan(suite)


compat.register(c.KEY_USAGE_DERIVE, lambda alg: alg & 0x7F000000 == 0x0A000000, _check_pake_key)


# The protocols behind the operation -------------------------------------------------------

_OUT = 0
_IN = 1


class _Jpake:
    """J-PAKE step sequencing around :class:`jpake.Party`."""

    steps = frozenset((_KS, _ZP, _ZR))
    pseudorandom = False
    _ROUND_STEPS = ((_KS, _ZP, _ZR, _KS, _ZP, _ZR), (_KS, _ZP, _ZR))

    def __init__(self, plan: _Plan, s: int, user: bytes, peer: bytes) -> None:
        self._party = jpake.Party(plan.group, CONSTRUCTORS[plan.hash_alg], s, user, peer)
        self._group = plan.group
        self._round = 0
        self._pos = [0, 0]  #: output, input position in the current round
        self._outputs: list[bytes] = []
        self._pending: list[Any] = []  #: the peer's key and V of the current triple

    def _advance(self, direction: int, step: int) -> int:
        """Check that ``step`` may come now in ``direction``; return its position."""
        if self._round > 1:
            raise BadStateError("both J-PAKE rounds are complete")
        expected = self._ROUND_STEPS[self._round]
        pos = self._pos[direction]
        other = self._pos[1 - direction]
        if pos >= len(expected):
            raise BadStateError("this direction of the round is complete")
        if 0 < other < len(expected):
            raise BadStateError("the other direction of the round is in progress")
        if expected[pos] != step:
            raise BadStateError("this step is out of order")
        return pos

    def _finish_step(self, direction: int) -> None:
        self._pos[direction] += 1
        n = len(self._ROUND_STEPS[self._round])
        if self._pos[0] == n and self._pos[1] == n:
            self._round += 1
            self._pos = [0, 0]
            self._outputs = []

    def output(self, step: int) -> bytes:
        pos = self._advance(_OUT, step)
        if pos == 0:
            party = self._party
            self._outputs = party.round1_output() if self._round == 0 else party.round2_output()
        out = self._outputs[pos]
        self._finish_step(_OUT)
        return out

    def input(self, step: int, data: bytes) -> None:
        pos = self._advance(_IN, step)
        g = self._group
        if step == _ZR:
            r = g.decode_scalar(data, nonzero=False)
            key, big_v = self._pending
            self._pending = []
            if self._round == 0:
                self._party.round1_input(pos // 3, key, big_v, r)
            else:
                self._party.round2_input(key, big_v, r)
        else:
            self._pending.append(g.decode(data))
        self._finish_step(_IN)

    def complete(self) -> bool:
        return self._round == 2

    def secret(self) -> bytes:
        return self._party.shared_secret()

    def wipe(self) -> None:
        self._party.wipe()


class _Spake2p:
    """SPAKE2+ step sequencing for the Prover (client) or Verifier (server)."""

    steps = frozenset((_KS, _CONFIRM))
    pseudorandom = True
    _PROVER = ((_OUT, _KS), (_IN, _KS), (_IN, _CONFIRM), (_OUT, _CONFIRM))
    _VERIFIER = ((_IN, _KS), (_OUT, _KS), (_OUT, _CONFIRM), (_IN, _CONFIRM))

    def __init__(
        self,
        s: spake2p.Suite,
        prover: bool,
        material: tuple[int, int | None, bytes],
        user: bytes,
        peer: bytes,
        context: bytes | None,
    ) -> None:
        self._s = s
        self._prover = prover
        self._w0, self._w1, l_enc = material
        if l_enc:
            self._big_l = s.group.decode(l_enc)
        else:  # a Verifier holding the key pair: L = w1*P
            assert self._w1 is not None
            self._big_l = s.group.base_mul(self._w1)
        self._ids = (user, peer) if prover else (peer, user)
        self._context = context
        self._sequence = self._PROVER if prover else self._VERIFIER
        self._pos = 0
        self._eph = grp.random_scalar(s.group.order)
        self._share_p: Any = None
        self._share_v: Any = None
        self._outcome: spake2p.Outcome | None = None

    def _advance(self, direction: int, step: int) -> None:
        if self._pos >= len(self._sequence) or self._sequence[self._pos] != (direction, step):
            raise BadStateError("this SPAKE2+ step is out of order for the role")
        self._pos += 1

    def _schedule(self) -> spake2p.Outcome:
        s, w0 = self._s, self._w0
        if self._prover:
            assert self._w1 is not None
            z, v = spake2p.prover_secrets(s, w0, self._w1, self._eph, self._share_v)
        else:
            assert self._big_l is not None
            z, v = spake2p.verifier_secrets(s, w0, self._big_l, self._eph, self._share_p)
        return spake2p.schedule(
            s, self._context, self._ids[0], self._ids[1], self._share_p, self._share_v, z, v, w0
        )

    def output(self, step: int) -> bytes:
        self._advance(_OUT, step)
        g = self._s.group
        if step == _KS:
            if self._prover:
                self._share_p = spake2p.prover_share(self._s, self._w0, self._eph)
                return g.encode(self._share_p)
            self._share_v = spake2p.verifier_share(self._s, self._w0, self._eph)
            self._outcome = self._schedule()
            return g.encode(self._share_v)
        assert self._outcome is not None
        return self._outcome.confirm_p if self._prover else self._outcome.confirm_v

    def input(self, step: int, data: bytes) -> None:
        self._advance(_IN, step)
        if step == _KS:
            point = self._s.group.decode(data)
            if self._prover:
                self._share_v = point
                self._outcome = self._schedule()
            else:
                self._share_p = point
            return
        if len(data) != self._s.confirm_len:
            raise InvalidArgumentError(f"a confirmation value is {self._s.confirm_len} bytes")
        assert self._outcome is not None
        expected = self._outcome.confirm_v if self._prover else self._outcome.confirm_p
        if not hmac.compare_digest(expected, data):
            raise InvalidSignatureError("the key confirmation value does not match")

    def complete(self) -> bool:
        return self._pos == len(self._sequence)

    def secret(self) -> bytes:
        assert self._outcome is not None
        return self._outcome.shared

    def wipe(self) -> None:
        self._eph = self._w0 = 0
        self._w1 = None
        self._outcome = None


class _Sae:
    """WPA3-SAE step rules: commits both ways (either order), then the optional
    salt, then any number of counter/confirm outputs and peer confirmations; the
    PMKID once the peer has confirmed."""

    steps = frozenset((_COMMIT, _SALT, _CONFIRM_COUNT, _CONFIRM, _KEY_ID))
    pseudorandom = True
    _INPUTS = frozenset((_COMMIT, _SALT, _CONFIRM_COUNT, _CONFIRM))
    _OUTPUTS = frozenset((_COMMIT, _CONFIRM, _KEY_ID))

    def __init__(self, plan: _Plan, password: bytes, user: bytes, peer: bytes) -> None:
        self._hash = CONSTRUCTORS[plan.hash_alg]
        pwe = sae.looping_pwe(plan.group, password, user, peer)
        self._party = sae.Party(plan.group, self._hash, pwe)
        self._hash_len = int(self._hash().digest_size)
        self._sent_commit = False
        self._got_commit = False
        self._salt: bytes | None = None
        self._keys = False
        self._counter: int | None = None  #: send-confirm, armed for one CONFIRM output
        self._confirmed_out = False
        self._confirmed_in = False

    def _committed(self) -> None:
        if not (self._sent_commit and self._got_commit):
            raise BadStateError("both commits must be exchanged first")

    def _derive(self) -> None:
        self._committed()
        if not self._keys:
            salt = self._salt if self._salt is not None else bytes(self._hash_len)
            self._party.derive(salt)
            self._keys = True

    def output(self, step: int) -> bytes:
        if step not in self._OUTPUTS:
            raise InvalidArgumentError("this WPA3-SAE step is an input")
        if step == _COMMIT:
            if self._sent_commit:
                raise BadStateError("the commit was already output")
            self._sent_commit = True
            return self._party.commit()
        if step == _CONFIRM:
            self._derive()
            if self._counter is None:
                raise BadStateError("input the send-confirm counter before each confirm")
            out = self._party.confirm(self._counter)
            self._counter = None
            self._confirmed_out = True
            return out
        self._derive()
        if not self._confirmed_in:
            raise BadStateError("the PMKID is available once the peer has confirmed")
        return self._party.pmkid

    def input(self, step: int, data: bytes) -> None:
        if step not in self._INPUTS:
            raise InvalidArgumentError("this WPA3-SAE step is an output")
        if step == _COMMIT:
            if self._got_commit:
                raise BadStateError("the peer's commit was already input")
            self._party.peer_commit(data)
            self._got_commit = True
            return
        if step == _SALT:
            self._committed()
            if self._keys or self._salt is not None:
                raise BadStateError("the salt must come once, before the confirmation")
            raise InvalidArgumentError("the looping method takes no salt (rejected groups)")
        if step == _CONFIRM_COUNT:
            self._derive()
            if len(data) != 2:
                raise InvalidArgumentError("send-confirm is a 2-byte counter")
            self._counter = int.from_bytes(data, "little")
            return
        self._derive()
        if len(data) != 2 + self._hash_len:
            raise InvalidArgumentError("a confirm is send-confirm || confirm")
        expected = self._party.confirm(int.from_bytes(data[:2], "little"), mine=False)
        if not hmac.compare_digest(expected, data):
            raise InvalidSignatureError("the peer's confirm value does not verify")
        self._confirmed_in = True

    def complete(self) -> bool:
        return self._confirmed_out and self._confirmed_in

    def secret(self) -> bytes:
        return self._party.pmk

    def wipe(self) -> None:
        self._party.wipe()


_Protocol = _Jpake | _Spake2p | _Sae


class PakeOperation(Operation):
    """``psa_pake_operation_t``: a password-authenticated key exchange."""

    __slots__ = (
        "_context",
        "_key",
        "_peer",
        "_plan",
        "_proto",
        "_role",
        "_set",
        "_slot",
        "_user",
    )

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._plan: _Plan | None = None
        self._slot: KeySlot | None = None
        self._key: Any = None  #: J-PAKE: s; SPAKE2+: (w0, w1 or None, L encoding)
        self._role = c.PAKE_ROLE_NONE
        self._user = b""
        self._peer = b""
        self._context: bytes | None = None
        self._set = 0  #: which set_xxx calls were made (bits)
        self._proto: _Protocol | None = None

    # Setup --------------------------------------------------------------------------------

    def setup(self, password_key: int, cipher_suite: PakeCipherSuite) -> None:
        """``psa_pake_setup``."""
        self._start()
        plan = _plan(cipher_suite)
        slot = self._session._use_key(password_key, c.KEY_USAGE_DERIVE, plan.alg)
        _check_key(plan, slot.type, slot.bits)
        material = bytes(slot.material)
        if plan.kind == JPAKE:
            s = int.from_bytes(material, "big") % plan.group.order
            if s == 0:
                raise InvalidArgumentError("the password reduces to zero modulo the group order")
            key: Any = s
        elif plan.kind == WPA3_SAE:
            key = material
        else:
            _, w0, w1, l_enc = spake2p_keys.split(slot.type, slot.bits, material)
            key = (w0, w1, l_enc)
        self._plan, self._slot, self._key = plan, slot, key
        self._role = c.PAKE_ROLE_NONE
        self._user = self._peer = b""
        self._context = None
        self._set = 0
        self._proto = None
        self._state = ACTIVE

    def _active_plan(self, bit: int) -> _Plan:
        """The plan, for a ``set_xxx`` call recorded as ``bit``."""
        plan = self._plan
        if self._state != ACTIVE or plan is None:
            raise self._bad_state()
        if self._proto is not None:
            raise self._bad_state("the exchange has started")
        if self._set & bit:
            raise self._bad_state("this parameter is already set")
        return plan

    def set_role(self, role: int) -> None:
        """``psa_pake_set_role``."""
        plan = self._active_plan(1)
        try:
            if role not in _ALL_ROLES:
                raise NotSupportedError(f"0x{role:02x} is not a PAKE role")
            if plan.kind == SPAKE2P:
                if role not in (c.PAKE_ROLE_CLIENT, c.PAKE_ROLE_SERVER):
                    raise InvalidArgumentError("SPAKE2+ roles are client (Prover) and server")
                if role == c.PAKE_ROLE_CLIENT and self._key[1] is None:
                    raise InvalidArgumentError("the SPAKE2+ Prover needs the key pair")
            elif role != c.PAKE_ROLE_NONE:
                raise InvalidArgumentError(f"{plan.kind} assigns no roles")
        except PsaError:
            self._error()
            raise
        self._role = role
        self._set |= 1

    def _check_identity(self, plan: _Plan, identity: bytes, other_bit: int, other: bytes) -> None:
        """J-PAKE binds each proof to its sender's identity, WPA3-SAE each password
        element to both MAC addresses: the two identities must differ, or a peer
        could reflect our own messages back (RFC 8235 section 4). A WPA3-SAE
        identity is a 6-byte MAC address."""
        if plan.kind == WPA3_SAE and len(identity) != 6:
            self._error()
            raise InvalidArgumentError("a WPA3-SAE identity is a 6-byte MAC address")
        if plan.kind != SPAKE2P and self._set & other_bit and identity == other:
            self._error()
            raise InvalidArgumentError(f"{plan.kind} needs distinct user and peer identities")

    def set_user(self, user_id: bytes) -> None:
        """``psa_pake_set_user``."""
        plan = self._active_plan(2)
        user = bytes(user_id)
        self._check_identity(plan, user, 4, self._peer)
        self._user = user
        self._set |= 2

    def set_peer(self, peer_id: bytes) -> None:
        """``psa_pake_set_peer``."""
        plan = self._active_plan(4)
        peer = bytes(peer_id)
        self._check_identity(plan, peer, 2, self._user)
        self._peer = peer
        self._set |= 4

    def set_context(self, context: bytes) -> None:
        """``psa_pake_set_context``."""
        plan = self._active_plan(8)
        if plan.kind != SPAKE2P:
            raise self._bad_state(f"{plan.kind} takes no context")
        self._context = bytes(context)
        self._set |= 8

    # The exchange -------------------------------------------------------------------------

    def _protocol(self, step: int) -> _Protocol:
        """The running protocol, started at the first step once fully set up."""
        plan = self._plan
        if self._state != ACTIVE or plan is None:
            raise self._bad_state()
        if self._slot is not None and self._slot.destroyed:
            raise self._bad_state("the key was destroyed during the operation")
        if step not in _ALL_STEPS:
            raise InvalidArgumentError(f"0x{step:02x} is not a PAKE step")
        steps = {JPAKE: _Jpake.steps, SPAKE2P: _Spake2p.steps, WPA3_SAE: _Sae.steps}[plan.kind]
        if step not in steps:
            raise InvalidArgumentError(f"{plan.kind} has no step 0x{step:02x}")
        proto = self._proto
        if proto is None:
            if plan.kind == JPAKE:
                if self._set & 6 != 6:
                    raise BadStateError("J-PAKE needs the user and peer identities")
                proto = _Jpake(plan, self._key, self._user, self._peer)
            elif plan.kind == WPA3_SAE:
                if self._set & 6 != 6:
                    raise BadStateError("WPA3-SAE needs both MAC addresses (user and peer)")
                proto = _Sae(plan, self._key, self._user, self._peer)
            else:
                if not self._set & 1:
                    raise BadStateError("SPAKE2+ needs the role")
                assert plan.spake2p is not None
                proto = _Spake2p(
                    plan.spake2p,
                    self._role == c.PAKE_ROLE_CLIENT,
                    self._key,
                    self._user,
                    self._peer,
                    self._context,
                )
            self._proto = proto
        return proto

    def output(self, step: int) -> bytes:
        """``psa_pake_output``: the value to send to the peer for ``step``."""
        try:
            return self._protocol(step).output(step)
        except BadStateError as exc:
            raise self._bad_state(str(exc)) from None
        except PsaError:
            self._error()
            raise

    def input(self, step: int, input: bytes) -> None:
        """``psa_pake_input``: the peer's value for ``step``."""
        try:
            self._protocol(step).input(step, bytes(input))
        except BadStateError as exc:
            raise self._bad_state(str(exc)) from None
        except PsaError:
            self._error()
            raise

    def get_shared_key(self, attributes: KeyAttributes) -> int:
        """``psa_pake_get_shared_key``: the shared secret as a new key; the
        operation ends."""
        try:
            proto = self._proto
            if self._state != ACTIVE or proto is None or not proto.complete():
                raise BadStateError("the exchange is not complete")
            secret = proto.secret()
            allowed = _PSEUDORANDOM_KEY_TYPES if proto.pseudorandom else _SECRET_KEY_TYPES
            key_type = attributes.type
            if key_type not in allowed:
                raise InvalidArgumentError(
                    f"the shared secret cannot become a key of type 0x{key_type:04x}"
                )
            bits = 8 * len(secret)
            if attributes.bits not in (0, bits):
                raise InvalidArgumentError(f"the shared secret has {bits} bits")
            session = self._session
            session._validate_new_attributes(attributes)
            bits, material = keytypes.import_material(key_type, bits, secret)
            key = session._create_key(attributes, material, bits)
        except BadStateError as exc:
            raise self._bad_state(str(exc)) from None
        except PsaError:
            self._error()
            raise
        self._done()
        return key

    def _release(self) -> None:
        if self._proto is not None:
            self._proto.wipe()
        self._proto = None
        self._plan = None
        self._slot = None
        self._key = None
        self._user = self._peer = b""
        self._context = None
        self._set = 0
        self._role = c.PAKE_ROLE_NONE


_PakeOp = PakeOperation


class PakeFunctions(Session):
    """The PAKE family of the API."""

    def PakeOperation(self) -> _PakeOp:
        """A new, inactive PAKE operation bound to this context."""
        return _PakeOp(self)

    def pake_setup(
        self, operation: _PakeOp, password_key: int, cipher_suite: PakeCipherSuite
    ) -> None:
        operation.setup(password_key, cipher_suite)

    def pake_set_role(self, operation: _PakeOp, role: int) -> None:
        operation.set_role(role)

    def pake_set_user(self, operation: _PakeOp, user_id: bytes) -> None:
        operation.set_user(user_id)

    def pake_set_peer(self, operation: _PakeOp, peer_id: bytes) -> None:
        operation.set_peer(peer_id)

    def pake_set_context(self, operation: _PakeOp, context: bytes) -> None:
        operation.set_context(context)

    def pake_output(self, operation: _PakeOp, step: int) -> bytes:
        return operation.output(step)

    def pake_input(self, operation: _PakeOp, step: int, input: bytes) -> None:
        operation.input(step, input)

    def pake_get_shared_key(self, operation: _PakeOp, attributes: KeyAttributes) -> int:
        return operation.get_shared_key(attributes)

    def pake_abort(self, operation: _PakeOp) -> None:
        operation.abort()
