"""Serve a gRPC plugin the way a go-plugin host expects (the plugin side of `plugin.Serve`)."""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from concurrent import futures
from dataclasses import dataclass
from typing import NoReturn

import grpc

from polyplug.gen.grpc.health.v1 import health_pb2_grpc
from polyplug.gen.plugin import grpc_broker_pb2_grpc, grpc_controller_pb2_grpc, grpc_stdio_pb2_grpc
from polyplug.goplugin.auto_mtls import MtlsConfig
from polyplug.goplugin.broker import Broker, BrokerServicer
from polyplug.goplugin.controller import ControllerServicer
from polyplug.goplugin.deep_messages import allow_deep_messages
from polyplug.goplugin.handshake import (
    HandshakeConfig,
    exit_unless_launched_by_host,
    format_handshake_line,
)
from polyplug.goplugin.hclog import HclogJsonHandler
from polyplug.goplugin.health import HealthServicer
from polyplug.goplugin.io_loop import shared_io_loop
from polyplug.goplugin.listener import (
    Endpoint,
    ListenError,
    bind_grpc_server,
    listen_socket,
    private_dir,
    remove_private_dir,
)
from polyplug.goplugin.negotiate import negotiate_version
from polyplug.goplugin.parent_watch import watch_parent
from polyplug.goplugin.stdio import StdioHub, StdioServicer, capture_stdio
from polyplug.goplugin.stdout_guard import install_stdout_guard, write_handshake_line
from polyplug.goplugin.tls_proxy import TlsServerProxy

_log = logging.getLogger("polyplug.goplugin")

#: Default gRPC max message size for both directions: 16 MiB.
DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024
#: Environment variable forcing the listener network (``unix`` or ``tcp``).
NETWORK_ENV = "POLYPLUG_PLUGIN_NETWORK"


@dataclass(frozen=True)
class ServeContext:
    """What the application's ``register`` callback gets: the negotiated app protocol
    version, the gRPC server to add services to, and the broker."""

    version: int
    server: grpc.Server
    broker: Broker


@dataclass(frozen=True)
class ServeConfig:
    """How to serve.

    ``register`` adds the application's services. ``network``: ``unix`` (default) or
    ``tcp``; env ``POLYPLUG_PLUGIN_NETWORK`` overrides the default. ``on_shutdown`` runs
    once before the process exits (after ``GRPCController/Shutdown``, SIGTERM or the
    host's death).
    """

    handshake: HandshakeConfig
    register: Callable[[ServeContext], None]
    network: str | None = None
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    max_workers: int = 32
    on_shutdown: Callable[[], None] | None = None


def _install_default_logging() -> None:
    root = logging.getLogger()
    if not root.handlers:
        root.addHandler(HclogJsonHandler())
        level = os.environ.get("POLYPLUG_LOG_LEVEL", "DEBUG").upper()
        root.setLevel(logging.getLevelName(level) if level != "TRACE" else 5)
    logging.getLogger("asyncio").setLevel(logging.WARNING)


def _choose_network(config: ServeConfig) -> str:
    network = os.environ.get(NETWORK_ENV) or config.network or "unix"
    if network not in ("unix", "tcp"):
        raise SystemExit(f"{NETWORK_ENV} must be 'unix' or 'tcp', got {network!r}")
    return network


def serve(config: ServeConfig) -> NoReturn:
    """Run the plugin until the host shuts it down, then exit the process (never returns).

    Order: guard stdout, check the magic cookie (exit 1 with go-plugin's message if
    wrong), ignore SIGINT, negotiate the version, listen, set up AutoMTLS when
    ``PLUGIN_CLIENT_CERT`` is set, register go-plugin's services and the application's,
    print the handshake line, capture ``sys.stdout``/``sys.stderr`` for ``GRPCStdio``.
    """
    install_stdout_guard()
    exit_unless_launched_by_host(config.handshake)
    # Before the handshake line, so a Ctrl-C racing the start cannot kill the plugin.
    stop = threading.Event()
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    _install_default_logging()
    # Record the parent now, not after the handshake: a host dying right after reading the
    # line would otherwise already be gone, and the re-parented plugin would never notice.
    watch_parent(stop.set)
    version = negotiate_version(
        config.handshake.protocol_versions, os.environ.get("PLUGIN_PROTOCOL_VERSIONS")
    )
    network = _choose_network(config)
    try:
        mtls = MtlsConfig.from_env(private_dir())
    except ValueError as error:
        _log.error("cannot set up AutoMTLS", extra={"error": str(error)})
        remove_private_dir()
        sys.exit(1)
    # Before any worker thread exists: the threads inherit the larger stack.
    allow_deep_messages()
    io = shared_io_loop() if mtls else None
    hub = StdioHub()
    size = config.max_message_bytes
    options = [
        ("grpc.max_receive_message_length", size),
        ("grpc.max_send_message_length", size),
        ("grpc.so_reuseport", 0),
    ]
    broker = Broker(network, mtls, io, server_options=options, channel_options=options[:2])
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=config.max_workers), options=options
    )
    health_pb2_grpc.add_HealthServicer_to_server(HealthServicer(stop), server)
    grpc_controller_pb2_grpc.add_GRPCControllerServicer_to_server(ControllerServicer(stop), server)
    grpc_stdio_pb2_grpc.add_GRPCStdioServicer_to_server(StdioServicer(hub), server)
    grpc_broker_pb2_grpc.add_GRPCBrokerServicer_to_server(BrokerServicer(broker), server)
    config.register(ServeContext(version, server, broker))

    proxy: TlsServerProxy | None = None
    try:
        if mtls is not None and io is not None:
            internal = bind_grpc_server(server, "unix", internal=True)
            sock, endpoint = listen_socket(network)
            proxy = TlsServerProxy.start(io, sock, mtls.server_context(), internal.address)
        else:
            endpoint = bind_grpc_server(server, network)
    except ListenError as error:
        _log.error("cannot listen", extra={"error": str(error)})
        remove_private_dir()
        sys.exit(1)
    server.start()
    _announce(version, endpoint, mtls)

    capture_stdio(hub)
    while not stop.wait(1.0):
        pass
    _shutdown(config, server, broker, proxy)


def _announce(version: int, endpoint: Endpoint, mtls: MtlsConfig | None) -> None:
    _log.debug(
        "plugin address",
        extra={"network": endpoint.network, "address": endpoint.address, "auto_mtls": bool(mtls)},
    )
    cert = mtls.own.cert_der if mtls else None
    write_handshake_line(format_handshake_line(version, endpoint.network, endpoint.address, cert))


def _shutdown(
    config: ServeConfig, server: grpc.Server, broker: Broker, proxy: TlsServerProxy | None
) -> NoReturn:
    code = 0
    if config.on_shutdown is not None:
        try:
            config.on_shutdown()
        except Exception:
            _log.exception("on_shutdown failed")
            code = 1
    server.stop(0.5).wait(2)
    broker.close()
    if proxy is not None:
        proxy.close()
    remove_private_dir()
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            stream.flush()
    logging.shutdown()
    # os._exit: gRPC worker threads must not delay the exit the host waits for (2 s).
    os._exit(code)
