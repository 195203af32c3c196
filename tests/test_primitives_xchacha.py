"""HChaCha20, XChaCha20(-Poly1305) and the ChaCha20 IV variants.

Proven on draft-irtf-cfrg-xchacha-03 (2.2.1, A.3.1, A.3.2), RFC 8439 (2.4.2, 2.8.2 and,
from the cryptography_vectors package when installed, A.2), and Wycheproof's
xchacha20_poly1305 and chacha20_poly1305 files (single-part and multi-part).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import wycheproof
from cryptography.hazmat.primitives.ciphers import Cipher
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.ciphers.algorithms import ChaCha20

from psacrypto.drivers.software.primitives.xchacha import (
    ChaCha20Poly1305Operation,
    XChaCha20Poly1305,
    chacha20_stream,
    hchacha20,
    xchacha20_stream,
)
from psacrypto.errors import BadStateError, InvalidArgumentError, InvalidSignatureError

SUNSCREEN = (
    b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip for "
    b"the future, sunscreen would be it."
)
DHOLE = (
    b'The dhole (pronounced "dole") is also known as the Asiatic wild dog, red dog, and '
    b"whistling dog. It is about the size of a German shepherd but looks more like a "
    b"long-legged fox. This highly elusive and skilled jumper is classified with wolves, "
    b"coyotes, jackals, and foxes in the taxonomic family Canidae."
)
KEY_80 = bytes(range(0x80, 0xA0))


def split(data: bytes, rng: random.Random) -> Iterator[bytes]:
    pos = 0
    while pos < len(data):
        n = rng.choice((0, 1, 5, 16, 63, 64, 65, 130))
        yield data[pos : pos + n]
        pos += n


# --- draft-irtf-cfrg-xchacha-03 -------------------------------------------------------


def test_hchacha20_draft_2_2_1() -> None:
    nonce = bytes.fromhex("000000090000004a0000000031415927")
    expected = "82413b4227b27bfed30e42508a877d73a0f9e4d58a74a853c12ec41326d3ecdc"
    assert hchacha20(bytes(range(32)), nonce).hex() == expected


def test_xchacha20_poly1305_draft_a_3_1() -> None:
    nonce = bytes(range(0x40, 0x58))
    aad = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
    ct = bytes.fromhex(
        "bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c21396cbb"
        "731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216cb96b72e1213b452"
        "2f8c9ba40db5d945b11b69b982c1bb9e3f3fac2bc369488f76b2383565d3fff9"
        "21f9664c97637da9768812f615c68b13b52e"
    )
    tag = bytes.fromhex("c0875924c1c7987947deafd8780acf49")
    aead = XChaCha20Poly1305(KEY_80)
    assert aead.encrypt(nonce, SUNSCREEN, aad) == ct + tag
    assert aead.decrypt(nonce, ct + tag, aad) == SUNSCREEN
    op = ChaCha20Poly1305Operation(KEY_80, nonce, True)
    op.update_ad(aad[:5])
    op.update_ad(aad[5:])
    assert op.update(SUNSCREEN[:17]) + op.update(SUNSCREEN[17:]) == ct
    assert op.finish() == tag


def test_xchacha20_draft_a_3_2() -> None:
    # Key 80..9f, nonce 40..55 58, block counter 1 (the 32-byte IV form: counter || nonce).
    nonce = bytes.fromhex("404142434445464748494a4b4c4d4e4f5051525354555658")
    expected = bytes.fromhex(
        "7d0a2e6b7f7c65a236542630294e063b7ab9b555a5d5149aa21e4ae1e4fbce87"
        "ecc8e08a8b5e350abe622b2ffa617b202cfad72032a3037e76ffdcdc4376ee05"
        "3a190d7e46ca1de04144850381b9cb29f051915386b8a710b8ac4d027b8b050f"
        "7cba5854e028d564e453b8a968824173fc16488b8970cac828f11ae53cabd201"
        "12f87107df24ee6183d2274fe4c8b1485534ef2c5fbc1ec24bfc3663efaa08bc"
        "047d29d25043532db8391a8a3d776bf4372a6955827ccb0cdd4af403a7ce4c63"
        "d595c75a43e045f0cce1f29c8b93bd65afc5974922f214a40b7c402cdb91ae73"
        "c0b63615cdad0480680f16515a7ace9d39236464328a37743ffc28f4ddb324f4"
        "d0f5bbdc270c65b1749a6efff1fbaa09536175ccd29fb9e6057b307320d31683"
        "8a9c71f70b5b5907a66f7ea49aadc409"
    )
    iv = (1).to_bytes(8, "little") + nonce
    assert xchacha20_stream(KEY_80, iv).update(DHOLE) == expected
    # Counter 0 (the 24-byte IV form): its second block onwards is the same keystream.
    rng = random.Random(3)
    cipher = xchacha20_stream(KEY_80, nonce)
    out = b"".join(cipher.update(part) for part in split(bytes(64) + DHOLE, rng))
    assert out[64:] == expected
    assert cipher.finish() == b""


# --- RFC 8439 -------------------------------------------------------------------------


def test_chacha20_rfc8439_2_4_2() -> None:
    nonce = bytes.fromhex("000000000000004a00000000")
    expected = bytes.fromhex(
        "6e2e359a2568f98041ba0728dd0d6981e97e7aec1d4360c20a27afccfd9fae0b"
        "f91b65c5524733ab8f593dabcd62b3571639d624e65152ab8f530c359f0861d8"
        "07ca0dbf500d6a6156a38e088a22b65e52bc514d16ccf806818ce91ab7793736"
        "5af90bbf74a35be6b40b8eedf2785e42874d"
    )
    key = bytes(range(32))
    # 16-byte IV: 4-byte little-endian counter (1) then the 12-byte nonce.
    assert chacha20_stream(key, b"\1\0\0\0" + nonce).update(SUNSCREEN) == expected
    # 12-byte IV: counter 0, so the message starts one block later.
    assert chacha20_stream(key, nonce).update(bytes(64) + SUNSCREEN)[64:] == expected


def test_chacha20_poly1305_rfc8439_2_8_2_multi_part() -> None:
    nonce = bytes.fromhex("070000004041424344454647")
    aad = bytes.fromhex("50515253c0c1c2c3c4c5c6c7")
    tag = bytes.fromhex("1ae10b594f09e26a7e902ecbd0600691")
    sealed = ChaCha20Poly1305(KEY_80).encrypt(nonce, SUNSCREEN, aad)
    assert sealed[-16:] == tag
    op = ChaCha20Poly1305Operation(KEY_80, nonce, True)
    op.update_ad(aad)
    assert op.update(SUNSCREEN) == sealed[:-16]
    assert op.finish() == tag
    op = ChaCha20Poly1305Operation(KEY_80, nonce, False)
    op.update_ad(aad)
    assert op.update(sealed[:-16]) == SUNSCREEN
    op.verify(tag)


def _vectors_file(*parts: str) -> Path:
    module = pytest.importorskip("cryptography_vectors")
    return Path(module.__file__).parent.joinpath(*parts)


def test_chacha20_rfc8439_a_2() -> None:
    records: list[dict[str, str]] = []
    for line in _vectors_file("ciphers", "ChaCha20", "rfc7539.txt").read_text().splitlines():
        if line.startswith("COUNT"):
            records.append({})
        elif " = " in line and records:
            k, v = line.split(" = ", 1)
            records[-1][k.strip()] = v.strip()
    assert len(records) == 3
    for r in records:
        key, nonce = bytes.fromhex(r["KEY"]), bytes.fromhex(r["NONCE"])
        counter = int(r["INITIAL_BLOCK_COUNTER"]).to_bytes(4, "little")
        pt, ct = bytes.fromhex(r["PLAINTEXT"]), bytes.fromhex(r["CIPHERTEXT"])
        assert chacha20_stream(key, counter + nonce).update(pt) == ct


# --- Wycheproof -----------------------------------------------------------------------


@pytest.mark.parametrize("file", ["xchacha20_poly1305_test", "chacha20_poly1305_test"])
def test_wycheproof(file: str) -> None:
    rng = random.Random(file)
    failures = []
    count = 0
    for case in wycheproof.cases(file):
        count += 1
        key, iv, aad = case.hexbytes("key"), case.hexbytes("iv"), case.hexbytes("aad")
        msg, ct, tag = case.hexbytes("msg"), case.hexbytes("ct"), case.hexbytes("tag")
        try:
            if file.startswith("x"):
                aead = XChaCha20Poly1305(key)
                plaintext = aead.decrypt(iv, ct + tag, aad)
                if aead.encrypt(iv, msg, aad) != ct + tag:
                    failures.append(f"{case}: single-part encrypt")
            else:
                plaintext = b""
            # Multi-part decryption in random parts.
            op = ChaCha20Poly1305Operation(key, iv, False)
            for part in split(aad, rng):
                op.update_ad(part)
            multi = b"".join(op.update(part) for part in split(ct, rng))
            op.verify(tag)
        except (InvalidArgumentError, InvalidSignatureError):
            if case.valid:
                failures.append(f"{case}: rejected")
            continue
        if not case.valid:
            failures.append(f"{case}: accepted")
            continue
        if multi != msg or (file.startswith("x") and plaintext != msg):
            failures.append(f"{case}: plaintext")
        op = ChaCha20Poly1305Operation(key, iv, True)
        op.update_ad(aad)
        if b"".join(op.update(part) for part in split(msg, rng)) != ct or op.finish() != tag:
            failures.append(f"{case}: multi-part encrypt")
    assert not failures, "\n".join(failures[:20])
    assert count > 300


# --- IV variants, limits and errors ---------------------------------------------------


def test_chacha20_eight_byte_iv_is_the_original_variant() -> None:
    # Original ChaCha20: words 12-13 a 64-bit counter, words 14-15 the 64-bit nonce. While
    # the counter is below 2**32 this is RFC 8439 with the nonce 00000000 || iv.
    rng = random.Random(8)
    key, iv = rng.randbytes(32), rng.randbytes(8)
    data = rng.randbytes(1000)
    assert chacha20_stream(key, iv).update(data) == chacha20_stream(key, bytes(4) + iv).update(data)
    # And the counter carries from word 12 into word 13 (the 64-bit counter).
    ks = Cipher(ChaCha20(key, b"\xff\xff\xff\xff\0\0\0\0" + iv), None).encryptor()
    second = ks.update(bytes(128))[64:]
    direct = Cipher(ChaCha20(key, b"\0\0\0\0\1\0\0\0" + iv), None).encryptor().update(bytes(64))
    assert second == direct


def test_chacha20_32_bit_counter_does_not_wrap() -> None:
    key = bytes(32)
    cipher = chacha20_stream(key, b"\xff\xff\xff\xff" + bytes(12))
    cipher.update(bytes(60))
    cipher.update(bytes(4))  # the last block of the counter space
    with pytest.raises(InvalidArgumentError):
        cipher.update(b"\0")


def test_xchacha20_stream_iv_forms_agree() -> None:
    rng = random.Random(24)
    key, nonce = rng.randbytes(32), rng.randbytes(24)
    data = rng.randbytes(64 * 5)
    full = xchacha20_stream(key, nonce).update(data)
    later = xchacha20_stream(key, (3).to_bytes(8, "little") + nonce).update(data[192:])
    assert later == full[192:]
    # Decryption is encryption.
    assert xchacha20_stream(key, nonce).update(full) == data


def test_iv_and_key_sizes() -> None:
    for size in (0, 7, 9, 11, 13, 15, 17, 24, 32):
        with pytest.raises(InvalidArgumentError):
            chacha20_stream(bytes(32), bytes(size))
    for size in (0, 8, 12, 16, 23, 25, 31, 33):
        with pytest.raises(InvalidArgumentError):
            xchacha20_stream(bytes(32), bytes(size))
    for size in (0, 16, 31, 33):
        with pytest.raises(InvalidArgumentError):
            chacha20_stream(bytes(size), bytes(12))
        with pytest.raises(InvalidArgumentError):
            XChaCha20Poly1305(bytes(size))
    with pytest.raises(InvalidArgumentError):
        hchacha20(bytes(32), bytes(12))
    aead = XChaCha20Poly1305(bytes(32))
    for size in (0, 8, 12, 23, 25):
        with pytest.raises(InvalidArgumentError):
            aead.encrypt(bytes(size), b"", b"")
    for size in (0, 8, 16, 23, 25):  # 12: ChaCha20-Poly1305, 24: XChaCha20-Poly1305
        with pytest.raises(InvalidArgumentError):
            ChaCha20Poly1305Operation(bytes(32), bytes(size), True)
    with pytest.raises(InvalidArgumentError):
        aead.decrypt(bytes(24), bytes(15), b"")


def test_tag_mismatch_and_states() -> None:
    aead = XChaCha20Poly1305(bytes(32))
    sealed = aead.encrypt(bytes(24), b"hello", b"ad")
    with pytest.raises(InvalidSignatureError):
        aead.decrypt(bytes(24), sealed[:-1] + bytes([sealed[-1] ^ 1]), b"ad")
    op = ChaCha20Poly1305Operation(bytes(32), bytes(24), False)
    op.update_ad(b"ad")
    op.update(sealed[:-16])
    with pytest.raises(InvalidSignatureError):
        op.verify(sealed[-16:-1])
    op = ChaCha20Poly1305Operation(bytes(32), bytes(12), True)
    op.update(b"x")
    with pytest.raises(BadStateError):
        op.update_ad(b"late")
    with pytest.raises(BadStateError):
        op.verify(bytes(16))
    with pytest.raises(BadStateError):
        ChaCha20Poly1305Operation(bytes(32), bytes(12), False).finish()
