#!/usr/bin/env node
// `npm run chaos [-- --duration S] [--short] [--out DIR] [--assert]`: a bounded chaos run
// against a real `polyplug serve` on loopback (gateway/chaos/README.md). Intercept calls at a
// fixed rate while the fail-closed Go word filter is SIGKILLed and SIGSTOPped, a hostile
// plugin floods, answers garbage, hangs, forks children and exits, HTTP/2 stream bursts,
// rapid resets and slow bodies hit the public port, and the gateway itself is killed with
// -9 and restarted (acknowledged KV writes must survive). Ends with SIGTERM and counts what
// was left behind. Writes latest.json / latest.md to --out (default gateway/chaos/results;
// --short: a temp folder) and prints the figures. Exit code: 1 with --assert when a zero
// figure is not zero, 2 on a bad command line, 3 when the run itself broke.
import { cpSync, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { h2Burst, rapidReset, slowBodies } from "./lib/attacks.mjs";
import { startGateway } from "./lib/gateway-process.mjs";
import { Worker } from "node:worker_threads";
import { CALL_DEADLINE_MS, chaosCommand } from "./lib/load.mjs";
import { entriesBelow, pidsMatching, signalAll } from "./lib/processes.mjs";
import { checksOf, writeReport } from "./lib/report.mjs";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..", "..");
const HOSTILE_ID = "com.polyplug.chaos.hostile";
const SHUTDOWN_BOUND_MS = 20_000;

function parseArgs(argv) {
  const args = { short: false, duration: undefined, out: undefined, assert: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--short") args.short = true;
    else if (arg === "--assert") args.assert = true;
    else if (arg === "--duration") args.duration = Number(argv[++i]);
    else if (arg === "--out") args.out = argv[++i];
    else throw new Error(`unknown option ${arg}; use --duration S, --short, --out DIR, --assert`);
  }
  if (args.duration !== undefined && !(args.duration >= 5 && args.duration <= 3600))
    throw new Error("--duration must be 5..3600 seconds");
  return args;
}

let args;
try {
  args = parseArgs(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(2);
}
const durationS = args.duration ?? (args.short ? 10 : 60);
const scale = args.short
  ? { rate: 25, burst: 500, resets: 5000, slow: 150, stopMs: 1200, floodMs: 800 }
  : { rate: 40, burst: 4000, resets: 20000, slow: 1000, stopMs: 3000, floodMs: 2000 };
const outDir =
  args.out ??
  (args.short ? mkdtempSync(path.join(os.tmpdir(), "polyplug-chaos-results-")) : path.join(here, "results"));
const log = (message) => process.stderr.write(`chaos: ${message}\n`);

// Everything of this run lives below `root`; its path is the marker of its processes.
const root = mkdtempSync(path.join(os.tmpdir(), "polyplug-chaos-"));
const plugins = path.join(root, "plugins");
function preparePlugins() {
  const source = path.join(repo, "examples-go", "plugins", "wordfilter");
  const wordfilter = path.join(plugins, "wordfilter");
  mkdirSync(path.join(wordfilter, "bin"), { recursive: true });
  cpSync(path.join(source, "bin", "wordfilter"), path.join(wordfilter, "bin", "wordfilter"));
  // The manifest suggests fail-open; the operator's failurePolicy (writeConfig) makes it closed.
  cpSync(path.join(source, "plugin.json"), path.join(wordfilter, "plugin.json"));
  const hostile = path.join(plugins, "hostile");
  mkdirSync(hostile);
  writeFileSync(
    path.join(hostile, "plugin.json"),
    JSON.stringify({
      id: HOSTILE_ID,
      name: "Hostile (chaos suite)",
      version: "0.1.0",
      command: ["node", path.join(here, "plugins", "hostile", "plugin.mjs"), "--run", root],
      hooks: {
        intercept: [{ topic: "message.will_be_posted", priority: 50, timeoutMs: 500, onFailure: "open" }],
        commandTimeoutMs: 3000,
      },
      // Its script and the SDK it imports live in the repository, outside its folder: the
      // sandbox mounts them read-only. KV for the acknowledged writes.
      permissions: {
        api: ["log", "config", "kv"],
        readPaths: [path.join(repo, "gateway"), path.join(repo, "node_modules")],
      },
    }),
  );
}

function writeConfig() {
  const file = path.join(root, "polyplug.yaml");
  writeFileSync(
    file,
    [
      "listen: 127.0.0.1:0",
      "adminListen: 127.0.0.1:0",
      `pluginsDirs: [${JSON.stringify(plugins)}]`,
      `dataDir: ${JSON.stringify(path.join(root, "data"))}`,
      "logLevel: info",
      "policy: { healthIntervalMs: 1000, healthTimeoutMs: 500, unhealthyAfter: 3, restartBaseMs: 200, restartMaxMs: 2000, crashLoopFailures: 50, crashLoopWindowMs: 60000, deactivateTimeoutMs: 1000, activateTimeoutMs: 5000 }",
      "limits: { headersTimeoutMs: 2000, requestTimeoutMs: 3000 }",
      "failurePolicy: { plugins: { com.polyplug.example.wordfilter: closed } }",
      "",
    ].join("\n"),
  );
  return file;
}

const wordfilterPids = () => pidsMatching(path.join(plugins, "wordfilter", "bin", "wordfilter"));
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** `chaos <args>` on the hostile plugin, retried for a few seconds while it is restarting (not_found / unavailable). */
async function hostile(url, ...commandArgs) {
  const deadline = Date.now() + (args.short ? 1500 : 5000);
  for (let attempt = 1; ; attempt++) {
    const answer = await chaosCommand(url, ...commandArgs);
    const code = answer.json?.code;
    if (answer.status === 200 || Date.now() > deadline || (code !== "not_found" && code !== "unavailable")) {
      return { attempt, status: answer.status, answer: answer.json?.text ?? code ?? answer.error };
    }
    await sleep(200);
  }
}

async function main() {
  preparePlugins();
  const configFile = writeConfig();
  const logFile = createWriteStream(path.join(root, "gateway.log"));
  let crashes = 0;
  const onCrash = (code, signal, tail) => {
    crashes++;
    log(`the gateway crashed (exit ${code ?? signal}); last log lines:\n${tail.split("\n").slice(-10).join("\n")}`);
  };
  let instance = 1;
  const start = () =>
    startGateway({
      configFile,
      tmpDir: mkdirSync(path.join(root, `tmp-${instance}`), { recursive: true }) ?? path.join(root, `tmp-${instance}`),
      logFile,
      onCrash,
    });
  log(`starting polyplug serve in ${root}`);
  let gateway = await start();
  let url = gateway.url;
  let rssPeak = 0;
  log(`gateway at ${url}; ${durationS} s of load at ${scale.rate} calls/s`);

  const events = [];
  const t0 = Date.now();
  const at = async (fraction) => {
    const wait = t0 + fraction * durationS * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
  };
  // No event may hold the run up: each gets a bound, then the run goes on.
  const eventBoundMs = args.short ? 20_000 : 60_000;
  const event = async (name, action) => {
    const atS = (Date.now() - t0) / 1000;
    let outcome;
    try {
      let timer;
      const bound = new Promise(
        (resolve) => (timer = setTimeout(() => resolve({ unfinishedAfterMs: eventBoundMs }), eventBoundMs)),
      );
      outcome = await Promise.race([action(), bound]);
      clearTimeout(timer);
    } catch (error) {
      outcome = { error: error instanceof Error ? error.message : String(error) };
    }
    events.push({ atS, name, outcome });
    log(`${atS.toFixed(1)} s ${name}: ${JSON.stringify(outcome)}`);
  };

  const load = new Worker(path.join(here, "lib", "load-worker.mjs"), {
    workerData: { url, rate: scale.rate, kvIntervalMs: args.short ? 50 : 100 },
  });
  const fromLoad = (type) =>
    new Promise((resolve) => load.on("message", (message) => message.type === type && resolve(message)));
  const background = [];

  await at(0.08);
  await event("SIGKILL the word filter", () => ({ killed: signalAll(wordfilterPids(), "SIGKILL") }));
  await at(0.14);
  await event("hostile plugin answers garbage", async () => hostile(url, "garbage"));
  await at(0.22);
  await event("hostile plugin back to normal", async () => hostile(url, "normal"));
  await event(`SIGSTOP the word filter for ${scale.stopMs} ms`, async () => {
    const pids = wordfilterPids();
    signalAll(pids, "SIGSTOP");
    await sleep(scale.stopMs);
    return { stopped: signalAll(pids, "SIGCONT") };
  });
  await at(0.3);
  await event(`hostile plugin floods stdout/stderr for ${scale.floodMs} ms`, async () =>
    hostile(url, "flood", scale.floodMs),
  );
  await at(0.36);
  await event(
    `burst of ${scale.burst} HTTP/2 streams on one connection, ${scale.resets} rapid resets on another`,
    async () => {
      const [burst, resets] = await Promise.all([h2Burst(url, scale.burst), rapidReset(url, scale.resets)]);
      rssPeak = Math.max(rssPeak, gateway.rssPeak());
      return { burst: burst.statuses, resets };
    },
  );
  await at(0.44);
  background.push(event(`${scale.slow} slow-body connections`, () => slowBodies(url, scale.slow, 10_000)));
  await at(0.5);
  await event("hostile plugin forks 3 children and exits", async () => {
    return hostile(url, "fork-exit", 3);
  });
  await at(0.58);
  await event("hostile plugin hangs its Intercept", async () => hostile(url, "hang"));
  await at(0.64);
  await event("hostile plugin back to normal; SIGKILL the word filter", async () => ({
    command: await hostile(url, "normal"),
    killed: signalAll(wordfilterPids(), "SIGKILL"),
  }));
  await at(0.68);
  await event("hostile plugin blocks its event loop for 2 s", async () => hostile(url, "busy", 2000));
  await Promise.all(background.splice(0));

  await at(0.76);
  rssPeak = Math.max(rssPeak, gateway.rssPeak());
  let kvFigures = { acked: 0, lost: 0, missing: [] };
  await event("kill -9 the gateway; check the acknowledged KV writes; start it again", async () => {
    // The writer's in-flight write may or may not land; only acknowledged ones are promised.
    url = undefined;
    const ackedBeforeKill = fromLoad("acked");
    load.postMessage({ type: "cutting" });
    const promised = new Map((await ackedBeforeKill).acked);
    await gateway.kill9();
    const db = new Database(path.join(root, "data", "polyplug.db"), { readonly: true });
    const rows = db.prepare("SELECT key, value FROM kv WHERE namespace = ?").all(HOSTILE_ID);
    db.close();
    const stored = new Map(rows.map((row) => [row.key, Buffer.from(row.value).toString("utf8")]));
    const missing = [...promised].filter(([key, value]) => stored.get(key) !== value).map(([key]) => key);
    kvFigures = { acked: promised.size, lost: missing.length, missing: missing.slice(0, 10) };
    instance++;
    gateway = await start();
    url = gateway.url;
    load.postMessage({ type: "target", url });
    return { ...kvFigures, restartedAt: url };
  });

  await at(1);
  const stoppedLoad = fromLoad("figures");
  load.postMessage({ type: "stop" });
  const loadFigures = (await stoppedLoad).figures;
  await load.terminate();
  rssPeak = Math.max(rssPeak, gateway.rssPeak());
  log("SIGTERM the gateway");
  const stopped = await gateway.stop(SHUTDOWN_BOUND_MS);
  // Plugins orphaned by the kill -9 watch their parent and exit on their own: give them, and
  // anything the gateway stopped, a moment before counting.
  let left = [];
  for (let waited = 0; waited <= 5000; waited += 250) {
    left = pidsMatching(root);
    if (left.length === 0) break;
    await sleep(250);
  }
  const leftDescribed = left.map((pid) => {
    try {
      return `${pid}: ${readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ").slice(0, 160)}`;
    } catch {
      return String(pid);
    }
  });
  signalAll(left, "SIGKILL");
  const socketsLeft = entriesBelow(path.join(root, `tmp-${instance}`));

  loadFigures.deadlineMs = CALL_DEADLINE_MS;
  loadFigures.typedInTimePct = loadFigures.sent ? (100 * loadFigures.typedInTime) / loadFigures.sent : 0;
  const figures = {
    load: loadFigures,
    gatewayCrashes: crashes,
    kv: kvFigures,
    shutdown: {
      exitedWithinMs: stopped.exitedWithinMs,
      processesLeft: left.length,
      socketsLeft: socketsLeft.length,
      left: [...leftDescribed, ...socketsLeft.map((entry) => path.relative(root, entry))],
    },
    rssPeakMb: Math.round(rssPeak / 2 ** 20),
  };
  const run = {
    startedAt: new Date(t0).toISOString(),
    durationS: (Date.now() - t0) / 1000,
    short: args.short,
    rate: scale.rate,
    machine: `${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, Node ${process.version}`,
    figures,
    checks: checksOf(figures),
    events,
  };
  const md = writeReport(outDir, run);
  process.stdout.write(`${md}\n`);
  log(`results: ${path.join(outDir, "latest.md")} and latest.json; gateway log: ${path.join(root, "gateway.log")}`);
  return run;
}

let run;
try {
  run = await main();
} catch (error) {
  log(`the run broke: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  signalAll(pidsMatching(root), "SIGKILL");
  process.exit(3);
}
const failed = run.checks.filter((check) => check.zero && !check.ok);
if (failed.length === 0) rmSync(root, { recursive: true, force: true });
process.exit(args.assert && failed.length > 0 ? 1 : 0);
