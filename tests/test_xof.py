"""The XOF operation (1.4): SHAKE128/256, Ascon-XOF128, Ascon-CXOF128, its state
machine and errors, the flat functions, and Ascon-Hash256 as a hash algorithm."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

import psacrypto as p
from psacrypto.context import LocalContext

KAT = json.loads((Path(__file__).parent / "data" / "ascon" / "kat.json").read_text())


@pytest.mark.parametrize(
    ("alg", "ref"),
    [(p.ALG_SHAKE128, hashlib.shake_128), (p.ALG_SHAKE256, hashlib.shake_256)],
)
def test_shake_streaming(ctx: LocalContext, alg: int, ref: object) -> None:
    op = ctx.XofOperation()
    op.setup(alg)
    op.update(b"hello ")
    op.update(b"world")
    out = b"".join(op.output(n) for n in (0, 1, 100, 200, 7))
    assert out == ref(b"hello world").digest(308)  # type: ignore[operator]
    op.abort()


def test_ascon_xof_kat(ctx: LocalContext) -> None:
    for row in KAT["xof128"]:
        op = ctx.XofOperation()
        ctx.xof_setup(op, p.ALG_ASCON_XOF128)
        ctx.xof_update(op, bytes(range(row["msg_len"])))
        out = ctx.xof_output(op, 10) + ctx.xof_output(op, 54)
        assert out.hex() == row["md"]
        ctx.xof_abort(op)


def test_ascon_cxof_kat(ctx: LocalContext) -> None:
    for row in KAT["cxof128"]:
        with ctx.XofOperation() as op:
            op.setup(p.ALG_ASCON_CXOF128)
            op.set_context(bytes.fromhex(row["z"]))
            op.update(bytes.fromhex(row["msg"]))
            assert op.output(64).hex().upper() == row["md"]
    # no set_context: the empty customization string
    op = ctx.XofOperation()
    op.setup(p.ALG_ASCON_CXOF128)
    assert op.output(64).hex().upper() == KAT["cxof128"][0]["md"]


def test_state_machine(ctx: LocalContext) -> None:
    op = ctx.XofOperation()
    with pytest.raises(p.BadStateError):  # inactive
        op.update(b"x")
    op.abort()
    with pytest.raises(p.BadStateError):
        op.output(1)
    op.abort()
    op.setup(p.ALG_SHAKE128)
    with pytest.raises(p.BadStateError):  # setup twice
        op.setup(p.ALG_SHAKE128)
    op.abort()
    op.setup(p.ALG_SHAKE128)
    op.output(4)
    with pytest.raises(p.BadStateError):  # update after output
        op.update(b"x")
    with pytest.raises(p.BadStateError):  # error state until abort
        op.output(4)
    op.abort()
    op.setup(p.ALG_ASCON_CXOF128)
    op.update(b"x")
    with pytest.raises(p.BadStateError):  # context only right after setup
        op.set_context(b"z")
    op.abort()
    op.setup(p.ALG_ASCON_CXOF128)
    op.set_context(b"z")
    with pytest.raises(p.BadStateError):  # only once
        op.set_context(b"z")
    op.abort()


def test_errors(ctx: LocalContext) -> None:
    op = ctx.XofOperation()
    with pytest.raises(p.InvalidArgumentError):
        op.setup(p.ALG_SHA_256)
    with pytest.raises(p.NotSupportedError):
        op.setup(0x0D000400)  # an XOF psacrypto does not know
    assert not op.active
    op.setup(p.ALG_SHAKE256)
    with pytest.raises(p.InvalidArgumentError):  # SHAKE has no context
        op.set_context(b"ctx")
    with pytest.raises(p.BadStateError):
        op.update(b"")
    op.abort()
    op.setup(p.ALG_ASCON_CXOF128)
    with pytest.raises(p.InvalidArgumentError):  # > 2048 bits
        op.set_context(bytes(257))
    op.abort()
    op.setup(p.ALG_ASCON_CXOF128)
    op.set_context(bytes(256))
    assert len(op.output(3)) == 3


def test_ascon_hash256(ctx: LocalContext) -> None:
    for row in KAT["hash256"]:
        msg = bytes(range(row["msg_len"]))
        assert ctx.hash_compute(p.ALG_ASCON_HASH256, msg).hex() == row["md"]
        op = ctx.HashOperation()
        op.setup(p.ALG_ASCON_HASH256)
        op.update(msg[:5])
        clone = ctx.HashOperation()
        op.clone(clone)
        op.update(msg[5:])
        clone.update(msg[5:])
        assert op.finish().hex() == row["md"] == clone.finish().hex()


def test_capabilities() -> None:
    from psacrypto.core import capabilities

    for alg in (
        p.ALG_SHAKE128,
        p.ALG_SHAKE256,
        p.ALG_ASCON_XOF128,
        p.ALG_ASCON_CXOF128,
        p.ALG_ASCON_HASH256,
    ):
        assert capabilities.algorithm_supported(alg)
