"""Where a plugin listens: owner-only Unix sockets or TCP on 127.0.0.1 in the port range.

Follows go-plugin's rules: sockets go in ``PLUGIN_UNIX_SOCKET_DIR`` when the host set it
(else in a private 0700 temp dir of this process), are chmod 0600 (0660 and chgrp'ed to
``PLUGIN_UNIX_SOCKET_GROUP`` when set); TCP tries ``PLUGIN_MIN_PORT``..``PLUGIN_MAX_PORT``
in order on 127.0.0.1 (both unset: an OS-chosen port).
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import shutil
import socket
import tempfile
import threading
from dataclasses import dataclass

import grpc

#: Socket paths longer than this fail to bind on Linux (sun_path is 108 bytes).
MAX_UNIX_PATH = 107

_private_dir_lock = threading.Lock()
_private_dir: str | None = None


class ListenError(RuntimeError):
    """The plugin could not open a listener; the message says which setting was wrong."""


@dataclass(frozen=True)
class Endpoint:
    """A listening address as go-plugin writes it: network ``unix`` or ``tcp``."""

    network: str
    address: str

    def grpc_target(self) -> str:
        """The address as a grpcio target string."""
        return f"unix:{self.address}" if self.network == "unix" else self.address


def private_dir() -> str:
    """This process's private (0700) temp dir, created on first use."""
    global _private_dir
    with _private_dir_lock:
        if _private_dir is None:
            _private_dir = tempfile.mkdtemp(prefix="polyplug-")
            os.chmod(_private_dir, 0o700)
            # Plugins remove it explicitly before os._exit; other users (tests) at exit.
            atexit.register(remove_private_dir)
        return _private_dir


def remove_private_dir() -> None:
    """Delete the private dir and every socket or file in it."""
    global _private_dir
    with _private_dir_lock:
        if _private_dir is not None:
            shutil.rmtree(_private_dir, ignore_errors=True)
            _private_dir = None


def new_unix_path(internal: bool = False) -> str:
    """A fresh socket path: in the host's ``PLUGIN_UNIX_SOCKET_DIR`` unless ``internal``
    (internal sockets always live in the private dir)."""
    directory = None if internal else os.environ.get("PLUGIN_UNIX_SOCKET_DIR") or None
    directory = directory or private_dir()
    path = os.path.join(directory, f"plugin{secrets.randbelow(10**10):010d}")
    if len(path.encode()) > MAX_UNIX_PATH:
        raise ListenError(
            f"unix socket path {path!r} is longer than {MAX_UNIX_PATH} bytes; "
            "use a shorter TMPDIR or PLUGIN_UNIX_SOCKET_DIR"
        )
    return path


def restrict_socket(path: str) -> None:
    """Owner-only permissions, or group read/write when ``PLUGIN_UNIX_SOCKET_GROUP`` is set."""
    group = os.environ.get("PLUGIN_UNIX_SOCKET_GROUP")
    if not group:
        os.chmod(path, 0o600)
        return
    try:
        shutil.chown(path, group=int(group) if group.isdigit() else group)
    except (LookupError, PermissionError) as error:
        raise ListenError(f"PLUGIN_UNIX_SOCKET_GROUP={group!r}: {error}") from error
    os.chmod(path, 0o660)


def port_range() -> tuple[int, int]:
    """``(min, max)`` from ``PLUGIN_MIN_PORT``/``PLUGIN_MAX_PORT``; empty counts as 0."""
    values: list[int] = []
    for name in ("PLUGIN_MIN_PORT", "PLUGIN_MAX_PORT"):
        raw = os.environ.get(name, "")
        try:
            values.append(int(raw) if raw else 0)
        except ValueError:
            raise ListenError(f"{name} must be an integer, got {raw!r}") from None
    low, high = values
    if low > high:
        raise ListenError(
            f"PLUGIN_MIN_PORT value of {low} is greater than PLUGIN_MAX_PORT value of {high}"
        )
    return low, high


def listen_socket(network: str) -> tuple[socket.socket, Endpoint]:
    """Open a listening stream socket (for the TLS proxy) following the rules above."""
    if network == "unix":
        path = new_unix_path()
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        old_umask = os.umask(0o177)
        try:
            sock.bind(path)
        finally:
            os.umask(old_umask)
        restrict_socket(path)
        sock.listen(128)
        return sock, Endpoint("unix", path)
    low, high = port_range()
    for port in range(low, high + 1):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            sock.close()
            continue
        sock.listen(128)
        return sock, Endpoint("tcp", f"127.0.0.1:{sock.getsockname()[1]}")
    raise ListenError(f"couldn't bind plugin TCP listener in 127.0.0.1:{low}..{high}")


def bind_grpc_server(server: grpc.Server, network: str, internal: bool = False) -> Endpoint:
    """Add a plaintext port to ``server`` following the rules above.

    ``internal``: a Unix socket in the private dir, reachable only through the TLS proxy.
    """
    if network == "unix" or internal:
        path = new_unix_path(internal=internal)
        old_umask = os.umask(0o177)
        try:
            server.add_insecure_port(f"unix:{path}")
        finally:
            os.umask(old_umask)
        if not internal:
            restrict_socket(path)
        return Endpoint("unix", path)
    low, high = port_range()
    for port in range(low, high + 1):
        with contextlib.suppress(RuntimeError):
            bound = server.add_insecure_port(f"127.0.0.1:{port}")
            if bound:
                return Endpoint("tcp", f"127.0.0.1:{bound}")
    raise ListenError(f"couldn't bind plugin TCP listener in 127.0.0.1:{low}..{high}")
