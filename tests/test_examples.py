"""The example programs of examples/, run end to end (as programs and as modules)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import psacrypto
from psacrypto import constants as c
from psacrypto.attributes import KeyAttributes
from psacrypto.errors import InvalidSignatureError, NotPermittedError

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


sealed_data = load("sealed_data")
pairing = load("pairing")


@pytest.mark.parametrize(
    ("name", "options"), [("sealed_data", []), ("pairing", []), ("pairing", ["--service"])]
)
def test_example_program(name: str, options: list[str], tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / f"{name}.py"), *options, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------------------
# sealed_data


def test_sealed_data_main(tmp_path: Path) -> None:
    assert sealed_data.main([str(tmp_path)]) == 0


def test_sealed_records(tmp_path: Path) -> None:
    a, b = tmp_path / "a" / "huk.bin", tmp_path / "b" / "huk.bin"
    with sealed_data.open_device(a) as ctx:
        sealed = sealed_data.seal(ctx, b"p", "name", b"payload")
        assert sealed_data.unseal(ctx, b"p", "name", sealed) == b"payload"
        for bad_name, bad_purpose in (("other", b"p"), ("name", b"q")):
            with pytest.raises(InvalidSignatureError):
                sealed_data.unseal(ctx, bad_purpose, bad_name, sealed)
        for i in (1, 13, len(sealed) - 1):
            bad = bytearray(sealed)
            bad[i] ^= 1
            with pytest.raises(InvalidSignatureError):
                sealed_data.unseal(ctx, b"p", "name", bytes(bad))
        with pytest.raises(psacrypto.DataInvalidError):
            sealed_data.unseal(ctx, b"p", "name", b"\x01short")
        # the data key never leaves the device
        key = sealed_data.data_key(ctx, b"p")
        with pytest.raises(NotPermittedError):
            ctx.export_key(key)
    with sealed_data.open_device(a) as ctx:  # restart
        assert sealed_data.unseal(ctx, b"p", "name", sealed) == b"payload"
    with sealed_data.open_device(b) as ctx, pytest.raises(InvalidSignatureError):
        sealed_data.unseal(ctx, b"p", "name", sealed)


def test_sealed_store_keys(tmp_path: Path) -> None:
    device = tmp_path / "dev" / "huk.bin"
    with sealed_data.open_device(device) as ctx:
        store = sealed_data.SealedStore(ctx, tmp_path / "data")
        key = ctx.generate_key(
            KeyAttributes(type=c.KEY_TYPE_AES, bits=128, usage_flags=c.KEY_USAGE_EXPORT)
        )
        store.put_key("k", key)
        material = ctx.export_key(key)
    blob_path = tmp_path / "data" / "k.key"
    blob = blob_path.read_bytes()
    with sealed_data.open_device(device) as ctx:
        store = sealed_data.SealedStore(ctx, tmp_path / "data")
        assert ctx.export_key(store.get_key("k")) == material
        # a blob whose attributes were edited (usage: add ENCRYPT) does not unwrap
        bad = bytearray(blob)
        bad[22:26] = (c.KEY_USAGE_EXPORT | c.KEY_USAGE_ENCRYPT).to_bytes(4, "big")
        blob_path.write_bytes(bytes(bad))
        with pytest.raises(InvalidSignatureError):
            store.get_key("k")
        # a blob stored under another name does not unwrap either
        (tmp_path / "data" / "other.key").write_bytes(blob)
        with pytest.raises(InvalidSignatureError):
            store.get_key("other")


# --------------------------------------------------------------------------------------
# pairing


def test_pairing_main(tmp_path: Path) -> None:
    assert pairing.main([str(tmp_path)]) == 0


Devices = tuple[Any, Any, Any]


@pytest.fixture
def devices(tmp_path: Path) -> Iterator[Devices]:
    alice = pairing.Device.open("alice", tmp_path / "alice" / "huk.bin")
    bob = pairing.Device.open("bob", tmp_path / "bob" / "huk.bin")
    mallory = pairing.Device.open("mallory", tmp_path / "mallory" / "huk.bin")
    yield alice, bob, mallory
    for d in (alice, bob, mallory):
        d.close()


def test_pairing_keys_agree(devices: Devices) -> None:
    alice, bob, _ = devices
    result = pairing.pair(alice, bob)
    tag = alice.ctx.mac_compute(result.initiator_key, pairing.HMAC_SHA256, b"later message")
    bob.ctx.mac_verify(result.responder_key, pairing.HMAC_SHA256, b"later message", tag)
    # the pairing key and the identity stay inside the cryptoprocessors
    with pytest.raises(NotPermittedError):
        alice.ctx.export_key(result.initiator_key)
    with pytest.raises(NotPermittedError):
        alice.ctx.export_key(alice.identity)
    # each run has fresh nonces: a new transcript and a new key
    again = pairing.pair(alice, bob)
    assert again.transcript != result.transcript


def test_pairing_identities(tmp_path: Path, devices: Devices) -> None:
    alice, bob, mallory = devices
    assert len({alice.public_key, bob.public_key, mallory.public_key}) == 3
    reopened = pairing.Device.open("alice", tmp_path / "alice" / "huk.bin")
    try:
        assert reopened.public_key == alice.public_key  # restart stability
    finally:
        reopened.close()


def test_pairing_rejects_impostor_and_tampering(devices: Devices) -> None:
    alice, bob, mallory = devices
    # Mallory claims Bob's identity (his public key) but holds only her own private key.
    hello_a = alice.hello()
    fake = pairing.Hello("bob", bob.public_key, mallory.ctx.generate_random(16))
    script = pairing.transcript(hello_a, fake)
    key_a = alice.pairing_key(fake.public_key, script)
    key_m = mallory.pairing_key(hello_a.public_key, script)
    tag_m = mallory.confirm(key_m, b"responder", script)
    with pytest.raises(InvalidSignatureError):
        alice.check(key_a, b"responder", script, tag_m)
    # A confirmation for another transcript (tampered nonce) does not verify.
    hello_b = bob.hello()
    script = pairing.transcript(hello_a, hello_b)
    key_a = alice.pairing_key(hello_b.public_key, script)
    key_b = bob.pairing_key(hello_a.public_key, script)
    tampered = pairing.transcript(hello_a, pairing.Hello("bob", bob.public_key, bytes(16)))
    with pytest.raises(InvalidSignatureError):
        bob.check(key_b, b"initiator", script, alice.confirm(key_a, b"initiator", tampered))
    # Reflection: the initiator's own confirmation is not the responder's.
    with pytest.raises(InvalidSignatureError):
        alice.check(key_a, b"responder", script, alice.confirm(key_a, b"initiator", script))


def test_pairing_between_services(tmp_path: Path) -> None:
    """Two HUK-only services; the identity a service client sees is bound to the
    client identity, so it differs from the local owner's on the same HUK."""
    alice = pairing.Device.serve("alice", tmp_path / "alice")
    bob = pairing.Device.serve("bob", tmp_path / "bob")
    try:
        result = pairing.pair(alice, bob)
        tag = bob.ctx.mac_compute(result.responder_key, pairing.HMAC_SHA256, b"m")
        alice.ctx.mac_verify(result.initiator_key, pairing.HMAC_SHA256, b"m", tag)
        served_identity = alice.public_key
    finally:
        alice.close()
        bob.close()
    local = pairing.Device.open("alice", tmp_path / "alice" / "huk.bin")
    try:
        assert local.public_key != served_identity
    finally:
        local.close()
    again = pairing.Device.serve("alice", tmp_path / "alice")
    try:
        assert again.public_key == served_identity  # restart of the service
    finally:
        again.close()
