import { status } from "@grpc/grpc-js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeGrpcMessage,
  encodeGrpcFrame,
  GrpcFrameDecoder,
  grpcFrameHeader,
  grpcTimeoutHeader,
  statusFromHttp,
} from "./grpc-framing.js";
import { splitAt } from "../../test/rpc/raw-frames.js";

describe("gRPC framing", () => {
  it("round-trips any messages through any chunking", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 6 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (messages, cuts) => {
          const wire = Buffer.concat(messages.map((message) => encodeGrpcFrame(message)));
          const decoder = new GrpcFrameDecoder(1024);
          const decoded = splitAt(wire, cuts).flatMap((piece) => decoder.push(piece));
          expect(decoded.map((message) => [...message])).toEqual(messages.map((message) => [...message]));
          expect(decoder.partial).toBe(false);
        },
      ),
    );
  });

  it("reports a truncated frame as partial", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), fc.nat(), (message, cut) => {
        const wire = encodeGrpcFrame(message);
        const decoder = new GrpcFrameDecoder(1024);
        expect(decoder.push(wire.subarray(0, 1 + (cut % (wire.length - 1))))).toEqual([]);
        expect(decoder.partial).toBe(true);
      }),
    );
  });

  it("writes the header as flag 0 and a big-endian length", () => {
    expect([...grpcFrameHeader(0x01020304)]).toEqual([0, 1, 2, 3, 4]);
    expect([...encodeGrpcFrame(new Uint8Array([9, 8]))]).toEqual([0, 0, 0, 0, 2, 9, 8]);
  });

  it("refuses compressed messages and bad flags", () => {
    const compressed = Buffer.from([1, 0, 0, 0, 1, 42]);
    expect(() => new GrpcFrameDecoder(10).push(compressed)).toThrow(
      expect.objectContaining({ code: status.INTERNAL, message: expect.stringContaining("compressed") }),
    );
    expect(() => new GrpcFrameDecoder(10).push(Buffer.from([7, 0, 0, 0, 0]))).toThrow(/invalid compressed flag 7/);
  });

  it("refuses a message over the limit as soon as its length prefix arrives", () => {
    const decoder = new GrpcFrameDecoder(100);
    expect(decoder.push(Buffer.from([0, 0]))).toEqual([]);
    expect(() => decoder.push(Buffer.from([0, 0, 101]))).toThrow(
      expect.objectContaining({
        code: status.RESOURCE_EXHAUSTED,
        message: "received a message of 101 bytes, larger than the limit of 100 bytes",
      }),
    );
  });

  it("formats grpc-timeout with at most 8 digits, rounding up", () => {
    expect(grpcTimeoutHeader(0.2)).toBe("1m");
    expect(grpcTimeoutHeader(1500.5)).toBe("1501m");
    expect(grpcTimeoutHeader(99_999_999)).toBe("99999999m");
    expect(grpcTimeoutHeader(100_000_000)).toBe("100000S");
    expect(grpcTimeoutHeader(Number.MAX_SAFE_INTEGER)).toMatch(/^\d{1,8}H$/);
  });

  it("percent-decodes grpc-message as UTF-8 and keeps malformed escapes", () => {
    expect(decodeGrpcMessage("plain")).toBe("plain");
    expect(decodeGrpcMessage("no such key: caf%C3%A9 100%25")).toBe("no such key: café 100%");
    expect(decodeGrpcMessage("50%zz")).toBe("50%zz");
    fc.assert(
      fc.property(fc.string({ unit: "grapheme" }), (text) => {
        expect(decodeGrpcMessage(encodeURIComponent(text))).toBe(text);
      }),
    );
  });

  it("maps bare HTTP statuses like gRPC does", () => {
    expect(statusFromHttp(404)).toBe(status.UNIMPLEMENTED);
    expect(statusFromHttp(503)).toBe(status.UNAVAILABLE);
    expect(statusFromHttp(401)).toBe(status.UNAUTHENTICATED);
    expect(statusFromHttp(500)).toBe(status.UNKNOWN);
  });
});
