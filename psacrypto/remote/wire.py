"""The wire protocol: frames, the strict CBOR subset, and the per-call codecs.

A frame is a 16-byte header followed by a CBOR body (docs/protocol.md)::

    offset size  field
    0      2     magic 'P' 'S'
    2      1     protocol version (1)
    3      1     flags: bit 0 = response; other bits zero
    4      4     request id (big-endian; a response echoes its request's)
    8      4     request: opcode (uint32); response: PSA status (int32, 0 = success)
    12     4     body length (uint32), at most the negotiated maximum

The body of a request is a CBOR array of the call's parameters in declaration
order; the body of a success response is a CBOR array of its results. Only the
declared types are accepted: no tags, floats, indefinite lengths, undefined or
simple values other than false/true/null, no nesting deeper than
:data:`MAX_DEPTH`, and every integer and length in its shortest encoding, so
that every value has exactly one encoding.

Everything here is pure and allocation-light: the server and the client both
use it, and a malformed body only ever raises :class:`WireError`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Sequence
from typing import Any

from .. import api
from .. import constants as c
from ..attributes import CustomKeyParameters, KeyAttributes

MAGIC = 0x5053  # b"PS"
VERSION = 1
SUPPORTED_VERSIONS = (1,)
FLAG_RESPONSE = 0x01
HEADER_SIZE = 16

#: The protocol's ceiling on a body; a server may announce a lower limit.
MAX_BODY_HARD = 64 * 1024 * 1024
#: The server's default limit on a body, announced at hello.
DEFAULT_MAX_BODY = 4 * 1024 * 1024
#: Deepest nesting of arrays and maps in any body.
MAX_DEPTH = 6
#: Longest text string (error messages, names) in any body.
MAX_TEXT = 4096

REQUEST_HEADER = struct.Struct(">HBBIII")
RESPONSE_HEADER = struct.Struct(">HBBIiI")
#: magic, version, flags in one big-endian uint32, for a one-comparison check.
REQUEST_LEAD = (MAGIC << 16) | (VERSION << 8)
RESPONSE_LEAD = REQUEST_LEAD | FLAG_RESPONSE
_LEAD = struct.Struct(">IIiI")  # lead word, request id, code, length


class WireError(Exception):
    """A malformed frame or body; ``status`` is the PSA status to answer with."""

    def __init__(self, message: str, status: int = c.ERROR_INVALID_ARGUMENT) -> None:
        super().__init__(message)
        self.status = status


def pack_request(request_id: int, opcode: int, body: bytes) -> bytes:
    return REQUEST_HEADER.pack(MAGIC, VERSION, 0, request_id, opcode, len(body)) + body


def pack_response(request_id: int, status: int, body: bytes) -> bytes:
    return RESPONSE_HEADER.pack(MAGIC, VERSION, FLAG_RESPONSE, request_id, status, len(body)) + body


#: ``unpack_header(data, pos=0) -> (lead, request_id, code, body_length)``
unpack_header: Callable[..., tuple[int, int, int, int]] = _LEAD.unpack_from


def check_lead(lead: int, response: bool) -> None:
    """Raise :class:`WireError` unless ``lead`` is a valid magic/version/flags word."""
    want = RESPONSE_LEAD if response else REQUEST_LEAD
    if lead == want:
        return
    if lead >> 16 != MAGIC:
        raise WireError("bad magic", c.ERROR_COMMUNICATION_FAILURE)
    if (lead >> 8) & 0xFF not in SUPPORTED_VERSIONS:
        raise WireError(f"unsupported protocol version {(lead >> 8) & 0xFF}", c.ERROR_NOT_SUPPORTED)
    raise WireError(f"bad flags 0x{lead & 0xFF:02x}", c.ERROR_COMMUNICATION_FAILURE)


# Encoding ----------------------------------------------------------------------------------

_SMALL_HEADS = [bytes((i,)) for i in range(256)]


def _head(major: int, value: int) -> bytes:
    """The shortest head of a data item (major type ``major``, argument ``value``)."""
    mt = major << 5
    if value < 24:
        return _SMALL_HEADS[mt | value]
    if value < 0x100:
        return bytes((mt | 24, value))
    if value < 0x10000:
        return bytes((mt | 25,)) + value.to_bytes(2, "big")
    if value < 0x100000000:
        return bytes((mt | 26,)) + value.to_bytes(4, "big")
    if value < 0x10000000000000000:
        return bytes((mt | 27,)) + value.to_bytes(8, "big")
    raise WireError("integer out of range")


def enc_uint(value: int) -> bytes:
    if value < 24 and value >= 0:
        return _SMALL_HEADS[value]
    if value < 0:
        raise WireError("negative integer where an unsigned one is required")
    return _head(0, value)


def enc_int(value: int) -> bytes:
    return enc_uint(value) if value >= 0 else _head(1, -1 - value)


#: Sent for an integer argument beyond the 64-bit range: -2**64, out of range for
#: every C type, so the cryptoprocessor rejects it as it would any invalid value.
OUT_OF_RANGE = b"\x3b" + b"\xff" * 8


def enc_param_int(value: int) -> bytes:
    """An integer parameter: any value, passed on to the cryptoprocessor as is."""
    if 0 <= value < 24:
        return _SMALL_HEADS[value]
    if -0x10000000000000000 <= value < 0x10000000000000000:
        return enc_uint(value) if value >= 0 else _head(1, -1 - value)
    if not isinstance(value, int):
        raise TypeError(f"expected an integer, got {type(value).__name__}")
    return OUT_OF_RANGE


def enc_bytes(value: bytes | bytearray | memoryview) -> bytes:
    if value.__class__ is not bytes:
        value = bytes(value)
    n = len(value)
    if n < 24:
        return _SMALL_HEADS[0x40 | n] + value  # type: ignore[operator]
    return _head(2, n) + value  # type: ignore[operator]


def enc_text(value: str) -> bytes:
    raw = value.encode("utf-8")
    return _head(3, len(raw)) + raw


def array_head(n: int) -> bytes:
    return _SMALL_HEADS[0x80 | n] if n < 24 else _head(4, n)


def enc_attributes(a: KeyAttributes) -> bytes:
    return b"".join(
        (
            b"\x86",
            enc_param_int(a.type),
            enc_param_int(a.bits),
            enc_param_int(a.lifetime),
            enc_param_int(a.id),
            enc_param_int(a.usage_flags),
            enc_param_int(a.algorithm),
        )
    )


def enc_custom(p: CustomKeyParameters) -> bytes:
    return b"\x81" + enc_param_int(p.flags)


def enc_cipher_suite(s: Any) -> bytes:
    return (
        b"\x83"
        + enc_param_int(s.algorithm)
        + enc_param_int(s.primitive)
        + enc_param_int(s.key_confirmation)
    )


def encode_any(value: Any) -> bytes:
    """Deterministic encoding of a value of the allowed kinds (maps sorted by key)."""
    if value is None:
        return b"\xf6"
    if value is True:
        return b"\xf5"
    if value is False:
        return b"\xf4"
    if isinstance(value, int):
        return enc_int(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return enc_bytes(value)
    if isinstance(value, str):
        return enc_text(value)
    if isinstance(value, KeyAttributes):
        return enc_attributes(value)
    if isinstance(value, (list, tuple)):
        return array_head(len(value)) + b"".join(encode_any(v) for v in value)
    if isinstance(value, dict):
        items = sorted((enc_text(k), encode_any(v)) for k, v in value.items())
        return _head(5, len(items)) + b"".join(k + v for k, v in items)
    raise TypeError(f"cannot encode {type(value).__name__} on the wire")


def _enc_text_list(values: Sequence[str]) -> bytes:
    return array_head(len(values)) + b"".join(enc_text(v) for v in values)


def _enc_attributes_list(values: Sequence[KeyAttributes]) -> bytes:
    return array_head(len(values)) + b"".join(enc_attributes(v) for v in values)


ENCODERS: dict[str, Callable[[Any], bytes]] = {
    api.KEY_ID: enc_param_int,
    api.ALG: enc_param_int,
    api.USAGE: enc_param_int,
    api.SIZE: enc_param_int,
    api.U8: enc_param_int,
    api.U16: enc_param_int,
    api.U32: enc_param_int,
    api.U64: enc_param_int,
    api.OPERATION: enc_uint,
    api.BYTES: enc_bytes,
    api.ATTRIBUTES: enc_attributes,
    api.CUSTOM: enc_custom,
    api.CIPHER_SUITE: enc_cipher_suite,
    api.MAP: encode_any,
    api.TEXT: enc_text,
    api.TEXT_LIST: _enc_text_list,
    api.ATTRIBUTES_LIST: _enc_attributes_list,
}


# Decoding ----------------------------------------------------------------------------------
# Readers take (buffer, position) and return (value, new position). They never
# read past the end (IndexError/struct.error are turned into WireError by callers).

_INT_FORMATS = {25: struct.Struct(">H"), 26: struct.Struct(">I"), 27: struct.Struct(">Q")}
_MIN_FOR_AI = {24: 24, 25: 0x100, 26: 0x10000, 27: 0x100000000}
_AI_SIZE = {24: 1, 25: 2, 26: 4, 27: 8}


def read_head(buf: bytes, pos: int) -> tuple[int, int, int]:
    """``(major type, argument, new position)``, rejecting every non-preferred form."""
    ib = buf[pos]
    ai = ib & 0x1F
    if ai < 24:
        return ib >> 5, ai, pos + 1
    if ai == 24:
        value = buf[pos + 1]
        end = pos + 2
    elif ai < 28:
        end = pos + 1 + _AI_SIZE[ai]
        if end > len(buf):
            raise WireError("truncated body")
        value = _INT_FORMATS[ai].unpack_from(buf, pos + 1)[0]
    else:
        raise WireError("indefinite length or reserved encoding")
    if value < _MIN_FOR_AI[ai]:
        raise WireError("non-shortest integer or length")
    return ib >> 5, value, end


def _reader_uint(maximum: int) -> Callable[[bytes, int], tuple[int, int]]:
    def read(buf: bytes, pos: int) -> tuple[int, int]:
        ib = buf[pos]
        if ib < 24:
            return ib, pos + 1
        major, value, pos = read_head(buf, pos)
        if major != 0:
            raise WireError("expected an unsigned integer")
        if value > maximum:
            raise WireError("integer out of range")
        return value, pos

    return read


def read_int(buf: bytes, pos: int) -> tuple[int, int]:
    """An integer parameter (major type 0 or 1): the value, unchecked."""
    ib = buf[pos]
    if ib < 24:
        return ib, pos + 1
    major, value, pos = read_head(buf, pos)
    if major == 0:
        return value, pos
    if major == 1:
        return -1 - value, pos
    raise WireError("expected an integer")


def read_bytes(buf: bytes, pos: int) -> tuple[bytes, int]:
    ib = buf[pos]
    if 0x40 <= ib < 0x58:
        end = pos + 1 + ib - 0x40
        pos += 1
    else:
        major, n, pos = read_head(buf, pos)
        if major != 2:
            raise WireError("expected a byte string")
        end = pos + n
    if end > len(buf):
        raise WireError("truncated byte string")
    return buf[pos:end], end


def read_text(buf: bytes, pos: int) -> tuple[str, int]:
    major, n, pos = read_head(buf, pos)
    if major != 3:
        raise WireError("expected a text string")
    end = pos + n
    if end > len(buf) or n > MAX_TEXT:
        raise WireError("truncated or oversized text string")
    try:
        return buf[pos:end].decode("utf-8"), end
    except UnicodeDecodeError:
        raise WireError("invalid UTF-8 in text string") from None


def _read_array_head(buf: bytes, pos: int, n: int) -> int:
    ib = buf[pos]
    if ib != 0x80 | n or n >= 24:
        major, count, pos = read_head(buf, pos)
        if major != 4 or count != n:
            raise WireError(f"expected an array of {n} items")
        return pos
    return pos + 1


_read_u64 = _reader_uint(0xFFFFFFFFFFFFFFFF)


def read_attributes(buf: bytes, pos: int) -> tuple[KeyAttributes, int]:
    pos = _read_array_head(buf, pos, 6)
    key_type, pos = read_int(buf, pos)
    bits, pos = read_int(buf, pos)
    lifetime, pos = read_int(buf, pos)
    key_id, pos = read_int(buf, pos)
    usage, pos = read_int(buf, pos)
    alg, pos = read_int(buf, pos)
    return KeyAttributes(key_type, bits, lifetime, key_id, usage, alg), pos


def read_custom(buf: bytes, pos: int) -> tuple[CustomKeyParameters, int]:
    pos = _read_array_head(buf, pos, 1)
    flags, pos = read_int(buf, pos)
    return CustomKeyParameters(flags), pos


def read_cipher_suite(buf: bytes, pos: int) -> tuple[Any, int]:
    pos = _read_array_head(buf, pos, 3)
    alg, pos = read_int(buf, pos)
    primitive, pos = read_int(buf, pos)
    confirmation, pos = read_int(buf, pos)
    from .. import attributes as attrs_module

    cls = getattr(attrs_module, "PakeCipherSuite", None)
    if cls is None:
        raise WireError("PAKE cipher suites are not supported", c.ERROR_NOT_SUPPORTED)
    suite = cls()
    suite.algorithm = alg
    suite.primitive = primitive
    suite.key_confirmation = confirmation
    return suite, pos


def read_any(buf: bytes, pos: int, depth: int = 0) -> tuple[Any, int]:
    """Any value of the allowed kinds (for maps of the service calls)."""
    if depth > MAX_DEPTH:
        raise WireError("nesting too deep")
    ib = buf[pos]
    major = ib >> 5
    if major == 7:
        if ib == 0xF4:
            return False, pos + 1
        if ib == 0xF5:
            return True, pos + 1
        if ib == 0xF6:
            return None, pos + 1
        raise WireError("floats and simple values are not allowed")
    if major == 6:
        raise WireError("tags are not allowed")
    if major == 2:
        return read_bytes(buf, pos)
    if major == 3:
        return read_text(buf, pos)
    major, arg, pos = read_head(buf, pos)
    if major == 0:
        return arg, pos
    if major == 1:
        return -1 - arg, pos
    if arg > len(buf) - pos:  # every item takes at least one byte
        raise WireError("truncated array or map")
    if major == 4:
        items = []
        for _ in range(arg):
            item, pos = read_any(buf, pos, depth + 1)
            items.append(item)
        return items, pos
    result: dict[str, Any] = {}
    for _ in range(arg):
        key, pos = read_text(buf, pos)
        if key in result:
            raise WireError("duplicate map key")
        result[key], pos = read_any(buf, pos, depth + 1)
    return result, pos


def read_map(buf: bytes, pos: int) -> tuple[dict[str, Any], int]:
    if buf[pos] >> 5 != 5:
        raise WireError("expected a map")
    value, pos = read_any(buf, pos)
    return value, pos  # type: ignore[return-value]


def _read_text_list(buf: bytes, pos: int) -> tuple[list[str], int]:
    major, n, pos = read_head(buf, pos)
    if major != 4 or n > len(buf) - pos:
        raise WireError("expected an array of text strings")
    out = []
    for _ in range(n):
        s, pos = read_text(buf, pos)
        out.append(s)
    return out, pos


def _read_attributes_list(buf: bytes, pos: int) -> tuple[list[KeyAttributes], int]:
    major, n, pos = read_head(buf, pos)
    if major != 4 or n > len(buf) - pos:
        raise WireError("expected an array of key attributes")
    out = []
    for _ in range(n):
        a, pos = read_attributes(buf, pos)
        out.append(a)
    return out, pos


Reader = Callable[[bytes, int], tuple[Any, int]]

READERS: dict[str, Reader] = {
    api.KEY_ID: read_int,
    api.ALG: read_int,
    api.USAGE: read_int,
    api.SIZE: read_int,
    api.U8: read_int,
    api.U16: read_int,
    api.U32: read_int,
    api.U64: read_int,
    api.OPERATION: _read_u64,
    api.BYTES: read_bytes,
    api.ATTRIBUTES: read_attributes,
    api.CUSTOM: read_custom,
    api.CIPHER_SUITE: read_cipher_suite,
    api.MAP: read_map,
    api.TEXT: read_text,
    api.TEXT_LIST: _read_text_list,
    api.ATTRIBUTES_LIST: _read_attributes_list,
}


_U_SMALL = _SMALL_HEADS[:24]
_PACK_B = struct.Struct(">BB").pack
_PACK_H = struct.Struct(">BH").pack
_PACK_I = struct.Struct(">BI").pack
_PACK_Q = struct.Struct(">BQ").pack


def _u(x: int) -> bytes:
    """Fast unsigned integer encoder for generated code."""
    if 0 <= x < 24:
        return _U_SMALL[x]
    if x < 0:
        raise WireError("negative integer where an unsigned one is required")
    if x < 0x100:
        return _PACK_B(24, x)
    if x < 0x10000:
        return _PACK_H(25, x)
    if x < 0x100000000:
        return _PACK_I(26, x)
    if x < 0x10000000000000000:
        return _PACK_Q(27, x)
    raise WireError("integer out of range")


def _b(x: bytes | bytearray | memoryview) -> bytes:
    """Fast byte string encoder for generated code."""
    if x.__class__ is not bytes:
        x = bytes(x)
    n = len(x)
    if n < 24:
        return _SMALL_HEADS[0x40 | n] + x  # type: ignore[operator]
    if n < 0x100:
        return _PACK_B(0x58, n) + x  # type: ignore[operator]
    if n < 0x10000:
        return _PACK_H(0x59, n) + x  # type: ignore[operator]
    return _PACK_I(0x5A, n) + x  # type: ignore[operator]


_INT_TYPES = frozenset(api.INT_MAX)


def _rarr(buf: bytes, pos: int, n: int) -> int:
    return _read_array_head(buf, pos, n)


def _ruint(buf: bytes, pos: int, maximum: int) -> tuple[int, int]:
    major, value, pos = read_head(buf, pos)
    if major != 0:
        raise WireError("expected an unsigned integer")
    if value > maximum:
        raise WireError("integer out of range")
    return value, pos


#: Names visible to generated encoders and decoders.
CODEGEN_NS: dict[str, Any] = {
    "_u": _u,
    "_b": _b,
    "_rarr": _rarr,
    "_ruint": _ruint,
    "_rint": read_int,
    "_i": enc_param_int,
    "_rbytes": read_bytes,
    "WireError": WireError,
    "_struct_error": struct.error,
    "_unpack_u32": struct.Struct(">I").unpack_from,
}
for _t, _enc in ENCODERS.items():
    CODEGEN_NS["_E_" + _t] = _enc
for _t, _read in READERS.items():
    CODEGEN_NS["_R_" + _t] = _read


def encode_expr(wire_type: str, var: str) -> str:
    """A Python expression encoding variable ``var`` of ``wire_type`` (for codegen)."""
    if wire_type in _INT_TYPES:
        return f"_i({var})"
    if wire_type == api.OPERATION:
        return f"_u({var})"
    if wire_type == api.BYTES:
        return f"_b({var})"
    return f"_E_{wire_type}({var})"


def _compile(src: str, name: str) -> Any:
    ns = dict(CODEGEN_NS)
    exec(compile(src, f"<psacrypto.remote.wire {name}>", "exec"), ns)
    return ns[name]


def make_decoder(types: Sequence[str]) -> Callable[[bytes, int], list[Any]]:
    """A function ``decode(buf, start)`` reading ``buf[start:]`` as the array of ``types``.

    The function is generated (one straight-line body per call signature): small
    integers and short byte strings are read inline, everything else by the
    readers above. Any malformation raises :class:`WireError`.
    """
    n = len(types)
    lines = ["def decode(b, p):", "    n = len(b)", "    try:"]
    if n < 24:
        lines += [f"        if b[p] == {0x80 | n}:", "            p += 1", "        else:"]
        lines += [f"            p = _rarr(b, p, {n})"]
    else:
        lines += [f"        p = _rarr(b, p, {n})"]
    for i, t in enumerate(types):
        v = f"a{i}"
        if t in _INT_TYPES or t == api.OPERATION:
            lines += [
                "        ib = b[p]",
                "        if ib < 24:",
                f"            {v} = ib",
                "            p += 1",
                "        elif ib == 0x1A and p + 5 <= n:",  # the common 4-byte case inline
                f"            {v} = _unpack_u32(b, p + 1)[0]",
                f"            if {v} < 0x10000:",
                "                raise WireError('non-shortest integer')",
                "            p += 5",
                "        else:",
                f"            {v}, p = _ruint(b, p, {0xFFFFFFFFFFFFFFFF})"
                if t == api.OPERATION
                else f"            {v}, p = _rint(b, p)",
            ]
        elif t == api.BYTES:
            lines += [
                "        ib = b[p]",
                "        if 0x40 <= ib < 0x58:",
                "            e = p + ib - 0x3F",
                "            if e > n:",
                "                raise WireError('truncated byte string')",
                f"            {v} = b[p + 1 : e]",
                "            p = e",
                "        elif ib == 0x58:",
                "            e = p + 2 + b[p + 1]",
                "            if e > n or b[p + 1] < 24:",
                "                raise WireError('truncated or non-shortest byte string')",
                f"            {v} = b[p + 2 : e]",
                "            p = e",
                "        else:",
                f"            {v}, p = _rbytes(b, p)",
            ]
        else:
            lines += [f"        {v}, p = _R_{t}(b, p)"]
    lines += [
        "    except (IndexError, _struct_error):",
        "        raise WireError('truncated body') from None",
        "    if p != n:",
        "        raise WireError('trailing bytes after the body')",
        "    return [" + ", ".join(f"a{i}" for i in range(n)) + "]",
    ]
    return _compile("\n".join(lines) + "\n", "decode")  # type: ignore[no-any-return]


def make_encoder(types: Sequence[str]) -> Callable[[Sequence[Any]], bytes]:
    """A function encoding a sequence of values of ``types`` as a CBOR array."""
    head = array_head(len(types))
    parts = [repr(head)] + [encode_expr(t, f"v[{i}]") for i, t in enumerate(types)]
    src = "def encode(v):\n    return " + " + ".join(parts) + "\n"
    return _compile(src, "encode")  # type: ignore[no-any-return]


def make_single_encoder(wire_type: str) -> Callable[[Any], bytes]:
    """Encoding of a one-item array from the bare value (a call's only result)."""
    src = f"def encode(x):\n    return {array_head(1)!r} + {encode_expr(wire_type, 'x')}\n"
    return _compile(src, "encode")  # type: ignore[no-any-return]


def encode_error_body(message: str) -> bytes:
    """The body of an error response: a short text string."""
    raw = message.encode("utf-8", "replace")[:256]
    return enc_text(raw.decode("utf-8", "ignore"))


def decode_error_body(body: bytes) -> str | None:
    if not body:
        return None
    try:
        text, pos = read_text(body, 0)
    except (WireError, IndexError, struct.error):
        return None
    return text if pos == len(body) else None
