import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { fixturePaths } from "../paths.js";
import { startWatched, type WatchedProcess } from "../fixtures/cli-process.js";
import { intercept, pythonPlugin } from "./dev-plugin.js";

const python = path.join(fixturePaths.repo, ".venv", "bin", "python");
const running: WatchedProcess[] = [];

afterEach(async () => {
  for (const process of running.splice(0)) {
    process.child.kill("SIGTERM");
    await process.exited;
  }
});

function dev(dir: string, extra: readonly string[] = []): WatchedProcess {
  const data = mkdtempSync(path.join(tmpdir(), "polyplug-dev-data-"));
  const process = startWatched(globalThis.process.execPath, [
    fixturePaths.bin,
    "dev",
    dir,
    "--python",
    python,
    "--listen",
    "127.0.0.1:0",
    "--admin-listen",
    "127.0.0.1:0",
    "--data",
    data,
    "--log-format",
    "json",
    ...extra,
  ]);
  running.push(process);
  return process;
}

describe("polyplug dev", () => {
  it("runs a plugin from its folder and picks up an edit without a manual restart", async () => {
    const dir = pythonPlugin("first version");
    const gateway = dev(dir);
    const [, url] = await gateway.waitFor(/public API\s+POST (http:\/\/127\.0\.0\.1:\d+)\//);
    expect(gateway.output()).toMatch(/● active/);
    expect(gateway.output()).toContain(`curl -s -X POST ${url}/polyplug.v1.Gateway/Intercept`);
    expect((await intercept(url!)).rejection?.reason).toBe("first version");

    const mark = gateway.output().length;
    writeFileSync(path.join(dir, "reason.py"), 'REASON = "second version"\n');
    await gateway.waitFor(/↻ reason\.py changed: restarted com\.example\.devloop, active/, mark);
    expect((await intercept(url!)).rejection?.reason).toBe("second version");

    // A broken edit keeps the previous version serving and says why.
    const before = gateway.output().length;
    writeFileSync(path.join(dir, "reason.py"), "REASON = (\n");
    await gateway.waitFor(/reason\.py changed: restarted com\.example\.devloop, (restarting|failed|starting)/, before);
    writeFileSync(path.join(dir, "reason.py"), 'REASON = "third version"\n');
    await gateway.waitFor(/reason\.py changed: restarted com\.example\.devloop, active/, gateway.output().length);
    expect((await intercept(url!)).rejection?.reason).toBe("third version");
  }, 400_000);

  it("rebuilds a Go plugin and reports a compile error without stopping the running version", async () => {
    const dir = mkdtempSync(path.join(fixturePaths.examplesGo, "plugins", ".devloop-test-"));
    chmodSync(dir, 0o755); // readable by the sandboxed plugin's own uid
    try {
      for (const file of ["main.go", "plugin.go", "filter.go", "plugin.json"]) {
        writeFileSync(
          path.join(dir, file),
          readFileSync(path.join(fixturePaths.examplesGo, "plugins", "wordfilter", file)),
        );
      }
      const gateway = dev(dir);
      const [, url] = await gateway.waitFor(/public API\s+POST (http:\/\/127\.0\.0\.1:\d+)\//, 0, 180_000);
      expect(gateway.output()).toMatch(/✔ built: go build -o bin\/wordfilter \./);
      const mark = gateway.output().length;
      writeFileSync(
        path.join(dir, "filter.go"),
        `${readFileSync(path.join(dir, "filter.go"), "utf8")}\nfunc broken() { undefinedThing() }\n`,
      );
      await gateway.waitFor(
        /✖ filter\.go changed: build failed: go build[\s\S]*undefinedThing[\s\S]*previous version keeps running/,
        mark,
        180_000,
      );
      const answer = await fetch(`${url}/polyplug.v1.Gateway/Intercept`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ topic: "message.will_be_posted", payload: { message: "this is forbidden" } }),
      });
      expect(((await answer.json()) as { allowed: boolean }).allowed).toBe(false);
    } finally {
      const { rmSync } = await import("node:fs");
      rmSync(dir, { recursive: true, force: true });
    }
  }, 400_000);

  it("fails clearly on a folder without a manifest", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "polyplug-dev-empty-"));
    const gateway = dev(dir);
    expect(await gateway.exited).toBe(1);
    expect(gateway.output()).toMatch(/✖ dev failed \[not_found\][\s\S]*no manifest/);
  }, 120_000);
});
