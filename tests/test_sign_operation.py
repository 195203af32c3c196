"""Multi-part sign and verify operations (1.5): equivalence with the single-part
functions for every algorithm family the spec allows, the verify-only message
algorithms, contexts, the state machine, policy, and the flat functions."""

from __future__ import annotations

import pytest

import psacrypto as p
from psacrypto.context import LocalContext

SIGN = p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE
MESSAGE = b"The quick brown fox jumps over the lazy dog" * 5


def _gen(ctx: LocalContext, key_type: int, bits: int, alg: int, usage: int = SIGN) -> int:
    return ctx.generate_key(
        p.KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)
    )


def _sign_parts(
    ctx: LocalContext,
    key: int,
    alg: int,
    parts: list[bytes],
    context: bytes = b"",
    set_context: bool = False,
) -> bytes:
    op = ctx.SignOperation()
    ctx.sign_setup(op, key, alg)
    if set_context:
        ctx.sign_set_context(op, context)
    for part in parts:
        ctx.sign_update(op, part)
    return ctx.sign_finish(op)


def _verify_parts(
    ctx: LocalContext,
    key: int,
    alg: int,
    parts: list[bytes],
    signature: bytes,
    context: bytes = b"",
    set_context: bool = False,
) -> None:
    op = ctx.VerifyOperation()
    op.setup(key, alg, signature)
    if set_context:
        op.set_context(context)
    for part in parts:
        op.update(part)
    op.finish()


PARTS = [MESSAGE[:10], b"", MESSAGE[10:100], MESSAGE[100:]]

SIGN_AND_VERIFY = [
    ("ecdsa-p256", p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), 256, p.ALG_ECDSA(p.ALG_SHA_256)),
    (
        "det-ecdsa-p384",
        p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1),
        384,
        p.ALG_DETERMINISTIC_ECDSA(p.ALG_SHA_384),
    ),
    ("rsa-pss", p.KEY_TYPE_RSA_KEY_PAIR, 2048, p.ALG_RSA_PSS(p.ALG_SHA_256)),
    ("rsa-pkcs1", p.KEY_TYPE_RSA_KEY_PAIR, 2048, p.ALG_RSA_PKCS1V15_SIGN(p.ALG_SHA3_256)),
    ("ml-dsa-44", p.KEY_TYPE_ML_DSA_KEY_PAIR, 128, p.ALG_ML_DSA),
    ("ml-dsa-87", p.KEY_TYPE_ML_DSA_KEY_PAIR, 256, p.ALG_ML_DSA),
    ("det-ml-dsa-65", p.KEY_TYPE_ML_DSA_KEY_PAIR, 192, p.ALG_DETERMINISTIC_ML_DSA),
    ("hash-ml-dsa", p.KEY_TYPE_ML_DSA_KEY_PAIR, 128, p.ALG_HASH_ML_DSA(p.ALG_SHA_512)),
    (
        "det-hash-ml-dsa",
        p.KEY_TYPE_ML_DSA_KEY_PAIR,
        128,
        p.ALG_DETERMINISTIC_HASH_ML_DSA(p.ALG_SHAKE256_512),
    ),
]


@pytest.mark.parametrize(
    ("name", "key_type", "bits", "alg"), SIGN_AND_VERIFY, ids=[s[0] for s in SIGN_AND_VERIFY]
)
def test_sign_and_verify_equivalence(
    ctx: LocalContext, name: str, key_type: int, bits: int, alg: int
) -> None:
    key = _gen(ctx, key_type, bits, alg)
    signature = _sign_parts(ctx, key, alg, PARTS)
    ctx.verify_message(key, alg, MESSAGE, signature)
    _verify_parts(ctx, key, alg, PARTS, signature)
    _verify_parts(ctx, key, alg, [MESSAGE], ctx.sign_message(key, alg, MESSAGE))
    with pytest.raises(p.InvalidSignatureError):
        _verify_parts(ctx, key, alg, PARTS[:-1], signature)


def test_deterministic_ecdsa_matches_single_part(ctx: LocalContext) -> None:
    alg = p.ALG_DETERMINISTIC_ECDSA(p.ALG_SHA_256)
    key = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), 256, alg)
    assert _sign_parts(ctx, key, alg, PARTS) == ctx.sign_message(key, alg, MESSAGE)


@pytest.mark.parametrize(
    "alg",
    [p.ALG_DETERMINISTIC_ML_DSA, p.ALG_DETERMINISTIC_HASH_ML_DSA(p.ALG_SHA3_256)],
)
def test_deterministic_ml_dsa_streams_to_the_single_part_signature(
    ctx: LocalContext, alg: int
) -> None:
    key = _gen(ctx, p.KEY_TYPE_ML_DSA_KEY_PAIR, 192, alg)
    for context in (b"", b"ctx"):
        expected = ctx.sign_message_with_context(key, alg, MESSAGE, context)
        assert _sign_parts(ctx, key, alg, PARTS, context, set_context=True) == expected


def test_ml_dsa_context(ctx: LocalContext) -> None:
    key = _gen(ctx, p.KEY_TYPE_ML_DSA_KEY_PAIR, 192, p.ALG_ML_DSA)
    signature = _sign_parts(ctx, key, p.ALG_ML_DSA, PARTS, b"app", set_context=True)
    ctx.verify_message_with_context(key, p.ALG_ML_DSA, MESSAGE, b"app", signature)
    _verify_parts(ctx, key, p.ALG_DETERMINISTIC_ML_DSA, PARTS, signature, b"app", True)
    with pytest.raises(p.InvalidSignatureError):
        _verify_parts(ctx, key, p.ALG_ML_DSA, PARTS, signature)  # context missing
    op = ctx.SignOperation()
    op.setup(key, p.ALG_ML_DSA)
    with pytest.raises(p.InvalidArgumentError):
        op.set_context(bytes(256))
    with pytest.raises(p.BadStateError):  # error state until abort
        op.update(b"x")
    op.abort()


