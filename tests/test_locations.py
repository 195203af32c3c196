"""Operations on keys in every location: software (0), PKCS#11 (SoftHSM2, 1) and a
remote psacrypto service (2). Each case imports the same key in location 0 and in
the location under test and checks the results agree (deterministic algorithms)
or verify across locations (randomised ones)."""

from __future__ import annotations

import hashlib
import pathlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

import psacrypto as p
from psacrypto import macros as m
from psacrypto.context import LocalContext
from psacrypto.drivers.pkcs11 import softhsm
from psacrypto.remote.testing import ServerProcess

PKCS11 = p.KEY_LOCATION_PRIMARY_SECURE_ELEMENT
REMOTE = 2
LOCATIONS = {"software": 0, "pkcs11": PKCS11, "remote": REMOTE}


def lifetime(location: int, persistent: bool = False) -> int:
    persistence = p.KEY_PERSISTENCE_DEFAULT if persistent else p.KEY_PERSISTENCE_VOLATILE
    return m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(persistence, location)


@pytest.fixture(scope="session")
def hsm() -> softhsm.SoftHsmToken:
    reason = softhsm.unavailable_reason()
    if reason is not None:
        pytest.skip(reason)
    return softhsm.shared_token("psa")


@pytest.fixture(scope="module")
def remote_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    srv = ServerProcess.start(tmp_path_factory.mktemp("remote-loc"), keystore="memory")
    yield srv
    srv.stop()


def pkcs11_spec(token: softhsm.SoftHsmToken) -> dict[str, Any]:
    return {"driver": "pkcs11", "library": token.library, "token_label": token.label,
            "pin": token.pin}


@pytest.fixture
def lctx(
    request: pytest.FixtureRequest, tmp_path: pathlib.Path
) -> Iterator[tuple[LocalContext, int]]:
    """A local context with the location under test configured: (ctx, location)."""
    name = request.param
    location = LOCATIONS[name]
    table: dict[int, Any] = {}
    if name == "pkcs11":
        table[PKCS11] = pkcs11_spec(request.getfixturevalue("hsm"))
    elif name == "remote":
        srv = request.getfixturevalue("remote_service")
        table[REMOTE] = {"driver": "remote", "url": srv.url}
    ctx = p.open_local(tmp_path / "keys.db", locations=table)
    try:
        yield ctx, location
    finally:
        ctx.close()


ALL = list(LOCATIONS)
HW = ["pkcs11", "remote"]

# Key material --------------------------------------------------------------------------

AES_KEY = bytes(range(32))
HMAC_KEY = bytes(range(100, 164))
_P256 = ec.derive_private_key(0x1234567890ABCDEF1234567890ABCDEF1234567890ABCDEF, ec.SECP256R1())
P256_KEY = _P256.private_numbers().private_value.to_bytes(32, "big")
_P384 = ec.derive_private_key(0xFEDCBA9876543210 * 99991, ec.SECP384R1())
P384_KEY = _P384.private_numbers().private_value.to_bytes(48, "big")
ED25519_KEY = bytes(range(1, 33))
ED448_KEY = bytes(range(2, 59))
_P521 = ec.derive_private_key(0x1F2E3D4C5B6A79 * 1000003, ec.SECP521R1())
P521_KEY = _P521.private_numbers().private_value.to_bytes(66, "big")
_RSA = rsa.generate_private_key(65537, 2048)
RSA_KEY = _RSA.private_bytes(
    serialization.Encoding.DER,
    serialization.PrivateFormat.TraditionalOpenSSL,
    serialization.NoEncryption(),
)
SECP_R1_PAIR = m.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1)
ED_PAIR = m.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS)

SIGN_USAGE = (
    p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH
    | p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE
)
CRYPT_USAGE = p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT


def put(ctx: Any, location: int, key_type: int, data: bytes, usage: int, alg: int,
        *, persistent: bool = False, key_id: int = 0) -> int:
    attrs = p.KeyAttributes(
        type=key_type, lifetime=lifetime(location, persistent), usage_flags=usage, algorithm=alg
    )
    if persistent:
        attrs.id = key_id
    return int(ctx.import_key(attrs, data))


