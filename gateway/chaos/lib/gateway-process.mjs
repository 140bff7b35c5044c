// Starts `polyplug serve` (the real CLI, built in gateway/dist) as a child process on
// loopback ports chosen by the OS, and watches it: exit (expected or a crash), RSS peak.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const gatewayDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const cli = path.join(gatewayDir, "bin", "polyplug.js");

/** Resident set size of `pid` in bytes (0 when it is gone). */
export function rssOf(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * Starts the gateway with `configFile`; socket dirs go to `tmpDir` (TMPDIR). Resolves once
 * it printed its public URL, with { url, adminUrl, pid, exited, stop(), kill9(), rssPeak() }.
 * `onCrash(code, signal)` is called when it exits without being asked to.
 */
export async function startGateway({ configFile, tmpDir, logFile, onCrash }) {
  const child = spawn(process.execPath, [cli, "serve", "--config", configFile], {
    env: { ...process.env, TMPDIR: tmpDir, NO_COLOR: "1", FORCE_COLOR: "0" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  let asked = false;
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssOf(child.pid))), 100);
  const exited = new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      clearInterval(sampler);
      if (!asked) onCrash?.(code, signal, stderr.slice(-4000));
      resolve({ code, signal });
    }),
  );
  child.stderr.on("data", (chunk) => {
    stderr += chunk;
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
    logFile?.write(chunk);
  });
  const urls = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`the gateway did not start within 90 s:\n${stderr.slice(-3000)}`)),
      90_000,
    );
    const look = () => {
      const url = /gateway listening on (http:\/\/[\d.:[\]]+)/.exec(stderr)?.[1];
      const adminUrl = /admin API\s+(http:\/\/[\d.:[\]]+)/.exec(stderr)?.[1];
      if (url && adminUrl) {
        clearTimeout(timer);
        child.stderr.off("data", look);
        resolve({ url, adminUrl });
      }
    };
    child.stderr.on("data", look);
    void exited.then(() => reject(new Error(`the gateway exited during start:\n${stderr.slice(-3000)}`)));
  });
  return {
    ...urls,
    pid: child.pid,
    exited,
    rssPeak: () => Math.max(peak, rssOf(child.pid)),
    /** SIGTERM; resolves with { exitedWithinMs } or { exitedWithinMs: undefined } after `boundMs` (then SIGKILL). */
    async stop(boundMs) {
      asked = true;
      const t0 = Date.now();
      child.kill("SIGTERM");
      const timer = new Promise((resolve) => setTimeout(() => resolve("timeout"), boundMs));
      const outcome = await Promise.race([exited, timer]);
      if (outcome === "timeout") {
        child.kill("SIGKILL");
        await exited;
        return { exitedWithinMs: undefined };
      }
      return { exitedWithinMs: Date.now() - t0 };
    },
    async kill9() {
      asked = true;
      child.kill("SIGKILL");
      await exited;
    },
  };
}
