"""The post-quantum and 1.4/1.5 calls over the wire protocol: the same results and
errors through a service as through a local context (encapsulation, ML-DSA with
contexts, multi-part sign/verify, XOF)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

import psacrypto as p

DERIVE = p.KeyAttributes(
    type=p.KEY_TYPE_DERIVE,
    usage_flags=p.KEY_USAGE_EXPORT | p.KEY_USAGE_DERIVE,
    algorithm=p.ALG_HKDF(p.ALG_SHA_256),
)


def test_encapsulation(ctx: Any) -> None:
    for key_type, bits, alg in (
        (p.KEY_TYPE_ML_KEM_KEY_PAIR, 768, p.ALG_ML_KEM),
        (p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), 256, p.ALG_ECIES_SEC1),
    ):
        key = ctx.generate_key(
            p.KeyAttributes(
                type=key_type,
                bits=bits,
                usage_flags=p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT,
                algorithm=alg,
            )
        )
        out, ciphertext = ctx.encapsulate(key, alg, DERIVE)
        back = ctx.decapsulate(key, alg, ciphertext, DERIVE)
        assert ctx.export_key(out) == ctx.export_key(back)
        with pytest.raises(p.InvalidArgumentError):
            ctx.decapsulate(key, alg, ciphertext[:-1], DERIVE)
        dec_only = ctx.generate_key(
            p.KeyAttributes(
                type=key_type, bits=bits, usage_flags=p.KEY_USAGE_DECRYPT, algorithm=alg
            )
        )
        with pytest.raises(p.NotPermittedError):
            ctx.encapsulate(dec_only, alg, DERIVE)


def test_ml_dsa_and_multipart(ctx: Any) -> None:
    usage = p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE
    key = ctx.import_key(
        p.KeyAttributes(
            type=p.KEY_TYPE_ML_DSA_KEY_PAIR,
            bits=128,
            usage_flags=usage,
            algorithm=p.ALG_DETERMINISTIC_ML_DSA,
        ),
        bytes(32),
    )
    alg = p.ALG_DETERMINISTIC_ML_DSA
    single = ctx.sign_message_with_context(key, alg, b"hello world", b"ctx")
    op = ctx.SignOperation()
    ctx.sign_setup(op, key, alg)
    ctx.sign_set_context(op, b"ctx")
    ctx.sign_update(op, b"hello ")
    ctx.sign_update(op, b"world")
    assert ctx.sign_finish(op) == single
    verify = ctx.VerifyOperation()
    verify.setup(key, p.ALG_ML_DSA, single)
    verify.set_context(b"ctx")
    verify.update(b"hello world")
    verify.finish()
    verify.setup(key, p.ALG_ML_DSA, single)
    verify.update(b"hello world")
    with pytest.raises(p.InvalidSignatureError):
        verify.finish()
    verify.abort()
    with pytest.raises(p.InvalidArgumentError):
        ctx.sign_message_with_context(key, alg, b"m", bytes(256))


def test_xof(ctx: Any) -> None:
    op = ctx.XofOperation()
    ctx.xof_setup(op, p.ALG_SHAKE128)
    ctx.xof_update(op, b"abc")
    out = ctx.xof_output(op, 5) + ctx.xof_output(op, 27)
    assert out == hashlib.shake_128(b"abc").digest(32)
    ctx.xof_abort(op)
    op = ctx.XofOperation()
    op.setup(p.ALG_ASCON_CXOF128)
    op.set_context(b"z")
    op.update(b"m")
    assert len(op.output(100)) == 100
    with pytest.raises(p.BadStateError):
        op.update(b"late")
    op.abort()
    assert ctx.hash_compute(p.ALG_ASCON_HASH256, b"").hex().startswith("0b3be585")


def test_multipart_sign_on_a_key_at_a_remote_location(tmp_path: Path) -> None:
    """A key held by another cryptoprocessor (location 2, a psacrypto service): the
    multi-part operations buffer and call the location's bound message function."""
    from psacrypto import macros as m
    from psacrypto.remote.testing import ServerProcess

    with ServerProcess.start(tmp_path / "srv", keystore="memory") as srv:
        ctx = p.open_local(
            tmp_path / "keys.db", locations={2: {"driver": "remote", "url": srv.url}}
        )
        alg = p.ALG_DETERMINISTIC_ECDSA(p.ALG_SHA_256)
        key = ctx.generate_key(
            p.KeyAttributes(
                type=p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1),
                bits=256,
                lifetime=m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(
                    p.KEY_PERSISTENCE_VOLATILE, 2
                ),
                usage_flags=p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE,
                algorithm=alg,
            )
        )
        op = ctx.SignOperation()
        op.setup(key, alg)
        op.update(b"hello ")
        op.update(b"world")
        signature = op.finish()
        assert signature == ctx.sign_message(key, alg, b"hello world")
        verify = ctx.VerifyOperation()
        verify.setup(key, alg, signature)
        verify.update(b"hello world")
        verify.finish()
        kem_key = ctx.generate_key(
            p.KeyAttributes(
                type=p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1),
                bits=256,
                lifetime=m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(
                    p.KEY_PERSISTENCE_VOLATILE, 2
                ),
                usage_flags=p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT,
                algorithm=p.ALG_ECIES_SEC1,
            )
        )
        with pytest.raises(p.NotSupportedError):  # no KEM at that location: no fallback
            ctx.encapsulate(kem_key, p.ALG_ECIES_SEC1, DERIVE)
        ctx.close()
