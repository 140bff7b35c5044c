"""Start-up: cookie check, version negotiation, the handshake line, listeners."""

from __future__ import annotations

import os
import stat
import subprocess
import tempfile

import pytest
from conftest import FIXTURE, PYTHON

from polyplug.goplugin import NOT_A_HOST_MESSAGE
from polyplug.testing import PluginProcess, plugin_environment


def run_directly(env: dict[str, str]) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([PYTHON, FIXTURE], env=env, capture_output=True, timeout=30)


def test_missing_cookie_prints_go_plugin_message_and_exits_1() -> None:
    env = plugin_environment(extra={"POLYPLUG_PLUGIN": None})
    result = run_directly(env)
    assert result.returncode == 1
    assert result.stderr.decode().endswith(NOT_A_HOST_MESSAGE)
    assert result.stdout == b""


def test_wrong_cookie_value_is_refused() -> None:
    result = run_directly(plugin_environment(extra={"POLYPLUG_PLUGIN": "nope"}))
    assert result.returncode == 1
    assert NOT_A_HOST_MESSAGE in result.stderr.decode()


def test_run_by_hand_with_empty_environment() -> None:
    result = subprocess.run([PYTHON, FIXTURE], env={}, capture_output=True, timeout=30)
    assert (result.returncode, result.stdout) == (1, b"")
    assert result.stderr.decode() == NOT_A_HOST_MESSAGE


def test_handshake_line_has_exactly_six_fields() -> None:
    with PluginProcess([PYTHON, FIXTURE]) as plugin:
        line = plugin.handshake_raw
        assert line.endswith("\n")
        assert line == f"1|1|unix|{plugin.handshake.address}|grpc|\n"
        assert plugin.shutdown() == 0


@pytest.mark.parametrize(
    ("host_versions", "expected"),
    [("1", 1), ("3,1,2", 1), ("2,3", 1), ("", 1), ("x,1", 1)],
)
def test_version_negotiation(host_versions: str, expected: int) -> None:
    with PluginProcess([PYTHON, FIXTURE], host_versions=host_versions) as plugin:
        assert plugin.handshake.app_version == expected
        if host_versions.startswith("x"):
            plugin.wait_for_stderr(lambda line: "invalid plugin version" in line)
        plugin.shutdown()


def test_multiplex_request_does_not_add_a_seventh_field() -> None:
    with PluginProcess([PYTHON, FIXTURE], env={"PLUGIN_MULTIPLEX_GRPC": "true"}) as plugin:
        assert plugin.handshake.field_count == 6
        plugin.shutdown()


def test_unix_socket_is_owner_only() -> None:
    with PluginProcess([PYTHON, FIXTURE]) as plugin:
        mode = os.stat(plugin.handshake.address).st_mode
        assert stat.S_ISSOCK(mode)
        assert stat.S_IMODE(mode) == 0o600
        parent = os.path.dirname(plugin.handshake.address)
        assert stat.S_IMODE(os.stat(parent).st_mode) == 0o700
        plugin.shutdown()
    assert not os.path.exists(plugin.handshake.address), "socket left behind after shutdown"


def test_socket_dir_from_host_is_used() -> None:
    with tempfile.TemporaryDirectory(prefix="pp-") as directory:
        os.chmod(directory, 0o700)
        env = {"PLUGIN_UNIX_SOCKET_DIR": directory}
        with PluginProcess([PYTHON, FIXTURE], env=env) as plugin:
            assert os.path.dirname(plugin.handshake.address) == directory
            assert os.path.basename(plugin.handshake.address).startswith("plugin")
            assert plugin.health() == 1
            plugin.shutdown()


def test_tcp_can_be_forced_and_honours_the_port_range() -> None:
    env = {"POLYPLUG_PLUGIN_NETWORK": "tcp", "PLUGIN_MIN_PORT": "23100", "PLUGIN_MAX_PORT": "23200"}
    with PluginProcess([PYTHON, FIXTURE], env=env) as plugin:
        assert plugin.handshake.network == "tcp"
        host, port = plugin.handshake.address.rsplit(":", 1)
        assert host == "127.0.0.1"
        assert 23100 <= int(port) <= 23200
        assert plugin.health() == 1
        plugin.shutdown()


def test_min_port_above_max_port_is_a_startup_error() -> None:
    env = plugin_environment(
        extra={
            "POLYPLUG_PLUGIN_NETWORK": "tcp",
            "PLUGIN_MIN_PORT": "30000",
            "PLUGIN_MAX_PORT": "20000",
        }
    )
    result = run_directly(env)
    assert result.returncode != 0
    assert result.stdout == b""
    assert (
        b"PLUGIN_MIN_PORT value of 30000 is greater than PLUGIN_MAX_PORT value of 20000"
        in result.stderr
    )


def test_stray_print_before_handshake_goes_to_stderr() -> None:
    with PluginProcess([PYTHON, FIXTURE], env={"FIXTURE_PRINT_BEFORE": "1"}) as plugin:
        assert plugin.handshake.core_version == 1
        plugin.wait_for_stderr(lambda line: "stray output before the handshake" in line)
        assert plugin.health() == 1
        plugin.shutdown()
