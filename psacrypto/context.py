"""Contexts: where the API runs. One API, swappable cryptoprocessors.

* :func:`open_local` -- the cryptoprocessor in this process (architecture 4.1),
  with a key store file (SQLite), ``"memory"`` or ``"none"``.
* :func:`connect` -- a thin client to a psacrypto service (architectures 4.2-4.5).
* :func:`crypto_init` -- the default context behind the module-level functions,
  chosen by configuration (``PSACRYPTO_URL``), so application code is the same on
  every architecture.
"""

from __future__ import annotations

import os
import pathlib
import threading
from collections.abc import Mapping
from types import TracebackType
from typing import Any, Self

from .core.local import LocalSession
from .core.session import Core, Quotas
from .keystore import KeyStore, open_keystore

ENV_URL = "PSACRYPTO_URL"
ENV_DATA_DIR = "PSACRYPTO_DATA_DIR"


def default_data_dir() -> pathlib.Path:
    """Where the embedded default keeps its files: ``$PSACRYPTO_DATA_DIR``, else
    ``$XDG_DATA_HOME/psacrypto``, else ``~/.local/share/psacrypto``."""
    explicit = os.environ.get(ENV_DATA_DIR)
    if explicit:
        return pathlib.Path(explicit)
    xdg = os.environ.get("XDG_DATA_HOME")
    base = pathlib.Path(xdg) if xdg else pathlib.Path.home() / ".local" / "share"
    return base / "psacrypto"


def default_keystore_path() -> pathlib.Path:
    return default_data_dir() / "keystore.db"


class LocalContext(LocalSession):
    """The whole API running in this process, over its own :class:`Core`."""

    def __init__(self, core: Core, owner: str = "") -> None:
        super().__init__(core, owner)

    def close(self) -> None:
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def open_local(
    keystore: str | os.PathLike[str] | KeyStore | None = None,
    *,
    quotas: Quotas | None = None,
    huk: str | os.PathLike[str] | None = None,
    locations: Mapping[Any, Any] | None = None,
) -> LocalContext:
    """A context with the cryptoprocessor in this process.

    ``keystore`` is a path to the SQLite key store file, ``"memory"``, ``"none"``,
    a :class:`~psacrypto.keystore.KeyStore`, or ``None`` for the default file.
    ``huk`` is the HUK provisioning file (created on first use): it exposes the
    built-in HUK key and the ``huk:`` attach labels (:mod:`psacrypto.huk`);
    ``open_local("none", huk=PATH)`` is the HUK-only cryptoprocessor.
    ``locations`` maps key locations to cryptoprocessors: an
    :class:`~psacrypto.drivers.base.OpaqueDriver` or a driver table as in the
    service's ``[locations.N]`` configuration (docs/configuration.md).
    """
    if keystore is None:
        path = default_keystore_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        store: KeyStore = open_keystore(str(path))
    elif isinstance(keystore, KeyStore):
        store = keystore
    else:
        spec = os.fspath(keystore)
        if spec not in ("memory", "none"):
            pathlib.Path(spec).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        store = open_keystore(spec)
    core = Core(store, quotas=quotas)
    if locations:
        try:
            core.locations.configure(locations)
        except BaseException:
            core.close()
            raise
    if huk is not None:
        from .huk import install

        try:
            install(core, huk)
        except BaseException:
            core.close()
            raise
    return LocalContext(core)


def connect(url: str, **options: Any) -> Any:
    """A thin-client context to the psacrypto service at ``url``
    (``unix:///path/to.sock`` or ``tls://host:port``)."""
    from .remote.client import connect as remote_connect

    return remote_connect(url, **options)


def open_url(url: str, **options: Any) -> Any:
    """A context for a configuration string: a service URL or a key store path."""
    if url.startswith(("unix://", "tls://", "tcp://")):
        return connect(url, **options)
    if url.startswith("file://"):
        url = url[len("file://") :]
    return open_local(url)


_default_lock = threading.Lock()
_default: Any = None


def default_context() -> Any:
    """The context behind the module-level functions (after :func:`crypto_init`)."""
    from .errors import BadStateError

    ctx = _default
    if ctx is None:
        raise BadStateError("call psacrypto.crypto_init() first")
    return ctx


def crypto_init() -> None:
    """``psa_crypto_init``: set up the default context from configuration.

    ``PSACRYPTO_URL`` names a service (``unix://``, ``tls://``) or a key store
    path; without it the cryptoprocessor runs in-process on the default key store.
    Calling it again is harmless.
    """
    global _default
    with _default_lock:
        if _default is not None:
            return
        url = os.environ.get(ENV_URL)
        ctx = open_url(url) if url else open_local()
        _default = ctx
    from . import _bind_default

    _bind_default(ctx)


def set_default_context(ctx: Any) -> None:
    """Make ``ctx`` the default context (tests, embedding applications)."""
    global _default
    with _default_lock:
        _default = ctx
    from . import _bind_default

    _bind_default(ctx)


def reset_default_context() -> None:
    """Close and forget the default context (mainly for tests)."""
    global _default
    with _default_lock:
        ctx, _default = _default, None
    from . import _unbind_default

    _unbind_default()
    if ctx is not None:
        ctx.close()
