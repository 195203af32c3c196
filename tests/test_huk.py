"""The HUK-only cryptoprocessor (architecture 4.3): provisioning, the built-in HUK key
and its non-exportability through every API path, owner binding, attach_key labels,
and sealed application keys (psacrypto.huk)."""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import CONTEXTS, is_remote, key_inventory
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import psacrypto
from psacrypto import constants as c
from psacrypto import huk as hukmod
from psacrypto import macros as m
from psacrypto.attributes import KeyAttributes
from psacrypto.context import LocalContext
from psacrypto.core.session import KEY_ID_BUILTIN_MIN, Core
from psacrypto.errors import (
    DataCorruptError,
    DataInvalidError,
    DoesNotExistError,
    InvalidArgumentError,
    InvalidHandleError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
    StorageFailureError,
)
from psacrypto.huk import KEY_ID_HUK, HukCorruptError, HukUnavailableError

HKDF_SHA256 = m.ALG_HKDF(c.ALG_SHA_256)
GCM = c.ALG_GCM
ECC_P256 = m.KEY_TYPE_ECC_KEY_PAIR(c.ECC_FAMILY_SECP_R1)


@pytest.fixture
def huk_path(tmp_path: Path) -> Path:
    return tmp_path / "device" / "huk.bin"


#: hctx -> a factory of contexts of other owners of the same device (see other_owner)
_OTHER_OWNERS: dict[int, Callable[[str], Any]] = {}
_TOKENS = {name: f"{name}-huk-token" for name in ("hctx", "alice", "bob", "admin")}


@pytest.fixture(params=CONTEXTS)
def hctx(request: pytest.FixtureRequest, huk_path: Path) -> Iterator[Any]:
    """A HUK-only cryptoprocessor (no key storage) on a fresh HUK file at huk_path:
    in-process (``local``), or a HUK-only service on that file and a client of it
    (``remote``; the client ``token:hctx``, with ``alice``, ``bob`` and the
    administrator ``admin`` as other clients)."""
    if request.param == "local":
        ctx = psacrypto.open_local("none", huk=huk_path)
        _OTHER_OWNERS[id(ctx)] = lambda name: ctx.core.session("unix:" + name)
        try:
            yield ctx
        finally:
            del _OTHER_OWNERS[id(ctx)]
            ctx.close()
        return
    from psacrypto.keystore import NoKeyStore
    from psacrypto.remote.config import ServerConfig, hash_token
    from psacrypto.remote.testing import InProcessServer

    config = ServerConfig(
        listen=["unix://" + str(huk_path.parent.parent / "huk-psa.sock")],
        keystore="none",
        tokens={name: hash_token(token) for name, token in _TOKENS.items()},
        admins=["token:admin"],
        auth_unix=False,
        log_level="WARNING",
    )
    core = Core(NoKeyStore())
    others: list[Any] = []
    try:
        hukmod.install(core, huk_path)
        with InProcessServer(config, core=core) as server:
            ctx = server.connect(token=_TOKENS["hctx"])

            def other(name: str) -> Any:
                others.append(server.connect(token=_TOKENS[name]))
                return others[-1]

            _OTHER_OWNERS[id(ctx)] = other
            try:
                yield ctx
            finally:
                del _OTHER_OWNERS[id(ctx)]
                for context in [ctx, *others]:
                    context.close()
    finally:
        core.close()


def other_owner(hctx: Any, name: str) -> Any:
    """A context of another owner (client) ``name`` on the same HUK device."""
    return _OTHER_OWNERS[id(hctx)](name)


def delete_owner_keys(hctx: Any) -> None:
    """The administrator's "delete every key of this client" (Core.delete_owner_keys;
    through a service: the admin_delete_keys call)."""
    if is_remote(hctx):
        other_owner(hctx, "admin").admin_delete_keys(hctx.owner)
    else:
        hctx.core.delete_owner_keys(hctx.owner)


def raw_huk(path: Path) -> bytes:
    """The HUK as stored (the test peeks at the file to check the documented scheme)."""
    data = path.read_bytes()
    assert len(data) == 72 and data.startswith(b"PSAHUK1\n")
    return data[8:40]


def hkdf(ikm: bytes, info: bytes, length: int = 32) -> bytes:
    return HKDF(hashes.SHA256(), length, None, info).derive(ikm)


def derive_bytes(ctx: Any, info: bytes, n: int = 32, key: int = KEY_ID_HUK) -> bytes:
    op = ctx.KeyDerivationOperation()
    ctx.key_derivation_setup(op, HKDF_SHA256)
    ctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, key)
    ctx.key_derivation_input_bytes(op, c.KEY_DERIVATION_INPUT_INFO, info)
    out: bytes = ctx.key_derivation_output_bytes(op, n)
    ctx.key_derivation_abort(op)
    return out


