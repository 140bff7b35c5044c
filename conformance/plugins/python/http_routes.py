"""The conformance plugin's HTTP routes: POST /echo, GET /download, GET /fail."""

from __future__ import annotations

from collections.abc import Iterator

from polyplug import HookContext, HttpRequest, HttpResponse, Plugin

CHUNK_BYTES = 64 * 1024
PATTERN = b"0123456789" * (CHUNK_BYTES // 10 + 2)


def _echo(ctx: HookContext, request: HttpRequest) -> HttpResponse:
    trailers: dict[str, str] = {}

    def body() -> Iterator[bytes]:
        total = 0
        for chunk in request.chunks():
            total += len(chunk)
            yield chunk
        # The SDK reads the trailers after the body has been sent.
        trailers["x-echo-bytes"] = str(total)

    headers = {"content-type": "application/octet-stream", "x-conformance-method": request.method}
    return HttpResponse(200, headers, body(), trailers)


def _download(ctx: HookContext, request: HttpRequest) -> HttpResponse:
    try:
        size = int(request.query.get("bytes", ["0"])[0])
    except ValueError:
        size = 0

    def body() -> Iterator[bytes]:
        sent = 0
        while sent < size:
            n = min(size - sent, CHUNK_BYTES)
            # Each chunk starts where the pattern left off, so the body is "0123456789" repeated.
            yield PATTERN[sent % 10 : sent % 10 + n]
            sent += n

    return HttpResponse(200, {"content-type": "application/octet-stream"}, body())


def _fail(ctx: HookContext, request: HttpRequest) -> HttpResponse:
    raise RuntimeError("the /fail route always fails")


def register_routes(plugin: Plugin) -> None:
    """Register the three routes on ``plugin``."""
    plugin.http("POST", "/echo")(_echo)
    plugin.http("GET", "/download")(_download)
    plugin.http("GET", "/fail")(_fail)
