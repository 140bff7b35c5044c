import { describe, expect, it } from "vitest";
import { createLogger, hclogTimestamp } from "./logger.js";

describe("hclog logger", () => {
  it("formats timestamps with exactly six fractional digits", () => {
    expect(hclogTimestamp(Date.UTC(2026, 4, 1, 12, 34, 56) * 1000 + 123_456)).toBe("2026-05-01T12:34:56.123456Z");
    expect(hclogTimestamp(Date.UTC(2026, 0, 1) * 1000 + 7)).toBe("2026-01-01T00:00:00.000007Z");
    expect(hclogTimestamp()).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });

  it("writes one JSON object per line with string @level/@message/@timestamp, @module and fields", () => {
    const lines: string[] = [];
    const log = createLogger({ module: "wordfilter", write: (line) => lines.push(line) })
      .named("db")
      .with({ request_id: "r1" });
    log.warn("slow query", { ms: 12, err: new Error("boom"), "@level": "ignored" });
    expect(lines).toHaveLength(1);
    expect(lines[0]?.endsWith("\n")).toBe(true);
    expect(JSON.parse(lines[0] ?? "")).toMatchObject({
      "@level": "warn",
      "@message": "slow query",
      "@module": "wordfilter.db",
      request_id: "r1",
      ms: 12,
      err: "boom",
    });
  });

  it("drops records below the configured level", () => {
    const lines: string[] = [];
    const log = createLogger({ level: "info", write: (line) => lines.push(line) });
    log.debug("hidden");
    log.error("shown");
    expect(lines.map((line) => (JSON.parse(line) as { "@message": string })["@message"])).toEqual(["shown"]);
  });
});
