import { writeSync } from "node:fs";
import { POLYPLUG_MAGIC_COOKIE_KEY } from "./handshake-config.js";

/** Receives stdout bytes written after the handshake (the GRPCStdio stream). */
export type StdoutSink = (chunk: Uint8Array) => void;

type WriteCallback = (error?: Error | null) => void;

// Bytes written to stdout after the handshake but before the host opened GRPCStdio are kept
// up to this bound, then the oldest output goes to stderr instead (never buffered unbounded).
const MAX_PENDING_BYTES = 256 * 1024;

let installed = false;
let handshakeWritten = false;
let sink: StdoutSink | undefined;
let pending: Uint8Array[] = [];
let pendingBytes = 0;
const realStderrWrite = process.stderr.write.bind(process.stderr);

function toBytes(chunk: unknown, encoding: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  return Buffer.from(String(chunk), typeof encoding === "string" ? (encoding as BufferEncoding) : "utf8");
}

function route(bytes: Uint8Array): void {
  if (bytes.length === 0) return;
  if (!handshakeWritten) {
    realStderrWrite(bytes);
  } else if (sink) {
    sink(bytes);
  } else if (pendingBytes + bytes.length <= MAX_PENDING_BYTES) {
    pending.push(bytes);
    pendingBytes += bytes.length;
  } else {
    realStderrWrite(bytes);
  }
}

/**
 * Takes over `process.stdout.write` so nothing but the handshake line reaches the real fd 1:
 * before the handshake, writes go to stderr (the host logs them); after it, to the
 * GRPCStdio stream. Idempotent. Called at import time of the SDK when the process was
 * started by a host (the magic cookie variable is present), so a library that prints while
 * being imported cannot break the start.
 */
export function installStdoutGuard(): void {
  if (installed) return;
  installed = true;
  const guarded = function write(chunk: unknown, encoding?: unknown, callback?: unknown): boolean {
    const done = (typeof encoding === "function" ? encoding : callback) as WriteCallback | undefined;
    route(toBytes(chunk, encoding));
    if (done) process.nextTick(done, null);
    return true;
  };
  process.stdout.write = guarded as typeof process.stdout.write;
}

/**
 * Writes the handshake line to the real fd 1, synchronously, bypassing the guard, and
 * switches later stdout writes to the GRPCStdio sink.
 */
export function writeHandshakeLine(line: string): void {
  const bytes = Buffer.from(line.endsWith("\n") ? line : `${line}\n`, "utf8");
  let offset = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(1, bytes, offset, bytes.length - offset);
    } catch (error) {
      // fd 1 may be non-blocking (a pipe opened by libuv); retry until the host reads.
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
    }
  }
  handshakeWritten = true;
}

/** Connects post-handshake stdout to `next` (the GRPCStdio stream), flushing what waited; `undefined` detaches. */
export function setStdoutSink(next: StdoutSink | undefined): void {
  sink = next;
  if (!next) return;
  const waiting = pending;
  pending = [];
  pendingBytes = 0;
  for (const bytes of waiting) next(bytes);
}

/** True when this process looks like it was started by a go-plugin host for Polyplug. */
export function startedByHost(env: NodeJS.ProcessEnv = process.env, cookieKey = POLYPLUG_MAGIC_COOKIE_KEY): boolean {
  return env[cookieKey] !== undefined;
}
