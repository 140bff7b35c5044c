// Start order (issue 17, row 4; gateway/bench/PROFILE.md "Gateway start: spawn first"): the
// code a plugin's launch does not need — the public server, the GatewayAPI — is loaded only
// once the plugins launched at start have been spawned, so it is evaluated while they boot
// instead of delaying their spawn() calls.

/** Tells when the plugins launched at start have reached spawn(). */
export interface PluginLaunches {
  /** The sandbox of `pluginId` prepared a launch, or failed to (PluginSandboxOptions.onPrepared). */
  prepared(pluginId: string): void;
  /** Resolves once each of `pluginIds` was prepared; call it before their starts are requested. */
  expect(pluginIds: readonly string[]): Promise<void>;
}

/** A watch over the launches of one gateway start. */
export function watchPluginLaunches(): PluginLaunches {
  const waiting = new Map<string, () => void>();
  return {
    prepared(pluginId) {
      waiting.get(pluginId)?.();
      waiting.delete(pluginId);
    },
    async expect(pluginIds) {
      await Promise.all(pluginIds.map((pluginId) => new Promise<void>((resolve) => waiting.set(pluginId, resolve))));
    },
  };
}

/**
 * Runs `load` once the launches were spawned: `prepared` resolved (the host core spawns right
 * after a launch is prepared, with no I/O in between, so one event loop turn later every
 * spawn() call is done), or `started` settled (a launch that failed before its sandbox, a
 * plugin attached instead of launched).
 */
export async function loadWhilePluginsBoot<T>(
  prepared: Promise<void>,
  started: Promise<unknown>,
  load: () => Promise<T>,
): Promise<T> {
  await Promise.race([prepared, started.then(nothing, nothing)]);
  await new Promise<void>((resolve) => setImmediate(resolve));
  return load();
}

function nothing(): void {}
