"""The remote opaque driver: a key location served by another psacrypto service.

Keys of this location are created in the remote service (over the wire protocol,
with :func:`psacrypto.connect`) and every operation on them is forwarded, so one
cryptoprocessor can front another, e.g. one run by another party. The reference
the core stores is ``b"rmt" | version | flags | remote key id`` (4 bytes, big
endian).

The remote key gets the local key's policy with two adjustments the forwarding
needs (the local core still enforces the application's policy first): a MAC key
that may verify may also compute (verification compares a computed MAC), and a
key-agreement key permits the raw agreement (the derivation runs locally).
Local volatile keys are remote volatile keys (they end with the connection);
local persistent keys are remote persistent keys with a random remote id.
"""

from __future__ import annotations

import contextlib
import secrets
import struct
import threading
from collections.abc import Callable
from typing import Any

from .. import constants as c
from .. import macros as m
from ..attributes import KeyAttributes
from ..errors import (
    AlreadyExistsError,
    CommunicationFailureError,
    HardwareFailureError,
    InvalidHandleError,
    PsaError,
)
from .base import AgreementFunction, CryptFunction, OpaqueDriver, SignFunction
from .software import symmetric

_MAGIC = b"rmt\x01"
_PERSISTENT = 1
_ATTACHED = 2


def _pack(flags: int, remote_id: int) -> bytes:
    return _MAGIC + bytes((flags,)) + struct.pack(">I", remote_id)


def _unpack(reference: bytes) -> tuple[int, int]:
    if reference[:4] != _MAGIC or len(reference) != 9:
        raise HardwareFailureError("not a remote key reference")
    return reference[4], struct.unpack(">I", reference[5:])[0]


class _RemoteCipherKey(symmetric.CipherKey):
    """Single-part calls go to the service's one-shot functions (one round trip)."""

    __slots__ = ("_decrypt", "_encrypt")

    def __init__(
        self,
        iv_length: int,
        starter: Callable[[bytes, bool], symmetric.CipherStream],
        encrypt: Callable[[symmetric.BytesLike], bytes],
        decrypt: Callable[[symmetric.BytesLike], bytes],
    ) -> None:
        super().__init__(iv_length, starter)
        self._encrypt = encrypt
        self._decrypt = decrypt

    def encrypt(self, data: symmetric.BytesLike) -> bytes:
        return self._encrypt(data)

    def decrypt(self, data: symmetric.BytesLike) -> bytes:
        return self._decrypt(data)


