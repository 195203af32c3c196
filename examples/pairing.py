"""Pairing two devices that have only a hardware unique key (HUK).

Each device runs a HUK-only cryptoprocessor (``open_local("none", huk=PATH)``; a
``psacrypto.connect(...)`` context to a HUK-only service works the same way, since
the code below only calls the API).

1. Identity. Each device derives its identity key pair, ECC SECP-R1 P-256, from its
   HUK: a key derivation ``ALG_HKDF(ALG_SHA_256)`` with the built-in HUK key
   (``psacrypto.huk.KEY_ID_HUK``) as the secret and a fixed label as info, then
   ``key_derivation_output_key``. It is the same key pair on every start of the
   device (nothing is stored) and a different one on every other device. The
   private key is usable only for ECDH and never leaves the cryptoprocessor.
2. Exchange. The devices exchange their names, public keys and fresh 16-byte
   nonces. The transcript is the length-prefixed concatenation of the initiator's,
   then the responder's (name, public key, nonce).
3. Pairing key. Each runs ``ALG_KEY_AGREEMENT(ALG_ECDH, ALG_HKDF(ALG_SHA_256))``:
   salt = SHA-256(transcript), secret = ECDH(own private key, peer public key),
   info = "psacrypto example pairing key v1"; the output is an HMAC-SHA-256 key
   (sign/verify message only) held in the cryptoprocessor.
4. Confirmation. The initiator sends HMAC(K, "initiator" || transcript), the
   responder verifies it and answers HMAC(K, "responder" || transcript), which the
   initiator verifies. Both now know they hold the same key, bound to both
   identities and to this run (nonces). A device that does not hold the private key
   of the identity it claims cannot produce a confirmation that verifies.

In practice the public keys are authenticated out of band (a user compares a short
fingerprint, or a certificate binds them): ``fingerprint()`` prints one.

Run ``python examples/pairing.py [--service] [DIRECTORY]``: with ``--service`` each
device is a HUK-only psacrypto service (in this process, on a Unix socket) and the
devices talk to their services through ``psacrypto.connect``.
"""

from __future__ import annotations

import hashlib
import pathlib
import sys
import tempfile
from dataclasses import dataclass
from typing import Any

import psacrypto
from psacrypto.huk import KEY_ID_HUK

IDENTITY_INFO = b"psacrypto example device identity v1"
PAIRING_INFO = b"psacrypto example pairing key v1"
HKDF_SHA256 = psacrypto.ALG_HKDF(psacrypto.ALG_SHA_256)
ECDH_HKDF = psacrypto.ALG_KEY_AGREEMENT(psacrypto.ALG_ECDH, HKDF_SHA256)
HMAC_SHA256 = psacrypto.ALG_HMAC(psacrypto.ALG_SHA_256)
P256 = psacrypto.KEY_TYPE_ECC_KEY_PAIR(psacrypto.ECC_FAMILY_SECP_R1)


@dataclass(frozen=True)
class Hello:
    """What a device sends to its peer: name, identity public key, fresh nonce."""

    name: str
    public_key: bytes
    nonce: bytes


def _lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def transcript(initiator: Hello, responder: Hello) -> bytes:
    parts = [b"psacrypto example pairing v1"]
    for hello in (initiator, responder):
        parts += [_lp(hello.name.encode()), _lp(hello.public_key), _lp(hello.nonce)]
    return b"".join(parts)


def fingerprint(public_key: bytes) -> str:
    """A short fingerprint of an identity public key, for out-of-band comparison."""
    digest = hashlib.sha256(public_key).hexdigest()[:20]
    return " ".join(digest[i : i + 4] for i in range(0, 20, 4))


