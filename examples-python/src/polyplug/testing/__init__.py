"""Test helpers: run a plugin as a real subprocess the way a go-plugin host does.

Example::

    with PluginHarness([sys.executable, "plugin.py"], config={"blocked_words": ["x"]}) as h:
        reply = h.intercept("message.will_be_posted", {"message": "x"})
        assert reply.WhichOneof("outcome") == "reject"
        assert h.close() == 0
"""

from polyplug.testing.handshake_line import HandshakeLine
from polyplug.testing.host_broker import HostBroker
from polyplug.testing.memory_gateway_api import MemoryGatewayApi
from polyplug.testing.plugin_harness import PluginHarness
from polyplug.testing.plugin_process import PluginProcess, PluginStartError, plugin_environment

__all__ = [
    "HandshakeLine",
    "HostBroker",
    "MemoryGatewayApi",
    "PluginHarness",
    "PluginProcess",
    "PluginStartError",
    "plugin_environment",
]
