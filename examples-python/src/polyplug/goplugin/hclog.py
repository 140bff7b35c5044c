"""A `logging` handler that writes hashicorp/go-hclog JSON lines to the real stderr.

go-plugin hosts parse each stderr line that is a JSON object with string ``@level``,
``@message`` and ``@timestamp`` (exact layout ``YYYY-MM-DDTHH:MM:SS.ffffffZ``) as a
structured log record; every other key becomes a key/value pair.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import traceback
from datetime import UTC, datetime
from typing import Any

#: Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD_ATTRS = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)


def hclog_level(levelno: int) -> str:
    """Map a `logging` level number to hclog's lower-case level name."""
    if levelno < logging.DEBUG:
        return "trace"
    if levelno < logging.INFO:
        return "debug"
    if levelno < logging.WARNING:
        return "info"
    if levelno < logging.ERROR:
        return "warn"
    return "error"


def hclog_timestamp(created: float) -> str:
    """Format a POSIX time as hclog's ``2006-01-02T15:04:05.000000Z07:00`` layout in UTC."""
    return datetime.fromtimestamp(created, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    return str(value)


def format_hclog_record(record: logging.LogRecord) -> str:
    """Render one record as a single hclog JSON line (no trailing newline)."""
    entry: dict[str, Any] = {
        "@level": hclog_level(record.levelno),
        "@message": record.getMessage(),
        "@timestamp": hclog_timestamp(record.created),
    }
    if record.name and record.name != "root":
        entry["@module"] = record.name
    for key, value in vars(record).items():
        if key not in _STANDARD_ATTRS and not key.startswith("@"):
            entry[key] = _jsonable(value)
    if record.exc_info and record.exc_info[0] is not None:
        entry["error"] = str(record.exc_info[1])
        entry["stacktrace"] = "".join(traceback.format_exception(*record.exc_info))
    return json.dumps(entry, ensure_ascii=False, separators=(",", ":"))


class HclogJsonHandler(logging.Handler):
    """Writes each record as one hclog JSON line to a file descriptor (default: fd 2).

    Writes go straight to the descriptor, bypassing ``sys.stderr`` (which the SDK
    redirects to the host's stdio stream after the handshake).
    """

    def __init__(self, fd: int = 2, level: int = logging.NOTSET) -> None:
        super().__init__(level)
        self._fd = fd
        self._write_lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            data = (format_hclog_record(record) + "\n").encode("utf-8")
            with self._write_lock:
                while data:
                    data = data[os.write(self._fd, data) :]
        except Exception:
            self.handleError(record)
