"""Server configuration: listeners, key store, authenticators, limits.

:class:`ServerConfig` is what :func:`psacrypto.remote.server.serve` takes. It can
be built in code or loaded from a TOML file with :func:`load_config` (every
setting is documented in docs/configuration.md).
"""

from __future__ import annotations

import hashlib
import os
import pathlib
import tomllib
from dataclasses import dataclass, field
from typing import Any

from . import wire


def default_data_dir() -> pathlib.Path:
    from ..context import default_data_dir as ddd

    return ddd()


def default_socket_path() -> pathlib.Path:
    """The Unix socket of the embedded default service (and the default client URL)."""
    return default_data_dir() / "psacrypto.sock"


def default_url() -> str:
    return "unix://" + str(default_socket_path())


@dataclass(slots=True)
class TlsConfig:
    """The TLS listener's certificate, and the CA that client certificates chain to."""

    cert: str
    key: str
    #: CA bundle for client certificates; None disables mutual TLS.
    client_ca: str | None = None
    #: refuse clients without a certificate (else they may still use a token)
    require_client_cert: bool = False


@dataclass(slots=True)
class ServerConfig:
    #: listener URLs: ``unix:///path/to.sock`` or ``tls://host:port``
    listen: list[str] = field(default_factory=lambda: [default_url()])
    #: key store: a SQLite file path, ``"memory"`` or ``"none"``
    keystore: str = ""
    #: HUK provisioning file (``[huk] file``; see psacrypto.huk); "" = no HUK
    huk: str = ""
    #: HUK provisioning marker (``[huk] marker``); "" = ``<huk file>.provisioned``
    huk_marker: str = ""
    #: create the HUK on the first start (``[huk] provision``)
    huk_provision: bool = True
    tls: TlsConfig | None = None
    #: permissions of a Unix socket file (any local user may connect by default:
    #: each is a separate client by uid)
    socket_mode: int = 0o666

    # Authenticators. A client identity is (authenticator, name) -> "unix:alice".
    auth_unix: bool = True
    #: uid -> client name; an unmapped uid gets its login name (or ``uid<N>``) when
    #: ``unix_allow_unmapped`` is true, else is refused
    unix_users: dict[int, str] = field(default_factory=dict)
    unix_allow_unmapped: bool = True
    auth_tls: bool = True
    auth_token: bool = True
    #: client name -> SHA-256 hex digest of its token
    tokens: dict[str, str] = field(default_factory=dict)
    #: identities allowed the administration calls, e.g. ``["unix:root"]``
    admins: list[str] = field(default_factory=list)

    # Limits.
    max_body: int = wire.DEFAULT_MAX_BODY
    max_connections: int = 4096
    max_operations_per_connection: int = 1024
    #: bytes of partially received large frames held at once, all connections together
    receive_budget: int = 256 * 1024 * 1024
    handshake_timeout: float = 10.0
    #: a frame must arrive completely within this time once begun
    frame_timeout: float = 30.0
    #: close connections idle this long (0 = never)
    idle_timeout: float = 0.0
    #: seconds given to in-flight calls at shutdown
    shutdown_grace: float = 10.0
    #: worker threads for long calls (public-key maths, key store writes)
    workers: int = 8

    # Per-client quotas (None = unlimited), enforced by the core.
    quota_keys: int | None = None
    quota_storage_bytes: int | None = None
    quota_operations: int | None = None

    log_level: str = "INFO"

    #: key locations served by opaque drivers (``[locations.N]``): location value ->
    #: driver table, e.g. ``{"driver": "pkcs11", "library": ..., "token_label": ...,
    #: "pin_env": ...}`` or ``{"driver": "remote", "url": ...}`` (docs/configuration.md)
    locations: dict[int, dict[str, Any]] = field(default_factory=dict)

    def resolved_keystore(self) -> str:
        if self.keystore:
            return self.keystore
        return str(default_data_dir() / "keystore.db")


def hash_token(token: str | bytes) -> str:
    """The digest to put in the configuration for a client token."""
    raw = token.encode() if isinstance(token, str) else token
    return hashlib.sha256(raw).hexdigest()


def load_config(path: str | os.PathLike[str]) -> ServerConfig:
    """Read a TOML configuration file (see docs/configuration.md)."""
    data = tomllib.loads(pathlib.Path(path).read_text())
    return config_from_dict(data)


_KNOWN: dict[str, set[str]] = {
    "": {"server", "tls", "auth", "admins", "limits", "quotas", "logging", "locations", "huk"},
    "huk": {"file", "marker", "provision"},
    "server": {"listen", "keystore", "socket_mode"},
    "tls": {"cert", "key", "client_ca", "require_client_cert"},
    "auth": {"unix", "tls", "token"},
    "auth.unix": {"enabled", "users", "allow_unmapped"},
    "auth.tls": {"enabled"},
    "auth.token": {"enabled", "clients"},
    "limits": {
        "max_body",
        "max_connections",
        "max_operations_per_connection",
        "receive_budget",
        "workers",
        "handshake_timeout",
        "frame_timeout",
        "idle_timeout",
        "shutdown_grace",
    },
    "quotas": {"keys", "storage_bytes", "operations"},
    "logging": {"level"},
}


