import { POLYPLUG_HANDSHAKE, type HandshakeConfig } from "polyplug/host";

/** How long the suite waits for a plugin's handshake line by default (the protocol allows 60 s; a suite of ~80 starts should not). */
export const DEFAULT_START_TIMEOUT_MS = 15_000;

/** How the suite launches the plugin under test: what a go-plugin host would configure. */
export interface HostSettings {
  /** Magic cookie and the app protocol versions offered (= those the plugin speaks). */
  readonly handshake: HandshakeConfig;
  /**
   * True when the plugin is not a Polyplug plugin (another cookie was given): the protocol
   * cases run, Polyplug-specific cases are skipped with their reason.
   */
  readonly goPluginMode: boolean;
  /** Start every plugin that runs through the host core with AutoMTLS (the automtls/ cases always use it). */
  readonly autoMtls: boolean;
  /** Time allowed from spawn to the handshake line. */
  readonly startTimeoutMs: number;
}

/** The magic cookie of a go-plugin host, as `--cookie KEY=VALUE` gives it. */
export interface MagicCookie {
  readonly key: string;
  readonly value: string;
}

/** True for any cookie but Polyplug's: the plugin is a go-plugin plugin, not a Polyplug one. */
export function isForeignCookie(cookie: MagicCookie | undefined): boolean {
  return (
    cookie !== undefined &&
    (cookie.key !== POLYPLUG_HANDSHAKE.magicCookieKey || cookie.value !== POLYPLUG_HANDSHAKE.magicCookieValue)
  );
}

/**
 * Builds the settings: Polyplug's cookie unless `cookie` names another (then go-plugin mode),
 * the offered versions, AutoMTLS off and a 15 s start timeout unless given.
 */
export function hostSettings(options: {
  cookie?: MagicCookie;
  protocolVersions: readonly number[];
  autoMtls?: boolean;
  startTimeoutMs?: number;
}): HostSettings {
  const cookie = options.cookie ?? {
    key: POLYPLUG_HANDSHAKE.magicCookieKey,
    value: POLYPLUG_HANDSHAKE.magicCookieValue,
  };
  return {
    handshake: {
      magicCookieKey: cookie.key,
      magicCookieValue: cookie.value,
      protocolVersions: [...options.protocolVersions],
    },
    goPluginMode: isForeignCookie(cookie),
    autoMtls: options.autoMtls ?? false,
    startTimeoutMs: options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS,
  };
}
