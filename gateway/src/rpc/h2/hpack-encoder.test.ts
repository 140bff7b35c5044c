import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { HEADER_TABLE_BYTES } from "./constants.js";
import { HpackDecoder } from "./hpack-decoder.js";
import { InvalidMetadataError, metadataFields, type RequestHead, RequestHeaderEncoder } from "./hpack-encoder.js";

const RESERVED = new Set(["content-type", "te", "grpc-timeout", "grpc-encoding", "grpc-accept-encoding", "user-agent"]);

function expectedFields(scheme: string, head: RequestHead): Array<[string, string]> {
  return [
    [":method", "POST"],
    [":scheme", scheme],
    [":path", head.path],
    [":authority", "localhost"],
    ["content-type", "application/grpc"],
    ["te", "trailers"],
    ...(head.timeout === undefined ? [] : [["grpc-timeout", head.timeout] as [string, string]]),
    ...(head.metadata ?? []).map(([name, value]): [string, string] => [name, value]),
  ];
}

const metadataName = fc
  .stringMatching(/^[a-z][a-z0-9-]{0,20}$/)
  .filter(
    (name) => !["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "host"].includes(name),
  );
// Long paths (up to ~400 bytes) so a few dozen of them overflow the 4096-byte table.
const path = fc
  .tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 1, max: 400 }))
  .map(([n, pad]) => `/svc.V${n}/M${"x".repeat(pad)}`);
const op = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.record({
      path,
      timeout: fc.option(fc.oneof(fc.constantFrom("5000m", "30000m"), fc.stringMatching(/^[1-9][0-9]{0,7}[mSMH]$/)), {
        nil: undefined,
      }),
      metadata: fc.dictionary(metadataName, fc.stringMatching(/^[ -~]{0,30}$/), { maxKeys: 4 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.array(fc.constantFrom(0, 1, 60, 200, 500, 1024, 4096, 65536), { minLength: 1, maxLength: 3 }),
  },
);

describe("HPACK request encoder", () => {
  it("keeps an exact model of the peer's table: any sequence of calls and table size changes decodes, with equal table sizes", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("http" as const, "https" as const),
        fc.array(op, { minLength: 1, maxLength: 60 }),
        (scheme, ops) => {
          const encoder = new RequestHeaderEncoder(scheme, "localhost");
          const decoder = new HpackDecoder(HEADER_TABLE_BYTES); // a peer that allows the default 4096
          let peerLimit = HEADER_TABLE_BYTES;
          for (const step of ops) {
            if (Array.isArray(step)) {
              for (const size of step) encoder.peerTableSize(Math.min(size, HEADER_TABLE_BYTES));
              peerLimit = Math.min(step.at(-1)!, HEADER_TABLE_BYTES);
              continue;
            }
            const head: RequestHead = {
              path: step.path,
              timeout: step.timeout,
              metadata: metadataFields(step.metadata),
            };
            const fields: Array<[string, string]> = [];
            decoder.decode(encoder.encode(head), (name, value) => fields.push([name, value]));
            expect(fields).toEqual(expectedFields(scheme, head));
            expect(decoder.dynamicTableBytes).toBe(encoder.dynamicTableBytes);
            expect(encoder.dynamicTableBytes).toBeLessThanOrEqual(peerLimit);
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it("sends the constant fields of a repeated call as one index byte each", () => {
    const encoder = new RequestHeaderEncoder("http", "localhost");
    const head: RequestHead = { path: "/polyplug.v1.Plugin/Intercept", timeout: undefined, metadata: undefined };
    expect(encoder.encode(head).length).toBeGreaterThan(60);
    // :method POST, :scheme http (static), then dynamic entries 65 (:path) .. 62 (te, the newest).
    expect([...encoder.encode(head)]).toEqual([0x83, 0x86, 0xc1, 0xc0, 0xbf, 0xbe]);
  });

  it("sends a grpc-timeout that repeats as one index byte, and a changing one as a literal", () => {
    const encoder = new RequestHeaderEncoder("http", "localhost");
    const decoder = new HpackDecoder(HEADER_TABLE_BYTES);
    const head = (timeout: string): RequestHead => ({
      path: "/polyplug.v1.Plugin/Intercept",
      timeout,
      metadata: undefined,
    });
    const sizes = ["5000m", "5000m", "5000m", "4999m", "5000m"].map((timeout) => {
      const block = encoder.encode(head(timeout));
      const fields: Array<[string, string]> = [];
      decoder.decode(block, (name, value) => fields.push([name, value]));
      expect(fields).toEqual(expectedFields("http", head(timeout)));
      return block.length;
    });
    // First: literal; second: inserted (literal with indexing); third: 7 index bytes; a new value: literal; back to the indexed one: 7 bytes.
    expect(sizes[2]).toBe(7);
    expect(sizes[3]).toBe(6 + 2 + "grpc-timeout".length + 1 + "4999m".length);
    expect(sizes[4]).toBe(7);
  });

  it("announces a smaller table at the start of the next block and stops indexing at size 0", () => {
    const encoder = new RequestHeaderEncoder("http", "localhost");
    const head: RequestHead = { path: "/a.B/C", timeout: "5m", metadata: undefined };
    encoder.encode(head);
    encoder.peerTableSize(0);
    expect(encoder.dynamicTableBytes).toBe(0);
    const block = encoder.encode(head);
    expect(block[0]).toBe(0x20); // dynamic table size update to 0
    expect(encoder.dynamicTableBytes).toBe(0);
    encoder.peerTableSize(100);
    encoder.peerTableSize(4096);
    const grown = encoder.encode(head);
    // The smallest size since the last block (100), then the final one (4096).
    expect([...grown.subarray(0, 5)]).toEqual([0x3f, 0x45, 0x3f, 0xe1, 0x1f]);
  });

  it("refuses metadata that cannot be an HTTP/2 header, and drops transport-owned names", () => {
    expect(() => metadataFields({ connection: "close" })).toThrow(InvalidMetadataError);
    expect(() => metadataFields({ "bad name": "x" })).toThrow(/not a valid HTTP header name/);
    expect(() => metadataFields({ ok: "a\r\nb" })).toThrow(/NUL, CR or LF/);
    expect(metadataFields({ "Content-Type": "text/plain", ":path": "/x", "X-Id": "7" })).toEqual([["x-id", "7"]]);
    for (const name of RESERVED) expect(metadataFields({ [name]: "v" })).toBeUndefined();
  });
});
