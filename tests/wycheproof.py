"""Load Wycheproof test vector files kept in tests/data/wycheproof/.

Generic over the Wycheproof JSON schemas: a file has ``testGroups``, each group has
parameters (``keySize``, ``ivSize``, ``tagSize``, a public key, ...) and ``tests``; each
test has ``tcId``, ``comment``, ``flags``, ``result`` (``valid``, ``invalid`` or
``acceptable``) and its own fields, hex strings for byte values.

Usage from a test module (pytest puts tests/ on ``sys.path``)::

    import wycheproof

    for case in wycheproof.cases("aria_gcm_test"):
        key, iv = case.hexbytes("key"), case.hexbytes("iv")
        if case.valid: ...

The files are copies from C2SP/wycheproof (see tests/data/wycheproof/README.md), so the
tests also run from a plain clone of the project.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).parent / "data" / "wycheproof"


@functools.cache
def load(name: str) -> dict[str, Any]:
    """The parsed JSON of ``name`` (with or without ``.json``), cached."""
    if not name.endswith(".json"):
        name += ".json"
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(
            f"{path} is missing: copy it from C2SP/wycheproof testvectors_v1/ "
            "(see tests/data/wycheproof/README.md)"
        )
    with path.open(encoding="utf-8") as f:
        data: dict[str, Any] = json.load(f)
    return data


@dataclass(frozen=True)
class Case:
    """One test of a Wycheproof file, with its group's parameters."""

    file: str
    group: dict[str, Any]
    test: dict[str, Any]

    @property
    def tc_id(self) -> int:
        return int(self.test["tcId"])

    @property
    def result(self) -> str:
        return str(self.test["result"])

    @property
    def valid(self) -> bool:
        return self.result == "valid"

    @property
    def invalid(self) -> bool:
        return self.result == "invalid"

    @property
    def acceptable(self) -> bool:
        return self.result == "acceptable"

    @property
    def flags(self) -> list[str]:
        return list(self.test.get("flags", []))

    @property
    def comment(self) -> str:
        return str(self.test.get("comment", ""))

    def hexbytes(self, field: str) -> bytes:
        """A hex field of the test (or, if the test lacks it, of the group)."""
        value = self.test[field] if field in self.test else self.group[field]
        return bytes.fromhex(value)

    def get(self, field: str, default: Any = None) -> Any:
        """A field of the test, else of the group, else ``default``."""
        if field in self.test:
            return self.test[field]
        return self.group.get(field, default)

    def __str__(self) -> str:
        return f"{self.file} tcId {self.tc_id} ({self.result}; {self.comment}; {self.flags})"


def groups(name: str) -> Iterator[dict[str, Any]]:
    """The test groups of a file."""
    yield from load(name)["testGroups"]


def cases(name: str) -> Iterator[Case]:
    """Every test of a file, in order, each with its group."""
    for group in groups(name):
        for test in group["tests"]:
            yield Case(name, group, test)


def ids(name: str) -> list[str]:
    """Readable pytest ids, one per case, in the order of :func:`cases`."""
    return [f"{name}-{case.tc_id}" for case in cases(name)]
