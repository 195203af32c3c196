"""The hardware unique key (HUK) mode: a cryptoprocessor without key storage.

Architecture 4.3 (see docs/architectures.md, "Cryptoprocessor with no key storage"):
the cryptoprocessor keeps no application keys, only one secret provisioned once per
device, the HUK. Applications use keys derived from it.

Provisioning
    :func:`load_huk` reads the HUK from its provisioning file, creating the file on
    the first start (32 random bytes with an integrity check, mode 0400, created
    atomically with no-replace semantics) together with a *provisioning marker*
    (``<file>.provisioned`` unless given elsewhere) that records the HUK's
    fingerprint. Later starts verify both: a HUK file that is missing while the
    marker exists, truncated, altered, replaced, or readable by group/others is a
    startup error (:class:`HukUnavailableError` or :class:`HukCorruptError`), never a
    silent new key.

The built-in key :data:`KEY_ID_HUK`
    Every owner (client identity) sees a read-only built-in key at
    :data:`KEY_ID_HUK` = ``0x7FFF0000`` (the first id of the built-in block of the
    vendor range): ``KEY_TYPE_DERIVE``, 256 bits, lifetime
    ``KEY_PERSISTENCE_READ_ONLY`` at location 0, usage ``KEY_USAGE_DERIVE`` only,
    permitted algorithm ``ALG_HKDF(ALG_SHA_256)``. Its material is not the HUK but
    the *owner secret* ``HKDF-SHA-256(HUK, salt="", info="psacrypto huk owner" ||
    owner)``, so two owners deriving with the same inputs get unrelated keys and no
    owner can compute another's. It can only be a key-derivation input: it cannot be
    exported, copied, destroyed, or used by any other family.

``attach_key`` labels
    At location 0, the label ``b"huk:" + L`` attaches a key of the requested type
    and size (both must be given) whose material is derived, by the key type's
    derivation procedure (as ``key_derivation_output_key``), from the stream
    ``HKDF-SHA-256(A, salt="", info="psacrypto attach v1" || type (2 bytes, big
    endian) || bits (4 bytes, big endian) || L)``, where ``A = HKDF-SHA-256(HUK,
    salt="", info="psacrypto huk attach" || owner)`` is a second owner secret that
    no API call exposes (so an attached key is only ever extractable through its own
    policy). The same label, type and size give the same key on every start of the
    same device; another device or owner gets another key. Any other label is
    ``DoesNotExistError``.

Keeping application keys
    :func:`seal_key` wraps a key (KWP) under a wrapping key derived from the
    built-in key with the serialized key attributes in the derivation info, and
    returns a blob with the attributes; :func:`unseal_key` re-creates the key. A
    tampered blob, a blob from another device, owner or label, and a blob whose
    attributes were altered all fail with ``InvalidSignatureError``. Both helpers
    use only public API calls, so they work on any context (local or remote).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import pathlib
import secrets
import stat
import struct
import threading
from typing import Any

from . import constants as c
from . import macros as m
from .attributes import KeyAttributes
from .core import keytypes
from .core.session import KEY_ID_BUILTIN_MIN, Core
from .core.slots import KeySlot
from .errors import (
    DataCorruptError,
    DataInvalidError,
    DoesNotExistError,
    InvalidArgumentError,
    NotSupportedError,
    StorageFailureError,
)

__all__ = [
    "ATTACH_LABEL_PREFIX",
    "HUK_ALGORITHM",
    "HUK_LIFETIME",
    "HUK_SIZE",
    "KEY_ID_HUK",
    "Huk",
    "HukCorruptError",
    "HukError",
    "HukProvider",
    "HukUnavailableError",
    "install",
    "load_huk",
    "seal_key",
    "unseal_key",
]

#: The id of the built-in HUK-derived key (the first built-in id of the vendor range).
KEY_ID_HUK = KEY_ID_BUILTIN_MIN
#: The HUK key's permitted algorithm.
HUK_ALGORITHM = m.ALG_HKDF(c.ALG_SHA_256)
#: Read-only persistence at location 0 (local storage).
HUK_LIFETIME = m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(
    c.KEY_PERSISTENCE_READ_ONLY, c.KEY_LOCATION_LOCAL_STORAGE
)
#: Size of the HUK and of every owner secret, in bytes.
HUK_SIZE = 32
#: ``attach_key`` labels starting with this select a HUK-derived key.
ATTACH_LABEL_PREFIX = b"huk:"

_FILE_MAGIC = b"PSAHUK1\n"
_FILE_SIZE = len(_FILE_MAGIC) + HUK_SIZE + 32
_MARKER_PREFIX = b"psacrypto-huk-fingerprint-v1 "
_OWNER_INFO = b"psacrypto huk owner"
_ATTACH_ROOT_INFO = b"psacrypto huk attach"
_ATTACH_INFO = b"psacrypto attach v1"
_FINGERPRINT_INFO = b"psacrypto huk fingerprint"
_HKDF_MAX = 255 * 32
_MAX_CACHED_OWNERS = 4096


class HukError(Exception):
    """Base of the HUK provisioning errors (each is also a :class:`PsaError`)."""


class HukUnavailableError(HukError, StorageFailureError):
    """The HUK cannot be read: its file is missing after provisioning, unreadable,
    has unsafe permissions, or provisioning is disabled."""


class HukCorruptError(HukError, DataCorruptError):
    """The HUK file or its provisioning marker is truncated, altered or replaced."""


# --- HKDF-SHA-256 (RFC 5869) ------------------------------------------------------------


def _hkdf_extract(ikm: bytes, salt: bytes = b"") -> bytes:
    return hmac.new(salt or bytes(32), ikm, hashlib.sha256).digest()


class _HkdfStream:
    """The HKDF-Expand output as a stream: ``read(n)`` returns the next ``n`` bytes."""

    __slots__ = ("_block", "_buffer", "_counter", "_info", "_prk", "_produced")

    def __init__(self, ikm: bytes, info: bytes) -> None:
        self._prk = _hkdf_extract(ikm)
        self._info = info
        self._block = b""
        self._buffer = b""
        self._counter = 0
        self._produced = 0

    def read(self, n: int) -> bytes:
        if self._produced + n > _HKDF_MAX:
            raise NotSupportedError("the key is too large to derive from the HUK")
        while len(self._buffer) < n:
            self._counter += 1
            self._block = hmac.new(
                self._prk, self._block + self._info + bytes((self._counter,)), hashlib.sha256
            ).digest()
            self._buffer += self._block
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        self._produced += n
        return out


def _hkdf(ikm: bytes, info: bytes, length: int = HUK_SIZE) -> bytes:
    return _HkdfStream(ikm, info).read(length)


# --- the HUK ------------------------------------------------------------------------------


class Huk:
    """The device secret, kept only here; hands out derived secrets, never itself."""

    __slots__ = ("_secret", "fingerprint")

    def __init__(self, secret: bytes) -> None:
        if len(secret) != HUK_SIZE:
            raise InvalidArgumentError(f"a HUK is {HUK_SIZE} bytes")
        self._secret = bytes(secret)
        #: public, stable identifier of the HUK (SHA-256 based; reveals nothing of it)
        self.fingerprint = hashlib.sha256(_FINGERPRINT_INFO + self._secret).hexdigest()

    def owner_secret(self, owner: str) -> bytes:
        """The material of the built-in key as ``owner`` sees it."""
        return _hkdf(self._secret, _OWNER_INFO + owner.encode())

    def attach_secret(self, owner: str) -> bytes:
        """The root of ``owner``'s ``attach_key`` derivations (never exposed)."""
        return _hkdf(self._secret, _ATTACH_ROOT_INFO + owner.encode())

    def wipe(self) -> None:
        self._secret = b""

    def __repr__(self) -> str:
        return f"Huk(fingerprint={self.fingerprint[:16]}...)"


