"""One asyncio event loop on a daemon thread, shared by the SDK's socket work."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class IoLoop:
    """An asyncio loop running forever on a daemon thread named ``name``."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coroutine`` on the loop and wait for its result (re-raising its error)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


def lazy_io_loop(name: str) -> Callable[[], IoLoop]:
    """A getter that starts the loop ``name`` on first use and returns the same loop after."""
    created: list[IoLoop] = []
    lock = threading.Lock()

    def get() -> IoLoop:
        with lock:
            if not created:
                created.append(IoLoop(name))
            return created[0]

    return get


shared_io_loop = lazy_io_loop("polyplug-io")
"""The process-wide loop for TLS proxies (created on first use)."""
