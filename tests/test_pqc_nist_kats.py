"""ML-KEM and ML-DSA known answers from the NIST-format KAT files that pyca ships in
``cryptography_vectors`` (asymmetric/MLKEM/kat_MLKEM_*.rsp,
asymmetric/MLDSA/kat_MLDSA_*_det_pure.rsp), through the API: key generation from
the seeds, decapsulation (and implicit rejection), deterministic ML-DSA with
contexts. The first entries of each file keep the run short."""

from __future__ import annotations

from collections.abc import Iterator

import cryptography_vectors
import pytest

import psacrypto as p
from psacrypto.context import LocalContext

ENTRIES = 25
DERIVE = p.KeyAttributes(
    type=p.KEY_TYPE_DERIVE, usage_flags=p.KEY_USAGE_EXPORT, algorithm=p.ALG_HKDF(p.ALG_SHA_256)
)


def _entries(path: str) -> Iterator[dict[str, str]]:
    entry: dict[str, str] = {}
    with cryptography_vectors.open_vector_file(path, "r") as f:
        for line in f:
            line = line.strip()
            if " = " not in line:
                continue
            name, value = line.split(" = ", 1)
            if name == "count" and entry:
                yield entry
                entry = {}
                if int(value) >= ENTRIES:
                    return
            entry[name] = value
    if entry:
        yield entry


@pytest.mark.parametrize("bits", [512, 768, 1024])
def test_ml_kem_kats(ctx: LocalContext, bits: int) -> None:
    from psacrypto.drivers.software.pqc import mlkem

    n = 0
    for e in _entries(f"asymmetric/MLKEM/kat_MLKEM_{bits}.rsp"):
        key = ctx.import_key(
            p.KeyAttributes(
                type=p.KEY_TYPE_ML_KEM_KEY_PAIR,
                bits=bits,
                usage_flags=p.KEY_USAGE_DECRYPT,
                algorithm=p.ALG_ML_KEM,
            ),
            bytes.fromhex(e["d"] + e["z"]),
        )
        assert ctx.export_public_key(key).hex() == e["pk"]
        for ct, ss in (("ct", "ss"), ("ct_n", "ss_n")):  # ct_n: implicit rejection
            out = ctx.decapsulate(key, p.ALG_ML_KEM, bytes.fromhex(e[ct]), DERIVE)
            assert ctx.export_key(out).hex() == e[ss]
            ctx.destroy_key(out)
        if bits == 512:  # the PyCryptodome backend takes the randomness m
            public = mlkem.load(False, 512, bytes.fromhex(e["pk"]))
            secret, ciphertext = public._key._encaps(bytes.fromhex(e["msg"]))
            assert (secret.hex(), ciphertext.hex()) == (e["ss"], e["ct"])
        ctx.destroy_key(key)
        n += 1
    assert n == ENTRIES


@pytest.mark.parametrize(("n", "bits"), [(44, 128), (65, 192), (87, 256)])
def test_ml_dsa_deterministic_kats(ctx: LocalContext, n: int, bits: int) -> None:
    alg = p.ALG_DETERMINISTIC_ML_DSA
    count = 0
    for e in _entries(f"asymmetric/MLDSA/kat_MLDSA_{n}_det_pure.rsp"):
        key = ctx.import_key(
            p.KeyAttributes(
                type=p.KEY_TYPE_ML_DSA_KEY_PAIR,
                bits=bits,
                usage_flags=p.KEY_USAGE_SIGN_MESSAGE | p.KEY_USAGE_VERIFY_MESSAGE,
                algorithm=alg,
            ),
            bytes.fromhex(e["xi"]),
        )
        assert ctx.export_public_key(key).hex() == e["pk"]
        msg, context = bytes.fromhex(e["msg"]), bytes.fromhex(e.get("ctx", ""))
        expected = bytes.fromhex(e["sm"])[
            : p.SIGN_OUTPUT_SIZE(p.KEY_TYPE_ML_DSA_KEY_PAIR, bits, alg)
        ]
        assert ctx.sign_message_with_context(key, alg, msg, context) == expected
        ctx.verify_message_with_context(key, p.ALG_ML_DSA, msg, context, expected)
        ctx.destroy_key(key)
        count += 1
    assert count == ENTRIES