# Cases ---------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    key_type: int
    data: bytes
    usage: int
    alg: int
    check: Callable[[Any, int, int, int], None]  # (ctx, key here, key in software, alg)
    where: tuple[str, ...] = tuple(ALL)


def check_mac(ctx: Any, k: int, ref: int, alg: int) -> None:
    msg = b"message to authenticate" * 5
    mac = ctx.mac_compute(k, alg, msg)
    assert mac == ctx.mac_compute(ref, alg, msg)
    ctx.mac_verify(k, alg, msg, mac)
    with pytest.raises(p.InvalidSignatureError):
        ctx.mac_verify(k, alg, msg + b"!", mac)
    with ctx.MacOperation() as op:
        op.sign_setup(k, alg)
        op.update(msg[:7])
        op.update(msg[7:])
        assert op.sign_finish() == mac
    with ctx.MacOperation() as op:
        op.verify_setup(k, alg)
        op.update(msg)
        op.verify_finish(mac)


def check_cipher(ctx: Any, k: int, ref: int, alg: int) -> None:
    msg = bytes(range(64))
    ct = ctx.cipher_encrypt(k, alg, msg)
    assert ctx.cipher_decrypt(ref, alg, ct) == msg  # same key in software decrypts
    assert ctx.cipher_decrypt(k, alg, ctx.cipher_encrypt(ref, alg, msg)) == msg
    with ctx.CipherOperation() as op:
        op.encrypt_setup(k, alg)
        if alg != p.ALG_ECB_NO_PADDING:
            iv = ct[:16]
            op.set_iv(iv)
            body = ct[16:]
        else:
            body = ct
        out = op.update(msg[:32]) + op.update(msg[32:]) + op.finish()
        assert out == body


def check_aead(ctx: Any, k: int, ref: int, alg: int) -> None:
    nonce, ad, msg = b"\x01" * 12, b"header", b"secret payload" * 3
    ct = ctx.aead_encrypt(k, alg, nonce, ad, msg)
    assert ct == ctx.aead_encrypt(ref, alg, nonce, ad, msg)
    assert ctx.aead_decrypt(k, alg, nonce, ad, ct) == msg
    bad = ct[:-1] + bytes([ct[-1] ^ 1])
    with pytest.raises(p.InvalidSignatureError):
        ctx.aead_decrypt(k, alg, nonce, ad, bad)
    with ctx.AeadOperation() as op:
        op.encrypt_setup(k, alg)
        op.set_nonce(nonce)
        op.update_ad(ad)
        out = op.update(msg[:5]) + op.update(msg[5:])
        tail, tag = op.finish()
        assert out + tail + tag == ct
    with ctx.AeadOperation() as op:
        op.decrypt_setup(k, alg)
        op.set_nonce(nonce)
        op.update_ad(ad)
        tag_len = (alg >> 16) & 0x3F
        out = op.update(ct[:-tag_len])
        assert out + op.verify(ct[-tag_len:]) == msg
    # another nonce length than 12
    other = b"\x02" * 16
    assert ctx.aead_decrypt(ref, alg, other, ad, ctx.aead_encrypt(k, alg, other, ad, msg)) == msg


def check_sign(ctx: Any, k: int, ref: int, alg: int) -> None:
    msg = b"the message to sign"
    sig = ctx.sign_message(k, alg, msg)
    ctx.verify_message(ref, alg, msg, sig)
    ctx.verify_message(k, alg, msg, sig)
    ctx.verify_message(k, alg, msg, ctx.sign_message(ref, alg, msg))
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_message(k, alg, msg + b"?", sig)
    if alg != p.ALG_PURE_EDDSA:  # (pure EdDSA cannot sign a fragmented message)
        with ctx.SignOperation() as op:  # multi-part: the core gathers, the location signs
            op.setup(k, alg)
            op.update(msg[:5])
            op.update(msg[5:])
            ctx.verify_message(ref, alg, msg, op.finish())
        with ctx.VerifyOperation() as vop:
            vop.setup(k, alg, sig)
            vop.update(msg)
            vop.finish()
    if m.ALG_IS_SIGN_HASH(alg):
        names = {p.ALG_SHA_256: "sha256", p.ALG_SHA_384: "sha384", p.ALG_SHA_512: "sha512"}
        h = hashlib.new(names[m.ALG_GET_HASH(alg)], msg).digest()
        sig = ctx.sign_hash(k, alg, h)
        ctx.verify_hash(ref, alg, h, sig)
        ctx.verify_hash(k, alg, h, sig)
        with pytest.raises(p.InvalidSignatureError):
            ctx.verify_hash(k, alg, bytes(len(h)), sig)


