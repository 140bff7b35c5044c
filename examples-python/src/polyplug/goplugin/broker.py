"""`plugin.GRPCBroker`: extra gRPC connections between host and plugin, both ways.

The host opens ``StartStream`` once; both sides then announce listeners on it as
``ConnInfo{service_id, network, address}``. :meth:`Broker.dial` waits (5 s by default) for
the host's announcement of an id and connects to it; :meth:`Broker.accept_and_serve`
starts a new gRPC server of ours and announces it under a fresh id. Multiplexing
(``PLUGIN_MULTIPLEX_GRPC``, knock messages) is not supported.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent import futures
from dataclasses import dataclass
from typing import Any

import grpc

from polyplug.gen.plugin import grpc_broker_pb2, grpc_broker_pb2_grpc
from polyplug.goplugin.auto_mtls import MtlsConfig
from polyplug.goplugin.io_loop import IoLoop
from polyplug.goplugin.listener import Endpoint, bind_grpc_server, listen_socket
from polyplug.goplugin.tls_proxy import TlsDialProxy, TlsServerProxy

_log = logging.getLogger("polyplug.goplugin.broker")

#: How long a dial waits for the host's ConnInfo.
CONN_INFO_WAIT_S = 5.0

GrpcOptions = Sequence[tuple[str, Any]]


class BrokerError(RuntimeError):
    """A broker dial or accept failed; the message names the id and the reason."""


@dataclass
class BrokerConnection:
    """A connection to a host-served broker service. Close it when done."""

    channel: grpc.Channel
    proxy: TlsDialProxy | None = None

    def close(self) -> None:
        """Close the channel and its TLS proxy, if any."""
        self.channel.close()
        if self.proxy is not None:
            self.proxy.close()

    def __enter__(self) -> BrokerConnection:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


@dataclass
class _Served:
    server: grpc.Server
    proxy: TlsServerProxy | None = None


class Broker:
    """The plugin's end of the broker. Thread-safe."""

    def __init__(
        self,
        network: str,
        mtls: MtlsConfig | None,
        io: IoLoop | None,
        server_options: GrpcOptions = (),
        channel_options: GrpcOptions = (),
    ) -> None:
        self._network = network
        self._mtls = mtls
        self._io = io
        self._server_options = list(server_options)
        self._channel_options = list(channel_options)
        self._cond = threading.Condition()
        self._parked: dict[int, grpc_broker_pb2.ConnInfo] = {}
        self._outgoing: queue.Queue[grpc_broker_pb2.ConnInfo] = queue.Queue()
        self._last_id = 0
        self._served: list[_Served] = []

    def next_id(self) -> int:
        """A fresh service id (1, 2, ...) for :meth:`accept_and_serve`."""
        with self._cond:
            self._last_id += 1
            return self._last_id

    # Incoming announcements -------------------------------------------------------------

    def receive(self, info: grpc_broker_pb2.ConnInfo) -> None:
        """Keep a ConnInfo from the host for :meth:`dial`.

        Unlike go-plugin (which drops unclaimed ones after 5 s) the latest ConnInfo per id
        is kept for the life of the process, so a service such as the GatewayAPI can be
        redialled (the Polyplug protocol asks SDKs to do so)."""
        if info.HasField("knock"):
            _log.warning(
                "ignoring a multiplexing knock: PLUGIN_MULTIPLEX_GRPC is not supported",
                extra={"service_id": info.service_id},
            )
            return
        with self._cond:
            self._parked[info.service_id] = info
            self._cond.notify_all()

    def dial(self, service_id: int, timeout: float = CONN_INFO_WAIT_S) -> BrokerConnection:
        """Connect to the host's service announced as ``service_id``.

        Raises BrokerError if no announcement arrives within ``timeout`` seconds.
        """
        deadline = time.monotonic() + timeout
        with self._cond:
            while service_id not in self._parked:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise BrokerError(
                        f"timeout waiting for connection info for broker id {service_id} "
                        f"({timeout:g} s): the host did not announce it on the broker stream"
                    )
                self._cond.wait(remaining)
            info = self._parked[service_id]
        target = Endpoint(info.network, info.address)
        if info.network not in ("unix", "tcp"):
            raise BrokerError(f"broker id {service_id}: unsupported network {info.network!r}")
        if self._mtls is None or self._io is None:
            return BrokerConnection(
                grpc.insecure_channel(target.grpc_target(), self._channel_options)
            )
        proxy = TlsDialProxy.start(self._io, target, self._mtls.client_context())
        channel = grpc.insecure_channel(proxy.local.grpc_target(), self._channel_options)
        return BrokerConnection(channel, proxy)

    # Outgoing announcements -------------------------------------------------------------

    def accept_and_serve(
        self, register: Callable[[grpc.Server], None], service_id: int | None = None
    ) -> int:
        """Start a gRPC server with the services ``register`` adds, announce it to the host
        and return its id (``service_id`` or :meth:`next_id`). It runs until :meth:`close`."""
        service_id = self.next_id() if service_id is None else service_id
        server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=8), options=self._server_options
        )
        register(server)
        served = _Served(server)
        if self._mtls is not None and self._io is not None:
            internal = bind_grpc_server(server, "unix", internal=True)
            sock, endpoint = listen_socket(self._network)
            served.proxy = TlsServerProxy.start(
                self._io, sock, self._mtls.server_context(), internal.address
            )
        else:
            endpoint = bind_grpc_server(server, self._network)
        server.start()
        with self._cond:
            self._served.append(served)
        self._outgoing.put(
            grpc_broker_pb2.ConnInfo(
                service_id=service_id, network=endpoint.network, address=endpoint.address
            )
        )
        return service_id

    def outgoing(self, is_active: Callable[[], bool]) -> Iterator[grpc_broker_pb2.ConnInfo]:
        """Yield our announcements to the host while ``is_active()``."""
        while is_active():
            try:
                yield self._outgoing.get(timeout=0.25)
            except queue.Empty:
                continue

    def close(self) -> None:
        """Stop every server started by :meth:`accept_and_serve`."""
        with self._cond:
            served, self._served = self._served, []
        for item in served:
            item.server.stop(0)
            if item.proxy is not None:
                item.proxy.close()


class BrokerServicer(grpc_broker_pb2_grpc.GRPCBrokerServicer):
    """Feeds the host's announcements to the :class:`Broker` and streams ours back."""

    def __init__(self, broker: Broker) -> None:
        self._broker = broker

    def StartStream(
        self, request_iterator: Iterator[grpc_broker_pb2.ConnInfo], context: grpc.ServicerContext
    ) -> Iterator[grpc_broker_pb2.ConnInfo]:
        def pump() -> None:
            try:
                for info in request_iterator:
                    self._broker.receive(info)
            except grpc.RpcError:
                pass

        threading.Thread(target=pump, name="polyplug-broker-recv", daemon=True).start()
        yield from self._broker.outgoing(context.is_active)
