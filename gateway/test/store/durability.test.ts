import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openSqliteStore } from "../../src/store/sqlite-store.js";
import { buildStoreForChild, storeFixture } from "./child-store.js";
import { tempDir, text } from "./temp-store.js";

let child: ReturnType<typeof buildStoreForChild>;
beforeAll(() => {
  child = buildStoreForChild();
});
afterAll(() => child.cleanup());

/** Runs a fixture; resolves with its stdout and exit signal. `onLine` may kill it. */
function run(
  fixture: string,
  args: string[],
  onLine?: (line: string, kill: () => void) => void,
): Promise<{ stdout: string; signal: NodeJS.Signals | null; code: number | null }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [storeFixture(fixture), child.storeModule, ...args], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let pending = "";
    proc.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
      pending += chunk;
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) onLine?.(line, () => proc.kill("SIGKILL"));
    });
    proc.stderr.setEncoding("utf8").on("data", (chunk: string) => (stderr += chunk));
    proc.on("error", reject);
    proc.on("close", (code, signal) =>
      code !== 0 && signal === null
        ? reject(new Error(`${fixture} exited ${code}: ${stderr}`))
        : resolve({ stdout, signal, code }),
    );
  });
}

describe("sqlite store: durability and cross-process atomicity", () => {
  it("every write acknowledged before a kill -9 is there after reopening", async () => {
    const file = path.join(tempDir(), "gateway.db");
    const killAfter = 300 + Math.floor(Math.random() * 700);
    const { stdout, signal } = await run("kv-writer.mjs", [file], (line, kill) => {
      if (line === `acked ${killAfter}`) kill();
    });
    expect(signal).toBe("SIGKILL");
    const acked = stdout
      .split("\n")
      .filter((line) => /^acked \d+$/.test(line))
      .map((line) => Number(line.slice(6)));
    expect(acked.length).toBeGreaterThan(killAfter);
    const store = openSqliteStore(file, { sweepIntervalMs: 0 });
    try {
      for (const n of acked)
        expect(
          text((await store.kvGet("writer", `key-${n}`))?.value)
            ?.trimEnd()
            .replace(/\.+$/, ""),
        ).toBe(`value-${n}`);
    } finally {
      await store.close();
    }
  });

  it("compare-and-set increments from four processes at once add up exactly", async () => {
    const file = path.join(tempDir(), "race.db");
    const perProcess = 400;
    const startAt = String(Date.now() + 1500);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => run("cas-incrementer.mjs", [file, String(perProcess), startAt])),
    );
    const retries = results.map((result) => Number(/^done (\d+)\n$/.exec(result.stdout)?.[1]));
    // Retries prove the processes really interleaved (and conflicting writes were refused).
    expect(retries.reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
    const store = openSqliteStore(file, { sweepIntervalMs: 0 });
    try {
      expect(text((await store.kvGet("race", "counter"))?.value)).toBe(String(4 * perProcess));
    } finally {
      await store.close();
    }
  });
});
