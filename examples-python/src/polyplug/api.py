"""Typed client of ``polyplug.v1.GatewayAPI`` (reached through the go-plugin broker)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import grpc
from google.protobuf import duration_pb2

from polyplug.errors import ErrorCode, PolyplugError
from polyplug.gen.polyplug.v1 import gateway_api_pb2 as pb
from polyplug.gen.polyplug.v1 import gateway_api_pb2_grpc as pb_grpc
from polyplug.limits import (
    EVENT_PATTERN,
    MAX_CLUSTER_MESSAGE_BYTES,
    MAX_KV_PAGE_SIZE,
    MAX_KV_VALUE_BYTES,
    MAX_LOG_FIELDS_BYTES,
    MAX_LOG_MESSAGE_BYTES,
    check_kv_key,
    check_name,
    check_size,
)
from polyplug.structs import JsonObject, from_struct, to_struct

#: Deadline of every GatewayAPI call unless given: 10 s.
DEFAULT_TIMEOUT_S = 10.0

_LEVELS = {
    "trace": pb.LOG_LEVEL_TRACE,
    "debug": pb.LOG_LEVEL_DEBUG,
    "info": pb.LOG_LEVEL_INFO,
    "warn": pb.LOG_LEVEL_WARN,
    "warning": pb.LOG_LEVEL_WARN,
    "error": pb.LOG_LEVEL_ERROR,
}

R = TypeVar("R")


def _call(method: Callable[..., R], request: Any, timeout: float) -> R:
    try:
        return method(request, timeout=timeout)
    except grpc.RpcError as error:
        raise PolyplugError.from_exception(error) from error


def _as_bytes(value: bytes | str, what: str) -> bytes:
    data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    check_size(what, len(data), MAX_KV_VALUE_BYTES)
    return data


@dataclass(frozen=True)
class KvEntry:
    """A stored value and when it expires (None: never)."""

    value: bytes
    expires_at: datetime | None


@dataclass(frozen=True)
class KvSetResult:
    """Whether a set was applied; when not, the value found (``current``, None if absent)."""

    applied: bool
    current: bytes | None


class KvStore:
    """The plugin's KV namespace. Values are bytes (``str`` is stored as UTF-8).

    Raises PolyplugError: INVALID_ARGUMENT for a bad key, RESOURCE_EXHAUSTED for a value
    over 1 MiB, and the gateway's codes on failure.
    """

    def __init__(self, stub: pb_grpc.GatewayAPIStub, timeout: float) -> None:
        self._stub = stub
        self._timeout = timeout

    def get(self, key: str) -> bytes | None:
        """The value of ``key``, or None when absent or expired."""
        entry = self.get_entry(key)
        return None if entry is None else entry.value

    def get_entry(self, key: str) -> KvEntry | None:
        """The value of ``key`` with its expiry, or None when absent or expired."""
        check_kv_key(key)
        reply = _call(self._stub.KvGet, pb.KvGetRequest(key=key), self._timeout)
        if not reply.found:
            return None
        expires = reply.expires_at.ToDatetime() if reply.HasField("expires_at") else None
        return KvEntry(reply.value, expires)

    def set(
        self,
        key: str,
        value: bytes | str,
        *,
        if_equals: bytes | str | None = None,
        if_absent: bool = False,
        ttl: float | timedelta | None = None,
    ) -> KvSetResult:
        """Write ``key``. Compare-and-set: ``if_equals`` (only if it holds exactly these
        bytes) or ``if_absent`` (only if missing). ``ttl``: seconds or timedelta; None or 0
        means no expiry. A condition that does not hold is ``applied=False``, not an error.
        """
        check_kv_key(key)
        if if_equals is not None and if_absent:
            raise PolyplugError(
                ErrorCode.INVALID_ARGUMENT, "use either if_equals or if_absent, not both"
            )
        request = pb.KvSetRequest(key=key, value=_as_bytes(value, "value"))
        if if_equals is not None:
            request.if_equals = _as_bytes(if_equals, "if_equals")
        elif if_absent:
            request.if_absent = True
        if ttl is not None:
            seconds = ttl.total_seconds() if isinstance(ttl, timedelta) else float(ttl)
            if seconds < 0 or not math.isfinite(seconds):
                raise PolyplugError(
                    ErrorCode.INVALID_ARGUMENT, f"ttl must be >= 0 seconds, got {seconds}"
                )
            request.ttl.CopyFrom(
                duration_pb2.Duration(seconds=int(seconds), nanos=int(seconds % 1 * 1e9))
            )
        reply = _call(self._stub.KvSet, request, self._timeout)
        current = reply.current_value if reply.current_found else None
        return KvSetResult(reply.applied, None if reply.applied else current)

    def delete(self, key: str, *, if_equals: bytes | str | None = None) -> bool:
        """Remove ``key`` (only if it holds ``if_equals``, when given); False if nothing was."""
        check_kv_key(key)
        request = pb.KvDeleteRequest(key=key)
        if if_equals is not None:
            request.if_equals = _as_bytes(if_equals, "if_equals")
        return _call(self._stub.KvDelete, request, self._timeout).deleted

    def list_page(
        self, prefix: str = "", page_size: int = 0, page_token: str = ""
    ) -> tuple[list[str], str]:
        """One page of keys starting with ``prefix`` and the next page's token ("" at the end)."""
        if not 0 <= page_size <= MAX_KV_PAGE_SIZE:
            raise PolyplugError(
                ErrorCode.INVALID_ARGUMENT,
                f"page_size must be 0..{MAX_KV_PAGE_SIZE}, got {page_size}",
                {"field": "page_size", "limit": str(MAX_KV_PAGE_SIZE)},
            )
        request = pb.KvListRequest(prefix=prefix, page_size=page_size, page_token=page_token)
        reply = _call(self._stub.KvList, request, self._timeout)
        return list(reply.keys), reply.next_page_token

    def list(self, prefix: str = "", page_size: int = 0) -> Iterator[str]:
        """Every key starting with ``prefix``, in ascending order, fetched page by page."""
        token = ""
        while True:
            keys, token = self.list_page(prefix, page_size, token)
            yield from keys
            if not token:
                return