def check_sign_hash_any(ctx: Any, k: int, ref: int, alg: int) -> None:
    h = hashlib.sha256(b"some message").digest()
    sig = ctx.sign_hash(k, alg, h)
    ctx.verify_hash(ref, alg, h, sig)
    ctx.verify_hash(k, alg, h, ctx.sign_hash(ref, alg, h))
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_hash(k, alg, bytes(32), sig)


def check_public_key_verifies(ctx: Any, k: int, ref: int, alg: int) -> None:
    signer = put(ctx, 0, SECP_R1_PAIR, P256_KEY, p.KEY_USAGE_SIGN_MESSAGE, alg)
    sig = ctx.sign_message(signer, alg, b"signed elsewhere")
    ctx.verify_message(k, alg, b"signed elsewhere", sig)
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_message(k, alg, b"signed elsewhere!", sig)
    assert ctx.export_key(k) == ctx.export_public_key(signer)


def check_public_key_encrypts(ctx: Any, k: int, ref: int, alg: int) -> None:
    owner = put(ctx, 0, p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, p.KEY_USAGE_DECRYPT, alg)
    ct = ctx.asymmetric_encrypt(k, alg, b"to the owner", b"")
    assert ctx.asymmetric_decrypt(owner, alg, ct, b"") == b"to the owner"
    assert ctx.export_key(k) == ctx.export_public_key(owner)


def check_public(ctx: Any, k: int, ref: int, alg: int) -> None:
    assert ctx.export_public_key(k) == ctx.export_public_key(ref)


def check_crypt(ctx: Any, k: int, ref: int, alg: int) -> None:
    msg = b"short secret"
    label = b"" if alg == p.ALG_RSA_PKCS1V15_CRYPT else b"label"
    ct = ctx.asymmetric_encrypt(k, alg, msg, label)
    assert ctx.asymmetric_decrypt(ref, alg, ct, label) == msg
    back = ctx.asymmetric_encrypt(ref, alg, msg, label)
    assert ctx.asymmetric_decrypt(k, alg, back, label) == msg
    if alg != p.ALG_RSA_PKCS1V15_CRYPT:  # PKCS#1 v1.5: implicit rejection in OpenSSL
        with pytest.raises((p.InvalidPaddingError, p.InvalidArgumentError)):
            ctx.asymmetric_decrypt(k, alg, bytes(len(ct)), label)


def check_crypt_no_label(ctx: Any, k: int, ref: int, alg: int) -> None:
    msg = b"short secret"
    assert ctx.asymmetric_decrypt(ref, alg, ctx.asymmetric_encrypt(k, alg, msg, b""), b"") == msg
    assert ctx.asymmetric_decrypt(k, alg, ctx.asymmetric_encrypt(ref, alg, msg, b""), b"") == msg


def check_ecdh(ctx: Any, k: int, ref: int, alg: int) -> None:
    peer = ec.generate_private_key(ec.SECP256R1())
    peer_pub = peer.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    secret = ctx.raw_key_agreement(p.ALG_ECDH, k, peer_pub)
    assert secret == ctx.raw_key_agreement(p.ALG_ECDH, ref, peer_pub)
    with pytest.raises(p.InvalidArgumentError):
        ctx.raw_key_agreement(p.ALG_ECDH, k, b"\x04" + bytes(64))


