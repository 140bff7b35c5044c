"""Handler failures are data and the plugin keeps serving; limits are enforced."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from conftest import FAULTY, PYTHON

from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.structs import from_struct
from polyplug.testing import PluginHarness

PLUGIN_FAILED = 100


@pytest.fixture(scope="module")
def harness() -> Iterator[PluginHarness]:
    with PluginHarness([PYTHON, FAULTY]) as running:
        yield running


def test_raising_handler_returns_plugin_failed_and_keeps_serving(harness: PluginHarness) -> None:
    reply = harness.intercept("boom", {})
    assert reply.error.code == PLUGIN_FAILED
    assert reply.error.message == "RuntimeError: handler exploded"
    assert reply.WhichOneof("outcome") is None
    assert harness.process.health() == 1
    line = harness.process.wait_for_stderr(lambda text: "handler exploded" in text)
    assert '"@level":"error"' in line
    assert harness.intercept("async.ok", {}).WhichOneof("outcome") == "modify"


def test_polyplug_error_keeps_its_code_and_details(harness: PluginHarness) -> None:
    reply = harness.intercept("coded", {})
    assert reply.error.code == 3
    assert reply.error.details["field"] == "payload.x"


def test_oversized_modify_is_refused_naming_the_limit(harness: PluginHarness) -> None:
    reply = harness.intercept("huge", {})
    assert reply.error.code == 8  # RESOURCE_EXHAUSTED
    assert "8388608 bytes" in reply.error.message
    assert reply.error.details["limit"] == "8388608 bytes"


def test_wrong_return_type_is_explained(harness: PluginHarness) -> None:
    reply = harness.intercept("wrong-type", {})
    assert reply.error.code == PLUGIN_FAILED
    assert "return Modify, Reject, Proceed or None" in reply.error.message


def test_async_handler_and_wildcard_topics(harness: PluginHarness) -> None:
    reply = harness.intercept("async.thing", {"a": 1})
    assert from_struct(reply.modify.payload, "p") == {
        "a": 1,
        "seen_by": "async",
        "topic": "async.thing",
    }
    other = harness.intercept("any.topic", {}, request_id="r-9", metadata={"user_id": "u"})
    assert from_struct(other.modify.payload, "p") == {
        "request_id": "r-9",
        "topic": "any.topic",
        "meta": {"user_id": "u"},
    }


def test_malformed_topic_is_invalid_argument(harness: PluginHarness) -> None:
    reply = harness.intercept("Not A Topic", {})
    assert reply.error.code == 3
    assert reply.error.details["field"] == "topic"


def test_async_notify_failure(harness: PluginHarness) -> None:
    reply = harness.notify("notify.fail", {})
    assert reply.error.code == PLUGIN_FAILED
    assert reply.error.message == "ValueError: async handler failed"


def test_unknown_topic_for_notify_is_not_found(harness: PluginHarness) -> None:
    assert harness.notify("notify.other", {}).error.code == 5


def test_command_failure_and_unknown_command(harness: PluginHarness) -> None:
    assert harness.command("fail").error.message == "KeyError: 'missing'"
    assert harness.command("nope").error.code == 5


def test_http_failure_before_head_is_an_error_frame(harness: PluginHarness) -> None:
    head, body, others = harness.http("GET", "/fail-before-head")
    assert head is None
    assert others[0].error.code == PLUGIN_FAILED
    assert list(body) == []


def test_http_failure_mid_body_ends_with_an_error_frame(harness: PluginHarness) -> None:
    head, body, others = harness.http("GET", "/fail-mid-body")
    assert head is not None
    assert head.status == 200
    assert list(body) == [b"first chunk"]
    assert others[-1].error.message == "RuntimeError: stream broke"


def test_http_large_body_is_split_and_trailers_sent(harness: PluginHarness) -> None:
    head, body, others = harness.http("GET", "/big/x")
    assert head is not None
    assert [(h.name, h.value) for h in head.headers] == [("x-a", "1"), ("x-a", "2")]
    chunks = list(body)
    assert [len(c) for c in chunks] == [65536, 65536, 65536, 8192]
    assert [(h.name, h.value) for h in others[-1].trailers.headers] == [("x-done", "yes")]


def test_unmatched_route_is_not_found(harness: PluginHarness) -> None:
    _, _, others = harness.http("GET", "/nowhere")
    assert others[0].error.code == 5


def test_hook_not_implemented_is_grpc_unimplemented(harness: PluginHarness) -> None:
    request = pb.ConfigurationChangedRequest(context=harness.context())
    with pytest.raises(grpc.RpcError) as error:
        harness.stub.ConfigurationChanged(request, timeout=5)
    assert error.value.code() == grpc.StatusCode.UNIMPLEMENTED
