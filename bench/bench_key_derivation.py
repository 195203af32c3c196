"""Key derivation through psacrypto vs direct pyca/cryptography and hashlib calls."""

from __future__ import annotations

import hashlib

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

import psacrypto as p

from .common import Row, compare

SALT, IKM, INFO = b"\x01" * 32, b"\x02" * 32, b"context info"


def run() -> list[Row]:
    ctx = p.open_local("memory")
    rows: list[Row] = []
    hkdf = p.ALG_HKDF(p.ALG_SHA_256)

    def psa_hkdf() -> bytes:
        with ctx.KeyDerivationOperation() as op:
            op.setup(hkdf)
            op.input_bytes(p.KEY_DERIVATION_INPUT_SALT, SALT)
            op.input_bytes(p.KEY_DERIVATION_INPUT_SECRET, IKM)
            op.input_bytes(p.KEY_DERIVATION_INPUT_INFO, INFO)
            return op.output_bytes(32)

    def pyca_hkdf() -> bytes:
        return HKDF(hashes.SHA256(), 32, SALT, INFO).derive(IKM)

    assert psa_hkdf() == pyca_hkdf()
    rows.append(
        compare("HKDF-SHA-256, 32 bytes (whole operation)", psa_hkdf, pyca_hkdf, max_ratio=2.0)
    )

    pbkdf2 = p.ALG_PBKDF2_HMAC(p.ALG_SHA_256)

    def psa_pbkdf2() -> bytes:
        with ctx.KeyDerivationOperation() as op:
            op.setup(pbkdf2)
            op.input_integer(p.KEY_DERIVATION_INPUT_COST, 1000)
            op.input_bytes(p.KEY_DERIVATION_INPUT_SALT, SALT)
            op.input_bytes(p.KEY_DERIVATION_INPUT_PASSWORD, IKM)
            return op.output_bytes(32)

    def hashlib_pbkdf2() -> bytes:
        return hashlib.pbkdf2_hmac("sha256", IKM, SALT, 1000, 32)

    assert psa_pbkdf2() == hashlib_pbkdf2()
    rows.append(compare("PBKDF2-HMAC-SHA-256, 1000 iterations", psa_pbkdf2, hashlib_pbkdf2))
    return rows
