"""The driver interface and dispatch by location: a minimal opaque driver written
against drivers/base.py, the remote driver (a location served by another
psacrypto service), the service's [locations] configuration, and driver-down
behaviour."""

from __future__ import annotations

import hmac as std_hmac
import os
import pathlib
from collections.abc import Iterator
from typing import Any

import pytest

import psacrypto as p
from psacrypto import macros as m
from psacrypto.attributes import KeyAttributes
from psacrypto.core.locations import OpaqueKeySlot, describe_locations
from psacrypto.drivers import base
from psacrypto.drivers.pkcs11 import softhsm
from psacrypto.drivers.software import symmetric
from psacrypto.remote.config import config_from_dict
from psacrypto.remote.testing import ServerProcess

LOC = 0x800001  # a vendor location for the toy driver
HMAC256 = m.ALG_HMAC(p.ALG_SHA_256)
AT_LEAST_16 = m.ALG_AT_LEAST_THIS_LENGTH_MAC(HMAC256, 16)
MAC_USAGE = p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE
GCM = p.ALG_GCM
CRYPT = p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT


def lifetime(location: int, persistent: bool = False) -> int:
    persistence = p.KEY_PERSISTENCE_DEFAULT if persistent else p.KEY_PERSISTENCE_VOLATILE
    return m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(persistence, location)


class ToyDriver(base.OpaqueDriver):
    """An opaque driver holding HMAC-SHA-256 keys in a dict (the reference is a
    random handle): the smallest driver the interface allows."""

    name = "toy"

    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[bytes, bytes] = {}
        self.calls: list[str] = []

    def supports_key(self, key_type: int, bits: int) -> bool:
        return key_type in (p.KEY_TYPE_HMAC, p.KEY_TYPE_DERIVE) and bits == 256

    def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        return family == base.MAC and alg == HMAC256 and key_type == p.KEY_TYPE_HMAC

    def import_key(self, attributes: KeyAttributes, material: bytes) -> bytes:
        ref = os.urandom(8)
        self.keys[ref] = bytes(material)
        self.calls.append("import")
        return ref

    def destroy_key(self, attributes: KeyAttributes, reference: bytes) -> None:
        self.calls.append("destroy")
        del self.keys[reference]

    def mac_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        self.calls.append("bind")
        secret = self.keys[reference]

        def compute(data: symmetric.BytesLike) -> bytes:
            return std_hmac.new(secret, bytes(data), "sha256").digest()

        def new() -> symmetric.MacStream:
            h = std_hmac.new(secret, digestmod="sha256")
            return h.update, h.digest

        return symmetric.MacKey(compute, new)


def test_toy_driver_dispatch(tmp_path: pathlib.Path) -> None:
    toy = ToyDriver()
    store = tmp_path / "keys.db"
    key = bytes(range(32))
    with p.open_local(store, locations={LOC: toy}) as ctx:
        k = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_HMAC, lifetime=lifetime(LOC, True),
                                           id=5, usage_flags=MAC_USAGE | p.KEY_USAGE_DERIVE,
                                           algorithm=AT_LEAST_16), key)
        assert toy.calls == ["import"]
        mac = ctx.mac_compute(k, HMAC256, b"abc")
        assert mac == std_hmac.new(key, b"abc", "sha256").digest()
        ctx.mac_verify(k, HMAC256, b"abc", mac)
        assert "bind" in toy.calls
        # the core never holds the key, and the record holds only the reference
        slot = ctx._get_slot(k)
        assert isinstance(slot, OpaqueKeySlot)
        with pytest.raises(p.NotSupportedError):
            slot.material  # noqa: B018
        record = ctx.core.store.load("", k)
        assert record is not None and record.material in toy.keys
        # what the location cannot do: NOT_SUPPORTED, never a software fallback
        with pytest.raises(p.NotSupportedError):
            ctx.mac_compute(k, m.ALG_TRUNCATED_MAC(HMAC256, 20), b"abc")
        with pytest.raises(p.NotSupportedError):
            ctx.check_key_usage(k, m.ALG_TRUNCATED_MAC(HMAC256, 20), p.KEY_USAGE_SIGN_MESSAGE)
        ctx.check_key_usage(k, HMAC256, p.KEY_USAGE_SIGN_MESSAGE)
        d = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_DERIVE, lifetime=lifetime(LOC),
                                           usage_flags=p.KEY_USAGE_DERIVE,
                                           algorithm=m.ALG_HKDF(p.ALG_SHA_256)), key)
        with ctx.KeyDerivationOperation() as op:
            op.setup(m.ALG_HKDF(p.ALG_SHA_256))
            with pytest.raises(p.NotSupportedError):
                op.input_key(p.KEY_DERIVATION_INPUT_SECRET, d)
        ctx.destroy_key(d)
        with pytest.raises(p.NotSupportedError):
            ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(LOC),
                                           usage_flags=CRYPT, algorithm=GCM), key)
        with pytest.raises(p.NotSupportedError):
            ctx.generate_key(p.KeyAttributes(type=p.KEY_TYPE_HMAC, bits=256,
                                             lifetime=lifetime(LOC), usage_flags=MAC_USAGE,
                                             algorithm=HMAC256))
        with pytest.raises(p.InvalidArgumentError):  # the spec's size rules come first
            ctx.generate_key(p.KeyAttributes(type=p.KEY_TYPE_AES, bits=100,
                                             lifetime=lifetime(LOC), usage_flags=CRYPT,
                                             algorithm=GCM))
        assert len(toy.keys) == 1  # the failed creations left nothing behind
    # the persistent key's lifetime sends later requests back to the same driver
    with p.open_local(store, locations={LOC: toy}) as ctx:
        assert ctx.mac_compute(5, HMAC256, b"abc") == mac
        ctx.destroy_key(5)
        assert toy.keys == {} and toy.calls[-1] == "destroy"
    # a key whose location is not configured (any more): the key store still knows
    # it, but using it is a communication failure
    with p.open_local(store, locations={LOC: toy}) as ctx:
        k = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_HMAC, lifetime=lifetime(LOC, True),
                                           id=6, usage_flags=MAC_USAGE, algorithm=HMAC256), key)
    with p.open_local(store) as ctx:
        assert ctx.get_key_attributes(6).lifetime == lifetime(LOC, True)
        with pytest.raises(p.CommunicationFailureError):
            ctx.mac_compute(6, HMAC256, b"abc")


