"""go-plugin's own services and process behaviour, with and without AutoMTLS."""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator

import grpc
import pytest
from conftest import FIXTURE, PYTHON

from polyplug.gen.polyplug.hostfixture.v1 import host_fixture_pb2 as fx
from polyplug.gen.polyplug.hostfixture.v1 import host_fixture_pb2_grpc as fx_grpc
from polyplug.testing import HostBroker, PluginProcess, plugin_environment

TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}(Z|[+-]\d\d:\d\d)$")


class Greeter(fx_grpc.HostCallbackServicer):
    def Greet(self, request: fx.GreetRequest, context: grpc.ServicerContext) -> fx.GreetResponse:
        return fx.GreetResponse(greeting=f"hello {request.name}")


@pytest.fixture(params=[False, True], ids=["plaintext", "auto-mtls"])
def plugin(request: pytest.FixtureRequest) -> Iterator[PluginProcess]:
    with PluginProcess([PYTHON, FIXTURE], auto_mtls=request.param) as process:
        yield process


def test_health_reports_plugin_serving(plugin: PluginProcess) -> None:
    assert plugin.health("plugin") == 1
    assert plugin.health("") == 1
    with pytest.raises(grpc.RpcError) as error:
        plugin.health("something-else")
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


def test_shutdown_exits_promptly_with_status_0(plugin: PluginProcess) -> None:
    started = time.monotonic()
    assert plugin.shutdown(timeout=2.0) == 0
    assert time.monotonic() - started < 2.0


def test_broker_dials_host_service_and_serves_its_own(plugin: PluginProcess) -> None:
    stub = fx_grpc.HostFixtureStub(plugin.channel)
    with HostBroker(plugin) as broker:
        host_id = broker.serve(
            lambda server: fx_grpc.add_HostCallbackServicer_to_server(Greeter(), server)
        )
        reply = stub.CallHost(fx.CallHostRequest(broker_id=host_id, name="py"), timeout=10)
        assert reply.greeting == "hello py"
        plugin_id = stub.ServeOnBroker(fx.ServeOnBrokerRequest(), timeout=10).broker_id
        with broker.dial(plugin_id) as connection:
            echoed = fx_grpc.HostFixtureStub(connection.channel).Echo(
                fx.EchoRequest(message="b"), timeout=10
            )
        assert echoed.message == "v1:b"
    assert plugin.shutdown() == 0


def test_broker_dial_of_unknown_id_fails_after_the_wait(plugin: PluginProcess) -> None:
    stub = fx_grpc.HostFixtureStub(plugin.channel)
    with HostBroker(plugin):
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as error:
            stub.CallHost(fx.CallHostRequest(broker_id=999, name="x"), timeout=20)
        assert 4.5 < time.monotonic() - started < 10
        assert "broker id 999" in (error.value.details() or "")


def test_stdio_streams_stdout_and_stderr_after_the_handshake(plugin: PluginProcess) -> None:
    chunks: list[tuple[int, bytes]] = []
    stream = plugin.stdio()

    def read() -> None:
        with contextlib.suppress(grpc.RpcError):
            chunks.extend((chunk.channel, chunk.data) for chunk in stream)

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.3)  # let the stream attach before writing
    stub = fx_grpc.HostFixtureStub(plugin.channel)
    stub.Write(fx.WriteRequest(stdout="out line\n", stderr="err line\n"), timeout=5)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(chunks) < 2:
        time.sleep(0.05)
    stream.cancel()  # type: ignore[no-untyped-call]
    reader.join(5)
    assert (1, b"out line\n") in chunks
    assert (2, b"err line\n") in chunks
    assert all(len(data) <= 1024 for _, data in chunks)
    assert plugin.stdout_after_handshake == []


def test_logging_is_hclog_json_on_stderr(plugin: PluginProcess) -> None:
    stub = fx_grpc.HostFixtureStub(plugin.channel)
    stub.Write(fx.WriteRequest(log_level="warn", log_message="careful"), timeout=5)
    line = plugin.wait_for_stderr(lambda text: "careful" in text)
    record = json.loads(line)
    assert record["@level"] == "warn"
    assert record["@message"] == "careful"
    assert TIMESTAMP.match(record["@timestamp"])
    assert record["@module"] == "fixture"
    assert record["answer"] == 42


def test_sigint_is_ignored(plugin: PluginProcess) -> None:
    plugin.process.send_signal(signal.SIGINT)
    time.sleep(0.5)
    assert plugin.process.poll() is None
    assert plugin.health() == 1


def test_handler_cancellation_reaches_the_servicer(plugin: PluginProcess) -> None:
    stub = fx_grpc.HostFixtureStub(plugin.channel)
    with pytest.raises(grpc.RpcError) as error:
        stub.Sleep(fx.SleepRequest(duration_ms=5000), timeout=0.3)
    assert error.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    assert plugin.health() == 1


_ORPHANING_PARENT = """
import subprocess, sys, time
child = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
print(child.pid, flush=True)
child.stdout.readline()  # the handshake: the plugin is up (a fixed sleep raced slow starts)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/status") as status:
            return not any(line.startswith("State:\tZ") for line in status)
    except FileNotFoundError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_plugin_exits_when_its_parent_dies() -> None:
    parent = subprocess.Popen(
        [PYTHON, "-c", _ORPHANING_PARENT, PYTHON, FIXTURE],
        env=plugin_environment(),
        stdout=subprocess.PIPE,
    )
    assert parent.stdout is not None
    pid = int(parent.stdout.readline())
    parent.wait(60)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    alive = _alive(pid)
    if alive:
        os.kill(pid, signal.SIGKILL)
    assert not alive, "plugin outlived its parent by more than 5 s"
