"""The Polyplug conformance plugin, built with the Python SDK (package ``polyplug``).

Its behaviour is specified in conformance/README.md ("The conformance plugin"); every
language implements the same behaviour with its own SDK. Run it with the repository's
venv: ``.venv/bin/python conformance/plugins/python/plugin.py`` (started by a host).
"""

from __future__ import annotations

import json
import threading
from typing import Any

from api_script import error_code, run_api_call
from http_routes import register_routes
from polyplug import (
    Command,
    CommandResult,
    ErrorCode,
    HookContext,
    Modify,
    Plugin,
    PolyplugError,
    Proceed,
    Reject,
)

#: The id every conformance plugin uses.
PLUGIN_ID = "com.polyplug.conformance"

plugin = Plugin(id=PLUGIN_ID, version="1.0.0")
register_routes(plugin)


class ConfigState:
    """The origin_plugin_id of the last accepted ConfigurationChanged ("" before any).
    The configuration itself is the SDK's ``plugin.config`` (the one in force), so
    ``conformance.config`` shows what the SDK keeps after a rejected change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.origin = ""

    def keep_origin(self, origin: str) -> None:
        with self._lock:
            self.origin = origin

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return {"configuration": plugin.config, "origin_plugin_id": self.origin}


state = ConfigState()


@plugin.on_activate
def activate(ctx: HookContext) -> None:
    message = plugin.config.get("fail_activate")
    if isinstance(message, str):
        raise PolyplugError(ErrorCode.FAILED_PRECONDITION, message)
    plugin.api.log("info", "conformance plugin activated", request_id=ctx.request_id)


@plugin.on_deactivate
def deactivate(ctx: HookContext) -> None:
    plugin.api.log("info", "conformance plugin deactivated", request_id=ctx.request_id)


@plugin.on_configuration_changed
def configuration_changed(ctx: HookContext, config: dict[str, Any]) -> None:
    if config.get("reject_config") is True:
        raise PolyplugError(
            ErrorCode.INVALID_ARGUMENT, "configuration rejected: reject_config is true"
        )
    state.keep_origin(ctx.origin_plugin_id)


def _sleep(ctx: HookContext, payload: dict[str, Any]) -> Proceed:
    if not ctx.cancelled.wait(float(payload.get("ms", 0)) / 1000):
        return Proceed()
    key = payload.get("key")
    api = plugin.api_or_none
    if isinstance(key, str) and api is not None:
        # The plugin's GatewayAPI calls are not tied to the cancelled hook call.
        api.kv.set(key, "cancelled")
    raise PolyplugError(ErrorCode.CANCELLED, "the call was cancelled")


def _context(ctx: HookContext) -> Modify:
    return Modify(
        {
            "request_id": ctx.request_id,
            "plugin_id": ctx.plugin_id,
            "origin_plugin_id": ctx.origin_plugin_id,
            "traceparent": ctx.traceparent,
            "tracestate": ctx.tracestate,
            "metadata": dict(ctx.metadata),
            "has_deadline": ctx.deadline is not None,
        }
    )


@plugin.intercept("conformance.*")
def intercept(ctx: HookContext, payload: dict[str, Any]) -> Proceed | Modify | Reject:
    topic = ctx.topic
    if topic == "conformance.echo":
        return Proceed()
    if topic == "conformance.modify":
        return Modify({**payload, "modified": True})
    if topic == "conformance.reject":
        return Reject(str(payload.get("reason", "")), str(payload.get("code", "")))
    if topic == "conformance.fail":
        raise PolyplugError(error_code(payload.get("code")), str(payload.get("message", "")))
    if topic == "conformance.throw":
        raise RuntimeError(str(payload.get("message", "")))
    if topic == "conformance.sleep":
        return _sleep(ctx, payload)
    if topic == "conformance.context":
        return _context(ctx)
    if topic == "conformance.config":
        return Modify(state.snapshot())
    if topic == "conformance.grow":
        return Modify({"data": "x" * int(payload.get("bytes", 0))})
    if topic == "conformance.print":
        print(payload.get("text", ""), flush=True)
        return Proceed()
    if topic == "conformance.api":
        calls = payload.get("calls") or []
        return Modify({"results": [run_api_call(ctx, plugin, call) for call in calls]})
    raise PolyplugError(ErrorCode.NOT_FOUND, f"unknown conformance topic {topic!r}")


@plugin.notify("conformance.*")
def notify(ctx: HookContext, payload: dict[str, Any]) -> None:
    code = payload.get("fail")
    if isinstance(code, str):
        raise PolyplugError(error_code(code), "notify failed as asked")
    record = json.dumps({"topic": ctx.topic, "payload": payload}, ensure_ascii=False)
    plugin.api.kv.set(f"notify/{payload.get('id', '')}", record)


@plugin.command("echo", "Echoes its arguments", "[words...]")
def echo(ctx: HookContext, command: Command) -> CommandResult:
    data = {"command": command.name, "args": list(command.args), "raw": command.raw}
    return CommandResult(text=" ".join(command.args), data=data)


@plugin.command("fail", "Always fails with INVALID_ARGUMENT")
def fail(ctx: HookContext, command: Command) -> None:
    raise PolyplugError(ErrorCode.INVALID_ARGUMENT, f"bad arguments: {' '.join(command.args)}")


if __name__ == "__main__":
    plugin.serve()
