"""Shared fixtures.

* ``ctx`` -- a fresh in-process context with an in-memory key store.
* ``store_path`` -- a path for a SQLite key store file in a fresh temporary directory.
* ``store_ctx`` -- a fresh in-process context on the key store at ``store_path``
  (reopen it with ``psacrypto.open_local(store_path)`` to test persistence).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import psacrypto
from psacrypto.context import LocalContext


@pytest.fixture
def ctx() -> Iterator[LocalContext]:
    context = psacrypto.open_local("memory")
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "keystore.db"


@pytest.fixture
def store_ctx(store_path: Path) -> Iterator[LocalContext]:
    context = psacrypto.open_local(store_path)
    try:
        yield context
    finally:
        context.close()
