"""Access to the spec's identifier table and reference values for the tests.

The tables are read from ``../shared/spec`` next to the checkout when it exists (CI
always has it), otherwise from the copies in ``tests/data/spec`` (see the README
there), so the suite also runs from a plain clone.
"""

from __future__ import annotations

import functools
import importlib.util
import json
from pathlib import Path
from types import ModuleType
from typing import Any

_REPO = Path(__file__).resolve().parent.parent
_SHARED = _REPO.parent / "shared" / "spec"
_BUNDLED = Path(__file__).resolve().parent / "data" / "spec"


def spec_dir() -> Path:
    """The folder the spec tables are loaded from."""
    if (_SHARED / "identifiers.json").is_file() and (_SHARED / "psa_spec_values.py").is_file():
        return _SHARED
    return _BUNDLED


@functools.cache
def spec_values() -> ModuleType:
    """The ``psa_spec_values`` module (spec constants and example macros)."""
    path = spec_dir() / "psa_spec_values.py"
    spec = importlib.util.spec_from_file_location("psa_spec_values", path)
    assert spec is not None and spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@functools.cache
def identifiers_table() -> dict[str, Any]:
    """The whole ``identifiers.json`` document."""
    with open(spec_dir() / "identifiers.json", encoding="utf-8") as f:
        table: dict[str, Any] = json.load(f)
    return table


def identifiers() -> list[dict[str, Any]]:
    """One record per API identifier (name, kind, value_class, ...)."""
    records: list[dict[str, Any]] = identifiers_table()["identifiers"]
    return records
