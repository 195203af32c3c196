"""Hash, MAC and AEAD one-shot calls through psacrypto vs the fastest direct call."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

import psacrypto as p

from .common import Row, compare

SMALL = b"\x5a" * 64
LARGE = b"\xa5" * (1024 * 1024)


def run() -> list[Row]:
    ctx = p.open_local("memory")
    rows: list[Row] = []

    # SHA-256: the faster of hashlib and pyca is hashlib.
    sha256 = hashlib.sha256
    rows.append(
        compare(
            "SHA-256 64 B",
            lambda: ctx.hash_compute(p.ALG_SHA_256, SMALL),
            lambda: sha256(SMALL).digest(),
            max_ratio=1.5,
        )
    )
    rows.append(
        compare(
            "SHA-256 1 MiB",
            lambda: ctx.hash_compute(p.ALG_SHA_256, LARGE),
            lambda: sha256(LARGE).digest(),
            min_throughput_ratio=0.95,
        )
    )

    if hasattr(ctx, "aead_encrypt"):
        key = b"\x01" * 32
        attrs = p.KeyAttributes(
            type=p.KEY_TYPE_AES, usage_flags=p.KEY_USAGE_ENCRYPT, algorithm=p.ALG_GCM
        )
        kid = ctx.import_key(attrs, key)
        aes = AESGCM(key)
        nonce = b"\x00" * 12
        rows.append(
            compare(
                "AES-256-GCM encrypt 64 B",
                lambda: ctx.aead_encrypt(kid, p.ALG_GCM, nonce, b"", SMALL),
                [lambda: aes.encrypt(nonce, SMALL, b""), lambda: aes.encrypt(nonce, SMALL, None)],
                max_ratio=1.5,
            )
        )
        rows.append(
            compare(
                "AES-256-GCM encrypt 1 MiB",
                lambda: ctx.aead_encrypt(kid, p.ALG_GCM, nonce, b"", LARGE),
                [lambda: aes.encrypt(nonce, LARGE, b""), lambda: aes.encrypt(nonce, LARGE, None)],
                min_throughput_ratio=0.95,
            )
        )

    if hasattr(ctx, "mac_compute"):
        mkey = b"\x02" * 32
        alg = p.ALG_HMAC(p.ALG_SHA_256)
        attrs = p.KeyAttributes(
            type=p.KEY_TYPE_HMAC, usage_flags=p.KEY_USAGE_SIGN_MESSAGE, algorithm=alg
        )
        mid = ctx.import_key(attrs, mkey)
        digest = hmac.digest
        keyed = hmac.new(mkey, digestmod="sha256")

        def direct(data: bytes) -> list[Callable[[], object]]:
            def prekeyed() -> bytes:
                h = keyed.copy()
                h.update(data)
                return h.digest()

            return [lambda: digest(mkey, data, "sha256"), prekeyed]

        rows.append(
            compare(
                "HMAC-SHA-256 64 B",
                lambda: ctx.mac_compute(mid, alg, SMALL),
                direct(SMALL),
                max_ratio=1.5,
            )
        )
        rows.append(
            compare(
                "HMAC-SHA-256 1 MiB",
                lambda: ctx.mac_compute(mid, alg, LARGE),
                direct(LARGE),
                min_throughput_ratio=0.95,
            )
        )
    ctx.close()
    return rows
