"""The word lists of one configuration, compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


def _words_pattern(items: Any) -> re.Pattern[str] | None:
    """Any of the words, whole-word and case-insensitive; None when there are none."""
    words = (
        [w.strip() for w in items if isinstance(w, str) and w.strip()]
        if isinstance(items, list)
        else []
    )
    if not words:
        return None
    return re.compile(r"(?i)\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")


@dataclass(frozen=True)
class Rules:
    """``masked_words`` become asterisks; ``blocked_words`` reject the message."""

    masked: re.Pattern[str] | None = None
    blocked: re.Pattern[str] | None = None

    @staticmethod
    def from_config(config: dict[str, Any]) -> Rules:
        """Read ``masked_words`` and ``blocked_words`` (lists of strings; others ignored)."""
        return Rules(
            _words_pattern(config.get("masked_words")), _words_pattern(config.get("blocked_words"))
        )

    def blocked_word(self, text: str) -> str | None:
        """The first blocked word in ``text``, or None."""
        found = self.blocked.search(text) if self.blocked else None
        return found.group(0) if found else None

    def mask(self, text: str) -> str:
        """``text`` with every masked word replaced by as many asterisks as it has letters."""
        if self.masked is None:
            return text
        return self.masked.sub(lambda m: "*" * len(m.group(0)), text)
