"""Debug mode: run a plugin by hand (e.g. under debugpy) and let a gateway attach to it.

With ``POLYPLUG_DEBUG=1`` the plugin does not need the gateway's magic cookie, serves
without AutoMTLS, keeps stdout and Ctrl-C for the person debugging, does not exit with its
parent, and prints go-plugin's reattach configuration (the shape of Terraform's
``TF_REATTACH_PROVIDERS`` values) on stderr instead of the handshake line on stdout. The
gateway attaches with ``polyplug serve --reattach ID=JSON`` or ``POLYPLUG_REATTACH_PLUGINS``.
"""

from __future__ import annotations

import json
import os
import sys

from polyplug.goplugin.listener import Endpoint

#: Environment variable that turns debug mode on.
DEBUG_ENV = "POLYPLUG_DEBUG"


def debug_enabled() -> bool:
    """Whether the plugin was started by hand for debugging."""
    return os.environ.get(DEBUG_ENV, "") not in ("", "0", "false")


def reattach_config(version: int, endpoint: Endpoint) -> dict[str, object]:
    """go-plugin's ReattachConfig for this process, as JSON-ready data."""
    return {
        "Protocol": "grpc",
        "ProtocolVersion": version,
        "Pid": os.getpid(),
        "Test": True,
        "Addr": {"Network": endpoint.network, "String": endpoint.address},
    }


def announce_reattach(version: int, endpoint: Endpoint) -> None:
    """Tell the person debugging how to attach a gateway (on stderr: stdout stays theirs)."""
    config = json.dumps(reattach_config(version, endpoint), separators=(",", ":"))
    sys.stderr.write(
        "polyplug: debug mode, waiting for a gateway to attach:\n"
        f"  polyplug serve --reattach <plugin-id>='{config}'\n"
        f"POLYPLUG_REATTACH={config}\n"
    )
    sys.stderr.flush()
