"""encapsulate/decapsulate: the API contract (output order, output-key attributes,
policy, errors) for ML-KEM and ECIES, and ECIES against an independent ECDH."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, x25519

import psacrypto as p
from psacrypto.context import LocalContext

ENC, DEC = p.KEY_USAGE_ENCRYPT, p.KEY_USAGE_DECRYPT
SECP_R1, MONTGOMERY = p.ECC_FAMILY_SECP_R1, p.ECC_FAMILY_MONTGOMERY
DERIVE = p.KeyAttributes(
    type=p.KEY_TYPE_DERIVE,
    usage_flags=p.KEY_USAGE_EXPORT | p.KEY_USAGE_DERIVE,
    algorithm=p.ALG_HKDF(p.ALG_SHA_256),
)


def _gen(ctx: LocalContext, key_type: int, bits: int, usage: int, alg: int) -> int:
    attrs = p.KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)
    return ctx.generate_key(attrs)


KEMS = [
    (p.KEY_TYPE_ML_KEM_KEY_PAIR, 512, p.ALG_ML_KEM, 32),
    (p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, p.ALG_ML_KEM, 32),
    (p.KEY_TYPE_ML_KEM_KEY_PAIR, 1024, p.ALG_ML_KEM, 32),
    (p.KEY_TYPE_ECC_KEY_PAIR(SECP_R1), 256, p.ALG_ECIES_SEC1, 32),
    (p.KEY_TYPE_ECC_KEY_PAIR(SECP_R1), 521, p.ALG_ECIES_SEC1, 66),
    (p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_BRAINPOOL_P_R1), 384, p.ALG_ECIES_SEC1, 48),
    (p.KEY_TYPE_ECC_KEY_PAIR(MONTGOMERY), 255, p.ALG_ECIES_SEC1, 32),
    (p.KEY_TYPE_ECC_KEY_PAIR(MONTGOMERY), 448, p.ALG_ECIES_SEC1, 56),
]


@pytest.mark.parametrize(("key_type", "bits", "alg", "secret_len"), KEMS)
def test_round_trip_with_public_key(
    ctx: LocalContext, key_type: int, bits: int, alg: int, secret_len: int
) -> None:
    pair = _gen(ctx, key_type, bits, ENC | DEC, alg)
    public = ctx.import_key(
        p.KeyAttributes(type=key_type & ~0x3000, usage_flags=ENC, algorithm=alg),
        ctx.export_public_key(pair),
    )
    for encapsulating in (pair, public):
        out_key, ciphertext = ctx.encapsulate(encapsulating, alg, DERIVE)
        assert len(ciphertext) == p.ENCAPSULATE_CIPHERTEXT_SIZE(key_type, bits, alg)
        back = ctx.decapsulate(pair, alg, ciphertext, DERIVE)
        assert ctx.export_key(out_key) == ctx.export_key(back)
        attrs = ctx.get_key_attributes(back)
        assert (attrs.type, attrs.bits) == (p.KEY_TYPE_DERIVE, secret_len * 8)
        assert attrs.algorithm == DERIVE.algorithm


def test_ecies_matches_independent_ecdh(ctx: LocalContext) -> None:
    """Z = ECDH(d_V, R): recompute with pyca from the exported private key."""
    pair = _gen(
        ctx, p.KEY_TYPE_ECC_KEY_PAIR(SECP_R1), 256, ENC | DEC | p.KEY_USAGE_EXPORT, p.ALG_ECIES_SEC1
    )
    out_key, ciphertext = ctx.encapsulate(pair, p.ALG_ECIES_SEC1, DERIVE)
    d = ec.derive_private_key(int.from_bytes(ctx.export_key(pair), "big"), ec.SECP256R1())
    r = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), ciphertext)
    assert ctx.export_key(out_key) == d.exchange(ec.ECDH(), r)
    xpair = _gen(
        ctx,
        p.KEY_TYPE_ECC_KEY_PAIR(MONTGOMERY),
        255,
        ENC | DEC | p.KEY_USAGE_EXPORT,
        p.ALG_ECIES_SEC1,
    )
    out_key, ciphertext = ctx.encapsulate(xpair, p.ALG_ECIES_SEC1, DERIVE)
    xd = x25519.X25519PrivateKey.from_private_bytes(ctx.export_key(xpair))
    z = xd.exchange(x25519.X25519PublicKey.from_public_bytes(ciphertext))
    assert ctx.export_key(out_key) == z


def test_output_key_types(ctx: LocalContext) -> None:
    kem = _gen(ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, ENC | DEC, p.ALG_ML_KEM)
    ecies = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(SECP_R1), 256, ENC | DEC, p.ALG_ECIES_SEC1)
    aes = p.KeyAttributes(type=p.KEY_TYPE_AES, usage_flags=p.KEY_USAGE_ENCRYPT, algorithm=p.ALG_GCM)
    key, ct = ctx.encapsulate(kem, p.ALG_ML_KEM, aes)  # pseudorandom: AES-256 allowed
    assert ctx.get_key_attributes(key).bits == 256
    assert ctx.get_key_attributes(ctx.decapsulate(kem, p.ALG_ML_KEM, ct, aes)).bits == 256
    hmac = p.KeyAttributes(
        type=p.KEY_TYPE_HMAC,
        usage_flags=p.KEY_USAGE_SIGN_MESSAGE,
        algorithm=p.ALG_HMAC(p.ALG_SHA_256),
    )
    ctx.encapsulate(ecies, p.ALG_ECIES_SEC1, hmac)
    with pytest.raises(p.InvalidArgumentError):  # Z is not uniformly random
        ctx.encapsulate(ecies, p.ALG_ECIES_SEC1, aes)
    with pytest.raises(p.InvalidArgumentError):
        ctx.encapsulate(kem, p.ALG_ML_KEM, p.KeyAttributes(type=p.KEY_TYPE_DES))
    with pytest.raises(p.InvalidArgumentError):  # wrong size
        ctx.encapsulate(kem, p.ALG_ML_KEM, p.KeyAttributes(type=p.KEY_TYPE_DERIVE, bits=128))
    with pytest.raises(p.InvalidArgumentError):
        ctx.decapsulate(kem, p.ALG_ML_KEM, ct, p.KeyAttributes(type=p.KEY_TYPE_HMAC, bits=8))
    with pytest.raises(p.InvalidArgumentError):  # volatile key with an id
        ctx.encapsulate(kem, p.ALG_ML_KEM, p.KeyAttributes(type=p.KEY_TYPE_DERIVE, id=5))


def test_persistent_output_key(store_ctx: LocalContext) -> None:
    kem = _gen(store_ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, ENC | DEC, p.ALG_ML_KEM)
    attrs = DERIVE.copy()
    attrs.lifetime, attrs.id = p.KEY_LIFETIME_PERSISTENT, 42
    key, ct = store_ctx.encapsulate(kem, p.ALG_ML_KEM, attrs)
    assert key == 42
    with pytest.raises(p.AlreadyExistsError):
        store_ctx.decapsulate(kem, p.ALG_ML_KEM, ct, attrs)


def test_policy(ctx: LocalContext) -> None:
    enc_only = _gen(ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, ENC, p.ALG_ML_KEM)
    _, ct = ctx.encapsulate(enc_only, p.ALG_ML_KEM, DERIVE)
    with pytest.raises(p.NotPermittedError):
        ctx.decapsulate(enc_only, p.ALG_ML_KEM, ct, DERIVE)
    dec_only = _gen(ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, DEC, p.ALG_ML_KEM)
    with pytest.raises(p.NotPermittedError):
        ctx.encapsulate(dec_only, p.ALG_ML_KEM, DERIVE)
    other_alg = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(SECP_R1), 256, ENC | DEC, p.ALG_ECDH)
    with pytest.raises(p.NotPermittedError):
        ctx.encapsulate(other_alg, p.ALG_ECIES_SEC1, DERIVE)
    ctx.check_key_usage(enc_only, p.ALG_ML_KEM, ENC)
    with pytest.raises(p.NotPermittedError):
        ctx.check_key_usage(enc_only, p.ALG_ML_KEM, DEC)
    with pytest.raises(p.InvalidHandleError):
        ctx.encapsulate(0x40000000, p.ALG_ML_KEM, DERIVE)


def test_algorithm_and_key_errors(ctx: LocalContext) -> None:
    kem = _gen(ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, ENC | DEC, 0)
    with pytest.raises(p.NotPermittedError):  # no permitted algorithm
        ctx.encapsulate(kem, p.ALG_ML_KEM, DERIVE)
    kem = _gen(ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, ENC | DEC, p.ALG_ML_KEM)
    with pytest.raises(p.InvalidArgumentError):  # not a KEM algorithm
        ctx.encapsulate(kem, p.ALG_ECDH, DERIVE)
    ed = _gen(
        ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS), 255, ENC | DEC, p.ALG_ECIES_SEC1
    )
    with pytest.raises(p.InvalidArgumentError):  # Edwards keys are not for ECIES
        ctx.encapsulate(ed, p.ALG_ECIES_SEC1, DERIVE)
    public = ctx.import_key(
        p.KeyAttributes(
            type=p.KEY_TYPE_ML_KEM_PUBLIC_KEY, usage_flags=ENC | DEC, algorithm=p.ALG_ML_KEM
        ),
        ctx.export_public_key(kem),
    )
    _, ct = ctx.encapsulate(public, p.ALG_ML_KEM, DERIVE)
    with pytest.raises(p.InvalidArgumentError):  # decapsulation needs the key pair
        ctx.decapsulate(public, p.ALG_ML_KEM, ct, DERIVE)
    for bad in (ct[:-1], ct + b"\0", b""):  # truncated / extended ciphertexts
        with pytest.raises(p.InvalidArgumentError):
            ctx.decapsulate(kem, p.ALG_ML_KEM, bad, DERIVE)
    ecies = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(SECP_R1), 256, ENC | DEC, p.ALG_ECIES_SEC1)
    _, ect = ctx.encapsulate(ecies, p.ALG_ECIES_SEC1, DERIVE)
    for bad in (ect[:-1], b"\x04" + bytes(64), b""):
        with pytest.raises(p.InvalidArgumentError):
            ctx.decapsulate(ecies, p.ALG_ECIES_SEC1, bad, DERIVE)


def test_implicit_rejection(ctx: LocalContext) -> None:
    """A corrupted ML-KEM ciphertext decapsulates to a different (pseudorandom) key."""
    kem = _gen(ctx, p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, ENC | DEC, p.ALG_ML_KEM)
    key, ct = ctx.encapsulate(kem, p.ALG_ML_KEM, DERIVE)
    bad = bytes([ct[0] ^ 1]) + ct[1:]
    other = ctx.decapsulate(kem, p.ALG_ML_KEM, bad, DERIVE)
    assert ctx.export_key(other) != ctx.export_key(key)
    assert ctx.export_key(other) == ctx.export_key(ctx.decapsulate(kem, p.ALG_ML_KEM, bad, DERIVE))


def test_capabilities_profile() -> None:
    from psacrypto.core import capabilities

    assert capabilities.algorithm_supported(p.ALG_ML_KEM)
    assert capabilities.algorithm_supported(p.ALG_ECIES_SEC1)
    assert capabilities.key_type_supported(p.KEY_TYPE_ML_KEM_KEY_PAIR, 768)
    assert capabilities.key_type_supported(p.KEY_TYPE_ML_KEM_KEY_PAIR, 512)
