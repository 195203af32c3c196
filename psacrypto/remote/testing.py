"""Run a psacrypto service in a child process: for tests, examples and benchmarks.

>>> with ServerProcess.start(tmp_path) as srv:          # doctest: +SKIP
...     ctx = srv.connect()

The child runs ``python -m psacrypto.remote.server --config FILE``; the
configuration is written as TOML from the keyword arguments (the sections of
docs/configuration.md), with a Unix socket and a key store in ``directory``
unless given.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time
from types import TracebackType
from typing import Any, Self

from .client import RemoteContext, connect


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_toml_key(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _toml_key(key: Any) -> str:
    text = str(key)
    return text if text.replace("_", "").replace("-", "").isalnum() else _toml_value(text)


def to_toml(data: dict[str, Any], prefix: str = "") -> str:
    """A small TOML writer for nested dicts of scalars and lists."""
    scalars = [(k, v) for k, v in data.items() if not isinstance(v, dict)]
    tables = [(k, v) for k, v in data.items() if isinstance(v, dict)]
    lines = [f"{_toml_key(k)} = {_toml_value(v)}" for k, v in scalars]
    for key, table in tables:
        name = f"{prefix}.{key}" if prefix else str(key)
        inner_scalars = any(not isinstance(v, dict) for v in table.values())
        if inner_scalars or not table:
            lines.append(f"\n[{name}]")
        lines.append(to_toml(table, name))
    return "\n".join(lines)


class ServerProcess:
    """A service running in a child process."""

    def __init__(
        self, directory: pathlib.Path, config: dict[str, Any], env: dict[str, str] | None = None
    ) -> None:
        self.directory = directory
        self.config = config
        self.config_path = directory / "server.toml"
        self.config_path.write_text(to_toml(config) + "\n")
        listen = config["server"]["listen"]
        self.urls: list[str] = [listen] if isinstance(listen, str) else list(listen)
        self.url = self.urls[0]
        self.log_path = directory / "server.log"
        self._env = env
        self.proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def start(
        cls,
        directory: str | os.PathLike[str],
        *,
        keystore: str | None = None,
        timeout: float = 20.0,
        env: dict[str, str] | None = None,
        **sections: Any,
    ) -> ServerProcess:
        """Write the configuration, start the child and wait until it accepts."""
        directory = pathlib.Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        config: dict[str, Any] = {
            k: dict(v) if isinstance(v, dict) else v for k, v in sections.items()
        }
        server = config.setdefault("server", {})
        server.setdefault("listen", [f"unix://{directory}/psa.sock"])
        server.setdefault("keystore", keystore or str(directory / "keys.db"))
        config.setdefault("logging", {"level": "WARNING"})
        srv = cls(directory, config, env)
        srv.launch(timeout)
        return srv

    def launch(self, timeout: float = 20.0) -> None:
        """(Re)start the child on the same configuration."""
        env = dict(os.environ)
        env.update(self._env or {})
        root = str(pathlib.Path(__file__).resolve().parents[2])
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "psacrypto.remote.server",
                    "--config",
                    str(self.config_path),
                ],
                stdout=log,
                stderr=log,
                env=env,
                start_new_session=True,
            )
        self.wait_ready(timeout)

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        url = self.url
        while True:
            assert self.proc is not None
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.log()}")
            if url.startswith("unix://"):
                path = url[len("unix://") :]
                with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as s:
                    s.connect(path)
                    return
            else:
                host, _, port = url[len("tls://") :].rpartition(":")
                with contextlib.suppress(OSError):
                    socket.create_connection((host.strip("[]"), int(port)), timeout=1).close()
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"server not ready: {self.log()}")
            time.sleep(0.02)

    def log(self) -> str:
        try:
            return self.log_path.read_text()[-4000:]
        except OSError:
            return ""

    def connect(self, url: str | None = None, **options: Any) -> RemoteContext:
        return connect(url or self.url, **options)

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def stop(self, timeout: float = 20.0) -> int:
        """SIGTERM, then wait; returns the exit code."""
        if self.proc is None:
            return 0
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode

    def kill(self) -> None:
        """SIGKILL (no clean shutdown)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class InProcessServer:
    """A service on an event loop in a background thread of this process, so a test
    can look inside it (connections, operation tables, the core)."""

    def __init__(self, config: Any, core: Any = None) -> None:
        import asyncio
        import threading

        from .server import Server, build_core, core_capabilities

        self.config = config
        self.core = core if core is not None else build_core(config)
        self.server: Server | None = None
        self._loop = asyncio.new_event_loop()
        ready = threading.Event()
        errors: list[BaseException] = []

        async def main() -> None:
            try:
                self.server = Server(
                    config,
                    self.core.session,
                    core=self.core,
                    capabilities=core_capabilities(self.core),
                )
                await self.server.start()
            except BaseException as e:
                errors.append(e)
                ready.set()
                return
            ready.set()
            await self.server.run()

        self._thread = threading.Thread(
            target=self._loop.run_until_complete, args=(main(),), daemon=True
        )
        self._thread.start()
        ready.wait(10)
        if errors:
            raise errors[0]
        self.url = config.listen[0]

    def call(self, fn: Any) -> Any:
        """Run ``fn()`` on the server's loop and return its result."""
        import asyncio

        async def run() -> Any:
            return fn()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(10)

    def connect(self, **options: Any) -> RemoteContext:
        return connect(self.url, **options)

    def add_client(self, name: str, token: str | bytes) -> str:
        """Accept ``token`` from now on as the client ``name``; returns its identity
        (``"token:<name>"``). The service must have token authentication enabled."""
        from .config import hash_token

        digest = bytes.fromhex(hash_token(token))

        def add() -> None:
            assert self.server is not None
            self.server._tokens[digest] = name

        self.call(add)
        return "token:" + name

    def remove_client(self, name: str, *, delete_keys: bool = False) -> int:
        """Withdraw the tokens of client ``name`` (open connections stay); with
        ``delete_keys``, also destroy all its keys. Returns how many were destroyed."""

        def remove() -> int:
            assert self.server is not None
            tokens = self.server._tokens
            for digest in [d for d, n in tokens.items() if n == name]:
                del tokens[digest]
            return int(self.core.delete_owner_keys("token:" + name)) if delete_keys else 0

        return int(self.call(remove))

    def stop(self) -> None:
        if self.server is not None:
            self._loop.call_soon_threadsafe(self.server.request_stop)
        self._thread.join(20)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
