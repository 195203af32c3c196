"""Shared fixtures.

The API tests run twice: on the ``local`` context (the cryptoprocessor in this
process) and on the ``remote`` context (a thin client of a psacrypto service). The
API is the same, so a black-box test cannot tell them apart except by what the spec
leaves open (error messages, object identities).

* ``ctx`` -- a fresh context with an empty key namespace, parametrised over
  ``local`` (``open_local("memory")``) and ``remote`` (a client of ``psa_service``).
* ``store_opener`` -- a callable opening a new context on one key store, parametrised
  the same way: ``local`` opens ``open_local(store_path)`` (a SQLite file) each time,
  ``remote`` a new connection to the service under one client identity, so "close
  and reopen" is a restart of the application in both. ``store_ctx`` is one such
  context; ``store_path`` the local store file.
* ``local_only`` (marker) -- a white-box test (it looks inside the context: ``_keys``,
  ``_use_key``, ``core``, monkeypatched drivers or registries, counted store loads...):
  its ``remote`` instances are deselected. (The test service runs in this process, so
  such a test could even pass remotely by accident: hence the marker, not a skip.)
* ``psa_service`` -- one service for the whole session: an asyncio server in a thread
  of this process (faster to start and to call than a child process), with a SQLite
  key store in a temporary directory. Each remote test is a client identity of its
  own: a fresh token is registered before the test and withdrawn after it, and at
  teardown the connection closes (its operations and volatile keys die with it) and
  every key of that client is deleted. No test sees another's keys.
  ``PSACRYPTO_TEST_SERVICE=process`` runs it as a child process instead (slower).
* ``is_remote(ctx)``, ``vector_stride(ctx)``, ``key_inventory(ctx)`` -- helpers below.
"""

from __future__ import annotations

import itertools
import os
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import psacrypto
from psacrypto.remote.client import RemoteContext
from psacrypto.remote.config import ServerConfig, hash_token
from psacrypto.remote.testing import InProcessServer, ServerProcess

CONTEXTS = ["local", pytest.param("remote", marks=pytest.mark.remote)]
#: the fixtures parametrised over CONTEXTS (here and in the test modules)
CONTEXT_FIXTURES = ("ctx", "store_opener", "hctx")
_client_numbers = itertools.count(1)


def is_remote(context: Any) -> bool:
    return isinstance(context, RemoteContext)


def vector_stride(context: Any, stride: int = 4) -> int:
    """1 locally; ``stride`` on the remote context.

    The big vector suites (Wycheproof, NIST CAVP) test the software driver: through
    a service each vector is the same few calls with other bytes, so the remote
    instance runs every ``stride``-th vector (valid and invalid ones alike, every
    length class of the file) and scales its minimum count by the same factor; the
    local instance runs them all."""
    return stride if is_remote(context) else 1


def key_inventory(context: Any) -> list[Any]:
    """The attributes of every key of the context's owner (volatile and persistent):
    the core's list locally, the service's ``list_keys`` (the same list) remotely."""
    if is_remote(context):
        return list(context.list_keys())
    return list(context.core.list_key_attributes(context.owner))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselect the remote instances of white-box (``local_only``) tests."""
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        callspec = getattr(item, "callspec", None)
        remote = callspec is not None and any(
            callspec.params.get(name) == "remote" for name in CONTEXT_FIXTURES
        )
        if remote and item.get_closest_marker("local_only") is not None:
            dropped.append(item)
        else:
            keep.append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep


class ChildService:
    """The test service as a child process (``PSACRYPTO_TEST_SERVICE=process``): a
    check that no remote test passes only because the service shares this process's
    modules. Its client tokens are configured up front; an administrator connection
    deletes a client's keys."""

    CLIENTS = 4000

    def __init__(self, directory: Path) -> None:
        self._tokens = {f"api{i}": secrets.token_hex(16) for i in range(1, self.CLIENTS)}
        self._tokens["admin"] = secrets.token_hex(16)
        self.server = ServerProcess.start(
            directory,
            admins=["token:admin"],
            auth={
                "unix": {"enabled": False},
                "token": {
                    "clients": {n: {"sha256": hash_token(t)} for n, t in self._tokens.items()}
                },
            },
        )
        self._admin = self.server.connect(token=self._tokens["admin"])

    def add_client(self, name: str, token: str) -> None:
        raise AssertionError("unused: tokens are configured up front")

    def token(self, name: str) -> str:
        return self._tokens[name]

    def connect(self, **options: Any) -> RemoteContext:
        return self.server.connect(**options)

    def remove_client(self, name: str, *, delete_keys: bool = False) -> int:
        return int(self._admin.admin_delete_keys("token:" + name)) if delete_keys else 0

    def stop(self) -> None:
        self._admin.close()
        assert self.server.stop() == 0, self.server.log()


@pytest.fixture(scope="session")
def psa_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    directory = tmp_path_factory.mktemp("service")
    if os.environ.get("PSACRYPTO_TEST_SERVICE") == "process":
        child = ChildService(directory)
        try:
            yield child
        finally:
            child.stop()
        return
    config = ServerConfig(
        listen=[f"unix://{directory}/psa.sock"],
        keystore=str(directory / "keys.db"),
        auth_unix=False,  # every client is a token identity of its own
        log_level="WARNING",
    )
    with InProcessServer(config) as server:
        yield server


class RemoteClient:
    """A fresh client identity on ``service``: ``connect()`` opens connections under
    it; ``close()`` closes them, withdraws the token and deletes the client's keys."""

    def __init__(self, service: Any) -> None:
        self.service = service
        self.name = f"api{next(_client_numbers)}"
        if isinstance(service, ChildService):
            self._token = service.token(self.name)
        else:
            self._token = secrets.token_hex(16)
            service.add_client(self.name, self._token)
        self._contexts: list[RemoteContext] = []

    def connect(self) -> RemoteContext:
        context = self.service.connect(token=self._token)
        self._contexts.append(context)
        return context

    def close(self) -> None:
        for context in self._contexts:
            context.close()
        self.service.remove_client(self.name, delete_keys=True)


@pytest.fixture(params=CONTEXTS)
def ctx(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "remote":
        client = RemoteClient(request.getfixturevalue("psa_service"))
        try:
            context = client.connect()
            assert context.list_keys() == []  # a namespace of its own
            yield context
        finally:
            client.close()
        return
    context = psacrypto.open_local("memory")
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def store_path(tmp_path: Path) -> Path:
    return tmp_path / "keystore.db"


@pytest.fixture(params=CONTEXTS)
def store_opener(request: pytest.FixtureRequest, store_path: Path) -> Iterator[Callable[[], Any]]:
    if request.param == "remote":
        client = RemoteClient(request.getfixturevalue("psa_service"))
        try:
            yield client.connect
        finally:
            client.close()
        return
    yield lambda: psacrypto.open_local(store_path)


@pytest.fixture
def store_ctx(store_opener: Callable[[], Any]) -> Iterator[Any]:
    context = store_opener()
    try:
        yield context
    finally:
        context.close()
