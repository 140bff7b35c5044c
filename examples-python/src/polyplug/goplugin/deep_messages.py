"""Let protobuf decode messages as deep as the contract allows.

The contract limits payloads by size (8 MiB), not by nesting, and every ``Struct`` level
costs protobuf three message levels (Struct → map entry → Value). The ``upb`` backend's
default decode depth of 100 therefore refuses JSON objects nested about 25 levels deep,
and grpcio answers such a call with a bare ``INTERNAL: Exception deserializing request``.
"""

from __future__ import annotations

import threading
from typing import Any

#: Thread stack for threads started after :func:`allow_deep_messages` (gRPC workers, the
#: handler loop). upb decodes recursively; its raised depth cap (65 535 levels) needs
#: about 18 MiB of C stack, more than the 8 MiB default, so a hostile payload ends in a
#: DecodeError instead of a segmentation fault. Only touched pages are committed.
THREAD_STACK_BYTES = 32 * 1024 * 1024


def allow_deep_messages() -> None:
    """Raise the protobuf decode depth (upb: 100 → 65 535 levels) and give new threads a
    stack big enough for it. Process-wide; call before the gRPC server starts its workers."""
    from google.protobuf.internal import api_implementation

    module: Any = getattr(api_implementation, "_c_module", None)
    if api_implementation.Type() == "upb" and hasattr(module, "SetAllowOversizeProtos"):
        # In upb this flag only switches the decode depth limit to its maximum.
        module.SetAllowOversizeProtos(True)
        threading.stack_size(max(threading.stack_size(), THREAD_STACK_BYTES))
