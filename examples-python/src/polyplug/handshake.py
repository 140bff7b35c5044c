"""Polyplug's go-plugin handshake constants (shared with the gateway and the Go SDK)."""

from polyplug.goplugin.handshake import HandshakeConfig

#: Environment variable the gateway sets when launching a plugin.
MAGIC_COOKIE_KEY = "POLYPLUG_PLUGIN"
#: Its exact value.
MAGIC_COOKIE_VALUE = "5be0d50d6b1969b5bbdf8d18b208649b561434faabc06d476b2e525d3b9c8abb"
#: The app protocol version of the polyplug.v1 contract.
APP_PROTOCOL_VERSION = 1

#: The handshake every Polyplug plugin uses.
POLYPLUG_HANDSHAKE = HandshakeConfig(
    cookie_key=MAGIC_COOKIE_KEY,
    cookie_value=MAGIC_COOKIE_VALUE,
    protocol_versions=(APP_PROTOCOL_VERSION,),
)