def test_verify_only_algorithms(ctx: LocalContext) -> None:
    ed = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS), 255, p.ALG_PURE_EDDSA)
    signature = ctx.sign_message(ed, p.ALG_PURE_EDDSA, MESSAGE)
    _verify_parts(ctx, ed, p.ALG_PURE_EDDSA, PARTS, signature)
    op = ctx.SignOperation()
    with pytest.raises(p.InvalidArgumentError):
        op.setup(ed, p.ALG_PURE_EDDSA)
    assert not op.active
    ed448 = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS), 448, p.ALG_EDDSA_CTX)
    signature = ctx.sign_message(ed448, p.ALG_EDDSA_CTX, MESSAGE)
    _verify_parts(ctx, ed448, p.ALG_EDDSA_CTX, PARTS, signature)
    with pytest.raises(p.InvalidArgumentError):
        ctx.SignOperation().setup(ed448, p.ALG_EDDSA_CTX)


def test_not_message_algorithms(ctx: LocalContext) -> None:
    ec = _gen(
        ctx,
        p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1),
        256,
        p.ALG_ECDSA_ANY,
        SIGN | p.KEY_USAGE_SIGN_HASH,
    )
    with pytest.raises(p.InvalidArgumentError):
        ctx.SignOperation().setup(ec, p.ALG_ECDSA_ANY)
    with pytest.raises(p.InvalidArgumentError):
        ctx.VerifyOperation().setup(ec, p.ALG_SHA_256, b"")


def test_context_rules(ctx: LocalContext) -> None:
    alg = p.ALG_ECDSA(p.ALG_SHA_256)
    key = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), 256, alg)
    sig = _sign_parts(ctx, key, alg, PARTS, b"", set_context=True)  # empty: allowed
    ctx.verify_message(key, alg, MESSAGE, sig)
    op = ctx.SignOperation()
    op.setup(key, alg)
    with pytest.raises(p.InvalidArgumentError):  # ECDSA takes no context
        op.set_context(b"c")
    op.abort()
    op.setup(key, alg)
    op.update(b"x")
    with pytest.raises(p.BadStateError):  # context only right after setup
        op.set_context(b"")
    op.abort()


def test_state_machine(ctx: LocalContext) -> None:
    alg = p.ALG_ECDSA(p.ALG_SHA_256)
    key = _gen(ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), 256, alg)
    op = ctx.SignOperation()
    for call in (lambda: op.update(b"x"), op.finish, lambda: op.set_context(b"")):
        with pytest.raises(p.BadStateError):
            call()
        op.abort()
    op.setup(key, alg)
    with pytest.raises(p.BadStateError):
        op.setup(key, alg)
    op.abort()
    op.setup(key, alg)
    op.finish()
    assert not op.active
    op.abort()
    op.abort()
    verify = ctx.VerifyOperation()
    verify.setup(key, alg, bytes(64))
    with pytest.raises(p.InvalidSignatureError):
        verify.finish()
    with pytest.raises(p.BadStateError):
        verify.finish()
    verify.abort()
    with ctx.SignOperation() as managed:
        managed.setup(key, alg)
    assert not managed.active


def test_policy(ctx: LocalContext) -> None:
    alg = p.ALG_ECDSA(p.ALG_SHA_256)
    verify_only = _gen(
        ctx, p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), 256, alg, p.KEY_USAGE_VERIFY_MESSAGE
    )
    with pytest.raises(p.NotPermittedError):
        ctx.SignOperation().setup(verify_only, alg)
    with pytest.raises(p.NotPermittedError):
        ctx.VerifyOperation().setup(verify_only, p.ALG_ECDSA(p.ALG_SHA_384), b"")
    ml = _gen(ctx, p.KEY_TYPE_ML_DSA_KEY_PAIR, 128, p.ALG_DETERMINISTIC_ML_DSA)
    with pytest.raises(p.NotPermittedError):
        ctx.SignOperation().setup(ml, p.ALG_ML_DSA)
    ctx.SignOperation().setup(ml, p.ALG_DETERMINISTIC_ML_DSA)
    ctx.VerifyOperation().setup(ml, p.ALG_ML_DSA, b"")  # verify: equivalent
    public = ctx.import_key(
        p.KeyAttributes(
            type=p.KEY_TYPE_ML_DSA_PUBLIC_KEY, usage_flags=SIGN, algorithm=p.ALG_ML_DSA
        ),
        ctx.export_public_key(ml),
    )
    with pytest.raises(p.InvalidArgumentError):
        ctx.SignOperation().setup(public, p.ALG_ML_DSA)


def test_key_destroyed_during_operation(ctx: LocalContext) -> None:
    alg = p.ALG_ML_DSA
    key = _gen(ctx, p.KEY_TYPE_ML_DSA_KEY_PAIR, 128, alg)
    op = ctx.SignOperation()
    op.setup(key, alg)
    ctx.destroy_key(key)
    with pytest.raises(p.BadStateError):
        op.update(b"x")
    op.abort()
