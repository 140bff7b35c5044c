"""The go-plugin handshake: the magic cookie check and the line printed on stdout."""

from __future__ import annotations

import base64
import os
import sys
from dataclasses import dataclass
from typing import NoReturn

#: go-plugin's core protocol version; fixed, never negotiated.
CORE_PROTOCOL_VERSION = 1

#: The exact text a go-plugin plugin prints to stderr when started without the cookie.
NOT_A_HOST_MESSAGE = (
    "This binary is a plugin. These are not meant to be executed directly.\n"
    "Please execute the program that consumes these plugins, which will\n"
    "load any plugins automatically\n"
)


@dataclass(frozen=True)
class HandshakeConfig:
    """What a plugin and its host agree on before anything else.

    ``cookie_key``/``cookie_value``: the environment variable the host sets and its exact
    value. ``protocol_versions``: the app protocol versions this plugin can serve.
    """

    cookie_key: str
    cookie_value: str
    protocol_versions: tuple[int, ...]


def exit_unless_launched_by_host(config: HandshakeConfig) -> None:
    """Exit with status 1 and go-plugin's message unless the magic cookie matches exactly."""
    if not config.cookie_key or not config.cookie_value:
        _fail(
            "Misconfigured ServeConfig given to serve this plugin: no magic cookie\n"
            "key or value was set. Please notify the plugin author and report\n"
            "this as a bug.\n"
        )
    if os.environ.get(config.cookie_key) != config.cookie_value:
        _fail(NOT_A_HOST_MESSAGE)


def _fail(message: str) -> NoReturn:
    sys.stderr.flush()
    os.write(2, message.encode())
    sys.exit(1)


def format_handshake_line(
    app_version: int, network: str, address: str, server_cert_der: bytes | None
) -> str:
    """Build the handshake line, newline included.

    Always six fields (``1|<ver>|<network>|<address>|grpc|<cert>``); the sixth is the DER
    certificate in unpadded standard base64, or empty without AutoMTLS. The optional
    seventh field (multiplexing) is never written: this SDK does not support
    ``PLUGIN_MULTIPLEX_GRPC``.
    """
    cert = ""
    if server_cert_der is not None:
        cert = base64.b64encode(server_cert_der).decode("ascii").rstrip("=")
    fields = [str(CORE_PROTOCOL_VERSION), str(app_version), network, address, "grpc", cert]
    return "|".join(fields) + "\n"
