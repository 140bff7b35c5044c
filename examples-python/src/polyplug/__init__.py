"""Polyplug's Python plugin SDK.

When this package is imported by a process that a go-plugin host launched (the host sets
``PLUGIN_PROTOCOL_VERSIONS``), stdout is guarded at once: later ``print`` calls go to
stderr, so nothing can come before the handshake line.
"""

import os as _os

from polyplug.goplugin.stdout_guard import install_stdout_guard as _install_stdout_guard

if "PLUGIN_PROTOCOL_VERSIONS" in _os.environ:
    _install_stdout_guard()

# The guard must run before anything else is imported.
from polyplug.api import GatewayApi, KvEntry, KvSetResult, KvStore
from polyplug.context import HookContext
from polyplug.errors import ErrorCode, PolyplugError
from polyplug.handshake import (
    APP_PROTOCOL_VERSION,
    MAGIC_COOKIE_KEY,
    MAGIC_COOKIE_VALUE,
    POLYPLUG_HANDSHAKE,
)
from polyplug.http import HttpRequest, HttpResponse
from polyplug.outcomes import ClusterMessage, Command, CommandResult, Modify, Proceed, Reject
from polyplug.plugin import Plugin
from polyplug.version import SDK_VERSION

__version__ = SDK_VERSION

__all__ = [
    "APP_PROTOCOL_VERSION",
    "MAGIC_COOKIE_KEY",
    "MAGIC_COOKIE_VALUE",
    "POLYPLUG_HANDSHAKE",
    "SDK_VERSION",
    "ClusterMessage",
    "Command",
    "CommandResult",
    "ErrorCode",
    "GatewayApi",
    "HookContext",
    "HttpRequest",
    "HttpResponse",
    "KvEntry",
    "KvSetResult",
    "KvStore",
    "Modify",
    "Plugin",
    "PolyplugError",
    "Proceed",
    "Reject",
    "__version__",
]
