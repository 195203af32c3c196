"""The PKCS#11 location through psacrypto vs the same python-pkcs11 calls made
directly on the same SoftHSM2 token (keys created in the token, not extractable).

* ECDSA P-256 ``sign_hash`` (the token's CKM_ECDSA on a SHA-256 hash);
* AES-256-GCM ``aead_encrypt`` of 64 bytes (CKM_AES_GCM, 12-byte nonce).
"""

from __future__ import annotations

import hashlib
from typing import Any

import psacrypto as p
from psacrypto import macros as m

from .common import Row, compare

NOTES: list[str] = []
MESSAGE = b"\x5a" * 64
NONCE = b"\x01" * 12


def run() -> list[Row]:
    from psacrypto.drivers.pkcs11 import softhsm

    reason = softhsm.unavailable_reason()
    if reason is not None:
        NOTES.append(f"bench_pkcs11 skipped: {reason}")
        return []
    import pkcs11
    from pkcs11 import Attribute, Mechanism
    from pkcs11.mechanisms import GCMParams

    token = softhsm.shared_token("psa-bench")
    location = p.KEY_LOCATION_PRIMARY_SECURE_ELEMENT
    lifetime = m.KEY_LIFETIME_FROM_PERSISTENCE_AND_LOCATION(p.KEY_PERSISTENCE_VOLATILE, location)
    ctx = p.open_local(
        "memory",
        locations={location: {"driver": "pkcs11", "library": token.library,
                              "token_label": token.label, "pin": token.pin}},
    )
    rows: list[Row] = []
    try:
        # The baseline's own session on the same token (logged in by the driver's).
        tok = pkcs11.lib(token.library).get_token(token_label=token.label)
        try:
            session = tok.open(user_pin=token.pin)
        except pkcs11.exceptions.UserAlreadyLoggedIn:
            session = tok.open()

        alg = m.ALG_ECDSA(p.ALG_SHA_256)
        ec_key = ctx.generate_key(p.KeyAttributes(
            type=m.KEY_TYPE_ECC_KEY_PAIR(p.ECC_FAMILY_SECP_R1), bits=256, lifetime=lifetime,
            usage_flags=p.KEY_USAGE_SIGN_HASH, algorithm=alg))
        direct_ec: Any = session.generate_keypair(
            pkcs11.KeyType.EC, store=False,
            public_template={Attribute.EC_PARAMS: bytes.fromhex("06082a8648ce3d030107")},
            private_template={Attribute.SIGN: True, Attribute.SENSITIVE: True,
                              Attribute.EXTRACTABLE: False},
        )[1]
        digest = hashlib.sha256(MESSAGE).digest()
        rows.append(compare(
            "PKCS#11 ECDSA P-256 sign_hash",
            lambda: ctx.sign_hash(ec_key, alg, digest),
            lambda: direct_ec.sign(digest, mechanism=Mechanism.ECDSA),
            max_ratio=1.3,
        ))

        aes = ctx.generate_key(p.KeyAttributes(
            type=p.KEY_TYPE_AES, bits=256, lifetime=lifetime,
            usage_flags=p.KEY_USAGE_ENCRYPT, algorithm=p.ALG_GCM))
        direct_aes: Any = session.generate_key(
            pkcs11.KeyType.AES, 256, store=False,
            template={Attribute.SENSITIVE: True, Attribute.EXTRACTABLE: False,
                      Attribute.ENCRYPT: True},
        )
        rows.append(compare(
            "PKCS#11 AES-256-GCM encrypt 64 B",
            lambda: ctx.aead_encrypt(aes, p.ALG_GCM, NONCE, b"", MESSAGE),
            lambda: direct_aes.encrypt(MESSAGE, mechanism=Mechanism.AES_GCM,
                                       mechanism_param=GCMParams(NONCE, None, 128)),
            max_ratio=1.3,
        ))
        session.close()
    finally:
        ctx.close()
    return rows
