"""``conformance.api`` scripts: one GatewayAPI call per step (conformance/README.md)."""

from __future__ import annotations

from typing import Any

from polyplug import ErrorCode, GatewayApi, HookContext, Plugin, PolyplugError


def error_code(name: Any) -> ErrorCode:
    """The ErrorCode named ``ERROR_CODE_<NAME>``; INTERNAL for anything else."""
    if isinstance(name, str) and name.startswith("ERROR_CODE_"):
        member = ErrorCode.__members__.get(name.removeprefix("ERROR_CODE_"))
        if member is not None:
            return member
    return ErrorCode.INTERNAL


def _text(value: bytes | None) -> str:
    return "" if value is None else value.decode("utf-8")


def _call(api: GatewayApi, ctx: HookContext, call: dict[str, Any]) -> dict[str, Any]:
    op = call.get("op")
    key = str(call.get("key", ""))
    if op == "kv_get":
        value = api.kv.get(key)
        return {"found": value is not None, "value": _text(value)}
    if op == "kv_set":
        ttl_ms = float(call.get("ttl_ms") or 0)
        result = api.kv.set(
            key,
            str(call.get("value", "")),
            if_equals=call["if_equals"] if isinstance(call.get("if_equals"), str) else None,
            if_absent=call.get("if_absent") is True,
            ttl=ttl_ms / 1000 if ttl_ms > 0 else None,
        )
        return {
            "applied": result.applied,
            "current_value": _text(result.current),
            "current_found": result.current is not None,
        }
    if op == "kv_delete":
        if_equals = call.get("if_equals")
        return {
            "deleted": api.kv.delete(
                key, if_equals=if_equals if isinstance(if_equals, str) else None
            )
        }
    page_size = int(call.get("page_size") or 0)
    prefix = str(call.get("prefix", ""))
    if op == "kv_list":
        keys, token = api.kv.list_page(prefix, page_size, str(call.get("page_token", "")))
        return {"keys": keys, "next_page_token": token}
    if op == "kv_list_all":
        all_keys: list[str] = []
        token, pages = "", 0
        while True:
            keys, token = api.kv.list_page(prefix, page_size, token)
            pages += 1
            all_keys.extend(keys)
            if not token:
                return {"keys": all_keys, "pages": pages}
    if op == "log":
        fields = call.get("fields") or {}
        api.log(
            str(call.get("level", "info")),
            str(call.get("message", "")),
            request_id=ctx.request_id,
            **fields,
        )
        return {}
    if op == "publish":
        audience = call.get("audience") or {}
        api.publish(
            str(call.get("event", "")),
            call.get("payload") or {},
            client_ids=audience.get("client_ids") or (),
            match_labels=audience.get("match_labels") or None,
            omit_client_ids=audience.get("omit_client_ids") or (),
        )
        return {}
    if op == "get_config":
        return {"configuration": api.get_config()}
    if op == "save_config":
        api.save_config(call.get("configuration") or {})
        return {}
    raise PolyplugError(ErrorCode.INVALID_ARGUMENT, f"unknown op {op!r}")


def run_api_call(ctx: HookContext, plugin: Plugin, call: dict[str, Any]) -> dict[str, Any]:
    """Run one call; ``{ok: True, ...}`` or ``{ok: False, code, message}`` when the SDK or
    the gateway failed it."""
    try:
        result = _call(ctx.api or plugin.api, ctx, call)
    except Exception as error:  # every failure is a result, as the README specifies
        failure = PolyplugError.from_exception(error)
        return {"ok": False, "code": f"ERROR_CODE_{failure.code.name}", "message": failure.message}
    return {"ok": True, **result}
