"""The ARIA block cipher (RFC 5794), in pure Python.

pyca/cryptography has no ARIA, so it is implemented here from RFC 5794 and proven on
the RFC's Appendix A vectors and on Wycheproof's ARIA files (tests/test_primitives_aria.py).

Two code paths compute the same function:

* one block at a time, with precomputed tables that fuse each round's substitution layer
  and diffusion layer: a round is 16 table look-ups XORed together, on 128-bit ints;
* many blocks at once ("column-sliced"): byte ``i`` of every block is gathered into one big
  int, the substitution layer becomes ``bytes.translate`` and the diffusion layer becomes
  XORs of those big ints, so the work per round is a fixed number of C-level operations
  whatever the number of blocks.

:meth:`Aria.encrypt_blocks` picks the faster path by the number of blocks. The key
schedule is computed once per :class:`Aria` object; the object is immutable and may be
shared between threads.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import reduce
from operator import xor

from ....errors import InvalidArgumentError

__all__ = ["Aria"]

_MASK128 = (1 << 128) - 1


# --- S-boxes ---------------------------------------------------------------------------


def _gf_mul(a: int, b: int) -> int:
    """Multiply in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1 (the AES field)."""
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= 0x11B
        b >>= 1
    return r


def _gf_pow(a: int, e: int) -> int:
    r = 1
    while e:
        if e & 1:
            r = _gf_mul(r, a)
        a = _gf_mul(a, a)
        e >>= 1
    return r


def _affine(matrix_rows: tuple[int, ...], x: int, constant: int) -> int:
    """Apply an 8x8 GF(2) matrix (row i: bit j set = input bit j feeds output bit i)."""
    out = 0
    for i, row in enumerate(matrix_rows):
        out |= ((row & x).bit_count() & 1) << i
    return out ^ constant


# SB1 is the AES S-box: inversion in GF(2^8) followed by the AES affine map.
# SB2 is x -> B * x^247 + 0xE2, with the matrix B of the ARIA specification.
# Rows are given with bit j = input bit j (least significant bit first).
_AES_ROWS = (0xF1, 0xE3, 0xC7, 0x8F, 0x1F, 0x3E, 0x7C, 0xF8)
_ARIA_B_ROWS = tuple(
    int(row[::-1], 2)
    for row in (
        "01011110",
        "00111101",
        "11010111",
        "10011101",
        "00101100",
        "10000001",
        "01011101",
        "11010011",
    )
)

_SB1 = bytes(_affine(_AES_ROWS, _gf_pow(x, 254), 0x63) for x in range(256))
_SB2 = bytes(_affine(_ARIA_B_ROWS, _gf_pow(x, 247), 0xE2) for x in range(256))


def _inverse(box: bytes) -> bytes:
    inv = bytearray(256)
    for i, v in enumerate(box):
        inv[v] = i
    return bytes(inv)


_SB3 = _inverse(_SB1)
_SB4 = _inverse(_SB2)

# Substitution layers: type 1 (odd rounds) and type 2 (even rounds and the last one).
_SL1 = (_SB1, _SB2, _SB3, _SB4) * 4
_SL2 = (_SB3, _SB4, _SB1, _SB2) * 4

# --- diffusion layer A -----------------------------------------------------------------

# Output byte j of A is the XOR of these input bytes (RFC 5794, section 2.4.3).
_A_ROWS: tuple[tuple[int, ...], ...] = (
    (3, 4, 6, 8, 9, 13, 14),
    (2, 5, 7, 8, 9, 12, 15),
    (1, 4, 6, 10, 11, 12, 15),
    (0, 5, 7, 10, 11, 13, 14),
    (0, 2, 5, 8, 11, 14, 15),
    (1, 3, 4, 9, 10, 14, 15),
    (0, 2, 7, 9, 10, 12, 13),
    (1, 3, 6, 8, 11, 12, 13),
    (0, 1, 4, 7, 10, 13, 15),
    (0, 1, 5, 6, 11, 12, 14),
    (2, 3, 5, 6, 8, 13, 15),
    (2, 3, 4, 7, 9, 12, 14),
    (1, 2, 6, 7, 9, 11, 12),
    (0, 3, 6, 7, 8, 10, 13),
    (0, 3, 4, 5, 9, 11, 14),
    (1, 2, 4, 5, 8, 10, 15),
)

# _A_SPREAD[i]: a 128-bit int with byte value 0x01 in every output byte that input byte i
# feeds; so A(block with only byte i = v) == v * _A_SPREAD[i] (no carries: v < 256).
_A_SPREAD = tuple(sum(1 << (8 * (15 - j)) for j in range(16) if i in _A_ROWS[j]) for i in range(16))


def _diffuse(x: int) -> int:
    """The diffusion layer A on a block held as a big-endian 128-bit int."""
    b = x.to_bytes(16, "big")
    return reduce(xor, (b[i] * _A_SPREAD[i] for i in range(16)), 0)


# Round tables: T[i][v] = A(SL(block with only byte i = v)); a round is XOR_i T[i][b_i].
_Table = tuple[tuple[int, ...], ...]
_T_ODD: _Table = tuple(tuple(_SL1[i][v] * _A_SPREAD[i] for v in range(256)) for i in range(16))
_T_EVEN: _Table = tuple(tuple(_SL2[i][v] * _A_SPREAD[i] for v in range(256)) for i in range(16))
# Last round: substitution layer type 2 without diffusion.
_T_LAST: _Table = tuple(tuple(_SL2[i][v] << (8 * (15 - i)) for v in range(256)) for i in range(16))


def _round(x: int, t: _Table) -> int:
    """One substitution + diffusion layer (used by the key schedule only)."""
    b = x.to_bytes(16, "big")
    return reduce(xor, (t[i][b[i]] for i in range(16)), 0)


# --- key schedule ----------------------------------------------------------------------

_C1 = 0x517CC1B727220A94FE13ABE8FA9A6EE0
_C2 = 0x6DB14ACC9E21C820FF28B1D5EF5DE2B0
_C3 = 0xDB92371D2126E9700324977504E8C90E
_CONSTANTS = {16: (_C1, _C2, _C3), 24: (_C2, _C3, _C1), 32: (_C3, _C1, _C2)}
_ROUNDS = {16: 12, 24: 14, 32: 16}


def _rotr(x: int, n: int) -> int:
    return ((x >> n) | (x << (128 - n))) & _MASK128


def _expand_key(key: bytes) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """Return the encryption and decryption round keys (``rounds + 1`` of each)."""
    ck1, ck2, ck3 = _CONSTANTS[len(key)]
    rounds = _ROUNDS[len(key)]
    kl = int.from_bytes(key[:16], "big")
    kr = int.from_bytes(key[16:].ljust(16, b"\0"), "big")
    w0 = kl
    w1 = _round(w0 ^ ck1, _T_ODD) ^ kr
    w2 = _round(w1 ^ ck2, _T_EVEN) ^ w0
    w3 = _round(w2 ^ ck3, _T_ODD) ^ w1
    ek: list[int] = []
    # Rotations: right by 19, right by 31, left by 61, left by 31.
    for n in (19, 31, 128 - 61, 128 - 31):
        ek += [
            w0 ^ _rotr(w1, n),
            w1 ^ _rotr(w2, n),
            w2 ^ _rotr(w3, n),
            _rotr(w0, n) ^ w3,
        ]
    ek.append(w0 ^ _rotr(w1, 128 - 19))
    ek = ek[: rounds + 1]
    dk = [ek[rounds]] + [_diffuse(ek[rounds - i]) for i in range(1, rounds)] + [ek[0]]
    return tuple(ek), tuple(dk)


# --- one block at a time ---------------------------------------------------------------


def _crypt_table(data: bytes, rk: tuple[int, ...]) -> bytes:
    """ECB over whole blocks, one block at a time with the fused round tables."""
    o0, o1, o2, o3, o4, o5, o6, o7, o8, o9, o10, o11, o12, o13, o14, o15 = _T_ODD
    e0, e1, e2, e3, e4, e5, e6, e7, e8, e9, e10, e11, e12, e13, e14, e15 = _T_EVEN
    f0, f1, f2, f3, f4, f5, f6, f7, f8, f9, f10, f11, f12, f13, f14, f15 = _T_LAST
    n = len(rk) - 1  # number of rounds
    pairs = rk[: n - 2]  # round keys of rounds 1 .. n-2 (odd/even pairs)
    k_odd_last, k_n, k_final = rk[n - 2], rk[n - 1], rk[n]
    out = []
    for off in range(0, len(data), 16):
        x = int.from_bytes(data[off : off + 16], "big")
        for r in range(0, n - 2, 2):
            b = (x ^ pairs[r]).to_bytes(16, "big")
            x = (
                o0[b[0]] ^ o1[b[1]] ^ o2[b[2]] ^ o3[b[3]] ^ o4[b[4]] ^ o5[b[5]]
                ^ o6[b[6]] ^ o7[b[7]] ^ o8[b[8]] ^ o9[b[9]] ^ o10[b[10]] ^ o11[b[11]]
                ^ o12[b[12]] ^ o13[b[13]] ^ o14[b[14]] ^ o15[b[15]]
            )  # fmt: skip
            b = (x ^ pairs[r + 1]).to_bytes(16, "big")
            x = (
                e0[b[0]] ^ e1[b[1]] ^ e2[b[2]] ^ e3[b[3]] ^ e4[b[4]] ^ e5[b[5]]
                ^ e6[b[6]] ^ e7[b[7]] ^ e8[b[8]] ^ e9[b[9]] ^ e10[b[10]] ^ e11[b[11]]
                ^ e12[b[12]] ^ e13[b[13]] ^ e14[b[14]] ^ e15[b[15]]
            )  # fmt: skip
        b = (x ^ k_odd_last).to_bytes(16, "big")
        x = (
            o0[b[0]] ^ o1[b[1]] ^ o2[b[2]] ^ o3[b[3]] ^ o4[b[4]] ^ o5[b[5]]
            ^ o6[b[6]] ^ o7[b[7]] ^ o8[b[8]] ^ o9[b[9]] ^ o10[b[10]] ^ o11[b[11]]
            ^ o12[b[12]] ^ o13[b[13]] ^ o14[b[14]] ^ o15[b[15]]
        )  # fmt: skip
        b = (x ^ k_n).to_bytes(16, "big")
        x = (
            f0[b[0]] ^ f1[b[1]] ^ f2[b[2]] ^ f3[b[3]] ^ f4[b[4]] ^ f5[b[5]]
            ^ f6[b[6]] ^ f7[b[7]] ^ f8[b[8]] ^ f9[b[9]] ^ f10[b[10]] ^ f11[b[11]]
            ^ f12[b[12]] ^ f13[b[13]] ^ f14[b[14]] ^ f15[b[15]]
        ) ^ k_final  # fmt: skip
        out.append(x.to_bytes(16, "big"))
    return b"".join(out)


# --- many blocks at once ---------------------------------------------------------------


def _crypt_sliced(data: bytes, rk: tuple[int, ...]) -> bytes:
    """ECB over whole blocks, all blocks at once in column-sliced form.

    Column ``i`` is the big-endian int whose bytes are byte ``i`` of every block, so the
    per-byte S-boxes act on a column with one ``translate`` and the diffusion layer is
    seven-way XORs of columns.
    """
    count = len(data) // 16
    ones = int.from_bytes(b"\x01" * count, "big")
    cols = [int.from_bytes(data[i::16], "big") for i in range(16)]
    n = len(rk) - 1
    rows = _A_ROWS
    for r in range(n):
        key = rk[r].to_bytes(16, "big")
        boxes = _SL1 if r % 2 == 0 else _SL2
        s = [
            int.from_bytes(
                (cols[i] ^ key[i] * ones).to_bytes(count, "big").translate(boxes[i]), "big"
            )
            for i in range(16)
        ]
        if r == n - 1:
            last = rk[n].to_bytes(16, "big")
            cols = [s[i] ^ last[i] * ones for i in range(16)]
        else:
            cols = [s[a] ^ s[b] ^ s[c] ^ s[d] ^ s[e] ^ s[f] ^ s[g] for a, b, c, d, e, f, g in rows]
    out = bytearray(len(data))
    for i in range(16):
        out[i::16] = cols[i].to_bytes(count, "big")
    return bytes(out)


# Below this many blocks the per-block table path is faster; above this many bytes the
# sliced path works in pieces (bounded memory, no gain from larger pieces).
_SLICED_MIN_BLOCKS = 16
_SLICED_MAX_BYTES = 1 << 20


class Aria:
    """ARIA with one key (16, 24 or 32 bytes): ECB encryption/decryption of whole blocks.

    This object is the :class:`~psacrypto.drivers.software.primitives.modes.BlockCipher`
    for the generic modes: :meth:`encryptor` and :meth:`decryptor` return ECB functions.
    """

    __slots__ = ("_dk", "_ek", "key_size")

    block_size = 16

    def __init__(self, key: bytes | bytearray | memoryview) -> None:
        key = bytes(key)
        if len(key) not in _ROUNDS:
            raise InvalidArgumentError("ARIA keys are 16, 24 or 32 bytes")
        self.key_size = len(key)
        self._ek, self._dk = _expand_key(key)

    @staticmethod
    def _ecb(data: bytes | bytearray | memoryview, rk: tuple[int, ...]) -> bytes:
        data = bytes(data)
        if len(data) % 16:
            raise InvalidArgumentError("ARIA input must be a whole number of 16-byte blocks")
        if len(data) < 16 * _SLICED_MIN_BLOCKS:
            return _crypt_table(data, rk)
        if len(data) <= _SLICED_MAX_BYTES:
            return _crypt_sliced(data, rk)
        step = _SLICED_MAX_BYTES
        return b"".join(_crypt_sliced(data[i : i + step], rk) for i in range(0, len(data), step))

    def encrypt_blocks(self, data: bytes | bytearray | memoryview) -> bytes:
        """Encrypt whole 16-byte blocks independently (ECB)."""
        return self._ecb(data, self._ek)

    def decrypt_blocks(self, data: bytes | bytearray | memoryview) -> bytes:
        """Decrypt whole 16-byte blocks independently (ECB)."""
        return self._ecb(data, self._dk)

    def encrypt_block(self, block: bytes | bytearray | memoryview) -> bytes:
        """Encrypt exactly one 16-byte block."""
        if len(block) != 16:
            raise InvalidArgumentError("an ARIA block is 16 bytes")
        return _crypt_table(bytes(block), self._ek)

    def decrypt_block(self, block: bytes | bytearray | memoryview) -> bytes:
        """Decrypt exactly one 16-byte block."""
        if len(block) != 16:
            raise InvalidArgumentError("an ARIA block is 16 bytes")
        return _crypt_table(bytes(block), self._dk)

    def encryptor(self) -> Callable[[bytes], bytes]:
        """ECB encryption function over whole blocks (stateless, thread-safe)."""
        return self.encrypt_blocks

    def decryptor(self) -> Callable[[bytes], bytes]:
        """ECB decryption function over whole blocks (stateless, thread-safe)."""
        return self.decrypt_blocks
