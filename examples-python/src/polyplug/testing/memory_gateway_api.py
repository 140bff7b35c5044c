"""An in-memory ``polyplug.v1.GatewayAPI`` for tests: KV (with compare-and-set, expiry and
paging), and recorded logs, events and configuration saves."""

from __future__ import annotations

import threading
import time
from typing import Any

import grpc
from google.protobuf import timestamp_pb2

from polyplug.gen.polyplug.v1 import gateway_api_pb2 as pb
from polyplug.gen.polyplug.v1 import gateway_api_pb2_grpc as pb_grpc
from polyplug.limits import MAX_KV_KEY_BYTES, MAX_KV_PAGE_SIZE, MAX_KV_VALUE_BYTES
from polyplug.structs import JsonObject, from_struct, to_struct


class MemoryGatewayApi(pb_grpc.GatewayAPIServicer):
    """Thread-safe. Inspect ``logs``, ``events``, ``config`` and ``saved_configs``;
    ``on_save_config`` (if set) is called with each saved configuration."""

    def __init__(self, config: JsonObject | None = None) -> None:
        self._lock = threading.Lock()
        self._kv: dict[str, tuple[bytes, float | None]] = {}
        self.config: JsonObject = dict(config or {})
        self.saved_configs: list[JsonObject] = []
        self.logs: list[pb.LogRequest] = []
        self.events: list[pb.PublishEventRequest] = []
        #: Messages sent with ``publish_cluster_message`` (a test plays the other copies).
        self.cluster_messages: list[pb.PublishClusterMessageRequest] = []

    def _live(self, key: str) -> tuple[bytes, float | None] | None:
        entry = self._kv.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= time.time():
            del self._kv[key]
            return None
        return entry

    @staticmethod
    def _check_key(key: str, context: grpc.ServicerContext) -> None:
        size = len(key.encode())
        if not 1 <= size <= MAX_KV_KEY_BYTES or "\x00" in key:
            context.abort(
                grpc.StatusCode.INVALID_ARGUMENT, f"key must be 1..{MAX_KV_KEY_BYTES} bytes"
            )

    def KvGet(self, request: pb.KvGetRequest, context: grpc.ServicerContext) -> pb.KvGetResponse:
        self._check_key(request.key, context)
        with self._lock:
            entry = self._live(request.key)
        if entry is None:
            return pb.KvGetResponse(found=False)
        reply = pb.KvGetResponse(found=True, value=entry[0])
        if entry[1] is not None:
            stamp = timestamp_pb2.Timestamp()
            stamp.FromNanoseconds(int(entry[1] * 1e9))
            reply.expires_at.CopyFrom(stamp)
        return reply

    def KvSet(self, request: pb.KvSetRequest, context: grpc.ServicerContext) -> pb.KvSetResponse:
        self._check_key(request.key, context)
        if len(request.value) > MAX_KV_VALUE_BYTES:
            context.abort(
                grpc.StatusCode.RESOURCE_EXHAUSTED, f"value over {MAX_KV_VALUE_BYTES} bytes"
            )
        ttl = request.ttl.ToTimedelta().total_seconds() if request.HasField("ttl") else 0.0
        if ttl < 0:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "ttl must not be negative")
        with self._lock:
            current = self._live(request.key)
            condition = request.WhichOneof("condition")
            holds = (
                condition is None
                or (condition == "if_absent" and (not request.if_absent or current is None))
                or (
                    condition == "if_equals"
                    and current is not None
                    and current[0] == request.if_equals
                )
            )
            if not holds:
                return pb.KvSetResponse(
                    applied=False,
                    current_found=current is not None,
                    current_value=current[0] if current else b"",
                )
            self._kv[request.key] = (request.value, time.time() + ttl if ttl > 0 else None)
        return pb.KvSetResponse(applied=True)

    def KvDelete(
        self, request: pb.KvDeleteRequest, context: grpc.ServicerContext
    ) -> pb.KvDeleteResponse:
        self._check_key(request.key, context)
        with self._lock:
            current = self._live(request.key)
            if current is None:
                return pb.KvDeleteResponse(deleted=False)
            if request.HasField("if_equals") and current[0] != request.if_equals:
                return pb.KvDeleteResponse(deleted=False)
            del self._kv[request.key]
        return pb.KvDeleteResponse(deleted=True)

    def KvList(self, request: pb.KvListRequest, context: grpc.ServicerContext) -> pb.KvListResponse:
        if request.page_size > MAX_KV_PAGE_SIZE:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"page_size over {MAX_KV_PAGE_SIZE}")
        size = request.page_size or 100
        with self._lock:
            keys = sorted(
                (k for k in list(self._kv) if k.startswith(request.prefix) and self._live(k)),
                key=lambda k: k.encode(),
            )
        after = request.page_token
        if after:
            if not after.startswith(request.prefix):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, "page_token is for another prefix")
            keys = [k for k in keys if k.encode() > after.encode()]
        page = keys[:size]
        token = page[-1] if len(keys) > size else ""
        return pb.KvListResponse(keys=page, next_page_token=token)

    def Log(self, request: pb.LogRequest, context: grpc.ServicerContext) -> pb.LogResponse:
        with self._lock:
            self.logs.append(request)
        return pb.LogResponse()

    def PublishEvent(
        self, request: pb.PublishEventRequest, context: grpc.ServicerContext
    ) -> pb.PublishEventResponse:
        with self._lock:
            self.events.append(request)
        return pb.PublishEventResponse()

    def PublishClusterMessage(
        self, request: pb.PublishClusterMessageRequest, context: grpc.ServicerContext
    ) -> pb.PublishClusterMessageResponse:
        with self._lock:
            self.cluster_messages.append(request)
        return pb.PublishClusterMessageResponse()

    def GetConfig(
        self, request: pb.GetConfigRequest, context: grpc.ServicerContext
    ) -> pb.GetConfigResponse:
        with self._lock:
            return pb.GetConfigResponse(configuration=to_struct(self.config, "configuration"))

    def SaveConfig(
        self, request: pb.SaveConfigRequest, context: grpc.ServicerContext
    ) -> pb.SaveConfigResponse:
        config = from_struct(request.configuration, "configuration")
        with self._lock:
            self.config = config
            self.saved_configs.append(config)
        return pb.SaveConfigResponse()

    def value(self, key: str) -> bytes | None:
        """The live value of ``key`` (for assertions)."""
        with self._lock:
            entry = self._live(key)
        return None if entry is None else entry[0]

    def log_messages(self) -> list[str]:
        """Messages of the recorded log records, in order."""
        with self._lock:
            return [record.message for record in self.logs]

    def event_payloads(self) -> list[tuple[str, dict[str, Any]]]:
        """(event, payload) of the recorded events, in order."""
        with self._lock:
            return [(e.event, from_struct(e.payload, "payload")) for e in self.events]
