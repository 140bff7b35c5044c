"""The SDK's one error type and the closed set of Polyplug error codes."""

from __future__ import annotations

import enum

import grpc

from polyplug.gen.polyplug.v1 import common_pb2

#: Receivers truncate Error.message to this many bytes.
MAX_ERROR_MESSAGE_BYTES = 4096


class ErrorCode(enum.IntEnum):
    """Mirror of ``polyplug.v1.ErrorCode``; numbers equal the gRPC namesakes."""

    CANCELLED = 1
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    PLUGIN_FAILED = 100


_FROM_GRPC = {
    grpc.StatusCode.UNKNOWN: ErrorCode.PLUGIN_FAILED,
    grpc.StatusCode.ABORTED: ErrorCode.FAILED_PRECONDITION,
    grpc.StatusCode.OUT_OF_RANGE: ErrorCode.INVALID_ARGUMENT,
    grpc.StatusCode.UNAUTHENTICATED: ErrorCode.PERMISSION_DENIED,
    grpc.StatusCode.DATA_LOSS: ErrorCode.INTERNAL,
}


class PolyplugError(Exception):
    """A failure with a Polyplug error code.

    Raise it from a handler to choose the code the gateway sees (any other exception
    becomes ``PLUGIN_FAILED``); GatewayAPI calls raise it with the gateway's code.
    ``details`` are machine-readable context (well-known keys: ``field``, ``limit``).
    """

    def __init__(
        self, code: ErrorCode, message: str, details: dict[str, str] | None = None
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = dict(details or {})

    def __str__(self) -> str:
        return f"{self.code.name}: {self.message}"

    @staticmethod
    def from_exception(error: BaseException) -> PolyplugError:
        """Normalise any exception: PolyplugError as is, a gRPC error by its status code,
        anything else as ``PLUGIN_FAILED`` with ``"<Type>: <text>"``."""
        if isinstance(error, PolyplugError):
            return error
        if isinstance(error, grpc.RpcError) and isinstance(error, grpc.Call):
            status = error.code()
            code = _FROM_GRPC.get(status)
            if code is None:
                number = status.value[0]
                code = (
                    ErrorCode(number)
                    if number in ErrorCode._value2member_map_
                    else ErrorCode.INTERNAL
                )
            return PolyplugError(code, error.details() or status.name)
        text = str(error)
        return PolyplugError(
            ErrorCode.PLUGIN_FAILED,
            f"{type(error).__name__}: {text}" if text else type(error).__name__,
        )

    def to_proto(self) -> common_pb2.Error:
        """As a ``polyplug.v1.Error`` (message truncated to 4 KiB)."""
        message = self.message.encode("utf-8")[:MAX_ERROR_MESSAGE_BYTES].decode("utf-8", "ignore")
        return common_pb2.Error(code=int(self.code), message=message, details=self.details)  # type: ignore[arg-type]
