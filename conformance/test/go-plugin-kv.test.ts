import { afterAll, describe, expect, it } from "vitest";
import { rm } from "node:fs/promises";
import path from "node:path";
import { runConformance } from "../src/index.js";
import { buildKvExample, KV_COOKIE } from "./go-plugin-example.js";

// The suite as a go-plugin conformance suite, on a plugin nobody here wrote: go-plugin's own
// gRPC KV example, fetched through the Go module proxy and built at run time.
const built = await buildKvExample();
const reason = "skipped" in built ? built.skipped : undefined;

describe("go-plugin mode on go-plugin's KV example", () => {
  afterAll(async () => {
    if ("binary" in built) await rm(path.dirname(built.binary), { recursive: true, force: true });
  });
  it.skipIf(reason !== undefined)(
    `passes every protocol case and skips the Polyplug-specific ones${reason ? ` (${reason})` : ""}`,
    async () => {
      if (!("binary" in built)) return;
      const report = await runConformance({ plugin: [built.binary], cookie: KV_COOKIE, protocolVersions: [1] });
      const failed = report.results.filter((r) => r.status === "failed" && r.required);
      expect(failed.map((r) => `${r.name}: ${r.message}`)).toEqual([]);
      expect(report.summary.ok).toBe(true);
      const ran = report.results.filter((r) => r.status === "passed").map((r) => r.name.split("/")[0]);
      for (const group of ["handshake", "listener", "automtls", "services", "process", "output"])
        expect(ran).toContain(group);
      const skipped = report.results.filter((r) => r.status === "skipped");
      expect(skipped.find((r) => r.name === "process/exits-with-parent")?.message).toMatch(/^Polyplug-specific/);
      expect(skipped.find((r) => r.name === "lifecycle/describe")?.message).toMatch(/^Polyplug-specific/);
    },
    240_000,
  );
});
