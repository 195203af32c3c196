"""RFC 8032 known answers for every EdDSA variant the spec names, through the API:
PureEdDSA, Ed25519ctx / Ed448 with context (ALG_EDDSA_CTX), Ed25519ph, Ed448ph."""

from __future__ import annotations

import hashlib
import json
import pathlib
from typing import Any

import pytest

import psacrypto as p

DATA_FILE = pathlib.Path(__file__).parent / "data" / "asym" / "rfc8032_all.json"
DATA = json.loads(DATA_FILE.read_text())
VECTORS = DATA["vectors"]
ED_PAIR = p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS)
ED_PUBLIC = p.KEY_TYPE_ECC_PUBLIC_KEY(p.ECC_FAMILY_TWISTED_EDWARDS)
SIGN = p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH


def _alg(v: dict[str, str]) -> int:
    return int(getattr(p, "ALG_" + v["alg"]))


@pytest.mark.parametrize("v", VECTORS, ids=lambda v: f"{v['alg']}-{v['curve']}-{v['message'][:8]}")
def test_rfc8032_sign_and_verify(ctx: Any, v: dict[str, str]) -> None:
    bits = 255 if v["curve"] == "ed25519" else 448
    alg = _alg(v)
    pair = ctx.import_key(
        p.KeyAttributes(type=ED_PAIR, bits=bits, usage_flags=SIGN, algorithm=alg),
        bytes.fromhex(v["secret"]),
    )
    assert ctx.export_public_key(pair).hex() == v["public"]
    public = ctx.import_key(
        p.KeyAttributes(
            type=ED_PUBLIC, bits=bits, usage_flags=p.KEY_USAGE_VERIFY_HASH, algorithm=alg
        ),
        bytes.fromhex(v["public"]),
    )
    message, context = bytes.fromhex(v["message"]), bytes.fromhex(v["context"])
    signature = bytes.fromhex(v["signature"])
    if context:
        assert ctx.sign_message_with_context(pair, alg, message, context) == signature
        ctx.verify_message_with_context(public, alg, message, context, signature)
        with pytest.raises(p.InvalidSignatureError):
            ctx.verify_message_with_context(public, alg, message, context + b"x", signature)
    elif alg == p.ALG_EDDSA_CTX and bits == 255:
        # Ed25519ctx with an empty context is not computed (RFC 8032 forbids it in practice).
        with pytest.raises(p.NotSupportedError):
            ctx.sign_message(pair, alg, message)
        return
    else:
        assert ctx.sign_message(pair, alg, message) == signature
        ctx.verify_message(public, alg, message, signature)
    if alg in (p.ALG_ED25519PH, p.ALG_ED448PH):
        prehash = (
            hashlib.sha512(message).digest()
            if bits == 255
            else hashlib.shake_256(message).digest(64)
        )
        if context:
            assert ctx.sign_hash_with_context(pair, alg, prehash, context) == signature
            ctx.verify_hash_with_context(public, alg, prehash, context, signature)
        else:
            assert ctx.sign_hash(pair, alg, prehash) == signature
            ctx.verify_hash(public, alg, prehash, signature)
        with pytest.raises(p.InvalidArgumentError):
            ctx.sign_hash(pair, alg, prehash[:-1])
    bad = bytearray(signature)
    bad[0] ^= 1
    with pytest.raises(p.InvalidSignatureError):
        if context:
            ctx.verify_message_with_context(public, alg, message, context, bytes(bad))
        else:
            ctx.verify_message(public, alg, message, bytes(bad))


def test_context_rules(ctx: Any) -> None:
    pure = ctx.generate_key(
        p.KeyAttributes(type=ED_PAIR, bits=255, usage_flags=SIGN, algorithm=p.ALG_PURE_EDDSA)
    )
    with pytest.raises(p.InvalidArgumentError):  # PureEdDSA takes no context
        ctx.sign_message_with_context(pure, p.ALG_PURE_EDDSA, b"m", b"ctx")
    # An empty context is the same as none.
    signature = ctx.sign_message_with_context(pure, p.ALG_PURE_EDDSA, b"m", b"")
    ctx.verify_message(pure, p.ALG_PURE_EDDSA, b"m", signature)
    ph = ctx.generate_key(
        p.KeyAttributes(type=ED_PAIR, bits=448, usage_flags=SIGN, algorithm=p.ALG_ED448PH)
    )
    with pytest.raises(p.InvalidArgumentError):  # contexts are at most 255 bytes
        ctx.sign_message_with_context(ph, p.ALG_ED448PH, b"m", bytes(256))
    with pytest.raises(p.InvalidArgumentError):  # Ed25519ph needs an Edwards25519 key
        ctx.check_key_usage(ph, p.ALG_ED25519PH, p.KEY_USAGE_SIGN_HASH)
