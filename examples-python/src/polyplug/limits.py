"""The contract's limits (common.proto, proto/README.md §9) and their checks.

Every check raises :class:`PolyplugError` whose message names the limit.
"""

from __future__ import annotations

import re

from polyplug.errors import ErrorCode, PolyplugError

MIB = 1024 * 1024
#: gRPC message size on every plugin connection, both directions.
MAX_MESSAGE_BYTES = 16 * MIB
#: Intercept/Notify payloads, configuration, PublishEvent payloads, command data.
MAX_STRUCT_BYTES = 8 * MIB
MAX_KV_KEY_BYTES = 512
MAX_KV_VALUE_BYTES = 1 * MIB
MAX_KV_PAGE_SIZE = 1000
#: One ServeHTTP body chunk, both directions.
MAX_HTTP_CHUNK_BYTES = 64 * 1024
MAX_LOG_MESSAGE_BYTES = 64 * 1024
MAX_LOG_FIELDS_BYTES = 64 * 1024
MAX_COMMAND_TEXT_BYTES = 64 * 1024
MAX_CLUSTER_MESSAGE_BYTES = 1 * MIB

TOPIC_PATTERN = re.compile(r"[a-z0-9_.-]{1,128}")
EVENT_PATTERN = TOPIC_PATTERN
COMMAND_PATTERN = re.compile(r"[a-z0-9_-]{1,64}")
PLUGIN_ID_PATTERN = re.compile(r"[a-zA-Z0-9_.-]{3,190}")


def check_size(what: str, size: int, limit: int) -> None:
    """RESOURCE_EXHAUSTED when ``size`` > ``limit`` bytes."""
    if size > limit:
        raise PolyplugError(
            ErrorCode.RESOURCE_EXHAUSTED,
            f"{what} is {size} bytes, over the limit of {limit} bytes",
            {"limit": f"{limit} bytes", "field": what},
        )


def check_name(what: str, value: str, pattern: re.Pattern[str]) -> None:
    """INVALID_ARGUMENT when ``value`` does not match ``pattern`` entirely."""
    if not pattern.fullmatch(value):
        raise PolyplugError(
            ErrorCode.INVALID_ARGUMENT,
            f"{what} {value!r} does not match {pattern.pattern}",
            {"field": what},
        )


def check_kv_key(key: str) -> None:
    """INVALID_ARGUMENT unless ``key`` is 1..512 bytes of UTF-8 without NUL."""
    size = len(key.encode("utf-8"))
    if not 1 <= size <= MAX_KV_KEY_BYTES or "\x00" in key:
        raise PolyplugError(
            ErrorCode.INVALID_ARGUMENT,
            f"KV key must be 1..{MAX_KV_KEY_BYTES} bytes of UTF-8 without NUL, got {size} bytes",
            {"field": "key", "limit": f"{MAX_KV_KEY_BYTES} bytes"},
        )
