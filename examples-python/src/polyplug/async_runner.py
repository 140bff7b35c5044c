"""Runs ``async def`` handlers on one event-loop thread and sync handlers in place."""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from polyplug.goplugin.io_loop import lazy_io_loop

T = TypeVar("T")

# Handlers get their own loop, apart from the SDK's socket work on polyplug-io.
_async_loop = lazy_io_loop("polyplug-async")


def run_awaitable(awaitable: Awaitable[T], cancelled: threading.Event | None = None) -> T:
    """Run ``awaitable`` on the handler loop and wait; cancels it when ``cancelled`` is set."""

    async def wrap() -> T:
        return await awaitable

    future = asyncio.run_coroutine_threadsafe(wrap(), _async_loop().loop)
    while True:
        try:
            return future.result(timeout=0.1)
        except concurrent.futures.TimeoutError:
            if cancelled is not None and cancelled.is_set():
                future.cancel()
                raise asyncio.CancelledError("the call was cancelled by the gateway") from None


def call_handler(
    handler: Callable[..., Any], *args: Any, cancelled: threading.Event | None = None
) -> Any:
    """Call a sync or async handler and return its (awaited) result."""
    result = handler(*args)
    if inspect.isawaitable(result):
        return run_awaitable(result, cancelled)
    return result


def next_async(iterator: Any, cancelled: threading.Event | None = None) -> Any:
    """``anext(iterator)`` on the handler loop; raises StopIteration at the end."""

    async def step() -> tuple[bool, Any]:
        try:
            return True, await iterator.__anext__()
        except StopAsyncIteration:
            return False, None

    more, value = run_awaitable(step(), cancelled)
    if not more:
        raise StopIteration
    return value
