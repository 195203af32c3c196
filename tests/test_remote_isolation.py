"""Caller isolation (architecture 4.4) with two real client processes.

Alice and Bob are two processes with different uids (the child drops root with
``os.setuid`` after importing, so the interpreter's files stay readable), and a
second pair is told apart by tokens. For each thing a client could do to another's
key -- use, export, destroy, copy, query, enumerate -- and to its operation
handles, Bob is refused exactly as if the key did not exist, while the same key
id in Bob's namespace is a different key.
"""

from __future__ import annotations

import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator

import pytest

from psacrypto.remote.config import hash_token
from psacrypto.remote.testing import ServerProcess

ROOT = pathlib.Path(__file__).resolve().parent.parent

CHILD = r"""
import json, os, sys
sys.path.insert(0, sys.argv[1])
import psacrypto as p
from psacrypto import errors
from psacrypto.remote import client
url, uid, role, token = sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5] or None
if uid:
    os.setgid(uid)
    os.setuid(uid)
ctx = client.connect(url, token=token)
out = {"identity": ctx.identity}

def attrs(key_id=0):
    a = p.KeyAttributes()
    p.set_key_type(a, p.KEY_TYPE_AES)
    p.set_key_bits(a, 256)
    p.set_key_usage_flags(
        a, p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT | p.KEY_USAGE_EXPORT | p.KEY_USAGE_COPY
    )
    p.set_key_algorithm(a, p.ALG_GCM)
    if key_id:
        p.set_key_id(a, key_id)
    return a

def outcome(fn, *args):
    try:
        r = fn(*args)
        return "ok:" + (r.hex() if isinstance(r, bytes) else str(r))
    except errors.PsaError as e:
        return type(e).__name__

if role == "alice":
    try:
        ctx.destroy_key(0x100)
    except errors.PsaError:
        pass
    ctx.import_key(attrs(0x100), b"A" * 32)
    out["volatile"] = ctx.import_key(attrs(), b"a" * 32)
    op = ctx.HashOperation()
    op.setup(p.ALG_SHA_256)
    out["handle"] = op._handle
    print(json.dumps(out), flush=True)
    sys.stdin.readline()  # Bob runs now
    op.update(b"still mine")
    out = {
        "persistent": ctx.export_key(0x100).hex(),
        "volatile": outcome(ctx.export_key, out["volatile"]),
        "op": outcome(op.finish) != "BadStateError",
    }
    print(json.dumps(out), flush=True)
else:
    victim = json.loads(sys.argv[6])
    v = victim["volatile"]
    res = out
    res["use"] = outcome(ctx.aead_encrypt, v, p.ALG_GCM, b"n" * 12, b"", b"x")
    res["use_persistent"] = outcome(ctx.aead_encrypt, 0x100, p.ALG_GCM, b"n" * 12, b"", b"x")
    res["export"] = outcome(ctx.export_key, v)
    res["export_persistent"] = outcome(ctx.export_key, 0x100)
    res["query"] = outcome(ctx.get_key_attributes, v)
    res["query_persistent"] = outcome(ctx.get_key_attributes, 0x100)
    res["check_usage"] = outcome(ctx.check_key_usage, 0x100, p.ALG_GCM, p.KEY_USAGE_ENCRYPT)
    res["copy"] = outcome(ctx.copy_key, v, attrs())
    res["copy_persistent"] = outcome(ctx.copy_key, 0x100, attrs())
    res["destroy"] = outcome(ctx.destroy_key, v)
    res["destroy_persistent"] = outcome(ctx.destroy_key, 0x100)
    res["purge_persistent"] = outcome(ctx.purge_key, 0x100)
    res["enumerate"] = outcome(ctx.admin_list_clients)
    res["enumerate_keys"] = outcome(ctx.admin_list_keys, victim["identity"])
    res["delete_all"] = outcome(ctx.admin_delete_keys, victim["identity"])
    op = ctx.HashOperation()
    op._handle = victim["handle"]
    res["handle_update"] = outcome(op.update, b"x")
    res["handle_finish"] = outcome(op.finish)
    res["handle_abort"] = outcome(op.abort)
    # the same id in Bob's own namespace is Bob's own key
    res["own_import"] = outcome(ctx.import_key, attrs(0x100), b"B" * 32)
    res["own_export"] = outcome(ctx.export_key, 0x100)
    ctx.destroy_key(0x100)
    print(json.dumps(res), flush=True)
"""

REFUSED = {
    "use",
    "use_persistent",
    "export",
    "export_persistent",
    "query",
    "query_persistent",
    "check_usage",
    "copy",
    "copy_persistent",
    "destroy",
    "destroy_persistent",
    "purge_persistent",
}


@pytest.fixture(scope="module")
def service() -> Iterator[ServerProcess]:
    directory = pathlib.Path(tempfile.mkdtemp(prefix="psa-iso-"))
    directory.chmod(0o755)  # the socket must be reachable by the other uids
    srv = ServerProcess.start(
        directory,
        auth={
            "unix": {"users": {"1001": "alice", "1002": "bob"}},
            "token": {
                "clients": {
                    "t-alice": {"sha256": hash_token("ta")},
                    "t-bob": {"sha256": hash_token("tb")},
                }
            },
        },
    )
    yield srv
    srv.stop()
    shutil.rmtree(directory, ignore_errors=True)


def _spawn(
    service: ServerProcess, uid: int, role: str, token: str, victim: str = ""
) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(ROOT), service.url, str(uid), role, token, victim],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize(
    ("alice", "bob"),
    [
        ((1001, ""), (1002, "")),  # two uids, peer credentials
        ((0, "ta"), (0, "tb")),  # the same uid, two tokens
        ((1001, ""), (1001, "tb")),  # same uid, but Bob authenticates by token
    ],
    ids=["uids", "tokens", "authenticators"],
)
def test_two_clients_cannot_reach_each_other(
    service: ServerProcess, alice: tuple[int, str], bob: tuple[int, str]
) -> None:
    if os.geteuid() != 0 and (alice[0] or bob[0]):
        pytest.skip("needs root to switch uids")
    a = _spawn(service, alice[0], "alice", alice[1])
    assert a.stdout is not None and a.stdin is not None
    line = a.stdout.readline()
    assert line, a.stderr.read() if a.stderr else ""
    victim = json.loads(line)
    b = _spawn(service, bob[0], "bob", bob[1], line)
    out, err = b.communicate(timeout=60)
    assert b.returncode == 0, err
    res = json.loads(out)
    assert res["identity"] != victim["identity"]
    for name in REFUSED:
        assert res[name] == "InvalidHandleError", (name, res[name])
    assert res["enumerate"] == "NotPermittedError"
    assert res["enumerate_keys"] == "NotPermittedError"
    assert res["delete_all"] == "NotPermittedError"
    assert res["handle_update"] == "BadStateError"
    assert res["handle_finish"] == "BadStateError"
    assert res["own_import"] == "ok:256"
    assert res["own_export"] == "ok:" + (b"B" * 32).hex()
    a.stdin.write("go\n")
    a.stdin.flush()
    after = json.loads(a.stdout.readline())
    a.wait(30)
    assert after["persistent"] == (b"A" * 32).hex()
    assert after["volatile"] == "ok:" + (b"a" * 32).hex()
    assert after["op"] is True
    expected = {
        "uids": ("unix:alice", "unix:bob"),
        "tokens": ("token:t-alice", "token:t-bob"),
        "authenticators": ("unix:alice", "token:t-bob"),
    }
    assert (victim["identity"], res["identity"]) in expected.values()