class GatewayApi:
    """The gateway's API for this plugin: ``kv``, ``log``, ``publish``, ``get_config``,
    ``save_config``. Every call has a deadline (``timeout`` s, default 10) and raises
    :class:`PolyplugError` carrying the gateway's error code on failure."""

    def __init__(self, channel: grpc.Channel, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        self._stub = pb_grpc.GatewayAPIStub(channel)
        self._timeout = timeout
        #: The plugin's KV namespace.
        self.kv = KvStore(self._stub, timeout)

    def log(self, level: str, message: str, *, request_id: str = "", **fields: Any) -> None:
        """Write a record to the gateway's log. ``level``: trace, debug, info, warn, error."""
        if level.lower() not in _LEVELS:
            raise PolyplugError(
                ErrorCode.INVALID_ARGUMENT, f"unknown log level {level!r}", {"field": "level"}
            )
        check_size("log message", len(message.encode("utf-8")), MAX_LOG_MESSAGE_BYTES)
        request = pb.LogRequest(
            level=_LEVELS[level.lower()],
            message=message,
            fields=to_struct(fields, "log fields", MAX_LOG_FIELDS_BYTES),
            request_id=request_id,
        )
        _call(self._stub.Log, request, self._timeout)

    def publish(
        self,
        event: str,
        payload: Mapping[str, Any] | None = None,
        *,
        client_ids: Sequence[str] = (),
        match_labels: Mapping[str, str] | None = None,
        omit_client_ids: Sequence[str] = (),
    ) -> None:
        """Send ``event`` (clients see ``<plugin_id>.<event>``) to the WebSocket clients
        selected by the audience filters (all empty: everyone). Best effort."""
        check_name("event", event, EVENT_PATTERN)
        audience = pb.Audience(
            client_ids=list(client_ids),
            match_labels=dict(match_labels or {}),
            omit_client_ids=list(omit_client_ids),
        )
        request = pb.PublishEventRequest(
            event=event, payload=to_struct(payload, "payload"), audience=audience
        )
        _call(self._stub.PublishEvent, request, self._timeout)

    def publish_cluster_message(self, topic: str, payload: Mapping[str, Any] | None = None) -> None:
        """Send ``payload`` under ``topic`` to this plugin's copies on the other gateways of
        the cluster (their ``on_cluster_message`` handler); a gateway alone is a cluster of
        one. Needs ``"cluster"`` in the manifest's ``permissions.api`` (PERMISSION_DENIED
        otherwise). Best effort, at most once."""
        check_name("topic", topic, EVENT_PATTERN)
        request = pb.PublishClusterMessageRequest(
            topic=topic, payload=to_struct(payload, "payload", MAX_CLUSTER_MESSAGE_BYTES)
        )
        _call(self._stub.PublishClusterMessage, request, self._timeout)

    def get_config(self) -> JsonObject:
        """The plugin's stored configuration (an empty dict when none)."""
        reply = _call(self._stub.GetConfig, pb.GetConfigRequest(), self._timeout)
        return from_struct(reply.configuration, "configuration")

    def save_config(self, configuration: Mapping[str, Any]) -> None:
        """Replace the stored configuration (validated by the gateway against the
        manifest's settings schema; INVALID_ARGUMENT names the field)."""
        request = pb.SaveConfigRequest(configuration=to_struct(configuration, "configuration"))
        _call(self._stub.SaveConfig, request, self._timeout)