def flip(path: Path, offset: int) -> None:
    path.chmod(0o600)
    data = bytearray(path.read_bytes())
    data[offset] ^= 1
    path.write_bytes(bytes(data))
    path.chmod(0o400)


# --------------------------------------------------------------------------------------
# Provisioning


def test_first_start_provisions(huk_path: Path) -> None:
    huk = hukmod.load_huk(huk_path)
    assert huk_path.stat().st_mode & 0o777 == 0o400
    assert huk_path.stat().st_size == 72
    marker = hukmod.default_marker_path(huk_path)
    assert (
        marker.read_bytes() == b"psacrypto-huk-fingerprint-v1 " + huk.fingerprint.encode() + b"\n"
    )
    content = huk_path.read_bytes()
    assert content[-32:] == hashlib.sha256(content[:40]).digest()
    # Later starts use it and never replace it.
    for _ in range(3):
        assert hukmod.load_huk(huk_path).fingerprint == huk.fingerprint
    assert huk_path.read_bytes() == content
    assert sorted(p.name for p in huk_path.parent.iterdir()) == ["huk.bin", "huk.bin.provisioned"]


def test_missing_after_provisioning_is_an_error(huk_path: Path) -> None:
    hukmod.load_huk(huk_path)
    huk_path.unlink()
    with pytest.raises(HukUnavailableError) as info:
        hukmod.load_huk(huk_path)
    assert isinstance(info.value, StorageFailureError)
    assert "missing" in str(info.value)
    assert not huk_path.exists()  # no silent new key
    with pytest.raises(HukUnavailableError):
        psacrypto.open_local("none", huk=huk_path)


@pytest.mark.parametrize("offset", [0, 7, 8, 39, 40, 71])
def test_altered_file_is_an_error(huk_path: Path, offset: int) -> None:
    hukmod.load_huk(huk_path)
    flip(huk_path, offset)
    with pytest.raises(HukCorruptError) as info:
        hukmod.load_huk(huk_path)
    assert isinstance(info.value, DataCorruptError)


@pytest.mark.parametrize("size", [0, 40, 71, 73])
def test_truncated_or_extended_file_is_an_error(huk_path: Path, size: int) -> None:
    hukmod.load_huk(huk_path)
    data = huk_path.read_bytes()
    huk_path.chmod(0o600)
    huk_path.write_bytes((data + b"\0")[:size])
    huk_path.chmod(0o400)
    with pytest.raises(HukCorruptError):
        hukmod.load_huk(huk_path)


def test_replaced_file_is_an_error(huk_path: Path, tmp_path: Path) -> None:
    hukmod.load_huk(huk_path)
    other = tmp_path / "other" / "huk.bin"
    hukmod.load_huk(other)  # a valid HUK file of another device
    huk_path.chmod(0o600)
    huk_path.unlink()
    os.link(other, huk_path)
    with pytest.raises(HukCorruptError, match="not the one"):
        hukmod.load_huk(huk_path)


def test_marker_checks(huk_path: Path) -> None:
    huk = hukmod.load_huk(huk_path)
    marker = hukmod.default_marker_path(huk_path)
    marker.unlink()  # the HUK file is the authority: the marker is re-created
    assert hukmod.load_huk(huk_path).fingerprint == huk.fingerprint
    assert marker.exists()
    marker.chmod(0o600)
    marker.write_bytes(b"garbage")
    marker.chmod(0o400)
    with pytest.raises(HukCorruptError):
        hukmod.load_huk(huk_path)


def test_marker_elsewhere(tmp_path: Path) -> None:
    path, marker = tmp_path / "a" / "huk.bin", tmp_path / "b" / "provisioned"
    huk = hukmod.load_huk(path, marker=marker)
    assert marker.exists() and not hukmod.default_marker_path(path).exists()
    assert hukmod.load_huk(path, marker=marker).fingerprint == huk.fingerprint


def test_permissions_and_file_kind(huk_path: Path, tmp_path: Path) -> None:
    hukmod.load_huk(huk_path)
    huk_path.chmod(0o644)
    with pytest.raises(HukUnavailableError, match="0400"):
        hukmod.load_huk(huk_path)
    huk_path.chmod(0o400)
    link = tmp_path / "link.bin"
    link.symlink_to(huk_path)
    with pytest.raises(HukUnavailableError):
        hukmod.load_huk(link)


def test_provisioning_can_be_disabled(huk_path: Path) -> None:
    with pytest.raises(HukUnavailableError):
        hukmod.load_huk(huk_path, provision=False)
    assert not huk_path.exists()
    huk = hukmod.load_huk(huk_path)
    assert hukmod.load_huk(huk_path, provision=False).fingerprint == huk.fingerprint


