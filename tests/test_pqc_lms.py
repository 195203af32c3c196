"""LMS and HSS verification (RFC 8554) through the API, on the RFC's Appendix F
test cases (and the single-level LMS cases inside them), with the negative cases."""

from __future__ import annotations

from pathlib import Path

import pytest

import psacrypto as p
from psacrypto.context import LocalContext

DATA = Path(__file__).parent / "data" / "lms"
TC1_PUB = bytes.fromhex(
    "00000002000000050000000461a5d57d37f5e46bfb7520806b07a1b8"
    "50650e3b31fe4a773ea29a07f09cf2ea30e579f0df58ef8e298da0434cb2b878"
)
TC1_MSG = (
    b"The powers not delegated to the United States by the Constitution, nor "
    b"prohibited by it to the States, are reserved to the States respectively, or to "
    b"the people.\n"
)
TC2_PUB = bytes.fromhex(
    "000000020000000600000003d08fabd4a2091ff0a8cb4ed834e74534"
    "32a58885cd9ba0431235466bff9651c6c92124404d45fa53cf161c28f1ad5a8e"
)
TC2_MSG = (
    b"The enumeration in the Constitution, of certain rights, shall not be construed "
    b"to deny or disparage others retained by the people.\n"
)
CASES = {
    "tc1": (TC1_PUB, TC1_MSG, bytes.fromhex((DATA / "tc1_sig.hex").read_text().strip())),
    "tc2": (TC2_PUB, TC2_MSG, bytes.fromhex((DATA / "tc2_sig.hex").read_text().strip())),
}
VERIFY = p.KEY_USAGE_VERIFY_MESSAGE


def _key(ctx: LocalContext, key_type: int, data: bytes, alg: int) -> int:
    return ctx.import_key(p.KeyAttributes(type=key_type, usage_flags=VERIFY, algorithm=alg), data)


def _lms_sig_length(ots_p: int, height: int) -> int:
    return 4 + 4 + 32 * (ots_p + 1) + 4 + 32 * height


#: (LM-OTS p, LMS height) of the first level of each case; the second is (34, 5).
FIRST_LEVEL = {"tc1": (34, 5), "tc2": (67, 10)}


