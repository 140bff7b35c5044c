"""Exit with the host: a plugin whose parent died must not linger as an orphan."""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable

_log = logging.getLogger("polyplug.goplugin")


def watch_parent(on_exit: Callable[[], None], interval_s: float = 1.0) -> threading.Thread | None:
    """Call ``on_exit`` once when this process's parent changes (i.e. the parent died and
    we were re-parented). Polls ``getppid`` every ``interval_s`` on a daemon thread.
    Returns None (and watches nothing) when already re-parented to init."""
    parent = os.getppid()
    if parent <= 1:
        return None

    def poll() -> None:
        while os.getppid() == parent:
            threading.Event().wait(interval_s)
        _log.warning("host process exited; shutting down", extra={"parent_pid": parent})
        on_exit()

    thread = threading.Thread(target=poll, name="polyplug-parent-watch", daemon=True)
    thread.start()
    return thread
