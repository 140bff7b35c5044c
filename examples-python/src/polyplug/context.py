"""What a handler learns about the call it serves."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from polyplug.gen.polyplug.v1 import common_pb2

if TYPE_CHECKING:
    from polyplug.api import GatewayApi


@dataclass(frozen=True)
class HookContext:
    """The gateway's ``HookContext`` plus the plugin's GatewayAPI client.

    ``topic`` is the concrete topic of an Intercept/Notify call (empty otherwise).
    ``cancelled`` is set when the gateway cancels the call or its deadline passes; long
    handlers should check it. ``api`` is None before Activate and after Deactivate.
    """

    request_id: str = ""
    traceparent: str = ""
    tracestate: str = ""
    plugin_id: str = ""
    deadline: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    origin_plugin_id: str = ""
    cancelled: threading.Event = field(default_factory=threading.Event)
    api: GatewayApi | None = None
    topic: str = ""

    @property
    def is_own_echo(self) -> bool:
        """True when this event was caused by this plugin itself."""
        return bool(self.origin_plugin_id) and self.origin_plugin_id == self.plugin_id

    @staticmethod
    def from_proto(
        message: common_pb2.HookContext,
        api: GatewayApi | None,
        cancelled: threading.Event,
        topic: str = "",
    ) -> HookContext:
        """Build from the request's ``HookContext``."""
        deadline = message.deadline.ToDatetime() if message.HasField("deadline") else None
        return HookContext(
            request_id=message.request_id,
            traceparent=message.traceparent,
            tracestate=message.tracestate,
            plugin_id=message.plugin_id,
            deadline=deadline,
            metadata=dict(message.metadata),
            origin_plugin_id=message.origin_plugin_id,
            cancelled=cancelled,
            api=api,
            topic=topic,
        )