def test_admin_delete_destroys_in_driver() -> None:
    toy = ToyDriver()
    with p.open_local("memory", locations={LOC: toy}) as ctx:
        for i, persistent in enumerate((True, False)):
            ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_HMAC,
                                           lifetime=lifetime(LOC, persistent), id=i + 1 if
                                           persistent else 0, usage_flags=MAC_USAGE,
                                           algorithm=HMAC256), bytes(32))
        assert len(toy.keys) == 2
        assert ctx.core.delete_owner_keys("") == 2
        assert toy.keys == {}


def test_describe_and_registry() -> None:
    with p.open_local("memory", locations={LOC: ToyDriver()}) as ctx:
        rows = describe_locations(ctx.core)
        assert ctx.core.locations() == rows  # what the capability call publishes
        assert rows[1] == {
            "location": LOC, "name": "vendor location 0x800001", "driver": "toy",
            "kind": "opaque", "status": "ok",
            "key_types": [[p.KEY_TYPE_HMAC, 256], [p.KEY_TYPE_DERIVE, 256]],
            "algorithms": [HMAC256],
        }
        assert rows[0]["kind"] == "transparent" and rows[0]["accelerators"] == []
        assert ctx.core.locations.available == frozenset((0, LOC))
    with pytest.raises(p.InvalidArgumentError):
        p.open_local("memory", locations={1: {"driver": "nope"}})


def test_config_locations() -> None:
    cfg = config_from_dict({"locations": {
        "1": {"driver": "pkcs11", "library": "/x.so", "token_label": "psa", "pin_env": "PIN"},
        "0x800002": {"driver": "remote", "url": "unix:///tmp/x.sock"},
    }})
    assert cfg.locations[1]["token_label"] == "psa"
    assert cfg.locations[0x800002]["url"] == "unix:///tmp/x.sock"
    for bad in ({"0": {"driver": "remote", "url": "u"}}, {"1": {"driver": "x"}},
                {"1": {"driver": "pkcs11"}}, {"one": {"driver": "remote", "url": "u"}}):
        with pytest.raises(ValueError):
            config_from_dict({"locations": bad})


def test_pin_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from psacrypto.core.locations import create_driver
    from psacrypto.drivers.pkcs11 import Pkcs11Driver

    monkeypatch.setenv("PSA_TEST_PIN", "9876")
    drv = create_driver({"driver": "pkcs11", "library": "/none.so", "pin_env": "PSA_TEST_PIN"})
    assert isinstance(drv, Pkcs11Driver) and drv._pin == "9876"
    monkeypatch.delenv("PSA_TEST_PIN")
    with pytest.raises(p.InvalidArgumentError):
        create_driver({"driver": "pkcs11", "library": "/none.so", "pin_env": "PSA_TEST_PIN"})


# Remote --------------------------------------------------------------------------------


