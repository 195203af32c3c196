"""Conversions between the PSA key formats and PKCS#11 object attributes."""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from ... import constants as c
from ... import macros as m
from ...errors import InvalidArgumentError, NotSupportedError

SECP_R1 = c.ECC_FAMILY_SECP_R1
EDWARDS = c.ECC_FAMILY_TWISTED_EDWARDS

#: (family, bits) -> (DER of the curve's OID, pyca curve or None for Edwards)
CURVES: dict[tuple[int, int], tuple[bytes, Any]] = {
    (SECP_R1, 256): (bytes.fromhex("06082a8648ce3d030107"), ec.SECP256R1()),
    (SECP_R1, 384): (bytes.fromhex("06052b81040022"), ec.SECP384R1()),
    (SECP_R1, 521): (bytes.fromhex("06052b81040023"), ec.SECP521R1()),
    (EDWARDS, 255): (bytes.fromhex("06032b6570"), None),
    (EDWARDS, 448): (bytes.fromhex("06032b6571"), None),
}
#: the same curves by their DER parameters (also the printable-string names some
#: tokens use for the Edwards curves)
CURVE_BY_PARAMS: dict[bytes, tuple[int, int]] = {der: fb for fb, (der, _) in CURVES.items()}
CURVE_BY_PARAMS[b"\x13\x0cedwards25519"] = (EDWARDS, 255)
CURVE_BY_PARAMS[b"\x13\x0aedwards448"] = (EDWARDS, 448)

# DigestInfo prefixes (RFC 8017 section 9.2, note 1) for PKCS#1 v1.5 signatures.
DIGEST_INFO: dict[int, bytes] = {
    c.ALG_SHA_1: bytes.fromhex("3021300906052b0e03021a05000414"),
    c.ALG_SHA_224: bytes.fromhex("302d300d06096086480165030402040500041c"),
    c.ALG_SHA_256: bytes.fromhex("3031300d060960864801650304020105000420"),
    c.ALG_SHA_384: bytes.fromhex("3041300d060960864801650304020205000430"),
    c.ALG_SHA_512: bytes.fromhex("3051300d060960864801650304020305000440"),
}


def der_octet_string(data: bytes) -> bytes:
    n = len(data)
    if n < 0x80:
        return b"\x04" + bytes((n,)) + data
    size = (n.bit_length() + 7) // 8
    return b"\x04" + bytes((0x80 | size,)) + n.to_bytes(size, "big") + data


def parse_octet_string(data: bytes) -> bytes:
    """The content of a DER OCTET STRING (CKA_EC_POINT); raw points pass through."""
    if len(data) < 2 or data[0] != 0x04:
        return data
    n = data[1]
    offset = 2
    if n & 0x80:
        size = n & 0x7F
        n = int.from_bytes(data[2 : 2 + size], "big")
        offset = 2 + size
    if offset + n != len(data):
        return data  # an uncompressed point that happens to start with 0x04
    return data[offset:]


def ecc_curve(key_type: int, bits: int) -> tuple[int, int] | None:
    """(family, bits) of an ECC key type PKCS#11 tokens commonly hold, else None."""
    if not m.KEY_TYPE_IS_ECC(key_type):
        return None
    fb = (m.KEY_TYPE_ECC_GET_FAMILY(key_type), bits)
    return fb if fb in CURVES else None


def int_bytes(value: int) -> bytes:
    return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")


def rsa_private_attributes(material: bytes) -> dict[str, bytes]:
    """CKA_* values (by name) of an RSA key pair in the PSA format (RSAPrivateKey DER)."""
    key = serialization.load_der_private_key(material, None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise InvalidArgumentError("not an RSA private key")
    n = key.private_numbers()
    return {
        "MODULUS": int_bytes(n.public_numbers.n),
        "PUBLIC_EXPONENT": int_bytes(n.public_numbers.e),
        "PRIVATE_EXPONENT": int_bytes(n.d),
        "PRIME_1": int_bytes(n.p),
        "PRIME_2": int_bytes(n.q),
        "EXPONENT_1": int_bytes(n.dmp1),
        "EXPONENT_2": int_bytes(n.dmq1),
        "COEFFICIENT": int_bytes(n.iqmp),
    }


def rsa_public_der(modulus: bytes, exponent: bytes) -> bytes:
    """The PSA RSA public key format (RSAPublicKey DER) from CKA_MODULUS/EXPONENT."""
    numbers = rsa.RSAPublicNumbers(int.from_bytes(exponent, "big"), int.from_bytes(modulus, "big"))
    return numbers.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )


def rsa_public_attributes(material: bytes) -> dict[str, bytes]:
    key = serialization.load_der_public_key(_rsa_spki(material))
    if not isinstance(key, rsa.RSAPublicKey):
        raise InvalidArgumentError("not an RSA public key")
    n = key.public_numbers()
    return {"MODULUS": int_bytes(n.n), "PUBLIC_EXPONENT": int_bytes(n.e)}


def _rsa_spki(pkcs1: bytes) -> bytes:
    """Wrap an RSAPublicKey in a SubjectPublicKeyInfo (pyca loads only the latter as DER)."""
    algorithm = bytes.fromhex("300d06092a864886f70d0101010500")
    bit_string = b"\x00" + pkcs1
    body = algorithm + _der(0x03, bit_string)
    return _der(0x30, body)


def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        return bytes((tag, n)) + content
    size = (n.bit_length() + 7) // 8
    return bytes((tag, 0x80 | size)) + n.to_bytes(size, "big") + content


def ecc_public_point(key_type: int, bits: int, material: bytes) -> bytes:
    """The public point (PSA public format) of an ECC key pair's private value."""
    family, _ = ecc_curve(key_type, bits) or (0, 0)
    if family == EDWARDS:
        private: Any = (
            ed25519.Ed25519PrivateKey.from_private_bytes(material)
            if bits == 255
            else ed448.Ed448PrivateKey.from_private_bytes(material)
        )
        return bytes(
            private.public_key().public_bytes(
                serialization.Encoding.Raw, serialization.PublicFormat.Raw
            )
        )
    curve = CURVES[(family, bits)][1]
    key = ec.derive_private_key(int.from_bytes(material, "big"), curve)
    return key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )


def private_from_pkcs8(key_type: int, bits: int, der: bytes) -> bytes:
    """The PSA export format of a private key unwrapped as PKCS#8 from a token."""
    key = serialization.load_der_private_key(der_trim(der), None)
    if isinstance(key, rsa.RSAPrivateKey):
        return key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return key.private_numbers().private_value.to_bytes((bits + 7) // 8, "big")
    if isinstance(key, (ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey)):
        return key.private_bytes(
            serialization.Encoding.Raw,
            serialization.PrivateFormat.Raw,
            serialization.NoEncryption(),
        )
    raise NotSupportedError("this private key format cannot be exported")


def der_trim(data: bytes) -> bytes:
    """``data`` cut after its first DER element (some tokens pad wrapped PKCS#8 keys
    to the wrapping block size themselves, and unwrapping returns the padding)."""
    if len(data) < 2:
        return data
    n = data[1]
    if not n & 0x80:
        return data[: 2 + n]
    size = n & 0x7F
    return data[: 2 + size + int.from_bytes(data[2 : 2 + size], "big")]
