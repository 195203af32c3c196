"""ML-DSA through the API: Wycheproof sign (seed and no-seed) and verify vectors,
contexts, the key formats, hedged/deterministic policy, and what is unsupported."""

from __future__ import annotations

import pytest
import wycheproof
from cryptography.hazmat.primitives.asymmetric import mldsa

import psacrypto as p
from psacrypto.context import LocalContext
from psacrypto.core.key_derivation import KeyDerivationOperation

PAIR, PUBLIC = p.KEY_TYPE_ML_DSA_KEY_PAIR, p.KEY_TYPE_ML_DSA_PUBLIC_KEY
SETS = {44: 128, 65: 192, 87: 256}
SIGN = p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE
ML_DSA, DET = p.ALG_ML_DSA, p.ALG_DETERMINISTIC_ML_DSA
PYCA = {128: mldsa.MLDSA44PublicKey, 192: mldsa.MLDSA65PublicKey, 256: mldsa.MLDSA87PublicKey}


def _pair(ctx: LocalContext, bits: int, seed: bytes, alg: int = ML_DSA) -> int:
    return ctx.import_key(
        p.KeyAttributes(type=PAIR, bits=bits, usage_flags=SIGN | p.KEY_USAGE_EXPORT, algorithm=alg),
        seed,
    )


def _public(ctx: LocalContext, pk: bytes, alg: int = DET) -> int:
    return ctx.import_key(
        p.KeyAttributes(type=PUBLIC, usage_flags=p.KEY_USAGE_VERIFY_MESSAGE, algorithm=alg), pk
    )


@pytest.mark.parametrize("n", SETS)
def test_sign_seed_vectors(ctx: LocalContext, n: int) -> None:
    """Seed import gives the vector's public key; deterministic signing reproduces
    the vector's signature exactly; it verifies under both ML-DSA algorithms; our
    hedged signatures verify with pyca and with psacrypto; bad seeds and contexts
    are rejected."""
    bits = SETS[n]
    seen: set[str] = set()
    for case in wycheproof.cases(f"mldsa_{n}_sign_seed_test"):
        seed = bytes.fromhex(case.group["privateSeed"])
        flags = case.flags
        if "IncorrectPrivateKeyLength" in flags:
            with pytest.raises(p.InvalidArgumentError):
                _pair(ctx, bits, seed)
            seen.add("seed")
            continue
        if "msg" not in case.test:  # external-mu ("Internal") cases: no such API
            continue
        key = _pair(ctx, bits, seed)
        det = _pair(ctx, bits, seed, DET)
        pk = ctx.export_public_key(key)
        assert pk == bytes.fromhex(case.group["publicKey"])
        msg, ctx_value = case.hexbytes("msg"), bytes.fromhex(case.test.get("ctx", ""))
        if "InvalidContext" in flags:
            with pytest.raises(p.InvalidArgumentError):
                ctx.sign_message_with_context(key, ML_DSA, msg, ctx_value)
            with pytest.raises(p.InvalidArgumentError):
                ctx.sign_message_with_context(det, DET, msg, ctx_value)
            with pytest.raises(p.InvalidArgumentError):
                ctx.verify_message_with_context(key, ML_DSA, msg, ctx_value, bytes(3309))
            seen.add("context")
        else:
            assert case.valid
            expected = case.hexbytes("sig")
            if "Randomized" not in flags:
                assert ctx.sign_message_with_context(det, DET, msg, ctx_value) == expected
            for alg in (ML_DSA, DET):
                ctx.verify_message_with_context(key, alg, msg, ctx_value, expected)
            ours = ctx.sign_message_with_context(key, ML_DSA, msg, ctx_value)
            assert len(ours) == p.SIGN_OUTPUT_SIZE(PAIR, bits, ML_DSA)
            PYCA[bits].from_public_bytes(pk).verify(ours, msg, ctx_value)
            ctx.verify_message_with_context(key, ML_DSA, msg, ctx_value, ours)
            seen.add("valid")
        ctx.destroy_key(key)
        ctx.destroy_key(det)
    assert seen == {"seed", "context", "valid"}


