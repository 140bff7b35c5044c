"""Payloads nested deeper than protobuf's default decode depth (regression: upb refused
~25 JSON levels with a bare gRPC INTERNAL, and raising the depth alone overflowed the
8 MiB thread stack)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from conftest import FAULTY, PYTHON

from polyplug.gen.polyplug.v1 import plugin_pb2 as pb
from polyplug.goplugin.deep_messages import allow_deep_messages
from polyplug.structs import from_struct
from polyplug.testing import PluginHarness


@pytest.fixture(scope="module")
def harness() -> Iterator[PluginHarness]:
    allow_deep_messages()  # this process decodes the deep answers too
    with PluginHarness([PYTHON, FAULTY]) as running:
        yield running


def nested(depth: int) -> dict[str, Any]:
    value: dict[str, Any] = {"leaf": "end"}
    for level in range(depth - 1, 0, -1):
        value = {"child": value} if level % 2 else {"list": [value, level, None]}
    return value


def _varint(n: int) -> bytes:
    out = bytearray()
    while True:
        out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
        n >>= 7
        if not n:
            return bytes(out)


def _field(tag: int, data: bytes) -> bytes:
    return bytes([tag]) + _varint(len(data)) + data


def raw_intercept(topic: str, struct_levels: int) -> bytes:
    """An InterceptRequest whose payload nests ``struct_levels`` Structs, encoded by hand
    (building it with protobuf would recurse in Python)."""
    struct = b""
    for _ in range(struct_levels):
        value = _field(0x2A, struct)  # Value.struct_value
        struct = _field(0x0A, _field(0x0A, b"a") + _field(0x12, value))  # Struct.fields entry
    return _field(0x12, topic.encode()) + _field(0x1A, struct)  # topic = 2, payload = 3


def test_payload_nested_40_levels_round_trips(harness: PluginHarness) -> None:
    payload = {"root": nested(40)}
    reply = harness.intercept("async.deep", payload)
    assert reply.WhichOneof("outcome") == "modify", reply.error
    got = from_struct(reply.modify.payload, "payload")
    assert got == {**payload, "seen_by": "async", "topic": "async.deep"}


def test_payload_at_the_decode_depth_cap_is_an_error_not_a_crash(harness: PluginHarness) -> None:
    call = harness.process.channel.unary_unary("/polyplug.v1.Plugin/Intercept", None, None)
    reply = pb.InterceptResponse.FromString(call(raw_intercept("boom", 21_000), timeout=30))
    assert reply.HasField("error")
    assert harness.process.health() == 1
    with pytest.raises(grpc.RpcError):  # past the cap: refused by the decoder
        call(raw_intercept("boom", 30_000), timeout=30)
    assert harness.process.health() == 1