def check_ecdh_hkdf(ctx: Any, k: int, ref: int, alg: int) -> None:
    peer = ec.generate_private_key(ec.SECP256R1()).public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    outs = []
    for key in (k, ref):
        with ctx.KeyDerivationOperation() as op:
            op.setup(alg)
            op.input_bytes(p.KEY_DERIVATION_INPUT_SALT, b"salt")
            op.key_agreement(p.KEY_DERIVATION_INPUT_SECRET, key, peer)
            op.input_bytes(p.KEY_DERIVATION_INPUT_INFO, b"info")
            outs.append(op.output_bytes(42))
    assert outs[0] == outs[1]


GCM = p.ALG_GCM
ECDH_HKDF = m.ALG_KEY_AGREEMENT(p.ALG_ECDH, m.ALG_HKDF(p.ALG_SHA_256))
CASES = [
    Case("hmac-sha256", p.KEY_TYPE_HMAC, HMAC_KEY,
         p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE,
         m.ALG_HMAC(p.ALG_SHA_256), check_mac),
    Case("hmac-sha384-trunc", p.KEY_TYPE_HMAC, HMAC_KEY,
         p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE,
         m.ALG_TRUNCATED_MAC(m.ALG_HMAC(p.ALG_SHA_384), 20), check_mac),
    Case("cmac", p.KEY_TYPE_AES, AES_KEY[:16],
         p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE, p.ALG_CMAC, check_mac),
    Case("aes-cbc-pkcs7", p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, p.ALG_CBC_PKCS7, check_cipher),
    Case("aes-cbc-nopad", p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, p.ALG_CBC_NO_PADDING,
         check_cipher),
    Case("aes-ctr", p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, p.ALG_CTR, check_cipher),
    Case("aes-ecb", p.KEY_TYPE_AES, AES_KEY[:24], CRYPT_USAGE, p.ALG_ECB_NO_PADDING,
         check_cipher),
    Case("aes-gcm", p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, GCM, check_aead),
    Case("aes-gcm-tag12", p.KEY_TYPE_AES, AES_KEY[:16], CRYPT_USAGE,
         m.ALG_AEAD_WITH_SHORTENED_TAG(GCM, 12), check_aead),
    Case("ecdsa-p256", SECP_R1_PAIR, P256_KEY, SIGN_USAGE, m.ALG_ECDSA(p.ALG_SHA_256),
         check_sign),
    Case("ecdsa-p384", SECP_R1_PAIR, P384_KEY, SIGN_USAGE, m.ALG_ECDSA(p.ALG_SHA_384),
         check_sign),
    Case("ecdsa-p521", SECP_R1_PAIR, P521_KEY, SIGN_USAGE, m.ALG_ECDSA(p.ALG_SHA_512),
         check_sign),
    Case("ecdsa-any", SECP_R1_PAIR, P256_KEY, p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH,
         p.ALG_ECDSA_ANY, check_sign_hash_any),
    Case("ecc-public", SECP_R1_PAIR, P256_KEY, SIGN_USAGE, m.ALG_ECDSA(p.ALG_SHA_256),
         check_public),
    Case("ed25519", ED_PAIR, ED25519_KEY,
         p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE, p.ALG_PURE_EDDSA, check_sign),
    Case("ecdsa-p256-public-key", m.KEY_TYPE_ECC_PUBLIC_KEY(p.ECC_FAMILY_SECP_R1),
         _P256.public_key().public_bytes(serialization.Encoding.X962,
                                         serialization.PublicFormat.UncompressedPoint),
         p.KEY_USAGE_VERIFY_MESSAGE, m.ALG_ECDSA(p.ALG_SHA_256), check_public_key_verifies),
    Case("rsa-public-key", p.KEY_TYPE_RSA_PUBLIC_KEY,
         _RSA.public_key().public_bytes(serialization.Encoding.DER,
                                        serialization.PublicFormat.PKCS1),
         p.KEY_USAGE_ENCRYPT, p.ALG_RSA_PKCS1V15_CRYPT, check_public_key_encrypts),
    Case("ed448", ED_PAIR, ED448_KEY,
         p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE, p.ALG_PURE_EDDSA, check_sign),
    Case("rsa-pkcs1v15-raw", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY,
         p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH, p.ALG_RSA_PKCS1V15_SIGN_RAW,
         check_sign_hash_any),
    Case("rsa-pkcs1v15-sign", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, SIGN_USAGE,
         m.ALG_RSA_PKCS1V15_SIGN(p.ALG_SHA_256), check_sign),
    Case("rsa-pss", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, SIGN_USAGE,
         m.ALG_RSA_PSS(p.ALG_SHA_256), check_sign),
    Case("rsa-oaep", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, CRYPT_USAGE,
         m.ALG_RSA_OAEP(p.ALG_SHA_256), check_crypt),
    Case("rsa-oaep-sha1", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, CRYPT_USAGE,
         m.ALG_RSA_OAEP(p.ALG_SHA_1), check_crypt_no_label),
    Case("rsa-pkcs1v15-crypt", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, CRYPT_USAGE,
         p.ALG_RSA_PKCS1V15_CRYPT, check_crypt),
    Case("rsa-public", p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY, CRYPT_USAGE,
         p.ALG_RSA_PKCS1V15_CRYPT, check_public),
    Case("ecdh-p256", SECP_R1_PAIR, P256_KEY, p.KEY_USAGE_DERIVE, p.ALG_ECDH, check_ecdh),
    Case("ecdh-p256-hkdf", SECP_R1_PAIR, P256_KEY, p.KEY_USAGE_DERIVE, ECDH_HKDF,
         check_ecdh_hkdf),
]