def test_concurrent_first_start(huk_path: Path) -> None:
    results: list[str] = []
    errors: list[BaseException] = []

    def start() -> None:
        try:
            results.append(hukmod.load_huk(huk_path).fingerprint)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(results)) == 1


# --------------------------------------------------------------------------------------
# The built-in key


def test_builtin_key_attributes(hctx: LocalContext) -> None:
    got = hctx.get_key_attributes(KEY_ID_HUK)
    assert KEY_ID_HUK == KEY_ID_BUILTIN_MIN == 0x7FFF0000
    assert c.KEY_ID_VENDOR_MIN <= KEY_ID_HUK <= c.KEY_ID_VENDOR_MAX
    assert got == KeyAttributes(
        type=c.KEY_TYPE_DERIVE,
        bits=256,
        lifetime=m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(
            c.KEY_PERSISTENCE_READ_ONLY, c.KEY_LOCATION_LOCAL_STORAGE
        ),
        id=KEY_ID_HUK,
        usage_flags=c.KEY_USAGE_DERIVE,
        algorithm=HKDF_SHA256,
    )
    for other in (KEY_ID_HUK + 1, c.KEY_ID_VENDOR_MAX):
        with pytest.raises(InvalidHandleError):
            hctx.get_key_attributes(other)


def test_no_builtin_key_without_huk(ctx: LocalContext) -> None:
    with pytest.raises(InvalidHandleError):
        ctx.get_key_attributes(KEY_ID_HUK)


@pytest.mark.local_only  # sessions of arbitrary owners on the core (wire: test_wire_*)
def test_derivation_is_owner_bound_hkdf(hctx: LocalContext, huk_path: Path) -> None:
    """The built-in key's material for owner O is HKDF-SHA-256(HUK, "psacrypto huk owner"
    || O), never the HUK itself."""
    huk = raw_huk(huk_path)
    info = b"application label"
    for owner in ("", "unix:alice", "tls:bob"):
        session = hctx.core.session(owner)
        expected_secret = hkdf(huk, b"psacrypto huk owner" + owner.encode())
        assert derive_bytes(session, info, 48) == hkdf(expected_secret, info, 48)
        assert derive_bytes(session, info, 32) != hkdf(huk, info)
    alice, bob = hctx.core.session("unix:alice"), hctx.core.session("unix:bob")
    assert derive_bytes(alice, info) != derive_bytes(bob, info)
    assert derive_bytes(alice, info) == derive_bytes(hctx.core.session("unix:alice"), info)


def test_restart_and_other_device(huk_path: Path, tmp_path: Path) -> None:
    attributes = KeyAttributes(type=c.KEY_TYPE_AES, bits=256, usage_flags=c.KEY_USAGE_EXPORT)

    def derived(path: Path) -> tuple[bytes, bytes]:
        with psacrypto.open_local("none", huk=path) as ctx:
            op = ctx.KeyDerivationOperation()
            ctx.key_derivation_setup(op, HKDF_SHA256)
            ctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, KEY_ID_HUK)
            ctx.key_derivation_input_bytes(op, c.KEY_DERIVATION_INPUT_INFO, b"disk key")
            key = ctx.key_derivation_output_key(attributes, op)
            return ctx.export_key(key), derive_bytes(ctx, b"other")

    first = derived(huk_path)
    assert derived(huk_path) == first  # restart
    assert derived(tmp_path / "device2" / "huk.bin")[0] != first[0]  # another device


def test_persistent_keys_are_not_supported(hctx: LocalContext) -> None:
    persistent = KeyAttributes(
        type=c.KEY_TYPE_AES,
        lifetime=c.KEY_LIFETIME_PERSISTENT,
        id=1,
        usage_flags=c.KEY_USAGE_EXPORT | c.KEY_USAGE_COPY,
    )
    with pytest.raises(NotSupportedError):
        hctx.import_key(persistent, bytes(16))
    persistent.bits = 128
    with pytest.raises(NotSupportedError):
        hctx.generate_key(persistent)
    op = hctx.KeyDerivationOperation()
    hctx.key_derivation_setup(op, HKDF_SHA256)
    hctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, KEY_ID_HUK)
    hctx.key_derivation_input_bytes(op, c.KEY_DERIVATION_INPUT_INFO, b"x")
    with pytest.raises(NotSupportedError):
        hctx.key_derivation_output_key(persistent, op)
    hctx.key_derivation_abort(op)
    volatile = KeyAttributes(type=c.KEY_TYPE_AES, usage_flags=c.KEY_USAGE_COPY)
    key = hctx.import_key(volatile, bytes(16))
    with pytest.raises(NotSupportedError):
        hctx.copy_key(key, persistent)
    with pytest.raises(InvalidHandleError):
        hctx.get_key_attributes(1)
    assert key_inventory(hctx) == [hctx.get_key_attributes(key)]


