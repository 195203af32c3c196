"""Which algorithms fit which keys, per usage: the checks ``check_key_usage`` runs.

Each family module registers a checker for the usage flags it serves. A checker
receives the key's type and size and the requested algorithm, and raises the
spec's error when they do not fit (``InvalidArgumentError`` for a mismatch,
``NotSupportedError`` for a combination psacrypto does not implement). The same
checker runs when an operation is set up, so ``check_key_usage`` never disagrees
with what an operation would do.
"""

from __future__ import annotations

from collections.abc import Callable

Checker = Callable[[int, int, int], None]

#: usage flag -> list of (algorithm predicate, checker)
_REGISTRY: dict[int, list[tuple[Callable[[int], bool], Checker]]] = {}


def register(usages: int, applies: Callable[[int], bool], checker: Checker) -> None:
    """Register ``checker`` for algorithms where ``applies(alg)`` holds, for every
    usage flag set in ``usages``."""
    bit = 1
    while bit <= usages:
        if usages & bit:
            _REGISTRY.setdefault(bit, []).append((applies, checker))
        bit <<= 1


def register_keyless(applies: Callable[[int], bool], checker: Checker) -> None:
    """Register an algorithm family that needs no key (XOFs), under usage 0, so
    the capability profile can find it."""
    _REGISTRY.setdefault(0, []).append((applies, checker))


def find(usage: int, alg: int) -> Checker | None:
    """The checker for ``alg`` in role ``usage``, or None if no family serves it."""
    for applies, checker in _REGISTRY.get(usage, ()):
        if applies(alg):
            return checker
    return None
