import { z } from "zod";

/**
 * Supervision numbers. This is their one list: `polyplug serve`'s `policy:` config and
 * GatewayOptions.policy override any of them (serve-config.ts takes its schema from here).
 * Every value is an integer; durations are in milliseconds.
 */
export interface SupervisionPolicy {
  /** How often an active plugin's health is checked (gRPC health, service `plugin`). Default 30 000 ms; at least 1. */
  readonly healthIntervalMs: number;
  /** Limit for one health check call; past it the check counts as failed. Default 5 000 ms; at least 1. */
  readonly healthTimeoutMs: number;
  /**
   * Consecutive failed checks (or hook calls past their deadline while the health check also
   * fails) that make a plugin unhealthy and restart it. Default 3; at least 1.
   */
  readonly unhealthyAfter: number;
  /** First restart delay; doubles with every failure in the crash-loop window, up to `restartMaxMs`. Default 1 000 ms; at least 1. */
  readonly restartBaseMs: number;
  /** Longest restart delay. Default 60 000 ms; at least 1. */
  readonly restartMaxMs: number;
  /** More than this many failures within `crashLoopWindowMs` park the plugin in `failed` until an operator acts. Default 3; at least 0 (0: the first failure parks it). */
  readonly crashLoopFailures: number;
  /** The sliding window failures are counted in. Default 3 600 000 ms (60 min); at least 1. */
  readonly crashLoopWindowMs: number;
  /** Spawn-to-handshake limit of each start (StartPluginOptions.startTimeoutMs). Default 60 000 ms; at least 1. */
  readonly startTimeoutMs: number;
  /** Limit for each of Describe and Activate at start (each call gets the whole limit). Default 30 000 ms; at least 1. */
  readonly activateTimeoutMs: number;
  /** Limit for Deactivate when stopping; after it the process is shut down regardless. Default 10 000 ms; at least 1. */
  readonly deactivateTimeoutMs: number;
}

/** Defaults: Mattermost's crash-loop rule (3 failures in 60 min), with backoff and hang detection added. */
export const DEFAULT_SUPERVISION_POLICY: SupervisionPolicy = {
  healthIntervalMs: 30_000,
  healthTimeoutMs: 5_000,
  unhealthyAfter: 3,
  restartBaseMs: 1_000,
  restartMaxMs: 60_000,
  crashLoopFailures: 3,
  crashLoopWindowMs: 60 * 60_000,
  startTimeoutMs: 60_000,
  activateTimeoutMs: 30_000,
  deactivateTimeoutMs: 10_000,
};

/** The bounds of SupervisionPolicy's fields (documented above), for configuration parsers. */
export const supervisionPolicySchema = z
  .object({
    healthIntervalMs: z.number().int().positive(),
    healthTimeoutMs: z.number().int().positive(),
    unhealthyAfter: z.number().int().positive(),
    restartBaseMs: z.number().int().positive(),
    restartMaxMs: z.number().int().positive(),
    crashLoopFailures: z.number().int().nonnegative(),
    crashLoopWindowMs: z.number().int().positive(),
    startTimeoutMs: z.number().int().positive(),
    activateTimeoutMs: z.number().int().positive(),
    deactivateTimeoutMs: z.number().int().positive(),
  })
  .strict() satisfies z.ZodType<SupervisionPolicy>;

/** Delay before restart number `failuresInWindow` (1 = first failure). */
export function restartDelayMs(policy: SupervisionPolicy, failuresInWindow: number): number {
  return Math.min(policy.restartMaxMs, policy.restartBaseMs * 2 ** Math.max(0, failuresInWindow - 1));
}

/** Keeps failure times and says when they amount to a crash loop. */
export class FailureWindow {
  private readonly times: number[] = [];
  constructor(private readonly policy: SupervisionPolicy) {}

  /** Records a failure at `now`; returns how many failures are in the window. */
  record(now: number): number {
    this.times.push(now);
    while (this.times.length > 0 && (this.times[0] ?? now) <= now - this.policy.crashLoopWindowMs) this.times.shift();
    return this.times.length;
  }

  /** Failures within the window ending at `now`. */
  count(now: number): number {
    return this.times.filter((time) => time > now - this.policy.crashLoopWindowMs).length;
  }

  isCrashLoop(): boolean {
    return this.times.length > this.policy.crashLoopFailures;
  }

  reset(): void {
    this.times.length = 0;
  }
}
