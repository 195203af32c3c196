"""The PKCS#11 location on a real SoftHSM2 token: keys stay in the token
(inspected with python-pkcs11 directly), attach_key by label, persistence through
the key store, destroy, and a token that becomes unreachable."""

from __future__ import annotations

import pathlib
import shutil
from collections.abc import Iterator
from typing import Any

import pytest

import psacrypto as p
from psacrypto import macros as m
from psacrypto.context import LocalContext
from psacrypto.drivers.pkcs11 import Pkcs11Driver, softhsm

LOC = p.KEY_LOCATION_PRIMARY_SECURE_ELEMENT
GCM = p.ALG_GCM
CRYPT = p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT
KEY = bytes(range(32))


def lifetime(persistent: bool = False, location: int = LOC) -> int:
    persistence = p.KEY_PERSISTENCE_DEFAULT if persistent else p.KEY_PERSISTENCE_VOLATILE
    return m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(persistence, location)


@pytest.fixture(scope="module")
def token() -> softhsm.SoftHsmToken:
    reason = softhsm.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return softhsm.shared_token("psa")


def spec(token: softhsm.SoftHsmToken) -> dict[str, Any]:
    return {"driver": "pkcs11", "library": token.library, "token_label": token.label,
            "pin": token.pin}


@pytest.fixture
def hctx(token: softhsm.SoftHsmToken, tmp_path: pathlib.Path) -> Iterator[LocalContext]:
    ctx = p.open_local(tmp_path / "keys.db", locations={LOC: spec(token)})
    yield ctx
    ctx.close()


def p11session(token: softhsm.SoftHsmToken) -> Any:
    import pkcs11

    tok = pkcs11.lib(token.library).get_token(token_label=token.label)
    try:
        return tok.open(user_pin=token.pin, rw=True)
    except pkcs11.exceptions.UserAlreadyLoggedIn:
        return tok.open(rw=True)


def token_object(ctx: LocalContext, key: int) -> Any:
    """The token's object for a PSA key, found independently of the driver."""
    from pkcs11 import Attribute, ObjectClass

    from psacrypto.core.locations import OpaqueKeySlot

    slot = ctx._get_slot(key)
    assert isinstance(slot, OpaqueKeySlot)
    ref = slot.reference
    key_id = ref[6 : 6 + ref[5]]
    driver = ctx.core.locations.driver(LOC)
    assert isinstance(driver, Pkcs11Driver)
    found = [
        o for o in driver.session().get_objects({Attribute.ID: key_id})
        if o[Attribute.CLASS] != ObjectClass.PUBLIC_KEY
    ]
    assert len(found) == 1
    return found[0]


def test_key_is_sensitive_and_not_extractable(hctx: LocalContext) -> None:
    from pkcs11 import Attribute

    k = hctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(),
                                        usage_flags=CRYPT | p.KEY_USAGE_COPY, algorithm=GCM), KEY)
    obj = token_object(hctx, k)
    assert obj[Attribute.SENSITIVE] is True
    assert obj[Attribute.EXTRACTABLE] is False
    assert obj[Attribute.TOKEN] is False  # a volatile PSA key is a session object
    with pytest.raises(p.NotPermittedError):
        hctx.export_key(k)
    with pytest.raises(p.NotPermittedError):
        hctx.copy_key(k, p.KeyAttributes(lifetime=lifetime(location=0), usage_flags=CRYPT,
                                         algorithm=GCM))
    # the key's value is not readable from the token either
    import pkcs11

    with pytest.raises(pkcs11.exceptions.AttributeSensitive):
        obj[Attribute.VALUE]
    # and the core holds only a reference
    slot = hctx._get_slot(k)
    with pytest.raises(p.NotSupportedError):
        slot.material  # noqa: B018
    # with EXPORT in the policy the token object is extractable (still sensitive)
    e = hctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(),
                                        usage_flags=CRYPT | p.KEY_USAGE_EXPORT, algorithm=GCM),
                        KEY)
    obj = token_object(hctx, e)
    assert obj[Attribute.SENSITIVE] is True and obj[Attribute.EXTRACTABLE] is True
    assert hctx.export_key(e) == KEY


