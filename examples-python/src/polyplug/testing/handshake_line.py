"""Parsing a go-plugin handshake line, as a host does."""

from __future__ import annotations

import base64
from dataclasses import dataclass


@dataclass(frozen=True)
class HandshakeLine:
    """The fields of ``CORE|APP|NETWORK|ADDRESS|PROTOCOL|CERT[|MUX]``."""

    core_version: int
    app_version: int
    network: str
    address: str
    protocol: str
    server_cert_der: bytes | None
    field_count: int

    @staticmethod
    def parse(line: str) -> HandshakeLine:
        """Parse one line (trailing newline allowed). Raises ValueError naming the problem."""
        parts = line.strip().split("|")
        if len(parts) < 4:
            raise ValueError(f"Unrecognized remote plugin message: {line!r}")
        try:
            core, app = int(parts[0]), int(parts[1])
        except ValueError:
            raise ValueError(f"non-integer protocol version in {line!r}") from None
        if parts[2] not in ("unix", "tcp"):
            raise ValueError(f"unknown address type: {parts[3]}")
        cert_field = parts[5] if len(parts) > 5 else ""
        cert = None
        if len(cert_field) > 50:
            cert = base64.b64decode(cert_field + "=" * (-len(cert_field) % 4), validate=True)
        return HandshakeLine(
            core_version=core,
            app_version=app,
            network=parts[2],
            address=parts[3],
            protocol=parts[4] if len(parts) > 4 else "netrpc",
            server_cert_der=cert,
            field_count=len(parts),
        )
