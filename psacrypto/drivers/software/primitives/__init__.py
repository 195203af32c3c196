"""Primitives that pyca/cryptography does not offer, implemented from their standards.

* :mod:`.aria` -- the ARIA block cipher (RFC 5794);
* :mod:`.modes` -- block-cipher modes over any block cipher given as ECB functions
  (CBC, CTR, CFB, OFB, ECB, XTS, CCM* without tag, CMAC, CBC-MAC, GCM, CCM);
* :mod:`.xchacha` -- HChaCha20, XChaCha20, XChaCha20-Poly1305, and the ChaCha20 IV
  variants of PSA_ALG_STREAM_CIPHER, on top of pyca's ChaCha20 and Poly1305.

Each is proven on its standard's test vectors and on Wycheproof (tests/test_primitives_*).
"""
