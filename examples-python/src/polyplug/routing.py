"""Matching topics to topic patterns and HTTP requests to routes, as the contract defines."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from polyplug.limits import TOPIC_PATTERN

H = TypeVar("H")


def check_topic_pattern(pattern: str) -> None:
    """ValueError unless ``pattern`` is an exact topic, ``prefix.*`` or ``*``."""
    if pattern == "*":
        return
    candidate = pattern[:-1] if pattern.endswith(".*") else pattern  # "message.*" -> "message."
    if not TOPIC_PATTERN.fullmatch(candidate):
        raise ValueError(
            f"topic pattern {pattern!r} must be an exact topic [a-z0-9_.-]{{1,128}}, "
            "'prefix.*' or '*'"
        )


class TopicTable(Generic[H]):
    """Handlers by topic pattern. Lookup: the exact topic, else the longest matching
    ``prefix.*``, else ``*``."""

    def __init__(self) -> None:
        self._entries: dict[str, H] = {}

    def add(self, pattern: str, handler: H) -> None:
        """Register ``handler``; ValueError for a bad or duplicate pattern."""
        check_topic_pattern(pattern)
        if pattern in self._entries:
            raise ValueError(f"topic pattern {pattern!r} already has a handler")
        self._entries[pattern] = handler

    def patterns(self) -> list[str]:
        """The registered patterns, in registration order."""
        return list(self._entries)

    def __bool__(self) -> bool:
        return bool(self._entries)

    def match(self, topic: str) -> H | None:
        """The handler for a concrete ``topic``, or None."""
        if topic in self._entries:
            return self._entries[topic]
        best: tuple[int, H] | None = None
        for pattern, handler in self._entries.items():
            prefix = pattern[:-1]  # "message.*" -> "message." (keeps the dot)
            matches = pattern.endswith(".*") and topic.startswith(prefix) and topic != prefix
            if matches and (best is None or len(prefix) > best[0]):
                best = (len(prefix), handler)
        if best is not None:
            return best[1]
        return self._entries.get("*")


@dataclass(frozen=True)
class Route(Generic[H]):
    """``method`` (upper case or ``*``) and ``path_prefix`` (starts with ``/``)."""

    method: str
    path_prefix: str
    handler: H

    def matches(self, method: str, path: str) -> bool:
        """Method equal (or ``*``) and path equal to the prefix or continuing it at ``/``."""
        if self.method not in ("*", method):
            return False
        prefix = self.path_prefix.rstrip("/")
        return prefix == "" or path == prefix or path.startswith(prefix + "/")


class RouteTable(Generic[H]):
    """HTTP routes. Lookup: longest matching prefix, then an exact method over ``*``."""

    def __init__(self) -> None:
        self.routes: list[Route[H]] = []

    def add(self, method: str, path_prefix: str, handler: H) -> None:
        """Register a route; ValueError for a bad method/prefix or a duplicate."""
        method = method.upper()
        if method != "*" and not method.isalpha():
            raise ValueError(f"HTTP method {method!r} must be letters or '*'")
        if not path_prefix.startswith("/"):
            raise ValueError(f"HTTP path prefix {path_prefix!r} must start with '/'")
        if any(r.method == method and r.path_prefix == path_prefix for r in self.routes):
            raise ValueError(f"route {method} {path_prefix} already has a handler")
        self.routes.append(Route(method, path_prefix, handler))

    def match(self, method: str, path: str) -> H | None:
        """The handler for a request, or None."""
        candidates = [r for r in self.routes if r.matches(method, path)]
        if not candidates:
            return None
        best = max(candidates, key=lambda r: (len(r.path_prefix.rstrip("/")), r.method != "*"))
        return best.handler
