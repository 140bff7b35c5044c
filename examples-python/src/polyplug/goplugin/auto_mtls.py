"""AutoMTLS: this plugin's certificate and the TLS settings go-plugin expects.

go-plugin's host puts its PEM certificate in ``PLUGIN_CLIENT_CERT``; the plugin answers
with its own self-signed certificate (DER, base64, in the handshake line). Each side
trusts only the other's certificate, requires client certificates, uses server name
``localhost`` and TLS >= 1.2; gRPC-Go also insists on ALPN ``h2``.

TLS itself is done by Python's ``ssl`` module (OpenSSL), not by grpcio: grpcio's BoringSSL
cannot verify the P-521 signatures go-plugin's certificates produce (see the README).
"""

from __future__ import annotations

import datetime
import os
import secrets
import ssl
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: Certificate lifetime, as go-plugin: from 30 s ago to 262,980 hours (~30 years) ahead.
_NOT_BEFORE_SKEW = datetime.timedelta(seconds=30)
_LIFETIME = datetime.timedelta(hours=262_980)


@dataclass(frozen=True)
class Certificate:
    """A certificate with its private key, as PEM and DER."""

    cert_pem: bytes
    key_pem: bytes
    cert_der: bytes


def generate_certificate(organization: str = "Polyplug") -> Certificate:
    """Create a fresh self-signed ECDSA P-521 ``localhost`` certificate, go-plugin style
    (CA, digitalSignature/keyEncipherment/keyAgreement/certSign, clientAuth+serverAuth)."""
    key = ec.generate_private_key(ec.SECP521R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "localhost"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
        ]
    )
    now = datetime.datetime.now(datetime.UTC)
    usage = x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=True,
        data_encipherment=False,
        key_agreement=True,
        key_cert_sign=True,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    extended = x509.ExtendedKeyUsage(
        [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(secrets.randbits(127) + 1)
        .not_valid_before(now - _NOT_BEFORE_SKEW)
        .not_valid_after(now + _LIFETIME)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(extended, critical=False)
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA512())
    )
    return Certificate(
        cert_pem=cert.public_bytes(serialization.Encoding.PEM),
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        ),
        cert_der=cert.public_bytes(serialization.Encoding.DER),
    )


@dataclass(frozen=True)
class MtlsConfig:
    """Both ends of AutoMTLS: our certificate (also written to ``cert_path``/``key_path``,
    because ``ssl`` loads keys from files) and the peer's, the only trusted root."""

    own: Certificate
    peer_cert_pem: str
    cert_path: str
    key_path: str

    @staticmethod
    def create(peer_cert_pem: str, directory: str, own: Certificate | None = None) -> MtlsConfig:
        """Write our certificate (``own``, or a freshly generated one) into ``directory``,
        which must be private.

        Raises ValueError when ``peer_cert_pem`` is not a PEM certificate.
        """
        try:
            x509.load_pem_x509_certificate(peer_cert_pem.encode())
        except ValueError as error:
            raise ValueError(f"peer certificate is not a PEM certificate: {error}") from error
        own = own or generate_certificate()
        cert_path = os.path.join(directory, "tls-cert.pem")
        key_path = os.path.join(directory, "tls-key.pem")
        for path, data in ((cert_path, own.cert_pem), (key_path, own.key_pem)):
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
        return MtlsConfig(own, peer_cert_pem, cert_path, key_path)

    @staticmethod
    def from_env(directory: str) -> MtlsConfig | None:
        """:meth:`create` from ``PLUGIN_CLIENT_CERT``; None when the host did not set it."""
        pem = os.environ.get("PLUGIN_CLIENT_CERT", "")
        if not pem.strip():
            return None
        try:
            return MtlsConfig.create(pem, directory)
        except ValueError as error:
            raise ValueError(f"PLUGIN_CLIENT_CERT: {error}") from error

    def _context(self, protocol: ssl._SSLMethod) -> ssl.SSLContext:
        context = ssl.SSLContext(protocol)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(cadata=self.peer_cert_pem)
        context.load_cert_chain(self.cert_path, self.key_path)
        context.set_alpn_protocols(["h2"])
        return context

    def server_context(self) -> ssl.SSLContext:
        """For accepting connections: require and verify a client cert signed by the peer."""
        return self._context(ssl.PROTOCOL_TLS_SERVER)

    def client_context(self) -> ssl.SSLContext:
        """For dialing the peer: verify its cert as the only root, server name ``localhost``."""
        context = self._context(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = True
        return context
