import type { Socket } from "node:net";

/** How long a refused connection is read (and discarded) after the answer: 2 s. */
export const LINGER_MS = 2000;
/** How much of a refused body is read (and discarded) before the connection is reset: 1 MiB. */
export const LINGER_MAX_BYTES = 1024 * 1024;

/**
 * Makes the closing of an HTTP/1.1 connection whose request body was not read a lingering
 * close (RFC 9112 §9.6): after the answer, our side is shut (FIN) and incoming bytes are
 * discarded for at most LINGER_MS / LINGER_MAX_BYTES, then the socket is destroyed. A plain
 * close with unread bytes makes the kernel send a reset, which can destroy the answer before
 * the client reads it (a 401 turning into ECONNRESET). Nothing read is kept.
 */
export function lingerOnClose(socket: Socket): void {
  socket.destroySoon = () => {
    const timer = setTimeout(() => socket.destroy(), LINGER_MS);
    timer.unref();
    socket.once("close", () => clearTimeout(timer));
    let discarded = 0;
    socket.on("data", (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_MAX_BYTES) socket.destroy();
    });
    socket.end();
  };
}
