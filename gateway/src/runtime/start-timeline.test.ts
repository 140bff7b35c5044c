import { afterEach, describe, expect, it } from "vitest";
import { markStart, START_TIMELINE_ENV } from "./start-timeline.js";

const marks = (): string[] =>
  performance
    .getEntriesByType("mark")
    .map((mark) => mark.name)
    .filter((name) => name.startsWith("polyplug:"));

afterEach(() => {
  delete process.env[START_TIMELINE_ENV];
  performance.clearMarks();
});

describe("markStart", () => {
  it("keeps no mark unless $POLYPLUG_START_TIMELINE is set", () => {
    markStart("store-opened");
    expect(marks()).toEqual([]);
  });

  it("marks the step under the polyplug: prefix when it is set", () => {
    process.env[START_TIMELINE_ENV] = "/tmp/timeline.json";
    markStart("store-opened");
    expect(marks()).toEqual(["polyplug:store-opened"]);
  });
});