@pytest.mark.parametrize("lctx", ALL, indirect=True)
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_operation(lctx: tuple[LocalContext, int], case: Case) -> None:
    ctx, location = lctx
    k = put(ctx, location, case.key_type, case.data, case.usage, case.alg)
    ref = put(ctx, 0, case.key_type, case.data, case.usage, case.alg)
    usage = case.usage & -case.usage  # one of the key's usages
    try:
        ctx.check_key_usage(k, case.alg, usage)
    except p.NotSupportedError:
        # The location does not run this algorithm: then no call may run it anywhere
        # else either (never a silent export to the software driver).
        assert location != 0
        with pytest.raises(p.NotSupportedError):
            case.check(ctx, k, ref, case.alg)
        pytest.skip(f"{case.name} is not supported by this location")
    case.check(ctx, k, ref, case.alg)


@pytest.mark.parametrize("lctx", ALL, indirect=True)
def test_persistent_key_goes_back_to_its_location(
    lctx: tuple[LocalContext, int], tmp_path: pathlib.Path
) -> None:
    ctx, location = lctx
    k = put(ctx, location, p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, GCM, persistent=True, key_id=7)
    ct = ctx.aead_encrypt(k, GCM, b"n" * 12, b"", b"data")
    attrs = ctx.get_key_attributes(k)
    assert attrs.lifetime >> 8 == location
    ctx.purge_key(k)
    assert ctx.aead_decrypt(k, GCM, b"n" * 12, b"", ct) == b"data"
    if location:
        record = ctx.core.store.load("", k)
        assert record is not None and record.material != AES_KEY  # a reference only
        assert AES_KEY not in record.material
    ctx.destroy_key(k)
    with pytest.raises(p.InvalidHandleError):
        ctx.aead_encrypt(k, GCM, b"n" * 12, b"", b"data")


