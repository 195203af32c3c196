"""The ``psacrypto`` command.

* ``psacrypto serve [--config FILE] [--listen URL] [--keystore SPEC]`` runs the
  cryptoprocessor service (defaults: Unix socket and SQLite key store in the data
  directory);
* ``psacrypto key ...`` and ``psacrypto clients ...`` manage keys and clients of a
  running service (psacrypto.remote.cli);
* ``psacrypto info [--url URL | --keystore SPEC] [--json]`` reports what a
  cryptoprocessor supports: protocol, algorithms, key types and locations.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from .errors import PsaError


def _serve(ns: argparse.Namespace) -> int:
    from .remote.config import ServerConfig, load_config
    from .remote.server import serve

    try:
        config = load_config(ns.config) if ns.config else ServerConfig()
    except (OSError, ValueError) as exc:
        print(f"error: configuration: {exc}", file=sys.stderr)
        return 2
    if ns.listen:
        config.listen = ns.listen
    if ns.keystore:
        config.keystore = ns.keystore
    try:
        serve(config)
    except PsaError as exc:
        print(f"error: {exc.name}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


def _local_info(keystore: str | None) -> dict[str, Any]:
    from .context import open_local
    from .core import capabilities
    from .core.locations import describe_locations

    ctx = open_local(keystore or "memory")
    try:
        return {
            "cryptoprocessor": "in-process",
            "algorithms": capabilities.supported_algorithms(),
            "key_types": [list(kt) for kt in capabilities.supported_key_types()],
            "locations": describe_locations(ctx.core),
        }
    finally:
        ctx.close()


def _info(ns: argparse.Namespace) -> int:
    from .remote.cli import alg_name, type_name

    try:
        if ns.url:
            from .context import connect

            with connect(ns.url, token=ns.token) as ctx:
                data = dict(ctx.capabilities())
        else:
            data = _local_info(ns.keystore)
    except PsaError as exc:
        print(f"error: {exc.name}: {exc}", file=sys.stderr)
        return 1
    if ns.json:
        print(json.dumps(data, indent=2, default=str))
        return 0
    for key, value in data.items():
        if key in ("algorithms", "key_types", "locations", "calls"):
            continue
        print(f"{key}: {value}")
    locations = data.get("locations") or []
    print(f"locations ({len(locations)}):")
    for loc in locations:
        summary = {k: v for k, v in loc.items() if k not in ("algorithms", "key_types")}
        print("  " + ", ".join(f"{k}={v}" for k, v in summary.items()))
    algs = data.get("algorithms", [])
    print(f"algorithms ({len(algs)}):")
    for alg in algs:
        print(f"  {alg_name(alg)}")
    key_types = data.get("key_types", [])
    print(f"key types ({len(key_types)}):")
    for key_type, bits in key_types:
        print(f"  {type_name(key_type)} {bits}")
    return 0


def main(argv: list[str] | None = None) -> int:
    from .remote import cli as remote_cli

    parser = argparse.ArgumentParser(prog="psacrypto", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the cryptoprocessor service")
    serve.add_argument("--config", help="TOML configuration (docs/configuration.md)")
    serve.add_argument("--listen", action="append", help="unix:///path or tls://host:port")
    serve.add_argument("--keystore", help='SQLite key store path, "memory" or "none"')
    info = sub.add_parser("info", help="what a cryptoprocessor supports")
    info.add_argument("--url", help="a service URL (default: an in-process cryptoprocessor)")
    info.add_argument("--token", help="client token for --url")
    info.add_argument("--keystore", help="key store of the in-process cryptoprocessor")
    info.add_argument("--json", action="store_true")
    remote_cli.add_commands(sub)
    ns = parser.parse_args(argv)
    if ns.command == "serve":
        return _serve(ns)
    if ns.command == "info":
        return _info(ns)
    return remote_cli.run(ns)


if __name__ == "__main__":
    sys.exit(main())
