/** Supervision numbers; every one can be overridden in the gateway config. */
export interface SupervisionPolicy {
  /** How often an active plugin's health is checked. */
  readonly healthIntervalMs: number;
  /** Limit for one health check call. */
  readonly healthTimeoutMs: number;
  /** Consecutive failed checks (or hook calls past their deadline) that make a plugin unhealthy and restart it. */
  readonly unhealthyAfter: number;
  /** First restart delay; doubles with every failure in the window, up to `restartMaxMs`. */
  readonly restartBaseMs: number;
  readonly restartMaxMs: number;
  /** More than `crashLoopFailures` failures within `crashLoopWindowMs` park the plugin in `failed`. */
  readonly crashLoopFailures: number;
  readonly crashLoopWindowMs: number;
  /** Spawn-to-handshake limit. */
  readonly startTimeoutMs: number;
  /** Limits for Describe, ConfigurationChanged and Activate at start. */
  readonly activateTimeoutMs: number;
  /** Limit for Deactivate when stopping; after it the process is shut down regardless. */
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
