import { describe, expect, it } from "vitest";
import { createLineClassifier } from "./hclog.js";

describe("createLineClassifier", () => {
  it.each([
    ['{"@level":"info","@message":"hello","@timestamp":"2024-05-01T12:34:56.123456Z","k":1}', "info", "hello", true],
    ['{"@level":"WARN","@message":"upper","@timestamp":"2024-05-01T12:34:56.123456+02:00"}', "warn", "upper", true],
    ['{"@level":"error","@message":"no timestamp"}', "error", "no timestamp", true],
    ['{"@level":"warning","@message":"bad level"}', "debug", '{"@level":"warning","@message":"bad level"}', false],
    [
      '{"@level":"info","@message":"bad ts","@timestamp":"2024-05-01 12:34"}',
      "debug",
      '{"@level":"info","@message":"bad ts","@timestamp":"2024-05-01 12:34"}',
      false,
    ],
    ['{"@level":5,"@message":"number level"}', "debug", '{"@level":5,"@message":"number level"}', false],
    ["[WARN] prefixed", "warn", "[WARN] prefixed", false],
    ["[ERROR] prefixed", "error", "[ERROR] prefixed", false],
    ["plain text", "debug", "plain text", false],
    ["[1,2,3]", "debug", "[1,2,3]", false],
  ])("classifies %s", (line, level, message, structured) => {
    const entry = createLineClassifier()(line);
    expect(entry.level).toBe(level);
    expect(entry.message).toBe(message);
    expect(entry.structured).toBe(structured);
  });

  it("keeps hclog fields apart from the reserved keys", () => {
    const entry = createLineClassifier()('{"@level":"info","@message":"m","@module":"plug","user":"ann"}');
    expect(entry.fields).toEqual({ "@module": "plug", user: "ann" });
  });

  it("switches to error after a Go panic line, for plain lines only", () => {
    const classify = createLineClassifier();
    expect(classify("before").level).toBe("debug");
    expect(classify("panic: boom").level).toBe("error");
    expect(classify("goroutine 1 [running]:").level).toBe("error");
    expect(classify('{"@level":"info","@message":"still structured"}').level).toBe("info");
  });
});
