"""The membership example: Notify, KV compare-and-set, events, a command, HTTP streaming."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from conftest import MEMBERSHIP, PYTHON

from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.structs import from_struct
from polyplug.testing import PluginHarness


@pytest.fixture(scope="module", params=[False, True], ids=["plaintext", "auto-mtls"])
def harness(request: pytest.FixtureRequest) -> Iterator[PluginHarness]:
    with PluginHarness([PYTHON, MEMBERSHIP], auto_mtls=request.param) as running:
        yield running


def test_activate_saves_default_config(harness: PluginHarness) -> None:
    assert harness.activation is not None
    assert not harness.activation.HasField("error")
    assert harness.api.saved_configs[0] == {"publish_events": True}
    d = harness.description
    assert pb.HOOK_SERVE_HTTP in d.implemented_hooks
    assert [c.name for c in d.commands] == ["members"]
    assert [(r.method, r.path_prefix) for r in d.http_routes] == [
        ("GET", "/count"),
        ("POST", "/echo"),
    ]


def test_joins_and_leaves_update_the_counter_and_publish(harness: PluginHarness) -> None:
    for user in ("a", "b", "c"):
        reply = harness.notify("user.joined_channel", {"channel_id": "town", "user_id": user})
        assert not reply.HasField("error"), reply.error.message
    harness.notify("user.left_channel", {"channel_id": "town", "user_id": "a"})
    assert harness.api.value("count/town") == b"2"
    assert harness.api.value("last_change/town") == b"user.left_channel"
    event, payload = harness.api.event_payloads()[-1]
    assert event == "changed"
    assert payload == {"channel_id": "town", "user_id": "a", "count": 2}
    assert dict(harness.api.events[-1].audience.match_labels) == {"channel_id": "town"}


def test_leaving_to_zero_deletes_the_key(harness: PluginHarness) -> None:
    harness.notify("user.joined_channel", {"channel_id": "tiny", "user_id": "x"})
    harness.notify("user.left_channel", {"channel_id": "tiny", "user_id": "x"})
    assert harness.api.value("count/tiny") is None


def test_malformed_payload_is_a_clear_error(harness: PluginHarness) -> None:
    reply = harness.notify("user.joined_channel", {"user_id": "x"})
    assert reply.error.code == 3  # INVALID_ARGUMENT
    assert "payload.channel_id" in reply.error.message
    assert reply.error.details["field"] == "payload.channel_id"


def test_members_command(harness: PluginHarness) -> None:
    reply = harness.command("members", "town")
    assert reply.text == "2 members in town"
    assert from_struct(reply.data, "d") == {"channel_id": "town", "count": 2}
    everything = harness.command("members")
    assert "2 members in town" in everything.text
    bad = harness.command("members", "a", "b")
    assert bad.error.code == 3
    assert bad.error.message == "usage: /members [channel]"


def test_http_get_count(harness: PluginHarness) -> None:
    head, body, others = harness.http("GET", "/count", query="channel=town")
    assert head is not None
    assert head.status == 200
    assert json.loads(b"".join(body)) == {"channel_id": "town", "count": 2}
    assert others == []
    missing, body, _ = harness.http("GET", "/count")
    assert missing is not None
    assert missing.status == 400
    b"".join(body)


def test_http_echo_streams_large_bodies_in_bounded_chunks(harness: PluginHarness) -> None:
    sent = [bytes([i % 251]) * 65536 for i in range(48)]  # 3 MiB in 64 KiB chunks
    head, body, others = harness.http(
        "POST", "/echo", sent, headers=[("content-type", "application/octet-stream")]
    )
    assert head is not None
    assert head.status == 200
    assert ("content-type", "application/octet-stream") in [(h.name, h.value) for h in head.headers]
    received = list(body)
    assert all(0 < len(chunk) <= 65536 for chunk in received)
    assert b"".join(received) == b"".join(sent)
    assert others == []
