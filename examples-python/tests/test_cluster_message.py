"""PublishClusterMessage and OnClusterMessage through the SDK, over a real go-plugin channel."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import HERE, PYTHON

from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.structs import from_struct, to_struct
from polyplug.testing import PluginHarness

CLUSTER_PLUGIN = str(HERE / "fixtures" / "cluster_plugin.py")


@pytest.fixture(scope="module")
def harness() -> Iterator[PluginHarness]:
    with PluginHarness([PYTHON, CLUSTER_PLUGIN]) as running:
        yield running


def test_describe_declares_the_cluster_message_hook(harness: PluginHarness) -> None:
    assert pb.HOOK_CLUSTER_MESSAGE in harness.description.implemented_hooks


def test_publish_cluster_message_reaches_the_gateway(harness: PluginHarness) -> None:
    reply = harness.intercept("test.send", {"n": 1})
    assert reply.WhichOneof("outcome") == "modify", reply
    sent = harness.api.cluster_messages[-1]
    assert sent.topic == "ping"
    assert from_struct(sent.payload, "payload") == {"n": 1}


def test_on_cluster_message_runs_the_handler(harness: PluginHarness) -> None:
    request = pb.OnClusterMessageRequest(
        context=harness.context(),
        topic="ping",
        payload=to_struct({"n": 2}, "payload"),
        from_node_id="node-2",
    )
    reply: pb.OnClusterMessageResponse = harness.stub.OnClusterMessage(request, timeout=10)
    assert not reply.HasField("error"), reply
    event = harness.api.events[-1]
    assert event.event == "received"
    assert from_struct(event.payload, "payload") == {
        "topic": "ping",
        "from": "node-2",
        "payload": {"n": 2},
    }