@pytest.mark.parametrize("name", CASES)
def test_hss_vectors(ctx: LocalContext, name: str) -> None:
    public, message, signature = CASES[name]
    key = _key(ctx, p.KEY_TYPE_HSS_PUBLIC_KEY, public, p.ALG_HSS)
    assert ctx.get_key_attributes(key).bits == 256
    assert ctx.export_key(key) == ctx.export_public_key(key) == public
    ctx.verify_message(key, p.ALG_HSS, message, signature)
    ctx.verify_message_with_context(key, p.ALG_HSS, message, b"", signature)
    op = ctx.VerifyOperation()
    op.setup(key, p.ALG_HSS, signature)
    op.update(message[:10])
    op.update(message[10:])
    op.finish()
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_message(key, p.ALG_HSS, message[:-1], signature)
    for where in (10, len(signature) // 2, len(signature) - 1):
        bad = bytearray(signature)
        bad[where] ^= 1
        with pytest.raises(p.InvalidSignatureError):
            ctx.verify_message(key, p.ALG_HSS, message, bytes(bad))
    for bad_sig in (signature[:-1], signature + b"\0", b"", signature[:100]):
        with pytest.raises(p.InvalidSignatureError):
            ctx.verify_message(key, p.ALG_HSS, message, bad_sig)
    with pytest.raises(p.InvalidArgumentError):
        ctx.verify_message_with_context(key, p.ALG_HSS, message, b"c", signature)


@pytest.mark.parametrize("name", CASES)
def test_lms_vectors_inside_hss(ctx: LocalContext, name: str) -> None:
    """Level 1 signs the level-2 public key, level 2 signs the message."""
    public, message, signature = CASES[name]
    first = _lms_sig_length(*FIRST_LEVEL[name])
    sig1 = signature[4 : 4 + first]
    child = signature[4 + first : 4 + first + 56]
    sig2 = signature[4 + first + 56 :]
    assert len(sig2) == _lms_sig_length(34, 5)
    root = _key(ctx, p.KEY_TYPE_LMS_PUBLIC_KEY, public[4:], p.ALG_LMS)
    leaf = _key(ctx, p.KEY_TYPE_LMS_PUBLIC_KEY, child, p.ALG_LMS)
    ctx.verify_message(root, p.ALG_LMS, child, sig1)
    ctx.verify_message(leaf, p.ALG_LMS, message, sig2)
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_message(root, p.ALG_LMS, message, sig2)
    with pytest.raises(p.InvalidSignatureError):
        ctx.verify_message(leaf, p.ALG_LMS, message, sig2 + b"\0")


def test_key_and_algorithm_errors(ctx: LocalContext) -> None:
    public = TC1_PUB[4:]
    with pytest.raises(p.InvalidArgumentError):
        _key(ctx, p.KEY_TYPE_LMS_PUBLIC_KEY, public[:-1], p.ALG_LMS)
    with pytest.raises(p.InvalidArgumentError):
        ctx.import_key(p.KeyAttributes(type=p.KEY_TYPE_LMS_PUBLIC_KEY, bits=192), public)
    with pytest.raises(p.InvalidArgumentError):  # 0 or 9 levels
        _key(ctx, p.KEY_TYPE_HSS_PUBLIC_KEY, bytes(4) + public, p.ALG_HSS)
    with pytest.raises(p.InvalidArgumentError):
        _key(ctx, p.KEY_TYPE_HSS_PUBLIC_KEY, (9).to_bytes(4, "big") + public, p.ALG_HSS)
    # SHA-256/192 (RFC 9858 type 0x0a): no known answers here, so not supported
    m24 = (0x0A).to_bytes(4, "big") + (4).to_bytes(4, "big") + bytes(16 + 24)
    with pytest.raises(p.NotSupportedError):
        _key(ctx, p.KEY_TYPE_LMS_PUBLIC_KEY, m24, p.ALG_LMS)
    for key_type in (p.KEY_TYPE_XMSS_PUBLIC_KEY, p.KEY_TYPE_XMSS_MT_PUBLIC_KEY):
        with pytest.raises(p.NotSupportedError):
            _key(ctx, key_type, bytes(68), p.ALG_XMSS)
    with pytest.raises(p.InvalidArgumentError):  # public keys only
        ctx.generate_key(p.KeyAttributes(type=p.KEY_TYPE_LMS_PUBLIC_KEY, bits=256))
    key = ctx.import_key(
        p.KeyAttributes(
            type=p.KEY_TYPE_LMS_PUBLIC_KEY,
            usage_flags=p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH,
            algorithm=p.ALG_LMS,
        ),
        public,
    )
    with pytest.raises(p.InvalidArgumentError):  # no signing
        ctx.sign_message(key, p.ALG_LMS, b"m")
    with pytest.raises(p.InvalidArgumentError):  # no hashes
        ctx.verify_hash(key, p.ALG_LMS, bytes(32), b"")
    with pytest.raises(p.InvalidArgumentError):  # not a multi-part sign algorithm
        ctx.SignOperation().setup(key, p.ALG_LMS)
    hss = _key(ctx, p.KEY_TYPE_HSS_PUBLIC_KEY, TC1_PUB, p.ALG_HSS)
    with pytest.raises(p.NotPermittedError):
        ctx.verify_message(hss, p.ALG_LMS, b"m", b"")
    lms_key_hss_alg = _key(ctx, p.KEY_TYPE_LMS_PUBLIC_KEY, public, p.ALG_HSS)
    with pytest.raises(p.InvalidArgumentError):
        ctx.verify_message(lms_key_hss_alg, p.ALG_HSS, b"m", b"")


def test_capabilities() -> None:
    from psacrypto.core import capabilities

    assert capabilities.algorithm_supported(p.ALG_LMS)
    assert capabilities.algorithm_supported(p.ALG_HSS)
    assert not capabilities.algorithm_supported(p.ALG_XMSS)
    assert not capabilities.algorithm_supported(p.ALG_XMSS_MT)
