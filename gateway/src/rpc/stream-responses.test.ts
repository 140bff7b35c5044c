import { describe, expect, it } from "vitest";
import { StreamResponses } from "./stream-responses.js";

const MAX = 64 * 1024;

describe("StreamResponses", () => {
  it("takes a near-maximum message and more decoded from one socket read before the reader runs", async () => {
    // One read can complete a large message and carry the next: both are pushed synchronously.
    const responses = new StreamResponses(MAX, () => undefined);
    expect(responses.push(Buffer.alloc(MAX - 136))).toBeUndefined();
    expect(responses.push(Buffer.alloc(600))).toBeUndefined();
    expect(responses.push(Buffer.alloc(MAX))).toBeUndefined();
    responses.end(undefined);
    const sizes: number[] = [];
    for await (const message of responses) sizes.push(message.length);
    expect(sizes).toEqual([MAX - 136, 600, MAX]);
  });

  it("fails the call once a reader that does not read leaves more than two messages and a read unread", () => {
    const responses = new StreamResponses(MAX, () => undefined);
    let pushed = 0;
    let error = responses.push(Buffer.alloc(1024));
    while (!error) {
      pushed += 1024;
      error = responses.push(Buffer.alloc(1024));
    }
    expect(error.code).toBe(8); // RESOURCE_EXHAUSTED
    expect(pushed).toBeLessThanOrEqual(3 * MAX);
    expect(pushed).toBeGreaterThanOrEqual(2 * MAX);
  });
});
