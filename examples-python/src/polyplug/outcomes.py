"""What handlers return."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Proceed:
    """Intercept: let the event continue unchanged (same as returning None)."""


@dataclass(frozen=True)
class Modify:
    """Intercept: let the event continue with ``payload`` (the complete new JSON object)."""

    payload: dict[str, Any]


@dataclass(frozen=True)
class Reject:
    """Intercept: stop the event. ``reason`` is shown to the user (<= 4 KiB); ``code`` is a
    machine-readable ``[a-z0-9_.-]{0,64}`` reason code."""

    reason: str
    code: str = ""


#: What an intercept handler may return.
InterceptOutcome = Proceed | Modify | Reject | None


@dataclass(frozen=True)
class CommandResult:
    """ExecuteCommand: ``text`` for the user (<= 64 KiB) and optional structured ``data``.
    A handler may also return a plain ``str`` (text only) or ``dict`` (data only)."""

    text: str = ""
    data: dict[str, Any] | None = field(default=None)


@dataclass(frozen=True)
class Command:
    """The command being executed: its ``name``, whitespace-split ``args`` and ``raw`` line."""

    name: str
    args: list[str]
    raw: str


@dataclass(frozen=True)
class ClusterMessage:
    """A message from a copy of this plugin on another gateway of the cluster: the
    ``topic`` and ``payload`` it sent and the node id it runs on (``from_node_id``)."""

    topic: str
    payload: dict[str, Any]
    from_node_id: str
