"""Small pure functions: topic/route matching, hclog formatting, negotiation, codegen."""

from __future__ import annotations

import importlib
import json
import logging
import sys

import pytest
from conftest import ROOT

from polyplug.goplugin import format_hclog_record, negotiate_version
from polyplug.routing import RouteTable, TopicTable, check_topic_pattern


def test_topic_lookup_prefers_exact_then_longest_prefix_then_star() -> None:
    table: TopicTable[str] = TopicTable()
    for pattern in ("*", "message.*", "message.will.*", "message.will_be_posted"):
        table.add(pattern, pattern)
    assert table.match("message.will_be_posted") == "message.will_be_posted"
    assert table.match("message.will.x") == "message.will.*"
    assert table.match("message.other") == "message.*"
    assert table.match("message.") == "*"
    assert table.match("user.joined") == "*"


@pytest.mark.parametrize("pattern", ["", "Upper", "a*", "message.**", "x" * 129, "a b"])
def test_bad_topic_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(ValueError, match="topic pattern"):
        check_topic_pattern(pattern)


def test_route_lookup_by_longest_prefix_then_exact_method() -> None:
    table: RouteTable[str] = RouteTable()
    table.add("*", "/", "root")
    table.add("GET", "/hooks", "get-hooks")
    table.add("*", "/hooks", "any-hooks")
    assert table.match("GET", "/hooks/x") == "get-hooks"
    assert table.match("POST", "/hooks") == "any-hooks"
    assert table.match("GET", "/hooksy") == "root"


def test_hclog_record_shape() -> None:
    record = logging.LogRecord("my.module", 5, __file__, 1, "hi %s", ("there",), None)
    record.user = {"id": 1}
    entry = json.loads(format_hclog_record(record))
    assert entry["@level"] == "trace"
    assert entry["@message"] == "hi there"
    assert entry["@module"] == "my.module"
    assert entry["user"] == {"id": 1}
    assert entry["@timestamp"].endswith("Z")
    assert len(entry["@timestamp"]) == 27


@pytest.mark.parametrize(
    ("levelno", "name"),
    [(10, "debug"), (20, "info"), (30, "warn"), (40, "error"), (50, "error")],
)
def test_hclog_levels(levelno: int, name: str) -> None:
    record = logging.LogRecord("", levelno, __file__, 1, "m", None, None)
    assert json.loads(format_hclog_record(record))["@level"] == name


def test_negotiation_picks_highest_common_else_lowest() -> None:
    assert negotiate_version([1, 2, 3], "2,1") == 2
    assert negotiate_version([2, 3], "5") == 2
    assert negotiate_version([1], None) == 1


def test_codegen_rewrites_only_generated_imports() -> None:
    sys.path.insert(0, str(ROOT / "codegen"))
    try:
        codegen = importlib.import_module("protoc_gen_polyplug_python")
    finally:
        sys.path.pop(0)
    source = (
        "import grpc\n"
        "from grpc import aio\n"
        "from grpc.health.v1 import health_pb2 as h\n"
        "from google.protobuf import empty_pb2\n"
        "from plugin import grpc_broker_pb2\n"
    )
    modules = {"grpc.health.v1.health_pb2", "plugin.grpc_broker_pb2"}
    assert codegen.rewrite_imports(source, modules, "polyplug.gen") == (
        "import grpc\n"
        "from grpc import aio\n"
        "from polyplug.gen.grpc.health.v1 import health_pb2 as h\n"
        "from google.protobuf import empty_pb2\n"
        "from polyplug.gen.plugin import grpc_broker_pb2\n"
    )
    with pytest.raises(ValueError, match="unaliased"):
        codegen.rewrite_imports("import plugin.grpc_broker_pb2\n", modules, "polyplug.gen")


def test_generated_code_does_not_shadow_grpc() -> None:
    import grpc

    from polyplug.gen.grpc.health.v1 import health_pb2_grpc

    assert hasattr(grpc, "server")
    assert health_pb2_grpc.HealthStub is not None
