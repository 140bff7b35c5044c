// runTool loads execa on first use (issue 17, memory): the gateway's module graph does not
// carry it, and a run still succeeds or fails as before.
import { spawnSync } from "node:child_process";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { ErrorCode, PolyplugError } from "../../src/errors.js";
import { runTool } from "../../src/registry/run-tool.js";

describe("runTool", () => {
  it("runs a tool to completion", async () => {
    await runTool(process.execPath, ["-e", "process.exit(0)"], { cwd: tmpdir(), what: "a test" });
  });

  it("fails with failed_precondition naming the command, its status and its output's tail", async () => {
    const failed = await runTool(process.execPath, ["-e", "console.error('boom'); process.exit(3)"], {
      cwd: tmpdir(),
      what: "a test",
    }).catch((error: unknown) => error);
    expect(failed).toBeInstanceOf(PolyplugError);
    expect((failed as PolyplugError).code).toBe(ErrorCode.FailedPrecondition);
    expect((failed as PolyplugError).message).toMatch(/a test: .* exited with status 3:\nboom/);
  });

  it("says a missing tool could not start", async () => {
    const failed = await runTool("polyplug-no-such-tool", [], { cwd: tmpdir(), what: "a test" }).catch(
      (error: unknown) => error,
    );
    expect((failed as PolyplugError).message).toMatch(/could not start .*is polyplug-no-such-tool installed\?/);
  });

  it("leaves execa unloaded until a tool runs: the gateway's modules do not import it", () => {
    // The built library, as embedders and the benchmark's gateway load it; a resolve hook records every module.
    const index = fileURLToPath(new URL("../../dist/index.js", import.meta.url));
    const hooks = `export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (result.url.includes("/node_modules/execa/")) process._rawDebug("loaded execa");
  return result;
}`;
    const register = `import { register } from "node:module"; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;
    const result = spawnSync(
      process.execPath,
      [
        "--import",
        `data:text/javascript,${encodeURIComponent(register)}`,
        "--input-type=module",
        "-e",
        `await import(${JSON.stringify(index)});`,
      ],
      { encoding: "utf8" },
    );
    expect(result.stderr).toBe("");
    expect(result.status).toBe(0);
  }, 30_000);
});
