"""AutoMTLS as go-plugin does it, checked at the TLS level with OpenSSL (Python's ssl).

The plugin terminates TLS with Python's ssl in front of grpcio (see the README); a real
go-plugin Go host is the decisive check and lives in the examples-go interop test.
"""

from __future__ import annotations

import socket
import ssl
import subprocess
import tempfile
from collections.abc import Callable, Iterator

import pytest
from conftest import FIXTURE, PYTHON
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID

from polyplug.goplugin import MtlsConfig, generate_certificate
from polyplug.testing import PluginProcess, plugin_environment


@pytest.fixture
def plugin() -> Iterator[PluginProcess]:
    with PluginProcess([PYTHON, FIXTURE], auto_mtls=True) as process:
        yield process


def _connect(plugin: PluginProcess, context: ssl.SSLContext) -> ssl.SSLSocket:
    raw = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    raw.settimeout(5)
    raw.connect(plugin.handshake.address)
    return context.wrap_socket(raw, server_hostname="localhost")


def _client_context(plugin: PluginProcess, own: MtlsConfig | None) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    assert plugin.mtls is not None
    context.load_verify_locations(cadata=plugin.mtls.peer_cert_pem)
    context.set_alpn_protocols(["h2"])
    if own is not None:
        context.load_cert_chain(own.cert_path, own.key_path)
    return context


def _refused(connection_factory: Callable[[], ssl.SSLSocket]) -> bool:
    """True when the TLS handshake or the first read fails (TLS 1.3 reports a rejected
    client certificate only after the handshake)."""
    try:
        tls = connection_factory()
        tls.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        return bool(tls.recv(1) == b"")
    except (ssl.SSLError, ConnectionError, OSError):
        return True


def test_plugin_certificate_follows_the_go_plugin_recipe(plugin: PluginProcess) -> None:
    assert plugin.handshake.server_cert_der is not None
    assert "=" not in plugin.handshake_raw
    cert = x509.load_der_x509_certificate(plugin.handshake.server_cert_der)
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    assert key.curve.name == "secp521r1"
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["localhost"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    usages = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert set(usages) == {ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH}


def test_tls_handshake_with_the_host_certificate(plugin: PluginProcess) -> None:
    tls = _connect(plugin, _client_context(plugin, plugin.mtls))
    with tls:
        assert tls.selected_alpn_protocol() == "h2"
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        assert tls.getpeercert(binary_form=True) == plugin.handshake.server_cert_der


def test_tls_1_2_is_accepted(plugin: PluginProcess) -> None:
    context = _client_context(plugin, plugin.mtls)
    context.maximum_version = ssl.TLSVersion.TLSv1_2
    with _connect(plugin, context) as tls:
        assert tls.version() == "TLSv1.2"
        assert tls.selected_alpn_protocol() == "h2"


def test_client_without_certificate_is_refused(plugin: PluginProcess) -> None:
    context = _client_context(plugin, None)
    assert _refused(lambda: _connect(plugin, context))
    assert plugin.health() == 1


def test_client_with_another_certificate_is_refused(plugin: PluginProcess) -> None:
    with tempfile.TemporaryDirectory() as directory:
        stranger = MtlsConfig.create(plugin.mtls.peer_cert_pem, directory)  # type: ignore[union-attr]
        context = _client_context(plugin, stranger)
        assert _refused(lambda: _connect(plugin, context))
    assert plugin.health() == 1


def test_grpc_over_tls_end_to_end(plugin: PluginProcess) -> None:
    assert plugin.health() == 1
    assert plugin.shutdown() == 0


def test_tcp_with_auto_mtls() -> None:
    with PluginProcess(
        [PYTHON, FIXTURE], auto_mtls=True, env={"POLYPLUG_PLUGIN_NETWORK": "tcp"}
    ) as p:
        assert p.handshake.network == "tcp"
        assert p.health() == 1
        assert p.shutdown() == 0


def test_unparseable_client_cert_is_a_startup_error() -> None:
    env = plugin_environment(
        client_cert_pem="-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n"
    )
    result = subprocess.run([PYTHON, FIXTURE], env=env, capture_output=True, timeout=30)
    assert result.returncode == 1
    assert result.stdout == b""
    assert b"PLUGIN_CLIENT_CERT" in result.stderr


def test_generated_certificate_is_p521_sha512() -> None:
    cert = x509.load_pem_x509_certificate(generate_certificate().cert_pem)
    assert cert.signature_hash_algorithm is not None
    assert cert.signature_hash_algorithm.name == "sha512"
