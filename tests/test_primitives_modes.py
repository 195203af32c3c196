"""The generic block-cipher modes, proven on official vectors, Wycheproof and pyca.

* Wycheproof (tests/data/wycheproof): GCM over AES, ARIA, SM4; CCM (and CCM* = CCM's
  encryption part) over AES, ARIA, Camellia, SM4; CMAC and CBC-PKCS7 over AES, ARIA,
  Camellia; XTS and GMAC over AES. Valid cases must match, invalid ones be rejected.
* NIST CAVP / SP 800-38A-B-C-D and RFC vectors, typed here or read from the
  ``cryptography_vectors`` package (a test dependency) when it is installed.
* Cross-checks against pyca/cryptography's own modes for AES, Camellia, SM4 and
  TripleDES, with random messages split into random parts (the streaming paths).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import wycheproof
from cryptography.hazmat.decrepit.ciphers import modes as decrepit_modes
from cryptography.hazmat.decrepit.ciphers.algorithms import Camellia, TripleDES
from cryptography.hazmat.primitives import cmac, padding
from cryptography.hazmat.primitives.ciphers import BlockCipherAlgorithm, Cipher, algorithms
from cryptography.hazmat.primitives.ciphers import modes as pyca_modes

from psacrypto.drivers.software.primitives.aria import Aria
from psacrypto.drivers.software.primitives.modes import (
    BlockCipher,
    Cbc,
    CbcMac,
    Ccm,
    CcmOperation,
    CcmStarNoTag,
    Cfb,
    CipherStream,
    Cmac,
    Ctr,
    Ecb,
    EcbFunctions,
    Gcm,
    GcmOperation,
    Ofb,
    PycaBlockCipher,
    Xts,
    process,
)
from psacrypto.errors import (
    BadStateError,
    InvalidArgumentError,
    InvalidPaddingError,
    InvalidSignatureError,
    PsaError,
)

# --- helpers --------------------------------------------------------------------------

_ALGORITHMS: dict[str, Callable[[bytes], BlockCipherAlgorithm]] = {
    "aes": algorithms.AES,
    "camellia": Camellia,
    "sm4": algorithms.SM4,
    "3des": TripleDES,
}


def make_cipher(name: str, key: bytes) -> BlockCipher:
    """The block cipher ``name`` with ``key``; a bad key raises InvalidArgumentError."""
    if name == "aria":
        return Aria(key)
    try:
        return PycaBlockCipher(_ALGORITHMS[name](key))
    except ValueError as e:
        raise InvalidArgumentError(str(e)) from None


def split(data: bytes, rng: random.Random) -> Iterator[bytes]:
    """``data`` in random parts (some empty, some longer than a block)."""
    pos = 0
    while pos < len(data):
        n = rng.choice((0, 1, 3, 7, 15, 16, 17, 31, 33, 64))
        yield data[pos : pos + n]
        pos += n
    yield b""


def stream(mode: CipherStream, data: bytes, rng: random.Random) -> bytes:
    """Run ``data`` through a mode object in random parts."""
    return b"".join(mode.update(part) for part in split(data, rng)) + mode.finish()


def pyca(
    algorithm: BlockCipherAlgorithm, mode: pyca_modes.Mode, data: bytes, encrypt: bool
) -> bytes:
    cipher: Cipher[pyca_modes.Mode] = Cipher(algorithm, mode)
    ctx = cipher.encryptor() if encrypt else cipher.decryptor()  # type: ignore[misc]
    return bytes(ctx.update(data) + ctx.finalize())


def check_all(cases: Iterator[wycheproof.Case], check: Callable[[wycheproof.Case], None]) -> int:
    """Run ``check`` on every case; fail with the list of failing cases. Returns the count."""
    failures = []
    count = 0
    for case in cases:
        count += 1
        try:
            check(case)
        except AssertionError as e:
            failures.append(f"{case}: {e}")
    assert not failures, "\n".join(failures[:20])
    return count


def vectors_file(*parts: str) -> Path:
    """A file of the cryptography_vectors package (the test is skipped without it)."""
    module = pytest.importorskip("cryptography_vectors")
    return Path(module.__file__).parent.joinpath(*parts)


def nist_records(path: Path) -> list[dict[str, str]]:
    """Records of a NIST CAVP-style file: ``[a = b, ...]`` and ``k = v`` lines.

    Section values (from bracket lines, and ``k = v`` lines before the first ``Count``
    of a section) are copied into each record; keys are lower-case; a ``FAIL`` line sets
    ``fail``; a bracket line without ``=`` (``[ENCRYPT]``) sets ``direction``.
    """
    records: list[dict[str, str]] = []
    section: dict[str, str] = {}
    current: dict[str, str] | None = None
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("["):
            body = line[1:-1]
            if "=" in body:
                if current is not None:
                    section = {k: v for k, v in section.items() if k == "direction"}
                for part in body.split(","):
                    k, v = part.split("=")
                    section[k.strip().lower()] = v.strip()
            else:
                section = {"direction": body.strip().lower()}
            current = None
        elif line == "FAIL":
            assert current is not None
            current["fail"] = "1"
        elif "=" in line:
            k, v = (s.strip() for s in line.split("=", 1))
            k = k.lower()
            if k == "count":
                current = dict(section)
                records.append(current)
            elif current is None:
                section[k] = v
            else:
                current[k] = v
    return records


def h(record: dict[str, str], key: str) -> bytes:
    return bytes.fromhex(record.get(key, ""))


# --- Wycheproof: AEAD -----------------------------------------------------------------

AEAD_FILES = [
    ("aes_gcm_test", "aes", "gcm"),
    ("aria_gcm_test", "aria", "gcm"),
    ("sm4_gcm_test", "sm4", "gcm"),
    ("aes_ccm_test", "aes", "ccm"),
    ("aria_ccm_test", "aria", "ccm"),
    ("camellia_ccm_test", "camellia", "ccm"),
    ("sm4_ccm_test", "sm4", "ccm"),
]


@pytest.mark.parametrize(("file", "cipher_name", "mode"), AEAD_FILES)
def test_wycheproof_aead(file: str, cipher_name: str, mode: str) -> None:
    rng = random.Random(file)

    def check(case: wycheproof.Case) -> None:
        key, iv, aad = case.hexbytes("key"), case.hexbytes("iv"), case.hexbytes("aad")
        msg, ct, tag = case.hexbytes("msg"), case.hexbytes("ct"), case.hexbytes("tag")
        tag_length = case.group["tagSize"] // 8
        try:
            cipher = make_cipher(cipher_name, key)
            aead: Gcm | Ccm = Gcm(cipher) if mode == "gcm" else Ccm(cipher)
            if case.valid:
                assert aead.encrypt(iv, msg, aad, tag_length) == ct + tag, "encrypt"
            plaintext = aead.decrypt(iv, ct + tag, aad, tag_length)
        except (InvalidArgumentError, InvalidSignatureError):
            assert not case.valid, "valid case rejected"
            return
        assert case.valid, "invalid case accepted"
        assert plaintext == msg, "decrypt"
        # The same through the multi-part interface, in random parts.
        for encrypt in (True, False):
            op: GcmOperation | CcmOperation
            if isinstance(aead, Gcm):
                op = aead.start(iv, encrypt, tag_length)
            else:
                op = aead.start(iv, len(aad), len(msg), encrypt, tag_length)
            for part in split(aad, rng):
                op.update_ad(part)
            source = msg if encrypt else ct
            out = b"".join(op.update(part) for part in split(source, rng))
            assert out == (ct if encrypt else msg), "multi-part output"
            if encrypt:
                assert op.finish() == tag, "multi-part tag"
            else:
                op.verify(tag)
        # CCM* without tag is CCM's encryption alone: same ciphertext.
        if mode == "ccm":
            assert stream(CcmStarNoTag(cipher, iv), msg, rng) == ct, "CCM*"

    assert check_all(wycheproof.cases(file), check) > 100


def test_wycheproof_gmac() -> None:
    def check(case: wycheproof.Case) -> None:
        gcm = Gcm(make_cipher("aes", case.hexbytes("key")))
        iv, msg, tag = case.hexbytes("iv"), case.hexbytes("msg"), case.hexbytes("tag")
        tag_length = case.group["tagSize"] // 8
        try:
            gcm.decrypt(iv, tag, msg, tag_length)
        except (InvalidArgumentError, InvalidSignatureError):
            assert not case.valid, "valid case rejected"
            return
        assert case.valid, "invalid case accepted"
        assert gcm.encrypt(iv, b"", msg, tag_length) == tag

    check_all(wycheproof.cases("aes_gmac_test"), check)


# --- Wycheproof: MAC, CBC-PKCS7, XTS --------------------------------------------------


@pytest.mark.parametrize(
    ("file", "cipher_name"),
    [("aes_cmac_test", "aes"), ("aria_cmac_test", "aria"), ("camellia_cmac_test", "camellia")],
)
def test_wycheproof_cmac(file: str, cipher_name: str) -> None:
    rng = random.Random(file)

    def check(case: wycheproof.Case) -> None:
        msg, tag = case.hexbytes("msg"), case.hexbytes("tag")
        try:
            mac = Cmac(make_cipher(cipher_name, case.hexbytes("key")))
        except InvalidArgumentError:
            assert not case.valid, "valid key rejected"
            return
        full = mac.mac(msg)
        ok = full[: case.group["tagSize"] // 8] == tag
        assert ok == case.valid, "tag"
        multi = mac.new()
        for part in split(msg, rng):
            multi.update(part)
        assert multi.finish() == full, "multi-part"

    check_all(wycheproof.cases(file), check)


@pytest.mark.parametrize(
    ("file", "cipher_name"),
    [
        ("aes_cbc_pkcs5_test", "aes"),
        ("aria_cbc_pkcs5_test", "aria"),
        ("camellia_cbc_pkcs5_test", "camellia"),
    ],
)
def test_wycheproof_cbc_pkcs7(file: str, cipher_name: str) -> None:
    rng = random.Random(file)

    def check(case: wycheproof.Case) -> None:
        cipher = make_cipher(cipher_name, case.hexbytes("key"))
        iv, msg, ct = case.hexbytes("iv"), case.hexbytes("msg"), case.hexbytes("ct")
        try:
            plaintext = stream(Cbc(cipher, iv, False, padding=True), ct, rng)
        except (InvalidPaddingError, InvalidArgumentError):
            assert not case.valid, "valid case rejected"
            return
        assert case.valid, "invalid case accepted"
        assert plaintext == msg, "decrypt"
        assert process(Cbc(cipher, iv, True, padding=True), msg) == ct, "encrypt"
        assert stream(Cbc(cipher, iv, True, padding=True), msg, rng) == ct, "multi-part"

    check_all(wycheproof.cases(file), check)


def test_wycheproof_xts() -> None:
    rng = random.Random(1619)

    def check(case: wycheproof.Case) -> None:
        key = case.hexbytes("key")
        half = len(key) // 2
        data_cipher, tweak_cipher = make_cipher("aes", key[:half]), make_cipher("aes", key[half:])
        tweak = case.hexbytes("iv").ljust(16, b"\0")  # a shorter tweak is a small number
        msg, ct = case.hexbytes("msg"), case.hexbytes("ct")
        assert case.valid
        assert process(Xts(data_cipher, tweak_cipher, tweak, True), msg) == ct, "encrypt"
        assert process(Xts(data_cipher, tweak_cipher, tweak, False), ct) == msg, "decrypt"
        assert stream(Xts(data_cipher, tweak_cipher, tweak, True), msg, rng) == ct, "multi"
        assert stream(Xts(data_cipher, tweak_cipher, tweak, False), ct, rng) == msg, "multi"

    check_all(wycheproof.cases("aes_xts_test"), check)


def test_xts_against_pyca_and_limits() -> None:
    rng = random.Random(7)
    for size in (16, 17, 31, 32, 33, 100, 256):
        key, tweak, msg = rng.randbytes(64), rng.randbytes(16), rng.randbytes(size)
        ours = process(
            Xts(make_cipher("aes", key[:32]), make_cipher("aes", key[32:]), tweak, True), msg
        )
        assert ours == pyca(algorithms.AES(key), pyca_modes.XTS(tweak), msg, True)
    xts = Xts(make_cipher("aes", bytes(16)), make_cipher("aes", bytes(range(16))), bytes(16), True)
    xts.update(bytes(15))
    with pytest.raises(InvalidArgumentError):
        xts.finish()
    with pytest.raises(InvalidArgumentError):
        Xts(make_cipher("aes", bytes(16)), make_cipher("aes", bytes(16)), bytes(8), True)
    with pytest.raises(InvalidArgumentError):
        Xts(make_cipher("3des", bytes(24)), make_cipher("3des", bytes(24)), bytes(16), True)


# --- official vectors typed from the standards ----------------------------------------

# NIST SP 800-38A appendix F: AES-128, the same key, IV and 4-block plaintext throughout.
SP800_38A_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
SP800_38A_IV = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
SP800_38A_PT = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710"
)
SP800_38A = {
    "ecb": "3ad77bb40d7a3660a89ecaf32466ef97f5d3d58503b9699de785895a96fdbaaf"
    "43b1cd7f598ece23881b00e3ed0306887b0c785e27e8ad3f8223207104725dd4",  # F.1.1
    "cbc": "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2"
    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",  # F.2.1
    "cfb": "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b"
    "26751f67a3cbb140b1808cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6",  # F.3.13
    "ofb": "3b3fd92eb72dad20333449f8e83cfb4a7789508d16918f03f53c52dac54ed825"
    "9740051e9c5fecf64344f7a82260edcc304c6528f659c77866a510d9c1d6ae5e",  # F.4.1
    "ctr": "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff"
    "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",  # F.5.1
}
SP800_38A_CTR_IV = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")


@pytest.mark.parametrize("name", sorted(SP800_38A))
@pytest.mark.parametrize("cipher_kind", ["pyca", "raw"])
def test_sp800_38a(name: str, cipher_kind: str) -> None:
    cipher: BlockCipher = make_cipher("aes", SP800_38A_KEY)
    if cipher_kind == "raw":  # the same through raw ECB callables
        enc = Cipher(algorithms.AES(SP800_38A_KEY), pyca_modes.ECB()).encryptor().update
        dec = Cipher(algorithms.AES(SP800_38A_KEY), pyca_modes.ECB()).decryptor().update
        cipher = EcbFunctions(16, enc, dec)
    expected = bytes.fromhex(SP800_38A[name])
    rng = random.Random(name)
    iv = SP800_38A_CTR_IV if name == "ctr" else SP800_38A_IV
    assert process(_mode(name, cipher, iv, True), SP800_38A_PT) == expected
    assert stream(_mode(name, cipher, iv, True), SP800_38A_PT, rng) == expected
    assert stream(_mode(name, cipher, iv, False), expected, rng) == SP800_38A_PT


# NIST SP 800-38B appendix D.1 (also RFC 4493 section 4): AES-128 CMAC.
SP800_38B_AES128 = [
    (0, "bb1d6929e95937287fa37d129b756746"),
    (16, "070a16b46b4d4144f79bdd9dd04a287c"),
    (40, "dfa66747de9ae63030ca32611497c827"),
    (64, "51f0bebf7e3b9d92fc49741779363cfe"),
]


@pytest.mark.parametrize(("length", "tag"), SP800_38B_AES128)
def test_sp800_38b_cmac(length: int, tag: str) -> None:
    mac = Cmac(make_cipher("aes", SP800_38A_KEY))
    assert mac.mac(SP800_38A_PT[:length]) == bytes.fromhex(tag)


# --- official vectors from the cryptography_vectors package ---------------------------


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_nist_cavp_gcm(bits: int) -> None:
    """CAVP GCM: IV lengths 8, 96 and 1024 bits, every tag length; one case per group."""
    seen: dict[tuple[object, ...], int] = {}
    checked = 0
    for file in (f"gcmEncryptExtIV{bits}.rsp", f"gcmDecrypt{bits}.rsp"):
        for r in nist_records(vectors_file("ciphers", "AES", "GCM", file)):
            group = (file, r["ivlen"], r["ptlen"], r["aadlen"], r["taglen"], "fail" in r)
            seen[group] = seen.get(group, 0) + 1
            if seen[group] > 1:
                continue
            gcm = Gcm(make_cipher("aes", h(r, "key")))
            tag_length = int(r["taglen"]) // 8
            sealed = h(r, "ct") + h(r, "tag")
            if "fail" in r:
                with pytest.raises(InvalidSignatureError):
                    gcm.decrypt(h(r, "iv"), sealed, h(r, "aad"), tag_length)
            else:
                assert gcm.decrypt(h(r, "iv"), sealed, h(r, "aad"), tag_length) == h(r, "pt")
                assert gcm.encrypt(h(r, "iv"), h(r, "pt"), h(r, "aad"), tag_length) == sealed
            checked += 1
    assert checked > 1000


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_nist_cavp_ccm_dvpt(bits: int) -> None:
    """CAVP CCM decryption-verification: nonces 7..13 bytes, every tag length, Pass/Fail."""
    records = nist_records(vectors_file("ciphers", "AES", "CCM", f"DVPT{bits}.rsp"))
    for r in records:
        ccm = Ccm(make_cipher("aes", h(r, "key")))
        tag_length, plen, alen = int(r["tlen"]), int(r["plen"]), int(r["alen"])
        nonce, adata, sealed = h(r, "nonce"), h(r, "adata")[:alen], h(r, "ct")
        if r["result"].startswith("Fail"):
            with pytest.raises(InvalidSignatureError):
                ccm.decrypt(nonce, sealed, adata, tag_length)
        else:
            payload = h(r, "payload")[:plen]
            assert ccm.decrypt(nonce, sealed, adata, tag_length) == payload
            assert ccm.encrypt(nonce, payload, adata, tag_length) == sealed
            assert (
                process(CcmStarNoTag(make_cipher("aes", h(r, "key")), nonce), payload)
                == sealed[:plen]
            )
    assert len(records) == 240


@pytest.mark.parametrize("name", ["aes128", "aes192", "aes256", "3des"])
def test_nist_sp800_38b_cmac(name: str) -> None:
    records = nist_records(vectors_file("CMAC", f"nist-800-38b-{name}.txt"))
    for r in records:
        if name == "3des":
            cipher = make_cipher("3des", h(r, "key1") + h(r, "key2") + h(r, "key3"))
        else:
            cipher = make_cipher("aes", h(r, "key"))
        assert Cmac(cipher).mac(h(r, "message")) == h(r, "output")
    assert records


@pytest.mark.parametrize("bits", [128, 192, 256])
@pytest.mark.parametrize("mode", ["CBC", "CFB128", "OFB", "ECB"])
def test_nist_cavp_sp800_38a_mmt(mode: str, bits: int) -> None:
    folder = "CFB" if mode == "CFB128" else mode
    records = nist_records(vectors_file("ciphers", "AES", folder, f"{mode}MMT{bits}.rsp"))
    for r in records:
        cipher = make_cipher("aes", h(r, "key"))
        encrypt = r["direction"] == "encrypt"
        source, target = (h(r, "plaintext"), h(r, "ciphertext"))[:: 1 if encrypt else -1]
        iv = h(r, "iv")
        mode_object: CipherStream
        if mode == "CBC":
            mode_object = Cbc(cipher, iv, encrypt)
        elif mode == "CFB128":
            mode_object = Cfb(cipher, iv, encrypt)
        elif mode == "OFB":
            mode_object = Ofb(cipher, iv)
        else:
            mode_object = Ecb(cipher, encrypt)
        assert process(mode_object, source) == target
    assert len(records) == 20


@pytest.mark.parametrize("bits", [128, 192, 256])
def test_rfc3686_ctr(bits: int) -> None:
    records = nist_records(vectors_file("ciphers", "AES", "CTR", f"aes-{bits}-ctr.txt"))
    for r in records:
        cipher = make_cipher("aes", h(r, "key"))
        assert process(Ctr(cipher, h(r, "iv")), h(r, "plaintext")) == h(r, "ciphertext")
    assert records


@pytest.mark.parametrize("mode", ["cbc", "cfb", "ctr", "ofb", "ecb"])
def test_sm4_draft_ribose_vectors(mode: str) -> None:
    path = vectors_file("ciphers", "SM4", f"draft-ribose-cfrg-sm4-10-{mode}.txt")
    for r in nist_records(path):
        cipher = make_cipher("sm4", h(r, "key"))
        pt, ct, iv = h(r, "plaintext"), h(r, "ciphertext"), h(r, "iv")
        for encrypt, source, target in ((True, pt, ct), (False, ct, pt)):
            obj: CipherStream
            if mode == "cbc":
                obj = Cbc(cipher, iv, encrypt)
            elif mode == "cfb":
                obj = Cfb(cipher, iv, encrypt)
            elif mode == "ctr":
                obj = Ctr(cipher, iv)
            elif mode == "ofb":
                obj = Ofb(cipher, iv)
            else:
                obj = Ecb(cipher, encrypt)
            assert process(obj, source) == target


def test_sm4_rfc8998_gcm() -> None:
    for r in nist_records(vectors_file("ciphers", "SM4", "rfc8998.txt")):
        gcm = Gcm(make_cipher("sm4", h(r, "key")))
        sealed = h(r, "ciphertext") + h(r, "tag")
        assert gcm.encrypt(h(r, "iv"), h(r, "plaintext"), h(r, "aad")) == sealed


@pytest.mark.parametrize("mode", ["cbc", "cfb", "ofb"])
def test_camellia_vectors(mode: str) -> None:
    for r in nist_records(vectors_file("ciphers", "Camellia", f"camellia-{mode}.txt")):
        cipher = make_cipher("camellia", h(r, "key"))
        pt, ct, iv = h(r, "plaintext"), h(r, "ciphertext"), h(r, "iv")
        encrypt = r.get("direction", "encrypt") == "encrypt"
        source, target = (pt, ct) if encrypt else (ct, pt)
        obj: CipherStream
        if mode == "cbc":
            obj = Cbc(cipher, iv, encrypt)
        elif mode == "cfb":
            obj = Cfb(cipher, iv, encrypt)
        else:
            obj = Ofb(cipher, iv)
        assert process(obj, source) == target


# --- cross-checks against pyca's own modes --------------------------------------------


def _mode(name: str, cipher: BlockCipher, iv: bytes, encrypt: bool) -> CipherStream:
    if name == "ecb":
        return Ecb(cipher, encrypt)
    if name == "cbc":
        return Cbc(cipher, iv, encrypt)
    if name == "cfb":
        return Cfb(cipher, iv, encrypt)
    if name == "ofb":
        return Ofb(cipher, iv)
    return Ctr(cipher, iv)


PYCA_CIPHERS = [("aes", 16), ("aes", 24), ("aes", 32), ("camellia", 16), ("sm4", 16), ("3des", 24)]


@pytest.mark.parametrize(("name", "key_size"), PYCA_CIPHERS)
def test_against_pyca_block_and_stream_modes(name: str, key_size: int) -> None:
    rng = random.Random(f"{name}{key_size}")
    for _ in range(12):
        key = rng.randbytes(key_size)
        algorithm = _ALGORITHMS[name](key)
        cipher = make_cipher(name, key)
        bs = cipher.block_size
        iv = rng.randbytes(bs)
        msg = rng.randbytes(rng.randrange(0, 8 * bs))
        whole = msg[: len(msg) // bs * bs]
        cases: list[tuple[str, pyca_modes.Mode, bytes]] = [
            ("ecb", pyca_modes.ECB(), whole),
            ("cbc", pyca_modes.CBC(iv), whole),
            ("cfb", decrepit_modes.CFB(iv), msg),
            ("ofb", decrepit_modes.OFB(iv), msg),
        ]
        if name in ("aes", "sm4"):
            cases.append(("ctr", pyca_modes.CTR(iv), msg))
        for mode_name, pyca_mode, data in cases:
            expected = pyca(algorithm, pyca_mode, data, True)
            assert stream(_mode(mode_name, cipher, iv, True), data, rng) == expected
            assert stream(_mode(mode_name, cipher, iv, False), expected, rng) == data
        # CBC with PKCS#7 padding.
        padder = padding.PKCS7(8 * bs).padder()
        expected = pyca(algorithm, pyca_modes.CBC(iv), padder.update(msg) + padder.finalize(), True)
        assert stream(Cbc(cipher, iv, True, padding=True), msg, rng) == expected
        assert stream(Cbc(cipher, iv, False, padding=True), expected, rng) == msg
        # CMAC.
        reference = cmac.CMAC(algorithm)
        reference.update(msg)
        ours = Cmac(cipher).new()
        for part in split(msg, rng):
            ours.update(part)
        assert ours.finish() == reference.finalize()
        # CBC-MAC is the last block of CBC encryption with a zero IV.
        if whole:
            last = pyca(algorithm, pyca_modes.CBC(bytes(bs)), whole, True)[-bs:]
            assert CbcMac(cipher).mac(whole) == last


@pytest.mark.parametrize("name", ["aes", "sm4"])
def test_gcm_against_pyca(name: str) -> None:
    rng = random.Random(name)
    for trial in range(30):
        key = rng.randbytes(16)
        nonce = rng.randbytes(12 if trial % 2 else rng.randrange(8, 40))
        msg, aad = rng.randbytes(rng.randrange(0, 100)), rng.randbytes(rng.randrange(0, 40))
        tag_length = rng.choice(sorted({4, 8, 12, 13, 14, 15, 16}))
        ctx = Cipher(_ALGORITHMS[name](key), pyca_modes.GCM(nonce)).encryptor()
        ctx.authenticate_additional_data(aad)
        expected = ctx.update(msg) + ctx.finalize() + ctx.tag[:tag_length]
        gcm = Gcm(make_cipher(name, key))
        assert gcm.encrypt(nonce, msg, aad, tag_length) == expected
        assert gcm.decrypt(nonce, expected, aad, tag_length) == msg


def test_ccm_against_pyca_aesccm() -> None:
    from cryptography.hazmat.primitives.ciphers.aead import AESCCM

    rng = random.Random(38)
    for nonce_length in range(7, 14):
        for tag_length in (4, 6, 8, 10, 12, 14, 16):
            key = rng.randbytes(16)
            nonce, msg = rng.randbytes(nonce_length), rng.randbytes(rng.randrange(0, 70))
            aad = rng.randbytes(rng.choice((0, 1, 15, 16, 17, 300)))
            expected = AESCCM(key, tag_length).encrypt(nonce, msg, aad)
            assert Ccm(make_cipher("aes", key)).encrypt(nonce, msg, aad, tag_length) == expected


# --- edge cases and errors ------------------------------------------------------------


def test_ctr_counter_wraps_over_the_whole_block() -> None:
    key = bytes(range(16))
    iv = b"\xff" * 16
    msg = bytes(range(80))
    expected = pyca(algorithms.AES(key), pyca_modes.CTR(iv), msg, True)
    assert process(Ctr(make_cipher("aes", key), iv), msg) == expected
    # 8-byte block (pyca has no TripleDES-CTR): counter ff..ff then 00..00 then 00..01.
    cipher = make_cipher("3des", bytes(range(24)))
    counters = b"\xff" * 8 + bytes(8) + bytes(7) + b"\x01"
    assert process(Ctr(cipher, b"\xff" * 8), bytes(24)) == cipher.encryptor()(counters)


def test_ctr_short_iv_is_zero_padded() -> None:
    key = bytes(range(16))
    msg = bytes(100)
    for n in (1, 8, 12, 15):
        iv = bytes(range(1, n + 1))
        expected = pyca(algorithms.AES(key), pyca_modes.CTR(iv.ljust(16, b"\0")), msg, True)
        assert process(Ctr(make_cipher("aes", key), iv), msg) == expected
    for bad in (0, 17):
        with pytest.raises(InvalidArgumentError):
            Ctr(make_cipher("aes", key), bytes(bad))


def test_ctr_long_message_in_chunks() -> None:
    key, iv = bytes(16), bytes(range(16))
    msg = bytes(200_000)  # more than one internal chunk
    expected = pyca(algorithms.AES(key), pyca_modes.CTR(iv), msg, True)
    assert process(Ctr(make_cipher("aes", key), iv), msg) == expected


def test_iv_lengths_checked() -> None:
    cipher = make_cipher("aes", bytes(16))
    for make in (
        lambda iv: Cbc(cipher, iv, True),
        lambda iv: Cfb(cipher, iv, True),
        lambda iv: Ofb(cipher, iv),
    ):
        for bad in (0, 8, 15, 17):
            with pytest.raises(InvalidArgumentError):
                make(bytes(bad))


def test_block_modes_need_whole_blocks() -> None:
    cipher = make_cipher("aes", bytes(16))
    for obj in (Ecb(cipher, True), Ecb(cipher, False), Cbc(cipher, bytes(16), True)):
        assert obj.update(bytes(20)) != b""
        with pytest.raises(InvalidArgumentError):
            obj.finish()
    for data in (b"", bytes(15), bytes(17)):
        with pytest.raises(InvalidArgumentError):
            process(Cbc(cipher, bytes(16), False, padding=True), data)


def test_cbc_pkcs7_decryption_holds_back_the_last_block() -> None:
    cipher = make_cipher("aes", bytes(16))
    ct = process(Cbc(cipher, bytes(16), True, padding=True), bytes(32))
    assert len(ct) == 48
    dec = Cbc(cipher, bytes(16), False, padding=True)
    assert dec.update(ct[:16]) == b""
    assert dec.update(ct[16:32]) == bytes(16)
    assert dec.update(ct[32:]) == bytes(16)
    assert dec.finish() == b""


def test_cbc_pkcs7_bad_padding() -> None:
    cipher = make_cipher("aes", bytes(16))
    enc_nopad = Cbc(cipher, bytes(16), True)
    for last in (bytes(16), bytes(15) + b"\x11", bytes(14) + b"\x01\x02", b"\x03" * 15 + b"\x04"):
        ct = process(Cbc(cipher, bytes(16), True), bytes(16) + last)
        with pytest.raises(InvalidPaddingError):
            process(Cbc(cipher, bytes(16), False, padding=True), ct)
    assert enc_nopad.update(b"") == b""
    good = process(Cbc(cipher, bytes(16), True), b"\x10" * 16)
    assert process(Cbc(cipher, bytes(16), False, padding=True), good) == b""


def test_cfb_decrypt_fast_path_matches_byte_by_byte() -> None:
    rng = random.Random(11)
    cipher = make_cipher("aes", rng.randbytes(16))
    iv, msg = rng.randbytes(16), rng.randbytes(300)
    ct = process(Cfb(cipher, iv, True), msg)
    dec = Cfb(cipher, iv, False)
    assert b"".join(dec.update(msg_byte) for msg_byte in (ct[i : i + 1] for i in range(300))) == msg
    enc = Cfb(cipher, iv, True)
    assert b"".join(enc.update(msg[i : i + 1]) for i in range(300)) == ct


def test_ccm_star_no_tag_limits() -> None:
    cipher = make_cipher("aes", bytes(16))
    star = CcmStarNoTag(cipher, bytes(13))  # L = 2: at most 65535 bytes
    star.update(bytes(65535))
    with pytest.raises(InvalidArgumentError):
        star.update(b"\0")
    for bad in (0, 6, 14, 16):
        with pytest.raises(InvalidArgumentError):
            CcmStarNoTag(cipher, bytes(bad))
    with pytest.raises(InvalidArgumentError):
        CcmStarNoTag(make_cipher("3des", bytes(24)), bytes(13))


def test_gcm_errors() -> None:
    gcm = Gcm(make_cipher("aes", bytes(16)))
    with pytest.raises(InvalidArgumentError):
        gcm.encrypt(b"", b"msg", b"")
    for bad in (0, 1, 2, 3, 5, 6, 7, 9, 10, 11, 17):
        with pytest.raises(InvalidArgumentError):
            gcm.encrypt(bytes(12), b"msg", b"", bad)
    sealed = gcm.encrypt(bytes(12), b"message", b"ad")
    with pytest.raises(InvalidSignatureError):
        gcm.decrypt(bytes(12), sealed[:-1] + bytes([sealed[-1] ^ 1]), b"ad")
    with pytest.raises(InvalidSignatureError):
        gcm.decrypt(bytes(12), sealed, b"ae")
    with pytest.raises(InvalidArgumentError):
        gcm.decrypt(bytes(12), sealed[:15], b"ad")
    op = gcm.start(bytes(12), True)
    op.update(b"x")
    with pytest.raises(BadStateError):
        op.update_ad(b"late")
    with pytest.raises(BadStateError):
        op.verify(bytes(16))
    with pytest.raises(BadStateError):
        gcm.start(bytes(12), False).finish()
    with pytest.raises(InvalidArgumentError):
        Gcm(make_cipher("3des", bytes(24)))


def test_ccm_errors() -> None:
    ccm = Ccm(make_cipher("aes", bytes(16)))
    for bad in (6, 14):
        with pytest.raises(InvalidArgumentError):
            ccm.encrypt(bytes(bad), b"msg", b"")
    for bad in (0, 2, 3, 5, 7, 17, 18):
        with pytest.raises(InvalidArgumentError):
            ccm.encrypt(bytes(12), b"msg", b"", bad)
    with pytest.raises(InvalidArgumentError):  # 2**16 bytes need L >= 3
        ccm.start(bytes(13), 0, 1 << 16, True)
    ccm.start(bytes(12), 0, 1 << 16, True)
    sealed = ccm.encrypt(bytes(12), b"message", b"ad")
    with pytest.raises(InvalidSignatureError):
        ccm.decrypt(bytes(12), sealed[:-1] + bytes([sealed[-1] ^ 1]), b"ad")
    with pytest.raises(InvalidArgumentError):
        ccm.decrypt(bytes(12), sealed[:15], b"ad")
    # Declared lengths are enforced.
    op = ccm.start(bytes(12), 2, 3, True)
    with pytest.raises(InvalidArgumentError):
        op.update_ad(b"abc")
    op = ccm.start(bytes(12), 2, 3, True)
    op.update_ad(b"a")
    with pytest.raises(InvalidArgumentError):
        op.update(b"x")
    op = ccm.start(bytes(12), 0, 3, True)
    with pytest.raises(InvalidArgumentError):
        op.update(b"abcd")
    op = ccm.start(bytes(12), 0, 3, True)
    op.update(b"ab")
    with pytest.raises(InvalidArgumentError):
        op.finish()
    op = ccm.start(bytes(12), 0, 0, True)
    op.finish()
    op = ccm.start(bytes(12), 1, 0, False)
    op.update_ad(b"a")
    with pytest.raises(BadStateError):
        op.finish()


def test_cbc_mac_padding_choices() -> None:
    cipher = make_cipher("aes", bytes(range(16)))
    strict = CbcMac(cipher)
    for bad in (b"", bytes(1), bytes(17)):
        with pytest.raises(InvalidArgumentError):
            strict.mac(bad)
    padded = CbcMac(cipher, zero_pad=True)
    assert padded.mac(b"abc") == strict.mac(b"abc".ljust(16, b"\0"))
    assert padded.mac(b"") == strict.mac(bytes(16))
    assert padded.mac(bytes(32)) == strict.mac(bytes(32))


def test_des_cmac_and_bad_block_sizes() -> None:
    # 8-byte blocks are fine for CMAC/CBC-MAC/CTR; GCM, CCM and XTS need 16-byte blocks.
    cipher = make_cipher("3des", bytes(range(24)))
    reference = cmac.CMAC(TripleDES(bytes(range(24))))
    reference.update(b"hello")
    assert Cmac(cipher).mac(b"hello") == reference.finalize()
    with pytest.raises(InvalidArgumentError):
        Ccm(cipher)
    with pytest.raises(InvalidArgumentError):
        Cmac(EcbFunctions(32, lambda b: b))


def test_bytes_like_inputs() -> None:
    cipher = make_cipher("aria", bytes(16))
    gcm = Gcm(cipher)
    sealed = gcm.encrypt(bytearray(12), memoryview(b"data"), bytearray(b"ad"))
    assert gcm.decrypt(memoryview(bytes(12)), bytearray(sealed), b"ad") == b"data"
    assert process(Ctr(cipher, bytearray(16)), memoryview(b"abc")) == process(
        Ctr(cipher, bytes(16)), b"abc"
    )


def test_ecb_functions_without_decrypt() -> None:
    with pytest.raises(InvalidArgumentError):
        EcbFunctions(16, lambda b: b).decryptor()


def test_errors_are_psa_errors() -> None:
    assert issubclass(InvalidArgumentError, PsaError)


def test_counter_blocks_with_an_identity_cipher() -> None:
    # With E = identity the keystream is the counter blocks themselves.
    identity = EcbFunctions(16, lambda b: b)
    start = bytes(8) + b"\xff" * 8
    out = process(Ctr(identity, start), bytes(48))
    assert out == start + bytes(7) + b"\x01" + bytes(8) + bytes(7) + b"\x01" + bytes(7) + b"\x01"
    # Many blocks (the fast path): block i is start + i.
    base = int.from_bytes(start, "big")
    out = process(Ctr(identity, start), bytes(16 * 5000))
    assert all(
        int.from_bytes(out[16 * i : 16 * i + 16], "big") == base + i for i in range(0, 5000, 7)
    )
    # GCM counts with the low 32 bits only; CCM with the low 8L bits.
    from psacrypto.drivers.software.primitives.modes import _CounterKeystream

    fixed = 0xAB << 120
    ks = _CounterKeystream(identity.encryptor(), 16, fixed | 0xFFFFFFFE, 32)
    blocks = ks.xor(bytes(64))
    assert [int.from_bytes(blocks[i : i + 16], "big") for i in range(0, 64, 16)] == [
        fixed | 0xFFFFFFFE,
        fixed | 0xFFFFFFFF,
        fixed,
        fixed | 1,
    ]
