import cluster, { type Worker } from "node:cluster";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { ErrorCode, PolyplugError } from "../errors.js";
import type { PublishedEvent } from "../plugin-api/events.js";
import type { PublicServerStats } from "../surfaces/public-server.js";
import { forwardWorkerLog } from "./worker-log.js";
import type {
  HookCallBatch,
  HookTimeoutReport,
  PluginSnapshot,
  PrimaryMessage,
  WorkerInit,
  WorkerMessage,
} from "./worker-protocol.js";

/** One public-port worker slot, for status and metrics. */
export interface WorkerStatus {
  /** 0-based slot number. */
  readonly index: number;
  /** The current process (undefined between a crash and its restart). */
  readonly pid: number | undefined;
  readonly state: "starting" | "ready" | "restarting" | "stopped";
  /** Unexpected exits of this slot so far (each one was restarted). */
  readonly restarts: number;
  /** How the last unexpected exit looked, e.g. `signal SIGKILL`. */
  readonly lastExit: string | undefined;
  /** Public API calls the current process admitted (as of its last report). */
  readonly calls: number;
}

/** Options of startWorkerPool. */
export interface WorkerPoolOptions {
  /** Worker processes (≥ 2; with 1 the primary serves the public port itself). */
  readonly count: number;
  readonly host: string;
  /** 0: a free port, chosen once by the primary and kept across worker restarts. */
  readonly port: number;
  /** Everything of WorkerInit but the slot and address. */
  readonly init: Omit<WorkerInit, "index" | "host" | "port">;
  /** The current plugin table; pushed to every worker on `refresh()` and to each new worker. */
  snapshot(): PluginSnapshot;
  /** Finished hook calls the workers made (metrics, latency). */
  onHookCalls(batches: readonly HookCallBatch[]): void;
  onHookTimeout(report: HookTimeoutReport): void;
  /** A session answered a hook call in time (clears supervision strikes). */
  onHookAnswered(pluginId: string, sessionKey: string): void;
  readonly logger: Logger;
  /** Start (and restart) timeout of one worker, ms (default 30000). */
  readonly startTimeoutMs?: number;
}

/** The running public-port workers. */
export interface WorkerPool {
  readonly url: string;
  readonly port: number;
  /** Pushes the plugin table to every worker (coalesced: once per tick). */
  refresh(): void;
  /** Hands a plugin's event to every worker's WebSocket hub. */
  publish(event: PublishedEvent): void;
  statuses(): WorkerStatus[];
  /** Every worker's last reported admission counters, summed. */
  stats(): PublicServerStats | undefined;
  /** Asks every worker to stop (graceful close of the public port), SIGKILLs those still running after `timeoutMs`. */
  stop(timeoutMs?: number): Promise<void>;
  /** SIGKILLs every worker. */
  kill(): Promise<void>;
}

/** Restart backoff of a crashed worker: doubles from the base up to the max; reset after a worker ran this long. */
const RESTART_BASE_MS = 100;
const RESTART_MAX_MS = 5_000;
const HEALTHY_AFTER_MS = 30_000;

/** worker-main.js next to this file; from the TypeScript sources (tests), the built one in dist/. */
function workerEntry(): string {
  const here = fileURLToPath(import.meta.url);
  // ../workers/: the same folder from dist/workers/, and dist/'s from the bundled CLI in dist/cli-bundle/.
  const built = fileURLToPath(new URL("../workers/worker-main.js", import.meta.url));
  if (existsSync(built)) return built;
  const fromSources = here.replace(
    /[/\\]src[/\\]workers[/\\][^/\\]+\.ts$/,
    `${path.sep}dist${path.sep}workers${path.sep}worker-main.js`,
  );
  if (existsSync(fromSources)) return fromSources;
  throw new PolyplugError(
    ErrorCode.FailedPrecondition,
    `the worker entry ${built} is missing: build the gateway (npx tsc -p gateway/tsconfig.build.json)`,
  );
}

