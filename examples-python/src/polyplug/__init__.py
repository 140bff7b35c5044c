"""Polyplug's Python plugin SDK.

When this package is imported by a process that a go-plugin host launched (the host sets
``PLUGIN_PROTOCOL_VERSIONS``), stdout is guarded at once: later ``print`` calls go to
stderr, so nothing can come before the handshake line.
"""

import os as _os

from polyplug.goplugin.stdout_guard import install_stdout_guard as _install_stdout_guard

if "PLUGIN_PROTOCOL_VERSIONS" in _os.environ:
    _install_stdout_guard()

from polyplug.handshake import (  # noqa: E402 (the guard must come first)
    APP_PROTOCOL_VERSION,
    MAGIC_COOKIE_KEY,
    MAGIC_COOKIE_VALUE,
    POLYPLUG_HANDSHAKE,
)

__all__ = [
    "APP_PROTOCOL_VERSION",
    "MAGIC_COOKIE_KEY",
    "MAGIC_COOKIE_VALUE",
    "POLYPLUG_HANDSHAKE",
]