def _file_bytes(secret: bytes) -> bytes:
    body = _FILE_MAGIC + secret
    return body + hashlib.sha256(body).digest()


def _parse_file(data: bytes, path: pathlib.Path) -> bytes:
    if len(data) != _FILE_SIZE:
        raise HukCorruptError(f"HUK file {path} has {len(data)} bytes, not {_FILE_SIZE}")
    body, check = data[:-32], data[-32:]
    if not body.startswith(_FILE_MAGIC):
        raise HukCorruptError(f"{path} is not a psacrypto HUK file")
    if not hmac.compare_digest(hashlib.sha256(body).digest(), check):
        raise HukCorruptError(f"HUK file {path} fails its integrity check (altered)")
    return body[len(_FILE_MAGIC) :]


def _marker_bytes(huk: Huk) -> bytes:
    return _MARKER_PREFIX + huk.fingerprint.encode() + b"\n"


def _read_private(path: pathlib.Path, limit: int, secret: bool = True) -> bytes | None:
    """The content of ``path`` (at most ``limit`` + 1 bytes), or None if it does not
    exist; refuses symlinks, non-regular files and (``secret``) group/other access."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise HukUnavailableError(f"cannot open {path}: {exc.strerror}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise HukUnavailableError(f"{path} is not a regular file")
        if secret and st.st_mode & 0o077:
            raise HukUnavailableError(
                f"{path} is accessible to group or others (mode {st.st_mode & 0o777:o}); "
                "it must be 0400"
            )
        chunks = []
        remaining = limit + 1
        while remaining > 0:
            chunk = os.read(fd, remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def _create_once(path: pathlib.Path, data: bytes) -> bool:
    """Create ``path`` with ``data`` and mode 0400, atomically and without ever
    replacing an existing file. Returns False if ``path`` already existed."""
    directory = path.parent
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = directory / f".{path.name}.{os.getpid()}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(tmp, flags, 0o400)
    try:
        try:
            os.fchmod(fd, 0o400)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view) :]
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)  # atomic, and fails if path exists (rename would replace)
        except FileExistsError:
            return False
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    with contextlib.suppress(OSError):  # make the new directory entry durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True


def default_marker_path(path: str | os.PathLike[str]) -> pathlib.Path:
    """Where the provisioning marker of the HUK file ``path`` lives by default."""
    p = pathlib.Path(path)
    return p.with_name(p.name + ".provisioned")


def load_huk(
    path: str | os.PathLike[str],
    *,
    marker: str | os.PathLike[str] | None = None,
    provision: bool = True,
) -> Huk:
    """The HUK of this device, from its provisioning file ``path``.

    First start (neither the file nor the marker exists): create both if
    ``provision`` (else :class:`HukUnavailableError`). Later starts: verify the file
    (size, format, integrity, permissions) and that its fingerprint matches the
    marker. A missing marker next to a valid file is re-created (the HUK file is the
    authority; the marker only tells "missing" from "first start").
    """
    huk_path = pathlib.Path(path)
    marker_path = pathlib.Path(marker) if marker is not None else default_marker_path(huk_path)
    for _ in range(3):  # retried only if another process provisions at the same moment
        data = _read_private(huk_path, _FILE_SIZE)
        recorded = _read_private(marker_path, 256, secret=False)
        if data is None:
            if recorded is not None:
                raise HukUnavailableError(
                    f"the HUK file {huk_path} is missing but this device was provisioned "
                    f"({marker_path} exists); refusing to create a new HUK"
                )
            if not provision:
                raise HukUnavailableError(f"no HUK file at {huk_path} and provisioning is off")
            secret = secrets.token_bytes(HUK_SIZE)
            if not _create_once(huk_path, _file_bytes(secret)):
                continue
            huk = Huk(secret)
            if not _create_once(marker_path, _marker_bytes(huk)):
                continue
            return huk
        huk = Huk(_parse_file(data, huk_path))
        if recorded is None:
            if _create_once(marker_path, _marker_bytes(huk)):
                return huk
            continue
        if not (recorded.startswith(_MARKER_PREFIX) and recorded.endswith(b"\n")):
            raise HukCorruptError(f"provisioning marker {marker_path} is not readable")
        if not hmac.compare_digest(recorded, _marker_bytes(huk)):
            raise HukCorruptError(
                f"the HUK file {huk_path} is not the one this device was provisioned with "
                f"(fingerprint differs from {marker_path})"
            )
        return huk
    raise HukUnavailableError(f"the HUK file {huk_path} changed while it was being read")


# --- the built-in key and attach_key --------------------------------------------------------


def huk_attributes() -> KeyAttributes:
    """The attributes of the built-in key :data:`KEY_ID_HUK`."""
    return KeyAttributes(
        type=c.KEY_TYPE_DERIVE,
        bits=8 * HUK_SIZE,
        lifetime=HUK_LIFETIME,
        id=KEY_ID_HUK,
        usage_flags=c.KEY_USAGE_DERIVE,
        algorithm=HUK_ALGORITHM,
    )


def attach_info(key_type: int, bits: int, label: bytes) -> bytes:
    """The HKDF info of an attached key (see the module docstring)."""
    return _ATTACH_INFO + struct.pack(">HI", key_type, bits) + label


class HukProvider:
    """The built-in HUK key and the ``huk:`` attach labels of one :class:`Core`."""

    def __init__(self, huk: Huk) -> None:
        self._huk = huk
        self._lock = threading.Lock()
        self._slots: dict[str, KeySlot] = {}

    @property
    def fingerprint(self) -> str:
        return self._huk.fingerprint

    def builtin_slot(self, owner: str, key_id: int) -> KeySlot | None:
        if key_id != KEY_ID_HUK:
            return None
        slot = self._slots.get(owner)
        if slot is None or slot.destroyed:
            slot = KeySlot(huk_attributes(), self._huk.owner_secret(owner))
            with self._lock:
                if len(self._slots) >= _MAX_CACHED_OWNERS:
                    self._slots.pop(next(iter(self._slots)))
                self._slots[owner] = slot
        return slot

    def attach(
        self, owner: str, attributes: KeyAttributes, label: bytes
    ) -> tuple[KeyAttributes, bytes]:
        """The ``attach_key`` provider for location 0 (see the module docstring)."""
        if not label.startswith(ATTACH_LABEL_PREFIX):
            raise DoesNotExistError("no implementation-provided key has this label")
        key_type, bits = attributes.type, attributes.bits
        if key_type == c.KEY_TYPE_NONE:
            raise InvalidArgumentError("a HUK-derived key needs its key type")
        if bits == 0:
            raise InvalidArgumentError("a HUK-derived key needs its key size")
        if not 0 < bits <= 0xFFFFFFFF or not 0 <= key_type <= 0xFFFF:
            raise InvalidArgumentError("invalid key type or size")
        stream = _HkdfStream(
            self._huk.attach_secret(owner),
            attach_info(key_type, bits, label[len(ATTACH_LABEL_PREFIX) :]),
        )
        material = keytypes.derive_material(key_type, bits, stream.read)
        final = attributes.copy()
        final.bits = bits
        return final, material

    def close(self) -> None:
        with self._lock:
            for slot in self._slots.values():
                slot.wipe()
            self._slots.clear()
        self._huk.wipe()


def install(
    core: Core,
    path: str | os.PathLike[str],
    *,
    marker: str | os.PathLike[str] | None = None,
    provision: bool = True,
) -> HukProvider:
    """Load (or provision) the HUK at ``path`` and expose it on ``core``: the
    built-in key :data:`KEY_ID_HUK` and the ``huk:`` attach labels."""
    provider = HukProvider(load_huk(path, marker=marker, provision=provision))
    core.builtin_keys = provider
    core.attach_provider = provider.attach
    return provider


# --- keeping application keys: seal_key / unseal_key ---------------------------------------

_SEAL_MAGIC = b"PSASK1"
_SEAL_INFO = b"psacrypto sealed key v1"
_SEAL_HEADER = struct.Struct(">6sIIIIII")  # magic, type, bits, lifetime, id, usage, alg


def _serialize(attributes: KeyAttributes) -> bytes:
    key_id = attributes.id if (attributes.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE else 0
    return _SEAL_HEADER.pack(
        _SEAL_MAGIC,
        attributes.type,
        attributes.bits,
        attributes.lifetime,
        key_id,
        attributes.usage_flags,
        attributes.algorithm,
    )


def _sealing_key(ctx: Any, header: bytes, label: bytes) -> int:
    """A volatile AES-256 KWP wrapping key derived from the HUK, bound to the
    serialized attributes ``header`` and the application's ``label``."""
    op = ctx.KeyDerivationOperation()
    try:
        ctx.key_derivation_setup(op, HUK_ALGORITHM)
        ctx.key_derivation_input_key(op, c.KEY_DERIVATION_INPUT_SECRET, KEY_ID_HUK)
        info = _SEAL_INFO + struct.pack(">I", len(label)) + label + header
        ctx.key_derivation_input_bytes(op, c.KEY_DERIVATION_INPUT_INFO, info)
        attrs = KeyAttributes(
            type=c.KEY_TYPE_AES,
            bits=256,
            usage_flags=c.KEY_USAGE_WRAP | c.KEY_USAGE_UNWRAP,
            algorithm=c.ALG_KWP,
        )
        key: int = ctx.key_derivation_output_key(attrs, op)
        return key
    finally:
        ctx.key_derivation_abort(op)


