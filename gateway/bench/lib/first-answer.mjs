// Gateway start → first correct answer: spawn a gateway process (Polyplug's `serve` or the
// Go baseline) on a plugins folder, POST the public Intercept until an answer comes back
// in which every plugin of the chain proceeded, and time it. Both gateways are polled the
// same way, so the polling cost is the same on both sides.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import http from "node:http";
import net from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { CHAIN_TOPIC } from "./chain-plugins.mjs";
import { paths } from "./paths.mjs";

const POLL_MS = 5;
const GIVE_UP_MS = 60_000;

/** A free TCP port on 127.0.0.1 (closed again; the gateway binds it right after). */
async function freePort() {
  const server = net.createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = /** @type {net.AddressInfo} */ (server.address());
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** One POST on a fresh connection; the parsed answer, or undefined when it is not (yet) a 200. @param {string} url */
function tryIntercept(url) {
  const body = JSON.stringify({ topic: CHAIN_TOPIC, payload: { message: "hello" } });
  return new Promise((resolve) => {
    const req = http.request(
      url,
      {
        method: "POST",
        agent: false,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) },
      },
      (res) => {
        const chunks = [];
        res.on("data", (chunk) => chunks.push(chunk));
        res.on("end", () => {
          try {
            resolve(res.statusCode === 200 ? JSON.parse(Buffer.concat(chunks).toString()) : undefined);
          } catch {
            resolve(undefined);
          }
        });
        res.on("error", () => resolve(undefined));
      },
    );
    req.on("error", () => resolve(undefined));
    req.end(body);
  });
}

/** Correct: allowed, and each of the `plugins` plugins proceeded (none skipped as not ready). @param {any} json @param {number} plugins */
function isCorrect(json, plugins) {
  return (
    json?.allowed === true &&
    json.steps?.length === plugins &&
    json.steps.every((s) => s.outcome === "CHAIN_STEP_OUTCOME_PROCEED")
  );
}

/**
 * The argv of each gateway for a plugins folder and port.
 * polyplug: `polyplug serve` as an operator runs it, AutoMTLS and the sandbox off (the Go
 * baseline has neither), its own data folder, quiet logs.
 * @type {Record<Gateway, (pluginsDir: string, port: number, dataDir: string) => string[]>}
 */
const COMMANDS = {
  polyplug: (pluginsDir, port, dataDir) => [
    process.execPath,
    paths.cli,
    "serve",
    "--plugins",
    pluginsDir,
    "--listen",
    `127.0.0.1:${port}`,
    "--admin-listen",
    "127.0.0.1:0",
    "--data",
    dataDir,
    "--no-automtls",
    "--sandbox",
    "off",
    "--log-level",
    "error",
    "--log-format",
    "json",
  ],
  go: (pluginsDir, port) => [paths.goGateway, "-plugins", pluginsDir, "-listen", `127.0.0.1:${port}`],
  // The least a Node 20 gateway can do on the same plugins (../node-floor-gateway.mjs).
  "node-floor": (pluginsDir, port) => [
    process.execPath,
    path.join(paths.bench, "node-floor-gateway.mjs"),
    pluginsDir,
    `127.0.0.1:${port}`,
  ],
};
// `polyplug serve` from dist/'s ESM modules instead of the bundled CLI (what the bundle buys).
COMMANDS["polyplug-modules"] = COMMANDS.polyplug;
const ENV = { "polyplug-modules": { POLYPLUG_BUNDLE: "0" } };

/** CPU time (user + system, ms) a process has used so far, from /proc; undefined elsewhere or once it is gone. @param {number | undefined} pid */
function cpuMsOf(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? [];
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // clock ticks: 100 per second on Linux
  } catch {
    return undefined;
  }
}

/** @typedef {"polyplug" | "polyplug-modules" | "go" | "node-floor"} Gateway */

/**
 * @typedef {object} FirstAnswer
 * @property {number} ms  from spawning the gateway to the first correct answer
 * @property {number | undefined} cpuMs  the gateway process's CPU time at that moment (Linux): steadier than wall time on a busy machine
 * @property {Record<string, number> | undefined} steps  Polyplug only: ms since its process started at which each step of its start was reached ($POLYPLUG_START_TIMELINE)
 */

/**
 * One start: spawn to the first correct Intercept answer.
 * @param {Gateway} which
 * @param {string} pluginsDir  a folder of `plugins` chain plugins (lib/chain-plugins.mjs)
 * @param {number} plugins
 * @param {{ dataDir?: string, cli?: string }} [options]  dataDir: Polyplug's data folder, kept
 *   (a restart on the store a previous start made) instead of a fresh one removed afterwards;
 *   cli: another build's bin/polyplug.js (A/B runs)
 * @returns {Promise<FirstAnswer>}
 */
export async function firstAnswer(which, pluginsDir, plugins, options = {}) {
  const port = await freePort();
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), "polyplug-bench-serve-"));
  const [cmd, ...args] = COMMANDS[which](pluginsDir, port, dataDir);
  if (options.cli !== undefined && which.startsWith("polyplug")) args[0] = options.cli;
  const url = `http://127.0.0.1:${port}/polyplug.v1.Gateway/Intercept`;
  const t0 = performance.now();
  const timeline = path.join(dataDir, `start-timeline-${port}.json`);
  const polyplug = which.startsWith("polyplug");
  const env = { ...process.env, ...ENV[which], ...(polyplug ? { POLYPLUG_START_TIMELINE: timeline } : {}) };
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"], env });
  const stderr = [];
  child.stderr.on("data", (chunk) => stderr.push(chunk));
  let exitCode;
  child.on("error", (error) => stderr.push(Buffer.from(String(error))));
  const exited = new Promise((resolve) =>
    child.on("close", (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  let answered;
  let steps;
  try {
    for (;;) {
      if (isCorrect(await tryIntercept(url), plugins)) {
        answered = { ms: performance.now() - t0, cpuMs: cpuMsOf(child.pid) };
        break;
      }
      if (exitCode !== undefined)
        throw new Error(
          `${which} gateway exited (${exitCode}) before answering: ${Buffer.concat(stderr).toString().trim().slice(-500)}`,
        );
      if (performance.now() - t0 > GIVE_UP_MS)
        throw new Error(`${which} gateway gave no correct answer within ${GIVE_UP_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  } finally {
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
    steps = polyplug ? readSteps(timeline) : undefined;
    if (options.dataDir === undefined) rmSync(dataDir, { recursive: true, force: true });
    else rmSync(timeline, { force: true });
  }
  return { ...answered, steps };
}

/**
 * Bare Node's start and exit (`node -e 0`), the floor under any Node gateway: wall time from
 * spawn to exit (its CPU cannot be read from /proc once it is gone).
 * @returns {Promise<{ ms: number }>}
 */
export async function bareNode() {
  const t0 = performance.now();
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  const code = await new Promise((resolve) => child.on("close", resolve));
  if (code !== 0) throw new Error(`node -e 0 exited (${code})`);
  return { ms: performance.now() - t0 };
}

/** The steps bin/polyplug.js wrote at exit (absent when the process died before it could). @param {string} file */
function readSteps(file) {
  try {
    const { nodeBootstrapped, steps } = JSON.parse(readFileSync(file, "utf8"));
    return { "node-bootstrapped": nodeBootstrapped, ...Object.fromEntries(steps) };
  } catch {
    return undefined;
  }
}
