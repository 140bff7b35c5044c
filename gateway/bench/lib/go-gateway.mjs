// Starts the Go baseline gateway (examples-go/bench/gogateway) on a plugins folder, with
// the same handle as a Polyplug gateway process (lib/gateway-process.mjs), so a suite
// measures both through the same code.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { paths } from "./paths.mjs";
import { procCpuTimes, procRss } from "./proc.mjs";

/**
 * Resolves when the Go gateway has started every plugin in `pluginsDir` and listens.
 * @param {string} pluginsDir
 * @returns {Promise<import("./gateway-process.mjs").GatewayProcess>}
 */
export async function startGoGateway(pluginsDir) {
  const child = spawn(paths.goGateway, ["-plugins", pluginsDir, "-listen", "127.0.0.1:0"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr = [];
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  child.on("error", (error) => stderr.push(Buffer.from(`${String(error)} (built by lib/prepare.mjs)`)));
  const exited = new Promise((resolve) => child.on("close", resolve));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const line = await Promise.race([lines.next(), exited.then(() => ({ done: true, value: undefined }))]);
  if (line.done) throw new Error(`gogateway exited: ${Buffer.concat(stderr).toString().trim()}`);
  const { url, pid } = JSON.parse(line.value);
  const cpuTimes = async () => procCpuTimes(pid);
  return {
    url,
    referenceUrl: undefined,
    pid,
    cpuTimes,
    cpuUs: async () => {
      const { userUs, systemUs } = procCpuTimes(pid);
      return userUs + systemUs;
    },
    rss: async () => procRss(pid),
    stop: async () => {
      child.kill("SIGTERM");
      await exited;
    },
  };
}
