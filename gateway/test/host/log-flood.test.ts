// A plugin flooding stderr (issue #11): the host drops what is over the log rate limit
// at bounded cost and says so in one summary line per interval, not one per line.
// The CPU the host spent is reported (never asserted: the machine may be loaded).
import { describe, expect, it } from "vitest";
import { startPlugin } from "../../src/entry/host.js";
import { captureLogs, eventually } from "../log-capture.js";
import { fixturePaths } from "../paths.js";

describe("a plugin flooding stderr", () => {
  it("costs the host one summary line per interval and a bounded number of logged lines", async () => {
    const { logger, records } = captureLogs();
    const floodMs = 3000;
    const cpuBefore = process.cpuUsage();
    const startedAt = Date.now();
    const plugin = await startPlugin({
      command: process.execPath,
      args: [fixturePaths.nodeFixture("flood-plugin.mjs")],
      env: { FLOOD_MS: String(floodMs) },
      logger: logger.child({ pluginId: "p.flood" }),
      startTimeoutMs: 20_000,
    });
    try {
      // Wait until the flood is over and its drops have been summed up.
      await eventually(
        () => records.some((r) => r.msg === "flood over" || typeof r.suppressedLines === "number"),
        30_000,
        "flood seen",
      );
      await new Promise((resolve) => setTimeout(resolve, floodMs + 500));
      const cpu = process.cpuUsage(cpuBefore);
      const elapsedMs = Date.now() - startedAt;
      const summaries = records.filter((r) => typeof r.suppressedLines === "number");
      const suppressed = summaries.reduce((sum, r) => sum + (r.suppressedLines as number), 0);
      const logged = records.filter((r) => typeof r.msg === "string" && r.msg.startsWith("flood line")).length;
      console.log(
        `log flood: ${suppressed + logged} lines read in ${elapsedMs} ms, ${logged} logged, ${suppressed} suppressed in ${summaries.length} summary line(s); host CPU ${Math.round((cpu.user + cpu.system) / 1000)} ms (${Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100)}% of a core)`,
      );
      expect(suppressed).toBeGreaterThan(0);
      // One summary per 5 s interval, plus the last one: a 3 s flood needs at most a few.
      expect(summaries.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 5000) + 1);
      expect(summaries[0]?.msg).toMatch(/^suppressed \d+ lines from plugin p\.flood in the last \d+s/);
      // The rate limit: at most the burst (2000) plus 1000 lines per second.
      expect(logged).toBeLessThanOrEqual(2000 + Math.ceil(elapsedMs / 1000) * 1000);
    } finally {
      await plugin.shutdown();
    }
  }, 120_000);
});
