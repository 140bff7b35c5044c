"""HTTP requests and responses for ``@plugin.http`` handlers (streamed, never buffered whole)."""

from __future__ import annotations

import asyncio
import urllib.parse
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field

from polyplug.errors import ErrorCode, PolyplugError

#: Response body types a handler may return: all at once or as (async) chunks.
Body = bytes | str | Iterable[bytes | str] | AsyncIterable[bytes | str] | None
#: Header collections: a mapping or a sequence of (name, value) pairs.
Headers = Mapping[str, str] | Sequence[tuple[str, str]]


class HttpRequest:
    """One HTTP request to ``/plugins/{id}/...``.

    ``path`` is the path after ``/plugins/{id}`` (percent-encoded as received);
    ``headers`` are (lower-case name, value) pairs in order. The body arrives in chunks of
    at most 64 KiB through :meth:`chunks` (or :meth:`achunks` in ``async`` handlers); it
    can be read once.
    """

    def __init__(
        self,
        method: str,
        path: str,
        raw_query: str,
        headers: list[tuple[str, str]],
        remote_addr: str,
        body: Iterator[bytes],
    ) -> None:
        self.method = method
        self.path = path
        self.raw_query = raw_query
        self.headers = headers
        self.remote_addr = remote_addr
        #: Request trailers; filled once the body has been read to the end.
        self.trailers: list[tuple[str, str]] = []
        self._body = body
        self._consumed = False

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key.lower() == wanted), None)

    @property
    def query(self) -> dict[str, list[str]]:
        """The query string parsed into lists of values."""
        return urllib.parse.parse_qs(self.raw_query, keep_blank_values=True)

    def chunks(self) -> Iterator[bytes]:
        """The request body, chunk by chunk. Raises RuntimeError on a second call."""
        if self._consumed:
            raise RuntimeError("the request body can be read only once")
        self._consumed = True
        return self._body

    async def achunks(self) -> AsyncIterator[bytes]:
        """:meth:`chunks` for ``async`` handlers (each chunk is awaited off the loop)."""
        iterator = self.chunks()
        loop = asyncio.get_running_loop()
        done = object()
        while (chunk := await loop.run_in_executor(None, next, iterator, done)) is not done:
            assert isinstance(chunk, bytes)
            yield chunk

    def read(self, limit: int = 1024 * 1024) -> bytes:
        """The whole body, for small bodies only: RESOURCE_EXHAUSTED past ``limit`` bytes."""
        parts: list[bytes] = []
        size = 0
        for chunk in self.chunks():
            size += len(chunk)
            if size > limit:
                raise PolyplugError(
                    ErrorCode.RESOURCE_EXHAUSTED,
                    f"request body is over the read() limit of {limit} bytes; "
                    "stream it with chunks()",
                    {"limit": f"{limit} bytes"},
                )
            parts.append(chunk)
        return b"".join(parts)


@dataclass
class HttpResponse:
    """What an HTTP handler returns. ``body`` may be bytes/str, or an iterable or async
    iterable of chunks (a generator streams the response as it is produced); chunks over
    64 KiB are split by the SDK."""

    status: int = 200
    headers: Headers = field(default_factory=dict)
    body: Body = None
    trailers: Headers = field(default_factory=dict)


def header_pairs(headers: Headers) -> list[tuple[str, str]]:
    """Normalise a header collection to (name, value) pairs."""
    if isinstance(headers, Mapping):
        return [(str(k), str(v)) for k, v in headers.items()]
    return [(str(k), str(v)) for k, v in headers]
