import { describe, expect, it } from "vitest";
import { captureLogs } from "../../test/log-capture.js";
import { createLineSplitter, MAX_LINE_BYTES } from "./line-splitter.js";
import { createPluginLogSink } from "./plugin-log.js";

describe("createPluginLogSink", () => {
  it("logs hclog lines at their level with their fields", () => {
    const { logger, records } = captureLogs();
    const sink = createPluginLogSink({ logger });
    sink.line(
      "stderr",
      '{"@level":"warn","@message":"disk low","@timestamp":"2024-05-01T12:34:56.123456Z","free":"1G"}',
    );
    expect(records[0]).toMatchObject({
      level: 40,
      msg: "disk low",
      free: "1G",
      source: "stderr",
      pluginTime: "2024-05-01T12:34:56.123456Z",
    });
  });

  it("drops a flood beyond the token bucket, counts it and reports it in one summary line", () => {
    const { logger, records } = captureLogs();
    let now = 0;
    const sink = createPluginLogSink({
      logger: logger.child({ pluginId: "p.flood" }),
      rateLimit: { linesPerSecond: 10, burst: 5 },
      now: () => now,
    });
    for (let i = 0; i < 1000; i++) sink.line("stderr", `line ${i}`);
    expect(records).toHaveLength(5);
    expect(sink.dropped).toBe(995);
    now += 1000; // ten more tokens: lines flow again, and no warning per line
    sink.line("stderr", "after the flood");
    expect(records.at(-1)).toMatchObject({ msg: "after the flood" });
    expect(records.filter((r) => r.suppressedLines !== undefined)).toEqual([]);
    sink.flush();
    expect(records.at(-1)).toMatchObject({
      level: 40,
      suppressedLines: 995,
      msg: "suppressed 995 lines from plugin p.flood in the last 1s (log rate limit 10/s)",
    });
  });

  it("drops whole chunks over budget: lines counted, the chunk's end kept in the tail", () => {
    const { logger, records } = captureLogs();
    const sink = createPluginLogSink({ logger, rateLimit: { linesPerSecond: 1, burst: 1 } });
    const lines: string[] = [];
    const splitter = createLineSplitter(
      (line) => {
        lines.push(line);
        sink.line("stderr", line);
      },
      MAX_LINE_BYTES,
      sink,
    );
    splitter.push(Buffer.from("first\n"));
    expect(sink.overBudget()).toBe(true);
    splitter.push(Buffer.from("a\nb\nc\nunfinished"));
    splitter.push(Buffer.from(" line\n"));
    expect(lines).toEqual(["first"]);
    expect(sink.dropped).toBe(4);
    // The line that straddled two dropped chunks is kept only as its last piece.
    expect(sink.tail()).toEqual(["first", "a", "b", "c", " line"]);
    sink.flush();
    expect(records.at(-1)).toMatchObject({ suppressedLines: 4 });
  });

  it("keeps a bounded tail of recent lines, including dropped ones", () => {
    const { logger } = captureLogs();
    const sink = createPluginLogSink({ logger, tailLines: 3, rateLimit: { linesPerSecond: 1, burst: 1 } });
    for (const line of ["a", "b", "c", "d"]) sink.line("stderr", line);
    expect(sink.tail()).toEqual(["b", "c", "d"]);
  });
});
