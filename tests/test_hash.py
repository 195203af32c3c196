"""Hash family: known-answer vectors, the operation state machine, suspend/resume.

Vectors: NIST CAVP (SHA-1, SHA-2, SHA-3, SHAKE) and RFC 1321 / RIPEMD / OSCCA SM3
from the ``cryptography_vectors`` package; Zigbee 05-3474 Annex C.5 (AES-MMO);
the BLAKE2 reference KAT (blake2-kat.json) for BLAKE2sp/BLAKE2bp.

The suspend-state format is checked against an independent computation: small
pure-Python SHA-256, SHA-512 and MD5 compression functions written here from
FIPS 180-4 / RFC 1321 (constants derived from their definitions), giving the
chaining value after n blocks.
"""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Callable, Iterator
from typing import Any

import cryptography_vectors
import pytest

import psacrypto
from psacrypto import constants as c
from psacrypto.context import LocalContext
from psacrypto.core import hash as core_hash
from psacrypto.drivers.software import hash_state
from psacrypto.drivers.software.hash_extra import AesMmoZigbee, Blake2bp, Blake2sp
from psacrypto.errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidSignatureError,
    NotSupportedError,
)

# --------------------------------------------------------------------------------------
# Vector loading


def _load(path: str) -> Iterator[dict[str, str]]:
    """Entries of a CAVP-style ``key = value`` file."""
    with cryptography_vectors.open_vector_file(path, "r") as f:
        entry: dict[str, str] = {}
        for raw in f:
            line = raw.strip()
            if not line or line.startswith(("#", "[")):
                if "Msg" in entry:
                    yield entry
                entry = {}
                continue
            if "=" in line:
                key, _, value = line.partition("=")
                entry[key.strip()] = value.strip()
        if "Msg" in entry:
            yield entry


def _message(entry: dict[str, str]) -> bytes:
    if entry.get("Len") == "0":
        return b""
    return bytes.fromhex(entry["Msg"])


FIXED_VECTORS: list[tuple[int, str]] = [
    (c.ALG_MD5, "hashes/MD5/rfc-1321.txt"),
    (c.ALG_RIPEMD160, "hashes/ripemd160/ripevectors.txt"),
    (c.ALG_SM3, "hashes/SM3/oscca.txt"),
    (c.ALG_SHA_1, "hashes/SHA1/SHA1ShortMsg.rsp"),
    (c.ALG_SHA_1, "hashes/SHA1/SHA1LongMsg.rsp"),
    *(
        (alg, f"hashes/SHA2/{name}{kind}.rsp")
        for alg, name in (
            (c.ALG_SHA_224, "SHA224"),
            (c.ALG_SHA_256, "SHA256"),
            (c.ALG_SHA_384, "SHA384"),
            (c.ALG_SHA_512, "SHA512"),
            (c.ALG_SHA_512_224, "SHA512_224"),
            (c.ALG_SHA_512_256, "SHA512_256"),
        )
        for kind in ("ShortMsg", "LongMsg")
    ),
    *(
        (alg, f"hashes/SHA3/{name}{kind}.rsp")
        for alg, name in (
            (c.ALG_SHA3_224, "SHA3_224"),
            (c.ALG_SHA3_256, "SHA3_256"),
            (c.ALG_SHA3_384, "SHA3_384"),
            (c.ALG_SHA3_512, "SHA3_512"),
        )
        for kind in ("ShortMsg", "LongMsg")
    ),
]


@pytest.mark.parametrize(("alg", "path"), FIXED_VECTORS, ids=[p for _, p in FIXED_VECTORS])
def test_known_answers(ctx: LocalContext, alg: int, path: str) -> None:
    """hash_compute, hash_compare and the multi-part operation (split in two, and
    suspended/resumed at the split where the spec defines it) on every vector."""
    count = 0
    suspendable = alg in hash_state.LAYOUTS and hash_state.AVAILABLE
    for entry in _load(path):
        msg, expected = _message(entry), bytes.fromhex(entry["MD"])
        assert ctx.hash_compute(alg, msg) == expected
        ctx.hash_compare(alg, msg, expected)
        half = len(msg) // 2
        op = ctx.HashOperation()
        op.setup(alg)
        op.update(msg[:half])
        if suspendable:
            state = op.suspend()
            op = ctx.HashOperation()
            op.resume(state)
        op.update(msg[half:])
        assert op.finish() == expected
        count += 1
    assert count >= 3


def _shake_vectors(name: str) -> Iterator[tuple[bytes, bytes]]:
    for kind in ("ShortMsg", "LongMsg", "VariableOut"):
        for entry in _load(f"hashes/SHAKE/{name}{kind}.rsp"):
            yield _message(entry), bytes.fromhex(entry["Output"])


