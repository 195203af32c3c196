"""Sealed application data on a cryptoprocessor with no key storage (HUK only).

The cryptoprocessor keeps no application keys, only its hardware unique key (HUK).
The application stores its own data (files here) and uses the cryptoprocessor so that
this storage is protected: confidential, authenticated, and bound to the device.

Recipe 1 -- sealing data
    1. Attach an AES-256-GCM key derived from the HUK:
       ``attach_key(attributes, b"huk:" + purpose)`` with the key type, size and
       policy in ``attributes``. The same purpose gives the same key on every start
       of this device, and another key on any other device (or for another client of
       a service). The key never leaves the cryptoprocessor.
    2. Encrypt each record with a fresh random 12-byte nonce; put the record's name
       in the associated data, so records cannot be swapped.
    3. Store ``version || nonce || ciphertext || tag``.
    Opening a record on another device, or a modified record, fails with
    ``InvalidSignatureError``. (Random nonces: keep under 2^32 records per purpose.)

Recipe 2 -- keeping application keys
    ``psacrypto.huk.seal_key(ctx, key, label=...)`` wraps the key (AES-KWP) under a
    wrapping key derived from the HUK with the key's attributes in the derivation, and
    returns a blob holding the attributes and the wrapped key. Store it; after a
    restart ``psacrypto.huk.unseal_key(ctx, blob, label=...)`` re-creates the key. A
    modified blob, a blob from another device, and a blob whose attributes were edited
    (say, to add ``KEY_USAGE_EXPORT``) all fail with ``InvalidSignatureError``.

Run ``python examples/sealed_data.py [DIRECTORY]``: it plays both recipes on a device,
restarts it, then moves the data to a second device and shows the failure.
"""

from __future__ import annotations

import pathlib
import sys
import tempfile
from typing import Any

import psacrypto
from psacrypto import huk

_VERSION = b"\x01"
_NONCE_SIZE = 12
_AD_PREFIX = b"psacrypto example sealed data v1\x00"


def open_device(huk_path: str | pathlib.Path) -> Any:
    """The HUK-only cryptoprocessor of one device (the HUK file is created on first use)."""
    return psacrypto.open_local("none", huk=huk_path)


def data_key(ctx: Any, purpose: bytes) -> int:
    """The device's AES-256-GCM key for ``purpose`` (recipe 1, step 1)."""
    attributes = psacrypto.KeyAttributes(
        type=psacrypto.KEY_TYPE_AES,
        bits=256,
        usage_flags=psacrypto.KEY_USAGE_ENCRYPT | psacrypto.KEY_USAGE_DECRYPT,
        algorithm=psacrypto.ALG_GCM,
    )
    key: int = ctx.attach_key(attributes, b"huk:sealed-data/" + purpose)
    return key


def seal(ctx: Any, purpose: bytes, name: str, plaintext: bytes) -> bytes:
    """``plaintext`` sealed for this device; ``name`` is authenticated with it."""
    key = data_key(ctx, purpose)
    try:
        nonce: bytes = ctx.generate_random(_NONCE_SIZE)
        ad = _AD_PREFIX + name.encode()
        ciphertext: bytes = ctx.aead_encrypt(key, psacrypto.ALG_GCM, nonce, ad, plaintext)
    finally:
        ctx.destroy_key(key)  # detaches; the HUK-derived material stays available
    return _VERSION + nonce + ciphertext


def unseal(ctx: Any, purpose: bytes, name: str, sealed: bytes) -> bytes:
    """The plaintext of a record sealed by :func:`seal` on this device, under ``name``.

    ``InvalidSignatureError`` if it was modified, renamed or sealed on another device."""
    if len(sealed) < 1 + _NONCE_SIZE + 16 or sealed[:1] != _VERSION:
        raise psacrypto.DataInvalidError("not a sealed record")
    nonce, ciphertext = sealed[1 : 1 + _NONCE_SIZE], sealed[1 + _NONCE_SIZE :]
    key = data_key(ctx, purpose)
    try:
        plaintext: bytes = ctx.aead_decrypt(
            key, psacrypto.ALG_GCM, nonce, _AD_PREFIX + name.encode(), ciphertext
        )
        return plaintext
    finally:
        ctx.destroy_key(key)


class SealedStore:
    """The application's own storage: a directory of sealed records and sealed keys."""

    def __init__(self, ctx: Any, directory: str | pathlib.Path, purpose: bytes = b"store") -> None:
        self.ctx = ctx
        self.directory = pathlib.Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.purpose = purpose

    def put(self, name: str, data: bytes) -> None:
        (self.directory / f"{name}.sealed").write_bytes(seal(self.ctx, self.purpose, name, data))

    def get(self, name: str) -> bytes:
        sealed = (self.directory / f"{name}.sealed").read_bytes()
        return unseal(self.ctx, self.purpose, name, sealed)

    def put_key(self, name: str, key: int) -> None:
        """Keep an application key (recipe 2); the key needs ``KEY_USAGE_EXPORT``."""
        blob = huk.seal_key(self.ctx, key, label=self.purpose + b"/" + name.encode())
        (self.directory / f"{name}.key").write_bytes(blob)

    def get_key(self, name: str) -> int:
        """The application key kept under ``name``, re-created in the cryptoprocessor."""
        blob = (self.directory / f"{name}.key").read_bytes()
        return huk.unseal_key(self.ctx, blob, label=self.purpose + b"/" + name.encode())


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    with tempfile.TemporaryDirectory() as scratch:
        base = pathlib.Path(args[0]) if args else pathlib.Path(scratch)
        device_a, device_b = base / "device-a" / "huk.bin", base / "device-b" / "huk.bin"
        data_dir = base / "app-data"
        hmac = psacrypto.ALG_HMAC(psacrypto.ALG_SHA_256)

        with open_device(device_a) as ctx:
            store = SealedStore(ctx, data_dir)
            store.put("config", b'{"server": "example.org", "token": "s3cr3t"}')
            app_key = ctx.generate_key(
                psacrypto.KeyAttributes(
                    type=psacrypto.KEY_TYPE_HMAC,
                    bits=256,
                    usage_flags=psacrypto.KEY_USAGE_EXPORT | psacrypto.KEY_USAGE_SIGN_MESSAGE,
                    algorithm=hmac,
                )
            )
            tag = ctx.mac_compute(app_key, hmac, b"hello")
            store.put_key("api-signing", app_key)
            print("device A: sealed a record and an application key")

        with open_device(device_a) as ctx:  # a restart: nothing was kept in the device
            store = SealedStore(ctx, data_dir)
            assert store.get("config").startswith(b'{"server"')
            restored = store.get_key("api-signing")
            assert ctx.mac_compute(restored, hmac, b"hello") == tag
            print("device A after restart: record and key restored")

        with open_device(device_b) as ctx:  # the same files on another device
            store = SealedStore(ctx, data_dir)
            for what, attempt in (
                ("record", lambda: store.get("config")),
                ("key", lambda: store.get_key("api-signing")),
            ):
                try:
                    attempt()
                except psacrypto.InvalidSignatureError:
                    print(f"device B: the sealed {what} does not open (InvalidSignatureError)")
                else:  # pragma: no cover - would be a security failure
                    print(f"device B: the sealed {what} opened!")
                    return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
