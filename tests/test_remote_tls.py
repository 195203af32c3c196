"""TCP + TLS: server verification, mutual-TLS identities, tokens over TLS."""

from __future__ import annotations

import datetime
import ipaddress
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import psacrypto as p
from psacrypto import errors
from psacrypto.remote.config import hash_token
from psacrypto.remote.testing import ServerProcess


def _write_cert(
    directory: Path,
    name: str,
    subject: str,
    issuer: tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None,
    *,
    ca: bool = False,
    server: bool = False,
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    subj = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, subject),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "psacrypto tests"),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subj)
        .issuer_name(issuer[0].subject if issuer else subj)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    cert = builder.sign(issuer[1] if issuer else key, hashes.SHA256())
    (directory / f"{name}.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / f"{name}.key").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert, key


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def tls_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerProcess, Path]]:
    d = tmp_path_factory.mktemp("tls")
    ca = _write_cert(d, "ca", "test CA", None, ca=True)
    _write_cert(d, "server", "localhost", ca, server=True)
    _write_cert(d, "alice", "alice", ca)
    rogue_ca = _write_cert(d, "rogue-ca", "rogue CA", None, ca=True)
    _write_cert(d, "mallory", "alice", rogue_ca)  # same subject, wrong CA
    port = _free_port()
    srv = ServerProcess.start(
        d,
        server={"listen": [f"tls://127.0.0.1:{port}", f"unix://{d}/psa.sock"]},
        tls={
            "cert": str(d / "server.pem"),
            "key": str(d / "server.key"),
            "client_ca": str(d / "ca.pem"),
        },
        auth={"token": {"clients": {"ci": {"sha256": hash_token("ci-token")}}}},
    )
    yield srv, d
    srv.stop()


def test_mutual_tls_identity(tls_service: tuple[ServerProcess, Path]) -> None:
    srv, d = tls_service
    url = srv.urls[0]
    with srv.connect(
        url, cafile=str(d / "ca.pem"), certfile=str(d / "alice.pem"), keyfile=str(d / "alice.key")
    ) as ctx:
        assert ctx.identity == "tls:O=psacrypto tests,CN=alice"
        key = ctx.import_key(
            p.KeyAttributes(p.KEY_TYPE_AES, 128, 0, 0, p.KEY_USAGE_ENCRYPT, p.ALG_GCM), b"k" * 16
        )
        assert len(ctx.aead_encrypt(key, p.ALG_GCM, b"n" * 12, b"", b"x")) == 17


def test_token_over_tls(tls_service: tuple[ServerProcess, Path]) -> None:
    srv, d = tls_service
    with srv.connect(srv.urls[0], cafile=str(d / "ca.pem"), token="ci-token") as ctx:
        assert ctx.identity == "token:ci"


def test_no_identity_refused(tls_service: tuple[ServerProcess, Path]) -> None:
    srv, d = tls_service
    with pytest.raises(errors.NotPermittedError):
        srv.connect(srv.urls[0], cafile=str(d / "ca.pem"))


def test_wrong_ca_refused(tls_service: tuple[ServerProcess, Path]) -> None:
    srv, d = tls_service
    with pytest.raises(errors.CommunicationFailureError):
        srv.connect(
            srv.urls[0],
            cafile=str(d / "ca.pem"),
            certfile=str(d / "mallory.pem"),
            keyfile=str(d / "mallory.key"),
        ).ping()
    with pytest.raises(errors.CommunicationFailureError):
        srv.connect(
            srv.urls[0], cafile=str(d / "rogue-ca.pem"), token="ci-token"
        )  # server unverified
