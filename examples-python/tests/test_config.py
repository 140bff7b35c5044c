"""``plugin.config``: a configuration the handler rejects leaves the previous one in force."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import HERE, PYTHON

from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.structs import from_struct, to_struct
from polyplug.testing import PluginHarness

CONFIG_PLUGIN = str(HERE / "fixtures" / "config_plugin.py")
INVALID_ARGUMENT = 3


@pytest.fixture(scope="module")
def harness() -> Iterator[PluginHarness]:
    with PluginHarness([PYTHON, CONFIG_PLUGIN], config={"level": 1}) as running:
        yield running


def change(harness: PluginHarness, config: dict[str, Any]) -> pb.ConfigurationChangedResponse:
    request = pb.ConfigurationChangedRequest(
        context=harness.context(), configuration=to_struct(config, "configuration")
    )
    reply: pb.ConfigurationChangedResponse = harness.stub.ConfigurationChanged(request, timeout=10)
    return reply


def reported(harness: PluginHarness) -> dict[str, Any]:
    reply = harness.intercept("test.config", {})
    assert reply.WhichOneof("outcome") == "modify", reply
    return from_struct(reply.modify.payload, "payload")


def test_activate_then_accepted_configuration_is_current(harness: PluginHarness) -> None:
    assert harness.activation is not None
    assert not harness.activation.HasField("error")
    assert reported(harness)["config"] == {"level": 1}
    assert not change(harness, {"level": 2}).HasField("error")
    assert reported(harness) == {"config": {"level": 2}, "seen_during_handler": {"level": 1}}


def test_rejected_configuration_keeps_the_previous_one(harness: PluginHarness) -> None:
    assert not change(harness, {"level": 2}).HasField("error")
    reply = change(harness, {"level": 3, "reject": True})
    assert reply.error.code == INVALID_ARGUMENT
    assert reply.error.message == "reject is true"
    assert reported(harness)["config"] == {"level": 2}