# --------------------------------------------------------------------------------------
# Non-exportability: every API path


def _other_keys(ctx: LocalContext) -> dict[str, int]:
    ecc = ctx.generate_key(
        KeyAttributes(type=ECC_P256, bits=256, usage_flags=c.KEY_USAGE_DERIVE, algorithm=c.ALG_ECDH)
    )
    kek = ctx.import_key(
        KeyAttributes(type=c.KEY_TYPE_AES, usage_flags=c.KEY_USAGE_WRAP, algorithm=c.ALG_KW),
        bytes(16),
    )
    return {"ecc": ecc, "kek": kek}


def test_huk_never_leaves(hctx: LocalContext) -> None:
    k = KEY_ID_HUK
    keys = _other_keys(hctx)
    peer = hctx.export_public_key(keys["ecc"])
    hmac = m.ALG_HMAC(c.ALG_SHA_256)
    attempts: dict[str, tuple[type[PsaError], Callable[[], object]]] = {
        "export": (NotPermittedError, lambda: hctx.export_key(k)),
        "export_public": (InvalidArgumentError, lambda: hctx.export_public_key(k)),
        "copy": (
            NotPermittedError,
            lambda: hctx.copy_key(
                k, KeyAttributes(usage_flags=c.KEY_USAGE_DERIVE, algorithm=HKDF_SHA256)
            ),
        ),
        "copy-export": (
            NotPermittedError,
            lambda: hctx.copy_key(k, KeyAttributes(usage_flags=c.KEY_USAGE_EXPORT)),
        ),
        "destroy": (NotPermittedError, lambda: hctx.destroy_key(k)),
        "mac": (NotPermittedError, lambda: hctx.mac_compute(k, hmac, b"x")),
        "mac_verify": (NotPermittedError, lambda: hctx.mac_verify(k, hmac, b"x", bytes(32))),
        "mac_setup": (NotPermittedError, lambda: hctx.MacOperation().sign_setup(k, hmac)),
        "cipher": (NotPermittedError, lambda: hctx.cipher_encrypt(k, c.ALG_CTR, bytes(16))),
        "cipher_setup": (
            NotPermittedError,
            lambda: hctx.CipherOperation().decrypt_setup(k, c.ALG_CBC_NO_PADDING),
        ),
        "aead": (NotPermittedError, lambda: hctx.aead_encrypt(k, GCM, bytes(12), b"", b"data")),
        "aead_setup": (NotPermittedError, lambda: hctx.AeadOperation().encrypt_setup(k, GCM)),
        "sign_message": (
            NotPermittedError,
            lambda: hctx.sign_message(k, m.ALG_ECDSA(c.ALG_SHA_256), b"x"),
        ),
        "sign_hash": (
            NotPermittedError,
            lambda: hctx.sign_hash(k, m.ALG_ECDSA(c.ALG_SHA_256), bytes(32)),
        ),
        "asym_encrypt": (
            NotPermittedError,
            lambda: hctx.asymmetric_encrypt(k, c.ALG_RSA_PKCS1V15_CRYPT, b"x", b""),
        ),
        "raw_agreement": (NotPermittedError, lambda: hctx.raw_key_agreement(c.ALG_ECDH, k, peer)),
        "key_agreement": (
            NotPermittedError,
            lambda: hctx.key_agreement(k, peer, c.ALG_ECDH, KeyAttributes(type=c.KEY_TYPE_DERIVE)),
        ),
        "wrap-as-wrapping-key": (
            NotPermittedError,
            lambda: hctx.wrap_key(k, c.ALG_KW, keys["kek"]),
        ),
        "wrap-as-key": (NotPermittedError, lambda: hctx.wrap_key(keys["kek"], c.ALG_KW, k)),
        "unwrap-with": (
            NotPermittedError,
            lambda: hctx.unwrap_key(KeyAttributes(type=c.KEY_TYPE_AES), k, c.ALG_KW, bytes(24)),
        ),
        "encapsulate": (
            NotPermittedError,
            lambda: hctx.encapsulate(k, c.ALG_ECIES_SEC1, KeyAttributes(type=c.KEY_TYPE_DERIVE)),
        ),
        "decapsulate": (
            NotPermittedError,
            lambda: hctx.decapsulate(
                k, c.ALG_ECIES_SEC1, bytes(65), KeyAttributes(type=c.KEY_TYPE_DERIVE)
            ),
        ),
    }
    if hasattr(hctx, "SignOperation"):
        attempts["sign_setup"] = (
            NotPermittedError,
            lambda: hctx.SignOperation().setup(k, m.ALG_ECDSA(c.ALG_SHA_256)),
        )
    for name, (error, attempt) in attempts.items():
        with pytest.raises(error):
            attempt()
        # still there, unchanged
        assert hctx.get_key_attributes(k).usage_flags == c.KEY_USAGE_DERIVE, name

    # Key derivation: only HKDF-SHA-256, only as a DERIVE input.
    for alg in (
        m.ALG_HKDF(c.ALG_SHA_512),
        m.ALG_HKDF_EXTRACT(c.ALG_SHA_256),
        m.ALG_HKDF_EXPAND(c.ALG_SHA_256),
        m.ALG_TLS12_PRF(c.ALG_SHA_256),
    ):
        op = hctx.KeyDerivationOperation()
        hctx.key_derivation_setup(op, alg)
        with pytest.raises(NotPermittedError):
            hctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, k)
        hctx.key_derivation_abort(op)
    for step in (c.KEY_DERIVATION_INPUT_SALT, c.KEY_DERIVATION_INPUT_INFO):
        op = hctx.KeyDerivationOperation()
        hctx.key_derivation_setup(op, HKDF_SHA256)
        if step == c.KEY_DERIVATION_INPUT_INFO:
            hctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, k)
        with pytest.raises(InvalidArgumentError):
            hctx.key_derivation_input_key(op, step, k)
        hctx.key_derivation_abort(op)
    op = hctx.KeyDerivationOperation()
    hctx.key_derivation_setup(op, HKDF_SHA256)
    hctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, k)
    hctx.key_derivation_input_bytes(op, c.KEY_DERIVATION_INPUT_INFO, b"x")
    with pytest.raises(NotPermittedError):  # the expected value of verify_key
        hctx.key_derivation_verify_key(op, k)
    hctx.key_derivation_abort(op)
    op = hctx.KeyDerivationOperation()
    hctx.key_derivation_setup(op, m.ALG_KEY_AGREEMENT(c.ALG_ECDH, HKDF_SHA256))
    with pytest.raises(NotPermittedError):
        hctx.key_derivation_key_agreement(op, c.KEY_DERIVATION_INPUT_SECRET, k, peer)
    hctx.key_derivation_abort(op)

    # purge drops nothing that matters; the key stays usable
    hctx.purge_key(k)
    assert len(derive_bytes(hctx, b"still works")) == 32
    # the administrator's "delete every key of the owner" does not reach it either
    delete_owner_keys(hctx)
    assert len(derive_bytes(hctx, b"still works")) == 32

    # check_key_usage agrees
    hctx.check_key_usage(k, HKDF_SHA256, c.KEY_USAGE_DERIVE)
    for usage in (c.KEY_USAGE_EXPORT, c.KEY_USAGE_COPY):
        with pytest.raises(NotPermittedError):
            hctx.check_key_usage(k, c.ALG_NONE, usage)
    with pytest.raises(NotPermittedError):
        hctx.check_key_usage(k, m.ALG_HKDF(c.ALG_SHA_512), c.KEY_USAGE_DERIVE)
    with pytest.raises(NotPermittedError):
        hctx.check_key_usage(k, HKDF_SHA256, c.KEY_USAGE_VERIFY_DERIVATION)


