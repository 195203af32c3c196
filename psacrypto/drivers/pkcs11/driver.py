"""The PKCS#11 opaque driver: keys live in a PKCS#11 token (an HSM, a smart card,
SoftHSM2), reached through python-pkcs11.

* Keys created through the API are token objects (PSA persistent keys) or session
  objects (PSA volatile keys), always ``CKA_SENSITIVE``; ``CKA_EXTRACTABLE`` is
  true only when the PSA policy has ``KEY_USAGE_EXPORT``. A key pair is two objects
  with the same ``CKA_ID`` (the private key, and the public key used to verify
  and encrypt).
* The reference the core stores is ``b"p11" | version | flags | id length | CKA_ID |
  CKA_LABEL`` (see :func:`_pack`); the driver finds the object again by ``CKA_ID``
  (or by label for an attached object without one).
* Export (policy and token permitting) wraps the key with a fresh AES key by
  ``CKM_AES_KEY_WRAP_PAD`` and unwraps it here: a sensitive key's value is never
  read as an attribute.
* ``attach_key`` labels: ``CKA_LABEL`` text (UTF-8), or ``id:<hex>`` for a
  ``CKA_ID`` (docs/drivers.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import hashlib
import os
import struct
import threading
import time
from collections.abc import Callable
from typing import Any

import pkcs11
from cryptography.hazmat.primitives import keywrap
from pkcs11 import MGF, Attribute, KeyType, Mechanism, ObjectClass
from pkcs11 import exceptions as p11e
from pkcs11.mechanisms import KDF, GCMParams

from ... import constants as c
from ... import macros as m
from ...attributes import KeyAttributes
from ...errors import (
    CommunicationFailureError,
    DoesNotExistError,
    HardwareFailureError,
    InsufficientMemoryError,
    InvalidArgumentError,
    InvalidPaddingError,
    InvalidSignatureError,
    NotPermittedError,
    NotSupportedError,
    PsaError,
)
from ..base import (
    AEAD,
    ASYMMETRIC_ENCRYPTION,
    CIPHER,
    KEY_AGREEMENT,
    MAC,
    SIGN,
    AgreementFunction,
    CryptFunction,
    OpaqueDriver,
    SignFunction,
)
from ..software import symmetric
from . import formats

_MAGIC = b"p11\x01"
_TOKEN = 1  # a token object (PSA persistent key)
_ATTACHED = 2  # registered with attach_key: destroy only detaches
_PAIR = 4  # a key pair: a private and a public object share the CKA_ID

_HASH_MECH = {
    c.ALG_SHA_1: Mechanism.SHA_1,
    c.ALG_SHA_224: Mechanism.SHA224,
    c.ALG_SHA_256: Mechanism.SHA256,
    c.ALG_SHA_384: Mechanism.SHA384,
    c.ALG_SHA_512: Mechanism.SHA512,
}
_MGF = {
    c.ALG_SHA_1: MGF.SHA1,
    c.ALG_SHA_224: MGF.SHA224,
    c.ALG_SHA_256: MGF.SHA256,
    c.ALG_SHA_384: MGF.SHA384,
    c.ALG_SHA_512: MGF.SHA512,
}
_HMAC_MECH = {
    c.ALG_SHA_1: Mechanism.SHA_1_HMAC,
    c.ALG_SHA_224: Mechanism.SHA224_HMAC,
    c.ALG_SHA_256: Mechanism.SHA256_HMAC,
    c.ALG_SHA_384: Mechanism.SHA384_HMAC,
    c.ALG_SHA_512: Mechanism.SHA512_HMAC,
}
_HASHLIB = {
    c.ALG_SHA_1: "sha1",
    c.ALG_SHA_224: "sha224",
    c.ALG_SHA_256: "sha256",
    c.ALG_SHA_384: "sha384",
    c.ALG_SHA_512: "sha512",
}
_HASH_LEN = {c.ALG_SHA_1: 20, c.ALG_SHA_224: 28, c.ALG_SHA_256: 32, c.ALG_SHA_384: 48,
             c.ALG_SHA_512: 64}
_CIPHER_MECH = {
    c.ALG_ECB_NO_PADDING: Mechanism.AES_ECB,
    c.ALG_CBC_NO_PADDING: Mechanism.AES_CBC,
    c.ALG_CBC_PKCS7: Mechanism.AES_CBC_PAD,
    c.ALG_CTR: Mechanism.AES_CTR,
}
_GCM_BASE = c.ALG_GCM & ~0x003F8000
_MAC_LENGTH = 0x003F0000

# Errors meaning the token (or the connection to it) is gone.
_UNREACHABLE = (
    p11e.DeviceRemoved,
    p11e.DeviceError,
    p11e.TokenNotPresent,
    p11e.TokenNotRecognised,
    p11e.SessionClosed,
    p11e.SessionHandleInvalid,
    p11e.NoSuchToken,
    p11e.UserNotLoggedIn,
)
_STALE = (p11e.ObjectHandleInvalid, p11e.KeyHandleInvalid)


def _pack(flags: int, key_id: bytes, label: str = "") -> bytes:
    return _MAGIC + bytes((flags, len(key_id))) + key_id + label.encode()


def _unpack(reference: bytes) -> tuple[int, bytes, str]:
    if reference[:4] != _MAGIC or len(reference) < 6:
        raise HardwareFailureError("not a PKCS#11 key reference")
    flags, n = reference[4], reference[5]
    return flags, reference[6 : 6 + n], reference[6 + n :].decode()


def _is_hmac(alg: int) -> bool:
    return (alg & 0x7FC0FF00) == 0x03800000


def _mac_hash(alg: int) -> int:
    return 0x02000000 | (alg & 0xFF)


class _Objects:
    """The token objects of one key: the main one (secret or private key, or the
    public key of a public-key type) and, for a key pair, the public key."""

    __slots__ = ("main", "public")

    def __init__(self, main: Any, public: Any) -> None:
        self.main = main
        self.public = public


class Pkcs11Driver(OpaqueDriver):
    """An opaque driver over one PKCS#11 token (see the module docstring)."""

    name = "pkcs11"

    def __init__(
        self,
        library: str,
        *,
        token_label: str | None = None,
        slot: int | None = None,
        pin: str | None = None,
        sensitive: bool = True,
    ) -> None:
        super().__init__()
        self.library = library
        self.token_label = token_label
        self.slot_id = slot
        self._pin = pin
        self.sensitive = sensitive
        self._lock = threading.RLock()
        self._lib: Any = None
        self._session: Any = None
        self._mechanisms: frozenset[int] | None = None
        self._objects: dict[bytes, _Objects] = {}
        self._supports: dict[tuple[str, int, int, int, int], bool] = {}
        self._limits: dict[int, tuple[int, int]] = {}
        self._probes: dict[Any, bool] = {}
        self._probe_pair: Any = None
        self._reinit_at = 0.0
        #: shortest time between two re-initialisations of the module (seconds)
        self.reinit_interval = 1.0
        self._last_error = ""
        self.token_info: dict[str, Any] = {}

    # Connection -------------------------------------------------------------------------

    def _token(self, recover: bool = False) -> Any:
        """The token; with ``recover``, a failed lookup re-initialises the module once
        (at most every :attr:`reinit_interval` seconds), as a token that went away
        and came back is only seen again after ``C_Initialize``. That ends every
        session of the module in this process: the other drivers on it reconnect,
        and their session objects (PSA volatile keys) are lost."""
        try:
            return self._lookup_token()
        except CommunicationFailureError:
            if not recover or self._lib is None:
                raise
            now = time.monotonic()
            if now - self._reinit_at < self.reinit_interval:
                raise
            self._reinit_at = now
            with contextlib.suppress(p11e.PKCS11Error):
                self._lib.reinitialize()
            return self._lookup_token()

    def _lookup_token(self) -> Any:
        if self._lib is None:
            try:
                self._lib = pkcs11.lib(self.library)
            except (OSError, RuntimeError) as e:
                raise CommunicationFailureError(f"cannot load {self.library}: {e}") from None
        kwargs: dict[str, Any] = {}
        if self.token_label is not None:
            kwargs["token_label"] = self.token_label
        try:
            if self.slot_id is not None:
                for slot in self._lib.get_slots(token_present=True):
                    if slot.slot_id == self.slot_id:
                        return slot.get_token()
                raise CommunicationFailureError(f"no token in PKCS#11 slot {self.slot_id}")
            return self._lib.get_token(**kwargs)
        except p11e.NoSuchToken:
            raise CommunicationFailureError(
                f"PKCS#11 token {self.token_label!r} is not present"
            ) from None
        except p11e.MultipleTokensReturned:
            raise CommunicationFailureError(
                "several PKCS#11 tokens match; set token_label"
            ) from None
        except p11e.PKCS11Error as e:
            raise CommunicationFailureError(f"PKCS#11 token unreachable: {_name(e)}") from None

    def session(self) -> Any:
        """The driver's PKCS#11 session (opened, and logged in, on first use)."""
        session = self._session
        if session is not None:
            return session
        with self._lock:
            if self._session is None:
                token = self._token(recover=True)
                try:
                    try:
                        self._session = token.open(user_pin=self._pin, rw=True)
                    except p11e.UserAlreadyLoggedIn:
                        # another session of this process has logged in the token
                        self._session = token.open(rw=True)
                    mechanisms = token.slot.get_mechanisms()
                except p11e.PKCS11Error as e:
                    self._last_error = _name(e)
                    raise CommunicationFailureError(
                        f"cannot open a session on PKCS#11 token {token.label!r}: {_name(e)}"
                    ) from None
                self._mechanisms = frozenset(int(x) for x in mechanisms)
                self.token_info = {
                    "label": token.label,
                    "manufacturer": token.manufacturer_id,
                    "model": token.model,
                }
                self._last_error = ""
            return self._session

    def _lost(self, error: Exception) -> CommunicationFailureError:
        """The session is unusable: forget it (and every handle) so the next call
        reconnects; the error to raise now."""
        with self._lock:
            self._session = None
            self._probe_pair = None
            self._objects.clear()
            self._last_error = _name(error)
        return CommunicationFailureError(f"PKCS#11 token unreachable: {_name(error)}")

    def mechanisms(self) -> frozenset[int]:
        if self._mechanisms is None:
            self.session()
        assert self._mechanisms is not None
        return self._mechanisms

    def has(self, mechanism: int) -> bool:
        return mechanism in self.mechanisms()

    def status(self) -> str:
        try:
            self.session()
            self._token()
        except PsaError as e:
            return f"unreachable: {e}"
        return "ok"

    def close(self) -> None:
        with self._lock:
            session, self._session = self._session, None
            self._probe_pair = None
            self._objects.clear()
        if session is not None:
            with contextlib.suppress(p11e.PKCS11Error):
                session.close()

    def describe(self) -> dict[str, Any]:
        info = super().describe()
        info["library"] = self.library
        info["token"] = dict(self.token_info) or {"label": self.token_label}
        return info

    # Errors ------------------------------------------------------------------------------

    def _error(self, e: Exception, what: str = "") -> PsaError:
        """The PSA error for a PKCS#11 exception."""
        if isinstance(e, PsaError):
            return e
        if isinstance(e, _UNREACHABLE) or "not initialized" in str(e):
            # (python-pkcs11 reports CKR_CRYPTOKI_NOT_INITIALIZED as a bare PKCS11Error)
            return self._lost(e)
        if isinstance(e, (p11e.SignatureInvalid, p11e.SignatureLenRange)):
            return InvalidSignatureError("the signature is not valid")
        if isinstance(e, (p11e.MechanismInvalid, p11e.MechanismParamInvalid,
                          p11e.FunctionNotSupported, p11e.ArgumentsBad)):
            return NotSupportedError(f"the PKCS#11 token does not support this: {_name(e)}")
        if isinstance(e, (p11e.KeyUnextractable, p11e.AttributeSensitive,
                          p11e.KeyNotWrappable)):
            return NotPermittedError("the PKCS#11 token does not let this key out")
        if isinstance(e, (p11e.DeviceMemory, p11e.HostMemory)):
            return InsufficientMemoryError(f"PKCS#11: {_name(e)}")
        if isinstance(e, (p11e.DataLenRange, p11e.DataInvalid, p11e.KeySizeRange)):
            return InvalidArgumentError(f"PKCS#11: {_name(e)} {what}".strip())
        if isinstance(e, (p11e.EncryptedDataInvalid, p11e.EncryptedDataLenRange)):
            return InvalidPaddingError(f"PKCS#11: {_name(e)}")
        if isinstance(e, _STALE):
            return HardwareFailureError("the key is no longer in the PKCS#11 token")
        if isinstance(e, p11e.PKCS11Error):
            return HardwareFailureError(f"PKCS#11 failure: {_name(e)}")
        raise e

    # Capability query -----------------------------------------------------------------

    def supports_key(self, key_type: int, bits: int) -> bool:
        if key_type == c.KEY_TYPE_AES:
            return bits in (128, 192, 256) and self.has(Mechanism.AES_ECB)
        if key_type == c.KEY_TYPE_HMAC:
            return 8 <= bits <= 4096 and bits % 8 == 0 and self.has(Mechanism.SHA256_HMAC)
        if key_type in (c.KEY_TYPE_RSA_KEY_PAIR, c.KEY_TYPE_RSA_PUBLIC_KEY):
            return 1024 <= bits <= 4096 and bits % 8 == 0 and self.has(Mechanism.RSA_PKCS)
        curve = formats.ecc_curve(key_type, bits)
        if curve is None:
            return False
        if curve[0] == formats.EDWARDS:
            return self.has(Mechanism.EDDSA)
        return self.has(Mechanism.ECDSA) or self.has(Mechanism.ECDH1_DERIVE)

    def key_types(self) -> list[tuple[int, int]]:
        # the generic candidates have 256-bit HMAC keys only; tokens may want longer
        extra = [(c.KEY_TYPE_HMAC, n) for n in (384, 512) if self.supports_key(c.KEY_TYPE_HMAC, n)]
        return sorted(set(super().key_types()) | set(extra))

    def supports(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        key = (family, key_type, bits, alg, usage)
        found = self._supports.get(key)
        if found is None:
            found = self._supports[key] = self.supports_key(key_type, bits) and self._can(
                family, key_type, bits, alg, usage
            )
        return found

    def _can(self, family: str, key_type: int, bits: int, alg: int, usage: int) -> bool:
        has = self.has
        if family == MAC:
            base = alg & ~(_MAC_LENGTH | 0x8000)
            if _is_hmac(base):
                mech = _HMAC_MECH.get(_mac_hash(base), -1)
                return key_type == c.KEY_TYPE_HMAC and has(mech) and self._fits(mech, bits // 8)
            return base == c.ALG_CMAC and key_type == c.KEY_TYPE_AES and has(Mechanism.AES_CMAC)
        if family == CIPHER:
            mode = _CIPHER_MECH.get(alg)
            return key_type == c.KEY_TYPE_AES and mode is not None and has(mode)
        if family == AEAD:
            return (
                key_type == c.KEY_TYPE_AES
                and alg & ~0x003F8000 == _GCM_BASE
                and has(Mechanism.AES_GCM)
            )
        verify = usage in (c.KEY_USAGE_VERIFY_HASH, c.KEY_USAGE_VERIFY_MESSAGE)
        if family == SIGN:
            public = key_type & 0x3000 != 0x3000
            if public and not verify:
                return False
            message = usage in (c.KEY_USAGE_SIGN_MESSAGE, c.KEY_USAGE_VERIFY_MESSAGE)
            hash_alg = 0x02000000 | (alg & 0xFF)
            if m.ALG_IS_ECDSA(alg) and not m.ALG_IS_DETERMINISTIC_ECDSA(alg):
                curve = formats.ecc_curve(key_type, bits)
                if curve is None or curve[0] != formats.SECP_R1 or not has(Mechanism.ECDSA):
                    return False
                if alg == c.ALG_ECDSA_ANY:
                    return not message
                return hash_alg in _HASHLIB
            if alg == c.ALG_PURE_EDDSA:
                curve = formats.ecc_curve(key_type, bits)
                return curve is not None and curve[0] == formats.EDWARDS and message
            if key_type not in (c.KEY_TYPE_RSA_KEY_PAIR, c.KEY_TYPE_RSA_PUBLIC_KEY):
                return False
            if alg == c.ALG_RSA_PKCS1V15_SIGN_RAW:
                return not message and has(Mechanism.RSA_PKCS)
            if m.ALG_IS_RSA_PKCS1V15_SIGN(alg):
                return hash_alg in formats.DIGEST_INFO and has(Mechanism.RSA_PKCS)
            if m.ALG_IS_RSA_PSS(alg):
                if m.ALG_IS_RSA_PSS_ANY_SALT(alg) and verify:
                    return False  # the token verifies one salt length only
                return hash_alg in _MGF and has(Mechanism.RSA_PKCS_PSS)
            return False
        if family == ASYMMETRIC_ENCRYPTION:
            if key_type not in (c.KEY_TYPE_RSA_KEY_PAIR, c.KEY_TYPE_RSA_PUBLIC_KEY):
                return False
            if key_type == c.KEY_TYPE_RSA_PUBLIC_KEY and usage == c.KEY_USAGE_DECRYPT:
                return False
            if alg == c.ALG_RSA_PKCS1V15_CRYPT:
                return has(Mechanism.RSA_PKCS)
            if m.ALG_IS_RSA_OAEP(alg):
                hash_alg = 0x02000000 | (alg & 0xFF)
                return (
                    hash_alg in _MGF and has(Mechanism.RSA_PKCS_OAEP) and self._oaep_works(hash_alg)
                )
            return False
        if family == KEY_AGREEMENT:
            curve = formats.ecc_curve(key_type, bits)
            return (
                m.ALG_KEY_AGREEMENT_GET_BASE(alg) == c.ALG_ECDH
                and key_type & 0x3000 == 0x3000
                and curve is not None
                and curve[0] == formats.SECP_R1
                and has(Mechanism.ECDH1_DERIVE)
            )
        return False

    def _fits(self, mechanism: int, size: int) -> bool:
        """Whether the token takes keys of ``size`` (its unit for the mechanism) for
        ``mechanism`` (e.g. SoftHSM2 wants HMAC keys at least as long as the hash)."""
        limits = self._limits.get(mechanism)
        if limits is None:
            try:
                info = self._token().slot.get_mechanism_info(Mechanism(mechanism))
                limits = (int(info.min_key_length), int(info.max_key_length) or 1 << 30)
            except (p11e.PKCS11Error, ValueError):
                limits = (0, 1 << 30)
            self._limits[mechanism] = limits
        return limits[0] <= size <= limits[1]

    def _oaep_works(self, hash_alg: int) -> bool:
        """Whether the token runs OAEP with this hash (SoftHSM2 2.6 only has SHA-1):
        tried once on a small session key pair."""
        key = ("oaep", hash_alg)
        found = self._probes.get(key)
        if found is None:
            session = self.session()
            try:
                if self._probe_pair is None:
                    self._probe_pair = session.generate_keypair(
                        KeyType.RSA, 1024, store=False,
                        public_template={Attribute.ENCRYPT: True},
                        private_template={Attribute.DECRYPT: True},
                    )
                self._probe_pair[0].encrypt(
                    b"probe", mechanism=Mechanism.RSA_PKCS_OAEP,
                    mechanism_param=(_HASH_MECH[hash_alg], _MGF[hash_alg], None),
                )
                found = True
            except p11e.PKCS11Error:
                found = False
            self._probes[key] = found
        return found

    # Objects ----------------------------------------------------------------------------

    def _find(self, reference: bytes) -> _Objects:
        found = self._objects.get(reference)
        if found is not None:
            return found
        _, key_id, label = _unpack(reference)
        session = self.session()
        query: dict[Any, Any] = {Attribute.ID: key_id} if key_id else {Attribute.LABEL: label}
        main = public = None
        try:
            for obj in session.get_objects(query):
                cls = obj[Attribute.CLASS]
                if cls == ObjectClass.PUBLIC_KEY:
                    public = obj
                elif cls in (ObjectClass.PRIVATE_KEY, ObjectClass.SECRET_KEY):
                    main = obj
        except p11e.PKCS11Error as e:
            raise self._error(e) from None
        if main is None:
            main = public
        if main is None:
            try:
                self._token()
            except CommunicationFailureError as e:  # the token itself is gone
                raise self._lost(e) from None
            raise HardwareFailureError("the key is no longer in the PKCS#11 token")
        found = self._objects[reference] = _Objects(main, public)
        return found

    def _run(self, reference: bytes, fn: Callable[[_Objects], Any], what: str = "") -> Any:
        """``fn(objects)`` with PKCS#11 errors mapped; a stale handle is looked up
        again once (the token may have been reconnected)."""
        try:
            return fn(self._find(reference))
        except _STALE:
            self._objects.pop(reference, None)
        except p11e.PKCS11Error as e:
            raise self._error(e, what) from None
        try:
            return fn(self._find(reference))
        except p11e.PKCS11Error as e:
            raise self._error(e, what) from None

    def forget(self, reference: bytes) -> None:
        self._objects.pop(reference, None)

    # Key creation ----------------------------------------------------------------------

    def _template(
        self, attributes: KeyAttributes, kind: str, key_id: bytes
    ) -> dict[Any, Any]:
        """The PKCS#11 attributes of a new object of ``kind`` ("secret", "private",
        "public") for a PSA key with ``attributes``."""
        usage = attributes.usage_flags
        token = (attributes.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        sign = bool(usage & (c.KEY_USAGE_SIGN_HASH | c.KEY_USAGE_SIGN_MESSAGE))
        verify = bool(usage & (c.KEY_USAGE_VERIFY_HASH | c.KEY_USAGE_VERIFY_MESSAGE))
        t: dict[Any, Any] = {
            Attribute.TOKEN: token,
            Attribute.ID: key_id,
            Attribute.LABEL: "psa-" + key_id.hex(),
        }
        if kind == "public":
            t.update(
                {
                    Attribute.PRIVATE: False,
                    Attribute.VERIFY: True,
                    Attribute.ENCRYPT: bool(usage & c.KEY_USAGE_ENCRYPT)
                    or attributes.type & 0x3000 != 0x3000,
                    Attribute.WRAP: False,
                    Attribute.DERIVE: False,
                }
            )
            return t
        t.update(
            {
                Attribute.PRIVATE: True,
                Attribute.SENSITIVE: self.sensitive,
                Attribute.EXTRACTABLE: bool(usage & c.KEY_USAGE_EXPORT),
                Attribute.SIGN: sign or (kind == "secret" and verify),
                Attribute.DECRYPT: bool(usage & c.KEY_USAGE_DECRYPT),
                Attribute.DERIVE: bool(usage & c.KEY_USAGE_DERIVE),
                Attribute.UNWRAP: False,
            }
        )
        if kind == "secret":
            t[Attribute.ENCRYPT] = bool(usage & c.KEY_USAGE_ENCRYPT)
            t[Attribute.VERIFY] = verify
            t[Attribute.WRAP] = False
        return t

    def _new_id(self) -> bytes:
        return os.urandom(16)

    def import_key(self, attributes: KeyAttributes, material: bytes) -> bytes:
        key_id = self._new_id()
        t = attributes.type
        token = (attributes.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        flags = _TOKEN if token else 0
        session = self.session()
        try:
            if t in (c.KEY_TYPE_AES, c.KEY_TYPE_HMAC):
                tmpl = self._template(attributes, "secret", key_id)
                tmpl[Attribute.CLASS] = ObjectClass.SECRET_KEY
                tmpl[Attribute.KEY_TYPE] = (
                    KeyType.AES if t == c.KEY_TYPE_AES else KeyType.GENERIC_SECRET
                )
                tmpl[Attribute.VALUE] = bytes(material)
                session.create_object(tmpl)
                return _pack(flags, key_id)
            if t == c.KEY_TYPE_RSA_KEY_PAIR:
                values = formats.rsa_private_attributes(material)
                priv = self._template(attributes, "private", key_id)
                priv.update({getattr(Attribute, k): v for k, v in values.items()})
                priv.update({Attribute.CLASS: ObjectClass.PRIVATE_KEY,
                             Attribute.KEY_TYPE: KeyType.RSA})
                pub = self._template(attributes, "public", key_id)
                pub.update({Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                            Attribute.KEY_TYPE: KeyType.RSA,
                            Attribute.MODULUS: values["MODULUS"],
                            Attribute.PUBLIC_EXPONENT: values["PUBLIC_EXPONENT"]})
                self._create_pair(session, priv, pub)
                return _pack(flags | _PAIR, key_id)
            if t == c.KEY_TYPE_RSA_PUBLIC_KEY:
                values = formats.rsa_public_attributes(material)
                pub = self._template(attributes, "public", key_id)
                pub.update({Attribute.CLASS: ObjectClass.PUBLIC_KEY,
                            Attribute.KEY_TYPE: KeyType.RSA,
                            Attribute.MODULUS: values["MODULUS"],
                            Attribute.PUBLIC_EXPONENT: values["PUBLIC_EXPONENT"]})
                session.create_object(pub)
                return _pack(flags, key_id)
            curve = formats.ecc_curve(t, attributes.bits)
            if curve is None:
                raise NotSupportedError("this key type cannot be imported into the PKCS#11 token")
            params = formats.CURVES[curve][0]
            p11_type = KeyType.EC_EDWARDS if curve[0] == formats.EDWARDS else KeyType.EC
            pub = self._template(attributes, "public", key_id)
            pub.update({Attribute.CLASS: ObjectClass.PUBLIC_KEY, Attribute.KEY_TYPE: p11_type,
                        Attribute.EC_PARAMS: params})
            if t & 0x3000 != 0x3000:
                pub[Attribute.EC_POINT] = formats.der_octet_string(bytes(material))
                session.create_object(pub)
                return _pack(flags, key_id)
            point = formats.ecc_public_point(t, attributes.bits, bytes(material))
            pub[Attribute.EC_POINT] = formats.der_octet_string(point)
            priv = self._template(attributes, "private", key_id)
            priv.update({Attribute.CLASS: ObjectClass.PRIVATE_KEY, Attribute.KEY_TYPE: p11_type,
                         Attribute.EC_PARAMS: params, Attribute.VALUE: bytes(material)})
            self._create_pair(session, priv, pub)
            return _pack(flags | _PAIR, key_id)
        except p11e.PKCS11Error as e:
            raise self._error(e) from None

    def _create_pair(self, session: Any, priv: dict[Any, Any], pub: dict[Any, Any]) -> None:
        private = session.create_object(priv)
        try:
            session.create_object(pub)
        except BaseException:
            private.destroy()
            raise

    def generate_key(self, attributes: KeyAttributes) -> bytes:
        key_id = self._new_id()
        t, bits = attributes.type, attributes.bits
        token = (attributes.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        flags = _TOKEN if token else 0
        session = self.session()
        try:
            if t in (c.KEY_TYPE_AES, c.KEY_TYPE_HMAC):
                tmpl = self._template(attributes, "secret", key_id)
                if t == c.KEY_TYPE_AES:
                    session.generate_key(KeyType.AES, bits, store=token, template=tmpl,
                                         id=key_id, label=tmpl[Attribute.LABEL])
                else:
                    tmpl[Attribute.VALUE_LEN] = bits // 8
                    session.generate_key(
                        KeyType.GENERIC_SECRET, bits, store=token, template=tmpl, id=key_id,
                        label=tmpl[Attribute.LABEL], mechanism=Mechanism.GENERIC_SECRET_KEY_GEN,
                    )
                return _pack(flags, key_id)
            priv = self._template(attributes, "private", key_id)
            pub = self._template(attributes, "public", key_id)
            if t == c.KEY_TYPE_RSA_KEY_PAIR:
                pub[Attribute.PUBLIC_EXPONENT] = b"\x01\x00\x01"
                session.generate_keypair(
                    KeyType.RSA, bits, store=token, id=key_id, label=priv[Attribute.LABEL],
                    public_template=pub, private_template=priv,
                )
                return _pack(flags | _PAIR, key_id)
            curve = formats.ecc_curve(t, bits)
            if curve is None or t & 0x3000 != 0x3000:
                raise NotSupportedError("this key type cannot be generated in the PKCS#11 token")
            pub[Attribute.EC_PARAMS] = formats.CURVES[curve][0]
            edwards = curve[0] == formats.EDWARDS
            session.generate_keypair(
                KeyType.EC_EDWARDS if edwards else KeyType.EC,
                store=token, id=key_id, label=priv[Attribute.LABEL],
                mechanism=(
                    Mechanism.EC_EDWARDS_KEY_PAIR_GEN if edwards else Mechanism.EC_KEY_PAIR_GEN
                ),
                public_template=pub, private_template=priv,
            )
            return _pack(flags | _PAIR, key_id)
        except p11e.PKCS11Error as e:
            raise self._error(e) from None

    def destroy_key(self, attributes: KeyAttributes, reference: bytes) -> None:
        flags = _unpack(reference)[0]
        if flags & _ATTACHED:
            self.forget(reference)
            return

        def destroy(objs: _Objects) -> None:
            if objs.public is not None and objs.public is not objs.main:
                objs.public.destroy()
            objs.main.destroy()

        with contextlib.suppress(HardwareFailureError):  # already gone
            self._run(reference, destroy)
        self.forget(reference)

    def copy_key(
        self, attributes: KeyAttributes, reference: bytes, target: KeyAttributes
    ) -> bytes:
        key_id = self._new_id()
        token = (target.lifetime & 0xFF) != c.KEY_PERSISTENCE_VOLATILE
        flags = (_unpack(reference)[0] & _PAIR) | (_TOKEN if token else 0)
        pair = target.type & 0x3000 == 0x3000
        if pair:
            kind = "private"
        else:
            kind = "public" if m.KEY_TYPE_IS_ASYMMETRIC(target.type) else "secret"

        def copy(objs: _Objects) -> None:
            tmpl = self._template(target, kind, key_id)
            tmpl.pop(Attribute.SENSITIVE, None)
            if objs.main[Attribute.CLASS] != ObjectClass.PUBLIC_KEY and not objs.main[
                Attribute.EXTRACTABLE
            ]:
                tmpl.pop(Attribute.EXTRACTABLE)  # cannot become extractable
            new = objs.main.copy(tmpl)
            if pair and objs.public is not None:
                try:
                    objs.public.copy(self._template(target, "public", key_id))
                except BaseException:
                    new.destroy()
                    raise

        self._run(reference, copy)
        return _pack(flags, key_id)

    def attach_key(
        self, owner: str, attributes: KeyAttributes, label: bytes
    ) -> tuple[KeyAttributes, bytes]:
        try:
            text = label.decode()
        except UnicodeDecodeError:
            raise DoesNotExistError("PKCS#11 labels are UTF-8 text") from None
        if text.startswith("id:"):
            try:
                key_id = bytes.fromhex(text[3:])
            except ValueError:
                raise DoesNotExistError("an id: label needs a hex CKA_ID") from None
            query: dict[Any, Any] = {Attribute.ID: key_id}
            obj_label = ""
        else:
            query = {Attribute.LABEL: text}
            key_id = b""
            obj_label = text
        session = self.session()
        try:
            main: Any = None
            public: Any = None
            for found in session.get_objects(query):
                cls = found[Attribute.CLASS]
                if cls == ObjectClass.PUBLIC_KEY:
                    public = found
                elif cls in (ObjectClass.PRIVATE_KEY, ObjectClass.SECRET_KEY):
                    main = found
            if main is None and public is None:
                raise DoesNotExistError(f"no key labelled {text!r} in the PKCS#11 token")
            obj: Any = main if main is not None else public
            if str(obj[Attribute.LABEL]).startswith("psa-"):
                # an object psacrypto made for some client's key: not attachable
                raise DoesNotExistError(f"no provisioned key labelled {text!r} in the token")
            if not key_id:
                try:
                    key_id = bytes(obj[Attribute.ID])
                except p11e.PKCS11Error:
                    key_id = b""
            psa_type, bits = self._psa_type_of(obj, main is not None)
        except p11e.PKCS11Error as e:
            raise self._error(e) from None
        if attributes.type not in (c.KEY_TYPE_NONE, psa_type):
            raise InvalidArgumentError("the token key has another type")
        if attributes.bits not in (0, bits):
            raise InvalidArgumentError("the token key has another size")
        if not self.supports_key(psa_type, bits):
            raise NotSupportedError("this token key type is not supported")
        final = attributes.copy()
        final.type, final.bits = psa_type, bits
        flags = _ATTACHED | (_PAIR if main is not None and public is not None else 0)
        if main is not None and public is None and psa_type & 0x3000 == 0x3000:
            flags &= ~_PAIR
        return final, _pack(flags, key_id if key_id else b"", "" if key_id else obj_label)

    def _psa_type_of(self, obj: Any, private: bool) -> tuple[int, int]:
        kt = obj[Attribute.KEY_TYPE]
        if kt == KeyType.AES:
            return c.KEY_TYPE_AES, int(obj[Attribute.VALUE_LEN]) * 8
        if kt in (KeyType.GENERIC_SECRET, KeyType.SHA256_HMAC, KeyType.SHA384_HMAC,
                  KeyType.SHA512_HMAC, KeyType.SHA_1_HMAC, KeyType.SHA224_HMAC):
            return c.KEY_TYPE_HMAC, int(obj[Attribute.VALUE_LEN]) * 8
        if kt == KeyType.RSA:
            bits = len(bytes(obj[Attribute.MODULUS]).lstrip(b"\x00")) * 8
            return (c.KEY_TYPE_RSA_KEY_PAIR if private else c.KEY_TYPE_RSA_PUBLIC_KEY), bits
        if kt in (KeyType.EC, KeyType.EC_EDWARDS):
            curve = formats.CURVE_BY_PARAMS.get(bytes(obj[Attribute.EC_PARAMS]))
            if curve is None:
                raise NotSupportedError("the token key is on an unsupported curve")
            family, bits = curve
            pair = m.KEY_TYPE_ECC_KEY_PAIR(family)
            return (pair if private else m.KEY_TYPE_ECC_PUBLIC_KEY(family)), bits
        raise NotSupportedError("the token key has an unsupported type")

    # Export ------------------------------------------------------------------------------

    def export_public_key(self, attributes: KeyAttributes, reference: bytes) -> bytes:
        t = attributes.type

        def public(objs: _Objects) -> bytes:
            obj = objs.public if objs.public is not None else objs.main
            if t in (c.KEY_TYPE_RSA_KEY_PAIR, c.KEY_TYPE_RSA_PUBLIC_KEY):
                return formats.rsa_public_der(
                    bytes(obj[Attribute.MODULUS]), bytes(obj[Attribute.PUBLIC_EXPONENT])
                )
            if obj[Attribute.CLASS] != ObjectClass.PUBLIC_KEY:
                raise NotSupportedError("the token holds no public key object for this key")
            return formats.parse_octet_string(bytes(obj[Attribute.EC_POINT]))

        return self._run(reference, public)  # type: ignore[no-any-return]

    def export_key(self, attributes: KeyAttributes, reference: bytes) -> bytes:
        if attributes.type & 0x3000 != 0x3000 and m.KEY_TYPE_IS_ASYMMETRIC(attributes.type):
            return self.export_public_key(attributes, reference)
        if not self.has(Mechanism.AES_KEY_WRAP_PAD):
            raise NotSupportedError("the token cannot wrap keys (CKM_AES_KEY_WRAP_PAD)")
        session = self.session()
        kek = os.urandom(32)

        def wrap(objs: _Objects) -> bytes:
            if not objs.main[Attribute.EXTRACTABLE]:
                raise NotPermittedError("the key is not extractable from the PKCS#11 token")
            wrapping = session.create_object({
                Attribute.CLASS: ObjectClass.SECRET_KEY, Attribute.KEY_TYPE: KeyType.AES,
                Attribute.VALUE: kek, Attribute.TOKEN: False, Attribute.WRAP: True,
                Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
            })
            try:
                return bytes(wrapping.wrap_key(objs.main, mechanism=Mechanism.AES_KEY_WRAP_PAD))
            finally:
                wrapping.destroy()

        wrapped = self._run(reference, wrap)
        plain = keywrap.aes_key_unwrap_with_padding(kek, wrapped)
        if m.KEY_TYPE_IS_ASYMMETRIC(attributes.type):
            return formats.private_from_pkcs8(attributes.type, attributes.bits, plain)
        return plain

    # Operations ----------------------------------------------------------------------------

    def mac_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        base = alg & ~(_MAC_LENGTH | 0x8000)
        length = (alg & _MAC_LENGTH) >> 16
        if _is_hmac(base):
            mech = _HMAC_MECH[_mac_hash(base)]
            full = _HASH_LEN[_mac_hash(base)]
        else:
            mech, full = Mechanism.AES_CMAC, 16
        cut = length or full
        run = self._run

        def compute(data: symmetric.BytesLike) -> bytes:
            mac = run(reference, lambda o: o.main.sign(bytes(data), mechanism=mech))
            return mac[:cut]  # type: ignore[no-any-return]

        def new() -> symmetric.MacStream:
            parts: list[bytes] = []

            def finish() -> bytes:
                return compute(b"".join(parts))

            return lambda d: parts.append(bytes(d)), finish

        return symmetric.MacKey(compute, new)

    def cipher_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        mech = _CIPHER_MECH[alg]
        iv_length = 0 if alg == c.ALG_ECB_NO_PADDING else 16
        run = self._run
        block = alg in (c.ALG_ECB_NO_PADDING, c.ALG_CBC_NO_PADDING)

        def param(iv: bytes) -> Any:
            if alg == c.ALG_CTR:
                return struct.pack("@L", 128) + iv  # CK_AES_CTR_PARAMS
            return iv or None

        def crypt(iv: bytes, data: bytes, encrypt: bool) -> bytes:
            if block and len(data) % 16:
                raise InvalidArgumentError("the input is not a whole number of blocks")
            p = param(iv)
            if encrypt:
                return run(reference, lambda o: o.main.encrypt(data, mechanism=mech,  # type: ignore[no-any-return]
                                                               mechanism_param=p))
            if alg == c.ALG_CBC_PKCS7 and (not data or len(data) % 16):
                raise InvalidArgumentError("the input is not a whole number of blocks")
            return run(reference, lambda o: o.main.decrypt(data, mechanism=mech,  # type: ignore[no-any-return]
                                                           mechanism_param=p))

        def start(iv: bytes, encrypt: bool) -> symmetric.CipherStream:
            if len(iv) != iv_length:
                raise InvalidArgumentError(f"the IV must be {iv_length} bytes")
            parts: list[bytes] = []

            def update(data: symmetric.BytesLike) -> bytes:
                parts.append(bytes(data))
                return b""

            def finish() -> bytes:
                return crypt(iv, b"".join(parts), encrypt)

            return update, finish

        return symmetric.CipherKey(iv_length, start)

    def aead_key(self, attributes: KeyAttributes, reference: bytes, alg: int) -> Any:
        tag_length = (alg & _MAC_LENGTH) >> 16
        tag_bits = tag_length * 8
        run = self._run
        mech = Mechanism.AES_GCM

        def params(nonce: symmetric.BytesLike, ad: symmetric.BytesLike | None) -> Any:
            n = len(nonce)
            if n == 12:
                return GCMParams(bytes(nonce), bytes(ad) if ad else None, tag_bits)
            if not 1 <= n <= symmetric.GCM_MAX_NONCE:
                if n == 0:
                    raise InvalidArgumentError("the GCM nonce is at least 1 byte")
                raise NotSupportedError("GCM nonces longer than 128 bytes")
            return _GcmParams(bytes(nonce), bytes(ad) if ad else b"", tag_bits)

        def encrypt(
            nonce: symmetric.BytesLike, data: symmetric.BytesLike, ad: symmetric.BytesLike | None
        ) -> bytes:
            p = params(nonce, ad)
            raw = p.raw() if isinstance(p, _GcmParams) else p
            return run(reference, lambda o: o.main.encrypt(bytes(data), mechanism=mech,  # type: ignore[no-any-return]
                                                           mechanism_param=raw))

        def decrypt(
            nonce: symmetric.BytesLike, data: symmetric.BytesLike, ad: symmetric.BytesLike | None
        ) -> bytes:
            p = params(nonce, ad)
            if len(data) < tag_length:
                raise InvalidArgumentError("the input is shorter than the tag")
            raw = p.raw() if isinstance(p, _GcmParams) else p
            try:
                return run(reference, lambda o: o.main.decrypt(bytes(data), mechanism=mech,  # type: ignore[no-any-return]
                                                               mechanism_param=raw))
            except (InvalidPaddingError, InvalidArgumentError, HardwareFailureError) as e:
                if isinstance(e, HardwareFailureError) and "no longer" in str(e):
                    raise
                raise InvalidSignatureError("the ciphertext is not authentic") from None

        def start(
            nonce: bytes, encrypting: bool, lengths: tuple[int, int] | None
        ) -> symmetric.AeadStream:
            params(nonce, None)  # check the nonce now
            ad_parts: list[bytes] = []
            parts: list[bytes] = []

            def update_ad(data: symmetric.BytesLike) -> None:
                ad_parts.append(bytes(data))

            def update(data: symmetric.BytesLike) -> bytes:
                parts.append(bytes(data))
                return b""

            def finish() -> tuple[bytes, bytes]:
                out = encrypt(nonce, b"".join(parts), b"".join(ad_parts))
                return out[: len(out) - tag_length], out[len(out) - tag_length :]

            def verify(tag: symmetric.BytesLike) -> bytes:
                if len(tag) != tag_length:
                    raise InvalidSignatureError("the tag has the wrong length")
                return decrypt(nonce, b"".join(parts) + bytes(tag), b"".join(ad_parts))

            return symmetric.AeadStream(update_ad, update, finish, verify)

        return symmetric.AeadKey(encrypt, decrypt, encrypt, decrypt, start)

    def sign_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int, usage: int
    ) -> SignFunction:
        verify = usage in (c.KEY_USAGE_VERIFY_HASH, c.KEY_USAGE_VERIFY_MESSAGE)
        message = usage in (c.KEY_USAGE_SIGN_MESSAGE, c.KEY_USAGE_VERIFY_MESSAGE)
        hash_alg = 0x02000000 | (alg & 0xFF)
        run = self._run
        prepare: Callable[[bytes], bytes]
        mech: Any
        param: Any = None
        if alg == c.ALG_PURE_EDDSA:
            mech, prepare = Mechanism.EDDSA, bytes
        else:
            hash_name = _HASHLIB.get(hash_alg)
            length = _HASH_LEN.get(hash_alg, 0)

            def digest(data: bytes) -> bytes:
                if message:
                    assert hash_name is not None
                    return hashlib.new(hash_name, data).digest()
                if length and len(data) != length:
                    raise InvalidArgumentError(f"the hash must be {length} bytes")
                return bytes(data)

            if m.ALG_IS_ECDSA(alg):
                mech, prepare = Mechanism.ECDSA, digest
            elif alg == c.ALG_RSA_PKCS1V15_SIGN_RAW:
                mech, prepare = Mechanism.RSA_PKCS, bytes
            elif m.ALG_IS_RSA_PKCS1V15_SIGN(alg):
                prefix = formats.DIGEST_INFO[hash_alg]
                mech = Mechanism.RSA_PKCS

                def prepare(data: bytes) -> bytes:
                    return prefix + digest(data)

            else:  # RSA-PSS: salt as long as the hash
                mech, prepare = Mechanism.RSA_PKCS_PSS, digest
                param = (_HASH_MECH[hash_alg], _MGF[hash_alg], length)

        def no_context(context: bytes) -> None:
            if context:
                raise InvalidArgumentError("this algorithm takes no context")

        if not verify:

            def sign(data: bytes, context: bytes = b"") -> bytes:
                if context:
                    no_context(context)
                value = prepare(data)
                return run(reference, lambda o: o.main.sign(value, mechanism=mech,  # type: ignore[no-any-return]
                                                            mechanism_param=param))

            return sign

        def check(data: bytes, signature: bytes, context: bytes = b"") -> None:
            if context:
                no_context(context)
            value = prepare(data)

            def run_verify(o: _Objects) -> None:
                key = o.public if o.public is not None else o.main
                if not key.verify(value, bytes(signature), mechanism=mech, mechanism_param=param):
                    raise InvalidSignatureError("the signature is not valid")

            try:
                run(reference, run_verify)
            except (InvalidArgumentError, InvalidPaddingError):
                raise InvalidSignatureError("the signature is not valid") from None

        return check

    def crypt_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int, decrypt: bool
    ) -> CryptFunction:
        run = self._run
        if alg == c.ALG_RSA_PKCS1V15_CRYPT:
            mech: Any = Mechanism.RSA_PKCS

            def param(salt: bytes) -> Any:
                if salt:
                    raise InvalidArgumentError("PKCS#1 v1.5 encryption takes no salt")
                return None

        else:
            mech = Mechanism.RSA_PKCS_OAEP
            hash_alg = 0x02000000 | (alg & 0xFF)

            def param(salt: bytes) -> Any:
                return (_HASH_MECH[hash_alg], _MGF[hash_alg], bytes(salt) or None)

        if decrypt:

            def fn(data: bytes, salt: bytes) -> bytes:
                p = param(salt)
                try:
                    return run(reference, lambda o: o.main.decrypt(bytes(data), mechanism=mech,  # type: ignore[no-any-return]
                                                                   mechanism_param=p))
                except InvalidArgumentError:
                    raise InvalidPaddingError("decryption failed") from None

            return fn

        def encrypt(data: bytes, salt: bytes) -> bytes:
            p = param(salt)

            def go(o: _Objects) -> bytes:
                key = o.public if o.public is not None else o.main
                return bytes(key.encrypt(bytes(data), mechanism=mech, mechanism_param=p))

            return run(reference, go)  # type: ignore[no-any-return]

        return encrypt

    def agreement_function(
        self, attributes: KeyAttributes, reference: bytes, alg: int
    ) -> AgreementFunction:
        size = (attributes.bits + 7) // 8
        run = self._run

        def agree(peer_key: bytes) -> bytes:
            peer = bytes(peer_key)
            if len(peer) != 1 + 2 * size or peer[0] != 0x04:
                raise InvalidArgumentError("the peer key is not an uncompressed point on the curve")

            def derive(o: _Objects) -> bytes:
                secret = o.main.derive_key(
                    KeyType.GENERIC_SECRET, size * 8,
                    mechanism_param=(KDF.NULL, None, peer),
                    template={Attribute.SENSITIVE: False, Attribute.EXTRACTABLE: True,
                              Attribute.TOKEN: False},
                )
                try:
                    return bytes(secret[Attribute.VALUE])
                finally:
                    secret.destroy()

            try:
                return run(reference, derive)  # type: ignore[no-any-return]
            except HardwareFailureError as e:
                if "no longer" in str(e):
                    raise
                raise InvalidArgumentError("the peer key is not valid") from None

        return agree


# Helpers ---------------------------------------------------------------------------------



class _GcmParams:
    """CK_GCM_PARAMS built by hand for nonces python-pkcs11's GCMParams refuses
    (any length but 12); the buffers stay referenced while the call runs."""

    class _Struct(ctypes.Structure):
        _fields_ = (
            ("pIv", ctypes.c_void_p),
            ("ulIvLen", ctypes.c_ulong),
            ("ulIvBits", ctypes.c_ulong),
            ("pAAD", ctypes.c_void_p),
            ("ulAADLen", ctypes.c_ulong),
            ("ulTagBits", ctypes.c_ulong),
        )

    def __init__(self, nonce: bytes, ad: bytes, tag_bits: int) -> None:
        self._iv = ctypes.create_string_buffer(nonce, len(nonce))
        self._ad = ctypes.create_string_buffer(ad, max(1, len(ad)))
        self._struct = self._Struct(
            ctypes.cast(self._iv, ctypes.c_void_p),
            len(nonce),
            len(nonce) * 8,
            ctypes.cast(self._ad, ctypes.c_void_p) if ad else None,
            len(ad),
            tag_bits,
        )

    def raw(self) -> bytes:
        """The structure's bytes (valid while this object, which owns the buffers,
        is alive: the caller keeps it until the PKCS#11 call returns)."""
        return bytes(memoryview(self._struct).cast("B"))


def _name(e: Exception) -> str:
    text = str(e)
    return type(e).__name__ + (f" ({text})" if text else "")
