"""LMS and HSS signature verification (RFC 8554), written from the RFC.

Verification only, as the spec defines for these stateful schemes (public keys,
``verify_message``, multi-part verification). Verification handles public data
only, so the pure-Python implementation has no secret to leak.

Parameter sets: the RFC 8554 ones, SHA-256 with n = m = 32 (LM-OTS W1, W2, W4,
W8; LMS heights 5 to 25; ``key_bits`` 256). They are proven on the RFC 8554
Appendix F test cases (HSS with two levels: LMS H5 and H10 trees, LM-OTS W8 and
W4), from which tests/test_pqc_lms.py also extracts single-level LMS cases. The
SHA-256/192 and SHAKE256 sets of SP 800-208 / RFC 9858 are
``NotSupportedError``: no known-answer vectors for them are available here.

Formats (RFC 8554 §3): ``lms_public_key`` = u32 type || u32 otstype || I[16] ||
T[1][m]; ``hss_public_key`` = u32 L || lms_public_key; signatures as the RFC.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from ....errors import InvalidArgumentError, InvalidSignatureError, NotSupportedError

_D_PBLC = b"\x80\x80"
_D_MESG = b"\x81\x81"
_D_LEAF = b"\x82\x82"
_D_INTR = b"\x83\x83"

MAX_HSS_LEVELS = 8


class OtsParams(NamedTuple):
    n: int
    w: int
    p: int
    ls: int


class LmsParams(NamedTuple):
    m: int
    h: int


def _ots_params(n: int, w: int) -> OtsParams:
    """p and ls from n and w, by RFC 8554 Appendix B."""
    u = -(-8 * n // w)
    v = -(-(((2**w - 1) * u).bit_length()) // w)
    return OtsParams(n, w, u + v, 16 - v * w)


#: LM-OTS typecodes (RFC 8554 Table 1): SHA-256, n = 32.
OTS_TYPES: dict[int, OtsParams] = {
    1: _ots_params(32, 1),
    2: _ots_params(32, 2),
    3: _ots_params(32, 4),
    4: _ots_params(32, 8),
}
#: LMS typecodes (RFC 8554 Table 2): SHA-256, m = 32.
LMS_TYPES: dict[int, LmsParams] = {
    5: LmsParams(32, 5),
    6: LmsParams(32, 10),
    7: LmsParams(32, 15),
    8: LmsParams(32, 20),
    9: LmsParams(32, 25),
}


def _u32(data: bytes, offset: int) -> int:
    if offset + 4 > len(data):
        raise ValueError("truncated")
    return int.from_bytes(data[offset : offset + 4], "big")


def _h(*parts: bytes) -> bytes:
    h = hashlib.sha256()
    for part in parts:
        h.update(part)
    return h.digest()


# ---------------------------------------------------------------- keys


def lms_public_key_params(data: bytes) -> tuple[LmsParams, OtsParams]:
    """The parameter sets of an ``lms_public_key``; the spec's errors otherwise."""
    if len(data) < 8:
        raise InvalidArgumentError("an LMS public key is at least 8 bytes")
    lms_type, ots_type = _u32(data, 0), _u32(data, 4)
    lms, ots = LMS_TYPES.get(lms_type), OTS_TYPES.get(ots_type)
    if lms is None or ots is None:
        raise NotSupportedError(f"LMS parameter set 0x{lms_type:x}/0x{ots_type:x} is not supported")
    if len(data) != 24 + lms.m:
        raise InvalidArgumentError("the LMS public key has the wrong length")
    return lms, ots


def import_lms(bits: int, data: bytes) -> tuple[int, bytes]:
    lms, _ = lms_public_key_params(data)
    if bits and bits != lms.m * 8:
        raise InvalidArgumentError(f"this LMS key has {lms.m * 8} bits")
    return lms.m * 8, bytes(data)


def import_hss(bits: int, data: bytes) -> tuple[int, bytes]:
    if len(data) < 4:
        raise InvalidArgumentError("an HSS public key is at least 4 bytes")
    levels = _u32(data, 0)
    if not 1 <= levels <= MAX_HSS_LEVELS:
        raise InvalidArgumentError("an HSS key has 1 to 8 levels")
    actual, _ = import_lms(bits, data[4:])
    return actual, bytes(data)


# ---------------------------------------------------------------- verification