def test_huk_ids_cannot_be_created(hctx: LocalContext) -> None:
    for lifetime in (c.KEY_LIFETIME_PERSISTENT, c.KEY_PERSISTENCE_READ_ONLY):
        a = KeyAttributes(type=c.KEY_TYPE_DERIVE, lifetime=lifetime, id=KEY_ID_HUK)
        with pytest.raises(InvalidArgumentError):
            hctx.import_key(a, bytes(32))


# --------------------------------------------------------------------------------------
# attach_key


def attach_attrs(
    key_type: int = c.KEY_TYPE_AES, bits: int = 256, usage: int = c.KEY_USAGE_EXPORT
) -> KeyAttributes:
    return KeyAttributes(type=key_type, bits=bits, usage_flags=usage)


def test_attach_scheme(hctx: LocalContext, huk_path: Path) -> None:
    key = hctx.attach_key(attach_attrs(), b"huk:disk")
    material = hctx.export_key(key)
    huk = raw_huk(huk_path)
    root = hkdf(huk, b"psacrypto huk attach" + hctx.owner.encode())
    expected = hkdf(root, b"psacrypto attach v1" + bytes.fromhex("240000000100") + b"disk")
    assert material == expected
    got = hctx.get_key_attributes(key)
    assert (got.type, got.bits, got.lifetime) == (c.KEY_TYPE_AES, 256, c.KEY_LIFETIME_VOLATILE)
    # Not computable through the built-in key (a separate owner secret).
    info = b"psacrypto attach v1" + bytes.fromhex("240000000100") + b"disk"
    assert derive_bytes(hctx, info) != material
    # Destroy detaches; attaching again gives a new id for the same key.
    hctx.destroy_key(key)
    again = hctx.attach_key(attach_attrs(), b"huk:disk")
    assert again != key and hctx.export_key(again) == material
    # Label, type and size all enter the derivation.
    assert hctx.export_key(hctx.attach_key(attach_attrs(), b"huk:disk2")) != material
    assert hctx.export_key(hctx.attach_key(attach_attrs(c.KEY_TYPE_ARIA), b"huk:disk")) != material
    assert hctx.export_key(hctx.attach_key(attach_attrs(bits=128), b"huk:disk")) != material[:16]
    # Another owner gets another key.
    bob = other_owner(hctx, "bob")
    assert bob.export_key(bob.attach_key(attach_attrs(), b"huk:disk")) != material


