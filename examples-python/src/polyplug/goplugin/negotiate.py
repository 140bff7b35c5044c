"""App protocol version negotiation (go-plugin `PLUGIN_PROTOCOL_VERSIONS`)."""

from __future__ import annotations

import logging
from collections.abc import Iterable

_log = logging.getLogger("polyplug.goplugin")


def parse_host_versions(raw: str | None) -> list[int]:
    """Parse the comma-separated list the host sent; entries that are not integers are
    skipped with a warning, as go-plugin does."""
    versions: list[int] = []
    for entry in (raw or "").split(","):
        entry = entry.strip()
        if not entry:
            continue
        try:
            versions.append(int(entry))
        except ValueError:
            _log.warning("server sent invalid plugin version %r", entry)
    return versions


def negotiate_version(ours: Iterable[int], host_env: str | None) -> int:
    """Pick the app protocol version to serve.

    Walks our versions from highest to lowest and returns the first one the host also
    lists; with no match (or no list) returns our lowest version so the host can reject
    it with its own clear error. Raises ValueError if ``ours`` is empty.
    """
    supported = sorted(set(ours), reverse=True)
    if not supported:
        raise ValueError("a plugin must support at least one app protocol version")
    host = set(parse_host_versions(host_env))
    for version in supported:
        if version in host:
            return version
    return supported[-1]