SHAKE_LENGTH = {
    c.ALG_SHAKE256_512: 64,
    c.ALG_SHAKE256_256: 32,
    c.ALG_SHAKE256_192: 24,
    c.ALG_SHAKE128_256: 32,
}
#: PSA_ALG_HMAC(PSA_ALG_SHA_256), spelled out so this file does not depend on macros.
ALG_HMAC_SHA_256 = 0x03800009


@pytest.mark.parametrize(
    ("alg", "name"),
    [
        (c.ALG_SHAKE256_512, "SHAKE256"),
        (c.ALG_SHAKE256_256, "SHAKE256"),
        (c.ALG_SHAKE256_192, "SHAKE256"),
        (c.ALG_SHAKE128_256, "SHAKE128"),
    ],
)
def test_shake_fixed_length(ctx: LocalContext, alg: int, name: str) -> None:
    """SHAKE-based hashes are the first n bytes of the XOF output: every CAVP
    output agrees with ours on their common prefix, and full-length ones exist."""
    n = SHAKE_LENGTH[alg]
    full = 0
    for msg, output in _shake_vectors(name):
        ours = ctx.hash_compute(alg, msg)
        assert len(ours) == n
        common = min(n, len(output))
        assert ours[:common] == output[:common]
        full += len(output) >= n
    assert full > 0


def test_sha_256_192(ctx: LocalContext) -> None:
    """SHA-256/192 is the first 24 bytes of SHA-256 (checked on the CAVP SHA-256 vectors)."""
    for entry in _load("hashes/SHA2/SHA256ShortMsg.rsp"):
        msg = _message(entry)
        assert ctx.hash_compute(c.ALG_SHA_256_192, msg) == bytes.fromhex(entry["MD"])[:24]


def test_blake2_from_vectors(ctx: LocalContext) -> None:
    for alg, path in (
        (c.ALG_BLAKE2S_HASH256, "hashes/blake2/blake2s.txt"),
        (c.ALG_BLAKE2B_HASH512, "hashes/blake2/blake2b.txt"),
    ):
        for entry in _load(path):
            assert ctx.hash_compute(alg, _message(entry)) == bytes.fromhex(entry["MD"])


# BLAKE2 reference KAT (github.com/BLAKE2/BLAKE2 testvectors/blake2-kat.json), unkeyed;
# the input is bytes(range(n)).
BLAKE2SP_KAT = {
    0: "dd0e891776933f43c7d032b08a917e25741f8aa9a12c12e1cac8801500f2ca4f",
    1: "a6b9eecc25227ad788c99d3f236debc8da408849e9a5178978727a81457f7239",
    2: "dacadece7a8e6bf3abfe324ca695436984b8195d29f6bbd896e41e18e21c9145",
    16: "b9194519e4978a9dc893b28bd808cdfabb1bd510d862b3171ff6e017a41b804c",
    231: "82f4469e80789021c61db7e32f36acbe591a64f26059265770ae658d62bde7ef",
    254: "2e5fe21f8f1b6397a38a603d60b6f53c3b5db20aa56c6d44bebd4828ce28f90f",
    255: "25059f10605e67adfe681350666e15ae976a5a571c13cf5bc8053f430e120a52",
}
BLAKE2BP_KAT = {
    0: "b5ef811a8038f70b628fa8b294daae7492b1ebe343a80eaabbf1f6ae664dd67b"
    "9d90b0120791eab81dc96985f28849f6a305186a85501b405114bfa678df9380",
    1: "a139280e72757b723e6473d5be59f36e9d50fc5cd7d4585cbc09804895a36c52"
    "1242fb2789f85cb9e35491f31d4a6952f9d8e097aef94fa1ca0b12525721f03d",
    16: "b1d65e70c69ba7e3a728e8b6449493f237510b23b6e77d9584d05ff4d3f08780"
    "929d74fa5bed9b75d4d6d1ca91ab8d2637dc2e79ba0fe0594acd68fb3cc660b9",
    254: "8669b0ad35829edc2a8a09852b0ee9b3903bf6c1f82f90a3f0ed9524192f1091"
    "fd6484e04c3fea8b022f4a8950db17d4734145c0cec5dc387455c126903f7766",
    255: "3f35c45d24fcfb4acca651076c08000e279ebbff37a1333ce19fd577202dbd24"
    "b58c514e36dd9ba64af4d78eea4e2dd13bc18d798887dd971376bcae0087e17e",
}


@pytest.mark.parametrize(
    ("alg", "kat"),
    [(c.ALG_BLAKE2SP_HASH256, BLAKE2SP_KAT), (c.ALG_BLAKE2BP_HASH512, BLAKE2BP_KAT)],
)
def test_blake2_parallel_kat(ctx: LocalContext, alg: int, kat: dict[int, str]) -> None:
    for n, hex_out in kat.items():
        msg = bytes(range(n))
        assert ctx.hash_compute(alg, msg).hex() == hex_out
        op = ctx.HashOperation()
        op.setup(alg)
        for i in range(0, n, 7):
            op.update(msg[i : i + 7])
        op.verify(bytes.fromhex(hex_out))