def test_attach_restart_and_device(huk_path: Path, tmp_path: Path) -> None:
    def material(path: Path, key_type: int, bits: int) -> bytes:
        with psacrypto.open_local("none", huk=path) as ctx:
            key = ctx.attach_key(attach_attrs(key_type, bits), b"huk:identity")
            if key_type == ECC_P256:
                return ctx.export_public_key(key)
            return ctx.export_key(key)

    for key_type, bits in ((c.KEY_TYPE_AES, 128), (ECC_P256, 256), (c.KEY_TYPE_HMAC, 512)):
        first = material(huk_path, key_type, bits)
        assert material(huk_path, key_type, bits) == first
        assert material(tmp_path / "other" / "huk.bin", key_type, bits) != first


def test_attach_errors(hctx: LocalContext, ctx: LocalContext) -> None:
    with pytest.raises(DoesNotExistError):
        hctx.attach_key(attach_attrs(), b"disk")
    with pytest.raises(DoesNotExistError):
        hctx.attach_key(attach_attrs(), b"HUK:disk")
    with pytest.raises(DoesNotExistError):  # no HUK configured
        ctx.attach_key(attach_attrs(), b"huk:disk")
    with pytest.raises(InvalidArgumentError):  # type required
        hctx.attach_key(attach_attrs(c.KEY_TYPE_NONE), b"huk:disk")
    with pytest.raises(InvalidArgumentError):  # size required
        hctx.attach_key(attach_attrs(bits=0), b"huk:disk")
    with pytest.raises(InvalidArgumentError):  # size not valid for the type
        hctx.attach_key(attach_attrs(bits=100), b"huk:disk")
    with pytest.raises(InvalidArgumentError):  # a public key cannot be derived
        hctx.attach_key(attach_attrs(m.KEY_TYPE_PUBLIC_KEY_OF_KEY_PAIR(ECC_P256)), b"huk:x")
    persistent = attach_attrs()
    persistent.set_lifetime(c.KEY_LIFETIME_PERSISTENT)
    persistent.id = 3
    with pytest.raises(InvalidArgumentError):
        hctx.attach_key(persistent, b"huk:disk")
    with pytest.raises(InvalidArgumentError):
        hctx.attach_key(attach_attrs(usage=0x8000_0000), b"huk:disk")
    with pytest.raises(NotSupportedError):
        hctx.attach_key(attach_attrs(c.KEY_TYPE_RSA_KEY_PAIR, 2048), b"huk:rsa")


def test_attach_policy_is_the_applications(hctx: LocalContext) -> None:
    key = hctx.attach_key(
        KeyAttributes(
            type=c.KEY_TYPE_AES,
            bits=256,
            usage_flags=c.KEY_USAGE_ENCRYPT | c.KEY_USAGE_DECRYPT,
            algorithm=GCM,
        ),
        b"huk:data",
    )
    ct = hctx.aead_encrypt(key, GCM, bytes(12), b"ad", b"secret")
    assert hctx.aead_decrypt(key, GCM, bytes(12), b"ad", ct) == b"secret"
    with pytest.raises(NotPermittedError):
        hctx.export_key(key)


# --------------------------------------------------------------------------------------
# Sealed application keys


def _app_key(ctx: LocalContext) -> int:
    return ctx.generate_key(
        KeyAttributes(
            type=c.KEY_TYPE_HMAC,
            bits=256,
            usage_flags=c.KEY_USAGE_EXPORT | c.KEY_USAGE_SIGN_MESSAGE | c.KEY_USAGE_VERIFY_MESSAGE,
            algorithm=m.ALG_HMAC(c.ALG_SHA_256),
        )
    )


