// `polyplug serve --memory-profile small` (or POLYPLUG_MEMORY_PROFILE=small) keeps V8's young
// generation at its initial size, from before serve's modules load (issue 17, memory);
// `default` leaves Node's sizing.
// Checked in a child process running the dist CLI: its new space after allocating a lot.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const dist = fileURLToPath(new URL("../../dist/", import.meta.url));

/**
 * Runs `polyplug serve <args> --help` in a child (the profile applies before serve's module
 * loads), then allocates; returns the exit code, stderr and the new space's size in MiB after
 * loading serve (startSize) and after allocating.
 */
async function newSpaceAfter(args: readonly string[], env: Record<string, string> = {}) {
  const script = `const v8 = await import("node:v8");
const { main } = await import(${JSON.stringify(path.join(dist, "cli", "main.js"))});
let err = "";
const code = await main(["node", "polyplug", "serve", ...${JSON.stringify(args)}, "--help"], { out() {}, err(t) { err += t; } });
const startSize = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size / 2 ** 20;
let keep = [];
for (let i = 0; i < 400000; i++) { keep.push({ i, s: "x" + i }); if (keep.length > 20000) keep = []; }
const space = v8.getHeapSpaceStatistics().find((s) => s.space_name === "new_space");
console.log(JSON.stringify({ code, err, startSize, newSpaceMiB: space.space_size / 2 ** 20 }));`;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NODE_OPTIONS: "", POLYPLUG_MEMORY_PROFILE: "", ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise((resolve) => child.once("close", resolve));
  expect(stderr).toBe("");
  return JSON.parse(stdout.trim().split("\n").pop() as string) as {
    code: number;
    err: string;
    startSize: number;
    newSpaceMiB: number;
  };
}

describe("serve --memory-profile", () => {
  it("small keeps the young generation at its initial size from before serve loads; default lets it grow", async () => {
    const small = await newSpaceAfter(["--memory-profile", "small"]);
    expect(small.code).toBe(0);
    expect(small.startSize).toBeLessThanOrEqual(2);
    expect(small.newSpaceMiB).toBeLessThanOrEqual(2);
    const fromEnv = await newSpaceAfter([], { POLYPLUG_MEMORY_PROFILE: "small" });
    expect(fromEnv.newSpaceMiB).toBeLessThanOrEqual(2);
    const byDefault = await newSpaceAfter([]);
    expect(byDefault.code).toBe(0);
    expect(byDefault.newSpaceMiB).toBeGreaterThan(4);
  }, 60_000);

  it("a semispace size given to Node itself wins over the profile", async () => {
    const operator = await newSpaceAfter(["--memory-profile=small"], { NODE_OPTIONS: "--max-semi-space-size=8" });
    expect(operator.newSpaceMiB).toBeGreaterThan(4);
  }, 60_000);

  it("refuses an unknown profile with a usage error naming the choices", async () => {
    const wrong = await newSpaceAfter(["--memory-profile", "tiny"]);
    expect(wrong.code).toBe(2);
    expect(wrong.err).toContain('--memory-profile must be one of default, small, got "tiny"');
    const wrongEnv = await newSpaceAfter([], { POLYPLUG_MEMORY_PROFILE: "huge" });
    expect(wrongEnv.code).toBe(2);
    expect(wrongEnv.err).toContain("POLYPLUG_MEMORY_PROFILE must be one of default, small");
  }, 60_000);
});
