"""Per-channel member counters in the plugin's KV store, updated with compare-and-set."""

from __future__ import annotations

from polyplug import ErrorCode, KvStore, PolyplugError

#: Counters live under this prefix; the value is the count in decimal.
COUNTER_PREFIX = "count/"
#: Bound on the compare-and-set retry loop.
MAX_CAS_ATTEMPTS = 20


def counter_key(channel: str) -> str:
    """The KV key of ``channel``'s counter."""
    return COUNTER_PREFIX + channel


def _parse(raw: bytes | None) -> int:
    if raw is None:
        return 0
    try:
        return int(raw.decode())
    except ValueError:
        raise PolyplugError(ErrorCode.INTERNAL, f"stored count {raw!r} is not a number") from None


def add_member(kv: KvStore, channel: str, delta: int) -> int:
    """Add ``delta`` to ``channel``'s count (never below 0) and return the new count.

    Compare-and-set, retried when another writer got in between; a count reaching zero
    deletes the key (also conditionally).
    """
    key = counter_key(channel)
    for _ in range(MAX_CAS_ATTEMPTS):
        raw = kv.get(key)
        new = max(_parse(raw) + delta, 0)
        if new == 0 and raw is None:
            return 0
        if new == 0:
            assert raw is not None
            applied = kv.delete(key, if_equals=raw)
        elif raw is not None:
            applied = kv.set(key, str(new), if_equals=raw).applied
        else:
            applied = kv.set(key, str(new), if_absent=True).applied
        if applied:
            return new
    raise PolyplugError(
        ErrorCode.UNAVAILABLE,
        f"counter {key!r} kept changing: gave up after {MAX_CAS_ATTEMPTS} compare-and-set attempts",
    )


def member_count(kv: KvStore, channel: str) -> int:
    """``channel``'s count (0 when absent)."""
    return _parse(kv.get(counter_key(channel)))


def all_counts(kv: KvStore) -> dict[str, int]:
    """Every channel with a non-zero count."""
    counts: dict[str, int] = {}
    for key in kv.list(COUNTER_PREFIX):
        channel = key.removeprefix(COUNTER_PREFIX)
        count = member_count(kv, channel)
        if count > 0:
            counts[channel] = count
    return counts


def describe_count(channel: str, count: int) -> str:
    """``"1 member in c"`` / ``"N members in c"``."""
    return f"1 member in {channel}" if count == 1 else f"{count} members in {channel}"
