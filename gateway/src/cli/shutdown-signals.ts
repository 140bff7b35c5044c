import type { Logger } from "pino";

/** Default bound on a graceful stop after SIGTERM/SIGINT; past it plugins are SIGKILLed. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 10_000;

/**
 * A second signal this soon after the first is the same Ctrl-C: the terminal sends SIGINT
 * to the whole foreground process group and a wrapper (`npm start`) forwards its own copy.
 */
export const SAME_SIGNAL_WINDOW_MS = 1000;

/** What `untilSignalled` needs: the graceful and the forced stop. */
export interface SignalShutdown {
  readonly logger: Logger;
  /** Bound on `stop`; past it `kill` runs. */
  readonly shutdownTimeoutMs: number;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Waits for SIGINT or SIGTERM, then stops gracefully (Deactivate, Shutdown, SIGTERM, SIGKILL
 * per plugin) within `shutdownTimeoutMs`; past that bound, or on a second signal more than
 * SAME_SIGNAL_WINDOW_MS after the first (a second Ctrl-C), every plugin is SIGKILLed and
 * its sockets removed. Resolves with the exit code: 0 after a graceful stop, 1 after a
 * forced one. Either way no plugin process or socket directory is left.
 */
export function untilSignalled(shutdown: SignalShutdown): Promise<number> {
  const { logger } = shutdown;
  return new Promise<number>((resolve) => {
    let firstAt: number | undefined;
    let forced: Promise<number> | undefined;
    const force = (why: string): Promise<number> => {
      forced ??= (async () => {
        logger.warn(`${why}: killing plugins now (SIGKILL) and removing their sockets`);
        await shutdown.kill().catch((error: unknown) => logger.error({ err: String(error) }, "forced stop failed"));
        return 1;
      })();
      return forced;
    };
    const onSignal = (signal: NodeJS.Signals) => {
      const now = Date.now();
      if (firstAt === undefined) {
        firstAt = now;
        logger.info(
          { signal, boundMs: shutdown.shutdownTimeoutMs },
          "shutting down: deactivating and stopping plugins",
        );
        let timer: NodeJS.Timeout | undefined;
        const bound = new Promise<number>((done) => {
          timer = setTimeout(
            () => done(force(`plugins did not stop within ${shutdown.shutdownTimeoutMs} ms`)),
            shutdown.shutdownTimeoutMs,
          );
        });
        const graceful = shutdown.stop().then(
          () => 0,
          (error: unknown) => {
            logger.error({ err: String(error) }, "graceful stop failed");
            return force("graceful stop failed");
          },
        );
        void Promise.race([graceful, bound]).then(async (code) => {
          clearTimeout(timer);
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          // A forced stop (second Ctrl-C) may let the graceful one finish first: still forced.
          resolve(forced ? await forced : code);
        });
        return;
      }
      if (now - firstAt < SAME_SIGNAL_WINDOW_MS) {
        logger.debug({ signal }, "second signal right after the first (the same Ctrl-C); still stopping gracefully");
        return;
      }
      void force(`second ${signal}`).then(resolve);
    };
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  });
}