/** This process's Node flags minus a script given inline (`-e`, `-p`), which workers must not run again. */
function workerExecArgv(): string[] {
  const argv: string[] = [];
  for (let i = 0; i < process.execArgv.length; i++) {
    const arg = process.execArgv[i] as string;
    if (["-e", "--eval", "-p", "--print"].includes(arg)) i++;
    else if (!/^(--eval|--print|--input-type)=/.test(arg) && arg !== "--input-type") argv.push(arg);
  }
  return argv;
}

/** A free port on `host` (the cluster shares one listening socket per host:port; port 0 would be shared by every pool of this process). */
async function freePort(host: string): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => probe.once("error", reject).listen(0, host, () => resolve()));
  const address = probe.address();
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  if (address === null || typeof address === "string")
    throw new PolyplugError(ErrorCode.Internal, `could not pick a free port on ${host}`);
  return address.port;
}

/** Adds numbers field by field (nested objects too); the shape is the first item's. */
function sumStats<T>(items: readonly T[]): T | undefined {
  const [first, ...rest] = items;
  if (first === undefined) return undefined;
  const add = (a: unknown, b: unknown): unknown => {
    if (typeof a === "number" && typeof b === "number") return a + b;
    if (a && b && typeof a === "object" && typeof b === "object")
      return Object.fromEntries(Object.entries(a).map(([k, v]) => [k, add(v, (b as Record<string, unknown>)[k])]));
    return a;
  };
  return rest.reduce<T>((sum, item) => add(sum, item) as T, first);
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  state: WorkerStatus["state"];
  restarts: number;
  lastExit: string | undefined;
  startedAt: number;
  stats: PublicServerStats | undefined;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Forks `count` worker processes (node:cluster) that serve the public port on one shared
 * listening socket (the primary accepts and hands connections out round-robin) with their own
 * dispatchers and plugin connections. Supervision stays here: workers get the plugin table on
 * every change and report hook calls and deadline misses back. A worker that exits
 * unexpectedly is logged and started again with backoff. Resolves when every worker listens;
 * rejects (stopping the others) when one cannot start.
 */
export async function startWorkerPool(options: WorkerPoolOptions): Promise<WorkerPool> {
  const { logger } = options;
  const exec = workerEntry();
  const port = options.port === 0 ? await freePort(options.host) : options.port;
  const startTimeoutMs = options.startTimeoutMs ?? 30_000;
  const slots: Slot[] = Array.from({ length: options.count }, (_, index) => ({
    index,
    worker: undefined,
    state: "starting",
    restarts: 0,
    lastExit: undefined,
    startedAt: 0,
    stats: undefined,
    timer: undefined,
  }));
  let stopping = false;

  const send = (worker: Worker | undefined, message: PrimaryMessage) => {
    if (worker?.isConnected()) worker.send(message);
  };

  const onMessage = (slot: Slot, message: WorkerMessage) => {
    switch (message.type) {
      case "report":
        slot.stats = message.stats;
        if (message.calls.length > 0) options.onHookCalls(message.calls);
        for (const { pluginId, sessionKey } of message.answered) options.onHookAnswered(pluginId, sessionKey);
        return;
      case "hook-timeout":
        options.onHookTimeout(message.report);
        return;
      case "log":
        forwardWorkerLog(logger, message.line);
        return;
      default:
        return;
    }
  };

  /** Forks the slot's process; resolves when it listens, rejects when it fails before. */
  const fork = (slot: Slot): Promise<void> => {
    cluster.setupPrimary({ exec, args: [], execArgv: workerExecArgv(), serialization: "advanced" });
    const worker = cluster.fork({ POLYPLUG_WORKER_INDEX: String(slot.index) });
    slot.worker = worker;
    slot.startedAt = Date.now();
    slot.stats = undefined;
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new PolyplugError(
            ErrorCode.Unavailable,
            `public-port worker ${slot.index} did not start within ${startTimeoutMs} ms`,
          ),
        );
        // A hung start counts as a crash: killed, it is restarted with backoff (or, at start-up, the gateway fails).
        worker.process.kill("SIGKILL");
      }, startTimeoutMs);
      worker.on("message", (message: WorkerMessage) => {
        if (message.type === "loaded") {
          send(worker, { type: "init", init: { ...options.init, index: slot.index, host: options.host, port } });
          send(worker, { type: "plugins", snapshot: options.snapshot() });
        } else if (message.type === "ready") {
          clearTimeout(timer);
          slot.state = "ready";
          logger.info({ worker: slot.index, pid: worker.process.pid }, "public-port worker ready");
          resolve();
        } else if (message.type === "failed") {
          clearTimeout(timer);
          reject(
            new PolyplugError(
              ErrorCode.Unavailable,
              `public-port worker ${slot.index} could not start: ${message.message}`,
            ),
          );
        } else onMessage(slot, message);
      });
      worker.once("exit", () => {
        clearTimeout(timer);
        reject(new PolyplugError(ErrorCode.Unavailable, `public-port worker ${slot.index} exited while starting`));
      });
    });
    worker.once("exit", (code, signal) => onExit(slot, worker, code, signal));
    return ready;
  };

  const onExit = (slot: Slot, worker: Worker, code: number | null, signal: string | null) => {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    slot.stats = undefined;
    if (stopping) {
      slot.state = "stopped";
      return;
    }
    const ranMs = Date.now() - slot.startedAt;
    if (ranMs > HEALTHY_AFTER_MS) slot.restarts = 0;
    slot.restarts++;
    slot.lastExit = signal ? `signal ${signal}` : `exit code ${code}`;
    slot.state = "restarting";
    const delay = Math.min(RESTART_MAX_MS, RESTART_BASE_MS * 2 ** Math.min(10, slot.restarts - 1));
    logger.error(
      { worker: slot.index, pid: worker.process.pid, exit: slot.lastExit, restarts: slot.restarts, restartInMs: delay },
      `public-port worker ${slot.index} exited unexpectedly (${slot.lastExit}); starting it again`,
    );
    slot.timer = setTimeout(() => {
      slot.timer = undefined;
      if (stopping) return;
      slot.state = "starting";
      fork(slot).catch((error: unknown) =>
        logger.error(
          { worker: slot.index, err: PolyplugError.from(error).message },
          "public-port worker restart failed",
        ),
      );
    }, delay);
  };

  let pending = false;
  const refresh = () => {
    if (pending) return;
    pending = true;
    queueMicrotask(() => {
      pending = false;
      const snapshot = options.snapshot();
      for (const slot of slots) send(slot.worker, { type: "plugins", snapshot });
    });
  };

  const stop = async (timeoutMs = 10_000): Promise<void> => {
    stopping = true;
    await Promise.all(
      slots.map(async (slot) => {
        clearTimeout(slot.timer);
        const worker = slot.worker;
        if (!worker || worker.isDead()) {
          slot.state = "stopped";
          return;
        }
        const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
        send(worker, { type: "stop" });
        const timer = setTimeout(() => worker.process.kill("SIGKILL"), timeoutMs);
        await exited;
        clearTimeout(timer);
      }),
    );
  };

  const pool: WorkerPool = {
    url: `http://${options.host.includes(":") ? `[${options.host}]` : options.host}:${port}`,
    port,
    refresh,
    publish(event) {
      for (const slot of slots) send(slot.worker, { type: "event", event });
    },
    statuses: () =>
      slots.map((slot) => ({
        index: slot.index,
        pid: slot.worker?.process.pid,
        state: slot.state,
        restarts: slot.restarts,
        lastExit: slot.lastExit,
        calls: slot.stats?.calls.admitted ?? 0,
      })),
    stats: () => sumStats(slots.flatMap((slot) => (slot.stats ? [slot.stats] : []))),
    stop,
    kill: async () => {
      stopping = true;
      await Promise.all(
        slots.map(async (slot) => {
          clearTimeout(slot.timer);
          const worker = slot.worker;
          if (!worker || worker.isDead()) return;
          const exited = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
          worker.process.kill("SIGKILL");
          await exited;
        }),
      );
    },
  };
  try {
    await Promise.all(slots.map((slot) => fork(slot)));
  } catch (error) {
    await pool.kill();
    throw error;
  }
  return pool;
}
