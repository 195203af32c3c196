"""ARIA (RFC 5794) on the RFC's vectors; the two code paths against each other.

The ARIA modes (CBC, GCM, CCM, CMAC) are proven on Wycheproof in test_primitives_modes.py.
"""

from __future__ import annotations

import os
import random

import pytest

from psacrypto.drivers.software.primitives import aria as aria_module
from psacrypto.drivers.software.primitives.aria import Aria
from psacrypto.errors import InvalidArgumentError

# RFC 5794, Appendix A: key 00 01 02 ..., plaintext 00 11 22 ... ff.
RFC5794_PLAINTEXT = bytes.fromhex("00112233445566778899aabbccddeeff")
RFC5794_VECTORS = [
    (16, "d718fbd6ab644c739da95f3be6451778"),  # A.1, 128-bit key
    (24, "26449c1805dbe7aa25a468ce263a9e79"),  # A.2, 192-bit key
    (32, "f92bd7c79fb72e2f2b8f80c1972d24fc"),  # A.3, 256-bit key
]


@pytest.mark.parametrize(("key_size", "ciphertext"), RFC5794_VECTORS)
def test_rfc5794_appendix_a(key_size: int, ciphertext: str) -> None:
    cipher = Aria(bytes(range(key_size)))
    expected = bytes.fromhex(ciphertext)
    assert cipher.encrypt_block(RFC5794_PLAINTEXT) == expected
    assert cipher.decrypt_block(expected) == RFC5794_PLAINTEXT
    assert cipher.encrypt_blocks(RFC5794_PLAINTEXT) == expected
    assert cipher.decrypt_blocks(expected) == RFC5794_PLAINTEXT
    # Bytes-like inputs are accepted.
    assert Aria(bytearray(range(key_size))).encrypt_block(memoryview(RFC5794_PLAINTEXT)) == expected


@pytest.mark.parametrize("key_size", [16, 24, 32])
def test_rfc5794_vector_in_the_sliced_path(key_size: int) -> None:
    # The many-blocks path must give the RFC answer in every block position.
    count = 2 * aria_module._SLICED_MIN_BLOCKS + 3
    expected = dict((k, bytes.fromhex(c)) for k, c in RFC5794_VECTORS)[key_size]
    cipher = Aria(bytes(range(key_size)))
    assert cipher.encrypt_blocks(RFC5794_PLAINTEXT * count) == expected * count
    assert cipher.decrypt_blocks(expected * count) == RFC5794_PLAINTEXT * count


@pytest.mark.parametrize("key_size", [16, 24, 32])
def test_table_and_sliced_paths_agree(key_size: int) -> None:
    rng = random.Random(key_size)
    cipher = Aria(rng.randbytes(key_size))
    for count in (1, 2, 5, 15, 16, 17, 40):
        data = rng.randbytes(16 * count)
        for rk in (cipher._ek, cipher._dk):
            table = aria_module._crypt_table(data, rk)
            assert aria_module._crypt_sliced(data, rk) == table
        assert cipher.decrypt_blocks(cipher.encrypt_blocks(data)) == data


def test_round_trip_random_keys() -> None:
    for key_size in (16, 24, 32):
        for _ in range(5):
            cipher = Aria(os.urandom(key_size))
            block = os.urandom(16)
            assert cipher.decrypt_block(cipher.encrypt_block(block)) == block


@pytest.mark.parametrize("key_size", [0, 8, 15, 17, 20, 31, 33, 64])
def test_bad_key_sizes(key_size: int) -> None:
    with pytest.raises(InvalidArgumentError):
        Aria(bytes(key_size))


def test_bad_block_sizes() -> None:
    cipher = Aria(bytes(16))
    for size in (0, 15, 17, 32):
        with pytest.raises(InvalidArgumentError):
            cipher.encrypt_block(bytes(size))
        with pytest.raises(InvalidArgumentError):
            cipher.decrypt_block(bytes(size))
    for size in (1, 15, 17, 33):
        with pytest.raises(InvalidArgumentError):
            cipher.encrypt_blocks(bytes(size))
    assert cipher.encrypt_blocks(b"") == b""


def test_s_boxes() -> None:
    # SB1 is the AES S-box and SB3 its inverse; SB2 starts as in RFC 5794 section 2.4.2.
    assert aria_module._SB1[:4] == bytes.fromhex("637c777b")
    assert aria_module._SB1[0x53] == 0xED
    assert aria_module._SB2[:16] == bytes.fromhex("e24e54fc94c24acc620d6a463c4d8bd1")
    for box, inverse in (
        (aria_module._SB1, aria_module._SB3),
        (aria_module._SB2, aria_module._SB4),
    ):
        assert bytes(inverse[v] for v in box) == bytes(range(256))


def test_long_input_in_pieces() -> None:
    # Past _SLICED_MAX_BYTES the sliced path works piece by piece.
    rng = random.Random(5794)
    cipher = Aria(rng.randbytes(16))
    data = rng.randbytes(aria_module._SLICED_MAX_BYTES + 48)
    out = cipher.encrypt_blocks(data)
    for off in (0, 16 * 12345, aria_module._SLICED_MAX_BYTES - 16, len(data) - 16):
        assert out[off : off + 16] == cipher.encrypt_block(data[off : off + 16])
