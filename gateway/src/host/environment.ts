import { ErrorCode, PolyplugError } from "../errors.js";
import type { HandshakeConfig } from "@polyplug/sdk/internal/goplugin/handshake-config.js";

/** go-plugin's default port range for TCP plugins. */
export const DEFAULT_MIN_PORT = 10000;
export const DEFAULT_MAX_PORT = 25000;

/** Host variables passed to plugins when the host environment is not inherited whole. */
export const BASE_ENV_KEYS: readonly string[] = [
  "PATH",
  "HOME",
  "USER",
  "LOGNAME",
  "LANG",
  "LC_ALL",
  "LC_CTYPE",
  "TZ",
  "TMPDIR",
  "SYSTEMROOT",
];

/** Inputs for the plugin's environment. */
export interface PluginEnvironmentOptions {
  readonly handshake: HandshakeConfig;
  readonly minPort: number;
  readonly maxPort: number;
  readonly socketDir: string;
  /** PEM of the host certificate when AutoMTLS is on. */
  readonly clientCertPem: string | undefined;
  /** Caller extras; go-plugin's own variables still win over them. */
  readonly extra: Readonly<Record<string, string>>;
  /** Pass the host's whole environment (go-plugin's behaviour) instead of a small base set. */
  readonly inheritEnv: boolean;
  readonly hostEnv: Readonly<Record<string, string | undefined>>;
}

const envKey = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Checks a handshake config before it is used (cookie key syntax, versions). */
export function validateHandshakeConfig(config: HandshakeConfig): void {
  if (!envKey.test(config.magicCookieKey)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `magic cookie key ${JSON.stringify(config.magicCookieKey)} is not a valid environment variable name`,
    );
  }
  if (config.magicCookieValue === "")
    throw new PolyplugError(ErrorCode.InvalidArgument, "magic cookie value must not be empty");
  if (config.protocolVersions.length === 0 || config.protocolVersions.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new PolyplugError(
      ErrorCode.InvalidArgument,
      `protocol versions must be a non-empty list of non-negative integers, got [${config.protocolVersions.join(", ")}]`,
    );
  }
}

/**
 * Builds the plugin's environment: a base (the host environment, or only its
 * BASE_ENV_KEYS), then caller extras, then go-plugin's variables, which always win.
 */
export function buildPluginEnvironment(options: PluginEnvironmentOptions): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(options.hostEnv)) {
    if (value !== undefined && (options.inheritEnv || BASE_ENV_KEYS.includes(key))) env[key] = value;
  }
  Object.assign(env, options.extra);
  delete env.PLUGIN_CLIENT_CERT;
  env[options.handshake.magicCookieKey] = options.handshake.magicCookieValue;
  env.PLUGIN_MIN_PORT = String(options.minPort);
  env.PLUGIN_MAX_PORT = String(options.maxPort);
  env.PLUGIN_PROTOCOL_VERSIONS = options.handshake.protocolVersions.join(",");
  env.PLUGIN_UNIX_SOCKET_DIR = options.socketDir;
  if (options.clientCertPem !== undefined) env.PLUGIN_CLIENT_CERT = options.clientCertPem;
  return env;
}