@pytest.mark.parametrize("lctx", HW, indirect=True)
def test_generate_in_location(lctx: tuple[LocalContext, int]) -> None:
    ctx, location = lctx
    aes = ctx.generate_key(p.KeyAttributes(type=p.KEY_TYPE_AES, bits=128,
                                           lifetime=lifetime(location),
                                           usage_flags=CRYPT_USAGE, algorithm=GCM))
    ct = ctx.aead_encrypt(aes, GCM, b"n" * 12, b"", b"data")
    assert ctx.aead_decrypt(aes, GCM, b"n" * 12, b"", ct) == b"data"
    alg = m.ALG_ECDSA(p.ALG_SHA_256)
    pair = ctx.generate_key(p.KeyAttributes(type=SECP_R1_PAIR, bits=256,
                                            lifetime=lifetime(location),
                                            usage_flags=SIGN_USAGE, algorithm=alg))
    sig = ctx.sign_message(pair, alg, b"msg")
    pub = ctx.import_key(p.KeyAttributes(type=m.KEY_TYPE_ECC_PUBLIC_KEY(p.ECC_FAMILY_SECP_R1),
                                         usage_flags=p.KEY_USAGE_VERIFY_MESSAGE, algorithm=alg),
                         ctx.export_public_key(pair))
    ctx.verify_message(pub, alg, b"msg", sig)
    hmac_key = ctx.generate_key(p.KeyAttributes(
        type=p.KEY_TYPE_HMAC, bits=256, lifetime=lifetime(location),
        usage_flags=p.KEY_USAGE_SIGN_MESSAGE, algorithm=m.ALG_HMAC(p.ALG_SHA_256)))
    assert len(ctx.mac_compute(hmac_key, m.ALG_HMAC(p.ALG_SHA_256), b"x")) == 32
    rsa_key = ctx.generate_key(p.KeyAttributes(
        type=p.KEY_TYPE_RSA_KEY_PAIR, bits=2048, lifetime=lifetime(location),
        usage_flags=SIGN_USAGE, algorithm=m.ALG_RSA_PSS(p.ALG_SHA_256)))
    sig = ctx.sign_message(rsa_key, m.ALG_RSA_PSS(p.ALG_SHA_256), b"msg")
    ctx.verify_message(rsa_key, m.ALG_RSA_PSS(p.ALG_SHA_256), b"msg", sig)
    ed = ctx.generate_key(p.KeyAttributes(
        type=ED_PAIR, bits=255, lifetime=lifetime(location),
        usage_flags=SIGN_USAGE, algorithm=p.ALG_PURE_EDDSA))
    sig = ctx.sign_message(ed, p.ALG_PURE_EDDSA, b"msg")
    ed25519.Ed25519PublicKey.from_public_bytes(ctx.export_public_key(ed)).verify(sig, b"msg")


@pytest.mark.parametrize("lctx", HW, indirect=True)
def test_export_follows_policy(lctx: tuple[LocalContext, int]) -> None:
    ctx, location = lctx
    locked = put(ctx, location, p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, GCM)
    with pytest.raises(p.NotPermittedError):
        ctx.export_key(locked)
    open_ = put(ctx, location, p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE | p.KEY_USAGE_EXPORT, GCM)
    assert ctx.export_key(open_) == AES_KEY
    pair = put(ctx, location, SECP_R1_PAIR, P256_KEY, SIGN_USAGE | p.KEY_USAGE_EXPORT,
               m.ALG_ECDSA(p.ALG_SHA_256))
    assert ctx.export_key(pair) == P256_KEY
    rsa_key = put(ctx, location, p.KEY_TYPE_RSA_KEY_PAIR, RSA_KEY,
                  CRYPT_USAGE | p.KEY_USAGE_EXPORT, m.ALG_RSA_OAEP(p.ALG_SHA_256))
    assert ctx.export_key(rsa_key) == RSA_KEY


@pytest.mark.parametrize("lctx", HW, indirect=True)
def test_copy_across_locations(lctx: tuple[LocalContext, int]) -> None:
    ctx, location = lctx
    # out of the location: needs COPY and EXPORT
    no_export = put(ctx, location, p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE | p.KEY_USAGE_COPY, GCM)
    target0 = p.KeyAttributes(lifetime=lifetime(0), usage_flags=CRYPT_USAGE, algorithm=GCM)
    with pytest.raises(p.NotPermittedError):
        ctx.copy_key(no_export, target0)
    # inside the location: COPY is enough, the key stays there
    inside = ctx.copy_key(no_export, p.KeyAttributes(lifetime=lifetime(location),
                                                     usage_flags=p.KEY_USAGE_ENCRYPT,
                                                     algorithm=GCM))
    assert ctx.get_key_attributes(inside).usage_flags == p.KEY_USAGE_ENCRYPT
    ct = ctx.aead_encrypt(inside, GCM, b"n" * 12, b"", b"x")
    assert ctx.aead_decrypt(no_export, GCM, b"n" * 12, b"", ct) == b"x"
    with pytest.raises(p.NotPermittedError):
        ctx.aead_decrypt(inside, GCM, b"n" * 12, b"", ct)
    # with EXPORT: out to software and back in
    both = put(ctx, location, p.KEY_TYPE_AES, AES_KEY,
               CRYPT_USAGE | p.KEY_USAGE_COPY | p.KEY_USAGE_EXPORT, GCM)
    soft = ctx.copy_key(both, p.KeyAttributes(lifetime=lifetime(0),
                                              usage_flags=CRYPT_USAGE | p.KEY_USAGE_EXPORT
                                              | p.KEY_USAGE_COPY, algorithm=GCM))
    assert ctx.export_key(soft) == AES_KEY
    assert ctx.aead_decrypt(soft, GCM, b"n" * 12, b"", ct) == b"x"
    back = ctx.copy_key(soft, p.KeyAttributes(lifetime=lifetime(location, True), id=55,
                                              usage_flags=CRYPT_USAGE, algorithm=GCM))
    assert ctx.get_key_attributes(back).lifetime >> 8 == location
    assert ctx.aead_decrypt(back, GCM, b"n" * 12, b"", ct) == b"x"
    ctx.destroy_key(back)