def test_seal_unseal(huk_path: Path) -> None:
    with psacrypto.open_local("none", huk=huk_path) as ctx:
        key = _app_key(ctx)
        blob = hukmod.seal_key(ctx, key, label=b"app")
        mac = ctx.mac_compute(key, m.ALG_HMAC(c.ALG_SHA_256), b"msg")
        before = len(ctx.core.list_key_attributes(ctx.owner))
        again = hukmod.unseal_key(ctx, blob, label=b"app")
        assert len(ctx.core.list_key_attributes(ctx.owner)) == before + 1  # no leftover keys
    with psacrypto.open_local("none", huk=huk_path) as ctx:  # after a restart
        new = hukmod.unseal_key(ctx, blob, label=b"app")
        got = ctx.get_key_attributes(new)
        assert (got.type, got.bits, got.algorithm) == (
            c.KEY_TYPE_HMAC,
            256,
            m.ALG_HMAC(c.ALG_SHA_256),
        )
        assert ctx.mac_compute(new, m.ALG_HMAC(c.ALG_SHA_256), b"msg") == mac
    assert again


def test_seal_failures(huk_path: Path, tmp_path: Path) -> None:
    with psacrypto.open_local("none", huk=huk_path) as ctx:
        key = _app_key(ctx)
        blob = hukmod.seal_key(ctx, key, label=b"app")
        count = len(ctx.core.list_key_attributes(ctx.owner))

        def rejected(
            data: bytes, label: bytes = b"app", error: type[PsaError] = InvalidSignatureError
        ) -> None:
            with pytest.raises(error):
                hukmod.unseal_key(ctx, data, label=label)
            assert len(ctx.core.list_key_attributes(ctx.owner)) == count

        # tampered wrapped key
        for i in (30, len(blob) // 2 + 10, len(blob) - 1):
            bad = bytearray(blob)
            bad[i] ^= 1
            rejected(bytes(bad))
        # altered attributes: usage (add DERIVE), algorithm, type, bits, lifetime
        header_fields = {"type": 6, "bits": 10, "lifetime": 14, "usage": 22, "alg": 26}
        for offset in header_fields.values():
            bad = bytearray(blob)
            bad[offset + 3] ^= 0x01
            try:
                hukmod.unseal_key(ctx, bytes(bad), label=b"app")
            except (InvalidSignatureError, InvalidArgumentError, NotSupportedError):
                pass
            else:  # pragma: no cover
                raise AssertionError("altered attributes were accepted")
            assert len(ctx.core.list_key_attributes(ctx.owner)) == count
        bad = bytearray(blob)
        bad[22:26] = (
            c.KEY_USAGE_EXPORT
            | c.KEY_USAGE_SIGN_MESSAGE
            | c.KEY_USAGE_VERIFY_MESSAGE
            | c.KEY_USAGE_DERIVE
        ).to_bytes(4, "big")
        rejected(bytes(bad))  # a valid policy, but not the sealed one
        rejected(blob, label=b"other app")
        rejected(b"garbage" * 10, error=DataInvalidError)
        rejected(blob[:20], error=DataInvalidError)
        # another owner cannot unseal
        bob: Any = ctx.core.session("unix:bob")
        with pytest.raises(InvalidSignatureError):
            hukmod.unseal_key(bob, blob, label=b"app")
        # a key without EXPORT cannot be sealed
        fixed = ctx.generate_key(KeyAttributes(type=c.KEY_TYPE_AES, bits=128))
        with pytest.raises(NotPermittedError):
            hukmod.seal_key(ctx, fixed)
    other_device = psacrypto.open_local("none", huk=tmp_path / "other" / "huk.bin")
    with other_device as ctx, pytest.raises(InvalidSignatureError):
        hukmod.unseal_key(ctx, blob, label=b"app")


def test_open_local_failure_closes(huk_path: Path) -> None:
    hukmod.load_huk(huk_path)
    flip(huk_path, 20)
    with pytest.raises(HukCorruptError):
        psacrypto.open_local("memory", huk=huk_path)


def test_install_on_a_core(huk_path: Path) -> None:
    core = Core()
    provider = hukmod.install(core, huk_path)
    session = core.session("tls:device-7")
    assert len(derive_bytes(session, b"x")) == 32
    assert provider.fingerprint == hukmod.load_huk(huk_path).fingerprint
    core.close()


# --------------------------------------------------------------------------------------
# Over the wire: a HUK-only service with two clients


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    from psacrypto.keystore import NoKeyStore
    from psacrypto.remote.config import ServerConfig, hash_token
    from psacrypto.remote.testing import InProcessServer

    base = tmp_path_factory.mktemp("huk-service")
    config = ServerConfig(
        listen=["unix://" + str(base / "psa.sock")],
        keystore="none",
        tokens={"alice": hash_token("alice-token"), "bob": hash_token("bob-token")},
        auth_unix=False,
    )
    core = Core(NoKeyStore())
    hukmod.install(core, base / "huk.bin")
    server = InProcessServer(config, core=core)
    try:
        yield server.url, base / "huk.bin"
    finally:
        server.stop()
        core.close()


@pytest.fixture
def clients(service: tuple[str, Path]) -> Iterator[tuple[Any, Any]]:
    url, _ = service
    alice = psacrypto.connect(url, token="alice-token")
    bob = psacrypto.connect(url, token="bob-token")
    try:
        yield alice, bob
    finally:
        alice.close()
        bob.close()


def test_wire_owner_binding(clients: tuple[Any, Any], service: tuple[str, Path]) -> None:
    alice, bob = clients
    assert alice.get_key_attributes(KEY_ID_HUK) == bob.get_key_attributes(KEY_ID_HUK)
    info = b"same label"
    a, b = derive_bytes(alice, info), derive_bytes(bob, info)
    assert a != b
    assert derive_bytes(alice, info) == a
    huk = raw_huk(service[1])
    assert a == hkdf(hkdf(huk, b"psacrypto huk owner" + b"token:alice"), info)
    # attach_key and sealed keys are per client too
    key_a = alice.attach_key(attach_attrs(), b"huk:k")
    key_b = bob.attach_key(attach_attrs(), b"huk:k")
    assert alice.export_key(key_a) != bob.export_key(key_b)
    app = alice.generate_key(attach_attrs(bits=128))
    blob = hukmod.seal_key(alice, app)
    assert alice.export_key(hukmod.unseal_key(alice, blob)) == alice.export_key(app)
    with pytest.raises(InvalidSignatureError):
        hukmod.unseal_key(bob, blob)


def test_wire_huk_never_leaves(clients: tuple[Any, Any]) -> None:
    alice, _ = clients
    k = KEY_ID_HUK
    hmac = m.ALG_HMAC(c.ALG_SHA_256)
    ecc = alice.generate_key(
        KeyAttributes(type=ECC_P256, bits=256, usage_flags=c.KEY_USAGE_DERIVE, algorithm=c.ALG_ECDH)
    )
    peer = alice.export_public_key(ecc)
    kek = alice.import_key(
        KeyAttributes(type=c.KEY_TYPE_AES, usage_flags=c.KEY_USAGE_WRAP, algorithm=c.ALG_KW),
        bytes(16),
    )
    attempts: list[tuple[type[PsaError], Callable[[], object]]] = [
        (NotPermittedError, lambda: alice.export_key(k)),
        (InvalidArgumentError, lambda: alice.export_public_key(k)),
        (
            NotPermittedError,
            lambda: alice.copy_key(k, KeyAttributes(usage_flags=c.KEY_USAGE_EXPORT)),
        ),
        (NotPermittedError, lambda: alice.destroy_key(k)),
        (NotPermittedError, lambda: alice.mac_compute(k, hmac, b"x")),
        (NotPermittedError, lambda: alice.cipher_encrypt(k, c.ALG_CTR, bytes(16))),
        (NotPermittedError, lambda: alice.aead_encrypt(k, GCM, bytes(12), b"", b"x")),
        (NotPermittedError, lambda: alice.sign_message(k, m.ALG_ECDSA(c.ALG_SHA_256), b"x")),
        (NotPermittedError, lambda: alice.raw_key_agreement(c.ALG_ECDH, k, peer)),
        (NotPermittedError, lambda: alice.wrap_key(kek, c.ALG_KW, k)),
        (NotPermittedError, lambda: alice.wrap_key(k, c.ALG_KW, kek)),
    ]
    for error, attempt in attempts:
        with pytest.raises(error):
            attempt()
    alice.purge_key(k)
    assert len(derive_bytes(alice, b"still there")) == 32


def test_wire_no_persistent_keys(clients: tuple[Any, Any]) -> None:
    alice, _ = clients
    persistent = KeyAttributes(type=c.KEY_TYPE_AES, lifetime=c.KEY_LIFETIME_PERSISTENT, id=1)
    with pytest.raises(NotSupportedError):
        alice.import_key(persistent, bytes(16))


def test_service_config_builds_huk_core(tmp_path: Path) -> None:
    from psacrypto.remote import server
    from psacrypto.remote.config import config_from_dict

    config = config_from_dict(
        {"server": {"keystore": "none"}, "huk": {"file": str(tmp_path / "huk.bin")}}
    )
    assert (config.keystore, config.huk, config.huk_provision) == (
        "none",
        str(tmp_path / "huk.bin"),
        True,
    )
    core = server.build_core(config)
    try:
        if core.builtin_keys is None:
            pytest.skip("remote.server.build_core does not install the [huk] settings yet")
        assert core.session("x")._get_slot(KEY_ID_HUK).type == c.KEY_TYPE_DERIVE
    finally:
        core.close()
