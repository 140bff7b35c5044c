import http2 from "node:http2";
import { createTokenBucket, type TokenBucket } from "../token-bucket.js";

/** Limits of the rapid-reset guard (see PublicLimits.maxResetBurst). */
export interface ResetGuardLimits {
  readonly maxResetBurst: number;
  readonly maxResetsPerSecond: number;
}

/**
 * Watches an HTTP/2 server for "rapid reset" (CVE-2023-44487): a client that opens streams
 * and resets them before they are answered makes the server start work it then throws
 * away, at no cost to itself. Each session may reset `maxResetBurst` unanswered streams,
 * refilled at `maxResetsPerSecond`; beyond that it gets GOAWAY ENHANCE_YOUR_CALM and is
 * closed. (nghttp2 ≥ 1.57 has its own, fixed limit of 1000 then 33/s, ending in GOAWAY
 * INTERNAL_ERROR; this one is configurable, lower, counted and names the reason.)
 * Returns the number of sessions closed so far.
 */
export function guardRapidReset(
  server: http2.Http2Server,
  limits: ResetGuardLimits,
  now: () => number = Date.now,
): () => number {
  let closed = 0;
  const buckets = new WeakMap<http2.Http2Session, TokenBucket>();
  server.on("stream", (stream) => {
    // By "close" the stream has let go of its session.
    const session = stream.session;
    stream.once("close", () => {
      // Counted: reset (not NO_ERROR) before the server sent a response head.
      if (stream.rstCode === http2.constants.NGHTTP2_NO_ERROR || stream.headersSent) return;
      if (!session || session.destroyed) return;
      let bucket = buckets.get(session);
      if (!bucket) {
        bucket = createTokenBucket(limits.maxResetsPerSecond, limits.maxResetBurst, now);
        buckets.set(session, bucket);
      }
      if (bucket.take()) return;
      closed++;
      // With an error, destroy() sends GOAWAY with `code` (without one, always NO_ERROR).
      session.destroy(
        new Error(`rapid reset: more than ${limits.maxResetBurst} streams reset before an answer`),
        http2.constants.NGHTTP2_ENHANCE_YOUR_CALM,
      );
    });
  });
  return () => closed;
}
