"""The wordfilter example, driven the way the gateway drives it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from conftest import PYTHON, WORDFILTER

from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.structs import from_struct, to_struct
from polyplug.testing import PluginHarness

TOPIC = "message.will_be_posted"


@pytest.fixture(scope="module")
def harness() -> Iterator[PluginHarness]:
    config = {"masked_words": ["heck"], "blocked_words": ["darn"]}
    with PluginHarness([PYTHON, WORDFILTER], config=config) as running:
        yield running


def test_describe_lists_intercept_and_lifecycle(harness: PluginHarness) -> None:
    d = harness.description
    assert d.plugin_id == "com.polyplug.example.wordfilter-python"
    assert d.sdk.name == "polyplug-python"
    assert set(d.implemented_hooks) == {
        pb.HOOK_ACTIVATE,
        pb.HOOK_DEACTIVATE,
        pb.HOOK_CONFIGURATION_CHANGED,
        pb.HOOK_INTERCEPT,
    }
    assert list(d.intercept_topics) == [TOPIC]
    assert harness.activation is not None
    assert not harness.activation.HasField("error")
    assert "wordfilter activated" in harness.api.log_messages()


def test_masked_word_is_modified(harness: PluginHarness) -> None:
    reply = harness.intercept(TOPIC, {"message": "what the Heck", "user": "u1"})
    assert reply.WhichOneof("outcome") == "modify"
    assert from_struct(reply.modify.payload, "p") == {"message": "what the ****", "user": "u1"}


def test_blocked_word_is_rejected(harness: PluginHarness) -> None:
    reply = harness.intercept(TOPIC, {"message": "darn it"})
    assert reply.WhichOneof("outcome") == "reject"
    assert reply.reject.code == "blocked_word"
    assert "darn" in reply.reject.reason


def test_clean_message_proceeds(harness: PluginHarness) -> None:
    reply = harness.intercept(TOPIC, {"message": "hello"})
    assert reply.WhichOneof("outcome") == "proceed"
    assert not reply.HasField("error")


def test_configuration_changed_takes_effect(harness: PluginHarness) -> None:
    request = pb.ConfigurationChangedRequest(
        context=harness.context(), configuration=to_struct({"blocked_words": ["hello"]}, "c")
    )
    reply = harness.stub.ConfigurationChanged(request, timeout=10)
    assert not reply.HasField("error")
    assert harness.intercept(TOPIC, {"message": "hello"}).WhichOneof("outcome") == "reject"
    assert harness.intercept(TOPIC, {"message": "heck"}).WhichOneof("outcome") == "proceed"


def test_deactivate_then_shutdown(harness: PluginHarness) -> None:
    assert harness.close() == 0
    assert "wordfilter deactivated" in harness.api.log_messages()
