/** What a host and its plugins agree on before talking: go-plugin's HandshakeConfig. */
export interface HandshakeConfig {
  /** Environment variable name of the magic cookie. */
  readonly magicCookieKey: string;
  /** Its value; a plugin refuses to start unless it sees exactly this. */
  readonly magicCookieValue: string;
  /** App protocol versions this host speaks; the plugin picks the highest it shares. */
  readonly protocolVersions: readonly number[];
}

/** Polyplug's own magic cookie key. */
export const POLYPLUG_MAGIC_COOKIE_KEY = "POLYPLUG_PLUGIN";
/** Polyplug's own magic cookie value (a fixed random string, not a secret). */
export const POLYPLUG_MAGIC_COOKIE_VALUE = "5be0d50d6b1969b5bbdf8d18b208649b561434faabc06d476b2e525d3b9c8abb";
/** The app protocol versions of the Polyplug contract this gateway speaks. */
export const POLYPLUG_PROTOCOL_VERSIONS: readonly number[] = [1];

/** The handshake for Polyplug plugins. */
export const POLYPLUG_HANDSHAKE: HandshakeConfig = {
  magicCookieKey: POLYPLUG_MAGIC_COOKIE_KEY,
  magicCookieValue: POLYPLUG_MAGIC_COOKIE_VALUE,
  protocolVersions: POLYPLUG_PROTOCOL_VERSIONS,
};