def _coef(s: bytes, i: int, w: int) -> int:
    return ((1 << w) - 1) & (s[i * w // 8] >> (8 - (w * (i % (8 // w)) + w)))


def _checksum(q: bytes, ots: OtsParams) -> bytes:
    total = sum((1 << ots.w) - 1 - _coef(q, i, ots.w) for i in range(ots.n * 8 // ots.w))
    return (total << ots.ls).to_bytes(2, "big")


def _ots_candidate(
    ident: bytes, q: int, sig: bytes, message: bytes, expected_type: int
) -> tuple[bytes, int]:
    """Algorithm 4b: the candidate LM-OTS public key and the length of ``sig`` used."""
    ots_type = _u32(sig, 0)
    if ots_type != expected_type:
        raise ValueError("LM-OTS type mismatch")
    ots = OTS_TYPES[ots_type]
    n, p = ots.n, ots.p
    end = 4 + n * (p + 1)
    if len(sig) < end:
        raise ValueError("truncated LM-OTS signature")
    c = sig[4 : 4 + n]
    qb = q.to_bytes(4, "big")
    digest = _h(ident, qb, _D_MESG, c, message)
    coefs = digest + _checksum(digest, ots)
    top = 2**ots.w - 1
    z = []
    for i in range(p):
        a = _coef(coefs, i, ots.w)
        tmp = sig[4 + n * (i + 1) : 4 + n * (i + 2)]
        prefix = ident + qb + i.to_bytes(2, "big")
        for j in range(a, top):
            tmp = _h(prefix, bytes([j]), tmp)
        z.append(tmp)
    return _h(ident, qb, _D_PBLC, *z), end


def _lms_verify(public: bytes, message: bytes, sig: bytes) -> int:
    """RFC 8554 Algorithm 6; returns the signature length consumed; raises
    ValueError if the signature is malformed or wrong."""
    lms_type, ots_type = _u32(public, 0), _u32(public, 4)
    lms = LMS_TYPES[lms_type]
    ident, root = public[8:24], public[24:]
    q = _u32(sig, 0)
    candidate, ots_len = _ots_candidate(ident, q, sig[4:], message, ots_type)
    offset = 4 + ots_len
    if _u32(sig, offset) != lms_type:
        raise ValueError("LMS type mismatch")
    offset += 4
    end = offset + lms.h * lms.m
    if len(sig) < end or q >= 2**lms.h:
        raise ValueError("bad LMS signature")
    node = 2**lms.h + q
    tmp = _h(ident, node.to_bytes(4, "big"), _D_LEAF, candidate)
    for i in range(lms.h):
        sibling = sig[offset + i * lms.m : offset + (i + 1) * lms.m]
        parent = (node // 2).to_bytes(4, "big")
        if node % 2:
            tmp = _h(ident, parent, _D_INTR, sibling, tmp)
        else:
            tmp = _h(ident, parent, _D_INTR, tmp, sibling)
        node //= 2
    if tmp != root:
        raise ValueError("LMS root mismatch")
    return end


def _public_length(data: bytes, offset: int) -> int:
    lms = LMS_TYPES.get(_u32(data, offset))
    if lms is None or OTS_TYPES.get(_u32(data, offset + 4)) is None:
        raise ValueError("unsupported LMS parameter set in the signature")
    return 24 + lms.m


def verify_lms(public: bytes, message: bytes, signature: bytes) -> None:
    """``InvalidSignatureError`` unless ``signature`` is an LMS signature of ``message``."""
    try:
        used = _lms_verify(public, bytes(message), bytes(signature))
    except (ValueError, KeyError):
        raise InvalidSignatureError() from None
    if used != len(signature):
        raise InvalidSignatureError()


def verify_hss(public: bytes, message: bytes, signature: bytes) -> None:
    """RFC 8554 §6.3 (Algorithm 8): ``InvalidSignatureError`` unless valid."""
    sig = bytes(signature)
    try:
        levels = _u32(public, 0)
        nspk = _u32(sig, 0)
        if nspk + 1 != levels:
            raise ValueError("level count mismatch")
        key, offset = public[4:], 4
        for _ in range(nspk):
            # The signed child public key follows the signature that covers it.
            lms_sig = sig[offset:]
            probe = _probe_lms_signature_length(lms_sig)
            child_start = offset + probe
            child_len = _public_length(sig, child_start)
            child = sig[child_start : child_start + child_len]
            if len(child) != child_len:
                raise ValueError("truncated child key")
            _lms_verify(key, child, sig[offset:child_start])
            key, offset = child, child_start + child_len
        used = _lms_verify(key, bytes(message), sig[offset:])
        if offset + used != len(sig):
            raise ValueError("trailing data")
    except (ValueError, KeyError):
        raise InvalidSignatureError() from None


def _probe_lms_signature_length(sig: bytes) -> int:
    ots = OTS_TYPES.get(_u32(sig, 4))
    if ots is None:
        raise ValueError("unsupported LM-OTS type")
    offset = 8 + ots.n * (ots.p + 1)
    lms = LMS_TYPES.get(_u32(sig, offset))
    if lms is None:
        raise ValueError("unsupported LMS type")
    return offset + 4 + lms.h * lms.m
