import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DEFAULT_MAX_FRAME_BYTES, Flag, FrameType, H2Code } from "./constants.js";
import { FrameParser } from "./frame-parser.js";
import { H2ConnectionError } from "./h2-error.js";
import { rawFrame, splitAt } from "../../../test/rpc/raw-frames.js";

interface Seen {
  type: number;
  flags: number;
  streamId: number;
  payload: number[];
  flowBytes: number;
}

function parseAll(chunks: Buffer[], maxFrame = DEFAULT_MAX_FRAME_BYTES): Seen[] {
  const seen: Seen[] = [];
  const parser = new FrameParser(maxFrame, (type, flags, streamId, payload, flowBytes) =>
    seen.push({ type, flags, streamId, payload: [...payload], flowBytes }),
  );
  for (const chunk of chunks) parser.push(chunk);
  return seen;
}

function parseError(chunks: Buffer[]): H2ConnectionError {
  try {
    parseAll(chunks);
  } catch (error) {
    expect(error).toBeInstanceOf(H2ConnectionError);
    return error as H2ConnectionError;
  }
  throw new Error("expected a connection error");
}

// Well-formed frames a server may send a client.
const validFrame = fc.oneof(
  fc.record({
    type: fc.constant(FrameType.DATA),
    flags: fc.constantFrom(0, Flag.END_STREAM),
    streamId: fc.integer({ min: 1, max: 99 }),
    payload: fc.uint8Array({ maxLength: 300 }),
  }),
  fc.record({
    type: fc.constant(FrameType.HEADERS),
    flags: fc.constantFrom(Flag.END_HEADERS, Flag.END_HEADERS | Flag.END_STREAM),
    streamId: fc.integer({ min: 1, max: 99 }),
    payload: fc.uint8Array({ maxLength: 100 }),
  }),
  fc.record({
    type: fc.constant(FrameType.PING),
    flags: fc.constantFrom(0, Flag.ACK),
    streamId: fc.constant(0),
    payload: fc.uint8Array({ minLength: 8, maxLength: 8 }),
  }),
  fc.record({
    type: fc.constant(FrameType.WINDOW_UPDATE),
    flags: fc.constant(0),
    streamId: fc.integer({ min: 0, max: 99 }),
    payload: fc.uint8Array({ minLength: 4, maxLength: 4 }),
  }),
  fc.record({
    type: fc.constant(FrameType.SETTINGS),
    flags: fc.constant(0),
    streamId: fc.constant(0),
    payload: fc.integer({ min: 0, max: 5 }).chain((n) => fc.uint8Array({ minLength: n * 6, maxLength: n * 6 })),
  }),
);

describe("HTTP/2 frame parser", () => {
  it("parses frames split at any chunk boundaries exactly like one whole chunk", () => {
    fc.assert(
      fc.property(fc.array(validFrame, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 30 }), (frames, cuts) => {
        const wire = Buffer.concat(frames.map((f) => rawFrame(f.type, f.flags, f.streamId, f.payload)));
        const whole = parseAll([wire]);
        expect(whole.map((f) => [f.type, f.streamId, f.payload])).toEqual(
          frames.map((f) => [f.type, f.streamId, [...f.payload]]),
        );
        expect(parseAll(splitAt(wire, cuts))).toEqual(whole);
      }),
    );
  });

  it("strips padding and priority fields, counting the padded length for flow control", () => {
    const data = rawFrame(FrameType.DATA, Flag.PADDED, 1, Buffer.from([3, 7, 8, 0, 0, 0]));
    const headers = rawFrame(
      FrameType.HEADERS,
      Flag.PADDED | Flag.PRIORITY | Flag.END_HEADERS,
      3,
      Buffer.from([2, 0, 0, 0, 1, 16, 0x82, 0x84, 0, 0]),
    );
    expect(parseAll([data, headers])).toEqual([
      { type: FrameType.DATA, flags: Flag.PADDED, streamId: 1, payload: [7, 8], flowBytes: 6 },
      { type: FrameType.HEADERS, flags: Flag.END_HEADERS, streamId: 3, payload: [0x82, 0x84], flowBytes: 0 },
    ]);
  });

  it("joins HEADERS and CONTINUATION frames into one header block", () => {
    const wire = Buffer.concat([
      rawFrame(FrameType.HEADERS, Flag.END_STREAM, 5, Buffer.from([1, 2])),
      rawFrame(FrameType.CONTINUATION, 0, 5, Buffer.from([3])),
      rawFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 5, Buffer.from([4, 5])),
    ]);
    expect(parseAll([wire])).toEqual([
      {
        type: FrameType.HEADERS,
        flags: Flag.END_STREAM | Flag.END_HEADERS,
        streamId: 5,
        payload: [1, 2, 3, 4, 5],
        flowBytes: 0,
      },
    ]);
    expect(
      parseError([
        rawFrame(FrameType.HEADERS, 0, 5, Buffer.from([1])),
        rawFrame(FrameType.DATA, 0, 5, Buffer.from([1])),
      ]).code,
    ).toBe(H2Code.PROTOCOL_ERROR);
    expect(parseError([rawFrame(FrameType.CONTINUATION, Flag.END_HEADERS, 5, Buffer.from([1]))]).code).toBe(
      H2Code.PROTOCOL_ERROR,
    );
  });

  it("refuses frames over our maximum size and malformed fixed-size frames", () => {
    expect(parseError([rawFrame(FrameType.DATA, 0, 1, Buffer.alloc(DEFAULT_MAX_FRAME_BYTES + 1))]).code).toBe(
      H2Code.FRAME_SIZE_ERROR,
    );
    expect(parseError([rawFrame(FrameType.PING, 0, 0, Buffer.alloc(7))]).code).toBe(H2Code.FRAME_SIZE_ERROR);
    expect(parseError([rawFrame(FrameType.SETTINGS, 0, 0, Buffer.alloc(5))]).code).toBe(H2Code.FRAME_SIZE_ERROR);
    expect(parseError([rawFrame(FrameType.SETTINGS, 0, 1, Buffer.alloc(6))]).code).toBe(H2Code.PROTOCOL_ERROR);
    expect(parseError([rawFrame(FrameType.DATA, 0, 0, Buffer.alloc(1))]).code).toBe(H2Code.PROTOCOL_ERROR);
    expect(parseError([rawFrame(FrameType.DATA, Flag.PADDED, 1, Buffer.from([4, 1, 2, 3]))]).code).toBe(
      H2Code.PROTOCOL_ERROR,
    );
    expect(parseError([rawFrame(FrameType.RST_STREAM, 0, 1, Buffer.alloc(3))]).code).toBe(H2Code.FRAME_SIZE_ERROR);
  });

  it("throws nothing but H2ConnectionError for random bytes in random chunks", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 10 }), (bytes, cuts) => {
        try {
          parseAll(splitAt(Buffer.from(bytes), cuts), 256);
        } catch (error) {
          expect(error).toBeInstanceOf(H2ConnectionError);
        }
      }),
      { numRuns: 3000 },
    );
  });
});
