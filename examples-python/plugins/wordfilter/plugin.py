"""wordfilter: masks configured words in posted messages and rejects blocked ones.

Shows Intercept (Modify / Reject / proceed), Activate, ConfigurationChanged, Deactivate
and GatewayAPI logging.
"""

from __future__ import annotations

from typing import Any

from rules import Rules

from polyplug import HookContext, Modify, Plugin, Reject

plugin = Plugin(id="com.polyplug.example.wordfilter-python", version="0.1.0")
rules = Rules()


@plugin.on_activate
def activate(ctx: HookContext) -> None:
    global rules
    rules = Rules.from_config(plugin.config)
    plugin.api.log("info", "wordfilter activated", request_id=ctx.request_id)


@plugin.on_configuration_changed
def configuration_changed(ctx: HookContext, config: dict[str, Any]) -> None:
    global rules
    rules = Rules.from_config(config)
    plugin.api.log("info", "wordfilter configuration changed", request_id=ctx.request_id)


@plugin.on_deactivate
def deactivate(ctx: HookContext) -> None:
    plugin.api.log("info", "wordfilter deactivated", request_id=ctx.request_id)


@plugin.intercept("message.will_be_posted")
def filter_message(ctx: HookContext, payload: dict[str, Any]) -> Modify | Reject | None:
    text = payload.get("message")
    if not isinstance(text, str):
        return None
    current = rules
    word = current.blocked_word(text)
    if word is not None:
        return Reject(f"the message contains the blocked word {word!r}", code="blocked_word")
    masked = current.mask(text)
    if masked != text:
        return Modify({**payload, "message": masked})
    return None


if __name__ == "__main__":
    plugin.serve()
