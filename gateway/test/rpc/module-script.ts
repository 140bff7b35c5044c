// Runs a module script in a child node, for tests that need a process of its own (does it exit, what does it print).
import { spawn } from "node:child_process";

/**
 * Runs `script` (an ES module, as `node --input-type=module -e`) in a child node: what it printed on stdout and
 * stderr, and its exit code. `cleanups` gets the kill, for a test that fails before the child exits.
 */
export async function runModuleScript(
  script: string,
  cleanups: Array<() => unknown>,
): Promise<{ out: string; code: number | null }> {
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  cleanups.push(() => child.kill("SIGKILL"));
  let out = "";
  child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
  return { out, code };
}
