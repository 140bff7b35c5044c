"""Run a Polyplug plugin the way the gateway does: launch, Describe, Activate with an
in-memory GatewayAPI served through the broker; then call hooks on ``stub``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from polyplug.gen.polyplug.v1 import common_pb2
from polyplug.gen.polyplug.v1 import gateway_api_pb2_grpc as api_grpc
from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.gen.polyplug.v1 import plugin_pb2_grpc as pb_grpc
from polyplug.structs import to_struct
from polyplug.testing.host_broker import HostBroker
from polyplug.testing.memory_gateway_api import MemoryGatewayApi
from polyplug.testing.plugin_process import PluginProcess


class PluginHarness:
    """A launched, described and activated plugin. Use as a context manager.

    ``stub`` is a ``polyplug.v1.Plugin`` client; ``api`` the in-memory GatewayAPI the
    plugin was given; ``description`` its DescribeResponse; ``activation`` the
    ActivateResponse (check ``activation.HasField("error")``).
    """

    def __init__(
        self,
        command: Sequence[str],
        *,
        config: dict[str, Any] | None = None,
        auto_mtls: bool = False,
        activate: bool = True,
        **launch: Any,
    ) -> None:
        self.process = PluginProcess(command, auto_mtls=auto_mtls, **launch)
        try:
            self.api = MemoryGatewayApi(config)
            self.broker = HostBroker(self.process)
            self.stub = pb_grpc.PluginStub(self.process.channel)
            self.description = self.stub.Describe(
                pb.DescribeRequest(context=self.context()), timeout=10
            )
            self.api_broker_id = self.broker.serve(
                lambda server: api_grpc.add_GatewayAPIServicer_to_server(self.api, server)
            )
            self.activation: pb.ActivateResponse | None = None
            if activate:
                self.activation = self.activate()
        except Exception:
            self.process.kill()
            raise

    def context(self, **fields: Any) -> common_pb2.HookContext:
        """A HookContext as the gateway fills it (request id, plugin id, ``fields``)."""
        base: dict[str, Any] = {"request_id": "req-1", "plugin_id": getattr(self, "plugin_id", "")}
        base.update(fields)
        return common_pb2.HookContext(**base)

    @property
    def plugin_id(self) -> str:
        """The id the plugin described itself with."""
        return self.description.plugin_id

    def activate(self) -> pb.ActivateResponse:
        """Send Activate with the memory API's configuration and broker id."""
        request = pb.ActivateRequest(
            context=self.context(),
            configuration=to_struct(self.api.config, "configuration"),
            gateway_api_broker_id=self.api_broker_id,
            gateway=pb.GatewayInfo(version="0.0.0-test", instance_id="test"),
        )
        return self.stub.Activate(request, timeout=30)

    def intercept(self, topic: str, payload: dict[str, Any], **ctx: Any) -> pb.InterceptResponse:
        """Call Intercept."""
        request = pb.InterceptRequest(
            context=self.context(**ctx), topic=topic, payload=to_struct(payload, "payload")
        )
        return self.stub.Intercept(request, timeout=5)

    def notify(self, topic: str, payload: dict[str, Any], **ctx: Any) -> pb.NotifyResponse:
        """Call Notify."""
        request = pb.NotifyRequest(
            context=self.context(**ctx), topic=topic, payload=to_struct(payload, "payload")
        )
        return self.stub.Notify(request, timeout=30)

    def command(self, name: str, *args: str) -> pb.ExecuteCommandResponse:
        """Call ExecuteCommand."""
        raw = "/" + " ".join((name, *args))
        request = pb.ExecuteCommandRequest(context=self.context(), command=name, args=args, raw=raw)
        return self.stub.ExecuteCommand(request, timeout=30)

    def http(
        self,
        method: str,
        path: str,
        body: Iterator[bytes] | Sequence[bytes] = (),
        *,
        query: str = "",
        headers: Sequence[tuple[str, str]] = (),
    ) -> tuple[pb.HttpResponseHead | None, Iterator[bytes], list[pb.ServeHTTPResponse]]:
        """Call ServeHTTP; returns (head, body chunks iterator, other frames seen so far).
        Frames after the head are consumed lazily by iterating the body."""

        def frames() -> Iterator[pb.ServeHTTPRequest]:
            head = pb.HttpRequestHead(
                context=self.context(),
                method=method,
                path=path,
                raw_query=query,
                headers=[pb.HttpHeader(name=n, value=v) for n, v in headers],
                remote_addr="127.0.0.1:1",
            )
            yield pb.ServeHTTPRequest(head=head)
            for chunk in body:
                yield pb.ServeHTTPRequest(body=chunk)
            yield pb.ServeHTTPRequest(end=pb.HttpRequestEnd())

        responses = self.stub.ServeHTTP(frames(), timeout=60)
        others: list[pb.ServeHTTPResponse] = []
        first = next(iter(responses))
        head = first.head if first.WhichOneof("frame") == "head" else None
        if head is None:
            others.append(first)

        def chunks() -> Iterator[bytes]:
            for frame in responses:
                if frame.WhichOneof("frame") == "body":
                    yield frame.body
                else:
                    others.append(frame)

        return head, chunks(), others

    def deactivate(self) -> pb.DeactivateResponse:
        """Call Deactivate."""
        return self.stub.Deactivate(pb.DeactivateRequest(context=self.context()), timeout=10)

    def close(self) -> int:
        """Deactivate, close the broker, Shutdown; returns the exit status."""
        try:
            self.deactivate()
        finally:
            self.broker.close()
        return self.process.shutdown()

    def __enter__(self) -> PluginHarness:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.process.poll() is None:
            self.broker.close()
            self.process.kill()
