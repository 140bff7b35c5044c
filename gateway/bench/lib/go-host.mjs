// Runs one job on go-plugin's own Go host (examples-go/bench/gohost).
import { spawn } from "node:child_process";
import { paths } from "./paths.mjs";

/**
 * Sends `job` (see examples-go/bench/gohost/main.go) to a fresh gohost process and
 * returns its JSON answer. Rejects with the host's stderr when it fails.
 * @param {Record<string, unknown>} job
 * @returns {Promise<any>}
 */
export function runGoHost(job) {
  return new Promise((resolve, reject) => {
    const child = spawn(paths.goHost, [], { stdio: ["pipe", "pipe", "pipe"] });
    const out = [];
    const err = [];
    child.stdout.on("data", (chunk) => out.push(chunk));
    child.stderr.on("data", (chunk) => err.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0)
        return reject(
          new Error(`gohost ${job.workload} failed (exit ${code}): ${Buffer.concat(err).toString().trim()}`),
        );
      try {
        resolve(JSON.parse(Buffer.concat(out).toString()));
      } catch (error) {
        reject(new Error(`gohost printed no valid JSON: ${String(error)}`));
      }
    });
    child.stdin.end(JSON.stringify(job));
  });
}
