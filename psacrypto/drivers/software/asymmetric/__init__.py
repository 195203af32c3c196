"""The asymmetric part of the software driver: pure functions over key material.

Nothing here knows of owners, key ids or policy: the core resolves the key,
checks usage and the permitted algorithm, and calls these functions with the
key's type, size, and either its material (export format) or the pyca object
``load`` made from it (which the core caches per key).

Key material (``import_key``, ``generate_key``, ``derive_key``,
``export_public_key``, ``load``), signatures (``sign_hash``, ``verify_hash``,
``sign_message``, ``verify_message``), encryption (``asymmetric_encrypt``,
``asymmetric_decrypt``) and key agreement (``raw_key_agreement``).

``sign_plan``, ``verify_plan``, ``crypt_plan`` and ``agreement_plan`` return the
cached per-(key type, size, algorithm) function behind each operation: calling
one with no key is the compatibility check of the algorithm with the key type
(the spec's error if incompatible), and the core may keep the returned function.

Supported:

* RSA key pairs and public keys of 1024 to 4096 bits: PKCS#1 v1.5 signatures
  (hashed, and raw), PSS (standard salt, any salt), PKCS#1 v1.5 and OAEP
  encryption (OAEP with SHA-1/SHA-224/SHA-256/SHA-384/SHA-512).
* ECC, Weierstrass: secp192r1, secp224r1, secp256r1, secp384r1, secp521r1,
  secp256k1, brainpoolP256r1, brainpoolP384r1, brainpoolP512r1: ECDSA
  (randomized, deterministic, ECDSA_ANY) and ECDH.
* ECC, Weierstrass curves pyca lacks: secp192k1, secp224k1 (``key_bits`` 225),
  brainpoolP160r1, brainpoolP192r1, brainpoolP224r1, brainpoolP320r1: the same
  formats, ECDSA variants and ECDH, computed by the pure-Python ``ecdsa``
  package (``ecc_ecdsa_lib``). **Not constant-time** (python-ecdsa documents
  no side-channel protection): these are deprecated or rarely used curves,
  kept for interoperability; prefer the curves above.
* ECC, Montgomery: X25519, X448 (ECDH). Twisted Edwards: Ed25519, Ed448
  (PureEdDSA from pyca); Ed25519ph, Ed448ph, Ed25519ctx and Ed448 with a
  context (RFC 8032) from pycryptodome, as pyca has no prehash/context API.
* DH: the RFC 7919 (FFDHE) and RFC 3526 (MODP) groups of 2048, 3072, 4096,
  6144 and 8192 bits (FFDH).

Not supported (``NotSupportedError``): the curves neither pyca nor
python-ecdsa offers (secp160r2, the sect* families, FRP256v1); Ed25519ctx
with an empty context; RSA key derivation; OAEP with hashes other than
SHA-1/SHA-2.
"""

from __future__ import annotations

from .agreement import agreement_plan, raw_key_agreement
from .encrypt import asymmetric_decrypt, asymmetric_encrypt, crypt_plan
from .keys import derive_key, export_public_key, generate_key, import_key, load
from .sign import sign_hash, sign_message, sign_plan, verify_hash, verify_message, verify_plan

__all__ = [
    "agreement_plan",
    "asymmetric_decrypt",
    "asymmetric_encrypt",
    "crypt_plan",
    "derive_key",
    "export_public_key",
    "generate_key",
    "import_key",
    "load",
    "raw_key_agreement",
    "sign_hash",
    "sign_message",
    "sign_plan",
    "verify_hash",
    "verify_message",
    "verify_plan",
]
