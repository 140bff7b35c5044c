"""Launch a plugin the way a go-plugin host does, for tests (yours and the SDK's)."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import IO

import grpc
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from google.protobuf import empty_pb2

from polyplug.gen.grpc.health.v1 import health_pb2, health_pb2_grpc
from polyplug.gen.plugin import (
    grpc_controller_pb2,
    grpc_controller_pb2_grpc,
    grpc_stdio_pb2,
    grpc_stdio_pb2_grpc,
)
from polyplug.goplugin.auto_mtls import Certificate, MtlsConfig, generate_certificate
from polyplug.goplugin.handshake import HandshakeConfig
from polyplug.goplugin.io_loop import shared_io_loop
from polyplug.goplugin.listener import Endpoint
from polyplug.goplugin.serve import DEFAULT_MAX_MESSAGE_BYTES
from polyplug.goplugin.tls_proxy import TlsDialProxy
from polyplug.handshake import POLYPLUG_HANDSHAKE
from polyplug.testing.handshake_line import HandshakeLine

_CHANNEL_OPTIONS = [
    ("grpc.max_receive_message_length", DEFAULT_MAX_MESSAGE_BYTES),
    ("grpc.max_send_message_length", DEFAULT_MAX_MESSAGE_BYTES),
]


class PluginStartError(RuntimeError):
    """The plugin exited or printed no valid handshake line; carries its stderr."""


def plugin_environment(
    handshake: HandshakeConfig = POLYPLUG_HANDSHAKE,
    host_versions: str | None = None,
    client_cert_pem: str | None = None,
    extra: Mapping[str, str | None] | None = None,
) -> dict[str, str]:
    """The child environment a go-plugin host builds: ours + go-plugin's variables.
    A None value in ``extra`` removes that variable."""
    env = dict(os.environ)
    env[handshake.cookie_key] = handshake.cookie_value
    env["PLUGIN_MIN_PORT"] = "10000"
    env["PLUGIN_MAX_PORT"] = "25000"
    env["PLUGIN_PROTOCOL_VERSIONS"] = (
        host_versions
        if host_versions is not None
        else ",".join(str(v) for v in handshake.protocol_versions)
    )
    if client_cert_pem is not None:
        env["PLUGIN_CLIENT_CERT"] = client_cert_pem
    for key, value in (extra or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _pump_lines(stream: IO[bytes], sink: Callable[[str], None]) -> None:
    for raw in iter(stream.readline, b""):
        sink(raw.decode("utf-8", "replace"))


class PluginProcess:
    """A running plugin with a gRPC channel to it. Use as a context manager."""

    def __init__(
        self,
        command: Sequence[str],
        *,
        env: Mapping[str, str | None] | None = None,
        cwd: str | None = None,
        auto_mtls: bool = False,
        handshake: HandshakeConfig = POLYPLUG_HANDSHAKE,
        host_versions: str | None = None,
        start_timeout: float = 30.0,
    ) -> None:
        """Launch ``command`` and wait (``start_timeout`` s) for its handshake line.

        Raises PluginStartError (with the plugin's stderr) when it fails to start.
        """
        self._proxy: TlsDialProxy | None = None
        self._tmp = tempfile.TemporaryDirectory(prefix="polyplug-host-")
        os.chmod(self._tmp.name, 0o700)
        host_cert = generate_certificate(organization="HashiCorp") if auto_mtls else None
        full_env = plugin_environment(
            handshake, host_versions, host_cert.cert_pem.decode() if host_cert else None, env
        )
        self.stderr_lines: list[str] = []
        self.stdout_after_handshake: list[str] = []
        self._first_line: queue.Queue[str | None] = queue.Queue()
        self.process = subprocess.Popen(
            list(command),
            env=full_env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        threading.Thread(
            target=_pump_lines, args=(self.process.stderr, self.stderr_lines.append), daemon=True
        ).start()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        line = self._wait_first_line(start_timeout)
        try:
            self._connect(line, host_cert)
        except Exception:
            self.kill()
            raise

    def _connect(self, line: str, host_cert: Certificate | None) -> None:
        #: The parsed handshake line.
        self.handshake = HandshakeLine.parse(line)
        #: The raw handshake line, newline included.
        self.handshake_raw = line
        self.endpoint = Endpoint(self.handshake.network, self.handshake.address)
        #: The host side of AutoMTLS (None without it).
        self.mtls: MtlsConfig | None = None
        target = self.endpoint
        if host_cert is not None:
            if self.handshake.server_cert_der is None:
                raise PluginStartError("AutoMTLS requested but the plugin sent no certificate")
            plugin_cert = x509.load_der_x509_certificate(self.handshake.server_cert_der)
            peer_pem = plugin_cert.public_bytes(serialization.Encoding.PEM).decode()
            self.mtls = MtlsConfig.create(peer_pem, self._tmp.name, own=host_cert)
            self._proxy = TlsDialProxy.start(
                shared_io_loop(), self.endpoint, self.mtls.client_context()
            )
            target = self._proxy.local
        #: A plaintext grpcio channel to the plugin (through a TLS proxy with AutoMTLS).
        self.channel = grpc.insecure_channel(target.grpc_target(), _CHANNEL_OPTIONS)

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        first = self.process.stdout.readline()
        self._first_line.put(first.decode("utf-8", "replace") if first else None)
        _pump_lines(self.process.stdout, self.stdout_after_handshake.append)

    def _wait_first_line(self, timeout: float) -> str:
        try:
            line = self._first_line.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            raise PluginStartError(
                f"timeout while waiting for plugin to start{self._stderr_tail()}"
            ) from None
        if line is None:
            self.process.wait(5)
            raise PluginStartError(
                f"plugin exited (status {self.process.returncode}) before the handshake"
                f"{self._stderr_tail()}"
            )
        return line

    def _stderr_tail(self) -> str:
        time.sleep(0.1)
        return "\nstderr:\n" + "".join(self.stderr_lines[-20:])

    def health(self, service: str = "plugin", timeout: float = 5.0) -> int:
        """``grpc.health.v1.Health/Check``; returns the ServingStatus number."""
        stub = health_pb2_grpc.HealthStub(self.channel)
        return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout).status

    def stdio(self) -> grpc.CallIterator[grpc_stdio_pb2.StdioData]:
        """Open ``plugin.GRPCStdio/StreamStdio`` (iterate it on a thread; cancel to stop)."""
        stub = grpc_stdio_pb2_grpc.GRPCStdioStub(self.channel)
        return stub.StreamStdio(empty_pb2.Empty())

    def wait_for_stderr(self, predicate: Callable[[str], bool], timeout: float = 5.0) -> str:
        """Return the first stderr line matching ``predicate``; AssertionError on timeout."""
        deadline = time.monotonic() + timeout
        seen = 0
        while time.monotonic() < deadline:
            lines = list(self.stderr_lines)
            for line in lines[seen:]:
                if predicate(line):
                    return line
            seen = len(lines)
            time.sleep(0.05)
        raise AssertionError("no matching stderr line; stderr was:\n" + "".join(self.stderr_lines))

    def shutdown(self, timeout: float = 2.0) -> int:
        """Call ``GRPCController/Shutdown`` then wait ``timeout`` s (SIGKILL after).
        Returns the exit status."""
        # The process may exit before answering, as go-plugin plugins do.
        with contextlib.suppress(grpc.RpcError):
            grpc_controller_pb2_grpc.GRPCControllerStub(self.channel).Shutdown(
                grpc_controller_pb2.Empty(), timeout=timeout
            )
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"plugin did not exit within {timeout} s of Shutdown") from None
        finally:
            self.close()

    def kill(self) -> None:
        """Stop the plugin (SIGTERM, which lets it remove its sockets; SIGKILL after 2 s)
        and release everything."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(2)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self.close()

    def close(self) -> None:
        """Close the channel, the TLS proxy and the temp dir (the process is left alone)."""
        if hasattr(self, "channel"):
            self.channel.close()
        if self._proxy is not None:
            self._proxy.close()
        self._tmp.cleanup()

    def __enter__(self) -> PluginProcess:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process.poll() is None:
            self.kill()
        else:
            self.close()
