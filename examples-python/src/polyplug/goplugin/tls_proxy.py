"""TLS in front of grpcio, done by Python's ``ssl`` (OpenSSL).

grpcio's bundled BoringSSL cannot complete TLS with go-plugin's P-521 certificates, so
gRPC itself always runs in plaintext over private Unix sockets and these proxies add TLS
on the outside:

* :class:`TlsServerProxy` accepts TLS where the handshake line points (requiring the
  host's client certificate) and pipes bytes to the plaintext gRPC server's socket.
* :class:`TlsDialProxy` listens on a private Unix socket for a local grpcio channel and
  pipes each connection over TLS to a server of the host (brokered services).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl

from polyplug.goplugin.io_loop import IoLoop
from polyplug.goplugin.listener import Endpoint, new_unix_path

_log = logging.getLogger("polyplug.goplugin.tls")
_CHUNK = 64 * 1024
_HANDSHAKE_TIMEOUT_S = 10.0


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(_CHUNK):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, ssl.SSLError, OSError):
        pass


async def _bridge(
    left: tuple[asyncio.StreamReader, asyncio.StreamWriter],
    right: tuple[asyncio.StreamReader, asyncio.StreamWriter],
) -> None:
    """Copy both ways until either side closes, then close both."""
    tasks = {
        asyncio.ensure_future(_pipe(left[0], right[1])),
        asyncio.ensure_future(_pipe(right[0], left[1])),
    }
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()
        for writer in (left[1], right[1]):
            writer.close()
        for writer in (left[1], right[1]):
            with contextlib.suppress(Exception):
                await writer.wait_closed()


class _Proxy:
    def __init__(self, io: IoLoop, server: asyncio.Server) -> None:
        self._io = io
        self._server = server

    def close(self) -> None:
        """Stop accepting; open connections are closed with the process."""

        async def _close() -> None:
            self._server.close()

        with contextlib.suppress(Exception):
            self._io.run(_close(), timeout=2)


class TlsServerProxy(_Proxy):
    """Terminates TLS on ``sock`` (already listening) and forwards to ``upstream_path``."""

    @staticmethod
    def start(
        io: IoLoop, sock: socket.socket, context: ssl.SSLContext, upstream_path: str
    ) -> TlsServerProxy:
        """Start serving on the loop; returns once accepting."""

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                upstream = await asyncio.open_unix_connection(upstream_path)
            except OSError as error:
                _log.error("cannot reach the internal gRPC socket", extra={"error": str(error)})
                writer.close()
                return
            await _bridge((reader, writer), upstream)

        async def listen() -> asyncio.Server:
            sock.setblocking(False)
            if sock.family == socket.AF_UNIX:
                return await asyncio.start_unix_server(
                    handle, sock=sock, ssl=context, ssl_handshake_timeout=_HANDSHAKE_TIMEOUT_S
                )
            return await asyncio.start_server(
                handle, sock=sock, ssl=context, ssl_handshake_timeout=_HANDSHAKE_TIMEOUT_S
            )

        return TlsServerProxy(io, io.run(listen()))


class TlsDialProxy(_Proxy):
    """A private plaintext Unix endpoint whose connections are carried over TLS to ``target``."""

    def __init__(self, io: IoLoop, server: asyncio.Server, local: Endpoint) -> None:
        super().__init__(io, server)
        #: Where a grpcio channel should connect (``unix`` in the private dir).
        self.local = local

    @staticmethod
    def start(io: IoLoop, target: Endpoint, context: ssl.SSLContext) -> TlsDialProxy:
        """Start the local endpoint; TLS to ``target`` happens per accepted connection."""
        path = new_unix_path(internal=True)

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            try:
                if target.network == "unix":
                    remote = await asyncio.open_unix_connection(
                        target.address,
                        ssl=context,
                        server_hostname="localhost",
                        ssl_handshake_timeout=_HANDSHAKE_TIMEOUT_S,
                    )
                else:
                    host, _, port = target.address.rpartition(":")
                    remote = await asyncio.open_connection(
                        host,
                        int(port),
                        ssl=context,
                        server_hostname="localhost",
                        ssl_handshake_timeout=_HANDSHAKE_TIMEOUT_S,
                    )
            except (OSError, ssl.SSLError, ValueError) as error:
                _log.error(
                    "TLS dial to host service failed",
                    extra={"address": target.address, "error": str(error)},
                )
                writer.close()
                return
            await _bridge((reader, writer), remote)

        async def listen() -> asyncio.Server:
            return await asyncio.start_unix_server(handle, path=path)

        return TlsDialProxy(io, io.run(listen()), Endpoint("unix", path))
