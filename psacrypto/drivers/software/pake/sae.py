"""WPA3-SAE (IEEE 802.11-2020 section 12.4) over elliptic-curve groups, with the
looping ("hunting and pecking") password element.

* ``KDF-Hash-Length(K, label, context, n)``: the concatenation of
  ``HMAC(K, i || label || context || n)`` for ``i = 1, 2, ...`` (``i`` and ``n``
  16-bit little-endian), cut to its leftmost ``n`` bits.
* PWE by looping (12.4.4.2.2): for ``counter = 1..40`` (always all of them),
  ``pwd-seed = HMAC-SHA256(max(A, B) || min(A, B), password || counter)``,
  ``pwd-value = KDF-256(pwd-seed, "SAE Hunting and Pecking", p)``; the first
  ``pwd-value < p`` that is the x-coordinate of a curve point gives PWE, with the
  y-coordinate whose parity is that of ``pwd-seed``. The square root is
  pycryptodome's (point decompression).
* Commit (12.4.5.3): ``rand, mask`` in ``(1, r)``; ``commit-scalar = rand + mask
  mod r``; ``COMMIT-ELEMENT = -(mask * PWE)``.
* Keys (12.4.5.4): ``K = rand * (peer-scalar * PWE + PEER-ELEMENT)``, ``k = x(K)``;
  ``keyseed = HMAC-H(salt, k)`` (the looping method's salt is ``H``-length zeros);
  ``KCK || PMK = KDF-Hash-Length(keyseed, "SAE KCK and PMK", (scalar +
  peer-scalar) mod r, ...)``; ``PMKID`` = the first 16 bytes of that sum.
* Confirm (12.4.5.5): ``HMAC-H(KCK, send-confirm || scalar || ELEMENT ||
  peer-scalar || PEER-ELEMENT)``.

Elements are ``x || y`` (no format byte), scalars the order's length, big-endian.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from typing import Any

from ....errors import InvalidArgumentError
from . import group as grp
from .group import Group, Point

#: Looping iterations, at least 40 in the standard; all of them always run.
LOOPING_ROUNDS = 40


def kdf_hash_length(
    hash_ctor: Callable[..., Any], key: bytes, label: bytes, context: bytes, bits: int
) -> bytes:
    """IEEE 802.11 ``KDF-Hash-Length``: the leftmost ``bits`` bits (a whole number of
    bytes, right-aligned to the bit length when it is not a multiple of 8)."""
    out = b""
    i = 1
    length = bits.to_bytes(2, "little")
    while 8 * len(out) < bits:
        out += hmac.new(key, i.to_bytes(2, "little") + label + context + length, hash_ctor).digest()
        i += 1
    nbytes = (bits + 7) // 8
    value = int.from_bytes(out[:nbytes], "big") >> (8 * nbytes - bits)
    return value.to_bytes(nbytes, "big")


def looping_pwe(group: Group, password: bytes, addr_a: bytes, addr_b: bytes) -> Point:
    """The password element by the looping method (``InvalidArgumentError`` if no
    element was found in the rounds, probability about 2^-40)."""
    hi, lo = max(addr_a, addr_b), min(addr_a, addr_b)
    p_bytes = group.prime.to_bytes(group.field_len, "big")
    found: Point = None
    for counter in range(1, LOOPING_ROUNDS + 1):
        seed = hmac.new(hi + lo, password + bytes([counter]), hashlib.sha256).digest()
        value = kdf_hash_length(
            hashlib.sha256, seed, b"SAE Hunting and Pecking", p_bytes, group.prime.bit_length()
        )
        x = int.from_bytes(value, "big")
        if x >= group.prime:
            continue
        try:
            point = group.decompress(bytes([2 | (seed[-1] & 1)]) + value)
        except ValueError:
            continue
        if found is None:
            found = point
    if found is None:
        raise InvalidArgumentError("no password element found for this password")
    return found


def encode_element(group: Group, point: Point) -> bytes:
    return group.encode(point)[1:]


def decode_element(group: Group, data: bytes) -> Point:
    return group.decode(b"\x04" + data)


class Party:
    """One SAE peer: its password element, commit, and the keys once committed."""

    __slots__ = (
        "_hash",
        "_mask",
        "_rand",
        "element",
        "group",
        "kck",
        "peer_element",
        "peer_scalar",
        "pmk",
        "pmkid",
        "pwe",
        "scalar",
    )

    def __init__(self, group: Group, hash_ctor: Callable[..., Any], pwe: Point) -> None:
        self.group = group
        self._hash = hash_ctor
        self.pwe = pwe
        r = group.order
        while True:
            self._rand = _draw(r)
            self._mask = _draw(r)
            self.scalar = (self._rand + self._mask) % r
            if self.scalar > 1:
                break
        self.element: Point = -(pwe * self._mask)
        self.peer_scalar = 0
        self.peer_element: Point = None
        self.kck = self.pmk = self.pmkid = b""

    def commit(self) -> bytes:
        g = self.group
        return g.encode_scalar(self.scalar) + encode_element(g, self.element)

    def peer_commit(self, data: bytes) -> None:
        """Validate the peer's ``scalar || element`` (``InvalidArgumentError``)."""
        g = self.group
        n = g.scalar_len
        if len(data) != n + 2 * g.field_len:
            raise InvalidArgumentError("a commit is commit-scalar || COMMIT-ELEMENT")
        scalar = int.from_bytes(data[:n], "big")
        if not 1 < scalar < g.order:
            raise InvalidArgumentError("the peer's commit-scalar is out of range")
        element = decode_element(g, data[n:])
        if scalar == self.scalar and element == self.element:
            raise InvalidArgumentError("the peer's commit reflects ours")
        self.peer_scalar, self.peer_element = scalar, element

    def derive(self, salt: bytes) -> None:
        """KCK, PMK and PMKID from both commits."""
        g = self.group
        k_point = (self.pwe * self.peer_scalar + self.peer_element) * self._rand
        if k_point.is_point_at_infinity():
            raise InvalidArgumentError("the shared element is the identity")
        k = int(k_point.x).to_bytes(g.field_len, "big")
        keyseed = hmac.new(salt, k, self._hash).digest()
        context = g.encode_scalar((self.scalar + self.peer_scalar) % g.order)
        hash_bits = 8 * len(keyseed)
        keys = kdf_hash_length(self._hash, keyseed, b"SAE KCK and PMK", context, hash_bits + 256)
        self.kck, self.pmk = keys[: len(keyseed)], keys[len(keyseed) :]
        self.pmkid = context[:16]
        self._rand = self._mask = 0

    def confirm(self, send_confirm: int, mine: bool = True) -> bytes:
        """``send-confirm || confirm`` of our side (``mine``) or the peer's."""
        g = self.group
        own = g.encode_scalar(self.scalar) + encode_element(g, self.element)
        peer = g.encode_scalar(self.peer_scalar) + encode_element(g, self.peer_element)
        counter = send_confirm.to_bytes(2, "little")
        body = counter + (own + peer if mine else peer + own)
        return counter + hmac.new(self.kck, body, self._hash).digest()

    def wipe(self) -> None:
        self._rand = self._mask = 0
        self.kck = self.pmk = b""


def _draw(order: int) -> int:
    while True:
        k = grp.random_scalar(order)
        if k > 1:
            return k
