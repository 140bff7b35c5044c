"""JSON-object payloads <-> ``google.protobuf.Struct``, with the contract's size limits."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf import json_format, struct_pb2

from polyplug.errors import ErrorCode, PolyplugError
from polyplug.limits import MAX_STRUCT_BYTES, check_size

#: A JSON object as Python values (dict of str to JSON values).
JsonObject = dict[str, Any]


def to_struct(
    value: Mapping[str, Any] | None, what: str, limit: int = MAX_STRUCT_BYTES
) -> struct_pb2.Struct:
    """Convert a JSON-like mapping to a Struct.

    INVALID_ARGUMENT when ``value`` is not a mapping of JSON values; RESOURCE_EXHAUSTED
    when its serialized size exceeds ``limit`` (default 8 MiB). None gives an empty Struct.
    """
    struct = struct_pb2.Struct()
    if value is None:
        return struct
    if not isinstance(value, Mapping):
        raise PolyplugError(
            ErrorCode.INVALID_ARGUMENT,
            f"{what} must be a JSON object (a dict), got {type(value).__name__}",
            {"field": what},
        )
    try:
        struct.update(value)
    except (ValueError, TypeError, AttributeError) as error:
        raise PolyplugError(
            ErrorCode.INVALID_ARGUMENT,
            f"{what} is not JSON-compatible: {error}",
            {"field": what},
        ) from error
    check_size(what, struct.ByteSize(), limit)
    return struct


def from_struct(struct: struct_pb2.Struct, what: str, limit: int = MAX_STRUCT_BYTES) -> JsonObject:
    """Convert a received Struct to a dict (RESOURCE_EXHAUSTED over ``limit``)."""
    check_size(what, struct.ByteSize(), limit)
    result: JsonObject = json_format.MessageToDict(struct)
    return result