@pytest.mark.parametrize("n", SETS)
def test_sign_noseed_vectors(ctx: LocalContext, n: int) -> None:
    """The expanded private keys cannot be imported (the spec's format is the seed),
    so the signatures are checked with the group's public key."""
    count = 0
    for case in wycheproof.cases(f"mldsa_{n}_sign_noseed_test"):
        pk = case.group.get("publicKey")
        if not pk or not case.valid or "msg" not in case.test:
            continue
        key = _public(ctx, bytes.fromhex(pk))
        ctx.verify_message_with_context(
            key,
            ML_DSA,
            case.hexbytes("msg"),
            bytes.fromhex(case.test.get("ctx", "")),
            case.hexbytes("sig"),
        )
        ctx.destroy_key(key)
        count += 1
    assert count > 10


@pytest.mark.parametrize("n", SETS)
def test_verify_vectors(ctx: LocalContext, n: int) -> None:
    outcomes: dict[str, int] = {}
    for case in wycheproof.cases(f"mldsa_{n}_verify_test"):
        pk = bytes.fromhex(case.group["publicKey"])
        if "IncorrectPublicKeyLength" in case.flags:
            with pytest.raises(p.InvalidArgumentError):
                _public(ctx, pk)
            outcomes["bad key"] = outcomes.get("bad key", 0) + 1
            continue
        key = _public(ctx, pk)
        msg, sig = case.hexbytes("msg"), case.hexbytes("sig")
        context = bytes.fromhex(case.test.get("ctx", ""))
        if case.valid:
            ctx.verify_message_with_context(key, ML_DSA, msg, context, sig)
            if not context:
                ctx.verify_message(key, DET, msg, sig)
            kind = "valid"
        elif "InvalidContext" in case.flags and len(context) > 255:
            with pytest.raises(p.InvalidArgumentError):
                ctx.verify_message_with_context(key, ML_DSA, msg, context, sig)
            kind = "context"
        else:
            with pytest.raises(p.InvalidSignatureError):
                ctx.verify_message_with_context(key, ML_DSA, msg, context, sig)
            kind = "invalid"
        outcomes[kind] = outcomes.get(kind, 0) + 1
        ctx.destroy_key(key)
    assert set(outcomes) == {"bad key", "valid", "invalid", "context"}


def test_context_length_limit(ctx: LocalContext) -> None:
    key = ctx.generate_key(p.KeyAttributes(type=PAIR, bits=128, usage_flags=SIGN, algorithm=ML_DSA))
    sig = ctx.sign_message_with_context(key, ML_DSA, b"m", b"c" * 255)
    ctx.verify_message_with_context(key, ML_DSA, b"m", b"c" * 255, sig)
    with pytest.raises(p.InvalidArgumentError):
        ctx.sign_message_with_context(key, ML_DSA, b"m", b"c" * 256)
    with pytest.raises(p.InvalidArgumentError):
        ctx.verify_message_with_context(key, ML_DSA, b"m", b"c" * 256, sig)
    with pytest.raises(p.InvalidSignatureError):  # the context is part of the message
        ctx.verify_message_with_context(key, ML_DSA, b"m", b"d" * 255, sig)
    assert ctx.sign_message(key, ML_DSA, b"m") != sig  # hedged
    ctx.verify_message_with_context(key, ML_DSA, b"m", b"", ctx.sign_message(key, ML_DSA, b"m"))


def test_key_formats(ctx: LocalContext) -> None:
    with pytest.raises(p.InvalidArgumentError):
        _pair(ctx, 0, bytes(32))  # a seed does not determine the parameter set
    with pytest.raises(p.InvalidArgumentError):
        _pair(ctx, 192, bytes(33))
    with pytest.raises(p.InvalidArgumentError):
        _pair(ctx, 160, bytes(32))
    key = _pair(ctx, 256, bytes(range(32)))
    assert ctx.export_key(key) == bytes(range(32))
    pk = ctx.export_public_key(key)
    assert len(pk) == 2592
    assert ctx.get_key_attributes(_public(ctx, pk)).bits == 256
    with pytest.raises(p.InvalidArgumentError):
        ctx.import_key(p.KeyAttributes(type=PUBLIC, bits=128), pk)
    with pytest.raises(p.InvalidArgumentError):
        ctx.generate_key(p.KeyAttributes(type=PUBLIC, bits=128))


