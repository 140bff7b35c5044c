import { chmodSync, mkdtempSync, statSync } from "node:fs";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Longest unix socket path Linux accepts (sun_path is 108 bytes with the NUL). */
export const MAX_UNIX_SOCKET_PATH = 107;

/** A private directory (mode 0700) for one plugin's sockets, removed on dispose. */
export interface SocketDir {
  readonly path: string;
  dispose(): Promise<void>;
}

/**
 * Creates a private 0700 directory for sockets. A short base path is used so socket
 * paths stay under the OS limit even with a long $TMPDIR (a classic handshake failure).
 */
export async function createSocketDir(base?: string): Promise<SocketDir> {
  let root = base ?? tmpdir();
  // Leave room for "/polyplug-XXXXXX/plugin1234567890" (~34 bytes).
  if (root.length > MAX_UNIX_SOCKET_PATH - 40) root = "/tmp";
  // Synchronous: three quick syscalls on a local directory, where the async versions cost
  // three thread-pool round trips on every plugin start (#17 start-up).
  const path = mkdtempSync(join(root, "polyplug-"));
  chmodSync(path, 0o700);
  const mode = statSync(path).mode & 0o777;
  if (mode !== 0o700) throw new Error(`socket directory ${path} has mode ${mode.toString(8)}, expected 700`);
  return { path, dispose: () => rm(path, { recursive: true, force: true }) };
}
