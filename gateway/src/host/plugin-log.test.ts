import { describe, expect, it } from "vitest";
import { captureLogs } from "../../test/log-capture.js";
import { createPluginLogSink } from "./plugin-log.js";

describe("createPluginLogSink", () => {
  it("logs hclog lines at their level with their fields", () => {
    const { logger, records } = captureLogs();
    const sink = createPluginLogSink({ logger });
    sink.line("stderr", '{"@level":"warn","@message":"disk low","@timestamp":"2024-05-01T12:34:56.123456Z","free":"1G"}');
    expect(records[0]).toMatchObject({ level: 40, msg: "disk low", free: "1G", source: "stderr", pluginTime: "2024-05-01T12:34:56.123456Z" });
  });

  it("drops a flood beyond the token bucket, counts it and reports it once", () => {
    const { logger, records } = captureLogs();
    let now = 0;
    const sink = createPluginLogSink({ logger, rateLimit: { linesPerSecond: 10, burst: 5 }, now: () => now });
    for (let i = 0; i < 1000; i++) sink.line("stderr", `line ${i}`);
    expect(records).toHaveLength(5);
    expect(sink.dropped).toBe(995);
    now += 1000; // ten more tokens
    sink.line("stderr", "after the flood");
    expect(records.at(-2)).toMatchObject({ level: 40, suppressedLines: 995 });
    expect(records.at(-1)).toMatchObject({ msg: "after the flood" });
  });

  it("keeps a bounded tail of recent lines, including dropped ones", () => {
    const { logger } = captureLogs();
    const sink = createPluginLogSink({ logger, tailLines: 3, rateLimit: { linesPerSecond: 1, burst: 1 } });
    for (const line of ["a", "b", "c", "d"]) sink.line("stderr", line);
    expect(sink.tail()).toEqual(["b", "c", "d"]);
  });
});
