"""Ascon (NIST SP 800-232) primitives: Ascon-AEAD128 on Wycheproof, Ascon-Hash256,
Ascon-XOF128 and Ascon-CXOF128 on the reference KATs (tests/data/ascon/), and the
streaming interfaces."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import wycheproof

from psacrypto.drivers.software.primitives import ascon

KAT: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent / "data" / "ascon" / "kat.json").read_text()
)


def test_aead128_wycheproof() -> None:
    seen = {"valid": 0, "invalid": 0}
    for case in wycheproof.cases("ascon_sp800_232_aead128_test"):
        key, nonce = case.hexbytes("key"), case.hexbytes("iv")
        aad, msg, ct, tag = (case.hexbytes(f) for f in ("aad", "msg", "ct", "tag"))
        if case.valid:
            assert ascon.aead_encrypt(key, nonce, aad, msg) == (ct, tag), str(case)
            assert ascon.aead_decrypt(key, nonce, aad, ct, tag) == msg, str(case)
        else:
            assert ascon.aead_decrypt(key, nonce, aad, ct, tag) is None, str(case)
        seen[case.result] += 1
    assert seen["valid"] > 100 and seen["invalid"] > 100


def test_aead128_rejects_bad_sizes() -> None:
    with pytest.raises(ValueError):
        ascon.aead_encrypt(bytes(15), bytes(16), b"", b"")
    with pytest.raises(ValueError):
        ascon.aead_encrypt(bytes(16), bytes(12), b"", b"")


@pytest.mark.parametrize("row", KAT["hash256"], ids=lambda r: f"count{r['count']}")
def test_hash256_kat(row: dict[str, Any]) -> None:
    msg = bytes(range(row["msg_len"]))
    assert ascon.hash256(msg).hex() == row["md"]
    h = ascon.AsconHash256()
    for i in range(len(msg)):  # byte by byte
        h.update(msg[i : i + 1])
    assert h.digest().hex() == row["md"]
    assert h.copy().digest() == h.digest()


@pytest.mark.parametrize("row", KAT["xof128"], ids=lambda r: f"count{r['count']}")
def test_xof128_kat(row: dict[str, Any]) -> None:
    msg = bytes(range(row["msg_len"]))
    assert ascon.xof128(msg, 64).hex() == row["md"]
    sponge = ascon.AsconSponge.xof128()
    sponge.update(msg[:3])
    sponge.update(msg[3:])
    out = b"".join(sponge.read(n) for n in (1, 7, 8, 9, 0, 39))
    assert out.hex() == row["md"]


@pytest.mark.parametrize("row", KAT["cxof128"], ids=lambda r: f"count{r['count']}")
def test_cxof128_kat(row: dict[str, Any]) -> None:
    msg, z = bytes.fromhex(row["msg"]), bytes.fromhex(row["z"])
    assert ascon.cxof128(msg, z, 64).hex().upper() == row["md"]


def test_cxof128_customization_limit() -> None:
    ascon.AsconSponge.cxof128(bytes(256))
    with pytest.raises(ValueError):
        ascon.AsconSponge.cxof128(bytes(257))


def test_xof_and_hash_are_distinct_prefix_properties() -> None:
    assert ascon.xof128(b"abc", 16) == ascon.xof128(b"abc", 64)[:16]
    assert ascon.xof128(b"abc", 32) != ascon.hash256(b"abc")
    assert ascon.cxof128(b"abc", b"", 32) != ascon.xof128(b"abc", 32)
    sponge = ascon.AsconSponge.hash256()
    sponge.read(1)
    with pytest.raises(ValueError):
        sponge.update(b"late")


def test_aead128_through_the_api(ctx: Any) -> None:
    """Ascon-AEAD128 as psacrypto serves it (core/aead.py on this primitive):
    Wycheproof single-part, and a multi-part operation."""
    import psacrypto as p

    usage = p.KEY_USAGE_ENCRYPT | p.KEY_USAGE_DECRYPT
    alg = p.ALG_ASCON_AEAD128
    attrs = p.KeyAttributes(type=p.KEY_TYPE_ASCON, usage_flags=usage, algorithm=alg)
    for case in wycheproof.cases("ascon_sp800_232_aead128_test"):
        key = ctx.import_key(attrs, case.hexbytes("key"))
        nonce, aad = case.hexbytes("iv"), case.hexbytes("aad")
        sealed = case.hexbytes("ct") + case.hexbytes("tag")
        if case.valid:
            assert ctx.aead_encrypt(key, alg, nonce, aad, case.hexbytes("msg")) == sealed
            assert ctx.aead_decrypt(key, alg, nonce, aad, sealed) == case.hexbytes("msg")
        else:
            with pytest.raises(p.InvalidSignatureError):
                ctx.aead_decrypt(key, alg, nonce, aad, sealed)
        ctx.destroy_key(key)
    key = ctx.import_key(attrs, bytes(range(16)))
    nonce = bytes(range(16, 32))
    op = ctx.AeadOperation()
    op.encrypt_setup(key, alg)
    op.set_nonce(nonce)
    op.update_ad(b"ad")
    out = op.update(b"hello ") + op.update(b"world")
    ciphertext, tag = op.finish()
    assert out + ciphertext + tag == ctx.aead_encrypt(key, alg, nonce, b"ad", b"hello world")