def test_generated_pair_not_extractable(hctx: LocalContext) -> None:
    from pkcs11 import Attribute

    alg = m.ALG_ECDSA(p.ALG_SHA_256)
    k = hctx.generate_key(p.KeyAttributes(
        type=m.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), bits=256, lifetime=lifetime(True),
        id=1, usage_flags=p.KEY_USAGE_SIGN_HASH, algorithm=alg))
    obj = token_object(hctx, k)
    assert obj[Attribute.SENSITIVE] is True and obj[Attribute.EXTRACTABLE] is False
    assert obj[Attribute.TOKEN] is True
    with pytest.raises(p.NotPermittedError):
        hctx.export_key(k)
    assert len(hctx.export_public_key(k)) == 65
    hctx.destroy_key(k)


def test_persistent_key_survives_and_destroy_removes_it(
    token: softhsm.SoftHsmToken, tmp_path: pathlib.Path
) -> None:
    from pkcs11 import Attribute

    store = tmp_path / "keys.db"
    attrs = p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(True), id=42,
                            usage_flags=CRYPT, algorithm=GCM)
    with p.open_local(store, locations={LOC: spec(token)}) as ctx:
        k = ctx.import_key(attrs, KEY)
        ct = ctx.aead_encrypt(k, GCM, b"n" * 12, b"", b"hello")
        key_id = token_object(ctx, k)[Attribute.ID]
    # a new process-like context: metadata from the key store, key from the token
    with p.open_local(store, locations={LOC: spec(token)}) as ctx:
        assert ctx.get_key_attributes(42).lifetime == lifetime(True)
        assert ctx.aead_decrypt(42, GCM, b"n" * 12, b"", ct) == b"hello"
        ctx.destroy_key(42)
        with pytest.raises(p.InvalidHandleError):
            ctx.get_key_attributes(42)
    session = p11session(token)
    assert list(session.get_objects({Attribute.ID: key_id})) == []
    # without the location configured, the key's metadata is there but not usable
    with p.open_local(store) as ctx:
        k = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, usage_flags=CRYPT,
                                           algorithm=GCM), KEY)
        assert len(ctx.aead_encrypt(k, GCM, b"n" * 12, b"", b"x")) == 17


def test_attach_by_label(hctx: LocalContext, token: softhsm.SoftHsmToken) -> None:
    from pkcs11 import Attribute, KeyType, Mechanism
    from pkcs11.mechanisms import GCMParams

    session = p11session(token)
    label = "provisioned-aes"
    for old in session.get_objects({Attribute.LABEL: label}):
        old.destroy()
    provisioned = session.generate_key(
        KeyType.AES, 256, label=label, id=b"\x42\x42", store=True,
        template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                  Attribute.ENCRYPT: True, Attribute.DECRYPT: True},
    )
    try:
        attrs = p.KeyAttributes(lifetime=lifetime(), usage_flags=CRYPT, algorithm=GCM)
        k = hctx.attach_key(attrs, label.encode())
        got = hctx.get_key_attributes(k)
        assert (got.type, got.bits) == (p.KEY_TYPE_AES, 256)
        ct = hctx.aead_encrypt(k, GCM, b"n" * 12, b"ad", b"payload")
        direct = provisioned.encrypt(b"payload", mechanism=Mechanism.AES_GCM,
                                     mechanism_param=GCMParams(b"n" * 12, b"ad", 128))
        assert ct == direct
        by_id = hctx.attach_key(attrs, b"id:4242")
        assert hctx.aead_decrypt(by_id, GCM, b"n" * 12, b"ad", ct) == b"payload"
        # destroy detaches: the provisioned key stays in the token
        hctx.destroy_key(k)
        assert provisioned[Attribute.LABEL] == label
        with pytest.raises(p.DoesNotExistError):
            hctx.attach_key(attrs, b"no such label")
        # keys that psacrypto created (for any client) cannot be attached
        own = hctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(),
                                              usage_flags=CRYPT, algorithm=GCM), KEY)
        own_obj = token_object(hctx, own)
        by_label = own_obj[Attribute.LABEL].encode()
        for name in (by_label, b"id:" + own_obj[Attribute.ID].hex().encode()):
            with pytest.raises(p.DoesNotExistError):
                hctx.attach_key(attrs, name)
        with pytest.raises(p.InvalidArgumentError):
            hctx.attach_key(p.KeyAttributes(type=p.KEY_TYPE_HMAC, lifetime=lifetime(),
                                            usage_flags=CRYPT, algorithm=GCM), label.encode())
        with pytest.raises(p.InvalidArgumentError):
            hctx.attach_key(p.KeyAttributes(lifetime=lifetime(True), id=3, usage_flags=CRYPT,
                                            algorithm=GCM), label.encode())
    finally:
        provisioned.destroy()


