import type { UnaryTransport } from "@polyplug/sdk/internal/rpc/unary-transport.js";
import { connectionFailed, type ListenAddress } from "@polyplug/sdk/internal/goplugin/channel.js";

/** First and longest pause between connection attempts (a plugin may print its handshake just before it listens). */
const RETRY_FIRST_MS = 5;
const RETRY_MAX_MS = 250;

/**
 * Opens the unary transport's connection, retrying until `timeoutMs` as grpc-js's
 * waitForReady did; fails as the channel's `connectionFailed` says. Stops when `signal` aborts.
 */
export async function connectWithin(
  unary: UnaryTransport,
  listen: ListenAddress,
  timeoutMs: number,
  tls: boolean,
  signal: AbortSignal,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no HTTP/2 answer within ${timeoutMs} ms`)), timeoutMs);
  });
  timeout.catch(() => undefined); // may fire between attempts
  let pause = RETRY_FIRST_MS;
  try {
    for (;;) {
      try {
        return await Promise.race([unary.connect(), timeout]);
      } catch (cause) {
        if (signal.aborted || Date.now() + pause >= deadline) throw connectionFailed(listen, timeoutMs, tls, cause);
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
      pause = Math.min(pause * 2, RETRY_MAX_MS);
    }
  } finally {
    clearTimeout(timer);
  }
}