@pytest.fixture
def remote(tmp_path: pathlib.Path) -> Iterator[ServerProcess]:
    srv = ServerProcess.start(tmp_path / "svc", keystore=str(tmp_path / "svc" / "keys.db"))
    yield srv
    srv.stop()


def test_remote_down_and_back(remote: ServerProcess, tmp_path: pathlib.Path) -> None:
    key = bytes(range(16))
    with p.open_local(tmp_path / "front.db",
                      locations={2: {"driver": "remote", "url": remote.url}}) as ctx:
        far = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(2, True),
                                             id=3, usage_flags=CRYPT, algorithm=GCM), key)
        gone = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(2),
                                              usage_flags=CRYPT, algorithm=GCM), key)
        near = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, usage_flags=CRYPT,
                                              algorithm=GCM), key)
        ct = ctx.aead_encrypt(far, GCM, b"n" * 12, b"", b"x")
        remote.stop()
        with pytest.raises(p.CommunicationFailureError):
            ctx.aead_decrypt(far, GCM, b"n" * 12, b"", ct)
        with pytest.raises(p.CommunicationFailureError):
            ctx.aead_decrypt(gone, GCM, b"n" * 12, b"", ct)
        assert ctx.aead_decrypt(near, GCM, b"n" * 12, b"", ct) == b"x"
        assert ctx.core.locations.describe()[1]["status"].startswith("unreachable")
        # destroying a persistent key needs its cryptoprocessor: it stays registered
        with pytest.raises(p.CommunicationFailureError):
            ctx.destroy_key(far)
        assert ctx.get_key_attributes(far).id == far
        remote.launch()
        # the persistent key is back; the volatile one died with its connection
        assert ctx.aead_decrypt(far, GCM, b"n" * 12, b"", ct) == b"x"
        with pytest.raises(p.HardwareFailureError):
            ctx.aead_decrypt(gone, GCM, b"n" * 12, b"", ct)
        ctx.destroy_key(gone)
        ctx.destroy_key(far)
        # a volatile key is forgotten even when its cryptoprocessor is away (the
        # failure is reported; the remote copy ends with the connection)
        lost = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(2),
                                              usage_flags=CRYPT, algorithm=GCM), key)
        remote.stop()
        with pytest.raises(p.CommunicationFailureError):
            ctx.destroy_key(lost)
        with pytest.raises(p.InvalidHandleError):
            ctx.get_key_attributes(lost)


def test_service_fronts_pkcs11_and_remote_chain(tmp_path: pathlib.Path) -> None:
    """A service whose [locations.1] is a PKCS#11 token; a local context whose
    location 2 is that service's location 1: psacrypto -> psacrypto -> HSM."""
    reason = softhsm.unavailable_reason()
    if reason:
        pytest.skip(reason)
    token = softhsm.shared_token("psa")
    env = {"SOFTHSM2_CONF": os.environ["SOFTHSM2_CONF"], "PSA_PIN": token.pin}
    srv = ServerProcess.start(
        tmp_path / "svc",
        env=env,
        locations={"1": {"driver": "pkcs11", "library": token.library,
                         "token_label": token.label, "pin_env": "PSA_PIN"}},
    )
    try:
        with srv.connect() as rctx:
            caps = rctx.capabilities()
            locs = {row["location"]: row for row in caps["locations"]}
            assert locs[1]["driver"] == "pkcs11" and locs[1]["status"] == "ok"
            k = rctx.generate_key(p.KeyAttributes(type=p.KEY_TYPE_AES, bits=256,
                                                  lifetime=lifetime(1), usage_flags=CRYPT,
                                                  algorithm=GCM))
            ct = rctx.aead_encrypt(k, GCM, b"n" * 12, b"", b"through the service")
            assert rctx.aead_decrypt(k, GCM, b"n" * 12, b"", ct) == b"through the service"
            with pytest.raises(p.NotPermittedError):
                rctx.export_key(k)
        chain = {2: {"driver": "remote", "url": srv.url, "remote_location": 1}}
        with p.open_local("memory", locations=chain) as ctx:
            alg = m.ALG_ECDSA(p.ALG_SHA_256)
            pair = ctx.generate_key(p.KeyAttributes(
                type=m.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), bits=256,
                lifetime=lifetime(2), usage_flags=p.KEY_USAGE_SIGN_MESSAGE
                | p.KEY_USAGE_VERIFY_MESSAGE, algorithm=alg))
            sig = ctx.sign_message(pair, alg, b"hello")
            ctx.verify_message(pair, alg, b"hello", sig)
            with pytest.raises(p.NotPermittedError):
                ctx.export_key(pair)
    finally:
        srv.stop()
