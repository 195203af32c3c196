"""Sealing of key material at rest, and the storage key that seals it.

A persistent key is stored as its attributes (in clear, so that the store can
be listed and queried) plus a *sealed blob*::

    sealed = version (1 byte) || nonce (12 bytes) || AES-256-GCM(material) || tag (16)

The AEAD's associated data is a canonical binary encoding of everything that
identifies the record and decides how it may be used: the format version, the
owner, the key id, the type, the size in bits, the lifetime, the usage flags and
the permitted algorithm (see :func:`associated_data`). A record whose attribute
columns were edited, or whose blob was copied onto another (owner, id), does not
authenticate and is never used.

The storage key is 32 random bytes kept in a file beside the store
(``<store path>.key``, mode 0600), see :func:`load_or_create_storage_key`. Each
seal uses a fresh random nonce; a store would need billions of writes under one
storage key before random nonces become a concern.

Error mapping. The Crypto API 1.5 text in ``status.rst`` gives DATA_CORRUPT the
same wording as STORAGE_FAILURE, so the distinction below follows the PSA
Certified Status code API, which the Crypto API cites for both codes:

* ``DataCorruptError`` -- the stored bytes are damaged, or were not produced by
  us for this record under this storage key: authentication fails (bit flips,
  edited attribute columns, swapped or moved records, another storage key), or
  the blob is too short to hold a header and a tag (truncation). The Status code
  API uses DATA_CORRUPT for persistent data that has been damaged; malice and
  accident look identical to the reader, so they share the code.
* ``DataInvalidError`` -- the bytes look intact but are in a layout this
  implementation cannot read: a format version byte it does not know (a newer
  psacrypto wrote the record). The Status code API keeps DATA_INVALID for data
  that is well-formed storage yet not valid for the reading implementation,
  i.e. a version or integration mismatch. An unknown version cannot be
  authenticated, so a flipped version byte also reports DATA_INVALID; either
  way no material is returned.
* ``StorageFailureError`` -- the storage key file itself is unusable (wrong
  mode, wrong length, not a regular file, unreadable, cannot be created). It is
  never replaced silently: a new key would orphan every existing record.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..attributes import KeyAttributes
from ..errors import (
    DataCorruptError,
    DataInvalidError,
    InsufficientStorageError,
    InvalidArgumentError,
    StorageFailureError,
)
from .base import KeyRecord

__all__ = [
    "FORMAT_VERSION",
    "KEY_FILE_MODE",
    "SEAL_OVERHEAD",
    "STORAGE_KEY_SIZE",
    "Sealer",
    "associated_data",
    "key_file_path",
    "load_or_create_storage_key",
    "read_storage_key",
    "sealed_size",
    "validate_record",
]

FORMAT_VERSION = 1
STORAGE_KEY_SIZE = 32
NONCE_SIZE = 12
TAG_SIZE = 16
SEAL_OVERHEAD = 1 + NONCE_SIZE + TAG_SIZE
KEY_FILE_MODE = 0o600

_U16 = 0xFFFF
_U32 = 0xFFFF_FFFF

# Domain separation: these bytes never appear as the AD of anything else sealed
# with the storage key (the key check below uses a different label).
_RECORD_LABEL = b"psacrypto-key-record\x00"
_CHECK_LABEL = b"psacrypto-storage-key-check\x00"
_AD_FIXED = struct.Struct(">BIHIIII")  # version, key_id, type, bits, lifetime, usage, alg


def _owner_bytes(owner: str) -> bytes:
    try:
        return owner.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidArgumentError("owner is not encodable as UTF-8") from None


def associated_data(version: int, owner: str, key_id: int, attributes: KeyAttributes) -> bytes:
    """The canonical AD binding a sealed blob to its record's identity and policy.

    Fixed-width big-endian integers in a fixed order, then the length-prefixed
    UTF-8 owner; one byte string per distinct record, so no two records can share
    an AD. Values outside their C type's range raise ``InvalidArgumentError``
    (callers reading from storage turn that into ``DataCorruptError``).
    """
    try:
        fixed = _AD_FIXED.pack(
            version,
            key_id,
            attributes.type,
            attributes.bits,
            attributes.lifetime,
            attributes.usage_flags,
            attributes.algorithm,
        )
    except struct.error as exc:
        raise InvalidArgumentError(f"attribute value out of range: {exc}") from None
    owner_b = _owner_bytes(owner)
    return _RECORD_LABEL + fixed + struct.pack(">I", len(owner_b)) + owner_b


def validate_record(record: KeyRecord) -> None:
    """Reject a record that cannot be stored faithfully (a programming error upstream).

    Shared by every store so that the in-memory store refuses exactly what the
    SQLite one does.
    """
    attrs = record.attributes
    if attrs.id != record.key_id:
        raise InvalidArgumentError(
            f"record key_id {record.key_id} differs from attributes.id {attrs.id}"
        )
    if not isinstance(record.material, bytes | bytearray | memoryview):
        raise InvalidArgumentError("key material must be bytes")
    for name, value, limit in (
        ("key_id", record.key_id, _U32),
        ("type", attrs.type, _U16),
        ("bits", attrs.bits, _U32),
        ("lifetime", attrs.lifetime, _U32),
        ("usage_flags", attrs.usage_flags, _U32),
        ("algorithm", attrs.algorithm, _U32),
    ):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= limit:
            raise InvalidArgumentError(f"{name} out of range: {value!r}")
    _owner_bytes(record.owner)


def sealed_size(material_len: int) -> int:
    """Bytes a sealed blob takes for ``material_len`` bytes of material (for quotas)."""
    return material_len + SEAL_OVERHEAD


class Sealer:
    """Seals and opens key material under one storage key."""

    __slots__ = ("_aead",)

    def __init__(self, storage_key: bytes) -> None:
        if len(storage_key) != STORAGE_KEY_SIZE:
            raise InvalidArgumentError(f"storage key must be {STORAGE_KEY_SIZE} bytes")
        self._aead = AESGCM(bytes(storage_key))

    def seal(self, record: KeyRecord) -> bytes:
        """The sealed blob for ``record`` (validated first)."""
        validate_record(record)
        ad = associated_data(FORMAT_VERSION, record.owner, record.key_id, record.attributes)
        nonce = os.urandom(NONCE_SIZE)
        body = self._aead.encrypt(nonce, bytes(record.material), ad)
        return bytes((FORMAT_VERSION,)) + nonce + body

    def open(self, owner: str, key_id: int, attributes: KeyAttributes, sealed: bytes) -> bytes:
        """The material, only if ``sealed`` authenticates for exactly this record.

        Raises ``DataCorruptError`` or ``DataInvalidError`` (see the module
        docstring); never returns unauthenticated bytes.
        """
        where = f"key {key_id} of owner {owner!r}"
        if not isinstance(sealed, bytes) or len(sealed) < SEAL_OVERHEAD:
            raise DataCorruptError(f"{where}: sealed record is truncated or missing")
        version = sealed[0]
        if version != FORMAT_VERSION:
            raise DataInvalidError(
                f"{where}: sealed record has format version {version}, "
                f"this implementation reads version {FORMAT_VERSION}"
            )
        try:
            ad = associated_data(version, owner, key_id, attributes)
        except InvalidArgumentError:
            raise DataCorruptError(f"{where}: stored attributes are out of range") from None
        nonce = sealed[1 : 1 + NONCE_SIZE]
        try:
            return self._aead.decrypt(nonce, sealed[1 + NONCE_SIZE :], ad)
        except InvalidTag:
            raise DataCorruptError(
                f"{where}: sealed record fails authentication "
                "(tampered, swapped, damaged, or sealed under another storage key)"
            ) from None

    def make_key_check(self) -> bytes:
        """A small blob that only this storage key opens; stored in the database so
        that a wrong or replaced key file is reported once, at open time."""
        nonce = os.urandom(NONCE_SIZE)
        return bytes((FORMAT_VERSION,)) + nonce + self._aead.encrypt(nonce, b"", _CHECK_LABEL)

    def verify_key_check(self, blob: bytes) -> bool:
        if not isinstance(blob, bytes) or len(blob) != SEAL_OVERHEAD:
            return False
        if blob[0] != FORMAT_VERSION:
            return False
        try:
            self._aead.decrypt(blob[1 : 1 + NONCE_SIZE], blob[1 + NONCE_SIZE :], _CHECK_LABEL)
        except InvalidTag:
            return False
        return True


# --------------------------------------------------------------------------- key file


def key_file_path(store_path: str | os.PathLike[str]) -> str:
    """Where the storage key of the store at ``store_path`` lives."""
    return os.fspath(store_path) + ".key"


def read_storage_key(path: str) -> bytes | None:
    """The storage key in ``path``, ``None`` if the file does not exist.

    A file with a mode other than 0600, that is not a regular file, or whose
    length is not 32 bytes raises ``StorageFailureError``: it is the operator's
    to fix, and replacing it would make every existing record unreadable.
    """
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise StorageFailureError(f"cannot open storage key file {path}: {exc}") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise StorageFailureError(f"storage key file {path} is not a regular file")
        mode = stat.S_IMODE(st.st_mode)
        if mode != KEY_FILE_MODE:
            raise StorageFailureError(
                f"storage key file {path} has mode {mode:04o}, expected 0600; "
                "fix its permissions (it is not replaced automatically)"
            )
        if st.st_size != STORAGE_KEY_SIZE:
            raise StorageFailureError(
                f"storage key file {path} is {st.st_size} bytes, expected {STORAGE_KEY_SIZE}"
            )
        data = b""
        while len(data) < STORAGE_KEY_SIZE:
            chunk = os.read(fd, STORAGE_KEY_SIZE - len(data))
            if not chunk:
                break
            data += chunk
        if len(data) != STORAGE_KEY_SIZE:
            raise StorageFailureError(f"storage key file {path} is truncated")
        return data
    except OSError as exc:
        raise StorageFailureError(f"cannot read storage key file {path}: {exc}") from None
    finally:
        os.close(fd)


def _fsync_dir(path: str) -> None:
    fd = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def load_or_create_storage_key(path: str) -> bytes:
    """Read the storage key at ``path``, creating it first if there is none.

    Creation writes the key to a private temporary file (``O_CREAT|O_EXCL``,
    mode 0600, fsync) and then *hard-links* it to ``path``. ``link`` is atomic and,
    unlike ``rename``, refuses to replace an existing file, so (a) a crash never
    leaves a partial key file at ``path`` and (b) when several processes race,
    exactly one link succeeds and every loser reads the winner's key.
    """
    existing = read_storage_key(path)
    if existing is not None:
        return existing
    tmp = f"{path}.tmp-{os.getpid()}-{secrets.token_hex(8)}"
    key = secrets.token_bytes(STORAGE_KEY_SIZE)
    try:
        fd = os.open(
            tmp,
            os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0),
            KEY_FILE_MODE,
        )
        try:
            os.fchmod(fd, KEY_FILE_MODE)  # the umask may have removed bits we need
            written = 0
            while written < len(key):
                written += os.write(fd, key[written:])
            os.fsync(fd)
        finally:
            os.close(fd)
        try:
            os.link(tmp, path)
            won = True
        except FileExistsError:
            won = False  # another process created it first: use theirs
        if won:
            _fsync_dir(path)
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise InsufficientStorageError(
                f"cannot create storage key file {path}: {exc}"
            ) from None
        raise StorageFailureError(f"cannot create storage key file {path}: {exc}") from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
    result = read_storage_key(path)
    if result is None:  # deleted between link and read: an operator is interfering
        raise StorageFailureError(f"storage key file {path} vanished while being created")
    return result
