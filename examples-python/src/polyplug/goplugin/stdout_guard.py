"""Keeps stdout free for the handshake line.

go-plugin hosts parse the first line a plugin writes to stdout as the handshake, so any
stray ``print`` (or a C library writing to fd 1) before it breaks start-up. The guard
saves the real stdout as a private file descriptor, points fd 1 at stderr and makes
``sys.stdout`` write to stderr. Only :func:`write_handshake_line` uses the saved fd.
"""

from __future__ import annotations

import io
import os
import sys
import threading

_lock = threading.Lock()
_real_stdout_fd: int | None = None


def install_stdout_guard() -> None:
    """Redirect fd 1 and ``sys.stdout`` to stderr, keeping the real stdout aside.

    Idempotent. Anything ``print``-ed earlier but still buffered in ``sys.stdout`` is
    flushed to stderr, not to the host.
    """
    global _real_stdout_fd
    with _lock:
        if _real_stdout_fd is not None:
            return
        _real_stdout_fd = os.dup(1)
        os.set_inheritable(_real_stdout_fd, False)
        os.dup2(2, 1)
        # The old sys.stdout still holds fd 1, which now is stderr: flushing it is safe.
        if sys.stdout is not None:
            sys.stdout.flush()
        sys.stdout = io.TextIOWrapper(
            os.fdopen(os.dup(2), "wb", buffering=0), encoding="utf-8", line_buffering=True
        )


def write_handshake_line(line: str) -> None:
    """Write ``line`` to the real stdout (installing the guard first if needed)."""
    install_stdout_guard()
    assert _real_stdout_fd is not None
    data = line.encode("ascii")
    while data:
        written = os.write(_real_stdout_fd, data)
        data = data[written:]
