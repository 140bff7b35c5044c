import type { CheckContext, CheckFunction } from "../../check-context.js";
import type { ContractSession } from "../../contract-session.js";
import { assert, assertEqual, fail, show } from "../../check-outcome.js";
import type { ServeHTTPResponse } from "@polyplug/sdk/internal/gen/polyplug/v1/plugin_pb.js";
import { nextWithin } from "../raw-connection.js";
import { errorCodeName } from "./contract-assertions.js";
import { LIMITS } from "@polyplug/sdk/internal/contract/limits.js";

const MAX_CHUNK = LIMITS.httpChunkBytes;

function frameName(frame: ServeHTTPResponse): string {
  return frame.frame.case ?? "empty";
}

/** What a check's request line says: method, path, query (default none) and headers (default none). */
interface RequestLine {
  readonly method: string;
  readonly path: string;
  readonly rawQuery?: string;
  readonly headers?: Array<{ name: string; value: string }>;
}

/**
 * Opens ServeHTTP on a contract session and sends the request's head frame (the client address is always
 * 127.0.0.1:9); the stream is cancelled when the case ends.
 */
function openRequest(ctx: CheckContext, session: ContractSession, deadlineMs: number, line: RequestLine) {
  const stream = session.rpc.serveHTTP({ deadline: deadlineMs });
  ctx.defer(() => stream.cancel());
  stream.send({
    frame: {
      case: "head",
      value: {
        context: session.hookContext(),
        method: line.method,
        path: line.path,
        rawQuery: line.rawQuery ?? "",
        headers: line.headers ?? [],
        remoteAddr: "127.0.0.1:9",
      },
    },
  });
  return stream;
}

/** POST /echo, ping-pong: each request chunk is echoed before the next is sent (streaming both ways). */
export const httpEcho: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const chunks = Number(ctx.spec.params.chunks ?? 8);
  const chunkSize = Number(ctx.spec.params.chunk_bytes ?? MAX_CHUNK);
  const stream = openRequest(ctx, session, 20_000, {
    method: "POST",
    path: "/echo",
    headers: [{ name: "content-type", value: "application/octet-stream" }],
  });
  const responses = stream.responses[Symbol.asyncIterator]();
  let sawHead = false;
  let echoed = 0;
  let sent = 0;
  for (let c = 0; c < chunks; c++) {
    const body = Buffer.alloc(chunkSize, c % 256);
    stream.send({ frame: { case: "body", value: body } });
    sent += chunkSize;
    while (echoed < sent) {
      const next = await nextWithin(responses, 5000);
      if (next.kind === "open")
        fail(
          `chunk ${c + 1} (${chunkSize} bytes) was not echoed within 5 s while the request body was still open; /echo must stream the body back as it arrives`,
        );
      if (next.kind !== "item")
        fail(
          `the response stream ended (${next.kind === "error" ? String(next.error) : "ended"}) after ${echoed} echoed bytes`,
        );
      const frame = next.value;
      if (frame.frame.case === "head") {
        assert(!sawHead, "a second head frame");
        assertEqual(frame.frame.value.status, 200, "status");
        sawHead = true;
      } else if (frame.frame.case === "body") {
        assert(sawHead, "a body frame before the head");
        assert(
          frame.frame.value.length > 0 && frame.frame.value.length <= MAX_CHUNK,
          `body chunk of ${frame.frame.value.length} bytes; chunks are 1..64 KiB`,
        );
        assert(
          frame.frame.value.every((b) => b === c % 256),
          `echoed bytes of chunk ${c + 1} differ from what was sent`,
        );
        echoed += frame.frame.value.length;
      } else fail(`unexpected ${frameName(frame)} frame while echoing: ${show(frame.frame.value)}`);
    }
  }
  stream.send({ frame: { case: "end", value: { trailers: [] } } });
  stream.end();
  const rest: ServeHTTPResponse[] = [];
  for (;;) {
    const next = await nextWithin(responses, 5000);
    if (next.kind === "ended") break;
    if (next.kind !== "item")
      fail(
        `the response did not end cleanly after the request ended (${next.kind === "error" ? String(next.error) : "still open after 5 s"})`,
      );
    rest.push(next.value);
  }
  ctx.trace("frames after the request ended", rest.map(frameName));
  assert(
    rest.every((f) => f.frame.case === "trailers"),
    `after the body only trailers may follow, got ${rest.map(frameName).join(", ")}`,
  );
  const trailers = rest[0]?.frame.case === "trailers" ? rest[0].frame.value.headers : [];
  const count = trailers.find((h) => h.name.toLowerCase() === "x-echo-bytes")?.value;
  assertEqual(count, String(sent), "trailer x-echo-bytes");
};

