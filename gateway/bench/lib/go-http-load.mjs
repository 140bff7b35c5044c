// The public API's load generator: examples-go/bench/httpload (Go's net/http client, one
// keep-alive connection per worker) in its own process. A node:http client in the bench's
// process cost ~180-220 µs of CPU per request on one JavaScript thread, taken from the
// gateway and its plugins on a 2-core machine, and answers arriving together queued on that
// thread (PROFILE.md, issue 17 row 5: "Chains: the load generator"). Same load for either
// gateway; every answer must be 200 with `"allowed": true`.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { paths } from "./paths.mjs";

/**
 * Warms up (`warmupCalls` calls and at least `warmupMs`), awaits `beforeMeasure()`, then POSTs
 * `body` for `durationMs` (never fewer than `minCalls` calls) from `concurrency` workers.
 * `paired`: per answered request, its latency next to the sum of the answer's own step
 * durations (steps[].durationMs). `cpuUsPerRequest`: the generator's CPU time per measured request.
 * @param {{url: string, body: unknown, concurrency: number, warmupCalls: number, warmupMs: number, durationMs: number, minCalls: number}} job
 * @param {() => Promise<void>} beforeMeasure
 * @returns {Promise<{latenciesUs: number[], paired: {latencyUs: number, innerUs: number}[], elapsedMs: number, errors: number, firstError: string | undefined, cpuUsPerRequest: number}>}
 */
export async function goHttpLoad(job, beforeMeasure) {
  const child = spawn(paths.goHttpLoad, [], { stdio: ["pipe", "pipe", "pipe"] });
  const stderr = [];
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  const exited = new Promise((resolve) => child.on("close", resolve));
  child.on("error", () => undefined); // reported through `exited` below
  child.stdin.on("error", () => undefined); // EPIPE when it died first: reported through `exited` too
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const next = async () => {
    const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: undefined }))]);
    if (line.done) throw new Error(`httpload failed: ${Buffer.concat(stderr).toString().trim() || "no answer"}`);
    return JSON.parse(line.value);
  };
  try {
    child.stdin.write(`${JSON.stringify(job)}\n`);
    await next(); // {"warm": true}
    await beforeMeasure();
    child.stdin.end("measure\n");
    const r = await next();
    return {
      latenciesUs: r.latenciesUs,
      paired: r.paired.map(([latencyUs, innerUs]) => ({ latencyUs, innerUs })),
      elapsedMs: r.elapsedMs,
      errors: r.errors,
      firstError: r.firstError,
      cpuUsPerRequest: r.cpuUs / Math.max(1, r.latenciesUs.length),
    };
  } finally {
    child.kill();
  }
}