#: The spec's HashML-DSA OID table (DER, with tag and length), for an independent
#: check of the pre-hash message representative.
SPEC_OIDS = {
    p.ALG_SHA_256: "0609608648016503040201",
    p.ALG_SHA_512_256: "0609608648016503040206",
    p.ALG_SHA_384: "0609608648016503040202",
    p.ALG_SHA_512: "0609608648016503040203",
    p.ALG_SHA3_256: "0609608648016503040208",
    p.ALG_SHA3_384: "0609608648016503040209",
    p.ALG_SHA3_512: "060960864801650304020a",
    p.ALG_SHAKE128_256: "060960864801650304020b",
    p.ALG_SHAKE256_512: "060960864801650304020c",
}


@pytest.mark.parametrize("hash_alg", SPEC_OIDS)
def test_hash_ml_dsa(ctx: LocalContext, hash_alg: int) -> None:
    """HashML-DSA: sign_hash and sign_message agree (deterministic), hedged and
    deterministic verify alike, and the signature is over the FIPS 204 Algorithm 4
    representative 1 || |ctx| || ctx || OID || PH(M) with the spec's OID bytes
    (checked with ML-DSA.Verify_internal of PyCryptodome on our own M')."""
    from psacrypto.drivers.software.pqc import mldsa as driver

    hedged, det = p.ALG_HASH_ML_DSA(hash_alg), p.ALG_DETERMINISTIC_HASH_ML_DSA(hash_alg)
    usage = SIGN | p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH
    keys = {
        alg: ctx.import_key(
            p.KeyAttributes(type=PAIR, bits=192, usage_flags=usage, algorithm=alg), bytes(32)
        )
        for alg in (hedged, det)
    }
    msg, context = b"message to pre-hash", b"ctx"
    digest = ctx.hash_compute(hash_alg, msg)
    sig = ctx.sign_message_with_context(keys[det], det, msg, context)
    assert ctx.sign_hash_with_context(keys[det], det, digest, context) == sig
    ctx.verify_hash_with_context(keys[hedged], hedged, digest, context, sig)
    ctx.verify_message_with_context(keys[det], hedged, msg, context, sig)
    hedged_sig = ctx.sign_hash_with_context(keys[hedged], hedged, digest, context)
    assert hedged_sig != ctx.sign_hash_with_context(keys[hedged], hedged, digest, context)
    ctx.verify_message_with_context(keys[hedged], det, msg, context, hedged_sig)
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_message(keys[hedged], hedged, msg, sig)  # other context
    pure = _pair(ctx, 192, bytes(32), ML_DSA)
    with pytest.raises(p.InvalidSignatureError):  # HashML-DSA is not ML-DSA
        ctx.verify_message_with_context(pure, ML_DSA, msg, context, sig)
    with pytest.raises(p.NotPermittedError):
        ctx.verify_message_with_context(keys[det], ML_DSA, msg, context, sig)
    with pytest.raises(p.InvalidArgumentError):
        ctx.sign_hash(keys[det], det, digest + b"\0")  # wrong hash length
    key = driver.load(True, 192, bytes(32)).pcd
    prefix = b"\x01" + bytes([len(context)]) + context + bytes.fromhex(SPEC_OIDS[hash_alg])
    assert key._verify(digest, sig, prefix=prefix, external_mu=False)


def test_hash_ml_dsa_unsupported_hashes(ctx: LocalContext) -> None:
    for hash_alg in (p.ALG_SM3, p.ALG_SHA_224, p.ALG_MD5):
        alg = p.ALG_HASH_ML_DSA(hash_alg)
        key = ctx.import_key(
            p.KeyAttributes(type=PAIR, bits=128, usage_flags=p.KEY_USAGE_SIGN_HASH, algorithm=alg),
            bytes(32),
        )
        with pytest.raises(p.NotSupportedError):
            ctx.sign_message(key, alg, b"m")
    from psacrypto.core import capabilities

    assert capabilities.algorithm_supported(p.ALG_HASH_ML_DSA(p.ALG_SHA_512))
    assert not capabilities.algorithm_supported(p.ALG_HASH_ML_DSA(p.ALG_SM3))


def test_deterministic_and_pure_rules(ctx: LocalContext) -> None:
    det = _pair(ctx, 192, bytes(32), DET)
    assert ctx.sign_message(det, DET, b"m") == ctx.sign_message(det, DET, b"m")
    hedged = _pair(ctx, 192, bytes(32), ML_DSA)
    assert ctx.sign_message(hedged, ML_DSA, b"m") != ctx.sign_message(hedged, ML_DSA, b"m")
    key = ctx.import_key(
        p.KeyAttributes(type=PAIR, bits=192, usage_flags=p.KEY_USAGE_SIGN_HASH, algorithm=ML_DSA),
        bytes(32),
    )
    with pytest.raises(p.InvalidArgumentError):  # pure ML-DSA cannot sign a hash
        ctx.sign_hash(key, ML_DSA, bytes(32))