/** GET /download?bytes=N: head 200, then exactly N bytes of "0123456789"… in 1..64 KiB chunks. */
export const httpDownload: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const bytes = Number(ctx.spec.params.bytes);
  const stream = openRequest(ctx, session, 30_000, { method: "GET", path: "/download", rawQuery: `bytes=${bytes}` });
  stream.send({ frame: { case: "end", value: { trailers: [] } } });
  stream.end();
  let head: number | undefined;
  let received = 0;
  let frames = 0;
  const state = () =>
    `${head === undefined ? "no head frame arrived" : `head ${head} arrived`}, then ${received} of ${bytes} body bytes in ${Math.max(0, frames - (head === undefined ? 0 : 1))} body frames, and the response stream did not end`;
  const idleMs = Number(ctx.spec.params.idle_ms ?? 10_000);
  const responses = stream.responses[Symbol.asyncIterator]();
  for (;;) {
    ctx.progress(state());
    const next = await nextWithin(responses, idleMs);
    if (next.kind === "ended") break;
    if (next.kind === "open")
      fail(
        `nothing more for ${idleMs} ms: ${state()} (after the last body chunk, trailers or nothing, then status OK)`,
      );
    if (next.kind === "error")
      fail(
        `the call failed: ${next.error instanceof Error ? next.error.message : String(next.error)}; by then ${state().replace(/, and the response stream did not end$/, "")}`,
      );
    const frame = next.value;
    frames++;
    if (frame.frame.case === "head") {
      assert(head === undefined, "a second head frame");
      head = frame.frame.value.status;
      assertEqual(head, 200, "status");
    } else if (frame.frame.case === "body") {
      assert(head !== undefined, "a body frame before the head");
      const chunk = frame.frame.value;
      assert(
        chunk.length > 0 && chunk.length <= MAX_CHUNK,
        `body chunk of ${chunk.length} bytes; chunks are 1..64 KiB`,
      );
      for (let i = 0; i < chunk.length; i++) {
        if (chunk[i] !== 0x30 + ((received + i) % 10))
          fail(`byte ${received + i} is ${chunk[i]}, expected "${(received + i) % 10}"`);
      }
      received += chunk.length;
      if (received > bytes) fail(`${received} body bytes received, more than the ${bytes} asked for`);
    } else if (frame.frame.case === "error")
      fail(
        `error frame after ${received} body bytes: ${errorCodeName(frame.frame.value.code)} ${frame.frame.value.message}`,
      );
  }
  ctx.trace("download", { frames, received });
  assert(head !== undefined, "no head frame");
  assertEqual(received, bytes, "body bytes received");
};

/**
 * GET /fail: the handler fails; the response is one error frame (PLUGIN_FAILED), nothing after
 * it, and the stream then ends (status OK, §7.2).
 */
export const httpFail: CheckFunction = async (ctx) => {
  const session = await ctx.session();
  const stream = openRequest(ctx, session, 10_000, { method: "GET", path: "/fail" });
  stream.send({ frame: { case: "end", value: { trailers: [] } } });
  stream.end();
  const frames: ServeHTTPResponse[] = [];
  const names = () =>
    frames
      .map((f) => (f.frame.case === "error" ? `error ${errorCodeName(f.frame.value.code)}` : frameName(f)))
      .join(", ") || "no frames";
  const responses = stream.responses[Symbol.asyncIterator]();
  const waitMs = Number(ctx.spec.params.end_within_ms ?? 5000);
  for (;;) {
    const sawError = frames.some((f) => f.frame.case === "error");
    const next = await nextWithin(responses, sawError ? waitMs : 9000);
    if (next.kind === "ended") break;
    if (next.kind === "item") {
      frames.push(next.value);
      continue;
    }
    if (sawError) {
      fail(
        next.kind === "open"
          ? `the error frame arrived (${names()}) but the response stream did not end within ${waitMs} ms; after an error frame the plugin ends ServeHTTP with status OK (§7.2)`
          : `the error frame arrived (${names()}) but the call then failed instead of ending with status OK (§7.2): ${next.error instanceof Error ? next.error.message : String(next.error)}`,
      );
    }
    fail(
      next.kind === "open"
        ? `no error frame within 9 s (frames so far: ${names()}); a failing handler answers one error frame PLUGIN_FAILED`
        : `the call failed before an error frame arrived (frames: ${names()}): ${next.error instanceof Error ? next.error.message : String(next.error)}`,
    );
  }
  ctx.trace("frames", names());
  const last = frames[frames.length - 1];
  assert(last?.frame.case === "error", `the last frame must be an error frame, got ${names()}`);
  assertEqual(errorCodeName(last.frame.value.code), ctx.spec.expect.error_code, "error frame code");
  assertEqual(frames.filter((f) => f.frame.case === "error").length, 1, "number of error frames");
  assertEqual(await session.plugin.health(3000), "SERVING", "health afterwards");
};