@pytest.mark.parametrize(
    ("cls", "ctor", "fanout", "chunk", "size"),
    [(Blake2sp, hashlib.blake2s, 8, 64, 32), (Blake2bp, hashlib.blake2b, 4, 128, 64)],
)
def test_blake2_parallel_structure(
    cls: type[Any], ctor: Callable[..., Any], fanout: int, chunk: int, size: int
) -> None:
    """Long inputs (every leaf gets several blocks and a partial one): the streaming
    object equals a direct construction of the tree from the paper's definition."""
    rng = random.Random(7)
    for length in (chunk * fanout * 3 + 17, chunk * fanout * 2, 5000):
        msg = rng.randbytes(length)
        leaves = [
            ctor(
                digest_size=size,
                fanout=fanout,
                depth=2,
                node_offset=i,
                inner_size=size,
                last_node=i == fanout - 1,
            )
            for i in range(fanout)
        ]
        for k in range(0, length, chunk):
            leaves[(k // chunk) % fanout].update(msg[k : k + chunk])
        root = ctor(
            digest_size=size, fanout=fanout, depth=2, node_depth=1, inner_size=size, last_node=True
        )
        for leaf in leaves:
            root.update(leaf.digest())
        h = cls()
        pos = 0
        while pos < length:
            step = rng.randrange(1, 700)
            h.update(msg[pos : pos + step])
            pos += step
        copy = h.copy()
        assert h.digest() == root.digest() == cls(msg).digest() == copy.digest()


def _counting(n: int) -> bytes:
    return bytes(i % 256 for i in range(n))


# Zigbee specification 05-3474, Annex C.5 (test vector sets 1 to 6).
ZIGBEE_MMO = [
    (b"\xc0", "ae3a102a28d43ee0d4a09e22788b206c"),
    (bytes(range(0xC0, 0xD0)), "a7977e88bc0b61e8210827109a228f2d"),
    (_counting(8191), "24ec2fe75bbffcb34789bc0610e7f165"),
    (_counting(8192), "dc6b0687f09f8607131c170b3bd31591"),
    (_counting(8201), "72c9b15e178aa843e4a16c58e33643a3"),
    (_counting(8202), "bc9828d59b2aa323daf20be5f2e66511"),
]


@pytest.mark.parametrize(("msg", "expected"), ZIGBEE_MMO, ids=[str(len(m)) for m, _ in ZIGBEE_MMO])
def test_aes_mmo_zigbee(ctx: LocalContext, msg: bytes, expected: str) -> None:
    assert ctx.hash_compute(c.ALG_AES_MMO_ZIGBEE, msg).hex() == expected
    op = ctx.HashOperation()
    op.setup(c.ALG_AES_MMO_ZIGBEE)
    for i in range(0, len(msg), 1000):
        op.update(msg[i : i + 1000])
    clone = ctx.HashOperation()
    op.clone(clone)
    assert op.finish().hex() == expected
    clone.verify(bytes.fromhex(expected))


def test_aes_mmo_input_limit() -> None:
    h = AesMmoZigbee()
    h._total = AesMmoZigbee.MAX_INPUT  # as if 2**29 - 1 bytes had been hashed
    with pytest.raises(InvalidArgumentError):
        h.update(b"x")


def test_sm3_abc(ctx: LocalContext) -> None:
    """GB/T 32905-2016 example 1."""
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert ctx.hash_compute(c.ALG_SM3, b"abc").hex() == expected


# --------------------------------------------------------------------------------------
# Unsupported and invalid algorithms


@pytest.mark.parametrize("alg", [c.ALG_MD2, c.ALG_MD4, 0x020000FE])
def test_unsupported_hash(ctx: LocalContext, alg: int) -> None:
    with pytest.raises(NotSupportedError):
        ctx.hash_compute(alg, b"abc")
    with pytest.raises(NotSupportedError):
        ctx.hash_compare(alg, b"abc", bytes(16))
    op = ctx.HashOperation()
    with pytest.raises(NotSupportedError):
        op.setup(alg)
    assert not op.active
    op.setup(c.ALG_SHA_256)  # a failed setup leaves it inactive and usable


@pytest.mark.parametrize(
    "alg", [c.ALG_NONE, c.ALG_ANY_HASH, ALG_HMAC_SHA_256, c.ALG_CMAC, 0x12345678]
)
def test_not_a_hash(ctx: LocalContext, alg: int) -> None:
    with pytest.raises(InvalidArgumentError):
        ctx.hash_compute(alg, b"abc")
    op = ctx.HashOperation()
    with pytest.raises(InvalidArgumentError):
        op.setup(alg)
    assert not op.active


def test_hash_compare_mismatch(ctx: LocalContext) -> None:
    good = hashlib.sha256(b"abc").digest()
    ctx.hash_compare(c.ALG_SHA_256, b"abc", good)
    for bad in (good[:-1] + bytes([good[-1] ^ 1]), good[:-1], good + b"\0", b""):
        with pytest.raises(InvalidSignatureError):
            ctx.hash_compare(c.ALG_SHA_256, b"abc", bad)


def test_bytes_like_inputs(ctx: LocalContext) -> None:
    expected = hashlib.sha256(b"hello").digest()
    for data in (bytearray(b"hello"), memoryview(b"hello")):
        assert ctx.hash_compute(c.ALG_SHA_256, data) == expected
        op = ctx.HashOperation()
        op.setup(c.ALG_SHA_256)
        op.update(data)
        op.verify(bytearray(expected))


# --------------------------------------------------------------------------------------
# The operation and its state machine

ALL_SUPPORTED = sorted(core_hash.CONSTRUCTORS)


@pytest.mark.parametrize("alg", ALL_SUPPORTED, ids=[f"0x{a:08x}" for a in ALL_SUPPORTED])
def test_operation_pieces_clone(ctx: LocalContext, alg: int) -> None:
    rng = random.Random(alg)
    msg = rng.randbytes(1000)
    expected = ctx.hash_compute(alg, msg)
    op = ctx.HashOperation()
    ctx.hash_setup(op, alg)
    pos = 0
    while pos < len(msg):
        step = rng.randrange(0, 300)
        ctx.hash_update(op, msg[pos : pos + step])
        pos += step
    twin = ctx.HashOperation()
    ctx.hash_clone(op, twin)
    ctx.hash_update(twin, b"more")
    assert ctx.hash_finish(op) == expected
    assert ctx.hash_finish(twin) == ctx.hash_compute(alg, msg + b"more")
    # Reusable after finish.
    op.setup(alg)
    assert op.finish() == ctx.hash_compute(alg, b"")


def test_verify_mismatch_enters_error_state(ctx: LocalContext) -> None:
    op = ctx.HashOperation()
    op.setup(c.ALG_SHA_256)
    op.update(b"abc")
    with pytest.raises(InvalidSignatureError):
        op.verify(bytes(32))
    for call in (lambda: op.update(b"x"), op.finish, lambda: op.verify(bytes(32)), op.suspend):
        with pytest.raises(BadStateError):
            call()
    with pytest.raises(BadStateError):
        op.setup(c.ALG_SHA_256)
    op.abort()
    op.setup(c.ALG_SHA_256)
    op.update(b"abc")
    op.verify(hashlib.sha256(b"abc").digest())


def _inactive_calls(ctx: Any, op: Any) -> list[Callable[[], object]]:
    return [
        lambda: op.update(b"x"),
        op.finish,
        lambda: op.verify(bytes(32)),
        op.suspend,
        lambda: op.clone(ctx.HashOperation()),
    ]


def test_calls_on_inactive_operation(ctx: LocalContext) -> None:
    for i in range(5):
        op = ctx.HashOperation()
        with pytest.raises(BadStateError):
            _inactive_calls(ctx, op)[i]()
        op.abort()
        op.setup(c.ALG_SHA_1)  # usable after abort


def test_calls_after_finish_are_bad_state(ctx: LocalContext) -> None:
    for i in range(5):
        op = ctx.HashOperation()
        op.setup(c.ALG_SHA_256)
        op.finish()
        with pytest.raises(BadStateError):
            _inactive_calls(ctx, op)[i]()
        op.abort()


def test_setup_and_resume_on_active_operation(ctx: LocalContext) -> None:
    other = ctx.HashOperation()
    other.setup(c.ALG_SHA_256)
    state = other.suspend()
    op = ctx.HashOperation()
    op.setup(c.ALG_SHA_256)
    with pytest.raises(BadStateError):
        op.setup(c.ALG_SHA_256)
    op.abort()
    op.setup(c.ALG_SHA_256)
    with pytest.raises(BadStateError):
        op.resume(state)
    op.abort()
    op.resume(state)
    assert op.finish() == hashlib.sha256().digest()


def test_clone_into_active_target(ctx: LocalContext) -> None:
    source, target = ctx.HashOperation(), ctx.HashOperation()
    source.setup(c.ALG_SHA_256)
    target.setup(c.ALG_SHA_1)
    with pytest.raises(BadStateError):
        source.clone(target)
    target.abort()
    source.update(b"abc")
    source.clone(target)
    assert target.finish() == source.finish() == hashlib.sha256(b"abc").digest()


def test_clone_is_independent(ctx: LocalContext) -> None:
    a, b = ctx.HashOperation(), ctx.HashOperation()
    a.setup(c.ALG_SHA_512)
    a.update(b"x" * 200)
    a.clone(b)
    a.update(b"left")
    b.update(b"right")
    assert a.finish() == hashlib.sha512(b"x" * 200 + b"left").digest()
    assert b.finish() == hashlib.sha512(b"x" * 200 + b"right").digest()


def test_abort_always_works(ctx: LocalContext) -> None:
    op = ctx.HashOperation()
    op.abort()
    op.abort()
    op.setup(c.ALG_SHA_256)
    op.abort()
    op.abort()
    with pytest.raises(BadStateError):
        op.finish()
    op.abort()
    ctx.hash_abort(op)
    with op:
        op.setup(c.ALG_SHA_256)
    assert not op.active


def test_module_level_functions(ctx: Any) -> None:
    """The module-level functions on the default context (local, or a service's
    client as with ``PSACRYPTO_URL``)."""
    psacrypto.set_default_context(ctx)
    try:
        op = psacrypto.HashOperation()
        psacrypto.hash_setup(op, c.ALG_SHA_256)
        psacrypto.hash_update(op, b"abc")
        state = psacrypto.hash_suspend(op)
        op2 = psacrypto.HashOperation()
        psacrypto.hash_resume(op2, state)
        assert psacrypto.hash_finish(op2) == hashlib.sha256(b"abc").digest()
        assert psacrypto.hash_compute(c.ALG_SHA_256, b"abc") == hashlib.sha256(b"abc").digest()
    finally:
        psacrypto.reset_default_context()


# --------------------------------------------------------------------------------------
# Suspend and resume

SUSPENDABLE = sorted(hash_state.LAYOUTS)
needs_libcrypto = pytest.mark.skipif(not hash_state.AVAILABLE, reason="libcrypto not loadable")

_HASHLIB_NAMES = {
    c.ALG_MD5: "md5",
    c.ALG_RIPEMD160: "ripemd160",
    c.ALG_SHA_1: "sha1",
    c.ALG_SHA_224: "sha224",
    c.ALG_SHA_256: "sha256",
    c.ALG_SHA_384: "sha384",
    c.ALG_SHA_512: "sha512",
    c.ALG_SHA_512_224: "sha512_224",
    c.ALG_SHA_512_256: "sha512_256",
}


@needs_libcrypto
@pytest.mark.parametrize("alg", SUSPENDABLE, ids=[f"0x{a:08x}" for a in SUSPENDABLE])
def test_suspend_resume_every_split(ctx: LocalContext, alg: int) -> None:
    """Suspend after every prefix length across several blocks; resume in a fresh
    operation, feed the rest, and compare with hashlib. Also check the layout."""
    layout = hash_state.LAYOUTS[alg]
    msg = random.Random(alg).randbytes(3 * layout.block + 5)
    expected = hashlib.new(_HASHLIB_NAMES[alg], msg).digest()
    for split in range(len(msg) + 1):
        op = ctx.HashOperation()
        op.setup(alg)
        op.update(msg[: split // 2])
        op.update(msg[split // 2 : split])
        state = ctx.hash_suspend(op)
        assert not op.active
        fixed = 4 + layout.length_field + layout.state_size
        assert len(state) == fixed + split % layout.block
        assert state[:4] == alg.to_bytes(4, "big")
        assert int.from_bytes(state[4 : 4 + layout.length_field], "big") == split
        assert state[fixed:] == msg[split - split % layout.block : split]
        resumed = ctx.HashOperation()
        ctx.hash_resume(resumed, state)
        resumed.update(msg[split:])
        assert resumed.finish() == expected
    # Suspending twice in a chain, and verify after resume.
    op = ctx.HashOperation()
    op.setup(alg)
    state = op.suspend()
    for piece in (msg[:10], msg[10:100], msg[100:]):
        op = ctx.HashOperation()
        op.resume(state)
        op.update(piece)
        state = op.suspend()
    op = ctx.HashOperation()
    op.resume(state)
    op.verify(expected)


@needs_libcrypto
@pytest.mark.parametrize("total", [(1 << 29) + 3, (1 << 40) + 70, (1 << 61) - 200])
def test_suspend_resume_huge_lengths(ctx: LocalContext, total: int) -> None:
    """Input lengths whose bit counts overflow 32 (and nearly 64) bits: resume from a
    hand-made state, continue, suspend again, and finish; the final digest is
    checked with the from-scratch reference (which pads with the total length)."""
    for alg, ref in ((c.ALG_SHA_256, _ShaReference(32)), (c.ALG_SHA_512, _ShaReference(64))):
        layout = hash_state.LAYOUTS[alg]
        words = [(0x0123456789ABCDEF * (i + 1)) & ref.mask for i in range(8)]
        tail = bytes(range(total % layout.block))
        state = (
            alg.to_bytes(4, "big")
            + total.to_bytes(layout.length_field, "big")
            + b"".join(w.to_bytes(ref.w // 8, "big") for w in words)
            + tail
        )
        op = ctx.HashOperation()
        op.resume(state)
        op.update(b"z" * 150)
        again = op.suspend()
        new_total = total + 150
        assert int.from_bytes(again[4 : 4 + layout.length_field], "big") == new_total
        op = ctx.HashOperation()
        op.resume(again)
        assert op.finish() == ref.finish_from(words, tail + b"z" * 150, new_total)


@pytest.mark.parametrize(
    "alg",
    [
        c.ALG_SHA3_256,
        c.ALG_SHA3_512,
        c.ALG_SM3,
        c.ALG_SHAKE256_512,
        c.ALG_BLAKE2S_HASH256,
        c.ALG_BLAKE2BP_HASH512,
        c.ALG_AES_MMO_ZIGBEE,
        c.ALG_SHA_256_192,
    ],
)
def test_suspend_not_supported(ctx: LocalContext, alg: int) -> None:
    op = ctx.HashOperation()
    op.setup(alg)
    op.update(b"abc")
    with pytest.raises(NotSupportedError):
        op.suspend()
    with pytest.raises(BadStateError):  # the failure put it in the error state
        op.update(b"x")
    op.abort()
    state = alg.to_bytes(4, "big") + bytes(40)
    with pytest.raises(NotSupportedError):
        ctx.HashOperation().resume(state)


@pytest.mark.local_only  # monkeypatches the hash driver of this process
def test_fallback_without_libcrypto(ctx: LocalContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Without libcrypto: operations still hash (hashlib) but suspend/resume are
    not supported."""
    monkeypatch.setattr(hash_state, "supports", lambda alg: False)
    op = ctx.HashOperation()
    op.setup(c.ALG_SHA_256)
    op.update(b"abc")
    twin = ctx.HashOperation()
    op.clone(twin)
    assert twin.finish() == hashlib.sha256(b"abc").digest()
    with pytest.raises(NotSupportedError):
        op.suspend()
    op.abort()
    with pytest.raises(NotSupportedError):
        ctx.HashOperation().resume(c.ALG_SHA_256.to_bytes(4, "big") + bytes(40))


def _sha256_state(alg: int, total: int, unprocessed: bytes = b"") -> bytes:
    layout = hash_state.LAYOUTS[alg]
    return (
        alg.to_bytes(4, "big")
        + total.to_bytes(layout.length_field, "big")
        + bytes(layout.state_size)
        + unprocessed
    )


@needs_libcrypto
def test_resume_rejects_invalid_states(ctx: LocalContext) -> None:
    good_op = ctx.HashOperation()
    good_op.setup(c.ALG_SHA_256)
    good_op.update(b"a" * 70)
    good = good_op.suspend()  # 4 + 8 + 32 + 6 bytes
    assert len(good) == 50
    invalid = [
        b"",
        b"\x02\x00",
        good[:4],  # no length field
        good[:11],  # truncated length field
        good[:43],  # truncated hash state
        good[:-1],  # one unprocessed byte missing
        good + b"x",  # one unprocessed byte too many
        good[:44],  # no unprocessed bytes but length 70
        _sha256_state(c.ALG_SHA_256, 64, b"x"),  # length is a whole number of blocks
        _sha256_state(c.ALG_SHA_256, 1, b""),
        _sha256_state(c.ALG_SHA_256, 63, b"x" * 64),  # unprocessed must be < a block
        _sha256_state(c.ALG_SHA_256, 1 << 61),  # bit count would not fit in 64 bits
        ALG_HMAC_SHA_256.to_bytes(4, "big") + good[4:],  # not a hash
        c.ALG_NONE.to_bytes(4, "big") + good[4:],
        c.ALG_ANY_HASH.to_bytes(4, "big") + good[4:],
        (0xFFFFFFFF).to_bytes(4, "big") + good[4:],
        # SHA-256 fields under SHA-512's algorithm id: wrong field sizes.
        c.ALG_SHA_512.to_bytes(4, "big") + good[4:],
        # SHA-512 needs a 16-byte length field and 64-byte state.
        _sha256_state(c.ALG_SHA_512, 5, b"abcde")[:-1],
    ]
    for state in invalid:
        op = ctx.HashOperation()
        with pytest.raises(InvalidArgumentError):
            op.resume(state)
        assert not op.active  # a failed resume leaves the object inactive and usable
        op.resume(good)
        op.update(b"a" * 30)
        assert op.finish() == hashlib.sha256(b"a" * 100).digest()
    # Hash algorithms with a defined format psacrypto does not support.
    for alg in (c.ALG_MD2, c.ALG_MD4):
        with pytest.raises(NotSupportedError):
            ctx.HashOperation().resume(alg.to_bytes(4, "big") + bytes(80))
    # Wrong algorithm identifier of the same size class: a valid SHA-224 state.
    op = ctx.HashOperation()
    op.resume(c.ALG_SHA_224.to_bytes(4, "big") + good[4:])
    assert len(op.finish()) == 28


# --------------------------------------------------------------------------------------
# Independent check of the hash_state field: FIPS 180-4 / RFC 1321 from scratch.


def _primes(n: int) -> list[int]:
    out: list[int] = []
    k = 2
    while len(out) < n:
        if all(k % p for p in out):
            out.append(k)
        k += 1
    return out


def _iroot(x: int, k: int) -> int:
    """floor(x ** (1/k)) for big integers."""
    lo, hi = 0, 1 << (x.bit_length() // k + 1)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if mid**k <= x:
            lo = mid
        else:
            hi = mid - 1
    return lo


def _frac_root_words(count: int, k: int, bits: int) -> list[int]:
    """First ``bits`` bits of the fractional part of the k-th root of the first primes."""
    return [_iroot(p << (k * bits), k) & ((1 << bits) - 1) for p in _primes(count)]


class _ShaReference:
    """SHA-256 (w=32) or SHA-512 (w=64) compression, FIPS 180-4 section 6."""

    def __init__(self, w: int) -> None:
        self.w = w
        self.mask = (1 << w) - 1
        self.rounds = 64 if w == 32 else 80
        self.k = _frac_root_words(self.rounds, 3, w)
        self.h0 = _frac_root_words(8, 2, w)
        if w == 32:
            self.sig = ((2, 13, 22), (6, 11, 25), (7, 18, 3), (17, 19, 10))
        else:
            self.sig = ((28, 34, 39), (14, 18, 41), (1, 8, 7), (19, 61, 6))
        self.block = 16 * w // 8

    def _rotr(self, x: int, n: int) -> int:
        return ((x >> n) | (x << (self.w - n))) & self.mask

    def compress(self, h: list[int], block: bytes) -> list[int]:
        wb = self.w // 8
        m = self.mask
        ws = [int.from_bytes(block[i * wb : (i + 1) * wb], "big") for i in range(16)]
        s0r, s1r, g0, g1 = self.sig
        for t in range(16, self.rounds):
            x, y = ws[t - 15], ws[t - 2]
            small0 = self._rotr(x, g0[0]) ^ self._rotr(x, g0[1]) ^ (x >> g0[2])
            small1 = self._rotr(y, g1[0]) ^ self._rotr(y, g1[1]) ^ (y >> g1[2])
            ws.append((small1 + ws[t - 7] + small0 + ws[t - 16]) & m)
        a, b, cc, d, e, f, g, hh = h
        for t in range(self.rounds):
            big1 = self._rotr(e, s1r[0]) ^ self._rotr(e, s1r[1]) ^ self._rotr(e, s1r[2])
            ch = (e & f) ^ (~e & g)
            t1 = (hh + big1 + ch + self.k[t] + ws[t]) & m
            big0 = self._rotr(a, s0r[0]) ^ self._rotr(a, s0r[1]) ^ self._rotr(a, s0r[2])
            maj = (a & b) ^ (a & cc) ^ (b & cc)
            t2 = (big0 + maj) & m
            a, b, cc, d, e, f, g, hh = (t1 + t2) & m, a, b, cc, (d + t1) & m, e, f, g
        return [(x + y) & m for x, y in zip(h, (a, b, cc, d, e, f, g, hh), strict=True)]

    def state_after(self, msg: bytes) -> list[int]:
        h = list(self.h0)
        for i in range(0, len(msg) - len(msg) % self.block, self.block):
            h = self.compress(h, msg[i : i + self.block])
        return h

    def finish_from(self, h: list[int], tail: bytes, total: int) -> bytes:
        """The digest, given the chaining value ``h`` after all whole blocks, the
        remaining bytes ``tail`` and the total message length in bytes."""
        length_bytes = 2 * self.w // 8
        pad = b"\x80" + bytes((-(total + 1 + length_bytes)) % self.block)
        padded = tail + pad + (total * 8).to_bytes(length_bytes, "big")
        for i in range(0, len(padded), self.block):
            h = self.compress(h, padded[i : i + self.block])
        return b"".join(x.to_bytes(self.w // 8, "big") for x in h)

    def digest(self, msg: bytes) -> bytes:
        length_bytes = 2 * self.w // 8
        pad = b"\x80" + bytes((-(len(msg) + 1 + length_bytes)) % self.block)
        padded = msg + pad + (len(msg) * 8).to_bytes(length_bytes, "big")
        return b"".join(x.to_bytes(self.w // 8, "big") for x in self.state_after(padded))


def _md5_reference_state(msg: bytes) -> list[int]:
    """RFC 1321 MD5 chaining value after the whole blocks of ``msg``."""
    shifts = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4
    table = [int(abs(math.sin(i + 1)) * 2**32) & 0xFFFFFFFF for i in range(64)]
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476]
    for off in range(0, len(msg) - len(msg) % 64, 64):
        x = [int.from_bytes(msg[off + 4 * i : off + 4 * i + 4], "little") for i in range(16)]
        a, b, cc, d = h
        for i in range(64):
            if i < 16:
                f, g = (b & cc) | (~b & d), i
            elif i < 32:
                f, g = (d & b) | (~d & cc), (5 * i + 1) % 16
            elif i < 48:
                f, g = b ^ cc ^ d, (3 * i + 5) % 16
            else:
                f, g = cc ^ (b | (~d & 0xFFFFFFFF)), (7 * i) % 16
            f = (f + a + table[i] + x[g]) & 0xFFFFFFFF
            a, d, cc = d, cc, b
            b = (b + (((f << shifts[i]) | (f >> (32 - shifts[i]))) & 0xFFFFFFFF)) & 0xFFFFFFFF
        h = [(p + q) & 0xFFFFFFFF for p, q in zip(h, (a, b, cc, d), strict=True)]
    return h


def _md5_reference_digest(msg: bytes) -> bytes:
    padded = msg + b"\x80" + bytes((-(len(msg) + 9)) % 64) + (len(msg) * 8).to_bytes(8, "little")
    return b"".join(x.to_bytes(4, "little") for x in _md5_reference_state(padded))


def test_reference_implementations_are_right() -> None:
    """The from-scratch references agree with hashlib (so they can judge the state)."""
    for msg in (b"", b"abc", bytes(range(200))):
        assert _ShaReference(32).digest(msg) == hashlib.sha256(msg).digest()
        assert _ShaReference(64).digest(msg) == hashlib.sha512(msg).digest()
        assert _md5_reference_digest(msg) == hashlib.md5(msg).digest()
        ref = _ShaReference(32)
        tail = msg[len(msg) - len(msg) % 64 :]
        assert ref.finish_from(ref.state_after(msg), tail, len(msg)) == hashlib.sha256(msg).digest()


@needs_libcrypto
@pytest.mark.parametrize("n_bytes", [0, 1, 63, 64, 65, 127, 128, 129, 200, 300])
def test_state_bytes_match_independent_computation(ctx: LocalContext, n_bytes: int) -> None:
    msg = bytes((7 * i + 3) % 256 for i in range(n_bytes))
    cases: list[tuple[int, list[int], int, str, int]] = [
        (c.ALG_SHA_256, _ShaReference(32).state_after(msg), 4, "big", 64),
        (c.ALG_SHA_512, _ShaReference(64).state_after(msg), 8, "big", 128),
        (c.ALG_MD5, _md5_reference_state(msg), 4, "little", 64),
    ]
    for alg, words, size, order, block in cases:
        op = ctx.HashOperation()
        op.setup(alg)
        op.update(msg)
        state = op.suspend()
        layout = hash_state.LAYOUTS[alg]
        expected = (
            alg.to_bytes(4, "big")
            + n_bytes.to_bytes(layout.length_field, "big")
            + b"".join(w.to_bytes(size, order) for w in words)  # type: ignore[arg-type]
            + msg[n_bytes - n_bytes % block :]
        )
        assert state == expected


@needs_libcrypto
def test_resume_from_independent_state(ctx: LocalContext) -> None:
    """A state built by hand from the reference (not by suspend) resumes correctly."""
    msg = bytes(range(256)) * 2 + b"partial"
    ref = _ShaReference(32)
    words = ref.state_after(msg)
    state = (
        c.ALG_SHA_256.to_bytes(4, "big")
        + len(msg).to_bytes(8, "big")
        + b"".join(w.to_bytes(4, "big") for w in words)
        + msg[len(msg) - len(msg) % 64 :]
    )
    op = ctx.HashOperation()
    op.resume(state)
    op.update(b" and the rest")
    assert op.finish() == hashlib.sha256(msg + b" and the rest").digest()


@pytest.mark.local_only  # monkeypatches the hash driver of this process
@needs_libcrypto
def test_one_shot_on_libcrypto_context(ctx: LocalContext, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where hashlib lacks an algorithm (RIPEMD-160 without OpenSSL's legacy
    provider), one-shot hashing runs on the libcrypto context instead."""
    monkeypatch.delitem(core_hash.CONSTRUCTORS, c.ALG_RIPEMD160)
    with pytest.raises(NotSupportedError):
        ctx.hash_compute(c.ALG_RIPEMD160, b"abc")
    core_hash._add_stateful(c.ALG_RIPEMD160)
    for entry in _load("hashes/ripemd160/ripevectors.txt"):
        assert ctx.hash_compute(c.ALG_RIPEMD160, _message(entry)) == bytes.fromhex(entry["MD"])