def test_policy_hedged_and_deterministic(ctx: LocalContext) -> None:
    hedged = _pair(ctx, 128, bytes(32), ML_DSA)
    det = _pair(ctx, 128, bytes(32), DET)
    sig = ctx.sign_message(hedged, ML_DSA, b"x")
    ctx.verify_message(det, ML_DSA, b"x", sig)  # verify: the two are equivalent
    ctx.verify_message(hedged, DET, b"x", sig)
    with pytest.raises(p.NotPermittedError):  # sign: distinct
        ctx.sign_message(det, ML_DSA, b"x")
    ctx.check_key_usage(det, ML_DSA, p.KEY_USAGE_VERIFY_MESSAGE)
    with pytest.raises(p.NotPermittedError):
        ctx.check_key_usage(det, ML_DSA, p.KEY_USAGE_SIGN_MESSAGE)
    with pytest.raises(p.InvalidArgumentError):  # ML-DSA with a classic key and v.v.
        ed = ctx.generate_key(
            p.KeyAttributes(
                type=p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS),
                bits=255,
                usage_flags=SIGN,
                algorithm=ML_DSA,
            )
        )
        ctx.sign_message(ed, ML_DSA, b"x")
    with pytest.raises(p.InvalidArgumentError):
        k = _pair(ctx, 128, bytes(32), p.ALG_PURE_EDDSA)
        ctx.sign_message(k, p.ALG_PURE_EDDSA, b"x")


def test_slh_dsa_and_xmss_not_supported(ctx: LocalContext) -> None:
    """No reviewed implementation is available: the key types cannot be created and
    the profile says no (LMS and HSS verification: tests/test_pqc_lms.py)."""
    from psacrypto.core import capabilities

    slh = p.KEY_TYPE_SLH_DSA_KEY_PAIR(p.SLH_DSA_FAMILY_SHA2_S)
    with pytest.raises(p.NotSupportedError):
        ctx.generate_key(p.KeyAttributes(type=slh, bits=128, usage_flags=SIGN))
    for key_type in (
        p.KEY_TYPE_SLH_DSA_PUBLIC_KEY(p.SLH_DSA_FAMILY_SHAKE_F),
        p.KEY_TYPE_XMSS_PUBLIC_KEY,
        p.KEY_TYPE_XMSS_MT_PUBLIC_KEY,
    ):
        with pytest.raises(p.NotSupportedError):
            ctx.import_key(p.KeyAttributes(type=key_type), bytes(64))
        assert not capabilities.key_type_supported(key_type, 256)
    for alg in (
        p.ALG_SLH_DSA,
        p.ALG_DETERMINISTIC_SLH_DSA,
        p.ALG_HASH_SLH_DSA(p.ALG_SHA_256),
        p.ALG_XMSS,
        p.ALG_XMSS_MT,
    ):
        assert not capabilities.algorithm_supported(alg)


def test_derived_key_pair_is_the_first_32_output_bytes(ctx: LocalContext) -> None:
    secret = ctx.import_key(
        p.KeyAttributes(
            type=p.KEY_TYPE_DERIVE,
            usage_flags=p.KEY_USAGE_DERIVE,
            algorithm=p.ALG_HKDF(p.ALG_SHA_256),
        ),
        b"s" * 32,
    )

    def derive() -> KeyDerivationOperation:
        op = ctx.KeyDerivationOperation()
        op.setup(p.ALG_HKDF(p.ALG_SHA_256))
        op.input_key(p.KEY_DERIVATION_INPUT_SECRET, secret)
        op.input_bytes(p.KEY_DERIVATION_INPUT_INFO, b"mldsa")
        return op

    key = derive().output_key(
        p.KeyAttributes(type=PAIR, bits=256, usage_flags=SIGN | p.KEY_USAGE_EXPORT, algorithm=DET)
    )
    assert ctx.export_key(key) == derive().output_bytes(32)
    ctx.verify_message(key, ML_DSA, b"m", ctx.sign_message(key, DET, b"m"))
