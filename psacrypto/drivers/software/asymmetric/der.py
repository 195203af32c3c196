"""A strict DER reader for the two RSA key formats (a SEQUENCE of INTEGERs).

pyca's loaders accept several encodings (PKCS#8, SubjectPublicKeyInfo, BER
leniencies); the import format is exactly one, so it is checked here first:
definite minimal lengths, minimal non-negative INTEGERs, nothing after the end.
"""

from __future__ import annotations

from ....errors import InvalidArgumentError
from ._common import Buffer

_SEQUENCE = 0x30
_INTEGER = 0x02


def _bad(why: str) -> InvalidArgumentError:
    return InvalidArgumentError(f"malformed DER: {why}")


def _read_tlv(data: bytes, pos: int, tag: int) -> tuple[int, int]:
    """Read one element with tag ``tag`` at ``pos``: return (content start, end)."""
    if pos + 2 > len(data):
        raise _bad("truncated")
    if data[pos] != tag:
        raise _bad(f"expected tag 0x{tag:02x}, found 0x{data[pos]:02x}")
    first = data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise _bad("unsupported length form")
        if pos + count > len(data):
            raise _bad("truncated length")
        raw = data[pos : pos + count]
        if raw[0] == 0:
            raise _bad("length with a leading zero")
        length = int.from_bytes(raw, "big")
        if length < 0x80:
            raise _bad("long form for a short length")
        pos += count
    end = pos + length
    if end > len(data):
        raise _bad("truncated content")
    return pos, end


def _read_uint(data: bytes, pos: int) -> tuple[int, int]:
    start, end = _read_tlv(data, pos, _INTEGER)
    content = data[start:end]
    if not content:
        raise _bad("empty INTEGER")
    if content[0] & 0x80:
        raise _bad("negative INTEGER")
    if len(content) > 1 and content[0] == 0 and not content[1] & 0x80:
        raise _bad("INTEGER with a redundant leading zero")
    return int.from_bytes(content, "big"), end


def parse_integer_sequence(data: Buffer, count: int) -> list[int]:
    """The ``count`` non-negative INTEGERs of a DER SEQUENCE filling all of ``data``."""
    raw = bytes(data)
    start, end = _read_tlv(raw, 0, _SEQUENCE)
    if end != len(raw):
        raise _bad("data after the SEQUENCE")
    values: list[int] = []
    pos = start
    for _ in range(count):
        value, pos = _read_uint(raw, pos)
        values.append(value)
    if pos != end:
        raise _bad("unexpected elements in the SEQUENCE")
    return values


def encode_length(n: int) -> bytes:
    if n < 0x80:
        return bytes((n,))
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes((0x80 | len(raw),)) + raw


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes((tag,)) + encode_length(len(content)) + content


def encode_uint(value: int) -> bytes:
    return _tlv(_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def encode_sequence(*elements: bytes) -> bytes:
    return _tlv(_SEQUENCE, b"".join(elements))


def encode_octet_string(content: bytes) -> bytes:
    return _tlv(0x04, content)
