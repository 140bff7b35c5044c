"""The decorator API: declare a plugin's hooks, then :meth:`Plugin.serve`."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn, TypeVar

from polyplug.api import DEFAULT_TIMEOUT_S, GatewayApi
from polyplug.errors import ErrorCode, PolyplugError
from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.gen.polyplug.v1 import plugin_pb2_grpc as pb_grpc
from polyplug.goplugin.serve import ServeConfig, ServeContext, serve
from polyplug.handshake import POLYPLUG_HANDSHAKE
from polyplug.limits import COMMAND_PATTERN, PLUGIN_ID_PATTERN
from polyplug.routing import RouteTable, TopicTable
from polyplug.structs import JsonObject
from polyplug.version import SDK_NAME, SDK_VERSION

F = TypeVar("F", bound=Callable[..., Any])
Handler = Callable[..., Any]


@dataclass
class Handlers:
    """Everything registered on a :class:`Plugin`."""

    intercepts: TopicTable[Handler] = field(default_factory=TopicTable)
    notifies: TopicTable[Handler] = field(default_factory=TopicTable)
    commands: dict[str, tuple[pb.CommandSpec, Handler]] = field(default_factory=dict)
    routes: RouteTable[Handler] = field(default_factory=RouteTable)
    on_activate: Handler | None = None
    on_deactivate: Handler | None = None
    on_configuration_changed: Handler | None = None
    on_cluster_message: Handler | None = None


class Plugin:
    """A Polyplug plugin. Handlers may be plain functions or ``async def``; a handler that
    raises answers with an error (``PLUGIN_FAILED``, or the code of a raised
    :class:`PolyplugError`) and the plugin keeps serving.

    Example::

        plugin = Plugin(id="wordfilter", version="1.0.0")

        @plugin.intercept("message.will_be_posted")
        def check(ctx, payload):
            return Reject("no") if "spam" in payload["text"] else None

        plugin.serve()
    """

    def __init__(self, id: str, version: str, *, api_timeout: float = DEFAULT_TIMEOUT_S) -> None:
        """``id`` must equal the manifest id (``[a-zA-Z0-9_.-]{3,190}``); ``version`` is
        the plugin's semantic version; ``api_timeout`` bounds each GatewayAPI call (s)."""
        if not PLUGIN_ID_PATTERN.fullmatch(id):
            raise ValueError(f"plugin id {id!r} must match {PLUGIN_ID_PATTERN.pattern}")
        self.id = id
        self.version = version
        self.api_timeout = api_timeout
        self.handlers = Handlers()
        #: The configuration in force: the Activate one, then each one the
        #: ``on_configuration_changed`` handler accepted (returned without raising). While
        #: that handler runs, and after it rejects a configuration, the previous one.
        self.config: JsonObject = {}
        self._api: GatewayApi | None = None
        self._lock = threading.Lock()

    # Registration -----------------------------------------------------------------------

    def intercept(self, *topics: str) -> Callable[[F], F]:
        """Handle Intercept for these topic patterns: ``f(ctx, payload) -> Modify | Reject |
        Proceed | None``. Patterns: exact topic, ``prefix.*`` or ``*``."""
        return self._topics(self.handlers.intercepts, topics)

    def notify(self, *topics: str) -> Callable[[F], F]:
        """Handle Notify for these topic patterns: ``f(ctx, payload) -> None``."""
        return self._topics(self.handlers.notifies, topics)

    def _topics(self, table: TopicTable[Handler], topics: tuple[str, ...]) -> Callable[[F], F]:
        if not topics:
            raise ValueError("name at least one topic pattern")

        def register(handler: F) -> F:
            for topic in topics:
                table.add(topic, handler)
            return handler

        return register

    def command(self, name: str, description: str = "", usage: str = "") -> Callable[[F], F]:
        """Handle ExecuteCommand for ``name`` (``[a-z0-9_-]{1,64}``, no slash):
        ``f(ctx, command: Command) -> str | dict | CommandResult | None``."""
        if not COMMAND_PATTERN.fullmatch(name):
            raise ValueError(f"command name {name!r} must match {COMMAND_PATTERN.pattern}")
        if name in self.handlers.commands:
            raise ValueError(f"command {name!r} already has a handler")

        def register(handler: F) -> F:
            spec = pb.CommandSpec(name=name, description=description, usage=usage)
            self.handlers.commands[name] = (spec, handler)
            return handler

        return register

    def http(self, method: str, path_prefix: str) -> Callable[[F], F]:
        """Handle ServeHTTP for ``method`` (or ``*``) and paths under ``path_prefix``
        (relative to ``/plugins/{id}``): ``f(ctx, request: HttpRequest) -> HttpResponse``."""

        def register(handler: F) -> F:
            self.handlers.routes.add(method, path_prefix, handler)
            return handler

        return register

    def on_activate(self, handler: F) -> F:
        """Run ``f(ctx)`` on Activate, after ``config`` and ``api`` are set. Raising makes
        activation fail (the gateway then stops the plugin)."""
        self.handlers.on_activate = handler
        return handler

    def on_deactivate(self, handler: F) -> F:
        """Run ``f(ctx)`` on Deactivate; the GatewayAPI stays usable until it returns."""
        self.handlers.on_deactivate = handler
        return handler

    def on_configuration_changed(self, handler: F) -> F:
        """Run ``f(ctx, config)`` when the configuration changes; raise (e.g. a
        ``PolyplugError`` INVALID_ARGUMENT) to reject it and keep the previous one as
        ``plugin.config``. Without one, the gateway restarts the plugin on a configuration
        change instead."""
        self.handlers.on_configuration_changed = handler
        return handler

    def on_cluster_message(self, handler: F) -> F:
        """Run ``f(ctx, message: ClusterMessage)`` for each message a copy of this plugin on
        another gateway of the cluster sent with ``api.publish_cluster_message``."""
        self.handlers.on_cluster_message = handler
        return handler

    # Runtime ----------------------------------------------------------------------------

    @property
    def api(self) -> GatewayApi:
        """The GatewayAPI client; FAILED_PRECONDITION before Activate / after Deactivate."""
        api = self.api_or_none
        if api is None:
            raise PolyplugError(
                ErrorCode.FAILED_PRECONDITION,
                "the GatewayAPI is available only between Activate and Deactivate",
            )
        return api

    @property
    def api_or_none(self) -> GatewayApi | None:
        """The GatewayAPI client, or None when not activated."""
        with self._lock:
            return self._api

    def set_api(self, api: GatewayApi | None) -> None:
        """Install (or drop) the GatewayAPI client; used by the servicer on Activate."""
        with self._lock:
            self._api = api

    def describe(self) -> pb.DescribeResponse:
        """The DescribeResponse computed from the registered handlers."""
        h = self.handlers
        hooks = [pb.HOOK_ACTIVATE, pb.HOOK_DEACTIVATE]
        if h.on_configuration_changed is not None:
            hooks.append(pb.HOOK_CONFIGURATION_CHANGED)
        if h.intercepts:
            hooks.append(pb.HOOK_INTERCEPT)
        if h.notifies:
            hooks.append(pb.HOOK_NOTIFY)
        if h.on_cluster_message is not None:
            hooks.append(pb.HOOK_CLUSTER_MESSAGE)
        if h.routes.routes:
            hooks.append(pb.HOOK_SERVE_HTTP)
        if h.commands:
            hooks.append(pb.HOOK_EXECUTE_COMMAND)
        return pb.DescribeResponse(
            plugin_id=self.id,
            version=self.version,
            sdk=pb.SdkInfo(name=SDK_NAME, version=SDK_VERSION),
            implemented_hooks=hooks,
            intercept_topics=h.intercepts.patterns(),
            notify_topics=h.notifies.patterns(),
            commands=[spec for spec, _ in h.commands.values()],
            http_routes=[
                pb.HttpRoute(method=r.method, path_prefix=r.path_prefix) for r in h.routes.routes
            ],
        )

    def register(self, ctx: ServeContext) -> None:
        """Add ``polyplug.v1.Plugin`` to a go-plugin server (what :meth:`serve` does)."""
        from polyplug.servicer import PluginServicer

        pb_grpc.add_PluginServicer_to_server(PluginServicer(self, ctx.broker), ctx.server)

    def serve(self) -> NoReturn:
        """Serve until the gateway shuts the plugin down, then exit the process.

        Run directly (without the gateway's magic cookie) it prints go-plugin's
        "This binary is a plugin" message and exits with status 1.
        """
        serve(ServeConfig(handshake=POLYPLUG_HANDSHAKE, register=self.register))
