"""``polyplug.v1.Plugin`` served from a :class:`~polyplug.plugin.Plugin`'s handlers.

Handler failures are data: an exception becomes ``Error{PLUGIN_FAILED, "<Type>: <text>"}``
in the response (a :class:`PolyplugError` keeps its code), the traceback goes to the
plugin's stderr log, and the plugin keeps serving.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

import grpc

from polyplug.api import GatewayApi
from polyplug.async_runner import call_handler, next_async
from polyplug.context import HookContext
from polyplug.errors import ErrorCode, PolyplugError
from polyplug.gen.polyplug.v1 import common_pb2
from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.gen.polyplug.v1 import plugin_pb2_grpc as pb_grpc
from polyplug.goplugin.broker import Broker, BrokerConnection
from polyplug.http import HttpRequest, HttpResponse, header_pairs
from polyplug.limits import (
    MAX_COMMAND_TEXT_BYTES,
    MAX_HTTP_CHUNK_BYTES,
    TOPIC_PATTERN,
    check_name,
    check_size,
)
from polyplug.outcomes import ClusterMessage, Command, CommandResult, Modify, Proceed, Reject
from polyplug.routing import H, TopicTable
from polyplug.structs import JsonObject, from_struct, to_struct

if TYPE_CHECKING:
    from polyplug.plugin import Plugin

_log = logging.getLogger("polyplug.sdk")
_REJECT_CODE = re.compile(r"[a-z0-9_.-]{0,64}")


def _cancel_event(context: grpc.ServicerContext) -> threading.Event:
    event = threading.Event()
    context.add_callback(event.set)
    return event


def _failure(hook: str, error: BaseException, **where: str) -> common_pb2.Error:
    normalised = PolyplugError.from_exception(error)
    if normalised.code == ErrorCode.PLUGIN_FAILED:
        _log.error(f"{hook} handler failed", exc_info=error, extra=where)
    else:
        _log.warning(f"{hook} handler returned an error", extra={**where, "error": str(normalised)})
    return normalised.to_proto()


class PluginServicer(pb_grpc.PluginServicer):
    """Serves one :class:`Plugin` on the go-plugin server; dials the GatewayAPI on Activate."""

    def __init__(self, plugin: Plugin, broker: Broker | None) -> None:
        self._plugin = plugin
        self._broker = broker
        self._api_connection: BrokerConnection | None = None

    def _context(
        self, message: common_pb2.HookContext, context: grpc.ServicerContext, topic: str = ""
    ) -> HookContext:
        api = self._plugin.api_or_none
        return HookContext.from_proto(message, api, _cancel_event(context), topic)

    def _topic_call(
        self,
        table: TopicTable[H],
        hook: str,
        request: pb.InterceptRequest | pb.NotifyRequest,
        context: grpc.ServicerContext,
    ) -> tuple[H, HookContext, JsonObject]:
        """Checks the topic and payload of an Intercept/Notify and finds its handler."""
        check_name("topic", request.topic, TOPIC_PATTERN)
        payload = from_struct(request.payload, "payload")
        handler = table.match(request.topic)
        if handler is None:
            raise PolyplugError(
                ErrorCode.NOT_FOUND, f"no {hook} handler for topic {request.topic!r}"
            )
        return handler, self._context(request.context, context, request.topic), payload

    def _require(self, implemented: bool, hook: str, context: grpc.ServicerContext) -> None:
        if not implemented:
            context.abort(grpc.StatusCode.UNIMPLEMENTED, f"plugin does not implement {hook}")

    # Lifecycle --------------------------------------------------------------------------

    def Describe(
        self, request: pb.DescribeRequest, context: grpc.ServicerContext
    ) -> pb.DescribeResponse:
        return self._plugin.describe()

    def Activate(
        self, request: pb.ActivateRequest, context: grpc.ServicerContext
    ) -> pb.ActivateResponse:
        try:
            self._plugin.config = from_struct(request.configuration, "configuration")
            if request.gateway_api_broker_id:
                if self._broker is None:
                    raise PolyplugError(
                        ErrorCode.FAILED_PRECONDITION, "no go-plugin broker to dial the GatewayAPI"
                    )
                self._api_connection = self._broker.dial(request.gateway_api_broker_id)
                self._plugin.set_api(
                    GatewayApi(self._api_connection.channel, self._plugin.api_timeout)
                )
            handler = self._plugin.handlers.on_activate
            if handler is not None:
                call_handler(handler, self._context(request.context, context))
            return pb.ActivateResponse()
        except Exception as error:
            return pb.ActivateResponse(error=_failure("activate", error))

    def Deactivate(
        self, request: pb.DeactivateRequest, context: grpc.ServicerContext
    ) -> pb.DeactivateResponse:
        try:
            handler = self._plugin.handlers.on_deactivate
            if handler is not None:
                call_handler(handler, self._context(request.context, context))
            return pb.DeactivateResponse()
        except Exception as error:
            return pb.DeactivateResponse(error=_failure("deactivate", error))
        finally:
            self.close()

    def ConfigurationChanged(
        self, request: pb.ConfigurationChangedRequest, context: grpc.ServicerContext
    ) -> pb.ConfigurationChangedResponse:
        handler = self._plugin.handlers.on_configuration_changed
        self._require(handler is not None, "ConfigurationChanged", context)
        assert handler is not None
        try:
            config = from_struct(request.configuration, "configuration")
            call_handler(handler, self._context(request.context, context), config)
            # Only an accepted configuration becomes current: a handler that raises (rejects
            # it) leaves the previous one in ``plugin.config``.
            self._plugin.config = config
            return pb.ConfigurationChangedResponse()
        except Exception as error:
            return pb.ConfigurationChangedResponse(error=_failure("configuration_changed", error))

    def close(self) -> None:
        """Drop the GatewayAPI client and close its connection."""
        self._plugin.set_api(None)
        if self._api_connection is not None:
            self._api_connection.close()
            self._api_connection = None

    # Hooks ------------------------------------------------------------------------------

    def Intercept(
        self, request: pb.InterceptRequest, context: grpc.ServicerContext
    ) -> pb.InterceptResponse:
        table = self._plugin.handlers.intercepts
        self._require(bool(table), "Intercept", context)
        try:
            handler, ctx, payload = self._topic_call(table, "intercept", request, context)
            outcome = call_handler(handler, ctx, payload)
            return _intercept_response(outcome)
        except Exception as error:
            return pb.InterceptResponse(error=_failure("intercept", error, topic=request.topic))

    def Notify(self, request: pb.NotifyRequest, context: grpc.ServicerContext) -> pb.NotifyResponse:
        table = self._plugin.handlers.notifies
        self._require(bool(table), "Notify", context)
        try:
            handler, ctx, payload = self._topic_call(table, "notify", request, context)
            call_handler(handler, ctx, payload)
            return pb.NotifyResponse()
        except Exception as error:
            return pb.NotifyResponse(error=_failure("notify", error, topic=request.topic))

    def OnClusterMessage(
        self, request: pb.OnClusterMessageRequest, context: grpc.ServicerContext
    ) -> pb.OnClusterMessageResponse:
        handler = self._plugin.handlers.on_cluster_message
        self._require(handler is not None, "OnClusterMessage", context)
        assert handler is not None  # _require aborted otherwise
        try:
            message = ClusterMessage(
                request.topic, from_struct(request.payload, "payload"), request.from_node_id
            )
            call_handler(handler, self._context(request.context, context), message)
            return pb.OnClusterMessageResponse()
        except Exception as error:
            return pb.OnClusterMessageResponse(
                error=_failure("cluster message", error, topic=request.topic)
            )

    def ExecuteCommand(
        self, request: pb.ExecuteCommandRequest, context: grpc.ServicerContext
    ) -> pb.ExecuteCommandResponse:
        commands = self._plugin.handlers.commands
        self._require(bool(commands), "ExecuteCommand", context)
        try:
            entry = commands.get(request.command)
            if entry is None:
                raise PolyplugError(ErrorCode.NOT_FOUND, f"unknown command {request.command!r}")
            command = Command(request.command, list(request.args), request.raw)
            result = call_handler(entry[1], self._context(request.context, context), command)
            return _command_response(result)
        except Exception as error:
            return pb.ExecuteCommandResponse(
                error=_failure("command", error, command=request.command)
            )

    def ServeHTTP(
        self, request_iterator: Iterator[pb.ServeHTTPRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ServeHTTPResponse]:
        routes = self._plugin.handlers.routes
        self._require(bool(routes.routes), "ServeHTTP", context)
        path = ""
        try:
            first = next(request_iterator, None)
            if first is None or first.WhichOneof("frame") != "head":
                raise PolyplugError(
                    ErrorCode.INVALID_ARGUMENT, "the first ServeHTTP frame must be 'head'"
                )
            head = first.head
            path = head.path
            request = HttpRequest(
                head.method,
                head.path,
                head.raw_query,
                [(h.name, h.value) for h in head.headers],
                head.remote_addr,
                iter(()),
            )
            request._body = _request_body(request_iterator, request)
            handler = routes.match(head.method, head.path)
            if handler is None:
                raise PolyplugError(ErrorCode.NOT_FOUND, f"no route for {head.method} {head.path}")
            ctx = self._context(head.context, context)
            response = call_handler(handler, ctx, request, cancelled=ctx.cancelled)
            if not isinstance(response, HttpResponse):
                raise PolyplugError(
                    ErrorCode.PLUGIN_FAILED,
                    f"http handler returned {type(response).__name__}; return an HttpResponse",
                )
            if not 200 <= response.status <= 599:
                raise PolyplugError(
                    ErrorCode.PLUGIN_FAILED, f"HTTP status {response.status} is not in 200..599"
                )
            yield pb.ServeHTTPResponse(
                head=pb.HttpResponseHead(status=response.status, headers=_headers(response.headers))
            )
            for chunk in _body_chunks(response.body, ctx.cancelled):
                yield pb.ServeHTTPResponse(body=chunk)
            trailers = _headers(response.trailers)
            if trailers:
                yield pb.ServeHTTPResponse(trailers=pb.HttpResponseTrailers(headers=trailers))
        except Exception as error:
            yield pb.ServeHTTPResponse(error=_failure("http", error, path=path))


def _headers(headers: Any) -> list[pb.HttpHeader]:
    return [pb.HttpHeader(name=name, value=value) for name, value in header_pairs(headers)]


def _request_body(frames: Iterator[pb.ServeHTTPRequest], request: HttpRequest) -> Iterator[bytes]:
    for frame in frames:
        kind = frame.WhichOneof("frame")
        if kind == "body":
            check_size("request body chunk", len(frame.body), MAX_HTTP_CHUNK_BYTES)
            if frame.body:
                yield frame.body
        elif kind == "end":
            request.trailers = [(h.name, h.value) for h in frame.end.trailers]
            return
        else:
            raise PolyplugError(
                ErrorCode.INVALID_ARGUMENT, f"unexpected ServeHTTP frame {kind!r} in the body"
            )


def _body_chunks(body: Any, cancelled: threading.Event) -> Iterator[bytes]:
    """Yield the response body as non-empty chunks of at most 64 KiB."""
    if body is None:
        return
    if isinstance(body, bytes | bytearray | memoryview | str):
        pieces: Iterable[Any] = [body]
    elif hasattr(body, "__anext__"):
        pieces = _drain_async(body, cancelled)
    elif hasattr(body, "__aiter__"):
        pieces = _drain_async(body.__aiter__(), cancelled)
    else:
        pieces = body
    for piece in pieces:
        data = piece.encode("utf-8") if isinstance(piece, str) else bytes(piece)
        for start in range(0, len(data), MAX_HTTP_CHUNK_BYTES):
            yield data[start : start + MAX_HTTP_CHUNK_BYTES]


def _drain_async(iterator: Any, cancelled: threading.Event) -> Iterator[Any]:
    while True:
        try:
            yield next_async(iterator, cancelled)
        except StopIteration:
            return


def _intercept_response(outcome: Any) -> pb.InterceptResponse:
    if outcome is None or isinstance(outcome, Proceed):
        return pb.InterceptResponse(proceed=pb.InterceptProceed())
    if isinstance(outcome, Modify):
        payload = to_struct(outcome.payload, "InterceptModify.payload")
        return pb.InterceptResponse(modify=pb.InterceptModify(payload=payload))
    if isinstance(outcome, Reject):
        check_size("InterceptReject.reason", len(outcome.reason.encode("utf-8")), 4096)
        check_name("InterceptReject.code", outcome.code, _REJECT_CODE)
        return pb.InterceptResponse(
            reject=pb.InterceptReject(reason=outcome.reason, code=outcome.code)
        )
    raise PolyplugError(
        ErrorCode.PLUGIN_FAILED,
        f"intercept handler returned {type(outcome).__name__}; "
        "return Modify, Reject, Proceed or None",
    )


def _command_response(result: Any) -> pb.ExecuteCommandResponse:
    if result is None:
        result = CommandResult()
    elif isinstance(result, str):
        result = CommandResult(text=result)
    elif isinstance(result, dict):
        result = CommandResult(data=result)
    if not isinstance(result, CommandResult):
        raise PolyplugError(
            ErrorCode.PLUGIN_FAILED,
            f"command handler returned {type(result).__name__}; return str, dict or CommandResult",
        )
    check_size(
        "ExecuteCommandResponse.text", len(result.text.encode("utf-8")), MAX_COMMAND_TEXT_BYTES
    )
    response = pb.ExecuteCommandResponse(text=result.text)
    if result.data is not None:
        response.data.CopyFrom(to_struct(result.data, "ExecuteCommandResponse.data"))
    return response
