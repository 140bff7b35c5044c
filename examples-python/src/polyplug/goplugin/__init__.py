"""The plugin side of HashiCorp go-plugin's gRPC protocol, on grpcio.

Usable on its own for any go-plugin host (not only Polyplug's gateway): build a
:class:`ServeConfig` with your :class:`HandshakeConfig` and a ``register`` callback that
adds your gRPC services, then call :func:`serve`.
"""

from polyplug.goplugin.auto_mtls import Certificate, MtlsConfig, generate_certificate
from polyplug.goplugin.broker import Broker, BrokerConnection, BrokerError
from polyplug.goplugin.handshake import NOT_A_HOST_MESSAGE, HandshakeConfig, format_handshake_line
from polyplug.goplugin.hclog import HclogJsonHandler, format_hclog_record
from polyplug.goplugin.listener import Endpoint, ListenError
from polyplug.goplugin.negotiate import negotiate_version
from polyplug.goplugin.serve import DEFAULT_MAX_MESSAGE_BYTES, ServeConfig, ServeContext, serve
from polyplug.goplugin.stdout_guard import install_stdout_guard

__all__ = [
    "DEFAULT_MAX_MESSAGE_BYTES",
    "NOT_A_HOST_MESSAGE",
    "Broker",
    "BrokerConnection",
    "BrokerError",
    "Certificate",
    "Endpoint",
    "HandshakeConfig",
    "HclogJsonHandler",
    "ListenError",
    "MtlsConfig",
    "ServeConfig",
    "ServeContext",
    "format_handshake_line",
    "format_hclog_record",
    "generate_certificate",
    "install_stdout_guard",
    "negotiate_version",
    "serve",
]