def _check_keys(data: dict[str, Any], section: str = "") -> None:
    known = _KNOWN.get(section)
    if known is None:
        return
    for key, value in data.items():
        if key not in known:
            where = f"[{section}]" if section else "the top level"
            raise ValueError(f"unknown setting {key!r} in {where}")
        if isinstance(value, dict):
            _check_keys(value, f"{section}.{key}" if section else key)


def config_from_dict(data: dict[str, Any]) -> ServerConfig:
    """A :class:`ServerConfig` from parsed TOML; unknown settings are an error."""
    _check_keys(data)
    cfg = ServerConfig()
    server = data.get("server", {})
    if "listen" in server:
        listen = server["listen"]
        cfg.listen = [listen] if isinstance(listen, str) else list(listen)
    if "keystore" in server:
        cfg.keystore = str(server["keystore"])
    if "socket_mode" in server:
        mode = server["socket_mode"]
        cfg.socket_mode = int(mode, 8) if isinstance(mode, str) else int(mode)
    huk = data.get("huk", {})
    if "file" in huk:
        cfg.huk = str(huk["file"])
    if "marker" in huk:
        cfg.huk_marker = str(huk["marker"])
    if "provision" in huk:
        cfg.huk_provision = bool(huk["provision"])
    tls = data.get("tls")
    if tls:
        cfg.tls = TlsConfig(
            cert=str(tls["cert"]),
            key=str(tls["key"]),
            client_ca=tls.get("client_ca"),
            require_client_cert=bool(tls.get("require_client_cert", False)),
        )
    auth = data.get("auth", {})
    unix = auth.get("unix", {})
    cfg.auth_unix = bool(unix.get("enabled", True))
    cfg.unix_users = {int(k): str(v) for k, v in unix.get("users", {}).items()}
    cfg.unix_allow_unmapped = bool(unix.get("allow_unmapped", True))
    cfg.auth_tls = bool(auth.get("tls", {}).get("enabled", True))
    token = auth.get("token", {})
    cfg.auth_token = bool(token.get("enabled", True))
    for name, entry in token.get("clients", {}).items():
        if isinstance(entry, dict):
            digest = entry.get("sha256") or hash_token(str(entry["token"]))
        else:
            digest = hash_token(str(entry))
        digest = str(digest).lower()
        if len(digest) != 64 or any(ch not in "0123456789abcdef" for ch in digest):
            raise ValueError(f"auth.token.clients.{name}: sha256 must be 64 hex digits")
        cfg.tokens[str(name)] = digest
    cfg.admins = [str(a) for a in data.get("admins", [])]
    limits = data.get("limits", {})
    for key in (
        "max_body",
        "max_connections",
        "max_operations_per_connection",
        "receive_budget",
        "workers",
    ):
        if key in limits:
            setattr(cfg, key, int(limits[key]))
    for key in ("handshake_timeout", "frame_timeout", "idle_timeout", "shutdown_grace"):
        if key in limits:
            setattr(cfg, key, float(limits[key]))
    if cfg.max_body > wire.MAX_BODY_HARD or cfg.max_body < 1024:
        raise ValueError(f"limits.max_body must be between 1024 and {wire.MAX_BODY_HARD}")
    quotas = data.get("quotas", {})
    cfg.quota_keys = quotas.get("keys")
    cfg.quota_storage_bytes = quotas.get("storage_bytes")
    cfg.quota_operations = quotas.get("operations")
    cfg.log_level = str(data.get("logging", {}).get("level", cfg.log_level))
    cfg.locations = parse_locations(data.get("locations", {}))
    return cfg


_SECRETS = ("", "_env", "_file")
#: the settings of each driver in a [locations.N] table (docs/configuration.md)
_LOCATION_KEYS: dict[str, set[str]] = {
    "pkcs11": {"driver", "library", "token_label", "slot", "sensitive"}
    | {"pin" + s for s in _SECRETS},
    "remote": {
        "driver",
        "url",
        "remote_location",
        "certfile",
        "keyfile",
        "cafile",
        "server_hostname",
        "timeout",
    }
    | {"token" + s for s in _SECRETS},
}


def parse_locations(table: Any) -> dict[int, dict[str, Any]]:
    """The ``[locations]`` table: keys are location values (decimal, or ``0x...`` as a
    quoted key), each a table with ``driver = "pkcs11" | "remote"`` and its settings."""
    if not isinstance(table, dict):
        raise ValueError("locations must be a table of [locations.N] tables")
    out: dict[int, dict[str, Any]] = {}
    for key, spec in table.items():
        try:
            location = int(str(key), 0)
        except ValueError:
            raise ValueError(f"locations.{key}: the key must be a location number") from None
        if not 0 < location <= 0xFFFFFF:
            raise ValueError(f"locations.{key}: location must be 1 to 0xFFFFFF (0 is local)")
        if not isinstance(spec, dict) or spec.get("driver") not in ("pkcs11", "remote"):
            raise ValueError(f'locations.{key}: driver must be "pkcs11" or "remote"')
        known = _LOCATION_KEYS[spec["driver"]]
        for name in spec:
            if name not in known:
                raise ValueError(f"unknown setting {name!r} in [locations.{key}]")
        required = ("library",) if spec["driver"] == "pkcs11" else ("url",)
        for name in required:
            if name not in spec:
                raise ValueError(f"locations.{key}: {name} is required")
        out[location] = dict(spec)
    return out