def seal_key(ctx: Any, key: int, *, label: bytes = b"") -> bytes:
    """``key`` (which needs ``KEY_USAGE_EXPORT``) as a blob the application may
    store anywhere: its attributes and its material wrapped (KWP) under a key
    derived from the HUK with those attributes and ``label``."""
    header = _serialize(ctx.get_key_attributes(key))
    wrapping_key = _sealing_key(ctx, header, bytes(label))
    try:
        wrapped: bytes = ctx.wrap_key(wrapping_key, c.ALG_KWP, key)
    finally:
        ctx.destroy_key(wrapping_key)
    return header + wrapped


def unseal_key(ctx: Any, blob: bytes, *, label: bytes = b"") -> int:
    """Re-create the key sealed in ``blob`` by :func:`seal_key` (same device, owner
    and ``label``); returns its id. A blob that was tampered with, comes from
    another device or owner, or whose attributes were altered is
    ``InvalidSignatureError``; a blob that is not a sealed key is ``DataInvalidError``."""
    blob = bytes(blob)
    if len(blob) < _SEAL_HEADER.size + 16 or not blob.startswith(_SEAL_MAGIC):
        raise DataInvalidError("not a psacrypto sealed key")
    header, wrapped = blob[: _SEAL_HEADER.size], blob[_SEAL_HEADER.size :]
    _, key_type, bits, lifetime, key_id, usage, alg = _SEAL_HEADER.unpack(header)
    attributes = KeyAttributes(
        type=key_type, bits=bits, lifetime=lifetime, id=key_id, usage_flags=usage, algorithm=alg
    )
    wrapping_key = _sealing_key(ctx, header, bytes(label))
    try:
        new: int = ctx.unwrap_key(attributes, wrapping_key, c.ALG_KWP, wrapped)
        return new
    finally:
        ctx.destroy_key(wrapping_key)
