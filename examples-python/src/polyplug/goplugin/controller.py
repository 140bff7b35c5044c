"""`plugin.GRPCController`: the host's request to shut the plugin down."""

from __future__ import annotations

import threading

import grpc

from polyplug.gen.plugin import grpc_controller_pb2, grpc_controller_pb2_grpc


class ControllerServicer(grpc_controller_pb2_grpc.GRPCControllerServicer):
    """``Shutdown`` answers at once and sets ``stop``; the serve loop then exits the process."""

    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def Shutdown(
        self, request: grpc_controller_pb2.Empty, context: grpc.ServicerContext
    ) -> grpc_controller_pb2.Empty:
        self._stop.set()
        return grpc_controller_pb2.Empty()