class Device:
    """One device: its HUK-only cryptoprocessor and its HUK-derived identity."""

    def __init__(self, name: str, ctx: Any) -> None:
        self.name = name
        self.ctx = ctx
        self.identity = self._derive_identity()
        self.public_key: bytes = ctx.export_public_key(self.identity)

    @classmethod
    def open(cls, name: str, huk_path: str | pathlib.Path) -> Device:
        """A device whose cryptoprocessor runs in this process."""
        return cls(name, psacrypto.open_local("none", huk=huk_path))

    @classmethod
    def serve(cls, name: str, directory: str | pathlib.Path) -> Device:
        """A device whose cryptoprocessor is a HUK-only service (``keystore = "none"``,
        HUK file in ``directory``), reached through ``psacrypto.connect``."""
        from psacrypto.core.session import Core
        from psacrypto.huk import install
        from psacrypto.keystore import NoKeyStore
        from psacrypto.remote.config import ServerConfig
        from psacrypto.remote.testing import InProcessServer

        directory = pathlib.Path(directory)
        core = Core(NoKeyStore())
        install(core, directory / "huk.bin")
        config = ServerConfig(listen=["unix://" + str(directory / "psa.sock")], keystore="none")
        service = InProcessServer(config, core=core)
        device = cls(name, service.connect())
        device._service = service
        return device

    _service: Any = None

    def close(self) -> None:
        self.ctx.close()
        if self._service is not None:
            self._service.stop()
            self._service.core.close()

    def _derive_identity(self) -> int:
        ctx = self.ctx
        op = ctx.KeyDerivationOperation()
        try:
            ctx.key_derivation_setup(op, HKDF_SHA256)
            ctx.key_derivation_input_key(op, psacrypto.KEY_DERIVATION_INPUT_SECRET, KEY_ID_HUK)
            ctx.key_derivation_input_bytes(op, psacrypto.KEY_DERIVATION_INPUT_INFO, IDENTITY_INFO)
            attributes = psacrypto.KeyAttributes(
                type=P256,
                bits=256,
                usage_flags=psacrypto.KEY_USAGE_DERIVE,
                algorithm=psacrypto.ALG_ECDH,
            )
            key: int = ctx.key_derivation_output_key(attributes, op)
            return key
        finally:
            ctx.key_derivation_abort(op)

    def hello(self) -> Hello:
        return Hello(self.name, self.public_key, self.ctx.generate_random(16))

    def pairing_key(self, peer_public_key: bytes, script: bytes) -> int:
        """ECDH with the peer, then HKDF into an HMAC-SHA-256 key bound to ``script``."""
        ctx = self.ctx
        op = ctx.KeyDerivationOperation()
        try:
            ctx.key_derivation_setup(op, ECDH_HKDF)
            salt = hashlib.sha256(script).digest()
            ctx.key_derivation_input_bytes(op, psacrypto.KEY_DERIVATION_INPUT_SALT, salt)
            ctx.key_derivation_key_agreement(
                op, psacrypto.KEY_DERIVATION_INPUT_SECRET, self.identity, peer_public_key
            )
            ctx.key_derivation_input_bytes(op, psacrypto.KEY_DERIVATION_INPUT_INFO, PAIRING_INFO)
            attributes = psacrypto.KeyAttributes(
                type=psacrypto.KEY_TYPE_HMAC,
                bits=256,
                usage_flags=psacrypto.KEY_USAGE_SIGN_MESSAGE | psacrypto.KEY_USAGE_VERIFY_MESSAGE,
                algorithm=HMAC_SHA256,
            )
            key: int = ctx.key_derivation_output_key(attributes, op)
            return key
        finally:
            ctx.key_derivation_abort(op)

    def confirm(self, key: int, role: bytes, script: bytes) -> bytes:
        tag: bytes = self.ctx.mac_compute(key, HMAC_SHA256, role + script)
        return tag

    def check(self, key: int, role: bytes, script: bytes, tag: bytes) -> None:
        """``InvalidSignatureError`` unless ``tag`` is the peer's confirmation."""
        self.ctx.mac_verify(key, HMAC_SHA256, role + script, tag)


@dataclass
class Pairing:
    initiator_key: int
    responder_key: int
    transcript: bytes


def pair(initiator: Device, responder: Device) -> Pairing:
    """Run the protocol between two devices (messages passed in memory here)."""
    hello_i = initiator.hello()  # initiator -> responder
    hello_r = responder.hello()  # responder -> initiator
    script = transcript(hello_i, hello_r)
    key_i = initiator.pairing_key(hello_r.public_key, script)
    key_r = responder.pairing_key(hello_i.public_key, script)
    tag_i = initiator.confirm(key_i, b"initiator", script)  # initiator -> responder
    responder.check(key_r, b"initiator", script, tag_i)
    tag_r = responder.confirm(key_r, b"responder", script)  # responder -> initiator
    initiator.check(key_i, b"responder", script, tag_r)
    return Pairing(key_i, key_r, script)


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    service = "--service" in args
    args = [a for a in args if a != "--service"]
    with tempfile.TemporaryDirectory() as scratch:
        base = pathlib.Path(args[0]) if args else pathlib.Path(scratch)

        def device(name: str) -> Device:
            if service:
                return Device.serve(name, base / name)
            return Device.open(name, base / name / "huk.bin")

        alice, bob = device("alice"), device("bob")
        try:
            print(f"alice identity {fingerprint(alice.public_key)}")
            print(f"bob   identity {fingerprint(bob.public_key)}")
            pair(alice, bob)
            print("paired: both confirmations verified")
        finally:
            alice.close()
            bob.close()

        # Restart: the identities are the same (derived from the HUKs, not stored).
        alice2, bob2 = device("alice"), device("bob")
        try:
            assert (alice2.public_key, bob2.public_key) == (alice.public_key, bob.public_key)
            pair(bob2, alice2)
            print("after restart: same identities, paired again")
        finally:
            alice2.close()
            bob2.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
