"""Test helpers: run a plugin as a real subprocess the way a go-plugin host does.

Example::

    with PluginProcess([sys.executable, "plugin.py"]) as plugin:
        assert plugin.health() == 1  # SERVING
        assert plugin.shutdown() == 0
"""

from polyplug.testing.handshake_line import HandshakeLine
from polyplug.testing.host_broker import HostBroker
from polyplug.testing.plugin_process import PluginProcess, PluginStartError, plugin_environment

__all__ = ["HandshakeLine", "HostBroker", "PluginProcess", "PluginStartError", "plugin_environment"]
