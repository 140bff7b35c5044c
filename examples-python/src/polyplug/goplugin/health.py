"""`grpc.health.v1.Health`: reports the plugin as SERVING under go-plugin's name `plugin`."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import grpc

from polyplug.gen.grpc.health.v1 import health_pb2, health_pb2_grpc

#: The service name go-plugin hosts ask about.
PLUGIN_HEALTH_SERVICE = "plugin"

_SERVING = health_pb2.HealthCheckResponse.SERVING


class HealthServicer(health_pb2_grpc.HealthServicer):
    """SERVING for ``""`` and ``"plugin"``; NOT_FOUND for any other service name."""

    def __init__(self, stopping: threading.Event) -> None:
        self._stopping = stopping

    def _known(self, request: health_pb2.HealthCheckRequest) -> bool:
        return request.service in ("", PLUGIN_HEALTH_SERVICE)

    def Check(
        self, request: health_pb2.HealthCheckRequest, context: grpc.ServicerContext
    ) -> health_pb2.HealthCheckResponse:
        if not self._known(request):
            context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return health_pb2.HealthCheckResponse(status=_SERVING)

    def Watch(
        self, request: health_pb2.HealthCheckRequest, context: grpc.ServicerContext
    ) -> Iterator[health_pb2.HealthCheckResponse]:
        status = (
            _SERVING if self._known(request) else health_pb2.HealthCheckResponse.SERVICE_UNKNOWN
        )
        yield health_pb2.HealthCheckResponse(status=status)
        while context.is_active() and not self._stopping.wait(0.5):
            pass
