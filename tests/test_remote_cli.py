"""``psacrypto key ...`` and ``psacrypto clients ...`` against a running service."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from psacrypto.remote.cli import main
from psacrypto.remote.config import hash_token
from psacrypto.remote.testing import ServerProcess


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess.start(
        tmp_path_factory.mktemp("cli"),
        admins=["token:ops"],
        auth={"token": {"clients": {"ops": {"sha256": hash_token("ops")}}}},
    )
    yield srv
    srv.stop()


def cli(service: ServerProcess, *args: str, ok: bool = True) -> str:
    """Run the command in this process (as ``psacrypto key ...`` would)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main([*args[:2], "--url", service.url, *args[2:]])
    assert (code == 0) == ok, err.getvalue()
    return out.getvalue() if ok else err.getvalue()


def test_key_commands(service: ServerProcess, tmp_path: Path) -> None:
    out = cli(
        service,
        "key",
        "generate",
        "--type",
        "AES",
        "--bits",
        "256",
        "--usage",
        "ENCRYPT,DECRYPT,EXPORT",
        "--alg",
        "GCM",
        "--id",
        "0x10",
    )
    assert "AES" in out and "256" in out and "GCM" in out
    cli(
        service,
        "key",
        "import",
        "--type",
        "HMAC",
        "--usage",
        "SIGN_MESSAGE",
        "--alg",
        "HMAC(SHA_256)",
        "--id",
        "17",
        "--hex",
        "00" * 32,
    )
    cli(
        service,
        "key",
        "generate",
        "--type",
        "ECC_KEY_PAIR(SECP_R1)",
        "--bits",
        "256",
        "--usage",
        "SIGN_HASH",
        "--alg",
        "ECDSA(SHA_256)",
        "--id",
        "18",
    )
    rows = json.loads(cli(service, "key", "list", "--json"))
    assert {(r["id"], r["type"], r["algorithm"]) for r in rows} >= {
        (16, "AES", "GCM"),
        (17, "HMAC", "HMAC(SHA_256)"),
        (18, "ECC_KEY_PAIR(SECP_R1)", "ECDSA(SHA_256)"),
    }
    table = cli(service, "key", "list")
    assert table.splitlines()[0].split() == ["ID", "TYPE", "BITS", "LIFETIME", "USAGE", "ALGORITHM"]
    info = json.loads(cli(service, "key", "info", "17", "--json"))
    assert info["usage"] == "SIGN_MESSAGE,SIGN_HASH" or "SIGN_MESSAGE" in info["usage"]
    assert len(bytes.fromhex(cli(service, "key", "export", "16").strip())) == 32
    cli(service, "key", "export-public", "18", "--out", str(tmp_path / "pub.bin"))
    assert len((tmp_path / "pub.bin").read_bytes()) == 65
    err = cli(service, "key", "export", "18", ok=False)
    assert "ERROR_NOT_PERMITTED" in err
    cli(service, "key", "destroy", "17")
    assert "ERROR_INVALID_HANDLE" in cli(service, "key", "info", "17", ok=False)


def test_clients_commands(service: ServerProcess) -> None:
    cli(service, "key", "generate", "--type", "AES", "--bits", "128", "--id", "5")
    assert "ERROR_NOT_PERMITTED" in cli(service, "clients", "list", ok=False)
    owners = json.loads(cli(service, "clients", "list", "--token", "ops", "--json"))
    assert "unix:root" in owners
    keys = json.loads(cli(service, "clients", "keys", "unix:root", "--token", "ops", "--json"))
    assert 5 in [k["id"] for k in keys]
    out = json.loads(
        cli(service, "clients", "delete", "unix:root", "--token", "ops", "--yes", "--json")
    )
    assert out["deleted"] >= 1
    assert json.loads(cli(service, "key", "list", "--json")) == []
