"""`plugin.GRPCStdio`: what the plugin writes to ``sys.stdout``/``sys.stderr`` after the
handshake, streamed to the host.

While a host is attached to ``StreamStdio`` the text is queued for it (bounded); while no
host is attached, or when the queue is full, the text goes to the real stderr instead, so
nothing blocks and nothing is silently lost.
"""

from __future__ import annotations

import collections
import io
import os
import sys
import threading
from collections.abc import Callable, Iterator

import grpc
from google.protobuf import empty_pb2

from polyplug.gen.plugin import grpc_stdio_pb2, grpc_stdio_pb2_grpc

STDOUT = grpc_stdio_pb2.StdioData.STDOUT
STDERR = grpc_stdio_pb2.StdioData.STDERR

#: Bytes queued for an attached host before writes spill to the real stderr.
QUEUE_LIMIT = 1 << 20
#: Largest chunk sent in one StdioData message (1 KiB, as go-plugin and the Polyplug spec).
CHUNK = 1024


class StdioHub:
    """The queue between the capturing streams and the one attached ``StreamStdio`` call."""

    def __init__(self, fallback_fd: int = 2, limit: int = QUEUE_LIMIT) -> None:
        self._fallback_fd = fallback_fd
        self._limit = limit
        self._cond = threading.Condition()
        self._chunks: collections.deque[
            tuple[grpc_stdio_pb2.StdioData.Channel.ValueType, bytes]
        ] = collections.deque()
        self._size = 0
        self._generation = 0
        self._attached = False

    def write(self, channel: grpc_stdio_pb2.StdioData.Channel.ValueType, data: bytes) -> None:
        """Queue ``data`` for the host, or write it to the real stderr."""
        if not data:
            return
        with self._cond:
            if self._attached and self._size + len(data) <= self._limit:
                self._chunks.append((channel, data))
                self._size += len(data)
                self._cond.notify_all()
                return
        self._spill(data)

    def _spill(self, data: bytes) -> None:
        while data:
            data = data[os.write(self._fallback_fd, data) :]

    def stream(self, is_active: Callable[[], bool]) -> Iterator[grpc_stdio_pb2.StdioData]:
        """Yield queued chunks while ``is_active()``; a newer call takes over from an older one."""
        with self._cond:
            self._generation += 1
            generation = self._generation
            self._attached = True
            self._cond.notify_all()
        try:
            while True:
                with self._cond:
                    while not self._chunks and generation == self._generation and is_active():
                        self._cond.wait(0.25)
                    if generation != self._generation or not is_active():
                        return
                    channel, data = self._chunks.popleft()
                    self._size -= len(data)
                for start in range(0, len(data), CHUNK):
                    yield grpc_stdio_pb2.StdioData(
                        channel=channel, data=data[start : start + CHUNK]
                    )
        finally:
            with self._cond:
                if generation == self._generation:
                    self._attached = False
                    leftovers = [data for _, data in self._chunks]
                    self._chunks.clear()
                    self._size = 0
                else:
                    leftovers = []
            for data in leftovers:
                self._spill(data)


class _HubWriter(io.RawIOBase):
    def __init__(self, hub: StdioHub, channel: grpc_stdio_pb2.StdioData.Channel.ValueType) -> None:
        self._hub = hub
        self._channel = channel

    def writable(self) -> bool:
        return True

    def write(self, data: bytes | bytearray | memoryview) -> int:  # type: ignore[override]
        self._hub.write(self._channel, bytes(data))
        return len(data)


def capture_stdio(hub: StdioHub) -> None:
    """Point ``sys.stdout`` and ``sys.stderr`` at ``hub`` (line-buffered, UTF-8)."""
    for name, channel in (("stdout", STDOUT), ("stderr", STDERR)):
        old = getattr(sys, name)
        if old is not None:
            old.flush()
        stream = io.TextIOWrapper(
            _HubWriter(hub, channel),  # type: ignore[type-var]
            encoding="utf-8",
            errors="backslashreplace",
            line_buffering=True,
            write_through=True,
        )
        setattr(sys, name, stream)


class StdioServicer(grpc_stdio_pb2_grpc.GRPCStdioServicer):
    """Streams the hub to the host until the call ends."""

    def __init__(self, hub: StdioHub) -> None:
        self._hub = hub

    def StreamStdio(
        self, request: empty_pb2.Empty, context: grpc.ServicerContext
    ) -> Iterator[grpc_stdio_pb2.StdioData]:
        yield from self._hub.stream(context.is_active)
