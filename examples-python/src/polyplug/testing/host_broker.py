"""The host's end of the go-plugin broker, for tests: serve services to a plugin and dial
the plugin's brokered services."""

from __future__ import annotations

import threading
from collections.abc import Callable

import grpc

from polyplug.gen.plugin import grpc_broker_pb2_grpc
from polyplug.goplugin.broker import Broker, BrokerConnection
from polyplug.goplugin.io_loop import shared_io_loop
from polyplug.testing.plugin_process import _CHANNEL_OPTIONS, PluginProcess


class HostBroker:
    """Opens ``plugin.GRPCBroker/StartStream`` on a plugin and keeps it open until closed."""

    def __init__(self, plugin: PluginProcess) -> None:
        self._open = threading.Event()
        self._open.set()
        self._broker = Broker(
            "unix",
            plugin.mtls,
            shared_io_loop() if plugin.mtls else None,
            server_options=_CHANNEL_OPTIONS,
            channel_options=_CHANNEL_OPTIONS,
        )
        stub = grpc_broker_pb2_grpc.GRPCBrokerStub(plugin.channel)
        self._call = stub.StartStream(self._broker.outgoing(self._open.is_set))
        threading.Thread(target=self._receive, name="host-broker-recv", daemon=True).start()

    def _receive(self) -> None:
        try:
            for info in self._call:
                self._broker.receive(info)
        except grpc.RpcError:
            pass

    def serve(self, register: Callable[[grpc.Server], None]) -> int:
        """Serve the services ``register`` adds on a new broker id and announce it."""
        return self._broker.accept_and_serve(register)

    def dial(self, service_id: int, timeout: float = 5.0) -> BrokerConnection:
        """Connect to a service the plugin announced under ``service_id``."""
        return self._broker.dial(service_id, timeout)

    def close(self) -> None:
        """End the stream and stop the servers started by :meth:`serve`."""
        self._open.clear()
        self._call.cancel()  # type: ignore[no-untyped-call]
        self._broker.close()

    def __enter__(self) -> HostBroker:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
