"""Signatures and key agreement through psacrypto vs direct pyca/cryptography calls."""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, x25519

import psacrypto as p

from .common import Row, compare

MESSAGE = b"\x5a" * 64


def _key(ctx: p.LocalSession, key_type: int, bits: int, usage: int, alg: int, data: bytes) -> int:
    attrs = p.KeyAttributes(type=key_type, bits=bits, usage_flags=usage, algorithm=alg)
    return ctx.import_key(attrs, data)


def run() -> list[Row]:
    from cryptography.hazmat.primitives import serialization as ser

    ctx = p.open_local("memory")
    rows: list[Row] = []
    sign = p.KEY_USAGE_SIGN_HASH | p.KEY_USAGE_VERIFY_HASH

    ec_key = ec.generate_private_key(ec.SECP256R1())
    ec_alg = p.ALG_ECDSA(p.ALG_SHA_256)
    kid = _key(
        ctx,
        p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1),
        256,
        sign,
        ec_alg,
        ec_key.private_numbers().private_value.to_bytes(32, "big"),
    )
    ecdsa = ec.ECDSA(hashes.SHA256())
    rows.append(
        compare(
            "ECDSA P-256 sign_message",
            lambda: ctx.sign_message(kid, ec_alg, MESSAGE),
            lambda: ec_key.sign(MESSAGE, ecdsa),
            max_ratio=1.2,
        )
    )
    der_sig = ec_key.sign(MESSAGE, ecdsa)
    raw_sig = ctx.sign_message(kid, ec_alg, MESSAGE)
    ec_pub = ec_key.public_key()
    rows.append(
        compare(
            "ECDSA P-256 verify_message",
            lambda: ctx.verify_message(kid, ec_alg, MESSAGE, raw_sig),
            lambda: ec_pub.verify(der_sig, MESSAGE, ecdsa),
            max_ratio=1.2,
        )
    )

    ed_key = ed25519.Ed25519PrivateKey.generate()
    ed_id = _key(
        ctx,
        p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_TWISTED_EDWARDS),
        255,
        p.KEY_USAGE_SIGN_MESSAGE,
        p.ALG_PURE_EDDSA,
        ed_key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption()),
    )
    rows.append(
        compare(
            "Ed25519 sign_message",
            lambda: ctx.sign_message(ed_id, p.ALG_PURE_EDDSA, MESSAGE),
            lambda: ed_key.sign(MESSAGE),
            max_ratio=1.2,
        )
    )

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pss_alg = p.ALG_RSA_PSS(p.ALG_SHA_256)
    rsa_id = _key(
        ctx,
        p.KEY_TYPE_RSA_KEY_PAIR,
        2048,
        sign,
        pss_alg,
        rsa_key.private_bytes(ser.Encoding.DER, ser.PrivateFormat.TraditionalOpenSSL,
                              ser.NoEncryption()),
    )
    pss = padding.PSS(padding.MGF1(hashes.SHA256()), 32)
    rows.append(
        compare(
            "RSA-2048 PSS sign_message",
            lambda: ctx.sign_message(rsa_id, pss_alg, MESSAGE),
            lambda: rsa_key.sign(MESSAGE, pss, hashes.SHA256()),
            max_ratio=1.2,
        )
    )

    x_key = x25519.X25519PrivateKey.generate()
    peer = x25519.X25519PrivateKey.generate().public_key()
    peer_raw = peer.public_bytes(ser.Encoding.Raw, ser.PublicFormat.Raw)
    x_id = _key(
        ctx,
        p.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_MONTGOMERY),
        255,
        p.KEY_USAGE_DERIVE,
        p.ALG_ECDH,
        x_key.private_bytes(ser.Encoding.Raw, ser.PrivateFormat.Raw, ser.NoEncryption()),
    )
    rows.append(
        compare(
            "X25519 raw_key_agreement",
            lambda: ctx.raw_key_agreement(p.ALG_ECDH, x_id, peer_raw),
            lambda: x_key.exchange(x25519.X25519PublicKey.from_public_bytes(peer_raw)),
            max_ratio=1.2,
        )
    )
    ctx.close()
    return rows
