"""membership: counts channel members from join/leave events.

Shows Notify, KV compare-and-set and expiry, PublishEvent, ExecuteCommand (/members),
ServeHTTP (GET /count, and POST /echo streaming the body back from an ``async`` handler),
GetConfig/SaveConfig and the lifecycle hooks.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

from counter import add_member, all_counts, describe_count, member_count

from polyplug import (
    Command,
    CommandResult,
    ErrorCode,
    HookContext,
    HttpRequest,
    HttpResponse,
    Plugin,
    PolyplugError,
)

plugin = Plugin(id="com.polyplug.example.membership-python", version="0.1.0")
JOINED, LEFT = "user.joined_channel", "user.left_channel"
settings = {"publish_events": True}


def _apply(config: dict[str, Any]) -> None:
    value = config.get("publish_events")
    settings["publish_events"] = value if isinstance(value, bool) else True


@plugin.on_activate
def activate(ctx: HookContext) -> None:
    """Read the stored configuration; on first activation save it with defaults filled in."""
    config = plugin.api.get_config()
    _apply(config)
    if "publish_events" not in config:
        plugin.api.save_config({**config, "publish_events": True})
    plugin.api.log("info", "membership activated", publish_events=settings["publish_events"])


@plugin.on_configuration_changed
def configuration_changed(ctx: HookContext, config: dict[str, Any]) -> None:
    _apply(config)
    plugin.api.log("debug", "membership configuration changed", own_save=ctx.is_own_echo)


@plugin.on_deactivate
def deactivate(ctx: HookContext) -> None:
    plugin.api.log("info", "membership deactivated")


@plugin.notify(JOINED, LEFT)
def member_moved(ctx: HookContext, payload: dict[str, Any]) -> None:
    channel = payload.get("channel_id")
    if not isinstance(channel, str) or not channel:
        raise PolyplugError(
            ErrorCode.INVALID_ARGUMENT,
            "payload.channel_id must be a non-empty string",
            {"field": "payload.channel_id"},
        )
    count = add_member(plugin.api.kv, channel, -1 if ctx.topic == LEFT else 1)
    plugin.api.kv.set(f"last_change/{channel}", ctx.topic, ttl=timedelta(days=1))
    if settings["publish_events"]:
        plugin.api.publish(
            "changed",
            {"channel_id": channel, "user_id": payload.get("user_id"), "count": count},
            match_labels={"channel_id": channel},
        )


@plugin.command("members", "Count the members of a channel, or of every channel", "[channel]")
def members(ctx: HookContext, command: Command) -> CommandResult:
    kv = plugin.api.kv
    if len(command.args) > 1:
        raise PolyplugError(ErrorCode.INVALID_ARGUMENT, "usage: /members [channel]")
    if command.args:
        channel = command.args[0]
        count = member_count(kv, channel)
        return CommandResult(
            describe_count(channel, count), {"channel_id": channel, "count": count}
        )
    counts = all_counts(kv)
    lines = [describe_count(c, counts[c]) for c in sorted(counts)] or ["no channel has members"]
    return CommandResult("\n".join(lines), {"counts": counts})


@plugin.http("GET", "/count")
def count(ctx: HookContext, request: HttpRequest) -> HttpResponse:
    channel = request.query.get("channel", [""])[0]
    headers = {"content-type": "application/json"}
    if not channel:
        error = {"error": "query parameter channel is required"}
        return HttpResponse(400, headers, json.dumps(error))
    body = {"channel_id": channel, "count": member_count(plugin.api.kv, channel)}
    return HttpResponse(200, headers, json.dumps(body))


@plugin.http("POST", "/echo")
async def echo(ctx: HookContext, request: HttpRequest) -> HttpResponse:
    """Stream the request body straight back, chunk by chunk (never buffered whole)."""

    async def body() -> AsyncIterator[bytes]:
        async for chunk in request.achunks():
            yield chunk

    content_type = request.header("content-type")
    headers = {"content-type": content_type} if content_type else {}
    return HttpResponse(200, headers, body())


if __name__ == "__main__":
    plugin.serve()
