"""EC J-PAKE (RFC 8236) with Schnorr non-interactive zero-knowledge proofs
(RFC 8235), over a prime-order curve group.

Round 1: each party draws ``x1, x2`` and sends ``G1 = x1*G``, ``G2 = x2*G``, each
with a proof of knowledge ``(V, r)`` of its discrete log, bound to the party's
identity. Round 2: each party sends ``A = (x2*s) * GA`` with ``GA = G1 + G3 + G4``
(its own first key, the peer's two keys) and a proof for ``x2*s`` on generator
``GA``. The shared secret is the point ``K = (B - G4*(x2*s)) * x2``, encoded as
an uncompressed point (the input ``ALG_TLS12_ECJPAKE_TO_PMS`` expects).

The proof (RFC 8235 section 3, on generator ``G`` for ``X = x*G``): ``v`` random,
``V = v*G``, ``c = H(G || V || X || id)``, where each item is preceded by its
length as 4 bytes big-endian and points are uncompressed, ``c`` read big-endian
and reduced modulo ``n``; ``r = v - x*c mod n``. Verification: ``V == r*G + c*X``.
This is the hash input of Thread's EC J-PAKE and Mbed TLS, so proofs interoperate
with them (shown on Mbed TLS's reference handshake in the tests).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ....errors import InvalidArgumentError, InvalidSignatureError
from . import group as grp
from .group import Group, Point


def _len4(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


class Party:
    """One participant's J-PAKE state: the secret ``s``, its identity and the peer's."""

    __slots__ = (
        "_g",
        "_hash",
        "_peer_x2",
        "_s",
        "_x1",
        "_x2",
        "g1",
        "g2",
        "g3",
        "g4",
        "peer_id",
        "user_id",
    )

    def __init__(
        self, group: Group, hash_ctor: Callable[..., Any], s: int, user_id: bytes, peer_id: bytes
    ) -> None:
        self._g = group
        self._hash = hash_ctor
        self._s = s
        self.user_id = user_id
        self.peer_id = peer_id
        self._x1 = grp.random_scalar(group.order)
        self._x2 = grp.random_scalar(group.order)
        self.g1: Point = group.base_mul(self._x1)
        self.g2: Point = group.base_mul(self._x2)
        self.g3: Point = None
        self.g4: Point = None
        self._peer_x2: Point = None  #: B, the peer's round-two key

    # The proofs -------------------------------------------------------------------------

    def _challenge(self, gen: Point, v: Point, x: Point, ident: bytes) -> int:
        g = self._g
        data = _len4(g.encode(gen)) + _len4(g.encode(v)) + _len4(g.encode(x)) + _len4(ident)
        return int.from_bytes(self._hash(data).digest(), "big") % g.order

    def _prove(self, gen: Point, x: int, big_x: Point) -> tuple[bytes, bytes]:
        g = self._g
        v = grp.random_scalar(g.order)
        big_v = gen * v
        h = self._challenge(gen, big_v, big_x, self.user_id)
        r = (v - x * h) % g.order
        return g.encode(big_v), g.encode_scalar(r)

    def _verify(self, gen: Point, big_x: Point, big_v: Point, r: int) -> None:
        h = self._challenge(gen, big_v, big_x, self.peer_id)
        if gen * r + big_x * h != big_v:
            raise InvalidSignatureError("the zero-knowledge proof does not verify")

    # Round one --------------------------------------------------------------------------

    def round1_output(self) -> list[bytes]:
        """``[G1, V1, r1, G2, V2, r2]``."""
        g = self._g
        v1, r1 = self._prove(g.generator, self._x1, self.g1)
        v2, r2 = self._prove(g.generator, self._x2, self.g2)
        return [g.encode(self.g1), v1, r1, g.encode(self.g2), v2, r2]

    def round1_input(self, index: int, key: Point, big_v: Point, r: int) -> None:
        """The peer's key ``G3`` (``index`` 0) or ``G4`` (1) with its proof."""
        self._verify(self._g.generator, key, big_v, r)
        if index == 0:
            self.g3 = key
        else:
            self.g4 = key

    # Round two --------------------------------------------------------------------------

    def round2_output(self) -> list[bytes]:
        """``[A, V, r]``: ``A = (x2*s) * (G1 + G3 + G4)`` with its proof."""
        g = self._g
        gen = self.g1 + self.g3 + self.g4
        if gen.is_point_at_infinity():
            raise InvalidArgumentError("the peer's round-one keys are degenerate")
        x = self._x2 * self._s % g.order
        big_a = gen * x
        big_v, r = self._prove(gen, x, big_a)
        return [g.encode(big_a), big_v, r]

    def round2_input(self, key: Point, big_v: Point, r: int) -> None:
        """The peer's ``B`` with its proof on generator ``G1 + G2 + G3``."""
        gen = self.g1 + self.g2 + self.g3
        if gen.is_point_at_infinity():
            raise InvalidArgumentError("the round-one keys are degenerate")
        self._verify(gen, key, big_v, r)
        self._peer_x2 = key

    def shared_secret(self) -> bytes:
        """``K = (B - G4*(x2*s)) * x2``, uncompressed."""
        g = self._g
        k = (self._peer_x2 + (-(self.g4 * (self._x2 * self._s % g.order)))) * self._x2
        return g.encode(k)

    def wipe(self) -> None:
        self._x1 = self._x2 = self._s = 0
