import { PassThrough } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { chooseLogFormat, chooseLogLevel, logStream } from "./log-format.js";

function sink(isTTY: boolean): PassThrough & { isTTY?: boolean; text(): string } {
  const stream = new PassThrough() as PassThrough & { isTTY?: boolean; text(): string };
  let text = "";
  stream.on("data", (chunk: Buffer) => (text += chunk.toString()));
  stream.isTTY = isTTY;
  stream.text = () => text;
  return stream;
}

describe("log format", () => {
  it("is pretty on a terminal and JSON elsewhere unless asked", () => {
    expect(chooseLogFormat(undefined, sink(true))).toBe("pretty");
    expect(chooseLogFormat("auto", sink(false))).toBe("json");
    expect(chooseLogFormat("json", sink(true))).toBe("json");
    expect(chooseLogFormat("pretty", sink(false))).toBe("pretty");
    expect(() => chooseLogFormat("yaml", sink(false))).toThrow(
      /--log-format must be one of auto, pretty, json, got "yaml"/,
    );
  });

  it("log level: pino's levels and silent, the fallback when none is given, a clear error otherwise", () => {
    expect(chooseLogLevel(undefined, "info")).toBe("info");
    for (const level of ["trace", "debug", "info", "warn", "error", "fatal", "silent"])
      expect(chooseLogLevel(level, "info")).toBe(level);
    for (const level of ["loud", "INFO", "", "10"])
      expect(() => chooseLogLevel(level, "info")).toThrow(
        `--log-level must be one of trace, debug, info, warn, error, fatal, silent, got ${JSON.stringify(level)}`,
      );
  });

  it("writes one human line per record with date, time, level, plugin and fields", async () => {
    const out = sink(false);
    const logger = pino({ level: "info" }, await logStream("pretty", out, false));
    logger.child({ pluginId: "com.example.x" }).warn({ strikes: 2 }, "plugin unhealthy");
    logger.info("gateway ready");
    const lines = out.text().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      /^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}\] WARN: \[com\.example\.x\] plugin unhealthy \{"strikes":2\}$/,
    );
    expect(lines[1]).toMatch(/INFO: gateway ready$/);
  });

  it("passes JSON through untouched", async () => {
    const out = sink(false);
    expect(await logStream("json", out, false)).toBe(out);
  });
});
