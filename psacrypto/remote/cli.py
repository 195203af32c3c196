"""Operators' commands: ``psacrypto key ...`` and ``psacrypto clients ...``.

They run against the service named by ``--url`` (or ``PSACRYPTO_URL``, else the
default Unix socket) and print readable tables, or JSON with ``--json``::

    psacrypto key generate --type AES --bits 256 --usage ENCRYPT,DECRYPT --alg GCM --id 7
    psacrypto key list
    psacrypto key info 7
    psacrypto key export-public 9 --out pub.der
    psacrypto clients list                 # administrators only
    psacrypto clients delete unix:bob --yes

``psacrypto.cli`` hooks these in with :func:`add_commands` and :func:`run`;
``python -m psacrypto.remote.cli`` runs them standalone.
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import sys
from typing import Any

from .. import constants as c
from .. import macros
from ..attributes import KeyAttributes
from ..errors import PsaError

_HASHES = {n[4:]: v for n, v in vars(c).items() if n.startswith("ALG_") and (v >> 24) == 0x02}


def _const_names(prefix: str) -> dict[int, str]:
    out: dict[int, str] = {}
    for name, value in sorted(vars(c).items()):
        if name.startswith(prefix) and isinstance(value, int):
            out.setdefault(value, name[len(prefix) :])
    return out


_TYPE_NAMES = _const_names("KEY_TYPE_")
_ALG_NAMES = _const_names("ALG_")
_USAGE_NAMES = {
    v: k for k, v in ((n[10:], v) for n, v in vars(c).items() if n.startswith("KEY_USAGE_"))
}
_ECC_FAMILIES = _const_names("ECC_FAMILY_")
_DH_FAMILIES = _const_names("DH_FAMILY_")


def type_name(key_type: int) -> str:
    if key_type in _TYPE_NAMES:
        return _TYPE_NAMES[key_type]
    for fam_value, fam in _ECC_FAMILIES.items():
        if key_type == macros.KEY_TYPE_ECC_KEY_PAIR(fam_value):
            return f"ECC_KEY_PAIR({fam})"
        if key_type == macros.KEY_TYPE_ECC_PUBLIC_KEY(fam_value):
            return f"ECC_PUBLIC_KEY({fam})"
    for fam_value, fam in _DH_FAMILIES.items():
        if key_type == macros.KEY_TYPE_DH_KEY_PAIR(fam_value):
            return f"DH_KEY_PAIR({fam})"
        if key_type == macros.KEY_TYPE_DH_PUBLIC_KEY(fam_value):
            return f"DH_PUBLIC_KEY({fam})"
    return f"0x{key_type:04x}"


def alg_name(alg: int) -> str:
    if alg in _ALG_NAMES:
        return _ALG_NAMES[alg]
    for builder in (
        "HMAC",
        "ECDSA",
        "DETERMINISTIC_ECDSA",
        "RSA_PSS",
        "RSA_PKCS1V15_SIGN",
        "RSA_OAEP",
        "HKDF",
        "HKDF_EXTRACT",
        "HKDF_EXPAND",
        "PBKDF2_HMAC",
        "TLS12_PRF",
        "SP800_108_COUNTER_HMAC",
    ):
        fn = getattr(macros, "ALG_" + builder, None)
        if fn is None:
            continue
        for hname, hvalue in _HASHES.items():
            try:
                if fn(hvalue) == alg:
                    return f"{builder}({hname})"
            except Exception:
                continue
    return f"0x{alg:08x}"


def usage_names(usage: int) -> str:
    names = [n for v, n in sorted(_USAGE_NAMES.items()) if v and usage & v == v]
    return ",".join(names) or "-"


def _parse_expr(text: str, prefix: str) -> int:
    """``GCM`` -> ALG_GCM; ``HMAC(SHA_256)`` -> ALG_HMAC(ALG_SHA_256); numbers as is."""
    text = text.strip().upper().replace("-", "_")
    try:
        return int(text, 0)
    except ValueError:
        pass
    if "(" in text and text.endswith(")"):
        fname, arg = text[:-1].split("(", 1)
        fn = getattr(macros, prefix + fname, None)
        if fn is None:
            raise ValueError(f"unknown {prefix}{fname}")
        inner_prefix = {"KEY_TYPE_": "ECC_FAMILY_"}.get(prefix, prefix)
        try:
            inner = _parse_expr(arg, inner_prefix)
        except ValueError:
            inner = _parse_expr(arg, "DH_FAMILY_")
        return int(fn(inner))
    value = getattr(c, prefix + text, None)
    if value is None:
        raise ValueError(f"unknown name {prefix}{text}")
    return int(value)


def _parse_usage(text: str) -> int:
    usage = 0
    for part in filter(None, (s.strip() for s in text.split(","))):
        usage |= _parse_expr(part, "KEY_USAGE_")
    return usage


def _attrs_from(ns: argparse.Namespace) -> KeyAttributes:
    a = KeyAttributes()
    a.type = _parse_expr(ns.type, "KEY_TYPE_")
    a.bits = ns.bits or 0
    a.usage_flags = _parse_usage(ns.usage or "")
    a.algorithm = _parse_expr(ns.alg, "ALG_") if ns.alg else c.ALG_NONE
    if ns.id:
        a.set_id(int(ns.id, 0))
    return a


def _row(a: KeyAttributes) -> dict[str, Any]:
    persistence = a.lifetime & 0xFF
    return {
        "id": a.id,
        "type": type_name(a.type),
        "bits": a.bits,
        "lifetime": "volatile" if persistence == 0 else f"0x{a.lifetime:08x}",
        "usage": usage_names(a.usage_flags),
        "algorithm": alg_name(a.algorithm),
    }


def _table(rows: list[dict[str, Any]], columns: list[str]) -> str:
    if not rows:
        return "(none)"
    cells = [[str(r[col]) for col in columns] for r in rows]
    widths = [max(len(col), *(len(row[i]) for row in cells)) for i, col in enumerate(columns)]
    lines = ["  ".join(col.upper().ljust(w) for col, w in zip(columns, widths, strict=True))]
    lines += ["  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in cells]
    return "\n".join(line.rstrip() for line in lines)


def _connect(ns: argparse.Namespace) -> Any:
    from .client import connect
    from .config import default_url

    url = ns.url or os.environ.get("PSACRYPTO_URL") or default_url()
    return connect(url, token=ns.token, cafile=ns.cafile, certfile=ns.cert, keyfile=ns.key_file)


def add_commands(sub: Any) -> None:
    """Add the ``key`` and ``clients`` commands to an argparse subparsers object."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="service URL (default: $PSACRYPTO_URL or the local socket)")
    common.add_argument("--token", help="client token")
    common.add_argument("--cafile", help="CA bundle to verify a tls:// service")
    common.add_argument("--cert", help="client certificate (mutual TLS)")
    common.add_argument("--key-file", help="client certificate's private key")
    common.add_argument("--json", action="store_true", help="machine-readable output")

    key = sub.add_parser("key", help="manage keys in the service")
    ksub = key.add_subparsers(dest="key_command", required=True)
    ksub.add_parser("list", parents=[common], help="your keys")
    for name in ("info", "export", "export-public", "destroy"):
        cmd = ksub.add_parser(name, parents=[common])
        cmd.add_argument("key_id", help="key id (decimal or 0x...)")
        if name.startswith("export"):
            cmd.add_argument("--out", help="write the raw bytes to this file (default: hex)")
    for name in ("generate", "import"):
        cmd = ksub.add_parser(name, parents=[common])
        cmd.add_argument("--type", required=True, help="AES, HMAC, ECC_KEY_PAIR(SECP_R1), ...")
        cmd.add_argument("--bits", type=int, default=0)
        cmd.add_argument("--usage", default="", help="e.g. ENCRYPT,DECRYPT or SIGN_HASH")
        cmd.add_argument("--alg", help="e.g. GCM, HMAC(SHA_256), ECDSA(SHA_256)")
        cmd.add_argument("--id", help="persistent key id (default: a volatile key)")
        if name == "import":
            src = cmd.add_mutually_exclusive_group(required=True)
            src.add_argument("--file", help="key data in the spec's format")
            src.add_argument("--hex", help="key data as hex")

    clients = sub.add_parser("clients", help="client identities (administrators)")
    csub = clients.add_subparsers(dest="clients_command", required=True)
    csub.add_parser("list", parents=[common])
    for name in ("keys", "delete"):
        cmd = csub.add_parser(name, parents=[common])
        cmd.add_argument("owner", help="a client identity, e.g. unix:alice")
        if name == "delete":
            cmd.add_argument("--yes", action="store_true", help="do not ask")