class RemoteDriver(OpaqueDriver):
    """An opaque driver forwarding to the psacrypto service at ``url``."""

    name = "remote"

    def __init__(self, url: str, *, remote_location: int = 0, **options: Any) -> None:
        super().__init__()
        self.url = url
        self.remote_location = remote_location
        self._options = options
        self._lock = threading.Lock()
        self._context: Any = None
        self._algorithms: frozenset[int] | None = None
        self._key_types: frozenset[tuple[int, int]] | None = None

    # Connection ---------------------------------------------------------------------------

    def context(self) -> Any:
        """The connection to the service (reconnecting after a failure)."""
        ctx = self._context
        if ctx is not None and not ctx.closed:
            return ctx
        with self._lock:
            ctx = self._context
            if ctx is None or ctx.closed:
                from ..remote.client import connect

                try:
                    ctx = connect(self.url, **self._options)
                except CommunicationFailureError:
                    raise
                except OSError as e:
                    raise CommunicationFailureError(f"cannot reach {self.url}: {e}") from None
                self._context = ctx
            return ctx

    def _call(self, fn: Callable[[Any], Any]) -> Any:
        try:
            return fn(self.context())
        except CommunicationFailureError:
            with self._lock:
                ctx, self._context = self._context, None
            if ctx is not None:
                ctx.close()
            raise
        except InvalidHandleError:
            raise HardwareFailureError(
                f"the service at {self.url} no longer has this key"
            ) from None

    def _capabilities(self) -> None:
        if self._algorithms is None:
            caps = self._call(lambda ctx: ctx.capabilities())
            self._algorithms = frozenset(int(a) for a in caps.get("algorithms", ()))
            self._key_types = frozenset((int(t), int(b)) for t, b in caps.get("key_types", ()))

    def status(self) -> str:
        try:
            self._call(lambda ctx: ctx.ping())
        except PsaError as e:
            return f"unreachable: {e}"
        return "ok"

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info["url"] = self.url
        return info

    def close(self) -> None:
        with self._lock:
            ctx, self._context = self._context, None
        if ctx is not None:
            ctx.close()

    # Capability query -------------------------------------------------------------------

    def supports_key(self, key_type: int, bits: int) -> bool:
        self._capabilities()
        assert self._key_types is not None
        return (key_type, bits) in self._key_types or (
            # sizes the service did not list (e.g. HMAC keys of any length)
            key_type in (c.KEY_TYPE_HMAC, c.KEY_TYPE_DERIVE, c.KEY_TYPE_RAW_DATA)
            and any(t == key_type for t, _ in self._key_types)
        )

    def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        self._capabilities()
        assert self._algorithms is not None
        if m.ALG_IS_KEY_AGREEMENT(alg):
            alg = m.ALG_KEY_AGREEMENT_GET_BASE(alg)
        elif m.ALG_IS_MAC(alg):
            alg = m.ALG_FULL_LENGTH_MAC(alg)
        elif m.ALG_IS_AEAD(alg):
            alg = m.ALG_AEAD_WITH_DEFAULT_LENGTH_TAG(alg)
        return alg in self._algorithms and self.supports_key(key_type, bits)

    # Key management ---------------------------------------------------------------------

    def _remote_attributes(self, attributes: KeyAttributes) -> KeyAttributes:
        a = attributes.copy()
        persistent = (a.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        persistence = c.KEY_PERSISTENCE_DEFAULT if persistent else c.KEY_PERSISTENCE_VOLATILE
        a.lifetime = m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(persistence, self.remote_location)
        a.id = 0
        if a.usage_flags & c.KEY_USAGE_VERIFY_MESSAGE and not m.KEY_TYPE_IS_ASYMMETRIC(a.type):
            a.usage_flags |= c.KEY_USAGE_SIGN_MESSAGE
        if m.ALG_IS_KEY_AGREEMENT(a.algorithm):
            a.algorithm = m.ALG_KEY_AGREEMENT_GET_BASE(a.algorithm)
        return a

    def _create(
        self, attributes: KeyAttributes, make: Callable[[Any, KeyAttributes], int]
    ) -> bytes:
        remote = self._remote_attributes(attributes)
        persistent = (remote.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        for _ in range(16):
            if persistent:
                remote.id = c.KEY_ID_USER_MIN + secrets.randbelow(
                    c.KEY_ID_USER_MAX - c.KEY_ID_USER_MIN + 1
                )
            try:
                key = int(self._call(lambda ctx: make(ctx, remote)))
            except AlreadyExistsError:
                continue
            return _pack(_PERSISTENT if persistent else 0, key)
        raise HardwareFailureError("no free key id in the remote service")

    def import_key(self, attributes: KeyAttributes, material: bytes) -> bytes:
        return self._create(attributes, lambda ctx, a: ctx.import_key(a, material))

    def generate_key(self, attributes: KeyAttributes) -> bytes:
        return self._create(attributes, lambda ctx, a: ctx.generate_key(a))

    def copy_key(
        self, attributes: KeyAttributes, reference: bytes, target: KeyAttributes
    ) -> bytes:
        rid = _unpack(reference)[1]
        return self._create(target, lambda ctx, a: ctx.copy_key(rid, a))

    def attach_key(
        self, owner: str, attributes: KeyAttributes, label: bytes
    ) -> tuple[KeyAttributes, bytes]:
        remote = self._remote_attributes(attributes)
        rid = int(self._call(lambda ctx: ctx.attach_key(remote, label)))
        got = self._call(lambda ctx: ctx.get_key_attributes(rid))
        final = attributes.copy()
        final.type, final.bits = got.type, got.bits
        return final, _pack(_ATTACHED, rid)

    def export_key(self, attributes: KeyAttributes, reference: bytes) -> bytes:
        rid = _unpack(reference)[1]
        return bytes(self._call(lambda ctx: ctx.export_key(rid)))

    def export_public_key(self, attributes: KeyAttributes, reference: bytes) -> bytes:
        rid = _unpack(reference)[1]
        return bytes(self._call(lambda ctx: ctx.export_public_key(rid)))

    def destroy_key(self, attributes: KeyAttributes, reference: bytes) -> None:
        rid = _unpack(reference)[1]
        # HardwareFailureError: already gone there (a volatile key of a closed connection)
        with contextlib.suppress(HardwareFailureError):
            self._call(lambda ctx: ctx.destroy_key(rid))

    # Operations --------------------------------------------------------------------------

    def mac_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        rid = _unpack(reference)[1]
        call = self._call

        def compute(data: symmetric.BytesLike) -> bytes:
            return call(lambda ctx: ctx.mac_compute(rid, alg, bytes(data)))  # type: ignore[no-any-return]

        def new() -> symmetric.MacStream:
            op = call(lambda ctx: ctx.MacOperation())
            call(lambda ctx: op.sign_setup(rid, alg))

            def update(data: symmetric.BytesLike) -> None:
                call(lambda ctx: op.update(bytes(data)))

            def finish() -> bytes:
                return call(lambda ctx: op.sign_finish())  # type: ignore[no-any-return]

            return update, finish

        return symmetric.MacKey(compute, new)

    def cipher_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        rid = _unpack(reference)[1]
        call = self._call
        iv_length = symmetric.cipher_iv_length(attributes.type, alg)

        def start(iv: bytes, encrypt: bool) -> symmetric.CipherStream:
            op = call(lambda ctx: ctx.CipherOperation())
            if encrypt:
                call(lambda ctx: op.encrypt_setup(rid, alg))
            else:
                call(lambda ctx: op.decrypt_setup(rid, alg))
            if iv_length:
                try:
                    call(lambda ctx: op.set_iv(iv))
                except PsaError:
                    call(lambda ctx: op.abort())
                    raise

            def update(data: symmetric.BytesLike) -> bytes:
                return call(lambda ctx: op.update(bytes(data)))  # type: ignore[no-any-return]

            def finish() -> bytes:
                return call(lambda ctx: op.finish())  # type: ignore[no-any-return]

            return update, finish

        def encrypt(data: symmetric.BytesLike) -> bytes:
            return call(lambda ctx: ctx.cipher_encrypt(rid, alg, bytes(data)))  # type: ignore[no-any-return]

        def decrypt(data: symmetric.BytesLike) -> bytes:
            return call(lambda ctx: ctx.cipher_decrypt(rid, alg, bytes(data)))  # type: ignore[no-any-return]

        return _RemoteCipherKey(iv_length, start, encrypt, decrypt)

    def aead_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        rid = _unpack(reference)[1]
        call = self._call

        def encrypt(
            nonce: symmetric.BytesLike, data: symmetric.BytesLike, ad: symmetric.BytesLike | None
        ) -> bytes:
            return call(  # type: ignore[no-any-return]
                lambda ctx: ctx.aead_encrypt(rid, alg, bytes(nonce), bytes(ad or b""), bytes(data))
            )

        def decrypt(
            nonce: symmetric.BytesLike, data: symmetric.BytesLike, ad: symmetric.BytesLike | None
        ) -> bytes:
            return call(  # type: ignore[no-any-return]
                lambda ctx: ctx.aead_decrypt(rid, alg, bytes(nonce), bytes(ad or b""), bytes(data))
            )

        def start(
            nonce: bytes, encrypting: bool, lengths: tuple[int, int] | None
        ) -> symmetric.AeadStream:
            op = call(lambda ctx: ctx.AeadOperation())
            try:
                if encrypting:
                    call(lambda ctx: op.encrypt_setup(rid, alg))
                else:
                    call(lambda ctx: op.decrypt_setup(rid, alg))
                if lengths is not None:
                    call(lambda ctx: op.set_lengths(*lengths))
                call(lambda ctx: op.set_nonce(nonce))
            except PsaError:
                call(lambda ctx: op.abort())
                raise

            def update_ad(data: symmetric.BytesLike) -> None:
                call(lambda ctx: op.update_ad(bytes(data)))

            def update(data: symmetric.BytesLike) -> bytes:
                return call(lambda ctx: op.update(bytes(data)))  # type: ignore[no-any-return]

            def finish() -> tuple[bytes, bytes]:
                return call(lambda ctx: op.finish())  # type: ignore[no-any-return]

            def verify(tag: symmetric.BytesLike) -> bytes:
                return call(lambda ctx: op.verify(bytes(tag)))  # type: ignore[no-any-return]

            return symmetric.AeadStream(update_ad, update, finish, verify)

        return symmetric.AeadKey(encrypt, decrypt, encrypt, decrypt, start)

    def sign_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int, usage: int
    ) -> SignFunction:
        rid = _unpack(reference)[1]
        call = self._call
        if usage == c.KEY_USAGE_SIGN_HASH:

            def sign_hash(data: bytes, context: bytes = b"") -> bytes:
                if context:
                    return call(  # type: ignore[no-any-return]
                        lambda ctx: ctx.sign_hash_with_context(rid, alg, bytes(data), context)
                    )
                h = bytes(data)
                return call(lambda ctx: ctx.sign_hash(rid, alg, h))  # type: ignore[no-any-return]

            return sign_hash
        if usage == c.KEY_USAGE_SIGN_MESSAGE:

            def sign_message(data: bytes, context: bytes = b"") -> bytes:
                if context:
                    return call(  # type: ignore[no-any-return]
                        lambda ctx: ctx.sign_message_with_context(rid, alg, bytes(data), context)
                    )
                return call(lambda ctx: ctx.sign_message(rid, alg, bytes(data)))  # type: ignore[no-any-return]

            return sign_message
        message = usage == c.KEY_USAGE_VERIFY_MESSAGE

        def verify(data: bytes, signature: bytes, context: bytes = b"") -> None:
            d, s = bytes(data), bytes(signature)
            if message:
                if context:
                    call(lambda ctx: ctx.verify_message_with_context(rid, alg, d, context, s))
                else:
                    call(lambda ctx: ctx.verify_message(rid, alg, d, s))
            elif context:
                call(lambda ctx: ctx.verify_hash_with_context(rid, alg, d, context, s))
            else:
                call(lambda ctx: ctx.verify_hash(rid, alg, d, s))

        return verify

    def crypt_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int, decrypt: bool
    ) -> CryptFunction:
        rid = _unpack(reference)[1]
        call = self._call
        if decrypt:
            return lambda data, salt: call(  # type: ignore[no-any-return]
                lambda ctx: ctx.asymmetric_decrypt(rid, alg, bytes(data), bytes(salt))
            )
        return lambda data, salt: call(  # type: ignore[no-any-return]
            lambda ctx: ctx.asymmetric_encrypt(rid, alg, bytes(data), bytes(salt))
        )

    def agreement_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int
    ) -> AgreementFunction:
        rid = _unpack(reference)[1]
        call = self._call
        return lambda peer: call(  # type: ignore[no-any-return]
            lambda ctx: ctx.raw_key_agreement(alg, rid, bytes(peer))
        )


__all__ = ["RemoteDriver"]