@pytest.mark.parametrize("lctx", HW, indirect=True)
def test_unsupported_is_not_supported(lctx: tuple[LocalContext, int]) -> None:
    ctx, location = lctx
    if location == PKCS11:
        # ChaCha20 keys cannot go into the token; CCM is not run there
        with pytest.raises(p.NotSupportedError):
            put(ctx, location, p.KEY_TYPE_CHACHA20, AES_KEY, CRYPT_USAGE,
                p.ALG_CHACHA20_POLY1305)
        k = put(ctx, location, p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, p.ALG_CCM)
        with pytest.raises(p.NotSupportedError):
            ctx.aead_encrypt(k, p.ALG_CCM, b"n" * 13, b"", b"x")
        with pytest.raises(p.NotSupportedError):
            ctx.check_key_usage(k, p.ALG_CCM, p.KEY_USAGE_ENCRYPT)
        d = put(ctx, location, SECP_R1_PAIR, P256_KEY, SIGN_USAGE,
                m.ALG_DETERMINISTIC_ECDSA(p.ALG_SHA_256))
        with pytest.raises(p.NotSupportedError):
            ctx.sign_message(d, m.ALG_DETERMINISTIC_ECDSA(p.ALG_SHA_256), b"x")
    # key derivation from an opaque key is never done by exporting it
    secret = put(ctx, location, p.KEY_TYPE_HMAC, HMAC_KEY, p.KEY_USAGE_DERIVE,
                 m.ALG_HKDF(p.ALG_SHA_256))
    with ctx.KeyDerivationOperation() as op:
        op.setup(m.ALG_HKDF(p.ALG_SHA_256))
        with pytest.raises((p.NotSupportedError, p.InvalidArgumentError)):
            op.input_key(p.KEY_DERIVATION_INPUT_SECRET, secret)


def test_describe_locations(hsm: softhsm.SoftHsmToken, tmp_path: pathlib.Path) -> None:
    from psacrypto.core.locations import describe_locations

    with p.open_local("memory", locations={PKCS11: pkcs11_spec(hsm)}) as ctx:
        rows = describe_locations(ctx.core)
    assert [r["location"] for r in rows] == [0, PKCS11]
    assert rows[0]["driver"] == "software" and rows[0]["kind"] == "transparent"
    hw = rows[1]
    assert hw["driver"] == "pkcs11" and hw["kind"] == "opaque" and hw["status"] == "ok"
    assert [p.KEY_TYPE_AES, 256] in hw["key_types"]
    assert p.ALG_GCM in hw["algorithms"] and m.ALG_ECDSA(p.ALG_SHA_256) in hw["algorithms"]
    assert p.ALG_CHACHA20_POLY1305 not in hw["algorithms"]


def test_unconfigured_location_is_invalid(ctx: LocalContext) -> None:
    with pytest.raises(p.InvalidArgumentError):
        put(ctx, PKCS11, p.KEY_TYPE_AES, AES_KEY, CRYPT_USAGE, GCM)
