// The least a Node 20 gateway process weighs on this machine (issue 17 row 8's floor): a `node`
// that loaded nothing, and one that loaded the Node built-ins the gateway loads, each idle after
// a garbage collection — measured in the same run as the gateway, so the report says what part
// of its RSS any Node process pays before the first line of Polyplug runs.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { procAnonymousBytes, procRss } from "./proc.mjs";

/** The public Node built-ins `createGateway` has loaded once started (`process.moduleLoadList`, 2026-12-03). */
export const GATEWAY_BUILTINS = [
  "events",
  "buffer",
  "path",
  "querystring",
  "async_hooks",
  "timers",
  "util",
  "fs",
  "url",
  "string_decoder",
  "stream",
  "os",
  "diagnostics_channel",
  "assert",
  "worker_threads",
  "module",
  "crypto",
  "perf_hooks",
  "v8",
  "vm",
  "net",
  "dgram",
  "child_process",
  "http",
  "tls",
  "https",
  "zlib",
  "http2",
  "dns",
  "cluster",
];

// Imports each built-in named in argv[1] through the ESM loader (as the gateway does), collects garbage, says so, then idles.
const IDLE = `for (const name of (process.argv[1] ?? "").split(" ").filter(Boolean)) await import("node:" + name);
globalThis.gc(); await new Promise((r) => setTimeout(r, 20)); globalThis.gc();
console.log("ready"); setInterval(() => {}, 3_600_000);`;

/**
 * RSS and anonymous memory of an idle `node` that imported `builtins` (none: bare Node), read
 * from /proc 200 ms after its collections.
 * @param {readonly string[]} builtins
 * @returns {Promise<{rssBytes: number, anonBytes: number}>}
 */
async function idleNodeMemory(builtins) {
  const child = spawn(process.execPath, ["--expose-gc", "--input-type=module", "-e", IDLE, builtins.join(" ")], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  try {
    await once(child.stdout, "data");
    await new Promise((resolve) => setTimeout(resolve, 200));
    if (child.pid === undefined) throw new Error("the Node floor process did not start");
    return { rssBytes: procRss(child.pid), anonBytes: procAnonymousBytes(child.pid) };
  } finally {
    child.kill();
  }
}

/** Bare Node and Node with the gateway's built-ins, idle. */
export async function nodeFloor() {
  return { bare: await idleNodeMemory([]), builtins: await idleNodeMemory(GATEWAY_BUILTINS) };
}