def run(ns: argparse.Namespace) -> int:
    """Execute a parsed ``key`` or ``clients`` command; returns the exit status."""
    try:
        with _connect(ns) as ctx:
            return _run(ns, ctx)
    except PsaError as e:
        print(f"error: {e.name}: {e}", file=sys.stderr)
        return 1
    except ValueError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2


def _emit(ns: argparse.Namespace, data: Any, text: str) -> None:
    print(json.dumps(data, indent=2) if ns.json else text)


def _run(ns: argparse.Namespace, ctx: Any) -> int:
    columns = ["id", "type", "bits", "lifetime", "usage", "algorithm"]
    if getattr(ns, "key_command", None):
        cmd = ns.key_command
        if cmd == "list":
            rows = [_row(a) for a in ctx.list_keys()]
            _emit(ns, rows, _table(rows, columns))
        elif cmd == "info":
            row = _row(ctx.get_key_attributes(int(ns.key_id, 0)))
            _emit(ns, row, "\n".join(f"{k:>10}: {v}" for k, v in row.items()))
        elif cmd in ("export", "export-public"):
            key_id = int(ns.key_id, 0)
            data = ctx.export_key(key_id) if cmd == "export" else ctx.export_public_key(key_id)
            if ns.out:
                pathlib.Path(ns.out).write_bytes(data)
                _emit(
                    ns,
                    {"written": ns.out, "bytes": len(data)},
                    f"wrote {len(data)} bytes to {ns.out}",
                )
            else:
                _emit(ns, {"data": data.hex()}, data.hex())
        elif cmd == "destroy":
            ctx.destroy_key(int(ns.key_id, 0))
            _emit(ns, {"destroyed": int(ns.key_id, 0)}, f"destroyed key {ns.key_id}")
        elif cmd in ("generate", "import"):
            attrs = _attrs_from(ns)
            if cmd == "generate":
                key_id = ctx.generate_key(attrs)
            else:
                raw = pathlib.Path(ns.file).read_bytes() if ns.file else bytes.fromhex(ns.hex)
                key_id = ctx.import_key(attrs, raw)
            row = _row(ctx.get_key_attributes(key_id))
            _emit(ns, row, _table([row], columns))
            if not attrs.id and not ns.json:
                print(
                    "note: a volatile key lives until this command's connection closes;"
                    " give --id for a persistent key",
                    file=sys.stderr,
                )
        return 0
    cmd = ns.clients_command
    if cmd == "list":
        owners = ctx.admin_list_clients()
        _emit(ns, owners, "\n".join(owners) or "(none)")
    elif cmd == "keys":
        rows = [_row(a) for a in ctx.admin_list_keys(ns.owner)]
        _emit(ns, rows, _table(rows, columns))
    elif cmd == "delete":
        if not ns.yes:
            answer = input(f"delete every key of {ns.owner}? [y/N] ")
            if answer.strip().lower() not in ("y", "yes"):
                return 1
        count = ctx.admin_delete_keys(ns.owner)
        _emit(ns, {"owner": ns.owner, "deleted": count}, f"deleted {count} keys of {ns.owner}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="psacrypto")
    add_commands(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
