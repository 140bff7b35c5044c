import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomInt } from "node:crypto";
import type * as grpc from "@grpc/grpc-js";
import type { ListenAddress } from "./channel.js";
import { MAX_UNIX_SOCKET_PATH } from "./socket-dir.js";

/** Where and how the plugin listens, read from the environment the host set. */
export interface ListenerConfig {
  readonly network: "unix" | "tcp";
  /** PLUGIN_UNIX_SOCKET_DIR, when the host gave one. */
  readonly socketDir: string | undefined;
  /** PLUGIN_UNIX_SOCKET_GROUP: group name or numeric gid. */
  readonly socketGroup: string | undefined;
  readonly minPort: number;
  readonly maxPort: number;
}

/** A start-up problem the plugin reports on stderr before exiting with status 1. */
export class StartupError extends Error {
  override readonly name = "StartupError";
}

function port(env: NodeJS.ProcessEnv, key: string): number {
  const raw = env[key] ?? "";
  if (raw === "") return 0;
  if (!/^[0-9]+$/.test(raw) || Number(raw) > 65535)
    throw new StartupError(`${key} must be a port number, got ${JSON.stringify(raw)}`);
  return Number(raw);
}

/**
 * Reads the listener settings: unix socket by default, TCP on 127.0.0.1 when
 * POLYPLUG_PLUGIN_NETWORK=tcp (ports PLUGIN_MIN_PORT..PLUGIN_MAX_PORT, ascending).
 */
export function listenerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ListenerConfig {
  const requested = env.POLYPLUG_PLUGIN_NETWORK ?? "unix";
  if (requested !== "unix" && requested !== "tcp")
    throw new StartupError(`POLYPLUG_PLUGIN_NETWORK must be "unix" or "tcp", got ${JSON.stringify(requested)}`);
  const minPort = port(env, "PLUGIN_MIN_PORT");
  const maxPort = port(env, "PLUGIN_MAX_PORT");
  if (minPort > maxPort)
    throw new StartupError(`PLUGIN_MIN_PORT (${minPort}) is greater than PLUGIN_MAX_PORT (${maxPort})`);
  return {
    network: requested,
    socketDir: env.PLUGIN_UNIX_SOCKET_DIR || undefined,
    socketGroup: env.PLUGIN_UNIX_SOCKET_GROUP || undefined,
    minPort,
    maxPort,
  };
}

function bind(server: grpc.Server, address: string, credentials: grpc.ServerCredentials): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (error, boundPort) => (error ? reject(error) : resolve(boundPort))),
  );
}

function groupId(group: string): number {
  if (/^[0-9]+$/.test(group)) return Number(group);
  const line = readFileSync("/etc/group", "utf8")
    .split("\n")
    .find((entry) => entry.split(":")[0] === group);
  const gid = line?.split(":")[2];
  if (gid === undefined || !/^[0-9]+$/.test(gid))
    throw new StartupError(`PLUGIN_UNIX_SOCKET_GROUP names an unknown group ${JSON.stringify(group)}`);
  return Number(gid);
}

let privateDir: string | undefined;
const socketsToRemove = new Set<string>();

function socketDirectory(config: ListenerConfig): string {
  if (config.socketDir) return config.socketDir;
  if (!privateDir) {
    let base = tmpdir();
    if (base.length > MAX_UNIX_SOCKET_PATH - 30) base = "/tmp";
    privateDir = mkdtempSync(join(base, "plugin-"));
    chmodSync(privateDir, 0o700);
  }
  return privateDir;
}

/** Removes every socket this process created (and its private directory). Safe to call at exit. */
export function removeSockets(): void {
  for (const path of socketsToRemove) {
    try {
      unlinkSync(path);
    } catch {
      // already gone
    }
  }
  socketsToRemove.clear();
  if (privateDir) rmSync(privateDir, { recursive: true, force: true });
  privateDir = undefined;
}

/**
 * Binds `server` per the protocol's listener rules: a unix socket `plugin<digits>` in
 * PLUGIN_UNIX_SOCKET_DIR or a private 0700 temp dir, mode 0600 (0660 and chgrp with a
 * socket group); or the first free TCP port of the range on 127.0.0.1.
 */
export async function bindPluginServer(
  server: grpc.Server,
  credentials: grpc.ServerCredentials,
  config: ListenerConfig,
): Promise<ListenAddress> {
  if (config.network === "tcp") {
    if (config.minPort === 0 && config.maxPort === 0) {
      const bound = await bind(server, "127.0.0.1:0", credentials);
      return { network: "tcp", address: `127.0.0.1:${bound}` };
    }
    for (let candidate = Math.max(1, config.minPort); candidate <= config.maxPort; candidate++) {
      try {
        const bound = await bind(server, `127.0.0.1:${candidate}`, credentials);
        return { network: "tcp", address: `127.0.0.1:${bound}` };
      } catch {
        // taken: try the next port
      }
    }
    throw new StartupError(
      `no free TCP port on 127.0.0.1 between PLUGIN_MIN_PORT=${config.minPort} and PLUGIN_MAX_PORT=${config.maxPort}`,
    );
  }
  const path = join(socketDirectory(config), `plugin${randomInt(1_000_000_000, 10_000_000_000)}`);
  if (Buffer.byteLength(path) > MAX_UNIX_SOCKET_PATH) {
    throw new StartupError(
      `unix socket path ${path} is longer than ${MAX_UNIX_SOCKET_PATH} bytes; set a shorter PLUGIN_UNIX_SOCKET_DIR or TMPDIR`,
    );
  }
  try {
    await bind(server, `unix://${path}`, credentials);
  } catch (error) {
    throw new StartupError(`could not listen on unix socket ${path}: ${(error as Error).message}`);
  }
  socketsToRemove.add(path);
  if (config.socketGroup) {
    chownSync(path, process.getuid?.() ?? -1, groupId(config.socketGroup));
    chmodSync(path, 0o660);
  } else {
    chmodSync(path, 0o600);
  }
  return { network: "unix", address: path };
}
