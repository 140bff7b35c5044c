import { createHash } from "node:crypto";

/**
 * First uid (and gid) of the range reserved for plugins when the gateway runs as root:
 * far above the ranges Debian, systemd (DynamicUser 61184–65519) and rootless containers
 * (subuid ranges from 100000) hand out, below 2^31 so every tool prints it as a number.
 */
export const PLUGIN_UID_BASE = 2_100_000_000;
/** Size of the reserved range. */
export const PLUGIN_UID_SPAN = 1_000_000;

/**
 * The plugin's own unprivileged uid (= gid): derived from its id so it is the same on every
 * restart and every node (files it leaves in its temp dir stay its own), without a table to
 * store. Two ids may collide (about 1 in a million per pair); nothing reports it: two such
 * plugins still see neither each other's files nor processes (own mounts and pid namespace) but
 * share an RLIMIT_NPROC count (gateway/docs/security.md, "Plugin sandbox").
 */
export function pluginUid(pluginId: string): number {
  const digest = createHash("sha256").update(pluginId).digest();
  return PLUGIN_UID_BASE + (digest.readUInt32BE(0) % PLUGIN_UID_SPAN);
}