def test_token_unreachable(tmp_path: pathlib.Path) -> None:
    """The token's storage disappears: its keys fail with a communication or hardware
    failure, software keys keep working, and the keys come back with the token."""
    if softhsm.unavailable_reason():
        pytest.skip(softhsm.unavailable_reason() or "")
    down = softhsm.shared_token("psa-down")
    store = tmp_path / "keys.db"
    with p.open_local(store, locations={LOC: spec(down)}) as ctx:
        hw = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(True), id=9,
                                            usage_flags=CRYPT, algorithm=GCM), KEY)
        sw = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, usage_flags=CRYPT,
                                            algorithm=GCM), KEY)
        ct = ctx.aead_encrypt(hw, GCM, b"n" * 12, b"", b"x")
        directory = down.token_dir()
        aside = tmp_path / "token-away"  # outside the token directory
        shutil.move(directory, aside)
        try:
            with pytest.raises((p.CommunicationFailureError, p.HardwareFailureError)):
                ctx.aead_decrypt(hw, GCM, b"n" * 12, b"", ct)
            with pytest.raises((p.CommunicationFailureError, p.HardwareFailureError)):
                ctx.aead_decrypt(hw, GCM, b"n" * 12, b"", ct)
            assert ctx.aead_decrypt(sw, GCM, b"n" * 12, b"", ct) == b"x"
            status = ctx.core.locations.describe()[1]["status"]
            assert status.startswith("unreachable"), status
        finally:
            shutil.move(aside, directory)
        driver = ctx.core.locations.driver(LOC)
        assert isinstance(driver, Pkcs11Driver)
        driver.reinit_interval = 0.0
        assert ctx.aead_decrypt(hw, GCM, b"n" * 12, b"", ct) == b"x"
        ctx.destroy_key(hw)


def test_unreachable_library(tmp_path: pathlib.Path) -> None:
    """A location whose PKCS#11 module cannot be loaded: creating or using keys there
    is a communication failure; location 0 works."""
    drv = Pkcs11Driver(str(tmp_path / "missing.so"), token_label="x", pin="1")
    with p.open_local("memory", locations={LOC: drv}) as ctx:
        with pytest.raises(p.CommunicationFailureError):
            ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(),
                                           usage_flags=CRYPT, algorithm=GCM), KEY)
        k = ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, usage_flags=CRYPT,
                                           algorithm=GCM), KEY)
        assert ctx.aead_decrypt(k, GCM, b"n" * 12, b"",
                                ctx.aead_encrypt(k, GCM, b"n" * 12, b"", b"y")) == b"y"
        rows = ctx.core.locations.describe()
        assert rows[1]["status"].startswith("error") or rows[1]["status"].startswith("unreach")


def test_threads_share_the_token(hctx: LocalContext) -> None:
    """Service worker threads use one driver session concurrently."""
    import threading

    alg = m.ALG_ECDSA(p.ALG_SHA_256)
    aes = hctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_AES, lifetime=lifetime(),
                                          usage_flags=CRYPT, algorithm=GCM), KEY)
    pair = hctx.generate_key(p.KeyAttributes(
        type=m.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), bits=256, lifetime=lifetime(),
        usage_flags=p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE, algorithm=alg))
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(40):
                msg = f"{n}-{i}".encode()
                nonce = (n * 1000 + i).to_bytes(12, "big")
                ct = hctx.aead_encrypt(aes, GCM, nonce, b"", msg)
                assert hctx.aead_decrypt(aes, GCM, nonce, b"", ct) == msg
                if i % 8 == 0:
                    hctx.verify_message(pair, alg, msg, hctx.sign_message(pair, alg, msg))
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
